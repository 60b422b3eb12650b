//! The environment layer, case by case after Go's envconfig test suite:
//! names, prefixes, exact names, defaults, required values, parse errors,
//! lists, maps, durations, nested structs, skipped fields, unknown variables,
//! `_FILE` secrets, empty values and the usage table.

// Sample structs exist to be loaded; not every field is read back.
#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::time::Duration;

use serde::Deserialize;
#[path = "support/tmp.rs"]
mod tmp;
use tmp::Tmp;

#[path = "support/load.rs"]
mod load;

use staid::{Config, Origin, ProblemKind, Unknown};

/// The specification, after envconfig's.
#[derive(Config, Debug)]
#[config(name = "env_config")]
struct Spec {
    #[config(default = false)]
    debug: bool,
    #[config(default = 0)]
    port: i32,
    #[config(default = 0.0)]
    rate: f32,
    #[config(default = "")]
    user: String,
    #[config(default = 0)]
    ttl: u32,
    #[config(default = "0s")]
    timeout: Duration,
    #[config(default = [])]
    admin_users: Vec<String>,
    #[config(default = [])]
    magic_numbers: Vec<i64>,
    #[config(default = [])]
    empty_numbers: Vec<i64>,
    color_codes: Option<BTreeMap<String, i32>>,
    /// A multi-word name: no ambiguity, the schema knows the words.
    multi_word_var: Option<String>,
    #[config(env = "SERVICE_HOST")]
    no_prefix_with_alt: Option<String>,
    #[config(default = "foobar")]
    default_var: String,
    required_var: String,
    #[config(env = "BROKER", default = "127.0.0.1")]
    no_prefix_default: String,
    #[config(default = "foo2bar")]
    required_default: String,
    #[config(nested)]
    nested_specification: Nested,
    #[config(skip)]
    ignored: String,
    #[config(secret)]
    password: Option<String>,
}

#[derive(Config, Debug)]
struct Nested {
    #[config(default = "")]
    property: String,
    #[config(default = "")]
    property_with_default: String,
}

fn required() -> (&'static str, &'static str) {
    ("ENV_CONFIG_REQUIRED_VAR", "foo")
}

fn load(vars: &[(&str, &str)]) -> Result<Spec, staid::Error> {
    Spec::builder()
        .env_from(vars.iter().copied().chain([required()]))
        .load()
}

/// `Spec`'s builder given the misspelt `ENV_CONFIG_PROT`, with `unknown`
/// for variables that name no field.
fn misspelt(unknown: Unknown) -> staid::Builder<Spec> {
    Spec::builder()
        .unknown_env(unknown)
        .env_from([("ENV_CONFIG_PROT", "1"), required()])
}

/// The warnings of a load that succeeds.
fn warned(vars: &[(&str, &str)]) -> Vec<staid::Warning> {
    let loaded = load::env_loaded::<Spec>(vars.iter().copied().chain([required()]));
    loaded.warnings().to_vec()
}

#[test]
fn process_reads_every_kind_of_value() {
    let s = load(&[
        ("ENV_CONFIG_DEBUG", "true"),
        ("ENV_CONFIG_PORT", "8080"),
        ("ENV_CONFIG_RATE", "0.5"),
        ("ENV_CONFIG_USER", "Kelsey"),
        ("ENV_CONFIG_TTL", "30"),
        ("ENV_CONFIG_TIMEOUT", "2m"),
        ("ENV_CONFIG_ADMIN_USERS", "John,Adam,Will"),
        ("ENV_CONFIG_MAGIC_NUMBERS", "5,10,20"),
        ("ENV_CONFIG_COLOR_CODES", "red:1,green:2,blue:3"),
        ("SERVICE_HOST", "127.0.0.1"),
        ("ENV_CONFIG_MULTI_WORD_VAR", "foo"),
        ("ENV_CONFIG_NESTED_SPECIFICATION_PROPERTY", "iamnested"),
    ])
    .unwrap();
    assert!(s.debug);
    assert_eq!(s.port, 8080);
    assert_eq!(s.rate, 0.5);
    assert_eq!(s.user, "Kelsey");
    assert_eq!(s.ttl, 30);
    assert_eq!(s.timeout, Duration::from_secs(120));
    assert_eq!(s.admin_users, ["John", "Adam", "Will"]);
    assert_eq!(s.magic_numbers, [5, 10, 20]);
    assert!(s.empty_numbers.is_empty());
    let codes = s.color_codes.unwrap();
    assert_eq!((codes["red"], codes["green"], codes["blue"]), (1, 2, 3));
    assert_eq!(s.no_prefix_with_alt.as_deref(), Some("127.0.0.1"));
    assert_eq!(s.multi_word_var.as_deref(), Some("foo"));
    assert_eq!(s.nested_specification.property, "iamnested");
    assert_eq!(s.required_var, "foo");
}

#[test]
fn parse_errors_name_the_variable_and_show_the_value() {
    for (var, value, expected) in [
        (
            "ENV_CONFIG_DEBUG",
            "string",
            "a boolean (true/false, 1/0, t/f)",
        ),
        ("ENV_CONFIG_RATE", "string", "a number"),
        ("ENV_CONFIG_PORT", "string", "an integer (i32)"),
        ("ENV_CONFIG_TTL", "-30", "u32"),
    ] {
        let err = load(&[(var, value)]).unwrap_err();
        assert_eq!(err.len(), 1, "{err}");
        let p = &err.problems()[0];
        assert_eq!(p.kind(), ProblemKind::Type);
        assert_eq!(
            p.origin(),
            Some(&Origin::Env {
                var: var.to_owned()
            })
        );
        assert!(p.message().contains(expected), "{var}: {}", p.message());
        if value != "-30" {
            assert!(
                p.message().contains(&format!("{value:?}")),
                "{}",
                p.message()
            );
        }
    }
}

#[test]
fn the_unprefixed_name_is_not_read() {
    let s = load(&[("USER", "foo")]).unwrap();
    assert_eq!(s.user, "");
}

#[test]
fn an_exact_name_is_read_without_prefix_and_the_prefixed_one_is_not() {
    // The prefixed spelling is not the field's name: it is an unknown variable.
    let warnings = warned(&[("ENV_CONFIG_NO_PREFIX_WITH_ALT", "x")]);
    assert_eq!(warnings[0].kind(), ProblemKind::Unknown);
    let s = load(&[("SERVICE_HOST", "h")]).unwrap();
    assert_eq!(s.no_prefix_with_alt.as_deref(), Some("h"));
}

