//! Sections inside sections: a map of sections inside an entry of a map of
//! sections, set one variable per field (`MYAPP_SITES_A_PEERS_B_URL`) as
//! the outer map is; and key paths into lists, which name each item one
//! way.

use std::collections::{BTreeMap, HashMap};

#[path = "support/load.rs"]
mod load;
#[path = "support/tmp.rs"]
mod tmp;

use staid::{Config, Origin};

const MARK: &str = "abc123secret";

#[derive(Config, Debug)]
struct Peer {
    url: String,
    #[config(default = 1)]
    weight: u32,
    #[config(secret)]
    token: Option<String>,
}

#[derive(Config, Debug)]
struct Site {
    #[config(default = "site")]
    name: String,
    #[config(nested)]
    peers: HashMap<String, Peer>,
    #[config(nested)]
    storage: Option<Store>,
    #[config(nested)]
    stores: BTreeMap<String, Store>,
}

#[derive(Config, Debug, PartialEq)]
enum Store {
    Memory,
    S3(S3),
}

#[derive(Config, Debug, PartialEq)]
struct S3 {
    bucket: String,
}

// Built to be loaded; its key paths are what the tests read.
#[allow(dead_code)]
#[derive(Config, Debug)]
struct Route {
    path: String,
}

#[allow(dead_code)]
#[derive(Config, Debug)]
#[config(name = "myapp")]
struct App {
    #[config(nested)]
    sites: BTreeMap<String, Site>,
    #[config(nested)]
    sites_backup: BTreeMap<String, Site>,
    #[config(nested)]
    routes: Vec<Route>,
    label: Option<String>,
}

fn env(name: &str) -> Origin {
    Origin::Env { var: name.into() }
}

#[test]
fn a_map_inside_a_map_entry_is_set_one_variable_per_field() {
    let loaded = App::builder()
        .toml_str("[sites.a.peers.c]\nurl = \"http://c\"\n")
        .env_from([
            ("MYAPP_SITES_A_NAME", "first"),
            ("MYAPP_SITES_A_PEERS_B_URL", "http://b"),
            ("MYAPP_SITES_A_PEERS_B_WEIGHT", "3"),
        ])
        .load_full()
        .unwrap();
    let site = &loaded.config().sites["a"];
    assert_eq!(site.name, "first");
    assert_eq!(site.peers["b"].url, "http://b");
    assert_eq!(site.peers["b"].weight, 3);
    assert_eq!(site.peers["c"].url, "http://c");
    assert_eq!(
        loaded.origin("sites.a.peers.b.url"),
        Some(&env("MYAPP_SITES_A_PEERS_B_URL"))
    );
}

