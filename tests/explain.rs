//! The effective configuration with each value's origin (what
//! `--print-config` shows), and the origin of one key.

use std::collections::BTreeMap;

#[path = "support/load.rs"]
mod load;

use staid::{Config, Origin, MASK};

/// A service.
#[derive(Config, Debug)]
#[allow(dead_code)] // read through explain, not field by field
#[config(name = "svc")]
struct App {
    #[config(default = "127.0.0.1")]
    host: String,
    #[config(default = 8080)]
    port: u16,
    #[config(default = [0.5, 1.0])]
    weights: Vec<f64>,
    labels: Option<BTreeMap<String, String>>,
    #[config(nested)]
    db: Db,
    #[config(secret)]
    token: Option<String>,
    note: Option<String>,
}

#[derive(Config, Debug)]
#[allow(dead_code)]
struct Db {
    #[config(default = "localhost")]
    host: String,
    #[config(secret)]
    password: Option<String>,
    #[config(secret)]
    extra: Option<BTreeMap<String, String>>,
}

const SECRET: &str = "hunter2";

#[test]
fn explain_lists_every_value_with_its_origin_and_masks_secrets() {
    let loaded = App::builder()
        .toml_str(format!(
            "port = 9000\ntoken = \"{SECRET}\"\n[labels]\nteam = \"core\"\n\"tier one\" = \"x\"\n\
             [db]\npassword = \"{SECRET}\"\nextra = {{ k = \"{SECRET}\" }}\n"
        ))
        .env_from([("SVC_DB_HOST", "db.internal")])
        .load_full()
        .unwrap();
    let text = loaded.explain().to_string();
    assert!(!text.contains(SECRET), "{text}");
    assert_eq!(
        text,
        r#"host = "127.0.0.1"        # default
port = 9000               # <toml>:1:8
weights = [0.5, 1.0]      # default
labels.team = "core"      # <toml>:4:8
labels."tier one" = "x"   # <toml>:5:14
db.host = "db.internal"   # env SVC_DB_HOST
db.password = "<secret>"  # <toml>:7:12
db.extra = "<secret>"     # <toml>:8:9
token = "<secret>"        # <toml>:2:9
# note is not set
"#
    );
    assert_eq!(MASK, "\"<secret>\"");
}

#[test]
fn origin_of_one_key() {
    let loaded = load::toml_loaded::<App>("[db]\nhost = \"h\"\n");
    assert_eq!(loaded.origin("port"), Some(&Origin::Default));
    assert_eq!(loaded.origin("db.host").unwrap().to_string(), "<toml>:2:8");
    assert_eq!(loaded.origin("weights.1"), Some(&Origin::Default));
    assert_eq!(loaded.origin("token"), None);
    assert_eq!(loaded.origin("no.such.key"), None);
}

#[test]
fn the_tree_keeps_the_values_behind_explain() {
    let loaded = load::toml_loaded::<App>("port = 1");
    let port = loaded.tree().get("port").unwrap();
    assert_eq!(port.kind, staid::Kind::Integer(1));
    assert_eq!(loaded.config().port, 1);
    assert_eq!(loaded.into_config().port, 1);
}

#[test]
fn long_lines_do_not_push_every_origin_far_right() {
    #[derive(Config)]
    #[allow(dead_code)]
    struct Long {
        #[config(default = "a fairly long default value that goes on and on and on")]
        text: String,
        #[config(default = 1)]
        n: u8,
    }
    let loaded = Long::builder().load_full().unwrap();
    assert_eq!(
        loaded.explain().to_string(),
        "text = \"a fairly long default value that goes on and on and on\"  # default\n\
         n = 1                                             # default\n"
    );
}

#[test]
fn text_for_numbers_and_booleans_shows_as_the_value_it_reads_as() {
    #[derive(Config, Debug)]
    #[allow(dead_code)] // read through explain, not field by field
    #[config(name = "app")]
    struct App {
        port: u16,
        mask: u32,
        debug: Option<bool>,
        name: String,
    }
    let loaded = load::env_loaded::<App>([
        ("APP_PORT", "8080"),
        ("APP_MASK", "0x1F"),
        ("APP_DEBUG", "true"),
        ("APP_NAME", "123"),
    ]);
    assert_eq!(
        loaded.explain().to_string(),
        "port = 8080   # env APP_PORT\n\
         mask = 31     # env APP_MASK\n\
         debug = true  # env APP_DEBUG\n\
         name = \"123\"  # env APP_NAME\n"
    );
}

#[test]
fn an_optional_secret_type_is_masked_too() {
    #[derive(Config, Debug)]
    #[allow(dead_code)] // read through explain, not field by field
    struct Keys {
        token: Option<staid::Secret<String>>,
    }
    let loaded = load::toml_loaded::<Keys>("token = \"hunter2\"");
    let text = loaded.explain().to_string();
    assert!(!text.contains("hunter2"), "{text}");
    assert_eq!(text, format!("token = {MASK}  # <toml>:1:9\n"));
    assert!(Keys::SCHEMA.fields[0].secret);
}
