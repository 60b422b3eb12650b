//! Items of lists, tuples and maps of leaves: every bad item is reported at
//! its own index, none is dropped, none is made up. serde stops at the first
//! error; a load must not.
// Most structs here are loaded only to fail: their fields are never read.
#![allow(dead_code)]

use std::collections::BTreeMap;

#[path = "support/load.rs"]
mod load;

use staid::{Config, Error};

#[derive(Config, Debug)]
#[config(name = "app")]
struct App {
    pair: Option<(u8, u8)>,
    rgb: Option<[u8; 3]>,
    #[config(default = [])]
    ports: Vec<u16>,
    #[config(merge = "append", default = [])]
    tags: Vec<u8>,
    #[config(default = {})]
    limits: BTreeMap<String, u8>,
    #[config(default = [])]
    grid: Vec<Vec<u8>>,
    offset: Option<i32>,
    ratio: Option<f64>,
    #[config(secret, default = [])]
    pins: Vec<u16>,
}

fn problems(error: &Error) -> Vec<String> {
    error
        .problems()
        .iter()
        .map(|p| format!("{}: {}", p.key().unwrap_or("-"), p.message()))
        .collect()
}

fn toml(text: &str) -> Error {
    load::toml_error::<App>(text)
}

#[test]
fn every_bad_item_of_a_list_is_reported_at_its_index() {
    let error = toml("ports = [1, \"a\", 70000, 3, -1]\n");
    assert_eq!(
        problems(&error),
        [
            "ports.1: expected an integer (u16), found string \"a\"",
            "ports.2: 70000 is out of range for u16 (0 to 65535)",
            "ports.4: -1 is out of range for u16 (0 to 65535)",
        ]
    );
    let text = error.to_string();
    assert!(text.contains("<toml>:1:18"), "{text}");
    assert!(text.contains("<toml>:1:28"), "{text}");
}

#[test]
fn every_bad_entry_of_a_map_and_of_an_inner_list_is_reported() {
    let error =
        toml("limits = { a = 1, b = \"x\", c = 300, d = 4 }\ngrid = [[1], [\"x\"], [2, 999]]\n");
    assert_eq!(
        problems(&error),
        [
            "limits.b: expected an integer (u8), found string \"x\"",
            "limits.c: 300 is out of range for u8 (0 to 255)",
            "grid.1.0: expected an integer (u8), found string \"x\"",
            "grid.2.1: 999 is out of range for u8 (0 to 255)",
        ]
    );
}