/// The inner map's own variable (inline JSON) and its entries' variables
/// together: the entries go into the table the JSON stands for.
#[test]
fn an_inner_maps_inline_json_and_its_entries_variables_merge() {
    let app = load::env::<App>([
        ("MYAPP_SITES_A_PEERS", r#"{"c": {"url": "http://c"}}"#),
        ("MYAPP_SITES_A_PEERS_B_URL", "http://b"),
    ]);
    let peers = &app.sites["a"].peers;
    assert_eq!(peers["b"].url, "http://b");
    assert_eq!(peers["c"].url, "http://c");
}

#[test]
fn a_variable_that_names_no_field_of_an_inner_entry_says_what_would() {
    let err = App::builder()
        .env_from([("MYAPP_SITES_A_PEERS_B_URI", "http://b")])
        .load()
        .unwrap_err();
    let shown = err.to_string();
    assert!(
        shown.contains(
            "environment variable MYAPP_SITES_A_PEERS_B_URI names no field of an entry of `sites`"
        ),
        "{shown}"
    );
    assert!(shown.contains("_PEERS_<ENTRY>_URL"), "{shown}");
}

/// A secret field two maps deep is a secret's variable: a `.env` copy of
/// it into a plain variable is refused, and no output shows it.
#[test]
fn a_secret_two_maps_deep_is_kept_secret() {
    let tmp = tmp::Tmp::new();
    let text = format!(
        "MYAPP_SITES_A_PEERS_B_URL=http://b\nMYAPP_SITES_A_PEERS_B_TOKEN={MARK}\n\
         MYAPP_LABEL=${{MYAPP_SITES_A_PEERS_B_TOKEN}}\n"
    );
    let err = App::builder()
        .dotenv(tmp.write(".env", text))
        .load_full()
        .unwrap_err();
    let shown = err.to_string();
    assert!(!shown.contains(MARK), "{shown}");
    assert!(
        shown.contains("MYAPP_LABEL takes the value of MYAPP_SITES_A_PEERS_B_TOKEN"),
        "{shown}"
    );

    let loaded = load::env_loaded::<App>([
        ("MYAPP_SITES_A_PEERS_B_URL", "http://b"),
        ("MYAPP_SITES_A_PEERS_B_TOKEN", MARK),
    ]);
    assert_eq!(
        loaded.config().sites["a"].peers["b"].token.as_deref(),
        Some(MARK)
    );
    for shown in [loaded.explain().to_string(), format!("{loaded:?}")] {
        assert!(!shown.contains(MARK), "{shown}");
    }
}

/// `routes.1` is the second route; `routes.01` and `routes.+1` name no
/// item, as no problem or explain line spells them.
#[test]
fn a_list_item_has_one_key_path() {
    let loaded = App::builder()
        .toml_str("[[routes]]\npath = \"/a\"\n[[routes]]\npath = \"/b\"\n")
        .load_full()
        .unwrap();
    assert!(loaded.origin("routes.1.path").is_some());
    for odd in [
        "routes.01.path",
        "routes.+1.path",
        "routes. 1.path",
        "routes.1 .path",
    ] {
        assert_eq!(loaded.origin(odd), None, "{odd}");
        assert_eq!(loaded.tree().get(odd), None, "{odd}");
    }
}

/// The table of variables lists an inner map as inline JSON and the
/// variables of its entries' fields.
#[test]
fn the_usage_table_lists_the_variables_of_inner_entries() {
    let usage = App::builder().env_usage();
    for row in [
        "MYAPP_SITES_<NAME>_PEERS ",
        "MYAPP_SITES_<NAME>_PEERS_<NAME>_URL ",
        "MYAPP_SITES_<NAME>_PEERS_<NAME>_TOKEN ",
    ] {
        assert!(usage.contains(row), "{row}: {usage}");
    }
    let inline = usage
        .lines()
        .find(|l| l.starts_with("MYAPP_SITES_<NAME>_PEERS "))
        .unwrap();
    assert!(inline.contains("(JSON)"), "{inline}");
}

/// A variable that reads two ways is an error naming both, also where the
/// inner map's name overlaps itself (`A_PEERS_PEERS_B`) and where one map's
/// name begins another's (`SITES_` and `SITES_BACKUP_`).
#[test]
fn a_variable_that_reads_two_ways_is_an_error_naming_both() {
    let cases = [
        (
            "MYAPP_SITES_A_PEERS_PEERS_B_URL",
            "`sites.a.peers.peers_b.url`",
            "`sites.a_peers.peers.b.url`",
        ),
        (
            "MYAPP_SITES_BACKUP_X_NAME",
            "`sites.backup_x.name`",
            "`sites_backup.x.name`",
        ),
    ];
    for (var, one, other) in cases {
        let err = App::builder().env_from([(var, "v")]).load().unwrap_err();
        let shown = err.to_string();
        assert!(
            shown.contains(&format!("environment variable {var} could set")),
            "{shown}"
        );
        assert!(shown.contains(one) && shown.contains(other), "{shown}");
    }
}

/// An entry's variable beside its map's own variable that is not a table's
/// JSON: an error at the map, not the map's value replaced without a word.
#[test]
fn an_entry_beside_a_maps_value_that_is_no_table_is_an_error() {
    let cases = [
        ("MYAPP_SITES_A_PEERS", "[1]", "sites.a.peers"),
        ("MYAPP_SITES", "[1]", "sites"),
        ("MYAPP_SITES", r#"{"a": 3}"#, "sites.a"),
    ];
    for (var, value, at) in cases {
        let err = App::builder()
            .env_from([(var, value), ("MYAPP_SITES_A_PEERS_B_URL", "u")])
            .load()
            .unwrap_err();
        let shown = err.to_string();
        assert!(
            shown.contains(&format!("`{at}`: expected a table")),
            "{var}={value}: {shown}"
        );
    }
    // An empty value is an empty map, where empty values count.
    let app = App::builder()
        .env_empty_is_unset(false)
        .env_from([
            ("MYAPP_SITES_A_PEERS", ""),
            ("MYAPP_SITES_A_PEERS_B_URL", "u"),
        ])
        .load()
        .unwrap();
    assert_eq!(app.sites["a"].peers["b"].url, "u");
}

/// A higher layer that changes the tag of an enum section inside a map
/// entry replaces the section, as it does at a fixed path: the keys set
/// below for the other variant go.
#[test]
fn a_variant_switched_inside_a_map_entry_drops_the_old_variants_keys() {
    let file = "[sites.a.storage]\nkind = \"s3\"\nbucket = \"b\"\n\
                [sites.a.stores.x]\nkind = \"s3\"\nbucket = \"c\"\n";
    let app = App::builder()
        .toml_str(file)
        .env_from([
            ("MYAPP_SITES_A_STORAGE_KIND", "memory"),
            ("MYAPP_SITES_A_STORES_X_KIND", "memory"),
        ])
        .load()
        .unwrap();
    let site = &app.sites["a"];
    assert_eq!(site.storage, Some(Store::Memory));
    assert_eq!(site.stores["x"], Store::Memory);
    // The same variant above: the keys below stay.
    let app = App::builder()
        .toml_str(file)
        .toml_str("[sites.a.stores.x]\nkind = \"s3\"\n")
        .load()
        .unwrap();
    assert_eq!(
        app.sites["a"].stores["x"],
        Store::S3(S3 { bucket: "c".into() })
    );
}

/// Under `__`, the old single-underscore spelling of a nested entry's
/// variable sets nothing and says so, with its new name.
#[test]
fn an_old_single_underscore_name_of_a_nested_entry_is_a_warning() {
    let loaded = App::builder()
        .env_double_underscore()
        .env_from([
            ("MYAPP__SITES__A__PEERS__C__URL", "http://c"),
            ("MYAPP_SITES_A_PEERS_B_URL", "http://b"),
        ])
        .load_full()
        .unwrap();
    let peers = &loaded.config().sites["a"].peers;
    assert_eq!(peers["c"].url, "http://c");
    assert!(!peers.contains_key("b"));
    let warnings: Vec<String> = loaded.warnings().iter().map(ToString::to_string).collect();
    assert_eq!(
        warnings,
        [
            "`sites.a.peers.b.url`: environment variable MYAPP_SITES_A_PEERS_B_URL sets nothing: \
          this application separates levels with `__`\n  --> env MYAPP_SITES_A_PEERS_B_URL\n  \
          = help: did you mean MYAPP__SITES__A__PEERS__B__URL?"
        ],
    );
}
