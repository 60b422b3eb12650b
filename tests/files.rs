//! Bad input in files: each case is a clear error naming where, never a
//! panic. Paths of temporary files are shown as `$DIR` in the expected text.

use std::fs;

#[path = "support/tmp.rs"]
mod tmp;
use tmp::Tmp;

#[path = "support/load.rs"]
mod load;

use staid::{Builder, Config, Error, ProblemKind};

#[derive(Config, Debug)]
#[allow(dead_code)] // some fields are only there to be checked
struct App {
    #[config(default = 8080)]
    port: u16,
    #[config(default = "app")]
    name: String,
    #[config(default = [])]
    list: Vec<i64>,
    #[config(nested)]
    db: Db,
}

#[derive(Config, Debug)]
struct Db {
    #[config(default = 4)]
    pool: u32,
}

/// The error of loading `App` from one file, `name` holding `bytes`, with
/// the directory it is in (the expected texts write its path `$DIR`).
fn file_error(name: &str, bytes: impl AsRef<[u8]>) -> (Tmp, Error) {
    let dir = Tmp::new();
    let path = dir.write(name, bytes);
    let err = App::builder().file(&path).load().unwrap_err();
    (dir, err)
}

/// The text of the load error of `builder`, which must be one that a
/// file could not be read, with `dir` written `$DIR`.
fn io_error(dir: &Tmp, builder: Builder<App>) -> String {
    let err = builder.load().unwrap_err();
    assert_eq!(kinds(&err), [ProblemKind::Io]);
    dir.text(&err)
}

fn kinds(err: &Error) -> Vec<ProblemKind> {
    err.problems().iter().map(|p| p.kind()).collect()
}

#[test]
fn an_empty_toml_file_is_valid_and_defaults_apply() {
    let dir = Tmp::new();
    let path = dir.write("empty.toml", "");
    let app = App::builder().file(&path).load().unwrap();
    assert_eq!((app.port, app.name.as_str(), app.db.pool), (8080, "app", 4));
}

#[test]
fn an_empty_json_file_is_valid_and_defaults_apply() {
    let dir = Tmp::new();
    let path = dir.write("empty.json", " \n\t\n");
    let app = App::builder().file(&path).load().unwrap();
    assert_eq!(app.port, 8080);
}

#[test]
fn a_file_that_is_not_utf8_names_the_place() {
    let (dir, err) = file_error("bad.toml", b"port = 1\nname = \"ab\xff\xfe\"\n");
    assert_eq!(kinds(&err), [ProblemKind::Io]);
    assert_eq!(
        dir.text(&err),
        "error: $DIR/bad.toml is not UTF-8 text\n  --> $DIR/bad.toml:2:11"
    );
}

#[test]
fn a_directory_where_a_file_was_named() {
    let dir = Tmp::new();
    fs::create_dir(dir.path().join("conf.toml")).unwrap();
    assert_eq!(
        io_error(&dir, App::builder().file(dir.path().join("conf.toml"))),
        "error: cannot read $DIR/conf.toml: it is a directory, not a file"
    );
}

/// The formats of this build: `.lua` comes with the `lua` feature.
const READS: &str = if cfg!(feature = "lua") {
    ".toml, .json, .lua"
} else {
    ".toml, .json"
};

#[test]
fn an_unknown_extension_says_which_formats_are_read() {
    let (dir, err) = file_error("app.yaml", "port: 1\n");
    assert_eq!(kinds(&err), [ProblemKind::Format]);
    assert_eq!(
        dir.text(&err),
        format!("error: $DIR/app.yaml: unknown format (`.yaml`); staid reads {READS}")
    );
}

#[test]
fn a_file_without_extension_has_no_format() {
    let (dir, err) = file_error("appconfig", "port = 1\n");
    assert_eq!(
        dir.text(&err),
        format!("error: $DIR/appconfig: unknown format (no extension); staid reads {READS}")
    );
}

#[test]
fn out_of_range_integers_in_toml_say_the_range() {
    let (dir, err) = file_error("app.toml", "port = 70000\n[db]\npool = -1\n");
    assert_eq!(
        dir.text(&err),
        "2 problems in the configuration:

error: `port`: 70000 is out of range for u16 (0 to 65535)
  --> $DIR/app.toml:1:8
   |
 1 | port = 70000
   |        ^^^^^

error: `db.pool`: -1 is out of range for u32 (0 to 4294967295)
  --> $DIR/app.toml:3:8
   |
 3 | pool = -1
   |        ^^"
    );
}

