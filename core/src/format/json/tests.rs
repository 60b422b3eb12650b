//! The JSON reader's unit tests: what it refuses, where, and what it reads.

use super::*;

fn load(text: &str) -> Result<Value, Vec<Problem>> {
    let path: Arc<Path> = Arc::from(Path::new("t.json"));
    match parse(text, &path, &Lines::new(text)) {
        (Some(value), problems) if problems.is_empty() => Ok(value),
        (_, problems) => Err(problems),
    }
}

fn located(text: &str) -> Vec<String> {
    crate::format::located(text, load(text))
}

#[test]
fn raw_control_characters_in_strings_are_errors_at_their_place() {
    assert_eq!(
        located("{\"a\": \"x\ty\"}"),
        ["invalid JSON: control character U+0009 in a string, write it as `\\t` at t.json:1:9"]
    );
    assert_eq!(
        located("{\n  \"a\": \"x\ny\"}"),
        ["invalid JSON: control character U+000A in a string, write it as `\\n` at t.json:2:10"]
    );
    assert_eq!(
        located("{\"k\u{1}\": 1}"),
        ["invalid JSON: control character U+0001 in a string, write it as `\\u0001` at t.json:1:4"]
    );
    for c in (0..0x20u8).map(char::from) {
        let text = format!("{{\"a\": \"{c}\"}}");
        assert_eq!(load(&text).unwrap_err().len(), 1, "{c:?}");
        assert!(serde_json::from_str::<serde_json::Value>(&text).is_err());
    }
    // Escaped, they are fine; DEL and the rest of Unicode need no escape.
    let value = load("{\"a\": \"\\t\\n\\u0000\u{7f}\u{2028}\"}").unwrap();
    assert_eq!(
        value.get("a").unwrap().kind,
        Kind::String("\t\n\0\u{7f}\u{2028}".into())
    );
}

#[test]
fn only_space_tab_cr_and_lf_are_whitespace() {
    assert!(load(" \t\r\n{ \"a\" :\t1 ,\r\n\"b\": [ ] }\n").is_ok());
    assert_eq!(
        located("{\"a\":\u{c}1}"),
        ["invalid JSON: U+000C is not whitespace in JSON (only space, tab, CR and LF are) at t.json:1:6"]
    );
    for c in [
        '\u{b}', '\u{c}', '\u{85}', '\u{a0}', '\u{1680}', '\u{2000}', '\u{2028}', '\u{3000}',
    ] {
        for text in [format!("{c}{{}}"), format!("{{}}{c}"), format!("[1,{c}2]")] {
            assert!(load(&text).is_err(), "{text:?}");
            assert!(serde_json::from_str::<serde_json::Value>(&text).is_err());
        }
    }
    // The earlier of two faults is the one reported.
    assert_eq!(
        located("{\"a\": x, \"b\":\u{a0}1}"),
        ["invalid JSON: unexpected token at t.json:1:7"]
    );
}

#[test]
fn a_missing_value_is_named_and_the_parsers_words_are_lower_case() {
    for text in [
        "{\"a\": }",
        "{\"a\": , \"b\": 1}",
        "{\"a\": {\"b\":\n}}",
        "{\"a\": ",
    ] {
        let found = located(text);
        assert_eq!(found.len(), 1, "{text:?}");
        assert!(
            found[0].starts_with("invalid JSON: missing value after `:` at t.json:"),
            "{text:?}: {found:?}"
        );
    }
    assert_eq!(
        located("{\"a\": [1,,2]}"),
        ["invalid JSON: unexpected comma at t.json:1:10"]
    );
    let origin = Origin::Env { var: "V".into() };
    assert_eq!(
        inline("{\"a\": }", &origin).unwrap_err().message,
        "invalid inline JSON: missing value after `:` at column 7"
    );
}

#[test]
fn a_leading_byte_order_mark_is_skipped() {
    let value = load("\u{feff}{\n  \"a\": 1}").unwrap();
    assert_eq!(value.get("a").unwrap().kind, Kind::Integer(1));
    assert_eq!(value.get("a").unwrap().origin.to_string(), "t.json:2:8");
    assert_eq!(
        located("\u{feff}{\n\"a\": 1,\n\"a\": 2}"),
        ["duplicate key `a` (first set at line 2, column 1) at t.json:3:1"]
    );
    // Only at the start.
    assert!(load("{}\u{feff}").is_err());
    assert!(load("\u{feff}\u{feff}{}").is_err());
    // And it does not make an empty file into a document.
    assert!(matches!(load("\u{feff}"), Err(p) if p.is_empty()));
}

#[test]
fn numbers_past_a_float_are_errors_not_infinity() {
    assert_eq!(
        located("{\"a\": [1, -1e400]}"),
        ["invalid JSON: number out of range at t.json:1:11"]
    );
    let value = load("{\"a\": 1e-400, \"b\": 99999999999999999999999999999999999999999}");
    let value = value.unwrap();
    assert_eq!(value.get("a").unwrap().kind, Kind::Float(0.0));
    assert_eq!(value.get("b").unwrap().kind, Kind::Float(1e41));
}

#[test]
fn duplicate_keys_are_capped_like_syntax_errors() {
    let text = format!("{{{}\"a\": 1}}", "\"a\": 1, ".repeat(40_000));
    let problems = load(&text).unwrap_err();
    assert_eq!(problems.len(), MAX_SYNTAX_ERRORS + 1);
    assert_eq!(
        format!(
            "{} at {}",
            problems[100].message(),
            problems[100].origin().unwrap()
        ),
        "invalid JSON: ... and 39,900 more syntax errors in this file at t.json:1:810"
    );
}

#[test]
fn inline_json_is_as_strict_as_files_and_bounded_in_depth() {
    let origin = Origin::Env { var: "V".into() };
    assert_eq!(
        inline("[\"a\tb\"]", &origin).unwrap_err().message,
        "invalid inline JSON: control character U+0009 in a string, write it as `\\t` at column 4"
    );
    assert_eq!(
        inline("[1,\u{a0}2]", &origin).unwrap_err().message,
        "invalid inline JSON: U+00A0 is not whitespace in JSON (only space, tab, CR and LF are) at column 4"
    );
    assert_eq!(
        inline("[1e999]", &origin).unwrap_err().message,
        "invalid inline JSON: number out of range"
    );
    let deep = "[".repeat(100_000) + &"]".repeat(100_000);
    let err = inline(&deep, &origin).unwrap_err();
    assert_eq!(
        err.message,
        "invalid inline JSON: nesting is deeper than the limit of 80 levels at column 81"
    );
    assert_eq!(err.kind, ProblemKind::TooDeep);
    let limit = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
    assert!(inline(&limit, &origin).is_ok());
}
