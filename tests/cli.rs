//! The command-line layer: flags generated from the struct, precedence, help,
//! print-config, and mounting into an application's own clap parser.

// Sample structs exist to be loaded; not every field is read back.
#![allow(dead_code)]

#[path = "support/tmp.rs"]
mod tmp;
use tmp::Tmp;

#[path = "support/load.rs"]
mod load;

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
    let svc = load::args::<Svc>(args(&[
        "-p",
        "9000",
        "--db-host",
        "db2",
        "--db-idle-connections=7",
        "--threads",
        "4",
    ]));
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
    let on = load::args::<Svc>(args(&["--debug"]));
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
    let repeated = load::args::<Svc>(args(&["--allowed", "a", "--allowed", "b,c"]));
    assert_eq!(repeated.allowed, ["a", "b,c"]);
    let commas = load::args::<Svc>(args(&["--allowed", "a,b"]));
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
    let err = load::args_error::<Svc>(args(&["--prot", "1"]));
    let problem = &err.problems()[0];
    assert_eq!(problem.kind(), ProblemKind::Unknown);
    assert!(
        problem.message().contains("unexpected argument '--prot'"),
        "{err}"
    );
    assert!(problem.message().contains("--port"), "{err}");
    // Printed as clap prints it: its lines are lines, not `\n`.
    assert!(
        err.to_string().starts_with(
            "error: unexpected argument '--prot' found\n\n  tip: a similar argument exists: \
             '--port'\n"
        ),
        "{err}"
    );
}

/// The hidden argument that carries what staid mounted is never named to
/// the user: not as clap's "similar argument" for a typo, in staid's own
/// command or an application's (where clap also infers long names from a
/// prefix), nor in help.
#[test]
fn no_typo_is_told_of_the_hidden_marker() {
    for typo in [
        "--staid",
        "--stat",
        "--state",
        "--start",
        "--said",
        "--staging",
        "--s",
    ] {
        let err = load::args_error::<Svc>(args(&[typo]));
        let text = err.to_string();
        assert!(!text.contains('\0'), "{typo}: {text:?}");
        let cmd = || {
            clap::Command::new("tool")
                .arg(
                    clap::Arg::new("verbose")
                        .long("verbose")
                        .action(clap::ArgAction::SetTrue),
                )
                .subcommand(clap::Command::new("serve"))
        };
        for cmd in [cmd(), cmd().infer_long_args(true)] {
            for line in [&["tool", typo][..], &["tool", "serve", typo]] {
                let err = Svc::builder()
                    .augment(cmd.clone())
                    .try_get_matches_from(line)
                    .unwrap_err();
                let text = err.render().to_string();
                assert!(!text.contains('\0'), "{line:?}: {text:?}");
            }
        }
    }
    let err = load::args_error::<Svc>(args(&["--help"]));
    let Some(Exit::Help(help)) = err.as_exit() else {
        panic!("not help: {err}");
    };
    assert!(!help.contains('\0'), "{help:?}");
}

/// When clap refuses the command line, its error is the problem to fix:
/// the refused line sets nothing and may be what sets a required value, so
/// none is reported missing beside it. Other layers' problems still are.
#[test]
fn a_refused_command_line_is_not_followed_by_missing_values() {
    #[derive(Config, Debug)]
    #[config(name = "req")]
    struct Req {
        #[config(default = 8080)]
        port: u16,
        #[config(nested)]
        db: ReqDb,
    }
    #[derive(Config, Debug)]
    struct ReqDb {
        #[config(secret)]
        password: String,
    }
    let refused = ["req", "--db-password=x", "--prot", "9"];
    let err = Req::builder()
        .env_from([("X", "y")])
        .args(refused)
        .load()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "error: unexpected argument '--prot' found\n\n  tip: a similar argument exists: \
         '--port'\n\nUsage: req --db-password <PASSWORD> --port <PORT>\n\nFor more \
         information, try '--help'."
    );
    let err = Req::builder()
        .toml_str("port = \"high\"")
        .args(refused)
        .load()
        .unwrap_err();
    assert_eq!(err.len(), 2, "{err}");
    assert!(
        err.to_string()
            .contains("`port`: expected an integer (u16), found string \"high\""),
        "{err}"
    );
    // Once the command line parses, a value still missing is reported.
    let err = load::args_error::<Req>(["req", "--port", "9"]);
    assert!(
        err.to_string()
            .starts_with("error: `db.password`: missing required value"),
        "{err}"
    );
}

/// A secret's flag takes the next argument as its value whatever it starts
/// with (`--token --s3cret`, `-t -Xs3cret`), as getopt does for an option
/// that needs one: clap would otherwise quote it back as an unknown flag,
/// in full or by its first letters, also from an application's own parser.
#[test]
fn a_secret_that_looks_like_a_flag_is_its_value_and_never_quoted_back() {
    #[derive(Config, Debug)]
    struct Shorts {
        #[config(default = false, short = 'v')]
        verbose: bool,
        #[config(secret, short = 't')]
        token: Option<String>,
    }
    for (args, value) in [
        (vec!["shorts", "--token", "--Sup3rS3cret"], "--Sup3rS3cret"),
        (
            vec!["shorts", "--token", "--Sup3r=S3cret"],
            "--Sup3r=S3cret",
        ),
        (vec!["shorts", "--token", "-XSup3r"], "-XSup3r"),
        (vec!["shorts", "-vt", "--Sup3rS3cret"], "--Sup3rS3cret"),
    ] {
        let app = load::args::<Shorts>(args.clone());
        assert_eq!(app.token.as_deref(), Some(value), "{args:?}");
    }
    // Mounted in the application's parser, whose own errors staid cannot
    // mask: the value is taken, so clap has nothing to quote.
    let cmd = clap::Command::new("tool").subcommand(clap::Command::new("serve"));
    let matches = Shorts::builder()
        .augment(cmd)
        .try_get_matches_from(["tool", "--token", "--Sup3rS3cret", "serve"])
        .unwrap();
    let app = Shorts::builder().matches(&matches).load().unwrap();
    assert_eq!(app.token.as_deref(), Some("--Sup3rS3cret"));
}

#[test]
fn a_flag_given_twice_is_refused_unless_it_is_a_list() {
    let err = load::args_error::<Svc>(args(&["--port", "1", "--port", "2"]));
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
          Read this configuration file too
      --print-config[=<FORMAT>]
          Print the effective configuration and exit: text with origins, json or toml
      --check-config
          Check the configuration, print every problem, and exit
  -h, --help
          Print help
  -V, --version
          Print version

Configuration, lowest first (later wins):
  defaults
  environment variables SVC_<KEY> (nested keys joined by _), or SVC_<KEY>_FILE naming a file that holds the value
  the file named by --config
  flags

In variables and flags, lists are written a,b,c (\\, for a comma inside an item), maps k:v,k:v, durations 1m30s or 250ms.
";
    assert_eq!(text, expected);
}

