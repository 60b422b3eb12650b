//! examples/clap_app.rs, mounted into its own parser: help on a
//! subcommand, and staid's flags after the subcommand.

#[path = "../examples/clap_app.rs"]
mod example;

use example::{main_with, Settings};
use staid::Config;

fn hermetic() -> staid::Builder<Settings> {
    Settings::builder().env_from([("TOOL_DB_HOST", "db1")])
}

#[test]
fn serve_help_lists_the_subcommand_and_staid_flags() {
    let err = main_with(hermetic(), &["tool", "serve", "--help"]).unwrap_err();
    assert_eq!(err.kind(), clap::error::ErrorKind::DisplayHelp);
    assert_eq!(
        err.render().to_string(),
        "\
Run the server

Usage: tool serve [OPTIONS]

Options:
      --once                     Serve one request, then exit
  -p, --port <PORT>              Port to listen on [env: TOOL_PORT] [default: 8080]
      --db-host <DB_HOST>        Database host [env: TOOL_DB_HOST] [default: localhost]
      --config <FILE>            Read this configuration file too
      --print-config[=<FORMAT>]  Print the effective configuration and exit: text with origins, json or toml
      --check-config             Check the configuration, print every problem, and exit
  -h, --help                     Print help

Configuration, lowest first (later wins):
  defaults
  environment variables TOOL_<KEY> (nested keys joined by _), or TOOL_<KEY>_FILE naming a file that holds the value
  the file named by --config
  flags

In variables and flags, lists are written a,b,c (\\, for a comma inside an item), maps k:v,k:v, durations 1m30s or 250ms.
"
    );
    let short = main_with(hermetic(), &["tool", "serve", "-h"]).unwrap_err();
    assert_eq!(short.render().to_string(), err.render().to_string());
}

#[test]
fn a_global_flag_after_the_subcommand() {
    let out = main_with(
        hermetic(),
        &["tool", "-v", "serve", "--once", "--port", "9000"],
    );
    assert_eq!(
        out.unwrap(),
        "serving on port 9000 (db db1, once: true, verbosity 1)"
    );
    let out = main_with(hermetic(), &["tool", "check", "-p", "7"]).unwrap();
    assert_eq!(
        out,
        "configuration is valid: Settings { port: 7, db_host: \"db1\" }"
    );
}

/// An argument of the application's own whose id is a field's key path is
/// the application's: staid leaves its flag out and does not read it.
#[test]
fn an_application_argument_named_like_a_field_is_not_configuration() {
    use clap::{Arg, Command};
    let builder = Settings::builder().env_from([("TOOL_PORT", "7000")]);
    let app = Command::new("tool")
        .arg(Arg::new("port").long("listen"))
        .arg(Arg::new("db_host").long("database"));
    let matches = builder
        .augment(app)
        .try_get_matches_from(["tool", "--listen", "5", "--database", "evil.example"])
        .unwrap();
    assert_eq!(matches.get_one::<String>("port").unwrap(), "5");
    let loaded = builder.matches(&matches).load_full().unwrap();
    assert_eq!(loaded.config().port, 7000);
    assert_eq!(loaded.config().db_host, "localhost");
    assert_eq!(
        loaded.origin("port"),
        Some(&staid::Origin::Env {
            var: "TOOL_PORT".into()
        })
    );
}
