//! The source in examples/custom_source.rs, built on public items only, run
//! alone through `Harness` and in a builder.

#[path = "../examples/custom_source.rs"]
#[allow(dead_code)]
mod example;

use std::path::Path;

use example::{App, Properties};
#[path = "support/tmp.rs"]
mod tmp;
use tmp::Tmp;

use staid::source::{Harness, Source};
use staid::{Config, ProblemKind};

fn fixture() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/custom/legacy.properties")
}

#[test]
fn the_example_runs() {
    example::main().unwrap();
}

#[test]
fn values_are_text_with_their_positions() {
    let mut harness = Harness::new::<App>();
    let layer = harness.load(&Properties::file(fixture())).unwrap().unwrap();
    assert!(harness.problems().is_empty(), "{:?}", harness.problems());
    let port = layer.get("server.port").unwrap();
    assert!(port.is_text());
    assert_eq!(port.as_str(), Some("9090"));
    let (_, line, column) = port.origin.file_position().unwrap();
    assert_eq!((line, column), (2, 15));
    assert_eq!(Properties::file(fixture()).watch_paths(), [fixture()]);
}

#[test]
fn in_a_builder_text_is_converted_by_each_fields_type() {
    let loaded = App::builder()
        .source(Properties::file(fixture()))
        .load_full()
        .unwrap();
    let app = loaded.config();
    assert_eq!(app.server.port, 9090);
    assert_eq!(app.db.pool, 16);
    assert_eq!(app.db.timeout.as_secs(), 45);
    assert_eq!(app.allowed, ["10.0.0.0/8", "192.168.0.0/16"]);
    let origin = loaded.origin("db.pool").unwrap().to_string();
    assert!(origin.ends_with("legacy.properties:4:11"), "{origin}");
}

#[test]
fn every_bad_line_is_reported_with_a_caret_and_type_errors_show_the_line() {
    let dir = Tmp::new();
    let path = dir.write(
        "bad.properties",
        "server.port = high\njust words\n.pool = 3\ndb.pool = 2\ndb.pool = 3\n",
    );
    let err = App::builder()
        .source(Properties::file(&path))
        .load()
        .unwrap_err();
    let shown = err
        .to_string()
        .replace(&path.display().to_string(), "bad.properties");
    assert_eq!(
        shown,
        "3 problems in the configuration:

error: expected `key = value`
  --> bad.properties:2:1
   |
 2 | just words
   | ^^^^^^^^^^

error: a key needs a name in every part
  --> bad.properties:3:1
   |
 3 | .pool = 3
   | ^^^^^^

error: `server.port`: expected an integer (u16), found \"high\"
  --> bad.properties:1:15
   |
 1 | server.port = high
   |               ^^^^"
    );
    let mut harness = Harness::new::<App>();
    harness.load(&Properties::file(&path)).unwrap();
    assert_eq!(harness.problems().len(), 2);
    let warnings = harness.warnings();
    assert_eq!(warnings.len(), 1);
    assert_eq!(warnings[0].kind(), ProblemKind::Syntax);
    assert_eq!(
        warnings[0].to_string(),
        "`db.pool`: `db.pool` is set again (first on line 4); the later one wins"
    );
}

/// A source that says column 0 (columns are 1-based) for values whose
/// text it registered: problems at them still come with a snippet, and
/// the load never panics.
#[test]
fn a_source_that_says_column_0_gets_snippets_not_a_panic() {
    use staid::source::LoadCtx;
    use staid::{Origin, Problem, Value};
    use std::sync::Arc;

    struct ColumnZero;
    impl Source for ColumnZero {
        fn describe(&self) -> String {
            "column zero".to_owned()
        }
        fn load(&self, ctx: &mut LoadCtx<'_>) -> Result<Option<Value>, Vec<Problem>> {
            let path: Arc<Path> = Arc::from(Path::new("zero.props"));
            ctx.add_text(path.clone(), Arc::from("port = high\nstray = 1\n"));
            let at = |line| Origin::File {
                path: path.clone(),
                line,
                column: 0,
            };
            let mut layer = Value::table(Origin::Code);
            layer.insert_at("server.port", Value::text("high", at(1)));
            layer.insert_at("stray", Value::text("1", at(2)));
            Ok(Some(layer))
        }
    }
    let err = App::builder().source(ColumnZero).load().unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("`server.port`: expected an integer"),
        "{text}"
    );
    assert!(text.contains("`stray`: unknown key"), "{text}");
    assert!(text.contains(" 1 | port = high\n"), "{text}");
}

