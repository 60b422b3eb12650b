//! Secrets held in every shape the README names: `Secret<T>` inside lists
//! and maps, secret fields inside an enum section's variant, the entries of
//! a secret map; and the output that must still show what is not secret.
// Built to be loaded; the fields are not read back.
#![allow(dead_code)]

use std::collections::BTreeMap;

#[path = "support/load.rs"]
mod load;

use staid::{Config, Secret};

const MARK: &str = "hunter2zz";

#[derive(Config, Debug)]
#[config(tag = "kind")]
enum Storage {
    Memory,
    S3(S3),
}

#[derive(Config, Debug)]
struct S3 {
    bucket: Option<String>,
    #[config(secret)]
    secret_key: Option<String>,
}

#[derive(Config, Debug)]
#[config(name = "app")]
struct App {
    #[config(secret, short = 't')]
    token: Option<String>,
    #[config(default = 5)]
    token_ttl: u32,
    #[config(default = [])]
    tokens: Vec<Secret<String>>,
    #[config(default = {})]
    creds: BTreeMap<String, Secret<String>>,
    #[config(secret, default = {})]
    headers: BTreeMap<String, String>,
    #[config(nested)]
    storage: Option<Storage>,
    #[config(default = 0)]
    offset: i32,
    #[config(secret, default_with = generated_password)]
    generated: String,
}

fn generated_password() -> String {
    MARK.to_owned()
}

fn error_text<C: Config + std::fmt::Debug>(builder: staid::Builder<C>) -> String {
    let err = builder.load().unwrap_err();
    let text = format!("{err}\n{err:?}");
    assert!(!text.contains(MARK), "secret shown in:\n{text}");
    text
}

/// `Secret<T>` under another name is still a secret.
type Password = Secret<String>;
use staid::Secret as Hidden;

#[derive(Config, Debug)]
#[config(name = "al")]
struct Aliased {
    password: Option<Password>,
    #[config(default = "defaultzz")]
    api_key: Password,
    #[config(default = [])]
    keys: Vec<Hidden<u32>>,
    #[config(default = [])]
    queue: std::collections::VecDeque<Password>,
    #[config(default = {})]
    by_user: BTreeMap<String, Option<Password>>,
}

#[test]
fn a_secret_type_behind_an_alias_is_secret() {
    let builder =
        || Aliased::builder().toml_str(format!("password = \"{MARK}\"\nkeys = [-123456789]\n"));
    let err = builder().load().unwrap_err().to_string();
    assert!(err.contains("`keys.0`: invalid value"), "{err}");
    assert!(!err.contains("123456789"), "{err}");
    let loaded = load::toml_loaded::<Aliased>(format!(
        "password = \"{MARK}\"\nqueue = [\"{MARK}\"]\nby_user = {{ bob = \"{MARK}\" }}\n"
    ));
    let shown = format!(
        "{}\n{loaded:?}\n{}\n{}\n{}",
        loaded.explain(),
        Aliased::builder().toml_template(),
        Aliased::builder().json_schema(),
        Aliased::builder().args(["al"]).command().render_help(),
    );
    assert!(!shown.contains(MARK), "{shown}");
    assert!(!shown.contains("defaultzz"), "{shown}");
    assert!(shown.contains("password = \"<secret>\""), "{shown}");
}

/// Every list, deque and map shape of the alias, with and without
/// `Option` around the item or the whole.
#[derive(Config, Debug)]
#[config(name = "al")]
struct AliasShapes {
    #[config(default = [])]
    deque_opt: std::collections::VecDeque<Option<Password>>,
    vec_opt_whole: Option<Vec<Option<Password>>>,
    deque_whole: Option<std::collections::VecDeque<Password>>,
    deque_opt_whole: Option<std::collections::VecDeque<Option<Password>>>,
    #[config(default = {})]
    map_deque: BTreeMap<String, std::collections::VecDeque<Password>>,
    #[config(default = {})]
    hmap_deque: std::collections::HashMap<String, std::collections::VecDeque<Password>>,
    map_opt_whole: Option<BTreeMap<String, Option<Password>>>,
    hmap_opt_whole: Option<std::collections::HashMap<String, Option<Password>>>,
}

