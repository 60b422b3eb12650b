//! `Builder::json_schema()`: the document is valid JSON Schema (draft
//! 2020-12), the fixtures staid loads validate against it, and the bad ones
//! that staid refuses are refused by a validator too. The generated schema
//! is kept in fixtures/sections/gateway.schema.json, which the fixtures name
//! for editors; a test keeps that copy current.

use std::path::{Path, PathBuf};

use staid::Config;

#[path = "../examples/sections.rs"]
#[allow(dead_code)]
mod example;

use example::Gateway;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/sections")
        .join(name)
}

/// The fixture's content as JSON: JSON as it is, TOML through the `toml`
/// crate.
fn as_json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap();
    match path.extension().and_then(|e| e.to_str()) {
        Some("json") => serde_json::from_str(&text).unwrap(),
        _ => toml::from_str(&text).unwrap(),
    }
}

fn validator(schema: &str) -> (boon::Schemas, boon::SchemaIndex) {
    let schema: serde_json::Value = serde_json::from_str(schema).expect("the schema is JSON");
    let mut compiler = boon::Compiler::new();
    compiler.set_default_draft(boon::Draft::V2020_12);
    compiler
        .add_resource("gateway.schema.json", schema)
        .unwrap();
    let mut schemas = boon::Schemas::new();
    let index = compiler
        .compile("gateway.schema.json", &mut schemas)
        .expect("the schema is valid JSON Schema");
    (schemas, index)
}

#[test]
fn the_checked_in_schema_is_the_generated_one() {
    let generated = Gateway::builder().json_schema();
    let path = fixture("gateway.schema.json");
    if std::env::var_os("STAID_BLESS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let stored = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        stored, generated,
        "fixtures/sections/gateway.schema.json is out of date: run with STAID_BLESS=1"
    );
}

#[test]
fn good_fixtures_validate_and_load() {
    let (schemas, index) = validator(&Gateway::builder().json_schema());
    for name in ["gateway.toml", "gateway.json"] {
        let path = fixture(name);
        if let Err(e) = schemas.validate(&as_json(&path), index) {
            panic!("{name}: {e:#}");
        }
        Gateway::builder().file(&path).load().unwrap();
    }
}