#[test]
fn required_values_and_defaults() {
    let s = load(&[]).unwrap();
    assert_eq!(s.required_var, "foo");
    assert_eq!(s.default_var, "foobar");
    assert_eq!(s.required_default, "foo2bar");
    assert_eq!(s.no_prefix_default, "127.0.0.1");
    let s = load(&[
        ("ENV_CONFIG_DEFAULT_VAR", "nondefaultval"),
        ("BROKER", "betterbroker"),
    ])
    .unwrap();
    assert_eq!(s.default_var, "nondefaultval");
    assert_eq!(s.no_prefix_default, "betterbroker");
}

#[test]
fn a_missing_required_value_names_its_variable() {
    let err = load::env_error::<Spec>([("X", "1")]);
    assert_eq!(
        err.to_string(),
        "error: `required_var`: missing required value\n  = help: set it with \
         `required_var` in a configuration file, or the environment variable \
         ENV_CONFIG_REQUIRED_VAR"
    );
}

#[test]
fn skipped_fields_are_never_read() {
    let s = load(&[]).unwrap();
    assert_eq!(s.ignored, "");
    let warnings = warned(&[("ENV_CONFIG_IGNORED", "x")]);
    assert_eq!(warnings[0].kind(), ProblemKind::Unknown);
}

#[test]
fn empty_values_count_as_unset_by_default_and_as_empty_when_asked() {
    let s = load(&[("ENV_CONFIG_DEFAULT_VAR", "")]).unwrap();
    assert_eq!(s.default_var, "foobar");
    let s = Spec::builder()
        .env_empty_is_unset(false)
        .env_from([("ENV_CONFIG_DEFAULT_VAR", ""), required()])
        .load()
        .unwrap();
    assert_eq!(s.default_var, "");
    // Empty for a number is then a parse error, as in envconfig.
    let err = Spec::builder()
        .env_empty_is_unset(false)
        .env_from([("ENV_CONFIG_PORT", ""), required()])
        .load()
        .unwrap_err();
    assert_eq!(err.problems()[0].key(), Some("port"));
}

#[test]
fn unknown_prefixed_variables_are_warnings_with_a_suggestion() {
    let loaded = load::env_loaded::<Spec>([("ENV_CONFIG_PROT", "1"), required()]);
    let warnings: Vec<String> = loaded.warnings().iter().map(ToString::to_string).collect();
    assert_eq!(
        warnings,
        [
            "unknown environment variable ENV_CONFIG_PROT\n  --> env ENV_CONFIG_PROT\n  \
          = help: did you mean ENV_CONFIG_PORT?"
        ]
    );
}

#[test]
fn unknown_variables_are_errors_in_the_strict_mode() {
    let err = misspelt(Unknown::Error).load().unwrap_err();
    assert_eq!(err.len(), 1);
    let p = &err.problems()[0];
    assert_eq!(p.kind(), ProblemKind::Unknown);
    assert_eq!(p.message(), "unknown environment variable ENV_CONFIG_PROT");
    assert_eq!(p.hint(), Some("did you mean ENV_CONFIG_PORT?"));
}

/// A shared environment full of the prefix (another program's variables)
/// is a screenful of warnings, not ten thousand.
#[test]
fn unknown_variables_are_capped() {
    let vars: Vec<(String, String)> = (0..10_000)
        .map(|i| (format!("ENV_CONFIG_OTHER_{i:05}"), "x".to_owned()))
        .collect();
    let warnings = warned(
        &vars
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect::<Vec<_>>(),
    );
    assert_eq!(warnings.len(), 50);
    assert!(warnings[..49].iter().all(|w| w
        .message()
        .starts_with("unknown environment variable ENV_CONFIG_OTHER_")));
    assert_eq!(
        warnings[49].message(),
        "and 9951 more unknown environment variables from here on (only the first 49 of this \
         source are listed)"
    );
}

/// The same cap holds where unknown variables are errors.
#[test]
fn unknown_variables_are_capped_as_errors_too() {
    let vars: Vec<(String, String)> = (0..100)
        .map(|i| (format!("ENV_CONFIG_OTHER_{i:03}"), "x".to_owned()))
        .collect();
    let err = Spec::builder()
        .env_from(
            vars.into_iter()
                .chain([required()].map(|(k, v)| (k.to_owned(), v.to_owned()))),
        )
        .unknown_env(Unknown::Error)
        .env()
        .load()
        .unwrap_err();
    let messages: Vec<&str> = err.problems().iter().map(|p| p.message()).collect();
    assert_eq!(messages.len(), 50, "{err}");
    assert!(messages[..49]
        .iter()
        .all(|m| m.starts_with("unknown environment variable ENV_CONFIG_OTHER_")));
    assert_eq!(
        messages[49],
        "and 51 more unknown environment variables from here on (only the first 49 of this \
         source are listed)"
    );
}

#[test]
fn suggestions_are_only_offered_when_close() {
    #[derive(Config, Debug)]
    #[config(name = "myapp")]
    struct App {
        #[config(default = "0.0.0.0:80")]
        listen: String,
    }
    let hints = |var: &str| {
        let loaded = load::env_loaded::<App>([(var, "x")]);
        loaded.warnings()[0].hint().map(str::to_owned)
    };
    // Discovery's MYAPP_CONFIG is offered only by a stack that discovers.
    assert_eq!(hints("MYAPP_CONFIGS"), None);
    let dir = Tmp::new();
    let discovering = App::builder()
        .source(staid::source::Discover::in_dirs([dir.path()]))
        .env_from([("MYAPP_CONFIGS", "x")])
        .load_full()
        .unwrap();
    assert_eq!(
        discovering.warnings()[0].hint(),
        Some("did you mean MYAPP_CONFIG?")
    );
    assert_eq!(
        hints("MYAPP_LISTNE"),
        Some("did you mean MYAPP_LISTEN?".into())
    );
    assert_eq!(hints("MYAPP_LOG_LEVEL"), None);
}

/// `MYAPP_CONFIG` names a file for discovery to read: in a stack that
/// discovers nothing, no one reads it, and a warning says so.
#[test]
fn the_config_variable_without_discovery_is_a_warning() {
    #[derive(Config, Debug)]
    #[config(name = "myapp")]
    struct App {
        #[config(default = 80)]
        port: u16,
    }
    let loaded = load::env_loaded::<App>([("MYAPP_CONFIG", "/etc/myapp/prod.toml")]);
    let warnings: Vec<String> = loaded.warnings().iter().map(|w| w.to_string()).collect();
    assert_eq!(
        warnings,
        [
            "MYAPP_CONFIG names a configuration file, which only discovery reads, and this stack \
          discovers no files; it is ignored\n  --> env MYAPP_CONFIG\n  = help: give the file \
          with --config, or add discover()"
        ]
    );
}

