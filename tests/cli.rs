//! The command-line layer: flags generated from the struct, precedence, help,
//! print-config, and mounting into an application's own clap parser.

// Sample structs exist to be loaded; not every field is read back.
#![allow(dead_code)]

use staid::{Config, Exit, Origin, ProblemKind};

/// A sample service.
#[derive(Config, Debug)]
#[config(name = "svc")]
struct Svc {
    /// Address to listen on.
    #[config(default = "127.0.0.1")]
    host: String,
    /// Port to listen on.
    #[config(default = 8080, short = 'p')]
    port: u16,
    /// Verbose logging.
    #[config(default = false)]
    debug: bool,
    /// Networks allowed to connect.
    #[config(default = [])]
    allowed: Vec<String>,
    #[config(nested)]
    db: Db,
    /// Upstream token.
    #[config(secret)]
    token: Option<String>,
    /// Worker threads.
    #[config(flag = "threads")]
    workers: Option<u32>,
}

/// Database settings.
#[derive(Config, Debug)]
struct Db {
    /// Database host.
    #[config(default = "localhost")]
    host: String,
    /// Idle connections kept open.
    #[config(default = 2)]
    idle_connections: u32,
}

fn args(list: &[&str]) -> Vec<String> {
    std::iter::once("svc")
        .chain(list.iter().copied())
        .map(str::to_owned)
        .collect()
}

#[test]
fn flags_set_fields_and_nested_keys_join_with_dashes() {
    let svc = Svc::builder()
        .args(args(&[
            "-p",
            "9000",
            "--db-host",
            "db2",
            "--db-idle-connections=7",
            "--threads",
            "4",
        ]))
        .load()
        .unwrap();
    assert_eq!(svc.port, 9000);
    assert_eq!(svc.db.host, "db2");
    assert_eq!(svc.db.idle_connections, 7);
    assert_eq!(svc.workers, Some(4));
    assert_eq!(svc.host, "127.0.0.1");
}

#[test]
fn origins_name_the_flag() {
    let loaded = Svc::builder()
        .args(args(&["--db-host", "db2"]))
        .load_full()
        .unwrap();
    assert_eq!(
        loaded.origin("db.host"),
        Some(&Origin::Flag {
            name: "db-host".to_owned()
        })
    );
    assert_eq!(loaded.origin("port"), Some(&Origin::Default));
}

#[test]
fn booleans_take_no_value_or_an_explicit_one() {
    let on = Svc::builder().args(args(&["--debug"])).load().unwrap();
    assert!(on.debug);
    let off = Svc::builder()
        .toml_str("debug = true")
        .args(args(&["--debug=false"]))
        .load()
        .unwrap();
    assert!(!off.debug);
}

#[test]
fn lists_take_repeated_flags_or_commas() {
    let repeated = Svc::builder()
        .args(args(&["--allowed", "a", "--allowed", "b,c"]))
        .load()
        .unwrap();
    assert_eq!(repeated.allowed, ["a", "b,c"]);
    let commas = Svc::builder()
        .args(args(&["--allowed", "a,b"]))
        .load()
        .unwrap();
    assert_eq!(commas.allowed, ["a", "b"]);
}

#[test]
fn a_flag_not_given_never_overrides_lower_layers() {
    let svc = Svc::builder()
        .toml_str("port = 7000\ndebug = true\n")
        .env_from([("SVC_DB_HOST", "from-env")])
        .args(args(&[]))
        .load()
        .unwrap();
    assert_eq!(svc.port, 7000);
    assert!(svc.debug);
    assert_eq!(svc.db.host, "from-env");
}

#[test]
fn flags_win_over_files_and_environment() {
    let svc = Svc::builder()
        .toml_str("port = 7000")
        .env_from([("SVC_PORT", "7500")])
        .args(args(&["--port", "9000"]))
        .load()
        .unwrap();
    assert_eq!(svc.port, 9000);
}

#[test]
fn a_bad_flag_value_names_the_flag_and_joins_other_errors() {
    let err = Svc::builder()
        .toml_str("host = 5")
        .args(args(&["--port", "lots"]))
        .load()
        .unwrap_err();
    let text = err.to_string();
    assert_eq!(err.len(), 2, "{text}");
    assert!(
        text.contains("`host`: expected a string, found integer 5"),
        "{text}"
    );
    assert!(
        text.contains("`port`: expected an integer (u16), found \"lots\"\n  --> flag --port"),
        "{text}"
    );
}