#[test]
fn bad_fixtures_fail_validation_and_the_load() {
    let (schemas, index) = validator(&Gateway::builder().json_schema());
    let mut names: Vec<_> = std::fs::read_dir(fixture("bad"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    assert_eq!(names.len(), 8);
    for path in names {
        assert!(
            schemas.validate(&as_json(&path), index).is_err(),
            "{} validates",
            path.display()
        );
        assert!(
            Gateway::builder().file(&path).load().is_err(),
            "{} loads",
            path.display()
        );
    }
}

/// A nested struct with a required key is required itself: the schema
/// refuses what the load refuses.
#[test]
fn a_nested_section_with_required_keys_is_required() {
    #[derive(Config)]
    #[allow(dead_code)]
    struct App {
        #[config(nested)]
        db: Db,
        #[config(nested)]
        cache: Cache,
    }
    #[derive(Config)]
    #[allow(dead_code)]
    struct Db {
        url: String,
    }
    #[derive(Config)]
    #[allow(dead_code)]
    struct Cache {
        #[config(default = 60)]
        ttl: u32,
    }
    let (schemas, index) = validator(&App::builder().json_schema());
    let empty = serde_json::json!({});
    assert!(schemas.validate(&empty, index).is_err());
    assert!(App::builder().json_str("{}").load().is_err());
    let db = serde_json::json!({"db": {"url": "postgres://"}});
    assert!(schemas.validate(&db, index).is_ok());
    assert!(App::builder().json_str(db.to_string()).load().is_ok());
}

/// An `f32` has its range in the schema, as a sized integer has: a value
/// past it is refused by the schema and by the load alike.
#[test]
fn an_f32_has_its_range() {
    #[derive(Config)]
    #[allow(dead_code)]
    struct App {
        #[config(default = 1.0)]
        ratio: f32,
    }
    let (schemas, index) = validator(&App::builder().json_schema());
    let past = serde_json::json!({"ratio": 1e39});
    assert!(schemas.validate(&past, index).is_err());
    assert!(App::builder().json_str(past.to_string()).load().is_err());
    let within = serde_json::json!({"ratio": 3.4e38});
    assert!(schemas.validate(&within, index).is_ok());
    assert!(App::builder().json_str(within.to_string()).load().is_ok());
}

#[test]
fn unknown_keys_allowed_when_the_builder_allows_them() {
    let schema = Gateway::builder()
        .unknown_keys(staid::Unknown::Warn)
        .json_schema();
    assert!(!schema.contains("additionalProperties\": false"));
    let (schemas, index) = validator(&schema);
    let extra = serde_json::json!({"name": "x", "storage": {"kind": "memory"}, "extra": 1});
    assert!(schemas.validate(&extra, index).is_ok());
}

#[test]
fn leaf_types_secrets_and_code_defaults() {
    #[derive(Config)]
    #[allow(dead_code)]
    struct Kinds {
        small: i8,
        #[config(default = 1.5)]
        ratio: f64,
        #[config(default = "1m")]
        every: std::time::Duration,
        tags: std::collections::BTreeSet<String>,
        labels: std::collections::HashMap<String, u8>,
        /// The password.
        #[config(secret, default = "hunter2")]
        password: String,
        #[config(default_with = level)]
        level: Level,
    }
    #[derive(serde::Deserialize)]
    enum Level {
        Low,
    }
    fn level() -> Level {
        Level::Low
    }
    let schema = Kinds::builder().json_schema();
    assert_eq!(
        schema,
        r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "Kinds",
  "type": "object",
  "properties": {
    "$schema": {
      "type": "string"
    },
    "small": {
      "type": "integer",
      "minimum": -128,
      "maximum": 127
    },
    "ratio": {
      "type": "number",
      "default": 1.5
    },
    "every": {
      "description": "A duration: numbers with units (ns, us, ms, s, m, h, d, w, M, y), as in \"1m30s\", \"250ms\" or \"2h 30m\".",
      "type": "string",
      "default": "1m"
    },
    "tags": {
      "type": "array",
      "items": {
        "type": "string"
      },
      "uniqueItems": true
    },
    "labels": {
      "type": "object",
      "additionalProperties": {
        "type": "integer",
        "minimum": 0,
        "maximum": 255
      }
    },
    "password": {
      "description": "The password.",
      "type": "string",
      "writeOnly": true
    },
    "level": {
      "description": "A value of the Rust type `Level`, whose form staid cannot see.\n\nDefault from code: level()."
    }
  },
  "required": [
    "small"
  ],
  "additionalProperties": false
}
"#
    );
    assert!(!schema.contains("hunter2"));
    validator(&schema);
}

/// With the feature `schemars`, a leaf type that implements `JsonSchema`
/// is described by its own schema instead of a permissive one.
#[cfg(feature = "schemars")]
#[test]
fn a_leaf_type_with_its_own_schema() {
    #[derive(Config)]
    #[allow(dead_code)]
    struct App {
        /// How loud.
        level: Level,
        #[config(default = "5s")]
        every: std::time::Duration,
    }
    #[derive(serde::Deserialize, schemars::JsonSchema)]
    #[serde(rename_all = "lowercase")]
    enum Level {
        Low,
        High,
    }
    let schema = App::builder().json_schema();
    assert!(
        schema.contains(
            "    \"level\": {\n      \"description\": \"How loud.\",\n      \"allOf\": [\n        {\n          \
             \"enum\": [\n            \"low\",\n            \"high\"\n          ],\n          \"title\": \"Level\",\n          \
             \"type\": \"string\"\n        }\n      ]\n    }"
        ),
        "{schema}"
    );
    // Staid's own forms still win for the types it knows (a duration is text).
    assert!(
        schema.contains("\"every\": {\n      \"description\": \"A duration"),
        "{schema}"
    );
    let (schemas, index) = validator(&schema);
    let good = serde_json::json!({"level": "high"});
    let bad = serde_json::json!({"level": "loud"});
    assert!(schemas.validate(&good, index).is_ok());
    assert!(schemas.validate(&bad, index).is_err());
}

/// A `from_str` field is read as a string, so its schema is a string's:
/// what the load refuses (`mask = 5`), the schema refuses too.
#[test]
fn a_from_str_field_is_a_string_in_the_schema() {
    /// A type staid knows nothing of by its name.
    #[derive(Debug)]
    struct Bits(#[allow(dead_code)] u32);
    impl std::str::FromStr for Bits {
        type Err = std::num::ParseIntError;
        fn from_str(s: &str) -> Result<Bits, Self::Err> {
            u32::from_str_radix(s, 2).map(Bits)
        }
    }
    #[derive(staid::Config, Debug)]
    #[allow(dead_code)] // described, not loaded
    struct Masked {
        #[config(from_str)]
        mask: Option<Bits>,
    }
    let (schemas, index) = validator(&Masked::builder().json_schema());
    assert!(schemas
        .validate(&serde_json::json!({"mask": "1010"}), index)
        .is_ok());
    assert!(schemas
        .validate(&serde_json::json!({"mask": 5}), index)
        .is_err());
    assert!(Masked::builder().toml_str("mask = 5").load().is_err());
}
