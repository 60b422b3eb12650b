//! Unit tests of `convert.rs`.

use super::*;

#[test]
fn text_is_typed_only_for_scalar_fields() {
    assert_eq!(typed_text("8080", "u16"), Some(LuaValue::Integer(8080)));
    assert_eq!(
        typed_text("8080", "Option < u16 >"),
        Some(LuaValue::Integer(8080))
    );
    assert_eq!(typed_text("true", "bool"), Some(LuaValue::Boolean(true)));
    assert_eq!(typed_text("x", "u16"), None);
    assert_eq!(typed_text("8080", "String"), None);
}