/// An app named like its Kubernetes Service, with a `port` field: the
/// variables every pod in the namespace gets.
#[derive(Config, Debug)]
#[config(name = "myapp")]
struct Served {
    #[config(default = 8080)]
    port: u16,
    #[config(default = "info")]
    log: String,
}

const SERVICE_LINKS: [(&str, &str); 9] = [
    ("MYAPP_SERVICE_HOST", "10.0.0.11"),
    ("MYAPP_SERVICE_PORT", "8080"),
    ("MYAPP_SERVICE_PORT_HTTP", "8080"),
    ("MYAPP_PORT", "tcp://10.0.0.11:8080"),
    ("MYAPP_PORT_8080_TCP", "tcp://10.0.0.11:8080"),
    ("MYAPP_PORT_8080_TCP_PROTO", "tcp"),
    ("MYAPP_PORT_8080_TCP_PORT", "8080"),
    ("MYAPP_PORT_8080_TCP_ADDR", "10.0.0.11"),
    ("MYAPP_PORT_53_UDP", "udp://10.0.0.11:53"),
];

const SERVICE_LINKS_MESSAGE: &str = "environment variables MYAPP_PORT, MYAPP_PORT_53_UDP, \
    MYAPP_PORT_8080_TCP, MYAPP_PORT_8080_TCP_ADDR, MYAPP_PORT_8080_TCP_PORT, \
    MYAPP_PORT_8080_TCP_PROTO, MYAPP_SERVICE_HOST, MYAPP_SERVICE_PORT, MYAPP_SERVICE_PORT_HTTP \
    are Kubernetes service links for a Service named `myapp`, not configuration; ignored\n  \
    = help: set `enableServiceLinks: false` in the pod spec, or read the configuration under \
    another prefix (Builder::env_prefix)";

#[test]
fn kubernetes_service_links_are_one_warning_and_set_nothing() {
    let loaded = load::env_loaded::<Served>(
        SERVICE_LINKS
            .iter()
            .copied()
            .chain([("MYAPP_LOG", "debug")]),
    );
    assert_eq!(loaded.config().port, 8080);
    assert_eq!(loaded.config().log, "debug");
    let warnings: Vec<String> = loaded.warnings().iter().map(ToString::to_string).collect();
    assert_eq!(warnings, [SERVICE_LINKS_MESSAGE]);
}

#[test]
fn kubernetes_service_links_are_named_in_the_strict_mode() {
    let err = Served::builder()
        .unknown_env(Unknown::Error)
        .env_from(SERVICE_LINKS)
        .load()
        .unwrap_err();
    assert_eq!(err.to_string(), format!("error: {SERVICE_LINKS_MESSAGE}"));
    // Ignored means ignored, the service link in `MYAPP_PORT` included.
    let loaded = Served::builder()
        .unknown_env(Unknown::Ignore)
        .env_from(SERVICE_LINKS)
        .load_full()
        .unwrap();
    assert_eq!(loaded.config().port, 8080);
    assert!(loaded.warnings().is_empty());
}

/// Services named for the app's parts (`myapp-db`, `myapp-cache`) put
/// their links under the prefix too, beside fields of the same names: the
/// pod still starts, the fields keep their values, and one warning names
/// every link with its Service.
#[test]
fn service_links_of_services_named_for_sections_are_links_too() {
    #[derive(Config, Debug)]
    #[config(name = "myapp")]
    struct Parts {
        #[config(default = 8080)]
        port: u16,
        #[config(nested)]
        db: PartsDb,
        #[config(nested)]
        cache: PartsCache,
    }
    #[derive(Config, Debug)]
    struct PartsDb {
        #[config(default = "localhost")]
        host: String,
        #[config(default = 5432)]
        port: u16,
    }
    #[derive(Config, Debug)]
    struct PartsCache {
        #[config(default = "redis")]
        host: String,
    }
    let links = [
        ("MYAPP_DB_SERVICE_HOST", "10.0.0.2"),
        ("MYAPP_DB_SERVICE_PORT", "5432"),
        ("MYAPP_DB_PORT", "tcp://10.0.0.2:5432"),
        ("MYAPP_DB_PORT_5432_TCP_ADDR", "10.0.0.2"),
        ("MYAPP_CACHE_SERVICE_HOST", "10.0.0.3"),
        ("MYAPP_CACHE_PORT", "tcp://10.0.0.3:6379"),
        ("MYAPP_CACHE_PORT_6379_TCP", "tcp://10.0.0.3:6379"),
    ];
    let loaded = load::env_loaded::<Parts>(links.iter().copied().chain([("MYAPP_DB_HOST", "db1")]));
    assert_eq!(loaded.config().db.port, 5432);
    assert_eq!(loaded.config().db.host, "db1");
    let warnings: Vec<String> = loaded.warnings().iter().map(ToString::to_string).collect();
    assert_eq!(
        warnings,
        [
            "environment variables MYAPP_CACHE_PORT, MYAPP_CACHE_PORT_6379_TCP, \
          MYAPP_CACHE_SERVICE_HOST, MYAPP_DB_PORT, MYAPP_DB_PORT_5432_TCP_ADDR, \
          MYAPP_DB_SERVICE_HOST, MYAPP_DB_SERVICE_PORT are Kubernetes service links for the \
          Services named `myapp-cache`, `myapp-db`, not configuration; ignored\n  \
          = help: set `enableServiceLinks: false` in the pod spec, or read the configuration \
          under another prefix (Builder::env_prefix)"
        ]
    );
    // A port given as a number is still the port.
    let loaded = load::env_loaded::<Parts>([("MYAPP_DB_PORT", "6543")]);
    assert_eq!(loaded.config().db.port, 6543);
}

