//! Secrets never appear in any output: not as values, not as keys of a
//! secret map, not in a snippet line that is part of a secret value, from
//! files, env and flags alike. Ends with a seeded property test over
//! malformed documents that hold a marker secret.

use std::collections::HashMap;

#[path = "support/rng.rs"]
mod rng;
use rng::Rng;

#[path = "support/load.rs"]
mod load;

use staid::{Config, Error};

const MARK: &str = "abc123secret";

// Built to be loaded; the fields are not read back.
#[allow(dead_code)]
#[derive(Config, Debug)]
#[config(name = "sk")]
struct Keys {
    #[config(secret)]
    token: Option<String>,
    #[config(secret)]
    list: Option<Vec<u32>>,
    #[config(secret)]
    map: Option<HashMap<String, u32>>,
    #[config(default = 1)]
    port: u16,
}

/// Every way an error can be shown, checked for the marker.
fn assert_hidden(err: &Error) -> String {
    let shown = err.to_string();
    let debug = format!("{err:?}");
    assert!(!shown.contains(MARK), "secret shown in:\n{shown}");
    assert!(!debug.contains(MARK), "secret shown in:\n{debug}");
    for p in err.problems() {
        let all = format!("{p} {p:?} {:?} {:?} {:?}", p.key(), p.hint(), p.origin());
        assert!(!all.contains(MARK), "secret shown in:\n{all}");
    }
    shown
}

fn toml(text: &str) -> Error {
    load::toml_error::<Keys>(text)
}

fn json(text: &str) -> Error {
    load::json_error::<Keys>(text)
}

fn env(var: &str, value: String) -> Error {
    load::env_error::<Keys>([(var, value)])
}

#[test]
fn keys_of_a_secret_map_are_masked_in_key_paths() {
    let cases = [
        env("SK_MAP", format!("{MARK}:x")),
        env("SK_MAP", format!("{{\"{MARK}\": \"x\"}}")),
        toml(&format!("[map]\n{MARK} = \"x\"\n")),
        toml(&format!("map = {{ {MARK} = \"x\" }}\n")),
        json(&format!("{{\"map\": {{\"{MARK}\": \"x\"}}}}")),
    ];
    for err in &cases {
        let shown = assert_hidden(err);
        assert!(shown.contains("`map.<secret>`"), "{shown}");
    }
}

#[test]
fn a_syntax_error_inside_a_multi_line_secret_shows_no_line_of_it() {
    let cases = [
        toml(&format!("token = \"\"\"\n{MARK} \\q\n\"\"\"\nport = 2\n")),
        toml(&format!("list = [\n  1, {MARK},\n]\n")),
        json(&format!("{{\"token\":\n  \"{MARK}\\q\"}}")),
        json(&format!("{{\"list\": [\n1,\n{MARK}\n]}}")),
    ];
    for err in &cases {
        let shown = assert_hidden(err);
        // Still placed: the position is shown, the line is not.
        assert!(shown.contains("--> <"), "{shown}");
    }
}

#[test]
fn a_secret_key_without_its_separator_shows_no_line_of_the_value() {
    // The syntax error is the missing `=` or `:` itself, on the secret's
    // line (or, in JSON, with the value on the line below).
    let cases = [
        toml(&format!("token \"{MARK}\"\n")),
        toml(&format!("token {MARK}\n")),
        toml(&format!("map.alice \"{MARK}\"\n")),
        toml(&format!("[map]\nalice = 1\nbob = \"{MARK}\"\n")),
        json(&format!("{{\"token\" \"{MARK}\"}}")),
        json(&format!("{{\"token\"\n \"{MARK}\"}}")),
        // Behind a value whose comma is missing as well.
        json(&format!("{{\"port\": 1 \"token\" \"{MARK}\"}}")),
        json(&format!("{{\"port\": \"a\" \"token\" \"{MARK}\"}}")),
        toml(&format!("x = {{ port = 1 token = \"{MARK}\" }}\n")),
        toml(&format!("port = 1 token {MARK}\n")),
        // A quote of the other kind inside the value before opens nothing.
        toml(&format!("name = \"it's\" token {MARK}\n")),
        json(&format!("{{\"name\": \"it's\" \"token\" \"{MARK}\"}}")),
    ];
    for err in &cases {
        assert_hidden(err);
    }
    // A secret's name inside another key's value, or as an array's item
    // (an OAuth grant type), is not a key: those lines are shown.
    // Nor in a comment.
    let err = toml("port = \"x\" # the token is set elsewhere\n");
    let shown = assert_hidden(&err);
    assert!(shown.contains(" 1 | port = \"x\" # the token"), "{shown}");
    let err = toml("port = \"token x\"\n");
    let shown = assert_hidden(&err);
    assert!(shown.contains(" 1 | port = \"token x\""), "{shown}");
    let err = toml("port = [\n  \"token\", 5 6,\n]\n");
    let shown = assert_hidden(&err);
    assert!(shown.contains(" 2 |   \"token\", 5 6,"), "{shown}");
    let err = json("{\"port\": [\n \"token\"\n , 7 8\n]}");
    let shown = assert_hidden(&err);
    assert!(shown.contains(" 3 |  , 7 8"), "{shown}");
}

