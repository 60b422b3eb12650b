//! The deserializer's unit tests.

use std::time::Duration;

use super::*;
use crate::origin::Origin;
use crate::value::{Kind, Table, Value};
use std::collections::HashMap;

fn text(s: &str) -> Value {
    Value::text(
        s,
        Origin::Env {
            var: "X".to_owned(),
        },
    )
}

fn file(kind: Kind) -> Value {
    Value::new(kind, Origin::Code)
}

#[test]
fn text_is_converted_by_the_target_type() {
    assert_eq!(from_value::<u16>(&text("8080")).unwrap(), 8080);
    assert_eq!(from_value::<String>(&text("123")).unwrap(), "123");
    assert!(from_value::<bool>(&text("T")).unwrap());
    assert_eq!(from_value::<Vec<u8>>(&text("1,2,3")).unwrap(), [1, 2, 3]);
    let map: HashMap<String, u32> = from_value(&text("a:1, b:2")).unwrap();
    assert_eq!(map["b"], 2);
    let d: Duration = from_value(&text("1m30s")).unwrap();
    assert_eq!(d, Duration::from_secs(90));
}

#[test]
fn typed_values_are_not_guessed_into_other_types() {
    let err = from_value::<u16>(&file(Kind::String("8080".into()))).unwrap_err();
    assert_eq!(
        err.message,
        "expected an integer (u16), found string \"8080\""
    );
    let err = from_value::<String>(&file(Kind::Integer(3))).unwrap_err();
    assert_eq!(err.message, "expected a string, found integer 3");
}

#[test]
fn out_of_range_says_the_range() {
    let err = from_value::<u8>(&file(Kind::Integer(300))).unwrap_err();
    assert_eq!(err.message, "300 is out of range for u8 (0 to 255)");
}

#[test]
fn integer_text_with_a_leading_zero_is_refused_with_the_reason() {
    let err = from_value::<u32>(&text("0755")).unwrap_err();
    assert_eq!(
        err.message,
        "expected an integer (u32), found \"0755\" (a leading 0 is ambiguous: \
         drop it for decimal, or use the 0o prefix for octal)"
    );
    assert_eq!(from_value::<u32>(&text("0o755")).unwrap(), 0o755);
}

#[test]
fn floats_never_become_infinite_on_the_way_in() {
    let err = from_value::<f32>(&file(Kind::Float(1e300))).unwrap_err();
    assert_eq!(err.message, "1e300 is out of range for f32 (±3.4028235e38)");
    let err = from_value::<f32>(&text("3.5e38")).unwrap_err();
    assert_eq!(
        err.message,
        "3.5e38 is out of range for f32 (±3.4028235e38)"
    );
    let err = from_value::<f64>(&text("1e400")).unwrap_err();
    assert_eq!(err.message, "expected a number, found \"1e400\"");
    // Infinity written as such is a value, in either width.
    assert_eq!(from_value::<f32>(&text("-inf")).unwrap(), f32::NEG_INFINITY);
    assert_eq!(from_value::<f64>(&text("infinity")).unwrap(), f64::INFINITY);
    assert_eq!(from_value::<f32>(&text("1e-50")).unwrap(), 0.0);
}

#[test]
fn an_empty_table_is_an_empty_list_or_map() {
    let empty = file(Kind::Table(Table::new()));
    assert_eq!(from_value::<Vec<u8>>(&empty).unwrap(), Vec::<u8>::new());
    assert!(from_value::<HashMap<String, u8>>(&empty)
        .unwrap()
        .is_empty());
    let full = file(Kind::Table(Table::from([(
        "a".to_owned(),
        file(Kind::Integer(1)),
    )])));
    assert!(from_value::<Vec<u8>>(&full).is_err());
}

#[test]
fn errors_inside_lists_name_the_item() {
    let list = file(Kind::Array(vec![text("1"), text("x")]));
    let err = from_value::<Vec<u8>>(&list).unwrap_err();
    assert_eq!(err.sub_path(), "1");
}