/// Kubernetes' `MYAPP_SERVICE_HOST` spells the field `service.host` of an
/// app with a section `service` (and `MYAPP_DB_SERVICE_HOST` a field
/// `db.service_host`); beside their Service's `_PORT` URL, which
/// Kubernetes always sets with them, they are links: in the one warning,
/// setting nothing. Without that URL they are the fields' variables.
#[test]
fn service_host_and_port_variables_beside_their_services_url_are_links_even_for_a_field() {
    #[derive(Config, Debug)]
    #[config(name = "myapp")]
    struct Linked {
        #[config(nested)]
        service: LinkedService,
        #[config(default = 8080)]
        port: u16,
        #[config(nested)]
        db: LinkedDb,
        #[config(nested)]
        upstreams: BTreeMap<String, LinkedService>,
    }
    #[derive(Config, Debug)]
    struct LinkedService {
        #[config(default = "svc.example")]
        host: String,
        port: Option<u16>,
        port_http: Option<u16>,
    }
    #[derive(Config, Debug)]
    struct LinkedDb {
        #[config(default = "db.example")]
        service_host: String,
        service_port: Option<u16>,
    }
    let links = [
        ("MYAPP_DB_SERVICE_HOST", "10.0.0.2"),
        ("MYAPP_DB_SERVICE_PORT", "5432"),
        ("MYAPP_DB_PORT", "tcp://10.0.0.2:5432"),
        ("MYAPP_UPSTREAMS_EU_SERVICE_HOST", "10.0.0.3"),
        ("MYAPP_UPSTREAMS_EU_PORT", "tcp://10.0.0.3:80"),
    ];
    let loaded = Linked::builder()
        .toml_str("[upstreams.eu]\nport = 9")
        .env_from(SERVICE_LINKS.iter().copied().chain(links))
        .load_full()
        .unwrap();
    // What the names that are links would set.
    let seen = |c: &Linked| {
        let (s, db) = (&c.service, &c.db);
        let hosts = format!("{} {}", s.host, db.service_host);
        (hosts, s.port, s.port_http, db.service_port, c.port)
    };
    let config = loaded.config();
    assert_eq!(
        seen(config),
        ("svc.example db.example".to_owned(), None, None, None, 8080),
        "origin {:?}",
        loaded.origin("service.host")
    );
    assert_eq!(config.upstreams.len(), 1, "{:?}", config.upstreams);
    assert_eq!(config.upstreams["eu"].host, "svc.example");
    let warnings: Vec<String> = loaded.warnings().iter().map(ToString::to_string).collect();
    assert_eq!(
        warnings,
        [
            "environment variables MYAPP_DB_PORT, MYAPP_DB_SERVICE_HOST, MYAPP_DB_SERVICE_PORT, \
             MYAPP_PORT, MYAPP_PORT_53_UDP, MYAPP_PORT_8080_TCP, MYAPP_PORT_8080_TCP_ADDR, \
             MYAPP_PORT_8080_TCP_PORT, MYAPP_PORT_8080_TCP_PROTO, MYAPP_SERVICE_HOST, \
             MYAPP_SERVICE_PORT, MYAPP_SERVICE_PORT_HTTP, MYAPP_UPSTREAMS_EU_PORT, \
             MYAPP_UPSTREAMS_EU_SERVICE_HOST are Kubernetes service links for the Services \
             named `myapp-db`, `myapp`, `myapp-upstreams-eu`, not configuration; ignored\n  \
             = help: set `enableServiceLinks: false` in the pod spec, or read the \
             configuration under another prefix (Builder::env_prefix)"
        ]
    );
    // Without the Service's URL, the same names are the fields' variables.
    let loaded = load::env_loaded::<Linked>([
        ("MYAPP_SERVICE_HOST", "own"),
        ("MYAPP_SERVICE_PORT", "1"),
        ("MYAPP_DB_SERVICE_HOST", "db-own"),
    ]);
    assert_eq!(
        seen(loaded.config()),
        ("own db-own".to_owned(), Some(1), None, None, 8080)
    );
    assert!(loaded.warnings().is_empty(), "{:?}", loaded.warnings());
}

/// Without a prefix a Service is named by the stem alone: `DB_PORT=tcp://..`
/// is the Service `db`'s link, but a bare `PORT` names no Service, so a
/// URL there is the field's value (here a bad port).
#[test]
fn without_a_prefix_a_link_needs_a_services_name() {
    #[derive(Config, Debug)]
    struct Bare {
        #[config(default = 8080)]
        port: u16,
        #[config(nested)]
        db: BareDb,
    }
    #[derive(Config, Debug)]
    struct BareDb {
        #[config(default = 5432)]
        port: u16,
    }
    let loaded = load::env_loaded::<Bare>([("DB_PORT", "tcp://10.0.0.2:5432")]);
    assert_eq!(loaded.config().db.port, 5432);
    assert!(
        loaded.warnings()[0].message().starts_with(
            "environment variable DB_PORT is a Kubernetes service link for a Service named `db`"
        ),
        "{:?}",
        loaded.warnings()
    );
    let err = load::env_error::<Bare>([("PORT", "tcp://10.0.0.1:80")]);
    assert_eq!(err.problems()[0].key(), Some("port"), "{err}");
    assert_eq!(err.problems()[0].kind(), ProblemKind::Type, "{err}");
}

/// A service link sets nothing, so beside it the field's `_FILE` is read,
/// with no "both are set".
#[test]
fn a_service_link_beside_the_fields_file_variable_leaves_the_file_to_set_it() {
    let dir = Tmp::new();
    let path = dir.write("port", "9443\n");
    let loaded = load::env_loaded::<Served>([
        ("MYAPP_PORT", "tcp://10.0.0.11:8080"),
        ("MYAPP_PORT_FILE", path.to_str().unwrap()),
    ]);
    assert_eq!(loaded.config().port, 9443);
    assert_eq!(loaded.warnings().len(), 1);
    assert!(loaded.warnings()[0]
        .message()
        .contains("MYAPP_PORT is a Kubernetes service link"));
}

#[test]
fn a_port_variable_with_a_number_is_still_the_port() {
    let loaded = load::env_loaded::<Served>([("MYAPP_PORT", "9000"), ("MYAPP_PORTS", "1")]);
    assert_eq!(loaded.config().port, 9000);
    assert_eq!(
        loaded.warnings()[0].message(),
        "unknown environment variable MYAPP_PORTS"
    );
    // A URL that is not a service link is a bad port, as any other text.
    let err = load::env_error::<Served>([("MYAPP_PORT", "http://x:1")]);
    assert_eq!(err.problems()[0].key(), Some("port"));
    assert_eq!(err.problems()[0].kind(), ProblemKind::Type);
}