/// A layer loaded through `Harness` hides secrets as a whole load does: a
/// secret field's value shows as the mask in `Debug`.
#[test]
fn a_harness_hides_secret_values_in_debug() {
    use staid::source::LoadCtx;
    use staid::{Origin, Problem, Value};

    #[derive(Config)]
    #[allow(dead_code)]
    struct Vault {
        #[config(secret)]
        token: Option<String>,
        #[config(default = "x")]
        name: String,
    }
    struct Fixed;
    impl Source for Fixed {
        fn describe(&self) -> String {
            "fixed".to_owned()
        }
        fn load(&self, _: &mut LoadCtx<'_>) -> Result<Option<Value>, Vec<Problem>> {
            let mut layer = Value::table(Origin::Code);
            layer.insert_at("token", Value::text("hunter2", Origin::Code));
            layer.insert_at("name", Value::text("plain", Origin::Code));
            Ok(Some(layer))
        }
    }
    let layer = Harness::new::<Vault>().load(&Fixed).unwrap().unwrap();
    let shown = format!("{layer:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("plain"), "{shown}");
    assert_eq!(layer.get("token").unwrap().as_str(), Some("hunter2"));
}

/// A source that parses the text it fetches with `format::parse` and
/// forwards the problems, as "Writing a source" says, shows no line of a
/// secret that spans lines, whether or not it also keeps the text.
#[test]
fn a_fetched_document_that_does_not_parse_shows_no_line_of_a_secret() {
    use std::sync::Arc;

    use staid::format::{parse, Format};
    use staid::source::LoadCtx;
    use staid::{Problem, Value};

    #[derive(Config, Debug)]
    #[allow(dead_code)]
    struct Fetched {
        #[config(nested)]
        db: Db,
    }
    #[derive(Config, Debug)]
    #[allow(dead_code)]
    struct Db {
        #[config(default = "localhost")]
        host: String,
        #[config(secret)]
        password: Option<String>,
    }
    const URL: &str = "https://vault.example/v1/app";
    const TEXT: &str =
        "{\"db\": {\n  \"host\": \"h\",\n  \"password\":\n    \"hunter2-pw\" \"oops\"\n}}\n";
    struct Vault {
        keep_text: bool,
    }
    impl Source for Vault {
        fn describe(&self) -> String {
            format!("vault {URL}")
        }
        fn load(&self, ctx: &mut LoadCtx<'_>) -> Result<Option<Value>, Vec<Problem>> {
            let (tree, problems) = parse(Format::Json, URL, TEXT);
            if self.keep_text {
                ctx.add_text(Path::new(URL), Arc::from(TEXT));
            }
            for problem in problems {
                ctx.problem(problem);
            }
            Ok(tree)
        }
    }
    for keep_text in [false, true] {
        let err = Fetched::builder()
            .source(Vault { keep_text })
            .load()
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("error: invalid JSON: expected comma\n  --> {URL}:4:17"),
            "keep_text: {keep_text}"
        );
        let mut harness = Harness::new::<Fetched>();
        harness.load(&Vault { keep_text }).unwrap();
        let shown = format!("{:?}", harness.problems());
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}

/// An application with secrets, for the example's source and sources of
/// the tests' own.
#[derive(Config, Debug)]
#[allow(dead_code)]
struct Guarded {
    #[config(nested)]
    db: Guard,
    #[config(secret, default = {})]
    tokens: std::collections::BTreeMap<String, String>,
}

#[derive(Config, Debug)]
#[allow(dead_code)]
struct Guard {
    host: Option<String>,
    #[config(secret)]
    password: Option<String>,
}

/// A line the example cannot read (its separator missing, or a dotted key
/// of a secret map) shows no secret: a custom syntax is covered too.
#[test]
fn a_bad_line_of_the_examples_source_shows_no_secret() {
    for text in [
        "db.password hunter2\n",
        "tokens.alice hunter2\n",
        "db.host = h\ndb.password hunter2\n",
    ] {
        let dir = Tmp::new();
        let path = dir.write("app.properties", text);
        let err = Guarded::builder()
            .source(Properties::file(&path))
            .load()
            .unwrap_err();
        let shown = err.to_string();
        assert!(shown.contains("expected `key = value`"), "{shown}");
        assert!(!shown.contains("hunter2"), "{text:?}: {shown}");
    }
}

/// A problem with a span in text the load does not hold is judged by its
/// own line, and that line hides a dotted key of a secret map as it hides
/// a secret field's.
#[test]
fn a_spanned_line_of_a_secret_maps_entry_is_hidden_without_the_text() {
    use staid::source::LoadCtx;
    use staid::{Problem, Value};
    struct Bad(&'static str);
    impl Source for Bad {
        fn describe(&self) -> String {
            "mem".to_owned()
        }
        fn load(&self, _: &mut LoadCtx<'_>) -> Result<Option<Value>, Vec<Problem>> {
            let problem = Problem::new(ProblemKind::Syntax, "odd line").with_span(
                "mem://cfg",
                self.0,
                0..self.0.len() - 1,
            );
            Err(vec![problem])
        }
    }
    for text in ["tokens.alice:hunter2\n", "db.password:hunter2\n"] {
        let shown = Guarded::builder()
            .source(Bad(text))
            .load()
            .unwrap_err()
            .to_string();
        assert!(shown.contains("--> mem://cfg:1:1"), "{shown}");
        assert!(!shown.contains("hunter2"), "{shown}");
    }
    // A line of no secret keeps its snippet.
    let shown = Guarded::builder()
        .source(Bad("db.host:h!\n"))
        .load()
        .unwrap_err()
        .to_string();
    assert!(shown.contains("1 | db.host:h!"), "{shown}");
}

/// `format::parse` keeps where each key stands: an unknown key is placed at
/// the key whether or not the source also gives the load its text.
#[test]
fn an_unknown_key_from_format_parse_is_placed_at_the_key() {
    use std::sync::Arc;

    use staid::format::{parse, Format};
    use staid::source::LoadCtx;
    use staid::{Problem, Value};
    const URL: &str = "https://cfg.example/app.json";
    const TEXT: &str = "{\n  \"db\": {\"host\": \"h\", \"hots\": 1}\n}";
    struct Fetched(bool);
    impl Source for Fetched {
        fn describe(&self) -> String {
            URL.to_owned()
        }
        fn load(&self, ctx: &mut LoadCtx<'_>) -> Result<Option<Value>, Vec<Problem>> {
            if self.0 {
                ctx.add_text(Path::new(URL), Arc::from(TEXT));
            }
            Ok(parse(Format::Json, URL, TEXT).0)
        }
    }
    for keep in [false, true] {
        let err = Guarded::builder().source(Fetched(keep)).load().unwrap_err();
        let origin = err.problems()[0].origin().unwrap().to_string();
        assert_eq!(origin, format!("{URL}:2:24"), "keep: {keep}");
    }
}

/// A store key of any length is shown cut in an origin, as a key path is.
#[test]
fn a_long_store_key_is_shown_cut() {
    use staid::source::LoadCtx;
    use staid::{Origin, Problem, Value};
    struct Long;
    impl Source for Long {
        fn describe(&self) -> String {
            "kv".to_owned()
        }
        fn load(&self, _: &mut LoadCtx<'_>) -> Result<Option<Value>, Vec<Problem>> {
            let key = format!("k{}", "x".repeat(5000));
            let mut layer = Value::table(Origin::Code);
            let origin = Origin::Remote {
                source: "kv".to_owned(),
                key: format!("app/{key}"),
                version: None,
            };
            layer.insert_at(&key, Value::text("1", origin));
            Ok(Some(layer))
        }
    }
    let shown = Guarded::builder()
        .source(Long)
        .load()
        .unwrap_err()
        .to_string();
    assert!(shown.contains("`: unknown key"), "{shown}");
    assert!(shown.len() < 2000, "{} bytes: {shown}", shown.len());
    assert!(shown.contains("(cut at 512 characters) at kv"), "{shown}");
}
