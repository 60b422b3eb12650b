//! Layers stack in builder order: defaults, then files, then the
//! environment. Tables merge deeply, arrays and scalars replace, and every
//! value keeps the origin of the layer that set it.

use std::path::Path;
use std::sync::Arc;

#[path = "support/tmp.rs"]
mod tmp;
use tmp::Tmp;

#[path = "support/load.rs"]
mod load;

use staid::{Config, Origin};

/// A service with a nested table.
#[derive(Config, Debug)]
#[config(name = "svc")]
struct App {
    #[config(default = "127.0.0.1")]
    host: String,
    #[config(default = 8080)]
    port: u16,
    #[config(default = ["a", "b"])]
    tags: Vec<String>,
    #[config(nested)]
    db: Db,
}

#[derive(Config, Debug)]
struct Db {
    #[config(default = "localhost")]
    host: String,
    #[config(default = 5432)]
    port: u16,
    #[config(default = 4)]
    pool: u32,
}

fn at(path: &Path, line: usize, column: usize) -> Origin {
    Origin::File {
        path: Arc::from(path),
        line,
        column,
    }
}

#[test]
fn defaults_alone_fill_every_field() {
    let app = App::builder().load().unwrap();
    assert_eq!(app.host, "127.0.0.1");
    assert_eq!(app.port, 8080);
    assert_eq!(app.tags, ["a", "b"]);
    assert_eq!(app.db.host, "localhost");
    assert_eq!(app.db.port, 5432);
    assert_eq!(app.db.pool, 4);
}

#[test]
fn files_override_defaults_and_env_overrides_files() {
    let dir = Tmp::new();
    let toml = dir.write("app.toml", "port = 9000\n[db]\nhost = \"db1\"\n");
    let app = App::builder()
        .file(&toml)
        .env_from([("SVC_DB_HOST", "db2")])
        .load()
        .unwrap();
    assert_eq!(app.host, "127.0.0.1", "default kept");
    assert_eq!(app.port, 9000, "file over default");
    assert_eq!(app.db.host, "db2", "env over file");
    assert_eq!(
        app.db.port, 5432,
        "default kept inside a table the file set"
    );
}

