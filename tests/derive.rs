//! The schema `#[derive(Config)]` emits: keys, types, docs, defaults, env
//! names, flags, secrets, required and optional fields, renames, skipped and
//! nested fields.

use staid::{Config, Field, FieldKind, Literal, Schema, Shape};

/// The application.
///
/// Second paragraph.
#[derive(Config, Debug)]
#[config(name = "myapp")]
#[allow(dead_code)] // only the schema is looked at
struct App {
    /// Address to listen on.
    #[config(default = "127.0.0.1")]
    host: String,
    /// Port to listen on.
    #[config(default = 8080, short = 'p')]
    port: u16,
    #[config(default = -1.5)]
    offset: f64,
    #[config(default = true)]
    verbose: bool,
    #[config(default = ["a", "b"])]
    tags: Vec<String>,
    #[config(secret)]
    token: Option<String>,
    #[config(env = "DATABASE_URL")]
    url: String,
    #[config(rename = "log-level", flag = "log")]
    log_level: Option<String>,
    #[config(skip)]
    cache: Vec<u8>,
    #[config(nested)]
    db: Db,
    key: staid::Secret<String>,
    r#type: Option<String>,
}

/// The database.
#[derive(Config, Debug)]
#[allow(dead_code)]
struct Db {
    #[config(default = 5)]
    pool: u32,
}

fn field(schema: &'static Schema, key: &str) -> &'static Field {
    schema
        .field(key)
        .unwrap_or_else(|| panic!("no field {key}"))
}

#[test]
fn container_attributes_and_docs() {
    let s = App::SCHEMA;
    assert_eq!(s.type_name, "App");
    assert_eq!(s.name, Some("myapp"));
    assert_eq!(s.doc, "The application.\n\nSecond paragraph.");
    assert_eq!(Db::SCHEMA.name, None);
    assert_eq!(Db::SCHEMA.doc, "The database.");
}

#[test]
fn keys_in_declaration_order_with_renames_and_raw_identifiers() {
    let keys: Vec<&str> = App::SCHEMA.fields.iter().map(|f| f.key).collect();
    assert_eq!(
        keys,
        [
            "host",
            "port",
            "offset",
            "verbose",
            "tags",
            "token",
            "url",
            "log-level",
            "cache",
            "db",
            "key",
            "type"
        ]
    );
}

#[test]
fn types_and_docs_of_fields() {
    let s = App::SCHEMA;
    assert_eq!(field(s, "host").doc, "Address to listen on.");
    assert_eq!(field(s, "url").doc, "");
    assert_eq!(field(s, "port").ty, "u16");
    assert_eq!(field(s, "tags").ty, "Vec<String>");
    assert_eq!(field(s, "token").ty, "Option<String>");
    assert_eq!(field(s, "key").ty, "staid::Secret<String>");
}

#[test]
fn defaults_of_every_literal_kind() {
    let s = App::SCHEMA;
    assert!(matches!(
        field(s, "host").default,
        Some(Literal::Str("127.0.0.1"))
    ));
    assert!(matches!(field(s, "port").default, Some(Literal::Int(8080))));
    assert!(matches!(field(s, "offset").default, Some(Literal::Float(x)) if x == -1.5));
    assert!(matches!(
        field(s, "verbose").default,
        Some(Literal::Bool(true))
    ));
    match field(s, "tags").default {
        Some(Literal::Array([Literal::Str("a"), Literal::Str("b")])) => {}
        other => panic!("{other:?}"),
    }
    assert!(field(s, "url").default.is_none());
}

#[test]
fn env_flag_short_and_secret() {
    let s = App::SCHEMA;
    assert_eq!(field(s, "url").env, Some("DATABASE_URL"));
    assert_eq!(field(s, "host").env, None);
    assert_eq!(field(s, "log-level").flag, Some("log"));
    assert_eq!(field(s, "port").short, Some('p'));
    assert!(field(s, "token").secret);
    assert!(field(s, "key").secret, "a Secret<T> type is secret");
    assert!(!field(s, "host").secret);
    assert!(s.is_secret("token"));
    assert!(!s.is_secret("db.pool"));
}

#[test]
fn required_optional_and_boolean() {
    let s = App::SCHEMA;
    assert!(field(s, "url").required, "no default, not Option");
    assert!(!field(s, "host").required, "has a default");
    assert!(!field(s, "token").required);
    assert!(matches!(
        field(s, "token").kind,
        FieldKind::Leaf { optional: true, .. }
    ));
    assert!(
        !field(s, "db").required,
        "nested structs are never required"
    );
    assert!(!field(s, "cache").required, "skipped");
    assert_eq!(field(s, "verbose").shape(), Some(Shape::Bool));
    assert_eq!(field(s, "port").shape(), Some(Shape::Integer));
    assert_eq!(field(s, "tags").shape(), Some(Shape::List));
}

#[test]
fn skip_and_nested() {
    let s = App::SCHEMA;
    assert!(field(s, "cache").is_skipped());
    let db = field(s, "db").nested().expect("nested schema");
    assert_eq!(db.type_name, "Db");
    assert!(matches!(field(db, "pool").default, Some(Literal::Int(5))));
    let mut leaves = Vec::new();
    s.walk(&mut |path, _| leaves.push(path.to_owned()));
    assert!(leaves.contains(&"db.pool".to_owned()));
    assert!(!leaves.contains(&"cache".to_owned()));
    assert!(!leaves.contains(&"db".to_owned()));
}

#[test]
fn defaults_layer_from_the_schema() {
    let defaults = App::SCHEMA.defaults();
    assert_eq!(
        defaults.get("port").unwrap().kind,
        staid::Kind::Integer(8080)
    );
    assert_eq!(
        defaults.get("db.pool").unwrap().kind,
        staid::Kind::Integer(5)
    );
    assert!(defaults.get("url").is_none());
    assert!(defaults.get("cache").is_none());
}

#[test]
fn skipped_fields_are_set_from_default_and_never_read() {
    let app = App::builder()
        .toml_str("url = \"u\"\nkey = \"k\"\n")
        .load()
        .unwrap();
    assert!(app.cache.is_empty());
    let err = App::builder()
        .toml_str("url = \"u\"\nkey = \"k\"\ncache = [1]\n")
        .load()
        .unwrap_err();
    assert_eq!(err.problems()[0].key(), Some("cache"));
    assert_eq!(err.problems()[0].message(), "unknown key");
}

#[test]
fn renamed_and_raw_keys_are_read_by_their_key() {
    let app = App::builder()
        .toml_str("url = \"u\"\nkey = \"k\"\nlog-level = \"debug\"\ntype = \"t\"\n")
        .load()
        .unwrap();
    assert_eq!(app.log_level.as_deref(), Some("debug"));
    assert_eq!(app.r#type.as_deref(), Some("t"));
}
