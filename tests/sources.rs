//! Each source owns its settings: a builder method adds or configures
//! exactly one source, and the same source given to `.source(..)` behaves
//! the same. The stack is planned once per builder.

// Sample structs exist to be loaded; not every field is read back.
#![allow(dead_code)]

#[path = "support/tmp.rs"]
mod tmp;
use tmp::Tmp;

use staid::source::{Cli, Discover, Env};
use staid::{Config, Exit, ProblemKind, Unknown};

#[derive(Config, Debug)]
#[config(name = "myapp")]
struct App {
    #[config(default = 80)]
    port: u16,
    #[config(default = "localhost")]
    host: String,
    #[config(nested)]
    db: Db,
}

#[derive(Config, Debug)]
struct Db {
    #[config(default = 1)]
    pool: u32,
    url: Option<String>,
}

#[derive(Config, Debug)]
#[config(name = "myapp")]
struct Needs {
    url: String,
}

#[test]
fn an_env_source_given_to_source_reads_like_the_sugar() {
    let vars = [("MYAPP_PORT", "7"), ("MYAPP_DB_POOL", "3")];
    let by_source = App::builder().source(Env::new().vars(vars)).load().unwrap();
    let by_sugar = App::builder().env_from(vars).load().unwrap();
    assert_eq!((by_source.port, by_source.db.pool), (7, 3));
    assert_eq!((by_sugar.port, by_sugar.db.pool), (7, 3));
}

#[test]
fn an_env_source_without_variables_reads_the_builders_environment() {
    // The first env layer is the builder's; a second one, with another
    // prefix, reads the same environment.
    let app = App::builder()
        .env_from([("MYAPP_PORT", "7"), ("OTHER_HOST", "h")])
        .source(Env::prefixed("OTHER").unknown(Unknown::Ignore))
        .load()
        .unwrap();
    assert_eq!((app.port, app.host.as_str()), (7, "h"));
}

#[test]
fn env_settings_configure_one_layer_in_any_order() {
    let vars = [("SVC__DB__POOL", "5"), ("SVC__PORTT", "1")];
    let before = App::builder()
        .env_prefix("SVC")
        .env_double_underscore()
        .unknown_env(Unknown::Warn)
        .env_from(vars)
        .env()
        .load_full()
        .unwrap();
    let after = App::builder()
        .env_from(vars)
        .env()
        .env_prefix("SVC")
        .env_separator("__")
        .unknown_env(Unknown::Warn)
        .load_full()
        .unwrap();
    for loaded in [&before, &after] {
        assert_eq!(loaded.config().db.pool, 5);
        // One env layer: the unknown variable is reported once.
        let warnings: Vec<String> = loaded.warnings().iter().map(ToString::to_string).collect();
        assert_eq!(
            warnings,
            ["unknown environment variable SVC__PORTT\n  --> env SVC__PORTT\n  = help: did you mean SVC__PORT?"]
        );
    }
}

/// A second environment layer is spelled as the builder's where it sets
/// nothing itself (separator, empty values, unknown variables, and the
/// prefix when it has only variables of its own), whether the `env_*`
/// methods come before or after it.
#[test]
fn another_env_layer_takes_the_builders_settings_in_any_order() {
    let other = || Env::prefixed("OTHER");
    let own = || Env::new().vars([("SVC__PORT", "7")]);
    let vars = [("OTHER__DB__POOL", "4"), ("OTHER__HOST", ""), ("X", "1")];
    let settings = |b: staid::Builder<App>| {
        b.env_prefix("SVC")
            .env_double_underscore()
            .env_empty_is_unset(false)
    };
    for order in ["before", "after"] {
        let builder = match order {
            "before" => settings(App::builder().env_from(vars))
                .source(other())
                .source(own()),
            _ => settings(App::builder().env_from(vars).source(other()).source(own())),
        };
        let app = builder.load().unwrap();
        assert_eq!(
            (app.db.pool, app.host.as_str(), app.port),
            (4, "", 7),
            "settings {order} the layers"
        );
    }
    // Its unknown variables are the builder's policy too.
    let err = App::builder()
        .env_from([("OTHER_PORTT", "1")])
        .source(Env::prefixed("OTHER"))
        .unknown_env(Unknown::Error)
        .load()
        .unwrap_err();
    assert_eq!(
        err.problems()[0].message(),
        "unknown environment variable OTHER_PORTT"
    );
}

/// The builder's own layer keeps what the `Env` given to `source` sets,
/// over what the `env_*` methods set, in either order.
#[test]
fn the_builders_env_layer_keeps_what_its_env_sets_in_any_order() {
    let given = || Env::prefixed("AAA").vars([("AAA_PORT", "1"), ("BBB_PORT", "2")]);
    let before = App::builder()
        .env_prefix("BBB")
        .source(given())
        .load()
        .unwrap();
    let after = App::builder()
        .source(given())
        .env_prefix("BBB")
        .load()
        .unwrap();
    assert_eq!((before.port, after.port), (1, 1));
    let strict = || {
        Env::new()
            .unknown(Unknown::Error)
            .vars([("MYAPP_PROT", "1")])
    };
    for builder in [
        App::builder().unknown_env(Unknown::Ignore).source(strict()),
        App::builder().source(strict()).unknown_env(Unknown::Ignore),
    ] {
        let err = builder.load().unwrap_err();
        assert_eq!(
            err.problems()[0].message(),
            "unknown environment variable MYAPP_PROT"
        );
    }
}

