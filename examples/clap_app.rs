//! An application with its own clap parser (subcommands and its own flag)
//! that mounts staid's generated flags and hands the matches back.
//!
//! Try:
//!   cargo run --example clap_app -- --help
//!   cargo run --example clap_app -- serve --help
//!   cargo run --example clap_app -- -v serve --once --port 9000
//!   cargo run --example clap_app -- --print-config check

use clap::{Arg, ArgAction, ArgMatches, Command};
use staid::{Builder, Config};

/// A tool with a server and a checker.
#[derive(Config, Debug)]
#[config(name = "tool")]
pub struct Settings {
    /// Port to listen on.
    #[config(default = 8080, short = 'p')]
    pub port: u16,
    /// Database host.
    #[config(default = "localhost")]
    pub db_host: String,
}

/// The application's own command, before staid's flags are mounted.
pub fn command() -> Command {
    Command::new("tool")
        .about("A tool with a server and a checker")
        .arg(
            Arg::new("verbose")
                .short('v')
                .long("verbose")
                .action(ArgAction::Count)
                .help("More output"),
        )
        .subcommand(
            Command::new("serve").about("Run the server").arg(
                Arg::new("once")
                    .long("once")
                    .action(ArgAction::SetTrue)
                    .help("Serve one request, then exit"),
            ),
        )
        .subcommand(Command::new("check").about("Check the configuration"))
}

/// What the tool does with its settings and the application's matches.
pub fn run(settings: &Settings, matches: &ArgMatches) -> String {
    let verbose = matches.get_count("verbose");
    match matches.subcommand() {
        Some(("serve", sub)) => format!(
            "serving on port {} (db {}, once: {}, verbosity {verbose})",
            settings.port,
            settings.db_host,
            sub.get_flag("once")
        ),
        Some(("check", _)) => format!("configuration is valid: {settings:?}"),
        _ => "nothing to do; try `serve` or `check`".to_owned(),
    }
}

/// Mounts staid's flags, parses `args`, loads: the whole of `main`, with
/// the builder given so tests can pass their own environment.
pub fn main_with(builder: Builder<Settings>, args: &[&str]) -> Result<String, clap::Error> {
    // staid's flags are global: `tool serve --port 9` works, and
    // `tool serve --help` lists them.
    let matches = builder.augment(command()).try_get_matches_from(args)?;
    let builder = builder.matches(&matches);
    let settings = match builder.load() {
        Ok(settings) => settings,
        // --print-config prints and exits 0; problems print and exit 2.
        Err(e) => e.exit_process(),
    };
    Ok(run(&settings, &matches))
}

#[allow(dead_code)]
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match main_with(Settings::builder().discover().env(), &args) {
        Ok(out) => println!("{out}"),
        Err(e) => e.exit(),
    }
}