/// `MYAPP_PORT=tcp://..` is Kubernetes' own variable whatever the type of
/// the field it would set: the field keeps its lower value and the warning
/// names the variable.
#[test]
fn a_service_link_in_the_port_variable_is_a_link_for_any_field_type() {
    #[derive(Config, Debug)]
    #[config(name = "myapp")]
    struct Addressed {
        #[config(default = "0.0.0.0:8080")]
        port: SocketAddr,
    }
    #[derive(Config, Debug)]
    #[config(name = "myapp")]
    struct Texted {
        #[config(default = "8080")]
        port: String,
    }
    let message = "environment variable MYAPP_PORT is a Kubernetes service link for a Service \
        named `myapp`, not configuration; ignored\n  \
        = help: set `enableServiceLinks: false` in the pod spec, or read the configuration under \
        another prefix (Builder::env_prefix)";
    let link = [("MYAPP_PORT", "tcp://10.0.0.11:8080")];

    let loaded = load::env_loaded::<Addressed>(link);
    assert_eq!(loaded.config().port, "0.0.0.0:8080".parse().unwrap());
    let warnings: Vec<String> = loaded.warnings().iter().map(ToString::to_string).collect();
    assert_eq!(warnings, [message]);

    let loaded = load::env_loaded::<Texted>(link);
    assert_eq!(loaded.config().port, "8080");
    let warnings: Vec<String> = loaded.warnings().iter().map(ToString::to_string).collect();
    assert_eq!(warnings, [message]);
    assert_eq!(loaded.explain().to_string(), "port = \"8080\"  # default\n");

    // In the strict mode it is the error, still named as a link.
    let err = Texted::builder()
        .unknown_env(Unknown::Error)
        .env_from(link)
        .load()
        .unwrap_err();
    assert_eq!(err.to_string(), format!("error: {message}"));

    // An address that is no link is the field's value, as before.
    let loaded = load::env_loaded::<Addressed>([("MYAPP_PORT", "127.0.0.1:9000")]);
    assert_eq!(loaded.config().port, "127.0.0.1:9000".parse().unwrap());
    assert!(loaded.warnings().is_empty(), "{:?}", loaded.warnings());
    let texted = load::env::<Texted>([("MYAPP_PORT", "http://x:1")]);
    assert_eq!(texted.port, "http://x:1");
}

#[test]
fn unknown_variables_can_be_warnings_or_ignored() {
    let loaded = misspelt(Unknown::Warn).load_full().unwrap();
    assert_eq!(loaded.warnings().len(), 1);
    let loaded = misspelt(Unknown::Ignore).load_full().unwrap();
    assert!(loaded.warnings().is_empty());
}

#[test]
fn integers_take_base_prefixes() {
    for (text, want) in [("0x1F", 31), ("0o17", 15), ("0b101", 5), ("-12", -12)] {
        let s = load(&[("ENV_CONFIG_PORT", text)]).unwrap();
        assert_eq!(s.port, want, "{text}");
    }
}

#[test]
fn booleans_take_go_forms() {
    for (text, want) in [
        ("1", true),
        ("t", true),
        ("TRUE", true),
        ("0", false),
        ("F", false),
    ] {
        let s = load(&[("ENV_CONFIG_DEBUG", text)]).unwrap();
        assert_eq!(s.debug, want, "{text}");
    }
}

#[test]
fn a_list_with_a_bad_item_names_the_item() {
    let err = load(&[("ENV_CONFIG_MAGIC_NUMBERS", "5,x,20")]).unwrap_err();
    let p = &err.problems()[0];
    assert_eq!(p.key(), Some("magic_numbers.1"));
    assert_eq!(p.message(), "expected an integer (i64), found \"x\"");
}

#[test]
fn commas_can_be_escaped_in_lists() {
    let s = load(&[("ENV_CONFIG_ADMIN_USERS", r"Doe\, John,Adam")]).unwrap();
    assert_eq!(s.admin_users, ["Doe, John", "Adam"]);
}

#[test]
fn secrets_never_show_in_errors() {
    #[derive(Config, Debug)]
    #[config(name = "app")]
    struct App {
        #[config(secret)]
        pin: u32,
    }
    let err = load::env_error::<App>([("APP_PIN", "hunter2")]);
    let text = err.to_string();
    assert!(!text.contains("hunter2"), "{text}");
    assert!(text.contains("env APP_PIN"), "{text}");
}

#[test]
fn file_indirection_reads_docker_secrets() {
    let dir = Tmp::new();
    let path = dir.write("password", "s3cret\n");
    let loaded = load::env_loaded::<Spec>([
        ("ENV_CONFIG_PASSWORD_FILE", path.to_str().unwrap()),
        required(),
    ]);
    assert_eq!(loaded.config().password.as_deref(), Some("s3cret"));
    assert_eq!(
        loaded.origin("password"),
        Some(&Origin::EnvFile {
            var: "ENV_CONFIG_PASSWORD_FILE".to_owned(),
            path: path.clone()
        })
    );
}

/// A byte-order mark at the start of a `_FILE`'s text (some Windows
/// editors write one) is not part of the value, as it is not of a file
/// layer's.
#[test]
fn a_file_values_byte_order_mark_is_not_part_of_it() {
    let dir = Tmp::new();
    let port = dir.write("port", "\u{feff}80\n");
    let password = dir.write("password", "\u{feff}s3cret");
    let s = load(&[
        ("ENV_CONFIG_PORT_FILE", port.to_str().unwrap()),
        ("ENV_CONFIG_PASSWORD_FILE", password.to_str().unwrap()),
    ])
    .unwrap();
    assert_eq!((s.port, s.password.as_deref()), (80, Some("s3cret")));
}

/// A `_FILE` naming a FIFO is refused at once: reading it would hold the
/// load until something wrote to it.
#[test]
fn file_indirection_to_a_fifo_is_refused_without_waiting() {
    let dir = Tmp::new();
    let fifo = dir.fifo("password");
    let var = fifo.to_str().unwrap().to_owned();
    let err = tmp::within_10s(move || {
        Spec::builder()
            .env_from([("ENV_CONFIG_PASSWORD_FILE", var.as_str()), required()])
            .load()
            .map(|_| ())
    })
    .unwrap_err();
    assert_eq!(
        dir.text(err),
        "error: `password`: cannot read $DIR/password: it is not a regular file (a FIFO, a socket or a \
         device)\n  --> env ENV_CONFIG_PASSWORD_FILE (file $DIR/password)"
    );
}

#[test]
fn a_variable_and_its_file_twin_together_are_an_error_naming_both() {
    let dir = Tmp::new();
    let path = dir.write("password", "s3cret\n");
    let err = load(&[
        ("ENV_CONFIG_PASSWORD", "direct"),
        ("ENV_CONFIG_PASSWORD_FILE", path.to_str().unwrap()),
    ])
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "error: `password`: both ENV_CONFIG_PASSWORD and ENV_CONFIG_PASSWORD_FILE are set\n  \
         --> env ENV_CONFIG_PASSWORD\n  \
         = help: unset one of them: ENV_CONFIG_PASSWORD_FILE names a file holding the value"
    );
    // An empty one is unset, so the other is read.
    let s = load(&[
        ("ENV_CONFIG_PASSWORD", ""),
        ("ENV_CONFIG_PASSWORD_FILE", path.to_str().unwrap()),
    ])
    .unwrap();
    assert_eq!(s.password.as_deref(), Some("s3cret"));
}