#[test]
fn out_of_range_integers_in_json_say_the_range() {
    let (dir, err) = file_error(
        "app.json",
        "{\"port\": -3, \"db\": {\"pool\": 99999999999999999999999}}",
    );
    assert_eq!(
        dir.text(&err),
        "2 problems in the configuration:

error: `port`: -3 is out of range for u16 (0 to 65535)
  --> $DIR/app.json:1:10
   |
 1 | {\"port\": -3, \"db\": {\"pool\": 99999999999999999999999}}
   |          ^^

error: `db.pool`: 99999999999999999999999 is out of range for u32 (0 to 4294967295)
  --> $DIR/app.json:1:29
   |
 1 | {\"port\": -3, \"db\": {\"pool\": 99999999999999999999999}}
   |                             ^^^^^^^^^^^^^^^^^^^^^^^"
    );
}

#[test]
fn out_of_range_inside_a_list_names_the_item() {
    let err = load::toml_error::<App>("list = [1, 9223372036854775808]");
    assert_eq!(
        err.to_string(),
        "error: `list.1`: 9223372036854775808 is out of range for i64 \
         (-9223372036854775808 to 9223372036854775807)
  --> <toml>:1:12
   |
 1 | list = [1, 9223372036854775808]
   |            ^^^^^^^^^^^^^^^^^^^"
    );
}

#[test]
fn duplicate_keys_in_toml() {
    let (dir, err) = file_error("app.toml", "port = 1\nname = \"a\"\nport = 2\n");
    assert_eq!(kinds(&err), [ProblemKind::Syntax]);
    assert_eq!(
        dir.text(&err),
        "error: invalid TOML: duplicate key `port`
  --> $DIR/app.toml:3:1
   |
 3 | port = 2
   | ^^^^"
    );
}

#[test]
fn duplicate_keys_in_json() {
    let (dir, err) = file_error("app.json", "{\n  \"port\": 1,\n  \"port\": 2\n}\n");
    assert_eq!(kinds(&err), [ProblemKind::Syntax]);
    assert_eq!(
        dir.text(&err),
        "error: duplicate key `port` (first set at line 2, column 3)
  --> $DIR/app.json:3:3
   |
 3 |   \"port\": 2
   |   ^^^^^^"
    );
}

#[test]
fn duplicate_keys_in_nested_json_objects() {
    let err = load::json_error::<App>(r#"{"db": {"pool": 1, "pool": 2}}"#);
    assert_eq!(kinds(&err), [ProblemKind::Syntax]);
    assert!(err.to_string().starts_with(
        "error: duplicate key `pool` (first set at line 1, column 9)\n  --> <json>:1:20"
    ));
}

#[test]
fn deep_json_nesting_is_refused_without_overflowing_the_stack() {
    let (dir, err) = file_error("deep.json", "[".repeat(100_000));
    assert_eq!(kinds(&err), [ProblemKind::TooDeep]);
    // The line is cut to 100 characters around the caret, at the 82nd `[`
    // (the first is the document itself, the root).
    let shown = "[".repeat(100);
    let indent = " ".repeat(3 + 50);
    assert_eq!(
        dir.text(&err),
        format!(
            "error: nesting is deeper than the limit of 80 levels
  --> $DIR/deep.json:1:82
   |
 1 | ...{shown}...
   | {indent}^"
        )
    );
}

#[test]
fn deep_toml_nesting_is_refused_for_arrays_tables_and_dotted_keys() {
    let arrays = format!("x = {}", "[".repeat(100_000));
    let tables = format!("x = {}1{}", "{a=".repeat(5_000), "}".repeat(5_000));
    let dotted = format!("{} = 1", vec!["a"; 5_000].join("."));
    let header = format!("[{}]\nx = 1", vec!["a"; 5_000].join("."));
    for text in [arrays, tables, dotted, header] {
        let err = load::toml_error::<App>(text);
        assert_eq!(kinds(&err), [ProblemKind::TooDeep]);
        assert!(err
            .to_string()
            .starts_with("error: nesting is deeper than the limit of 80 levels\n  --> <toml>:"));
    }
}

/// One limit for one depth of tree, whatever the syntax that makes it:
/// 80 tables and arrays below the root are read, 81 refused, counted
/// across headers, dotted keys, arrays of tables and brackets together.
#[test]
fn the_depth_limit_is_the_same_for_every_way_of_nesting() {
    #[derive(Config, Debug)]
    struct Anything {
        #[config(default = 0)]
        _unused: u8,
    }
    let refused = |text: String, format: &str| {
        let builder = match format {
            "toml" => Anything::builder().toml_str(text),
            _ => Anything::builder().json_str(text),
        };
        match builder.unknown_keys(staid::Unknown::Ignore).load() {
            Ok(_) => false,
            Err(err) => {
                assert_eq!(kinds(&err), [ProblemKind::TooDeep], "{err}");
                true
            }
        }
    };
    let parts = |n: usize| vec!["a"; n].join(".");
    for (levels, expect) in [(80, false), (81, true)] {
        let arrays = format!("x = {}1{}", "[".repeat(levels), "]".repeat(levels));
        let inline = format!("x = {}1{}", "{a=".repeat(levels), "}".repeat(levels));
        let dotted = format!("{} = 1", parts(levels + 1));
        let header = format!("[{}]\nx = 1", parts(levels));
        // A header half way down, dotted keys and brackets for the rest.
        let half = levels / 2;
        let header_dotted = format!("[{}]\n{} = 1", parts(half), parts(levels - half + 1));
        let header_arrays = format!(
            "[{}]\nx = {}1{}",
            parts(half),
            "[".repeat(levels - half),
            "]".repeat(levels - half)
        );
        let json = format!("{{\"x\": {}1{}}}", "[".repeat(levels), "]".repeat(levels));
        for (name, text, format) in [
            ("arrays", arrays, "toml"),
            ("inline tables", inline, "toml"),
            ("dotted key", dotted, "toml"),
            ("header", header, "toml"),
            ("header and dotted key", header_dotted, "toml"),
            ("header and arrays", header_arrays, "toml"),
            ("json", json, "json"),
        ] {
            assert_eq!(refused(text, format), expect, "{name} at {levels} levels");
        }
    }
    // Arrays of tables: `[[a]]` then `[[a.a]]` ... 40 deep is 80 levels.
    let aot = |n: usize| {
        (1..=n)
            .map(|k| format!("[[{}]]\n", parts(k)))
            .collect::<String>()
    };
    assert!(!refused(aot(40), "toml"));
    assert!(refused(aot(40) + &format!("[{}.b]\n", parts(40)), "toml"));
}

#[test]
fn nesting_within_the_limit_is_read() {
    #[derive(Config, Debug)]
    struct Deep {
        x: serde_json_free::Nested,
    }
    mod serde_json_free {
        /// Any depth of single-element lists around an integer.
        #[derive(Debug, serde::Deserialize)]
        #[serde(untagged)]
        pub enum Nested {
            Leaf(i64),
            List(Vec<Nested>),
        }
    }
    let text = format!("x = {}7{}", "[".repeat(60), "]".repeat(60));
    let deep = load::toml::<Deep>(text);
    let mut node = &deep.x;
    let mut depth = 0;
    while let serde_json_free::Nested::List(items) = node {
        node = &items[0];
        depth += 1;
    }
    assert_eq!(depth, 60);
    assert!(matches!(node, serde_json_free::Nested::Leaf(7)));
}

#[test]
fn long_float_lists_and_many_dotted_keys_are_not_too_deep() {
    #[derive(Config, Debug)]
    struct Weights {
        w: Vec<f64>,
        #[config(nested)]
        t: Inner,
    }
    #[derive(Config, Debug)]
    struct Inner {
        m: std::collections::BTreeMap<String, std::collections::BTreeMap<String, f64>>,
    }
    let floats = vec!["0.5"; 500].join(", ");
    let keys: Vec<String> = (0..200).map(|i| format!("k{i}.v = 1.5")).collect();
    let text = format!("w = [{floats}]\n[t]\nm = {{ {} }}\n", keys.join(", "));
    let weights = load::toml::<Weights>(text);
    assert_eq!(weights.w.len(), 500);
    assert_eq!(weights.t.m.len(), 200);
    assert_eq!(weights.t.m["k7"]["v"], 1.5);
}

#[test]
fn a_table_where_a_scalar_is_expected() {
    let err = load::toml_error::<App>("port = { a = 1 }\n");
    assert_eq!(
        err.to_string(),
        "error: `port`: expected an integer (u16), found a table
  --> <toml>:1:8
   |
 1 | port = { a = 1 }
   |        ^^^^^^^^^"
    );
}

#[test]
fn a_scalar_where_a_table_is_expected() {
    let err = load::toml_error::<App>("db = 3\n");
    assert_eq!(
        err.to_string(),
        "error: `db`: expected a table, found integer
  --> <toml>:1:6
   |
 1 | db = 3
   |      ^"
    );
}

#[test]
fn arrays_and_tables_swapped_in_json() {
    let err = load::json_error::<App>(r#"{"db": [1], "list": {"a": 1}}"#);
    assert_eq!(
        err.to_string(),
        r#"2 problems in the configuration:

error: `list`: expected a list, found a table
  --> <json>:1:21
   |
 1 | {"db": [1], "list": {"a": 1}}
   |                     ^^^^^^^^

error: `db`: expected a table, found array
  --> <json>:1:8
   |
 1 | {"db": [1], "list": {"a": 1}}
   |        ^^^"#
    );
}

#[test]
fn a_json_file_must_hold_an_object() {
    let err = load::json_error::<App>("[1, 2]");
    assert_eq!(
        err.to_string(),
        "error: a JSON configuration file must hold an object at the top
  --> <json>:1:1
   |
 1 | [1, 2]
   | ^^^^^^"
    );
}

#[test]
fn a_missing_file_gives_the_os_reason() {
    let dir = Tmp::new();
    assert_eq!(
        io_error(&dir, App::builder().file(dir.path().join("absent.toml"))),
        "error: cannot read $DIR/absent.toml: No such file or directory"
    );
}

#[test]
fn an_optional_file_that_is_missing_is_fine() {
    let dir = Tmp::new();
    let app = App::builder()
        .optional_file(dir.path().join("absent.toml"))
        .optional_file(dir.path().join("absent.json"))
        .load()
        .unwrap();
    assert_eq!(app.port, 8080);
}

#[test]
fn an_optional_file_that_cannot_be_read_is_an_error() {
    // A path through a regular file fails with "not a directory", not
    // "not found": the file is there to be read and is not readable.
    let dir = Tmp::new();
    dir.write("plain", "x");
    let optional = App::builder().optional_file(dir.path().join("plain/app.toml"));
    assert_eq!(
        io_error(&dir, optional),
        "error: cannot read $DIR/plain/app.toml: Not a directory"
    );
}

#[test]
fn an_optional_file_that_is_a_directory_is_an_error() {
    let dir = Tmp::new();
    fs::create_dir(dir.path().join("local.toml")).unwrap();
    let optional = App::builder().optional_file(dir.path().join("local.toml"));
    assert_eq!(
        io_error(&dir, optional),
        "error: cannot read $DIR/local.toml: it is a directory, not a file"
    );
}

#[test]
fn an_optional_file_that_is_invalid_is_an_error() {
    let dir = Tmp::new();
    let path = dir.write("local.json", "{\"port\": }");
    let err = App::builder().optional_file(&path).load().unwrap_err();
    assert_eq!(kinds(&err), [ProblemKind::Syntax]);
    assert!(dir.text(&err).starts_with("error: invalid JSON: "), "{err}");
    assert!(dir.text(&err).contains("--> $DIR/local.json:1:"), "{err}");
}

#[test]
fn a_toml_syntax_error_has_a_snippet_and_caret() {
    let err = load::toml_error::<App>("port = 1\nname = 'x\n");
    assert_eq!(
        err.to_string(),
        "error: invalid TOML: invalid literal string, expected `'`
  --> <toml>:2:10
   |
 2 | name = 'x
   |          ^"
    );
}

#[test]
fn every_syntax_error_of_a_toml_file_is_reported() {
    let err = load::toml_error::<App>("port = \nname = 'x\n");
    assert_eq!(kinds(&err), [ProblemKind::Syntax, ProblemKind::Syntax]);
}

#[test]
fn an_integer_past_every_integer_type_is_a_syntax_error_not_text() {
    #[derive(Config, Debug)]
    struct Named {
        #[allow(dead_code)] // only the error is looked at
        name: Option<String>,
    }
    let dir = Tmp::new();
    let path = dir.write(
        "big.toml",
        "name = 123456789012345678901234567890123456789012345\n",
    );
    let err = Named::builder().file(&path).load().unwrap_err();
    assert_eq!(kinds(&err), [ProblemKind::Syntax]);
    assert!(
        dir.text(&err)
            .starts_with("error: invalid TOML: integer is out of range\n  --> $DIR/big.toml:1:8"),
        "{}",
        dir.text(&err)
    );
}

/// Two texts are named apart, so each problem shows a line of its own text.
#[test]
fn each_text_layer_is_named_apart_and_shows_its_own_line() {
    let err = App::builder()
        .toml_str("port = \"eighty\"\n")
        .toml_str("name = \"from the second text\"\nport = \"ninety\"\n")
        .json_str("{\"list\": 1}")
        .json_str("{\"list\": [\"x\"]}")
        .load()
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains(
            "error: `port`: expected an integer (u16), found string \"ninety\"\n  --> <toml 2>:2:8\n   \
             |\n 2 | port = \"ninety\"\n"
        ),
        "{text}"
    );
    assert!(text.contains("--> <json 2>:1:11"), "{text}");
    assert!(!text.contains("from the second text"), "{text}");

    let err = App::builder()
        .toml_str("port = \"eighty\"\n")
        .toml_str("name = \"from the second text\"\n")
        .load()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "error: `port`: expected an integer (u16), found string \"eighty\"\n  --> <toml>:1:8\n   \
         |\n 1 | port = \"eighty\"\n   |        ^^^^^^^^"
    );
}
