//! Per-field merge rules: `merge = "append"` adds to the list below instead
//! of replacing it.

#[path = "support/tmp.rs"]
mod tmp;
use tmp::Tmp;

use staid::{Config, Origin};

#[derive(Config, Debug)]
#[config(name = "app")]
struct App {
    #[config(default = ["a"], merge = "append")]
    plugins: Vec<String>,
    #[config(default = ["x"])]
    hosts: Vec<String>,
}

#[test]
fn append_fields_add_to_the_list_below_and_others_replace() {
    let loaded = App::builder()
        .toml_str("plugins = [\"b\"]\nhosts = [\"y\"]")
        .env_from([("APP_PLUGINS", r"c,d\,e"), ("APP_HOSTS", "z")])
        .load_full()
        .unwrap();
    let app = loaded.config();
    assert_eq!(app.plugins, ["a", "b", "c", "d,e"]);
    assert_eq!(app.hosts, ["z"]);
    assert_eq!(loaded.origin("plugins.0"), Some(&Origin::Default));
    assert_eq!(
        loaded.origin("plugins.2"),
        Some(&Origin::Env {
            var: "APP_PLUGINS".to_owned()
        })
    );
}

/// Bracketed items that are not JSON (addresses) are appended like any
/// other items; inline JSON is appended as the list it reads as.
#[test]
fn append_takes_bracketed_items_and_inline_json_alike() {
    for (value, plugins) in [
        ("[::1]:80,[::2]:80", ["a", "[::1]:80", "[::2]:80"]),
        ("[\"b,c\", \"d\"]", ["a", "b,c", "d"]),
    ] {
        let app = App::builder()
            .env_from([("APP_PLUGINS", value)])
            .env()
            .load()
            .unwrap();
        assert_eq!(app.plugins, plugins, "APP_PLUGINS={value}");
    }
}

#[test]
fn append_accumulates_across_layers_even_through_an_empty_list() {
    let app = App::builder()
        .toml_str("plugins = []")
        .toml_str("plugins = [\"q\"]")
        .load()
        .unwrap();
    assert_eq!(app.plugins, ["a", "q"]);
}

#[test]
fn append_applies_between_discovered_files_too() {
    let low = Tmp::new();
    let high = Tmp::new();
    low.write("app.toml", "plugins = [\"low\"]\n");
    high.write("app.toml", "plugins = [\"high\"]\n");
    let app = App::builder()
        .source(staid::source::Discover::in_dirs([low.path(), high.path()]))
        .load()
        .unwrap();
    assert_eq!(app.plugins, ["a", "low", "high"]);
}

#[test]
fn append_applies_to_flags_over_a_config_file() {
    let dir = Tmp::new();
    let file = dir.write("extra.toml", "plugins = [\"file\"]\n");
    let app = App::builder()
        .args([
            "app",
            "--config",
            file.to_str().unwrap(),
            "--plugins",
            "flag",
        ])
        .load()
        .unwrap();
    assert_eq!(app.plugins, ["a", "file", "flag"]);
}