#[test]
fn a_missing_file_for_file_indirection_is_an_error_naming_both() {
    let err = load(&[("ENV_CONFIG_PASSWORD_FILE", "/nonexistent/pw")]).unwrap_err();
    let p = &err.problems()[0];
    assert_eq!(p.kind(), ProblemKind::Io);
    assert_eq!(p.key(), Some("password"));
    assert_eq!(
        p.message(),
        "cannot read /nonexistent/pw: No such file or directory"
    );
    assert_eq!(
        p.origin().unwrap().to_string(),
        "env ENV_CONFIG_PASSWORD_FILE (file /nonexistent/pw)"
    );
}

/// A name that is not UTF-8 names no field; under the prefix it is an
/// unknown variable like any other, a warning or, in the strict mode, an
/// error.
#[test]
fn a_non_utf8_name_under_the_prefix_is_an_unknown_variable() {
    use std::ffi::OsString;
    use std::os::unix::ffi::OsStringExt;
    let vars = || {
        [
            (
                OsString::from_vec(b"ENV_CONFIG_P\xffRT".to_vec()),
                OsString::from("1"),
            ),
            (
                OsString::from("ENV_CONFIG_REQUIRED_VAR"),
                OsString::from("x"),
            ),
        ]
    };
    let loaded = Spec::builder().env_from_os(vars()).load_full().unwrap();
    let warnings: Vec<&str> = loaded.warnings().iter().map(|w| w.message()).collect();
    assert_eq!(
        warnings,
        ["unknown environment variable ENV_CONFIG_P\u{fffd}RT (its name is not UTF-8)"]
    );
    let err = Spec::builder()
        .unknown_env(Unknown::Error)
        .env_from_os(vars())
        .load()
        .unwrap_err();
    assert_eq!(err.problems()[0].kind(), ProblemKind::Unknown);
}

#[test]
fn non_utf8_values_are_errors_naming_the_variable() {
    use std::ffi::OsString;
    use std::os::unix::ffi::OsStringExt;
    let err = Spec::builder()
        .env_from_os([
            (
                OsString::from("ENV_CONFIG_USER"),
                OsString::from_vec(vec![0x66, 0xff]),
            ),
            (
                OsString::from("ENV_CONFIG_REQUIRED_VAR"),
                OsString::from("x"),
            ),
        ])
        .load()
        .unwrap_err();
    let p = &err.problems()[0];
    assert_eq!(p.message(), "the value is not valid UTF-8");
    assert_eq!(
        p.origin(),
        Some(&Origin::Env {
            var: "ENV_CONFIG_USER".into()
        })
    );
}

#[test]
fn colliding_names_are_a_load_error_unless_separated() {
    #[derive(Config, Debug)]
    #[config(name = "app")]
    struct App {
        db_host: Option<String>,
        #[config(nested)]
        db: Db,
    }
    #[derive(Config, Debug)]
    struct Db {
        host: Option<String>,
    }
    let err = load::env_error::<App>([("X", "1")]);
    assert_eq!(
        err.problems()[0].message(),
        "environment variable APP_DB_HOST would set both `db_host` and `db.host`"
    );
    let app = App::builder()
        .env_double_underscore()
        .env_from([("APP__DB_HOST", "a"), ("APP__DB__HOST", "b")])
        .load()
        .unwrap();
    assert_eq!(app.db_host.as_deref(), Some("a"));
    assert_eq!(app.db.host.as_deref(), Some("b"));
}

/// A field `key_file` spells the `_FILE` variable of a field `key`: a
/// load error in either order of declaration, never a file read into `key`.
#[test]
fn a_field_named_like_another_fields_file_variable_is_a_load_error() {
    #[derive(Config, Debug)]
    #[config(name = "myapp")]
    struct FileFirst {
        key_file: Option<String>,
        key: Option<String>,
    }
    #[derive(Config, Debug)]
    #[config(name = "myapp")]
    struct KeyFirst {
        key: Option<String>,
        key_file: Option<String>,
    }
    let dir = Tmp::new();
    let path = dir.write("k.txt", "s3cret\n");
    let vars = [("MYAPP_KEY_FILE", path.to_str().unwrap())];
    // `__` would not part them: the variables end the same either way.
    let help = "give one field its own name with #[config(env = \"..\")]; <NAME>_FILE names a \
                file that holds <NAME>'s value";

    let err = load::env_error::<FileFirst>(vars);
    assert_eq!(
        err.to_string(),
        format!(
            "error: `key`: environment variable MYAPP_KEY_FILE would set both `key_file` and \
             `key`\n  = help: {help}"
        )
    );
    let err = load::env_error::<KeyFirst>(vars);
    assert_eq!(
        err.to_string(),
        format!(
            "error: `key_file`: environment variable MYAPP_KEY_FILE would set both `key` and \
             `key_file`\n  = help: {help}"
        )
    );
    assert!(!err.to_string().contains("s3cret"), "{err}");

    // With a name of its own, `key_file` is a value and `key` reads its file.
    #[derive(Config, Debug)]
    #[config(name = "myapp")]
    struct Renamed {
        #[config(env = "MYAPP_KEY_PATH")]
        key_file: Option<String>,
        key: Option<String>,
    }
    let app = load::env::<Renamed>([("MYAPP_KEY_PATH", "a"), vars[0]]);
    assert_eq!(
        (app.key_file.as_deref(), app.key.as_deref()),
        (Some("a"), Some("s3cret"))
    );
}