#[test]
fn bad_items_from_every_layer_of_an_appended_list_are_reported() {
    let error = App::builder()
        .toml_str("tags = [300]\n")
        .json_str(r#"{"tags": [1, "x"]}"#)
        .env_from([("APP_TAGS", "2,y")])
        .load()
        .unwrap_err();
    let text = error.to_string();
    assert_eq!(error.problems().len(), 3, "{text}");
    assert!(
        text.contains("`tags.0`: 300 is out of range for u8"),
        "{text}"
    );
    assert!(
        text.contains("`tags.2`: expected an integer (u8), found string \"x\""),
        "{text}"
    );
    assert!(
        text.contains("`tags.4`: expected an integer (u8), found \"y\""),
        "{text}"
    );
    assert!(text.contains("env APP_TAGS"), "{text}");
}

#[test]
fn every_bad_item_of_a_list_from_the_environment_is_reported() {
    for value in ["1,x,70000", "[1, \"x\", 70000]"] {
        let error = load::env_error::<App>([("APP_PORTS", value)]);
        let keys: Vec<_> = error.problems().iter().map(|p| p.key().unwrap()).collect();
        assert_eq!(keys, ["ports.1", "ports.2"], "{value}: {error}");
    }
}

#[test]
fn a_tuple_or_array_given_too_many_items_is_an_error() {
    for (text, key, message) in [
        (
            "pair = [1, 2, \"junk\"]",
            "pair",
            "invalid length 3, expected 2 items",
        ),
        (
            "rgb = [1, 2, 3, 300]",
            "rgb",
            "invalid length 4, expected 3 items",
        ),
        (
            "pair = [1]",
            "pair",
            "invalid length 1, expected a tuple of size 2",
        ),
    ] {
        let error = toml(text);
        assert_eq!(problems(&error), [format!("{key}: {message}")], "{text}");
    }
    let error = load::env_error::<App>([("APP_PAIR", "1,2,3")]);
    assert_eq!(
        problems(&error),
        ["pair: invalid length 3, expected 2 items"]
    );
    // The right number still loads.
    let app = load::toml::<App>("pair = [1, 2]\nrgb = [1, 2, 3]");
    assert_eq!((app.pair, app.rgb), (Some((1, 2)), Some([1, 2, 3])));
}

/// A tuple's items each have a type of their own, so past its first bad
/// item none is read again by another's type: `(u8, String)` given
/// `[300, "x"]` has one problem, at `pair.0`.
#[test]
fn a_tuple_reports_its_first_bad_item_and_makes_up_none() {
    #[derive(Config, Debug)]
    struct Mixed {
        pair: Option<(u8, String)>,
    }
    let error = load::toml_error::<Mixed>("pair = [300, \"x\"]");
    assert_eq!(
        problems(&error),
        ["pair.0: 300 is out of range for u8 (0 to 255)"]
    );
    let error = load::env_error::<Mixed>([("PAIR", "300,x")]);
    assert_eq!(
        problems(&error),
        ["pair.0: 300 is out of range for u8 (0 to 255)"]
    );
}

#[test]
fn a_json_null_in_a_list_is_an_error_at_the_null_not_a_shorter_list() {
    let error = load::json_error::<App>(r#"{"ports": [80, null, 443]}"#);
    assert_eq!(
        error.to_string(),
        "error: invalid JSON: a list item cannot be `null`; leave the item out\n  \
         --> <json>:1:16\n   \
         |\n \
         1 | {\"ports\": [80, null, 443]}\n   \
         |                ^^^^"
    );
    let error = load::env_error::<App>([("APP_PORTS", "[null, 1]")]);
    let text = error.to_string();
    assert!(text.contains("a list item cannot be `null`"), "{text}");
    assert!(text.contains("env APP_PORTS"), "{text}");
    // A null for a key still sets nothing.
    let app = App::builder()
        .toml_str("ports = [1]")
        .json_str(r#"{"ports": null}"#)
        .load()
        .unwrap();
    assert_eq!(app.ports, [1]);
}

#[test]
fn negative_numbers_are_values_of_flags() {
    let app = load::args::<App>(["app", "--offset", "-5", "--ratio", "-1.5", "--ports", "-0"]);
    assert_eq!(
        (app.offset, app.ratio, &app.ports[..]),
        (Some(-5), Some(-1.5), &[0][..])
    );
    // Numbers in staid's own forms, and lists of them.
    #[derive(Config, Debug)]
    struct Signed {
        nums: Option<Vec<i32>>,
        off: Option<i32>,
        r: Option<f64>,
        pair: Option<(i32, i32)>,
    }
    let signed = load::args::<Signed>([
        "s", "--nums", "-1,-2", "--off", "-0x10", "--r", "-.5", "--pair", "-1,-2",
    ]);
    assert_eq!(signed.nums, Some(vec![-1, -2]));
    assert_eq!(
        (signed.off, signed.r, signed.pair),
        (Some(-16), Some(-0.5), Some((-1, -2)))
    );
    let signed = load::args::<Signed>(["s", "--off", "-1_000"]);
    assert_eq!(signed.off, Some(-1000));
    let error = load::args_error::<App>(["app", "--ports", "-1"]);
    assert_eq!(
        problems(&error),
        ["ports.0: -1 is out of range for u16 (0 to 65535)"]
    );
    assert!(error.to_string().contains("flag --ports"), "{error}");
}

#[test]
fn a_key_given_twice_in_map_text_is_an_error() {
    let error = load::env_error::<App>([("APP_LIMITS", "a:1,a:2")]);
    assert_eq!(
        problems(&error),
        ["limits: duplicate key \"a\" in `key:value` pairs"]
    );
}

#[test]
fn a_tiny_or_huge_float_is_shown_short() {
    let error = toml("ports = [5e-324, 1e300]");
    assert_eq!(
        problems(&error),
        [
            "ports.0: expected an integer (u16), found float 5e-324",
            "ports.1: expected an integer (u16), found float 1e300",
        ]
    );
}

#[test]
fn bad_items_of_a_secret_list_are_reported_without_their_values() {
    let error = toml("pins = [\"1234x\", 99999]");
    let text = error.to_string();
    assert_eq!(error.problems().len(), 2, "{text}");
    assert!(!text.contains("1234x") && !text.contains("99999"), "{text}");
}

/// A key holding a dot is quoted in a problem's key path, as explain and
/// `Loaded::origin` write it, so the path names the key it means.
#[test]
fn a_key_with_a_dot_is_quoted_in_key_paths() {
    let error = toml("[limits]\n\"a.b\" = \"x\"\n\"c.d\" = 300\n");
    assert_eq!(
        problems(&error),
        [
            "limits.\"a.b\": expected an integer (u8), found string \"x\"",
            "limits.\"c.d\": 300 is out of range for u8 (0 to 255)",
        ]
    );
    let error = toml("\"db.pool\" = 3\n");
    assert_eq!(problems(&error), ["\"db.pool\": unknown key"]);
}

/// serde reads `usize` as `u64`; messages name the field's own type.
#[test]
fn pointer_sized_integers_are_named_as_written() {
    #[derive(Config, Debug)]
    struct Sizes {
        count: Option<usize>,
        delta: Option<isize>,
    }
    let error = load::toml_error::<Sizes>("count = -1\ndelta = \"x\"");
    let shown = problems(&error);
    assert!(
        shown[0].starts_with("count: -1 is out of range for usize (0 to "),
        "{shown:?}"
    );
    assert_eq!(
        shown[1],
        "delta: expected an integer (isize), found string \"x\""
    );
}

/// A fixed-size array's items share one type: each bad one is reported.
#[test]
fn every_bad_item_of_an_array_is_reported() {
    let error = toml("rgb = [\"a\", 2, \"c\"]");
    let keys: Vec<_> = error.problems().iter().map(|p| p.key().unwrap()).collect();
    assert_eq!(keys, ["rgb.0", "rgb.2"]);
}

/// A value that starts with `--` after a number field's flag is a flag:
/// `--offset --help` lacks its value, it does not set `--help` as one.
#[test]
fn a_flag_after_a_number_fields_flag_stays_a_flag() {
    let err = load::args_error::<App>(["app", "--offset", "--help"]);
    assert!(
        err.to_string()
            .starts_with("error: a value is required for '--offset <OFFSET>'"),
        "{err}"
    );
}

/// A type of its own named `Duration`, read by its `FromStr`, takes its
/// own forms as defaults.
#[test]
fn a_from_str_duration_of_its_own_takes_its_own_default() {
    mod iso {
        #[derive(Debug, PartialEq)]
        pub struct Duration(pub u64);
        impl std::str::FromStr for Duration {
            type Err = String;
            fn from_str(s: &str) -> Result<Duration, String> {
                let secs = s.strip_prefix("PT").and_then(|s| s.strip_suffix('S'));
                secs.and_then(|n| n.parse().ok())
                    .map(Duration)
                    .ok_or_else(|| format!("not ISO 8601: {s}"))
            }
        }
    }
    #[derive(Config, Debug)]
    struct Iso {
        #[config(from_str, default = "PT30S")]
        timeout: iso::Duration,
    }
    assert_eq!(Iso::builder().load().unwrap().timeout, iso::Duration(30));
}

/// After a syntax error, a key the text still shows counts as set, also
/// under an entry whose name holds a dot: no "missing" for it on top.
#[test]
fn a_key_set_in_a_broken_file_under_a_dotted_entry_is_not_missing() {
    #[derive(Config, Debug)]
    struct Servers {
        #[config(nested)]
        servers: BTreeMap<String, Server>,
    }
    #[derive(Config, Debug)]
    struct Server {
        host: String,
        port: u16,
    }
    let error = Servers::builder()
        .toml_str("[servers.\"a.b\"]\nport = 1")
        .toml_str("[servers.\"a.b\"]\nhost = \"x\"\nport = = 2")
        .load()
        .unwrap_err();
    assert_eq!(error.problems().len(), 1, "{error}");
    assert!(error.to_string().contains("invalid TOML"), "{error}");
}

/// Map text from the environment: a malformed pair does not hide the other
/// malformed pairs, nor the bad values of the well-formed ones.
#[test]
fn every_bad_pair_and_entry_of_map_text_is_reported() {
    let error = load::env_error::<App>([("APP_LIMITS", "a:x,b:1,c:300,d,e:2,f")]);
    assert_eq!(
        problems(&error),
        [
            "limits: expected `key:value` pairs separated by commas, found \"d\"",
            "limits: expected `key:value` pairs separated by commas, found \"f\"",
            "limits.a: expected an integer (u8), found \"x\"",
            "limits.c: 300 is out of range for u8 (0 to 255)",
        ],
        "{error}"
    );
    // Without a malformed pair, every bad entry is still reported.
    let error = load::env_error::<App>([("APP_LIMITS", "a:x,b:1,c:300")]);
    assert_eq!(
        problems(&error),
        [
            "limits.a: expected an integer (u8), found \"x\"",
            "limits.c: 300 is out of range for u8 (0 to 255)",
        ],
        "{error}"
    );
}