#[test]
fn unknown_flags_get_clap_error_with_a_suggestion() {
    let err = Svc::builder()
        .args(args(&["--prot", "1"]))
        .load()
        .unwrap_err();
    let problem = &err.problems()[0];
    assert_eq!(problem.kind(), ProblemKind::Unknown);
    assert!(
        problem.message().contains("unexpected argument '--prot'"),
        "{err}"
    );
    assert!(problem.message().contains("--port"), "{err}");
}

#[test]
fn a_flag_given_twice_is_refused_unless_it_is_a_list() {
    let err = Svc::builder()
        .args(args(&["--port", "1", "--port", "2"]))
        .load()
        .unwrap_err();
    assert!(
        err.to_string().contains("cannot be used multiple times"),
        "{err}"
    );
}

#[test]
fn help_is_returned_not_printed() {
    let err = Svc::builder()
        .env()
        .args(args(&["--help"]))
        .load()
        .unwrap_err();
    let Some(Exit::Help(text)) = err.as_exit() else {
        panic!("expected help, got {err}");
    };
    let expected = "\
A sample service

Usage: svc [OPTIONS]

Options:
      --host <HOST>
          Address to listen on [env: SVC_HOST] [default: 127.0.0.1]
  -p, --port <PORT>
          Port to listen on [env: SVC_PORT] [default: 8080]
      --debug[=<BOOL>]
          Verbose logging [env: SVC_DEBUG] [default: false]
      --allowed <ALLOWED>
          Networks allowed to connect [env: SVC_ALLOWED]
      --db-host <HOST>
          Database host [env: SVC_DB_HOST] [default: localhost]
      --db-idle-connections <IDLE_CONNECTIONS>
          Idle connections kept open [env: SVC_DB_IDLE_CONNECTIONS] [default: 2]
      --token <TOKEN>
          Upstream token [env: SVC_TOKEN]
      --threads <WORKERS>
          Worker threads [env: SVC_WORKERS]
      --config <FILE>
          Read this configuration file after the discovered ones
      --print-config
          Print the effective configuration with the origin of each value, and exit
  -h, --help
          Print help
  -V, --version
          Print version
";
    assert_eq!(text, expected);
}

#[test]
fn version_comes_from_the_crate() {
    let err = Svc::builder()
        .args(args(&["--version"]))
        .load()
        .unwrap_err();
    assert_eq!(
        err.as_exit(),
        Some(&Exit::Version(format!(
            "svc {}\n",
            env!("CARGO_PKG_VERSION")
        )))
    );
}

#[test]
fn print_config_shows_origins_and_masks_secrets() {
    let err = Svc::builder()
        .toml_str("token = \"hunter2\"\n[db]\nhost = \"db1\"\n")
        .args(args(&["--print-config", "-p", "1"]))
        .load()
        .unwrap_err();
    let Some(Exit::PrintConfig(text)) = err.as_exit() else {
        panic!("expected print-config, got {err}");
    };
    assert!(!text.contains("hunter2"), "{text}");
    let loaded = Svc::builder()
        .toml_str("token = \"hunter2\"")
        .load_full()
        .unwrap();
    assert_eq!(loaded.config().token.as_deref(), Some("hunter2"));
    assert!(text.contains("token = \"<secret>\""), "{text}");
    assert!(text.contains("port = 1 "), "{text}");
    assert!(text.contains("# flag --port"), "{text}");
    assert!(text.contains("db.host = \"db1\""), "{text}");
    assert!(text.contains("# <toml>:3:8"), "{text}");
    assert!(text.contains("# workers is not set"), "{text}");
}