#[test]
fn other_lines_keep_their_snippets() {
    let err = toml(&format!("token = \"{MARK}\"\nport = \"x\"\n"));
    let shown = assert_hidden(&err);
    assert!(shown.contains(" 2 | port = \"x\""), "{shown}");
}

#[test]
fn flags_of_secret_fields_are_not_shown() {
    let err = load::args_error::<Keys>(["sk", "--list", MARK]);
    assert_hidden(&err);
}

#[test]
fn no_malformed_document_shows_the_secret() {
    let values = [
        "\"{M}\"",
        "\"\"\"\n{M}\n\"\"\"",
        "\"\"\"\n{M} \\q\n\"\"\"",
        "'{M}",
        "\"{M}",
        "[\n 1, \"{M}\",\n]",
        "[1,\n{M}\n]",
        "{ a = \"{M}\" }",
        "{M}",
        "\"{M}\" trailing",
    ];
    let keys = ["token", "list", "map", "\"token\"", "map.x"];
    let noise = [
        "",
        "port = 2\n",
        "port = \"x\"\n",
        "[other]\n",
        "= =\n",
        "#c\n",
        "\"\n",
    ];
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    for _ in 0..400 {
        let mut doc = String::new();
        doc.push_str(rng.pick(&noise));
        doc.push_str(rng.pick(&keys));
        doc.push_str(" = ");
        doc.push_str(&rng.pick(&values).replace("{M}", MARK));
        doc.push('\n');
        doc.push_str(rng.pick(&noise));
        // Cut the document somewhere, as a torn write would.
        if rng.next() % 3 == 0 {
            let mut cut = (rng.next() as usize) % doc.len();
            while !doc.is_char_boundary(cut) {
                cut -= 1;
            }
            doc.truncate(cut);
        }
        match Keys::builder().toml_str(doc.clone()).load_full() {
            Ok(loaded) => {
                let listing = loaded.explain().to_string();
                assert!(!listing.contains(MARK), "{doc:?}:\n{listing}");
                let warnings = format!("{:?}", loaded.warnings());
                assert!(!warnings.contains(MARK), "{doc:?}:\n{warnings}");
            }
            Err(err) => {
                assert_hidden(&err);
            }
        }
        let as_json = format!("{{{}}}", doc.replace(" = ", ": "));
        if let Err(err) = Keys::builder().json_str(as_json).load() {
            assert_hidden(&err);
        }
    }
}

/// `Debug` of a loaded tree masks secret fields, below sections too, and
/// everything inside a secret table or list.
#[test]
fn debug_of_the_loaded_tree_masks_secrets() {
    #[derive(Config, Debug)]
    #[config(name = "app")]
    #[allow(dead_code)] // loaded to look at the tree
    struct App {
        #[config(secret)]
        token: String,
        #[config(secret, default = [])]
        keys: Vec<String>,
        #[config(nested)]
        backends: HashMap<String, Backend>,
        #[config(default = 1)]
        port: u16,
    }
    #[derive(Config, Debug)]
    #[allow(dead_code)] // loaded to look at the tree
    struct Backend {
        url: String,
        #[config(secret)]
        password: Option<String>,
    }
    let loaded = load::toml_loaded::<App>(
        "token = \"tok-SECRET-1\"\nkeys = [\"key-SECRET-2\"]\n\
             [backends.eu]\nurl = \"http://eu\"\npassword = \"pw-SECRET-3\"\n",
    );
    let shown = format!("{:?}", loaded.tree());
    assert!(!shown.contains("SECRET"), "{shown}");
    assert!(shown.contains("http://eu"), "{shown}");
    assert!(shown.contains("<secret>"), "{shown}");
    // The values are still there to read.
    assert_eq!(
        loaded.tree().get("backends.eu.password").unwrap().as_str(),
        Some("pw-SECRET-3")
    );
}