/// The conventional stack reads systemd credentials below the
/// environment, and its help says so in its place.
#[test]
fn help_names_credentials_where_the_stack_reads_them() {
    let err = Svc::builder()
        .credentials()
        .env_from([("SVC_HOST", "x")])
        .args(args(&["--help"]))
        .load()
        .unwrap_err();
    let text = err.as_exit().unwrap().text();
    assert!(
        text.contains(
            "  defaults\n  \
             systemd credentials in $CREDENTIALS_DIRECTORY, one file per key (db.password)\n  \
             environment variables SVC_<KEY>"
        ),
        "{text}"
    );
    // The same in the command a builder gives an application.
    let help = Svc::builder()
        .credentials()
        .env_from([("SVC_HOST", "x")])
        .command()
        .render_help()
        .to_string();
    assert!(
        help.contains("systemd credentials in $CREDENTIALS_DIRECTORY"),
        "{help}"
    );
}

#[test]
fn help_ends_with_where_configuration_comes_from() {
    let err = Svc::builder()
        .source(staid::source::Discover::in_dirs(["/etc/svc", "/srv"]))
        .env_from([("SVC_HOST", "x")])
        .args(args(&["--help"]))
        .load()
        .unwrap_err();
    let text = err.as_exit().unwrap().text();
    let tail = &text[text.find("Configuration,").unwrap()..];
    // Lua files are looked for too where the feature is on.
    let exts = if cfg!(feature = "lua") {
        "toml,json,lua"
    } else {
        "toml,json"
    };
    assert_eq!(
        tail,
        format!(
            "Configuration, lowest first (later wins):
  defaults
  /etc/svc/svc.{{{exts}}} if it exists
  /etc/svc/svc.d/*.{{{exts}}} if it exists
  /srv/svc.{{{exts}}} if it exists
  /srv/svc.d/*.{{{exts}}} if it exists
  the file named by --config or SVC_CONFIG
  environment variables SVC_<KEY> (nested keys joined by _), or SVC_<KEY>_FILE naming a file that holds the value
  flags

In variables and flags, lists are written a,b,c (\\, for a comma inside an item), maps k:v,k:v, durations 1m30s or 250ms.
"
        )
    );
    let usage = Svc::builder().discover().env_from([("X", "y")]).env_usage();
    let notes = &usage[usage.find("\n\nAny variable").unwrap()..];
    assert_eq!(
        notes,
        "\n\nAny variable can be given as <VARIABLE>_FILE instead, naming a file that holds the \
         value (for secrets).\nSVC_CONFIG names a configuration file read after the discovered \
         ones.\nIn variables and flags, lists are written a,b,c (\\, for a comma inside an item), \
         maps k:v,k:v, durations 1m30s or 250ms.\n"
    );
}

/// The listing at the end of `--help` is the stack, in the order it is
/// read: every file, drop-in directory and `.env` layer, and the
/// `--config` file where it goes (without discovery, just below the flags).
#[test]
fn help_lists_the_stack_in_the_order_it_is_read() {
    let help = Svc::builder()
        .file("/etc/svc/base.toml")
        .optional_dir("/etc/svc/conf.d")
        .optional_dotenv(".env")
        .env_from([("SVC_PORT", "2")])
        .toml_str("port = 1")
        .command()
        .render_help()
        .to_string();
    let tail = &help[help.find("Configuration,").unwrap()..];
    assert_eq!(
        tail,
        "Configuration, lowest first (later wins):
  defaults
  file /etc/svc/base.toml
  drop-in directory /etc/svc/conf.d if it exists
  dotenv file .env if it exists
  environment variables SVC_<KEY> (nested keys joined by _), or SVC_<KEY>_FILE naming a file that holds the value
  TOML text <toml>
  the file named by --config
  flags

In variables and flags, lists are written a,b,c (\\, for a comma inside an item), maps k:v,k:v, durations 1m30s or 250ms.
"
    );
    // As the load reads them: the --config file over the environment.
    let dir = Tmp::new();
    let named = dir.write("f.toml", "port = 3\n");
    let builder = Svc::builder().env_from([("SVC_PORT", "2")]);
    let help = builder.command().render_help().to_string();
    let file_at = help.find("the file named by --config").unwrap();
    assert!(
        help.find("environment variables").unwrap() < file_at,
        "{help}"
    );
    let loaded = builder
        .args(args(&["--config", named.to_str().unwrap()]))
        .load_full()
        .unwrap();
    assert_eq!(loaded.config().port, 3);
}

#[test]
fn version_comes_from_the_crate() {
    let err = load::args_error::<Svc>(args(&["--version"]));
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
    let text = load::printed_config(
        Svc::builder()
            .toml_str("token = \"hunter2\"\n[db]\nhost = \"db1\"\n")
            .args(args(&["--print-config", "-p", "1"])),
    );
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
    let dir = Tmp::new();
    dir.write("svc.toml", "port = 1000\nhost = \"disc\"\n");
    let named = dir.write("other.json", r#"{"port": 2000}"#);
    let svc = Svc::builder()
        .source(staid::source::Discover::in_dirs([dir.path()]))
        .args(args(&["--config", named.to_str().unwrap()]))
        .load()
        .unwrap();
    assert_eq!(svc.port, 2000);
    assert_eq!(svc.host, "disc");
}

#[test]
fn config_flag_and_config_variable_together_are_a_warning_naming_both() {
    let dir = Tmp::new();
    let flag = dir.write("flag.toml", "port = 2000\n");
    let loaded = Svc::builder()
        .source(staid::source::Discover::in_dirs([dir.path()]))
        .env_from([("SVC_CONFIG", "/etc/svc/other.toml")])
        .args(args(&["--config", flag.to_str().unwrap()]))
        .load_full()
        .unwrap();
    assert_eq!(loaded.config().port, 2000);
    let warnings: Vec<String> = loaded.warnings().iter().map(ToString::to_string).collect();
    assert_eq!(
        warnings,
        [format!(
            "--config {} is read; the file named by SVC_CONFIG (/etc/svc/other.toml) is not\n  \
             = help: give one of --config and SVC_CONFIG",
            flag.display()
        )]
    );
    // The same file both ways says nothing.
    let loaded = Svc::builder()
        .source(staid::source::Discover::in_dirs([dir.path()]))
        .env_from([("SVC_CONFIG", flag.to_str().unwrap())])
        .args(args(&["--config", flag.to_str().unwrap()]))
        .load_full()
        .unwrap();
    assert!(loaded.warnings().is_empty());
}

#[test]
fn config_flag_without_discovery_reads_the_file_below_the_flags() {
    let dir = Tmp::new();
    let named = dir.write("extra.toml", "port = 2000\nhost = \"from-file\"\n");
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
    let err = load::args_error::<Svc>(args(&["--config", "/nonexistent/svc.toml", "-p", "x"]));
    assert_eq!(err.len(), 2, "{err}");
    assert!(
        err.to_string().contains(
            "cannot read /nonexistent/svc.toml: No such file or directory\n  \
             = help: the file is named by --config"
        ),
        "{err}"
    );
    // A stale variable is named as the place to fix, as the flag is.
    let err = Svc::builder()
        .discover()
        .env_from([("SVC_CONFIG", "/nonexistent/env.toml")])
        .load()
        .unwrap_err();
    assert!(
        err.to_string().contains(
            "cannot read /nonexistent/env.toml: No such file or directory\n  \
             = help: the file is named by the environment variable SVC_CONFIG"
        ),
        "{err}"
    );
}

/// `db_host` beside `db.host`: both spell `--db-host`. The schema is at
/// fault, so the help says to rename one field's flag.
#[test]
fn two_fields_with_one_flag_are_an_error_that_says_to_rename_one() {
    #[derive(Config, Debug)]
    #[config(name = "clash")]
    struct Clash {
        #[config(nested)]
        db: ClashDb,
        #[config(default = 1)]
        db_host: u16,
    }
    #[derive(Config, Debug)]
    struct ClashDb {
        #[config(default = 2)]
        host: u16,
    }
    let err = load::args_error::<Clash>(["clash"]);
    assert_eq!(
        err.to_string(),
        "error: `db_host`: flag --db-host is generated for `db_host` but is already used by \
         `db.host`\n  = help: two fields have one flag: give one of them another with \
         #[config(flag = \"..\")]"
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
    let on = load::args::<Opt>(["opt", "--verbose"]);
    assert_eq!(on.verbose, Some(true));
    let off = load::args::<Opt>(["opt", "--verbose=false"]);
    assert_eq!(off.verbose, Some(false));
    let unset = load::args::<Opt>(["opt"]);
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

/// An application's own `--config`, `--check-config` and `--print-config`
/// are its own, whatever their types: staid's are left out, with a
/// warning, and the load goes on.
#[test]
fn an_apps_own_config_check_and_print_flags_are_not_staids() {
    use clap::{value_parser, Arg, ArgAction, Command};
    let builder = Svc::builder().env_from([("SVC_PORT", "7")]);
    let cmd = Command::new("tool")
        .arg(
            Arg::new("config")
                .long("config")
                .value_parser(value_parser!(std::path::PathBuf)),
        )
        .arg(
            Arg::new("check-config")
                .long("check-config")
                .action(ArgAction::SetTrue),
        )
        .arg(Arg::new("print-config").long("print-config"));
    let matches = builder
        .augment(cmd)
        .try_get_matches_from([
            "tool",
            "--config",
            "/nonexistent/tool.yaml",
            "--check-config",
            "--print-config",
            "rules",
        ])
        .unwrap();
    let loaded = builder.matches(&matches).load_full().unwrap();
    assert_eq!(loaded.config().port, 7);
    let warnings: Vec<String> = loaded.warnings().iter().map(ToString::to_string).collect();
    assert_eq!(
        warnings,
        [
            "the application already has --config; staid's --config is left out",
            "the application already has --print-config; staid's --print-config is left out",
            "the application already has --check-config; staid's --check-config is left out",
        ]
    );
}

/// Where staid's `--config` is left out, `--help` does not send the
/// operator to it: the file is listed as the variable names it, where one
/// does, and not at all where none does.
#[test]
fn help_names_no_config_flag_that_staid_left_out() {
    use clap::{Arg, Command};
    let own = || Command::new("tool").arg(Arg::new("config").long("config"));
    let help = Svc::builder()
        .discover()
        .env_from([("SVC_PORT", "7")])
        .augment(own())
        .render_help()
        .to_string();
    assert!(!help.contains("named by --config"), "{help}");
    assert!(help.contains("  the file named by SVC_CONFIG\n"), "{help}");
    let help = Svc::builder().augment(own()).render_help().to_string();
    assert!(!help.contains("named by"), "{help}");
    // Kept where the application has no `--config`.
    let help = Svc::builder()
        .augment(Command::new("tool"))
        .render_help()
        .to_string();
    assert!(help.contains("  the file named by --config\n"), "{help}");
}

/// Mounting into an application's parser with subcommands, as
/// `examples/clap_app.rs` does: help on every subcommand, global flags, and
/// each kind of clash reported.
mod subcommands {
    use clap::{Arg, ArgAction, Command};
    use staid::{Config, Exit, ProblemKind};

    /// A tool.
    #[derive(Config, Debug)]
    #[config(name = "tool")]
    struct Tool {
        /// Port to listen on.
        #[config(default = 8080, short = 'p')]
        port: u16,
        /// Database host.
        #[config(default = "localhost")]
        db_host: String,
    }

    fn app() -> Command {
        Command::new("tool")
            .about("A tool")
            .subcommand(
                Command::new("serve").about("Run the server").arg(
                    Arg::new("once")
                        .long("once")
                        .action(ArgAction::SetTrue)
                        .help("Stop after one request"),
                ),
            )
            .subcommand(Command::new("check").about("Check the configuration"))
    }

    fn help_of(cmd: Command, args: &[&str]) -> String {
        let err = cmd.try_get_matches_from(args).unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::DisplayHelp, "{err}");
        err.render().to_string()
    }

    const SERVE_HELP: &str = "\
Run the server

Usage: tool serve [OPTIONS]

Options:
      --once                     Stop after one request
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
";

    #[test]
    fn help_works_on_every_subcommand() {
        let builder = Tool::builder().env_from([("X", "y")]);
        for args in [
            &["tool", "serve", "--help"][..],
            &["tool", "serve", "-h"],
            &["tool", "help", "serve"],
        ] {
            assert_eq!(
                help_of(builder.augment(app()), args),
                SERVE_HELP,
                "{args:?}"
            );
        }
    }

    #[test]
    fn flags_are_global_by_default() {
        let builder = Tool::builder();
        let matches = builder
            .augment(app())
            .try_get_matches_from(["tool", "serve", "--once", "-p", "9", "--db-host", "db2"])
            .unwrap();
        assert!(matches
            .subcommand_matches("serve")
            .unwrap()
            .get_flag("once"));
        let tool = builder.matches(&matches).load().unwrap();
        assert_eq!((tool.port, tool.db_host.as_str()), (9, "db2"));
    }

    #[test]
    fn local_flags_are_refused_after_a_subcommand() {
        let builder = Tool::builder().global_flags(false);
        let err = builder
            .augment(app())
            .try_get_matches_from(["tool", "serve", "-p", "9"])
            .unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::UnknownArgument);
        // Before the subcommand they still work, and help still does.
        let matches = builder
            .augment(app())
            .try_get_matches_from(["tool", "-p", "9", "serve"])
            .unwrap();
        assert_eq!(builder.matches(&matches).load().unwrap().port, 9);
        let builder = Tool::builder().global_flags(false);
        let help = help_of(builder.augment(app()), &["tool", "serve", "--help"]);
        assert!(help.contains("  -h, --help  Print help"), "{help}");
    }

    fn warnings(builder: staid::Builder<Tool>, cmd: Command, args: &[&str]) -> Vec<String> {
        let matches = builder.augment(cmd).try_get_matches_from(args).unwrap();
        let loaded = builder.matches(&matches).load_full().unwrap();
        loaded.warnings().iter().map(ToString::to_string).collect()
    }

    #[test]
    fn each_kind_of_clash_is_a_warning_naming_both() {
        let cmd = app()
            .arg(Arg::new("db").long("db-host"))
            .arg(Arg::new("pretty").short('p').action(ArgAction::SetTrue))
            .arg(Arg::new("config").long("config"));
        assert_eq!(
            warnings(Tool::builder(), cmd, &["tool"]),
            [
                "`port`: short flag -p of `port` is already used by the application's -p\n  \
                 = help: staid's flag is --port alone",
                "`db_host`: flag --db-host is generated for `db_host` but is already used by \
                 the application's --db-host\n  = help: staid's flag is left out; the key can \
                 still be set in a file or the environment, or give the field another flag with \
                 #[config(flag = \"..\")]",
                "the application already has --config; staid's --config is left out",
            ]
        );
    }

    #[test]
    fn a_subcommand_with_the_same_name_keeps_the_flag_local() {
        let cmd =
            app().subcommand(Command::new("bench").arg(Arg::new("port").long("port").short('p')));
        let builder = Tool::builder();
        assert_eq!(
            warnings(
                Tool::builder(),
                cmd.clone(),
                &["tool", "--port", "1", "bench", "-p", "2"]
            ),
            [
                "`port`: flag --port is not global: the subcommand `bench`'s --port has the same \
              name\n  = help: give staid's flag before the subcommand"
            ]
        );
        let matches = builder
            .augment(cmd)
            .try_get_matches_from(["tool", "--port", "1", "bench", "-p", "2"])
            .unwrap();
        let bench = matches.subcommand_matches("bench").unwrap();
        assert_eq!(bench.get_one::<String>("port").unwrap(), "2");
        assert_eq!(builder.matches(&matches).load().unwrap().port, 1);
    }

    /// A short that a nested subcommand uses is given up; the long flag
    /// stays global, after every subcommand.
    #[test]
    fn a_subcommand_short_of_the_same_letter_leaves_the_long_flag_global() {
        let cmd = app().subcommand(
            Command::new("db").subcommand(
                Command::new("migrate").arg(
                    Arg::new("parallel")
                        .short('p')
                        .long("parallel")
                        .action(ArgAction::SetTrue),
                ),
            ),
        );
        assert_eq!(
            warnings(
                Tool::builder(),
                cmd.clone(),
                &["tool", "serve", "--port", "9"]
            ),
            [
                "`port`: short flag -p of --port is left out: the subcommand `db migrate`'s -p \
                 has the same name\n  = help: --port is still accepted everywhere"
            ]
        );
        for args in [
            &["tool", "serve", "--port", "9"][..],
            &["tool", "db", "migrate", "-p", "--port", "9"],
            &["tool", "--port", "9", "serve"],
        ] {
            let builder = Tool::builder();
            let matches = builder
                .augment(cmd.clone())
                .try_get_matches_from(args)
                .unwrap();
            assert_eq!(
                builder.matches(&matches).load().unwrap().port,
                9,
                "{args:?}"
            );
        }
    }

    #[test]
    fn try_augment_makes_clashes_an_error() {
        let cmd = app().arg(Arg::new("pretty").short('p').action(ArgAction::SetTrue));
        let err = Tool::builder().try_augment(cmd).unwrap_err();
        assert_eq!(
            err.to_string(),
            "error: `port`: short flag -p of `port` is already used by the application's -p\n  \
             = help: staid's flag is --port alone"
        );
        assert_eq!(err.problems()[0].kind(), ProblemKind::Source);
        assert!(Tool::builder().try_augment(app()).is_ok());
        // A command mounted twice is left as the first mount made it.
        let once = Tool::builder().augment(app());
        let err = Tool::builder().try_augment(once.clone()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "error: staid's flags are already mounted in this command; it is left as it is"
        );
        let matches = Tool::builder()
            .augment(once)
            .try_get_matches_from(["tool", "serve", "--port", "1"])
            .unwrap();
        assert_eq!(Tool::builder().matches(&matches).load().unwrap().port, 1);
    }

    /// Commands clap would panic on once staid's arguments were in are
    /// left as they are, with the reason: a multicall command (it takes
    /// no arguments of its own) and one using the short NUL (staid's
    /// marker).
    #[test]
    fn commands_clap_would_panic_on_are_left_as_they_are() {
        let multicall = Command::new("tool")
            .multicall(true)
            .subcommand(Command::new("serve"));
        let nul = app().arg(Arg::new("weird").short('\0').action(ArgAction::SetTrue));
        let nul_below = Command::new("tool").subcommand(
            Command::new("serve").arg(Arg::new("weird").short('\0').action(ArgAction::SetTrue)),
        );
        for (cmd, args, why) in [
            (
                multicall,
                vec!["serve"],
                "a multicall command takes no arguments",
            ),
            (nul, vec!["tool", "serve"], "the short option NUL (`-\\0`)"),
            (
                nul_below,
                vec!["tool", "serve"],
                "the short option NUL (`-\\0`)",
            ),
        ] {
            let err = Tool::builder().try_augment(cmd.clone()).unwrap_err();
            assert!(err.to_string().contains(why), "{err}");
            // `augment` hands it back as it was, and clap runs it.
            let mut mounted = Tool::builder().augment(cmd);
            mounted.build();
            assert!(mounted.try_get_matches_from(args).is_ok());
        }
    }

    #[test]
    fn version_stays_at_the_top() {
        let builder = Tool::builder();
        let err = builder
            .augment(app().version("1.2.3"))
            .try_get_matches_from(["tool", "--version"])
            .unwrap_err();
        assert_eq!(err.render().to_string(), "tool 1.2.3\n");
        let _ = Exit::Help(String::new());
    }

    /// `tool serve --version` prints what clap alone prints when the
    /// application propagates its version, and is refused when it does not.
    #[test]
    fn a_propagated_version_reaches_every_subcommand() {
        let version = |cmd: Command, args: &[&str]| {
            let err = cmd.try_get_matches_from(args).unwrap_err();
            assert_eq!(err.kind(), clap::error::ErrorKind::DisplayVersion, "{err}");
            err.render().to_string()
        };
        let propagating = || app().version("1.2.3").propagate_version(true);
        let builder = Tool::builder().env_from([("X", "y")]);
        for args in [
            &["tool", "serve", "--version"][..],
            &["tool", "serve", "-V"],
            &["tool", "check", "-V"],
        ] {
            assert_eq!(
                version(builder.augment(propagating()), args),
                version(propagating(), args),
                "{args:?}"
            );
        }
        assert_eq!(
            version(
                builder.augment(propagating()),
                &["tool", "serve", "--version"]
            ),
            "tool-serve 1.2.3\n"
        );
        assert_eq!(
            version(builder.augment(propagating()), &["tool", "--version"]),
            "tool 1.2.3\n"
        );
        let help = help_of(builder.augment(propagating()), &["tool", "serve", "--help"]);
        assert_eq!(
            help,
            SERVE_HELP.replace(
                "  -h, --help                     Print help\n",
                "  -h, --help                     Print help\n  \
                 -V, --version                  Print version\n"
            )
        );
        // Without propagation, as clap alone.
        let err = builder
            .augment(app().version("1.2.3"))
            .try_get_matches_from(["tool", "serve", "--version"])
            .unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::UnknownArgument);
        // A subcommand's own -V keeps it; the global flag is --version there.
        let cmd = propagating().subcommand(
            Command::new("bench").arg(Arg::new("verbose").short('V').action(ArgAction::SetTrue)),
        );
        let matches = builder
            .augment(cmd.clone())
            .try_get_matches_from(["tool", "bench", "-V"])
            .unwrap();
        assert!(matches
            .subcommand_matches("bench")
            .unwrap()
            .get_flag("verbose"));
        assert_eq!(
            version(builder.augment(cmd), &["tool", "bench", "--version"]),
            "tool-bench 1.2.3\n"
        );
    }

    /// Every name a subcommand's argument answers to meets staid's global
    /// flags there: its global arguments (which reach the subcommands
    /// below it), its aliases, and flag subcommands (`tool -p`). Each is a
    /// warning, never clap's panic.
    #[test]
    fn global_arguments_aliases_and_flag_subcommands_are_clashes_not_panics() {
        let serve = || Command::new("serve").about("Run the server");
        let cases = [
            (
                app().subcommand(
                    serve()
                        .name("run")
                        .arg(Arg::new("listen").long("port").global(true))
                        .subcommand(Command::new("once")),
                ),
                &["tool", "run", "once", "--port", "1"][..],
                "`port`: flag --port is not global: the subcommand `run`'s --port has the same \
                 name\n  = help: give staid's flag before the subcommand",
            ),
            (
                app().subcommand(
                    serve()
                        .name("run")
                        .arg(Arg::new("host").short('h').long("host").global(true)),
                ),
                &["tool", "run", "-h", "x"],
                "",
            ),
            (
                app().arg(Arg::new("listen").long("listen").alias("port")),
                &["tool", "--port", "1"],
                "`port`: flag --port is generated for `port` but is already used by the \
                 application's --port\n  = help: staid's flag is left out; the key can still be \
                 set in a file or the environment, or give the field another flag with \
                 #[config(flag = \"..\")]",
            ),
            (
                app().subcommand(
                    serve().name("run").arg(
                        Arg::new("listen")
                            .long("listen")
                            .visible_alias("db-host")
                            .short_alias('p'),
                    ),
                ),
                &["tool", "run", "-p", "1"],
                "`port`: short flag -p of --port is left out: the subcommand `run`'s -p has the \
                 same name\n  = help: --port is still accepted everywhere\n\
                 `db_host`: flag --db-host is not global: the subcommand `run`'s --db-host has \
                 the same name\n  = help: give staid's flag before the subcommand",
            ),
            (
                app().subcommand(Command::new("sync").short_flag('p')),
                &["tool", "-p"],
                "`port`: short flag -p of `port` is already used by the subcommand `sync` (-p)\n  \
                 = help: staid's flag is --port alone",
            ),
            (
                app()
                    .arg(Arg::new("listen").long("listen"))
                    .group(clap::ArgGroup::new("port").arg("listen"))
                    .subcommand(
                        serve()
                            .name("run")
                            .arg(Arg::new("db").long("db"))
                            .group(clap::ArgGroup::new("db_host").arg("db")),
                    ),
                &["tool", "--db-host", "h", "run"],
                "`port`: flag --port is generated for `port` but is already used by the \
                 application's group `port`\n  = help: staid's flag is left out; the key can \
                 still be set in a file or the environment, or give the field another flag with \
                 #[config(flag = \"..\")]\n\
                 `db_host`: flag --db-host is not global: the subcommand `run`'s group `db_host` \
                 has the same name\n  = help: give staid's flag before the subcommand",
            ),
        ];
        for (cmd, args, expected) in cases {
            let found = warnings(Tool::builder(), cmd, args);
            assert_eq!(found.join("\n"), expected, "{args:?}");
        }
        // `-h` is the subcommand's; `--help` is still help there.
        let cmd = app().subcommand(
            serve()
                .name("run")
                .arg(Arg::new("host").short('h').long("host").global(true)),
        );
        let help = help_of(Tool::builder().augment(cmd), &["tool", "run", "--help"]);
        assert!(help.contains("      --help"), "{help}");
    }

    /// An application that has clap insist on help for every argument
    /// (`help_expected`) can mount staid's flags, a field without a doc
    /// comment among them.
    #[test]
    fn an_app_that_expects_help_on_every_argument_can_mount() {
        #[derive(Config, Debug)]
        #[config(name = "bare")]
        struct Bare {
            token: Option<String>,
        }
        let cmd = Command::new("bare")
            .help_expected(true)
            .subcommand(Command::new("run").about("Run"));
        let builder = Bare::builder();
        let matches = builder
            .augment(cmd)
            .try_get_matches_from(["bare", "run", "--token", "t"])
            .unwrap();
        let bare = builder.matches(&matches).load().unwrap();
        assert_eq!(bare.token.as_deref(), Some("t"));
    }

    /// clap hands the value of a subcommand's global argument up to the
    /// command above, into any argument of the same id: staid's flag of
    /// that id is left out, so the application's value is not read.
    #[test]
    fn a_subcommand_global_argument_with_a_fields_id_is_not_configuration() {
        let cmd =
            app().subcommand(Command::new("run").arg(Arg::new("port").long("listen").global(true)));
        let builder = Tool::builder();
        let matches = builder
            .augment(cmd)
            .try_get_matches_from(["tool", "run", "--listen", "1"])
            .unwrap();
        let loaded = builder.matches(&matches).load_full().unwrap();
        assert_eq!(loaded.config().port, 8080);
        let warnings: Vec<String> = loaded.warnings().iter().map(ToString::to_string).collect();
        assert_eq!(
            warnings,
            [
                "`port`: flag --port is generated for `port` but is already used by the \
              subcommand `run`'s global argument `port`\n  = help: staid's flag is left out; \
              the key can still be set in a file or the environment, or give the field another \
              flag with #[config(flag = \"..\")]"
            ]
        );
    }

    /// The matches carry what was mounted: a builder other than the one
    /// that called `augment` (as `Tool::load_with(|s| s.matches(&m))`
    /// would be), `Cli::matches`, and a subcommand's matches all read
    /// staid's flags alone, with the same warnings.
    #[test]
    fn any_builder_reads_only_what_was_mounted() {
        let cmd = app()
            .arg(Arg::new("port").long("listen"))
            .arg(Arg::new("pretty").short('p').action(ArgAction::SetTrue));
        let matches = Tool::builder()
            .augment(cmd)
            .try_get_matches_from(["tool", "--listen", "5", "serve", "--db-host", "db2"])
            .unwrap();
        let warned = [
            "`port`: flag --port is generated for `port` but is already used by the \
             application's argument `port`\n  = help: staid's flag is left out; the key can \
             still be set in a file or the environment, or give the field another flag with \
             #[config(flag = \"..\")]",
        ];
        let serve = matches.subcommand_matches("serve").unwrap();
        for loaded in [
            Tool::builder().env_from([("X", "y")]).matches(&matches),
            Tool::builder().source(staid::source::Cli::matches(&matches)),
            Tool::builder().matches(serve),
        ]
        .map(|b| b.load_full().unwrap())
        {
            assert_eq!(loaded.config().port, 8080);
            assert_eq!(loaded.config().db_host, "db2");
            let warnings: Vec<String> = loaded.warnings().iter().map(ToString::to_string).collect();
            assert_eq!(warnings, warned);
        }
        // Matches of a command staid was not mounted in set nothing.
        let matches = Command::new("tool")
            .arg(Arg::new("port").long("port"))
            .try_get_matches_from(["tool", "--port", "5"])
            .unwrap();
        let loaded = Tool::builder().matches(&matches).load_full().unwrap();
        assert_eq!(loaded.config().port, 8080);
        assert_eq!(
            loaded.warnings()[0].to_string(),
            "the matches come from a command staid's flags are not mounted in, so no flag is \
             read\n  = help: mount them with Builder::augment before parsing"
        );
    }
    /// What staid mounted is recorded for each command: a subcommand's
    /// matches read the flags that are global, never a subcommand's own
    /// argument with a field's id or `config` where staid's flag stayed at
    /// the top.
    #[test]
    fn a_subcommands_own_port_and_config_are_not_staids() {
        let cmd = || {
            app().subcommand(
                Command::new("run")
                    .arg(Arg::new("port").long("listen"))
                    .arg(
                        Arg::new("config")
                            .long("config")
                            .value_parser(clap::value_parser!(std::path::PathBuf)),
                    )
                    .subcommand(Command::new("once")),
            )
        };
        let parse = |line: &[&str]| {
            Tool::builder()
                .augment(cmd())
                .try_get_matches_from(line)
                .unwrap()
        };
        let matches = parse(&["tool", "run", "--listen", "5", "--db-host", "h2"]);
        let run = matches.subcommand_matches("run").unwrap();
        let loaded = Tool::builder().matches(run).load_full().unwrap();
        assert_eq!(loaded.config().port, 8080);
        assert_eq!(loaded.config().db_host, "h2");
        let matches = parse(&["tool", "run", "--config", "/nonexistent/app.toml"]);
        let run = matches.subcommand_matches("run").unwrap();
        let loaded = Tool::builder().matches(run).load_full().unwrap();
        assert_eq!(loaded.config().port, 8080);
        let warnings: Vec<String> = loaded.warnings().iter().map(ToString::to_string).collect();
        assert_eq!(
            warnings,
            [
                "`port`: flag --port is not global: the subcommand `run`'s argument `port` has \
                 the same name\n  = help: give staid's flag before the subcommand",
                "flag --config is not global: the subcommand `run`'s --config has the same \
                 name\n  = help: give staid's flag before the subcommand",
            ]
        );
        // Below `run`, the global flags alone, as in `run`.
        let matches = parse(&["tool", "--port", "7", "run", "once", "--db-host", "h3"]);
        let once = matches
            .subcommand_matches("run")
            .and_then(|m| m.subcommand_matches("once"))
            .unwrap();
        let loaded = Tool::builder().matches(once).load_full().unwrap();
        assert_eq!(loaded.config().port, 8080);
        assert_eq!(loaded.config().db_host, "h3");
        // The top's matches read staid's local flags too.
        let loaded = Tool::builder().matches(&matches).load_full().unwrap();
        assert_eq!(loaded.config().port, 7);
        assert_eq!(loaded.config().db_host, "h3");
    }

    /// A subcommand with its own `--help`, `-h`, `--version` or `-V` keeps
    /// it: staid's help is left out of that subcommand alone, with a
    /// warning, and is help everywhere else. Never clap's panic.
    #[test]
    fn a_subcommand_with_its_own_help_or_version_keeps_it() {
        let own_help = |sub: Command| {
            app()
                .subcommand(
                    sub.arg(Arg::new("manual").long("help").action(ArgAction::SetTrue))
                        .arg(Arg::new("hold").short('h').action(ArgAction::SetTrue))
                        .subcommand(Command::new("once")),
                )
                .version("1.2.3")
                .propagate_version(true)
                .subcommand(
                    Command::new("bench")
                        .arg(Arg::new("ver").long("version").action(ArgAction::SetTrue))
                        .arg(Arg::new("verbose").short('V').action(ArgAction::SetTrue)),
                )
        };
        for sub in [
            Command::new("run"),
            Command::new("run").disable_help_flag(true),
        ] {
            let cmd = Tool::builder().augment(own_help(sub));
            let matches = cmd
                .clone()
                .try_get_matches_from(["tool", "run", "--help", "-h"])
                .unwrap();
            let run = matches.subcommand_matches("run").unwrap();
            assert!(run.get_flag("manual") && run.get_flag("hold"));
            let matches = cmd
                .clone()
                .try_get_matches_from(["tool", "bench", "--version", "-V"])
                .unwrap();
            let bench = matches.subcommand_matches("bench").unwrap();
            assert!(bench.get_flag("ver") && bench.get_flag("verbose"));
            for line in [
                &["tool", "--help"][..],
                &["tool", "check", "--help"],
                &["tool", "run", "once", "--help"],
                &["tool", "bench", "--help"],
            ] {
                help_of(cmd.clone(), line);
            }
            let err = cmd
                .clone()
                .try_get_matches_from(["tool", "--version"])
                .unwrap_err();
            assert_eq!(err.kind(), clap::error::ErrorKind::DisplayVersion);
            let found = warnings(
                Tool::builder(),
                own_help(Command::new("run")),
                &["tool", "run"],
            );
            assert_eq!(
                found,
                [
                    "staid's --help is left out of the subcommand `run`: the subcommand \
                     `run`'s --help has the same name",
                    "staid's --version is left out of the subcommand `bench`: the subcommand \
                     `bench`'s --version has the same name",
                ]
            );
        }
    }
}

/// `--check-config` and `--print-config` on good, bad and warning-only
/// configurations, as a deploy script or a unit's `ExecStartPre=` uses them.
mod check_and_print {
    use staid::{Config, Exit, ProblemKind};

    /// A service.
    #[derive(Config, Debug)]
    #[config(name = "svc")]
    struct Svc {
        #[config(default = 8080)]
        port: u16,
        #[config(default = [])]
        admin_hosts: Vec<String>,
        limits: Option<std::collections::BTreeMap<String, u32>>,
        #[config(nested)]
        db: Db,
        #[config(secret)]
        token: Option<String>,
    }

    #[derive(Config, Debug)]
    struct Db {
        url: String,
        #[config(default = "5s")]
        timeout: std::time::Duration,
    }

    fn run(vars: &[(&str, &str)], toml: &str, flags: &[&str]) -> Result<Svc, staid::Error> {
        let args = std::iter::once("svc").chain(flags.iter().copied());
        Svc::builder()
            .toml_str(toml.to_owned())
            .env_from(vars.iter().copied())
            .args(args)
            .load()
    }

    #[test]
    fn check_on_a_good_configuration_says_ok() {
        let err = run(&[], "db.url = \"pg://db\"", &["--check-config"]).unwrap_err();
        assert_eq!(
            err.as_exit(),
            Some(&Exit::Check("configuration OK\n".into()))
        );
        assert!(err.is_empty());
        assert_eq!(err.to_string(), "configuration OK\n");
    }

    #[test]
    fn check_with_warnings_is_ok_and_lists_them() {
        let err = run(&[("SVC_PROT", "1")], "db.url = \"x\"", &["--check-config"]).unwrap_err();
        assert_eq!(
            err.as_exit(),
            Some(&Exit::Check(
                "configuration OK\n\nwarning: unknown environment variable SVC_PROT\n  \
                 --> env SVC_PROT\n  = help: did you mean SVC_PORT?\n"
                    .into()
            ))
        );
    }

    #[test]
    fn check_on_a_bad_configuration_is_the_load_error() {
        let err = run(&[("SVC_PORT", "high")], "", &["--check-config"]).unwrap_err();
        assert_eq!(err.as_exit(), None);
        let kinds: Vec<ProblemKind> = err.problems().iter().map(|p| p.kind()).collect();
        assert_eq!(kinds, [ProblemKind::Type, ProblemKind::Missing], "{err}");
    }

    #[test]
    fn print_shows_env_lists_and_maps_as_what_they_became() {
        let err = run(
            &[
                ("SVC_ADMIN_HOSTS", "a,b\\,c"),
                ("SVC_LIMITS", "rps:10,burst:20"),
            ],
            "db.url = \"pg://db\"\ntoken = \"hunter2\"",
            &["--print-config"],
        )
        .unwrap_err();
        assert_eq!(
            err.as_exit().map(Exit::text),
            Some(
                "port = 8080                        # default\n\
                 admin_hosts = [\"a\", \"b,c\"]         # env SVC_ADMIN_HOSTS\n\
                 limits = { burst = 20, rps = 10 }  # env SVC_LIMITS\n\
                 db.url = \"pg://db\"                 # <toml>:1:10\n\
                 db.timeout = \"5s\"                  # default\n\
                 token = \"<secret>\"                 # <toml>:2:9\n"
            )
        );
    }

    #[test]
    fn print_as_json_and_toml_loads_again() {
        let vars = [
            ("SVC_ADMIN_HOSTS", "a,b"),
            ("SVC_PORT", "9"),
            ("SVC_LIMITS", "rps:10"),
        ];
        let toml = "db.url = \"pg://db\"";
        let json = run(&vars, toml, &["--print-config=json"]).unwrap_err();
        let json = json.as_exit().unwrap().text().to_owned();
        assert_eq!(
            json,
            r#"{
  "port": 9,
  "admin_hosts": [
    "a",
    "b"
  ],
  "limits": {
    "rps": 10
  },
  "db": {
    "url": "pg://db",
    "timeout": "5s"
  }
}
"#
        );
        let toml_out = run(&vars, toml, &["--print-config=toml"]).unwrap_err();
        let toml_out = toml_out.as_exit().unwrap().text().to_owned();
        assert_eq!(
            toml_out,
            "port = 9\nadmin_hosts = [\"a\", \"b\"]\n\n[limits]\nrps = 10\n\n[db]\n\
             url = \"pg://db\"\ntimeout = \"5s\"\n"
        );
        for text in [
            Svc::builder().json_str(json),
            Svc::builder().toml_str(toml_out),
        ] {
            let svc = text.load().unwrap();
            assert_eq!(
                (svc.port, svc.admin_hosts.len(), svc.db.url.as_str()),
                (9, 2, "pg://db")
            );
        }
    }

    #[test]
    fn print_masks_secrets_in_json() {
        let err = run(
            &[],
            "db.url = \"x\"\ntoken = \"hunter2\"",
            &["--print-config=json"],
        )
        .unwrap_err();
        let text = err.as_exit().unwrap().text();
        assert!(text.contains("\"token\": \"<secret>\""), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
    }

    #[test]
    fn print_on_a_type_error_marks_the_key_and_keeps_the_problems() {
        let err = run(
            &[("SVC_PORT", "high")],
            "db.url = \"x\"",
            &["--print-config"],
        )
        .unwrap_err();
        assert_eq!(
            err.as_exit().map(Exit::text),
            Some(
                "port = \"high\"      # env SVC_PORT  <- invalid value\n\
                 admin_hosts = []   # default\n\
                 # limits is not set\n\
                 db.url = \"x\"       # <toml>:1:10\n\
                 db.timeout = \"5s\"  # default\n\
                 # token is not set\n"
            )
        );
        assert_eq!(err.len(), 1);
        assert_eq!(err.problems()[0].key(), Some("port"));
        // Display is the error, not the listing.
        assert!(
            err.to_string().starts_with("error: `port`: expected"),
            "{err}"
        );
    }

    #[test]
    fn print_on_a_syntax_error_shows_what_did_load() {
        let err = Svc::builder()
            .toml_str("port = 9\ndb.url = \"x\"\n[oops")
            .env_from([("SVC_ADMIN_HOSTS", "a")])
            .args(["svc", "--print-config"])
            .load()
            .unwrap_err();
        assert_eq!(
            err.as_exit().map(Exit::text),
            Some(
                "port = 8080          # default\n\
                 admin_hosts = [\"a\"]  # env SVC_ADMIN_HOSTS\n\
                 # limits is not set\n\
                 # db.url is not set\n\
                 db.timeout = \"5s\"    # default\n\
                 # token is not set\n"
            )
        );
        let kinds: Vec<ProblemKind> = err.problems().iter().map(|p| p.kind()).collect();
        assert_eq!(kinds, [ProblemKind::Syntax], "{err}");
    }
}

#[test]
fn the_loader_is_the_conventional_stack_with_policies_to_change() {
    use staid::Unknown;
    let dir = Tmp::new();
    let file = dir.write("svc.toml", "port = 1000\n");
    let vars = [
        ("SVC_CONFIG", file.to_str().unwrap()),
        ("SVC_HOST", "env"),
        ("SVC_PROT", "1"),
        ("XDG_CONFIG_HOME", dir.path().to_str().unwrap()),
    ];
    // Files named by SVC_CONFIG, then env, then flags, as App::load() reads.
    let loaded = Svc::loader()
        .env_from(vars)
        .args(args(&["--db-host", "flag"]))
        .load_full()
        .unwrap();
    let svc = loaded.config();
    assert_eq!(
        (svc.port, svc.host.as_str(), svc.db.host.as_str()),
        (1000, "env", "flag")
    );
    assert_eq!(loaded.warnings().len(), 1);
    // The same stack, strict about variables.
    let err = Svc::loader()
        .unknown_env(Unknown::Error)
        .env_from(vars)
        .args(args(&[]))
        .load()
        .unwrap_err();
    assert_eq!(
        err.problems()[0].message(),
        "unknown environment variable SVC_PROT"
    );
}

/// Floats of every size print as floats, so `--print-config=toml` reads
/// back as it was: 1e300 is not written as 301 digits of an integer.
#[test]
fn printed_floats_read_back_as_the_same_floats() {
    #[derive(Config, Debug)]
    struct Nums {
        values: Vec<f64>,
    }
    let text = "values = [1e300, -2.5e17, 8.0, 0.1, 1e-7, 123456789012345680.0]\n";
    let err = Nums::builder()
        .toml_str(text)
        .args(["app", "--print-config=toml"])
        .load()
        .unwrap_err();
    let printed = err.as_exit().unwrap().text().to_owned();
    let again = load::toml::<Nums>(printed.clone());
    let first = load::toml::<Nums>(text);
    assert_eq!(again.values, first.values, "{printed}");
}

/// `--print-config=toml` and `=json` write a file that loads again as the
/// same configuration: a map with entries from a file and from env text,
/// keys that need escapes, an appended list over defaults. Explain writes
/// those keys as `Loaded::origin` reads them.
#[test]
fn printed_maps_and_appended_lists_load_back_as_they_were() {
    #[derive(Config, Debug, PartialEq)]
    #[config(name = "mp")]
    struct Mixed {
        #[config(default = {})]
        limits: std::collections::BTreeMap<String, u32>,
        #[config(merge = "append", default = ["x"])]
        extra: Vec<String>,
    }
    let builder = || {
        Mixed::builder()
            .toml_str(
                "limits = { c = 3, \"cafe\\u0301\" = 4, \"a\\tb\" = 5, \"r\\u202el\\u009b\" = 6 }\n\
                 extra = [\"y\"]",
            )
            .env_from([("MP_LIMITS", "a:1,b:2")])
    };
    let first = builder().load().unwrap();
    assert_eq!(first.extra, ["x", "y"]);
    assert_eq!(first.limits.get("a\tb"), Some(&5));
    let loaded = builder().load_full().unwrap();
    let explained = loaded.explain().to_string();
    let keys: Vec<&str> = explained
        .lines()
        .filter(|l| l.starts_with("limits."))
        .filter_map(|l| l.split(" = ").next())
        .collect();
    assert_eq!(keys.len(), 6, "{explained}");
    // What reorders text or acts on a terminal is escaped.
    assert!(!explained.contains(['\u{202e}', '\u{9b}']), "{explained}");
    for key in keys {
        assert!(loaded.origin(key).is_some(), "{key} in\n{explained}");
    }
    for (format, parse) in [
        ("toml", staid::source::Format::Toml),
        ("json", staid::source::Format::Json),
    ] {
        let err = builder()
            .args(["mp", &format!("--print-config={format}")])
            .load()
            .unwrap_err();
        let printed = err.as_exit().unwrap().text().to_owned();
        let again = Mixed::builder()
            .source(staid::source::Text::new(parse, "printed", printed.clone()))
            .load()
            .unwrap_or_else(|e| panic!("{printed}\n{e}"));
        assert_eq!(again, first, "{printed}");
    }
}

/// A tuple and an array set from env or a flag print as lists of their
/// items' types, so that the printed file loads again; explain shows them
/// so too.
#[test]
fn printed_tuples_and_arrays_load_back_as_they_were() {
    #[derive(Config, Debug, PartialEq)]
    #[config(name = "tp")]
    struct Seq {
        pair: Option<(i32, String)>,
        rgb: Option<[u8; 3]>,
        nested: Option<(u16, Vec<u16>)>,
    }
    let builder = || {
        Seq::builder()
            .env_from([("TP_PAIR", "-2,x"), ("TP_NESTED", "[7, [1, 2]]")])
            .args(["tp", "--rgb", "1,2,255"])
    };
    let first = builder().load().unwrap();
    assert_eq!(first.pair, Some((-2, "x".to_owned())));
    assert_eq!(first.rgb, Some([1, 2, 255]));
    assert_eq!(first.nested, Some((7, vec![1, 2])));
    let explained = builder().load_full().unwrap().explain().to_string();
    assert!(explained.contains("pair = [-2, \"x\"]"), "{explained}");
    assert!(explained.contains("rgb = [1, 2, 255]"), "{explained}");
    for (format, parse) in [
        ("toml", staid::source::Format::Toml),
        ("json", staid::source::Format::Json),
    ] {
        let printed = load::printed_config(builder().args([
            "tp",
            "--rgb",
            "1,2,255",
            &format!("--print-config={format}"),
        ]));
        let again = Seq::builder()
            .source(staid::source::Text::new(parse, "printed", printed.clone()))
            .load()
            .unwrap_or_else(|e| panic!("{printed}\n{e}"));
        assert_eq!(again, first, "{printed}");
    }
}

/// A list default's own comma is written `\,` in help and usage, as it is
/// written in the variable; a control character is escaped.
#[test]
fn list_defaults_in_help_are_written_as_the_variable_reads_them() {
    #[derive(Config, Debug)]
    #[config(name = "hd")]
    struct Defaults {
        #[config(default = ["a,b", "c"])]
        tags: Vec<String>,
        #[config(default = "one\ttwo")]
        sep: String,
    }
    let help = Defaults::builder()
        .args(["hd"])
        .command()
        .render_help()
        .to_string();
    assert!(help.contains("[default: a\\,b,c]"), "{help}");
    assert!(help.contains("[default: one\\ttwo]"), "{help}");
    let usage = Defaults::builder().env_usage();
    assert!(usage.contains("a\\,b,c"), "{usage}");
    let read = load::env::<Defaults>([("HD_TAGS", "a\\,b,c")]);
    assert_eq!(read.tags, ["a,b", "c"]);
}

/// A field whose flag would be one of staid's own (`--config`) loses its
/// flag, with a warning, and the load goes on: the key is still set by a
/// file or the environment.
#[test]
fn a_field_named_like_a_flag_of_staids_own_loses_its_flag_with_a_warning() {
    #[derive(Config, Debug)]
    #[config(name = "cf")]
    struct Named {
        #[config(default = "main")]
        config: String,
        #[config(default = 1)]
        port: u16,
    }
    let loaded = Named::builder()
        .env_from([("CF_CONFIG", "other")])
        .args(["cf", "--port", "2"])
        .load_full()
        .unwrap();
    assert_eq!(
        (loaded.config().config.as_str(), loaded.config().port),
        ("other", 2)
    );
    let warnings: Vec<String> = loaded.warnings().iter().map(ToString::to_string).collect();
    assert_eq!(
        warnings,
        [
            "`config`: flag --config is generated for `config` but is already used by --config\n  \
          = help: staid's flag is left out; the key can still be set in a file or the \
          environment, or give the field another flag with #[config(flag = \"..\")]"
        ]
    );
    let help = load::args_error::<Named>(["cf", "--help"]);
    assert!(
        matches!(help.as_exit(), Some(staid::Exit::Help(_))),
        "{help}"
    );
}

/// A key that spells no flag a command line can give (`_x` spells `---x`)
/// loses its flag with a warning, never a panic.
#[test]
fn a_key_that_spells_no_usable_flag_loses_it_with_a_warning() {
    #[derive(Config, Debug)]
    #[config(name = "uf")]
    struct Under {
        _x: Option<u8>,
        #[config(default = 1)]
        port: u16,
    }
    let loaded = Under::builder()
        .env_from([("UF__X", "3")])
        .args(["uf", "--port", "2"])
        .load_full()
        .unwrap();
    assert_eq!(loaded.config().port, 2);
    let warnings: Vec<String> = loaded.warnings().iter().map(ToString::to_string).collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].starts_with("`_x`: `_x` spells the flag --"),
        "{warnings:?}"
    );
}