#[test]
fn every_list_and_map_shape_of_a_secret_alias_is_secret() {
    let lists = [
        "deque_opt",
        "vec_opt_whole",
        "deque_whole",
        "deque_opt_whole",
    ];
    let maps = ["map_deque", "hmap_deque", "map_opt_whole", "hmap_opt_whole"];
    let mut text = String::new();
    for key in lists {
        text.push_str(&format!("{key} = [\"{MARK}\"]\n"));
    }
    for key in maps {
        let item = if key.contains("deque") {
            format!("[\"{MARK}\"]")
        } else {
            format!("\"{MARK}\"")
        };
        text.push_str(&format!("{key} = {{ bob = {item} }}\n"));
    }
    let loaded = AliasShapes::builder()
        .toml_str(text.clone())
        .load_full()
        .unwrap();
    let shown = format!("{}\n{loaded:?}", loaded.explain());
    assert!(!shown.contains(MARK), "{shown}");
    for key in lists.iter().chain(&maps) {
        assert!(
            shown.contains(&format!("{key} = \"<secret>\"")),
            "{key}: {shown}"
        );
    }
    // A bad item beside the secret: no snippet shows the line.
    let bad = text.replacen(
        &format!("deque_opt = [\"{MARK}\"]"),
        &format!("deque_opt = [\"{MARK}\", 1]"),
        1,
    );
    let shown = error_text(AliasShapes::builder().toml_str(bad));
    assert!(shown.contains("`deque_opt.1`: invalid value"), "{shown}");
}

#[test]
fn secret_types_inside_lists_and_maps_are_secret() {
    let loaded =
        load::toml_loaded::<App>(format!("tokens = [\"{MARK}\"]\n[creds]\na = \"{MARK}\""));
    let explain = loaded.explain().to_string();
    assert!(explain.contains("tokens = \"<secret>\""), "{explain}");
    assert!(explain.contains("creds = \"<secret>\""), "{explain}");
    assert!(!explain.contains(MARK), "{explain}");
    assert!(!format!("{:?}", loaded.tree()).contains(MARK));
    assert_eq!(loaded.config().tokens[0].expose(), MARK);
    // A bad item is reported without its value.
    let text = error_text(App::builder().toml_str("tokens = [123456789]"));
    assert!(text.contains("`tokens.0`: invalid value"), "{text}");
    assert!(!text.contains("123456789"), "{text}");
}

#[test]
fn secret_fields_of_an_enum_variant_are_hidden_from_snippets() {
    for text in [
        format!("[storage]\nkind = \"s3\"\nsecret_key = \"{MARK}\" x\n"),
        format!("storage = {{ kind = \"s3\", secret_key = \"{MARK}\", bucket = 5 }}"),
        format!("[storage]\nkind = \"s3\"\nsecret_key = \"\"\"\n{MARK}\"\"\" x\n"),
    ] {
        let shown = error_text(App::builder().toml_str(text.clone()));
        assert!(
            !shown.contains(" | "),
            "a snippet was shown for {text:?}:\n{shown}"
        );
    }
    let shown = error_text(App::builder().json_str(format!(
        r#"{{"storage": {{"kind": "s3", "secret_key": "{MARK}", "bucket": 5}}}}"#
    )));
    assert!(shown.contains("`storage.bucket`"), "{shown}");
}

#[test]
fn the_entry_names_of_a_secret_map_are_hidden_in_duplicate_key_errors() {
    let shown = error_text(App::builder().toml_str(format!(
        "[headers]\n\"{MARK}\" = \"a\"\n\"{MARK}\" = \"b\"\n"
    )));
    assert!(shown.contains("duplicate key `<secret>`"), "{shown}");
    let shown = error_text(App::builder().json_str(format!(
        r#"{{"headers": {{"{MARK}": "a", "{MARK}": "b"}}}}"#
    )));
    assert!(shown.contains("duplicate key `<secret>`"), "{shown}");
    // A secret field's own key is no secret.
    let shown =
        error_text(App::builder().toml_str(format!("token = \"{MARK}\"\ntoken = \"{MARK}\"\n")));
    assert!(shown.contains("duplicate key `token`"), "{shown}");
    // Other syntax errors keep their words.
    let shown = error_text(App::builder().toml_str(format!("token = \"{MARK}\" x\n")));
    assert!(shown.contains("`#`"), "{shown}");
}