/// An enum section's variant keeps its fields beside the tag: a secret
/// field of the chosen variant is masked in `Debug` of the tree as well, in
/// a list of such sections too.
#[test]
fn debug_of_the_loaded_tree_masks_secrets_of_enum_variants() {
    #[derive(Config, Debug)]
    #[config(name = "app")]
    #[allow(dead_code)] // loaded to look at the tree
    struct App {
        #[config(nested)]
        store: Store,
        #[config(nested)]
        mirrors: Vec<Store>,
    }
    #[derive(Config, Debug)]
    #[allow(dead_code)]
    enum Store {
        Memory,
        S3(S3),
    }
    #[derive(Config, Debug)]
    #[allow(dead_code)]
    struct S3 {
        bucket: String,
        #[config(secret)]
        key: String,
    }
    let loaded = load::toml_loaded::<App>(
        "[store]\nkind = \"s3\"\nbucket = \"b1\"\nkey = \"k-SECRET-1\"\n\
             [[mirrors]]\nkind = \"s3\"\nbucket = \"b2\"\nkey = \"k-SECRET-2\"\n",
    );
    let shown = format!("{:?}", loaded.tree());
    assert!(!shown.contains("SECRET"), "{shown}");
    assert!(shown.contains("b1") && shown.contains("b2"), "{shown}");
}

/// A secret map starts as the default `{}`; explain names where its entries
/// came from, not the default.
#[test]
fn a_secret_map_set_by_env_is_explained_with_its_variable() {
    #[derive(Config, Debug)]
    #[config(name = "hd")]
    #[allow(dead_code)]
    struct Headers {
        #[config(secret, default = {})]
        hdrs: std::collections::BTreeMap<String, String>,
    }
    let loaded = Headers::builder()
        .env_from([("HD_HDRS", "a:PASSWORD6,b:other")])
        .env()
        .load_full()
        .unwrap();
    let explained = loaded.explain().to_string();
    assert_eq!(explained, "hdrs = \"<secret>\"  # env HD_HDRS\n");
    let loaded = Headers::builder().load_full().unwrap();
    assert_eq!(
        loaded.explain().to_string(),
        "hdrs = \"<secret>\"  # default\n"
    );
    // A remote origin names the entry in its key: it is masked there, in
    // a key spelled as a variable too, in another case.
    struct Store {
        source: &'static str,
        key: &'static str,
        entry: &'static str,
    }
    impl staid::source::Source for Store {
        fn describe(&self) -> String {
            self.source.to_owned()
        }
        fn load(
            &self,
            _: &mut staid::source::LoadCtx<'_>,
        ) -> Result<Option<staid::Value>, Vec<staid::Problem>> {
            let origin = staid::Origin::Remote {
                source: self.source.to_owned(),
                key: self.key.to_owned(),
                version: None,
            };
            let mut layer = staid::Value::table(staid::Origin::Code);
            let path = format!("hdrs.{}", self.entry);
            layer.insert_at(&path, staid::Value::text("x", origin));
            Ok(Some(layer))
        }
    }
    for (key, entry, shown) in [
        ("/app/hdrs/prod-only", "prod-only", "/app/hdrs/<secret>"),
        ("APP_HDRS_PROD_ONLY", "prod_only", "APP_HDRS_<secret>"),
    ] {
        let store = Store {
            source: "vault at 127.0.0.1",
            key,
            entry,
        };
        let loaded = Headers::builder().source(store).load_full().unwrap();
        assert_eq!(
            loaded.explain().to_string(),
            format!("hdrs = \"<secret>\"  # {shown} at vault at 127.0.0.1\n")
        );
    }
}

#[test]
fn a_stores_keys_naming_a_secret_maps_entries_are_masked_in_errors() {
    #[derive(Config, Debug)]
    #[allow(dead_code)]
    struct Tokens {
        #[config(secret, default = {})]
        tokens: std::collections::BTreeMap<String, u32>,
    }
    /// Keys as a store such as Consul names them.
    struct Store(&'static [(&'static str, &'static str)]);
    impl staid::source::Source for Store {
        fn describe(&self) -> String {
            "store".to_owned()
        }
        fn load(
            &self,
            _: &mut staid::source::LoadCtx<'_>,
        ) -> Result<Option<staid::Value>, Vec<staid::Problem>> {
            let mut layer = staid::Value::table(staid::Origin::Code);
            for (path, value) in self.0 {
                let origin = staid::Origin::Remote {
                    source: "store".to_owned(),
                    key: format!("app/{}", path.replace('.', "/")),
                    version: None,
                };
                layer.insert_at(path, staid::Value::text(*value, origin));
            }
            Ok(Some(layer))
        }
    }
    let err = Tokens::builder()
        .source(Store(&[
            ("tokens.ops-abc123secret", "x"),
            ("tokns.abc123secret", "1"),
        ]))
        .load()
        .unwrap_err();
    assert_eq!(
        assert_hidden(&err),
        "2 problems in the configuration:\n\
         \n\
         error: `tokens.<secret>`: invalid value for `std::collections::BTreeMap<String, u32>` \
         (value hidden: the field is secret)\n  \
         --> app/tokens/<secret> at store\n\
         \n\
         error: `tokns`: unknown key\n  \
         --> app/tokns/<secret> at store\n  \
         = help: did you mean `tokens`?"
    );
}
