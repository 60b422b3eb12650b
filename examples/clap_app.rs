//! An application with its own clap parser (a subcommand and its own flag)
//! that mounts staid's generated flags and hands the matches back.
//!
//! Try:
//!   cargo run --example clap_app -- --help
//!   cargo run --example clap_app -- -v --port 9000 serve --once
//!   cargo run --example clap_app -- --print-config check

use clap::{Arg, ArgAction, Command};
use staid::Config;

/// A tool with a server and a checker.
#[derive(Config, Debug)]
#[config(name = "tool")]
struct Settings {
    /// Port to listen on.
    #[config(default = 8080, short = 'p')]
    port: u16,
    /// Database host.
    #[config(default = "localhost")]
    db_host: String,
}

fn main() {
    let builder = Settings::builder().discover().env();
    let cmd = Command::new("tool")
        .about("A tool with a server and a checker")
        .arg(
            Arg::new("verbose")
                .short('v')
                .long("verbose")
                .action(ArgAction::Count)
                .help("More output"),
        )
        .subcommand(
            Command::new("serve")
                .about("Run the server")
                .arg(Arg::new("once").long("once").action(ArgAction::SetTrue)),
        )
        .subcommand(Command::new("check").about("Check the configuration"));
    let matches = builder.augment(cmd).get_matches();
    let settings = match builder.matches(&matches).load() {
        Ok(settings) => settings,
        // --print-config prints and exits 0; problems print and exit 2.
        Err(e) => e.exit_process(),
    };
    let verbose = matches.get_count("verbose");
    match matches.subcommand() {
        Some(("serve", sub)) => println!(
            "serving on port {} (db {}, once: {}, verbosity {verbose})",
            settings.port,
            settings.db_host,
            sub.get_flag("once")
        ),
        Some(("check", _)) => println!("configuration is valid: {settings:?}"),
        _ => println!("nothing to do; try `serve` or `check`"),
    }
}