#[test]
fn a_later_file_wins_over_an_earlier_one() {
    let dir = Tmp::new();
    let first = dir.write("a.toml", "port = 1000\nhost = \"first\"\n");
    let second = dir.write("b.json", r#"{ "port": 2000 }"#);
    let app = App::builder().file(&first).file(&second).load().unwrap();
    assert_eq!(app.port, 2000);
    assert_eq!(app.host, "first");
}

#[test]
fn builder_order_decides_not_source_kind() {
    // The environment given first is overridden by the file given after it.
    let dir = Tmp::new();
    let toml = dir.write("app.toml", "port = 9000\n");
    let app = App::builder()
        .env_from([("SVC_PORT", "7000")])
        .file(&toml)
        .load()
        .unwrap();
    assert_eq!(app.port, 9000);
}

#[test]
fn tables_merge_key_by_key_across_layers() {
    let dir = Tmp::new();
    let a = dir.write("a.toml", "[db]\nhost = \"h1\"\nport = 1\n");
    let b = dir.write("b.json", r#"{ "db": { "port": 2 } }"#);
    let loaded = App::builder()
        .file(&a)
        .file(&b)
        .env_from([("SVC_DB_POOL", "16")])
        .load_full()
        .unwrap();
    let db = &loaded.config().db;
    assert_eq!((db.host.as_str(), db.port, db.pool), ("h1", 2, 16));
    assert_eq!(loaded.origin("db.host"), Some(&at(&a, 2, 8)));
    assert_eq!(loaded.origin("db.port"), Some(&at(&b, 1, 19)));
    assert_eq!(
        loaded.origin("db.pool"),
        Some(&Origin::Env {
            var: "SVC_DB_POOL".into()
        })
    );
}

#[test]
fn arrays_replace_and_do_not_append() {
    let dir = Tmp::new();
    let a = dir.write("a.toml", "tags = [\"x\", \"y\", \"z\"]\n");
    let b = dir.write("b.toml", "tags = [\"q\"]\n");
    let loaded = App::builder().file(&a).file(&b).load_full().unwrap();
    assert_eq!(loaded.config().tags, ["q"]);
    assert_eq!(loaded.origin("tags"), Some(&at(&b, 1, 8)));
    assert!(loaded.tree().get("tags.1").is_none());
}

#[test]
fn an_empty_array_replaces_a_default_array() {
    let app = App::builder().toml_str("tags = []").load().unwrap();
    assert!(app.tags.is_empty());
}

#[test]
fn env_lists_replace_file_arrays() {
    let app = App::builder()
        .toml_str("tags = [\"x\"]")
        .env_from([("SVC_TAGS", "p,q")])
        .load()
        .unwrap();
    assert_eq!(app.tags, ["p", "q"]);
}

#[test]
fn origins_of_defaults() {
    let loaded = App::builder().load_full().unwrap();
    assert_eq!(loaded.origin("port"), Some(&Origin::Default));
    assert_eq!(loaded.origin("db.pool"), Some(&Origin::Default));
    assert_eq!(loaded.origin("tags.0"), Some(&Origin::Default));
    assert_eq!(loaded.origin("nope"), None);
}

#[test]
fn origins_of_toml_values_are_line_and_column() {
    let dir = Tmp::new();
    let toml = dir.write(
        "app.toml",
        "# comment\nhost   =   \"h\"\ntags = [\"a\",  \"b\"]\n\n[db]\n  port = 1\n",
    );
    let loaded = App::builder().file(&toml).load_full().unwrap();
    assert_eq!(loaded.origin("host"), Some(&at(&toml, 2, 12)));
    assert_eq!(loaded.origin("tags"), Some(&at(&toml, 3, 8)));
    assert_eq!(loaded.origin("tags.1"), Some(&at(&toml, 3, 15)));
    assert_eq!(loaded.origin("db.port"), Some(&at(&toml, 6, 10)));
    assert_eq!(loaded.origin("db.host"), Some(&Origin::Default));
    assert_eq!(
        loaded.origin("db.port").unwrap().to_string(),
        format!("{}:6:10", toml.display())
    );
}

#[test]
fn origins_of_toml_dotted_keys_and_inline_tables() {
    let loaded = App::builder()
        .toml_str("db.port = 1\ndb = { pool = 2 }\n")
        .load_full();
    // Defining `db` twice is a TOML error, not a merge.
    assert!(loaded.is_err());
    let loaded = load::toml_loaded::<App>("db.port = 1\ndb.pool = 2\n");
    assert_eq!(loaded.origin("db.pool").unwrap().to_string(), "<toml>:2:11");
    let loaded = load::toml_loaded::<App>("db = { pool = 3 }\n");
    assert_eq!(loaded.config().db.pool, 3);
    assert_eq!(loaded.origin("db.pool").unwrap().to_string(), "<toml>:1:15");
}

#[test]
fn origins_of_json_values_are_line_and_column() {
    let dir = Tmp::new();
    let json = dir.write("app.json",
        "{\n  \"host\": \"h\",\n  \"tags\": [\"a\", \"b\"],\n  \"db\": {\n    \"port\": 1\n  }\n}\n",
    );
    let loaded = App::builder().file(&json).load_full().unwrap();
    assert_eq!(loaded.origin("host"), Some(&at(&json, 2, 11)));
    assert_eq!(loaded.origin("tags.1"), Some(&at(&json, 3, 17)));
    assert_eq!(loaded.origin("db.port"), Some(&at(&json, 5, 13)));
}

#[test]
fn columns_count_characters_not_bytes() {
    let loaded = App::builder()
        .toml_str("# é\nhost = \"é\" ; \n")
        .load_full();
    assert!(loaded.is_err(), "trailing `;` is invalid TOML");
    let loaded = load::toml_loaded::<App>("host = \"ééé\"\nport = 1\n");
    assert_eq!(loaded.origin("port").unwrap().to_string(), "<toml>:2:8");
    let loaded = load::json_loaded::<App>("{\"host\": \"ééé\", \"port\": 1}");
    // `{"host": "ééé", "port": ` is 24 characters (27 bytes).
    assert_eq!(loaded.origin("port").unwrap().to_string(), "<json>:1:25");
}

#[test]
fn env_origin_names_the_variable() {
    let loaded = load::env_loaded::<App>([("SVC_PORT", "1234")]);
    assert_eq!(loaded.config().port, 1234);
    assert_eq!(loaded.origin("port").unwrap().to_string(), "env SVC_PORT");
}

#[test]
fn optional_file_that_is_missing_adds_nothing() {
    let dir = Tmp::new();
    let loaded = App::builder()
        .optional_file(dir.path().join("absent.toml"))
        .load_full()
        .unwrap();
    assert_eq!(loaded.config().port, 8080);
    assert_eq!(loaded.origin("port"), Some(&Origin::Default));
}

#[test]
fn json_null_sets_nothing() {
    let loaded = App::builder()
        .toml_str("port = 1")
        .json_str(r#"{"port": null}"#)
        .load_full()
        .unwrap();
    assert_eq!(loaded.config().port, 1);
    assert_eq!(loaded.origin("port").unwrap().to_string(), "<toml>:1:8");
}