#[test]
fn config_flag_adds_a_file_above_discovered_ones() {
    let dir = tempfile::tempdir().unwrap();
    let discovered = dir.path().join("svc.toml");
    std::fs::write(&discovered, "port = 1000\nhost = \"disc\"\n").unwrap();
    let named = dir.path().join("other.json");
    std::fs::write(&named, r#"{"port": 2000}"#).unwrap();
    let svc = Svc::builder()
        .source(staid::source::Discover::in_dirs([dir.path()]))
        .args(args(&["--config", named.to_str().unwrap()]))
        .load()
        .unwrap();
    assert_eq!(svc.port, 2000);
    assert_eq!(svc.host, "disc");
}

#[test]
fn config_flag_without_discovery_reads_the_file_below_the_flags() {
    let dir = tempfile::tempdir().unwrap();
    let named = dir.path().join("extra.toml");
    std::fs::write(&named, "port = 2000\nhost = \"from-file\"\n").unwrap();
    let loaded = Svc::builder()
        .toml_str("port = 1000")
        .args(args(&[
            "--config",
            named.to_str().unwrap(),
            "--host",
            "from-flag",
        ]))
        .load_full()
        .unwrap();
    assert_eq!(loaded.config().port, 2000);
    assert_eq!(loaded.config().host, "from-flag");
    let err = Svc::builder()
        .args(args(&["--config", "/nonexistent/svc.toml", "-p", "x"]))
        .load()
        .unwrap_err();
    assert_eq!(err.len(), 2, "{err}");
    assert!(
        err.to_string()
            .contains("cannot read /nonexistent/svc.toml"),
        "{err}"
    );
}

mod mounted {
    use super::*;
    use clap::{Arg, ArgAction, Command};

    fn app_command(builder: &staid::Builder<Svc>) -> Command {
        let cmd = Command::new("tool")
            .arg(
                Arg::new("verbose")
                    .short('v')
                    .long("verbose")
                    .action(ArgAction::Count),
            )
            .subcommand(
                Command::new("serve").arg(Arg::new("once").long("once").action(ArgAction::SetTrue)),
            );
        builder.augment(cmd)
    }

    #[test]
    fn staid_flags_mount_into_an_app_parser_with_subcommands() {
        let builder = Svc::builder().toml_str("port = 7000");
        let matches = app_command(&builder)
            .try_get_matches_from(["tool", "-vv", "--db-host", "db9", "serve", "--once"])
            .unwrap();
        assert_eq!(matches.get_count("verbose"), 2);
        let (sub, sub_matches) = matches.subcommand().unwrap();
        assert_eq!(sub, "serve");
        assert!(sub_matches.get_flag("once"));
        let loaded = builder.matches(&matches).load_full().unwrap();
        assert_eq!(loaded.config().db.host, "db9");
        assert_eq!(loaded.config().port, 7000);
        assert_eq!(
            loaded.origin("db.host"),
            Some(&Origin::Flag {
                name: "db-host".to_owned()
            })
        );
    }

    #[test]
    fn a_clash_with_the_app_flags_is_reported_not_a_panic() {
        let builder = Svc::builder();
        let cmd = builder.augment(Command::new("tool").arg(Arg::new("mine").long("host")));
        // staid leaves its --host out rather than letting clap panic.
        let matches = cmd.try_get_matches_from(["tool", "--host", "x"]).unwrap();
        assert_eq!(
            matches.get_one::<String>("mine").map(String::as_str),
            Some("x")
        );
    }
}

#[test]
fn an_optional_bool_is_a_flag_too() {
    #[derive(Config, Debug)]
    #[config(name = "opt")]
    struct Opt {
        verbose: Option<bool>,
    }
    let on = Opt::builder().args(["opt", "--verbose"]).load().unwrap();
    assert_eq!(on.verbose, Some(true));
    let off = Opt::builder()
        .args(["opt", "--verbose=false"])
        .load()
        .unwrap();
    assert_eq!(off.verbose, Some(false));
    let unset = Opt::builder().args(["opt"]).load().unwrap();
    assert_eq!(unset.verbose, None);
}

#[test]
fn an_app_with_its_own_config_flag_keeps_it() {
    use clap::{Arg, Command};
    let builder = Svc::builder();
    let cmd = builder
        .augment(Command::new("tool").arg(Arg::new("config").long("config").help("The app's own")));
    let matches = cmd
        .try_get_matches_from(["tool", "--config", "mine.yaml", "--port", "7"])
        .unwrap();
    assert_eq!(
        matches.get_one::<String>("config").map(String::as_str),
        Some("mine.yaml")
    );
    let svc = builder.matches(&matches).load().unwrap();
    assert_eq!(svc.port, 7);
}