#[test]
fn env_from_then_env_reports_each_problem_once() {
    let err = App::builder()
        .env_from([("MYAPP_PORT", "high"), ("MYAPP_PROT", "1")])
        .env()
        .unknown_env(Unknown::Error)
        .load()
        .unwrap_err();
    let kinds: Vec<ProblemKind> = err.problems().iter().map(|p| p.kind()).collect();
    assert_eq!(kinds, [ProblemKind::Unknown, ProblemKind::Type], "{err}");
}

#[test]
fn two_env_layers_with_their_own_prefixes() {
    let app = App::builder()
        .source(Env::prefixed("BASE").vars([("BASE_PORT", "1"), ("BASE_HOST", "base")]))
        .source(Env::prefixed("OVER").vars([("OVER_PORT", "2")]))
        .load()
        .unwrap();
    assert_eq!((app.port, app.host.as_str()), (2, "base"));
}

#[test]
fn missing_values_name_the_sources_in_the_stack() {
    let err = Needs::builder()
        .source(Env::prefixed("SVC").vars([("X", "1")]))
        .source(Cli::args(["myapp"]))
        .load()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "error: `url`: missing required value\n  = help: set it with `url` in a \
         configuration file, the environment variable SVC_URL, or the flag --url"
    );
    let err = Needs::builder().load().unwrap_err();
    assert_eq!(
        err.to_string(),
        "error: `url`: missing required value\n  = help: set it with `url` in a configuration file"
    );
}

#[test]
fn a_cli_source_given_to_source_reads_like_args() {
    let by_source = App::builder()
        .source(Cli::args(["myapp", "--port", "9", "--db-pool", "4"]))
        .load()
        .unwrap();
    let by_sugar = App::builder()
        .args(["myapp", "--port", "9", "--db-pool", "4"])
        .load()
        .unwrap();
    assert_eq!((by_source.port, by_source.db.pool), (9, 4));
    assert_eq!((by_sugar.port, by_sugar.db.pool), (9, 4));
    // A second command line replaces the first one's arguments.
    let app = App::builder()
        .args(["myapp", "--port", "9"])
        .args(["myapp", "--port", "10"])
        .load()
        .unwrap();
    assert_eq!(app.port, 10);
}

#[test]
fn one_builder_loads_many_times_from_one_plan() {
    let dir = Tmp::new();
    let file = dir.write("myapp.toml", "port = 1\n");
    let builder = App::builder()
        .source(Discover::in_dirs([dir.path()]))
        .env_from([("MYAPP_DB_POOL", "2")])
        .args(["myapp", "--host", "h"]);
    let first = builder.load_full().unwrap();
    std::fs::write(&file, "port = 2\n").unwrap();
    let second = builder.load_full().unwrap();
    assert_eq!(first.config().port, 1);
    // Files are read again by every load; the plan only says which.
    assert_eq!(second.config().port, 2);
    assert_eq!(
        (second.config().db.pool, second.config().host.as_str()),
        (2, "h")
    );

    let help = App::builder().args(["myapp", "--help"]);
    for _ in 0..2 {
        let err = help.load_full().unwrap_err();
        assert!(matches!(err.as_exit(), Some(Exit::Help(_))), "{err}");
    }
}

#[test]
fn config_goes_above_discovered_files_or_below_the_flags() {
    let dir = Tmp::new();
    dir.write("myapp.toml", "port = 1\nhost = \"found\"\n");
    let named = dir.write("named.toml", "port = 2\n");
    let args = [
        "myapp".into(),
        "--config".into(),
        named.clone().into_os_string(),
    ];
    // With discovery: discovered < --config < env < flags.
    let loaded = App::builder()
        .source(Discover::in_dirs([dir.path()]))
        .env_from([("MYAPP_HOST", "env")])
        .args(args.clone())
        .load_full()
        .unwrap();
    assert_eq!(
        (loaded.config().port, loaded.config().host.as_str()),
        (2, "env")
    );
    // Without discovery: env < --config < flags.
    let loaded = App::builder()
        .env_from([("MYAPP_PORT", "3")])
        .args(args)
        .load_full()
        .unwrap();
    assert_eq!(loaded.config().port, 2);
    let origin = loaded.origin("port").unwrap().to_string();
    assert!(origin.ends_with("named.toml:1:8"), "{origin}");
}

/// A missing value names the variables of every environment layer.
#[test]
fn missing_values_name_every_env_layer() {
    #[derive(Config, Debug)]
    #[config(name = "myapp")]
    #[allow(dead_code)]
    struct Need {
        url: String,
    }
    let err = Need::builder()
        .env_from([("UNRELATED", "1")])
        .source(staid::source::Env::prefixed("OTHER").vars([("UNRELATED", "1")]))
        .load()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "error: `url`: missing required value\n  = help: set it with `url` in a \
         configuration file, or the environment variables MYAPP_URL or OTHER_URL"
    );
}
