//! Bad input in sections: each a clear error with what and where, never a
//! panic and never a silently wrong value.

use std::collections::BTreeMap;

#[path = "support/load.rs"]
mod load;

use staid::{Config, ProblemKind};

#[derive(Config, Debug)]
#[config(name = "myapp")]
#[allow(dead_code)]
struct App {
    #[config(nested)]
    routes: Vec<Route>,
    #[config(nested)]
    upstreams: BTreeMap<String, Upstream>,
    #[config(nested)]
    tls: Option<Tls>,
}

#[derive(Config, Debug)]
#[allow(dead_code)]
struct Route {
    path: String,
    #[config(default = {})]
    labels: BTreeMap<String, String>,
}

#[derive(Config, Debug)]
#[allow(dead_code)]
struct Upstream {
    url: String,
}

#[derive(Config, Debug)]
#[allow(dead_code)]
struct Tls {
    #[config(default = "c")]
    cert: String,
}

fn error(toml: &str) -> String {
    load::toml_error::<App>(toml).to_string()
}

fn env_error(var: &str, value: &str) -> staid::Error {
    load::env_error::<App>([(var, value)])
}

#[test]
fn a_list_item_that_is_not_a_table() {
    assert_eq!(
        error("routes = [{ path = \"/a\" }, 3]\n"),
        "error: `routes.1`: expected a table, found integer\n  --> <toml>:1:28\n   |\n \
         1 | routes = [{ path = \"/a\" }, 3]\n   |                            ^"
    );
}

#[test]
fn a_list_that_is_not_an_array() {
    assert_eq!(
        error("routes = \"/a\"\n"),
        "error: `routes`: expected an array of tables, found string\n  --> <toml>:1:10\n   |\n \
         1 | routes = \"/a\"\n   |          ^^^^"
    );
}

#[test]
fn a_map_entry_that_is_a_scalar() {
    assert_eq!(
        error("[upstreams]\neu = \"http://eu\"\n"),
        "error: `upstreams.eu`: expected a table, found string\n  --> <toml>:2:6\n   |\n \
         2 | eu = \"http://eu\"\n   |      ^^^^^^^^^^^"
    );
}

#[test]
fn an_option_section_given_as_a_scalar() {
    assert_eq!(
        error("tls = true\n"),
        "error: `tls`: expected a table, found boolean\n  --> <toml>:1:7\n   |\n \
         1 | tls = true\n   |       ^^^^"
    );
}

#[test]
fn inline_json_in_env_that_does_not_parse() {
    let err = env_error("MYAPP_ROUTES", "[{\"path\": }]");
    assert_eq!(err.problems().len(), 1, "{err}");
    let problem = &err.problems()[0];
    assert_eq!(problem.kind(), ProblemKind::Syntax);
    assert_eq!(problem.key(), Some("routes"));
    assert_eq!(problem.origin().unwrap().to_string(), "env MYAPP_ROUTES");
    assert!(
        problem.message().starts_with("invalid inline JSON"),
        "{}",
        problem.message()
    );
}

#[test]
fn env_text_for_a_list_that_is_not_json() {
    let err = env_error("MYAPP_ROUTES", "/a,/b");
    assert_eq!(
        err.to_string(),
        "error: `routes`: expected an array of tables, found string\n  --> env MYAPP_ROUTES"
    );
}

#[test]
fn deep_nesting_inside_an_element_is_refused_by_the_depth_limit() {
    let deep = format!(
        "{{\"routes\": [{{\"path\": \"/\", \"labels\": {}1{}}}]}}",
        "{\"a\": ".repeat(200),
        "}".repeat(200)
    );
    let err = load::json_error::<App>(deep);
    assert!(
        err.problems()
            .iter()
            .any(|p| p.kind() == ProblemKind::TooDeep),
        "{err}"
    );
}

#[test]
fn unknown_keys_in_an_option_section_and_a_map_entry() {
    assert_eq!(
        error("[tls]\ncret = \"x\"\n[upstreams.eu]\nurl = \"u\"\nurll = \"v\"\n"),
        "2 problems in the configuration:\n\n\
         error: `upstreams.eu.urll`: unknown key\n  --> <toml>:5:1\n   |\n 5 | urll = \"v\"\n   | ^^^^\n  \
         = help: did you mean `url`?\n\n\
         error: `tls.cret`: unknown key\n  --> <toml>:2:1\n   |\n 2 | cret = \"x\"\n   | ^^^^\n  \
         = help: did you mean `cert`?"
    );
}

/// An entry name with a newline and one with a backslash and an `n` are two
/// entries, and their key paths in errors say so (as explain writes them,
/// and `Loaded::origin` reads them).
#[test]
fn key_paths_of_entries_with_escapes_are_quoted() {
    let err = load::json_error::<App>(r#"{"upstreams": {"x\ny": {}, "x\\ny": {}}}"#);
    let keys: Vec<&str> = err.problems().iter().filter_map(|p| p.key()).collect();
    assert_eq!(
        keys,
        [r#"upstreams."x\ny".url"#, r#"upstreams."x\\ny".url"#]
    );
    let shown = err.to_string();
    assert!(
        shown.contains(r#"`upstreams."x\ny".url`: missing required value"#),
        "{shown}"
    );
    assert!(
        shown.contains(r#"`upstreams."x\\ny".url`: missing required value"#),
        "{shown}"
    );
}

/// A map given as an array of inline JSON, beside a variable of one of its
/// entries, is said to be an array, not a string.
#[test]
fn a_map_given_as_a_json_array_beside_an_entry_is_called_an_array() {
    let err = load::env_error::<App>([
        ("MYAPP_UPSTREAMS", "[1]"),
        ("MYAPP_UPSTREAMS_EU_URL", "http://eu"),
    ]);
    let shown = err.to_string();
    assert!(
        shown
            .contains("expected a table (inline JSON `{..}`), found an array (inline JSON `[..]`)"),
        "{shown}"
    );
}
