//! Defaults from code (`#[config(default)]`, `default_with = path`),
//! collections that are empty when no layer sets them, `#[config(required)]`
//! and `default = {}` for maps.

use std::collections::{BTreeMap, HashMap, HashSet};

use staid::Config;

#[derive(Config, Debug, PartialEq)]
#[config(name = "myapp")]
struct App {
    /// Worker threads.
    #[config(default_with = default_workers)]
    workers: u32,
    #[config(default)]
    verbose: bool,
    #[config(default)]
    label: String,
    tags: Vec<String>,
    ids: HashSet<u32>,
    labels: HashMap<String, String>,
    #[config(default = {})]
    extra: BTreeMap<String, u8>,
    #[config(required)]
    peers: Vec<String>,
}

fn default_workers() -> u32 {
    4
}

#[test]
fn code_defaults_apply_when_no_layer_sets_the_field() {
    let app = App::builder().toml_str("peers = []\n").load().unwrap();
    assert_eq!(
        app,
        App {
            workers: 4,
            verbose: false,
            label: String::new(),
            tags: vec![],
            ids: HashSet::new(),
            labels: HashMap::new(),
            extra: BTreeMap::new(),
            peers: vec![],
        }
    );
}

#[test]
fn a_layer_overrides_a_code_default() {
    let app = App::builder()
        .toml_str("peers = [\"a\"]\nworkers = 9\n")
        .env_from([("MYAPP_VERBOSE", "true"), ("MYAPP_TAGS", "x,y")])
        .load()
        .unwrap();
    assert_eq!((app.workers, app.verbose), (9, true));
    assert_eq!(app.tags, ["x", "y"]);
}

#[test]
fn a_code_default_value_is_still_checked_by_type() {
    let err = App::builder()
        .toml_str("peers = []\nworkers = \"many\"\n")
        .load()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "error: `workers`: expected an integer (u32), found string \"many\"\n  --> <toml>:2:11\n   |\n \
         2 | workers = \"many\"\n   |           ^^^^^^"
    );
}

#[test]
fn required_collection_names_every_way_to_set_it() {
    let err = App::builder()
        .env_from([("UNRELATED", "1")])
        .args(["myapp"])
        .load()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "error: `peers`: missing required value\n  = help: set it with `peers` in a configuration \
         file, the environment variable MYAPP_PEERS, or the flag --peers"
    );
}

#[test]
fn help_usage_explain_and_template_show_code_defaults() {
    let builder = App::builder().toml_str("peers = []\n").args(["myapp"]);
    let help = builder.command().render_help().to_string();
    assert!(
        help.contains("Worker threads [default: default_workers()]"),
        "{help}"
    );
    assert!(help.contains("[default: Default::default()]"), "{help}");
    let usage = App::builder().env_usage();
    assert!(
        usage
            .lines()
            .any(|l| l.starts_with("MYAPP_WORKERS ") && l.contains("default_workers()")),
        "{usage}"
    );
    let explain = builder.load_full().unwrap().explain().to_string();
    assert!(
        explain.starts_with(
            "# workers = default_workers()  (default from code)\n\
             # verbose = Default::default()  (default from code)\n"
        ),
        "{explain}"
    );
    let template = App::builder().toml_template();
    assert!(
        template.contains("# workers =   (u32, default default_workers())\n"),
        "{template}"
    );
    assert!(template.contains("extra = {}\n"), "{template}");
    assert!(
        template.contains("# peers =   (Vec<String>, required)\n"),
        "{template}"
    );
}

#[test]
fn a_secret_code_default_is_never_shown() {
    #[derive(Config, Debug)]
    #[config(name = "myapp")]
    struct S {
        #[config(secret, default_with = key)]
        key: String,
    }
    fn key() -> String {
        "hunter2".into()
    }
    let help = S::builder()
        .args(["myapp"])
        .command()
        .render_help()
        .to_string();
    assert!(!help.contains("key()"), "{help}");
    let loaded = S::builder().load_full().unwrap();
    assert_eq!(loaded.config().key, "hunter2");
    // Set, by code, and shown masked.
    assert_eq!(
        loaded.explain().to_string(),
        "# key = \"<secret>\"  (default from code)\n"
    );
}