#[test]
fn tricky_text_does_not_end_a_secret_early() {
    for text in [
        // An escaped quote inside a multi-line string.
        format!("token = \"\"\"a\\\"\"\"b\n{MARK}\"\"\" x\n"),
        // A `]` in a comment inside a secret list.
        format!("tokens = [ # ]\n  \"{MARK}\", x\n]\n"),
        // The key written with an escape.
        format!("\"\\u0074oken\" = \"{MARK}\" x\n"),
        format!("\"\\x74oken\" = \"{MARK}\" x\n"),
    ] {
        error_text(App::builder().toml_str(text));
    }
    let shown = error_text(
        App::builder().json_str(format!(r#"{{"\u0074oken": "{MARK}", "offset": "x"}}"#)),
    );
    assert!(shown.contains("`offset`"), "{shown}");
}

#[test]
fn a_key_that_begins_with_a_secret_key_keeps_its_snippet() {
    let shown = error_text(App::builder().toml_str("token_ttl = \"x\""));
    assert!(shown.contains(" 1 | token_ttl = \"x\""), "{shown}");
}

#[test]
fn loaded_debug_shows_the_masked_tree_not_the_configuration() {
    let loaded = load::toml_loaded::<App>(format!("token = \"{MARK}\""));
    let debug = format!("{loaded:?}");
    assert!(!debug.contains(MARK), "{debug}");
    assert!(debug.contains("<secret>"), "{debug}");
}

#[test]
fn clap_errors_hide_the_secret_and_only_the_secret() {
    // `-t` takes the rest of its cluster as its value: `--hots` is a typo.
    let shown = error_text(App::builder().args(["app", &format!("-t{MARK}"), "--hots", "x"]));
    assert!(shown.contains("'--hots'"), "{shown}");
    let shown = error_text(App::builder().args(["app", "-t", MARK, "--hots", "x"]));
    assert!(shown.contains("'--hots'"), "{shown}");
    let shown = error_text(App::builder().args(["app", &format!("--token={MARK}"), "--nope"]));
    assert!(shown.contains("'--nope'"), "{shown}");
}

#[test]
fn listings_show_env_numbers_as_the_numbers_they_became() {
    let loaded = load::env_loaded::<App>([("APP_TOKEN_TTL", "0x10"), ("APP_OFFSET", "-0b11")]);
    let explain = loaded.explain().to_string();
    assert!(explain.contains("token_ttl = 16"), "{explain}");
    assert!(explain.contains("offset = -3"), "{explain}");
}

#[test]
fn a_secret_default_from_code_is_listed_masked() {
    let loaded = App::builder().load_full().unwrap();
    assert_eq!(loaded.config().generated, MARK);
    let explain = loaded.explain().to_string();
    assert!(
        explain.contains("# generated = \"<secret>\"  (default from code)"),
        "{explain}"
    );
    let usage = App::builder().env_usage();
    assert!(!usage.contains("generated_password"), "{usage}");
    assert!(usage.contains("APP_GENERATED"), "{usage}");
}

/// A secret map below a key that must be quoted in a path keeps its entry
/// names hidden.
#[test]
fn a_secret_map_below_a_quoted_key_hides_its_entries() {
    #[derive(Config, Debug)]
    struct Outer {
        #[config(nested, rename = "a\"b")]
        inner: Inner,
    }
    #[derive(Config, Debug)]
    struct Inner {
        #[config(secret)]
        headers: Option<BTreeMap<String, u32>>,
    }
    let err = Outer::builder()
        .toml_str(format!("['a\"b'.headers]\n{MARK} = \"x\""))
        .load()
        .unwrap_err();
    let text = format!("{err}\n{err:?}");
    assert!(!text.contains(MARK), "{text}");
    assert_eq!(err.problems()[0].key(), Some("\"a\\\"b\".headers.<secret>"));
}