/// A field `config` spells `MYAPP_CONFIG`, the variable that names the
/// configuration file discovery reads: with discovery in the stack that is
/// a load error naming both uses, on every load, as two fields sharing a
/// variable are; never a profile name read as a file, or a file's name
/// read as the field. Without discovery the variable is the field's.
#[test]
fn a_field_spelling_the_config_file_variable_is_a_load_error_with_discovery() {
    use staid::source::Discover;
    #[derive(Config, Debug)]
    #[config(name = "myapp")]
    struct Profiled {
        /// Which profile to run.
        #[config(default = "default")]
        config: String,
        #[config(default = 8080)]
        port: u16,
    }
    let dir = Tmp::new();
    let message = "error: `config`: environment variable MYAPP_CONFIG would set both `config` \
                   and the configuration file discovery reads\n  = help: give the field a \
                   variable of its own with #[config(env = \"..\")]; MYAPP_CONFIG names a \
                   configuration file read after the discovered ones";
    for vars in [[("MYAPP_CONFIG", "fast")], [("MYAPP_PORT", "1")]] {
        let err = Profiled::builder()
            .source(Discover::in_dirs([dir.path()]))
            .env_from(vars)
            .load()
            .unwrap_err();
        assert_eq!(err.to_string(), message);
    }
    let app = load::env::<Profiled>([("MYAPP_CONFIG", "fast")]);
    assert_eq!(app.config, "fast");

    // With a variable of its own, the field and the file are both read.
    #[derive(Config, Debug)]
    #[config(name = "myapp")]
    struct Renamed {
        #[config(env = "MYAPP_PROFILE", default = "default")]
        config: String,
        #[config(default = 8080)]
        port: u16,
    }
    let file = dir.write("other.toml", "port = 9\n");
    let app = Renamed::builder()
        .source(Discover::in_dirs([dir.path()]))
        .env_from([
            ("MYAPP_CONFIG", file.to_str().unwrap()),
            ("MYAPP_PROFILE", "fast"),
        ])
        .load()
        .unwrap();
    assert_eq!((app.config.as_str(), app.port), ("fast", 9));
}

#[test]
fn an_explicit_prefix_replaces_the_name() {
    let s = Spec::builder()
        .env_prefix("X")
        .env_from([("X_PORT", "1"), ("X_REQUIRED_VAR", "r")])
        .load()
        .unwrap();
    assert_eq!(s.port, 1);
    let s = Spec::builder()
        .env_prefix("")
        .env_from([("PORT", "2"), ("REQUIRED_VAR", "r")])
        .load()
        .unwrap();
    assert_eq!(s.port, 2);
}

#[test]
fn inline_json_for_structured_values() {
    #[derive(Deserialize, Debug, PartialEq)]
    struct Route {
        path: String,
        port: u16,
    }
    #[derive(Config, Debug)]
    #[config(name = "app")]
    struct App {
        #[config(default = [])]
        routes: Vec<Route>,
        limits: Option<HashMap<String, Vec<u32>>>,
    }
    let app = load::env::<App>([
        ("APP_ROUTES", r#"[{"path": "/a", "port": 80}]"#),
        ("APP_LIMITS", r#"{"x": [1, 2]}"#),
    ]);
    assert_eq!(
        app.routes,
        [Route {
            path: "/a".into(),
            port: 80
        }]
    );
    assert_eq!(app.limits.unwrap()["x"], [1, 2]);
}

#[test]
fn custom_types_through_serde_and_from_str() {
    #[derive(Debug, PartialEq)]
    struct Celsius(f64);
    impl std::str::FromStr for Celsius {
        type Err = String;
        fn from_str(s: &str) -> Result<Self, String> {
            s.strip_suffix("C")
                .and_then(|n| n.parse().ok())
                .map(Celsius)
                .ok_or_else(|| "expected degrees like 21.5C".to_owned())
        }
    }
    #[derive(Deserialize, Debug, PartialEq)]
    #[serde(rename_all = "lowercase")]
    enum Level {
        Info,
        Debug,
    }
    #[derive(Config, Debug)]
    #[config(name = "app")]
    struct App {
        #[config(from_str)]
        target: Celsius,
        #[config(from_str)]
        limit: Option<Celsius>,
        level: Level,
        listen: SocketAddr,
    }
    let app = load::env::<App>([
        ("APP_TARGET", "21.5C"),
        ("APP_LEVEL", "debug"),
        ("APP_LISTEN", "127.0.0.1:80"),
    ]);
    assert_eq!(app.target, Celsius(21.5));
    assert_eq!(app.limit, None);
    assert_eq!(app.level, Level::Debug);
    assert_eq!(app.listen.port(), 80);
    let err = load::env_error::<App>([
        ("APP_TARGET", "hot"),
        ("APP_LEVEL", "loud"),
        ("APP_LISTEN", "x"),
    ]);
    let messages: Vec<_> = err
        .problems()
        .iter()
        .map(|p| p.message().to_owned())
        .collect();
    assert_eq!(
        messages[0],
        "invalid value \"hot\": expected degrees like 21.5C"
    );
    assert!(
        messages[1].contains("unknown variant `loud`"),
        "{messages:?}"
    );
    assert!(
        messages[2].contains("invalid socket address"),
        "{messages:?}"
    );
}

#[test]
fn usage_lists_every_variable() {
    #[derive(Config, Debug)]
    #[config(name = "app")]
    struct App {
        /// Port to listen on.
        #[config(default = 8080)]
        port: u16,
        /// Database URL.
        #[config(env = "DATABASE_URL", secret)]
        url: String,
        #[config(nested)]
        db: Db,
    }
    #[derive(Config, Debug)]
    struct Db {
        /// Connection pool size.
        #[config(default = 4)]
        pool_size: u32,
    }
    assert_eq!(
        App::builder().env_usage(),
        "\
This application is configured with the following environment variables:

VARIABLE            TYPE      DEFAULT    REQUIRED    DESCRIPTION
APP_PORT            u16       8080                   Port to listen on.
DATABASE_URL        String               yes         Database URL.
APP_DB_POOL_SIZE    u32       4                      Connection pool size.

Any variable can be given as <VARIABLE>_FILE instead, naming a file that holds the value (for secrets).
In variables and flags, lists are written a,b,c (\\, for a comma inside an item), maps k:v,k:v, durations 1m30s or 250ms.
"
    );
}

/// After a switch to `__` between levels, the old single-underscore names
/// lie outside the prefix `MYAPP__`: each one that named a field is a
/// warning with its new name, not silence.
#[test]
fn single_underscore_names_under_double_underscores_are_warnings() {
    #[derive(Config, Debug)]
    #[config(name = "myapp")]
    struct Two {
        #[config(default = 1)]
        port: u16,
        #[config(nested)]
        db: TwoDb,
    }
    #[derive(Config, Debug)]
    struct TwoDb {
        #[config(default = "localhost")]
        host: String,
        #[config(secret)]
        password: Option<String>,
    }
    let loaded = Two::builder()
        .env_double_underscore()
        .env_from([
            ("MYAPP_DB_HOST", "old"),
            ("MYAPP_DB_PASSWORD_FILE", "/run/secrets/pw"),
            ("MYAPP__PORT", "2"),
            ("MYAPP_UNRELATED", "x"),
            // Kubernetes' own, for Services `myapp` and `myapp-db`.
            ("MYAPP_PORT", "tcp://10.0.0.1:80"),
            ("MYAPP_DB_PORT", "tcp://10.0.0.2:5432"),
        ])
        .load_full()
        .unwrap();
    assert_eq!(
        (loaded.config().port, loaded.config().db.host.as_str()),
        (2, "localhost")
    );
    let warnings: Vec<String> = loaded.warnings().iter().map(ToString::to_string).collect();
    assert_eq!(
        warnings,
        [
            "`db.host`: environment variable MYAPP_DB_HOST sets nothing: this application \
             separates levels with `__`\n  --> env MYAPP_DB_HOST\n  \
             = help: did you mean MYAPP__DB__HOST?",
            "`db.password`: environment variable MYAPP_DB_PASSWORD_FILE sets nothing: this \
             application separates levels with `__`\n  --> env MYAPP_DB_PASSWORD_FILE\n  \
             = help: did you mean MYAPP__DB__PASSWORD_FILE?",
        ]
    );
    let ignored = Two::builder()
        .env_double_underscore()
        .unknown_env(Unknown::Ignore)
        .env_from([("MYAPP_DB_HOST", "old")])
        .load_full()
        .unwrap();
    assert!(ignored.warnings().is_empty());
}

/// The environment layer given to `.source(..)` is the builder's: what
/// `env_*` methods set, before it or after, stays, except where the layer
/// sets that itself.
#[test]
fn an_env_source_keeps_the_settings_made_before_it() {
    use staid::source::Env;
    let vars = [("SVC_PORT", "7"), ("SVC_TYPO", "1"), ("MYAPP_PORT", "9")];
    let err = Served::builder()
        .env_prefix("SVC")
        .unknown_env(Unknown::Error)
        .source(Env::new().vars(vars))
        .load()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "error: unknown environment variable SVC_TYPO\n  --> env SVC_TYPO"
    );
    let served = Served::builder()
        .env_prefix("SVC")
        .source(Env::new().vars(vars))
        .load()
        .unwrap();
    assert_eq!(served.port, 7);
    // Set on the layer itself, the layer's setting wins.
    let served = Served::builder()
        .env_prefix("SVC")
        .source(Env::prefixed("MYAPP").vars(vars))
        .load()
        .unwrap();
    assert_eq!(served.port, 9);
    // And a method after the layer configures it.
    let served = Served::builder()
        .source(Env::new().vars(vars))
        .env_prefix("SVC")
        .load()
        .unwrap();
    assert_eq!(served.port, 7);
}

/// Services named for a map of sections (`myapp-upstreams`, and one for an
/// entry, `myapp-upstreams-eu`) put their links under the map's variables:
/// links, in the one warning, never entries or errors.
#[test]
fn service_links_under_a_map_of_sections_are_links() {
    #[derive(Config, Debug)]
    #[config(name = "myapp")]
    struct Gate {
        #[config(nested)]
        upstreams: BTreeMap<String, Up>,
    }
    #[derive(Config, Debug)]
    struct Up {
        #[config(default = "u")]
        url: String,
        port: Option<u16>,
    }
    let loaded = Gate::builder()
        .toml_str("[upstreams.eu]\nport = 9")
        .env_from([
            ("MYAPP_UPSTREAMS_SERVICE_HOST", "10.0.0.1"),
            ("MYAPP_UPSTREAMS_SERVICE_PORT", "80"),
            ("MYAPP_UPSTREAMS_PORT", "tcp://10.0.0.1:80"),
            ("MYAPP_UPSTREAMS_PORT_80_TCP_ADDR", "10.0.0.1"),
            ("MYAPP_UPSTREAMS_EU_PORT", "tcp://10.0.0.2:80"),
            ("MYAPP_UPSTREAMS_EU_URL", "http://eu"),
        ])
        .load_full()
        .unwrap();
    let config = loaded.config();
    assert_eq!(config.upstreams.len(), 1, "{config:?}");
    assert_eq!(config.upstreams["eu"].port, Some(9));
    assert_eq!(config.upstreams["eu"].url, "http://eu");
    let warnings: Vec<&str> = loaded.warnings().iter().map(|w| w.message()).collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].ends_with(
            "are Kubernetes service links for the Services named `myapp-upstreams-eu`, \
             `myapp-upstreams`, not configuration; ignored"
        ),
        "{warnings:?}"
    );
}

