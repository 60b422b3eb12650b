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
      --config <FILE>            Read this configuration file after the discovered ones
      --print-config[=<FORMAT>]  Print the effective configuration and exit: text with origins, json or toml
      --check-config             Check the configuration, print every problem, and exit
  -h, --help                     Print help
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