/// An old single-underscore name of a map entry's field is a warning too,
/// with its `__` name.
#[test]
fn single_underscore_names_of_map_entries_are_warnings_under_double_underscores() {
    #[derive(Config, Debug)]
    #[config(name = "myapp")]
    struct Gate {
        #[config(nested)]
        upstreams: BTreeMap<String, GateUp>,
    }
    #[derive(Config, Debug)]
    struct GateUp {
        url: String,
    }
    let loaded = Gate::builder()
        .env_double_underscore()
        .env_from([("MYAPP_UPSTREAMS_EU_URL", "x")])
        .load_full()
        .unwrap();
    assert!(loaded.config().upstreams.is_empty());
    let helps: Vec<Option<&str>> = loaded.warnings().iter().map(|w| w.hint()).collect();
    assert_eq!(helps, [Some("did you mean MYAPP__UPSTREAMS__EU__URL?")]);
}

/// `.source(Env::new())` after `.env_from(..)` configures the one layer,
/// as `.env()` there adds nothing: the builder's prefix stays.
#[test]
fn an_env_source_after_env_from_is_the_same_layer() {
    use staid::source::Env;
    let served = Served::builder()
        .env_prefix("SVC")
        .env_from([("SVC_PORT", "1"), ("MYAPP_PORT", "2")])
        .source(Env::new())
        .load()
        .unwrap();
    assert_eq!(served.port, 1);
    // One with a prefix of its own is a layer of its own, above.
    let served = Served::builder()
        .env_prefix("SVC")
        .env_from([("SVC_PORT", "1"), ("OTHER_PORT", "3")])
        .source(Env::prefixed("OTHER").vars([("OTHER_PORT", "3")]))
        .load()
        .unwrap();
    assert_eq!(served.port, 3);
}

/// An `Env` with variables of its own after `env_from` is a layer of its
/// own above: the variables of `env_from` are still read.
#[test]
fn an_env_source_with_its_own_vars_after_env_from_adds_a_layer() {
    use staid::source::Env;
    let loaded = Served::builder()
        .env_from([("MYAPP_PORT", "3")])
        .source(Env::new().vars([("MYAPP_LOG", "debug")]))
        .load_full()
        .unwrap();
    assert_eq!(
        (loaded.config().port, loaded.config().log.as_str()),
        (3, "debug")
    );
}
