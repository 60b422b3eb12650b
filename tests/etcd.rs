//! The etcd layer against a real etcd server: each test starts its own
//! single-member `etcd` on 127.0.0.1 (see `support/etcd.rs`; a missing
//! etcd skips them, except under CI), and the input etcd may hold or be
//! given that the layer must refuse. Nothing here asserts how long anything
//! takes. Watching is in `etcd_watch.rs`, three-member clusters in
//! `etcd_cluster.rs`.

#![cfg(feature = "etcd")]

#[path = "support/etcd.rs"]
mod support;
#[path = "support/tmp.rs"]
mod tmp;

use std::collections::HashMap;
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

use staid::source::Etcd;
use staid::{Config, Origin, ProblemKind};
use support::{App, Cluster};
use tmp::Tmp;

fn remote(server: &Cluster, key: &str, revision: i64) -> Origin {
    Origin::Remote {
        source: format!("etcd {}", server.endpoint(0)),
        key: key.to_owned(),
        version: Some(format!("revision {revision}")),
    }
}

/// The text of the error of a load from `source`, which must say that
/// the first member of `etcd` could not be read.
fn refused(etcd: &Cluster, source: Etcd) -> String {
    let err = App::builder().source(source).load().unwrap_err();
    let text = err.to_string();
    let expected = format!(
        "error: cannot read /myapp/ from etcd at {}: ",
        etcd.endpoint(0)
    );
    assert!(text.starts_with(&expected), "{text}");
    text
}

#[test]
fn loads_the_keys_under_the_prefix() {
    let Some(etcd) = Cluster::start_holding(
        1,
        &[
            ("/myapp/port", "9000"),
            ("/myapp/name", "123"),
            ("/myapp/timeout", "1m30s"),
            ("/myapp/db/host", "db1"),
            ("/myapp/db.json", r#"{"port": 6432, "pool": 8}"#),
            ("/myapp/tags", r#"["a", "b"]"#),
        ],
    ) else {
        return;
    };
    // Neither is under `/myapp/`.
    etcd.put("/myapp2/port", "1");
    etcd.put("/other/port", "2");

    let app = App::builder()
        .etcd([etcd.endpoint(0)], "/myapp")
        .load()
        .unwrap();
    assert_eq!(app.port, 9000);
    assert_eq!(app.name, "123", "text stays text for a String field");
    assert_eq!(app.timeout, Duration::from_secs(90));
    assert_eq!(app.db.host, "db1");
    assert_eq!(app.db.port, 6432);
    assert_eq!(app.db.pool, 8);
    assert_eq!(app.tags.unwrap(), ["a", "b"]);
}

#[test]
fn origins_name_endpoint_key_and_revision() {
    let Some(etcd) = Cluster::start(1) else {
        return;
    };
    let port_rev = etcd.put("/myapp/port", "9000");
    let db_rev = etcd.put("/myapp/db.json", r#"{"host": "db1"}"#);
    etcd.put("/myapp/name", "second");
    let name_rev = etcd.put("/myapp/name", "third");

    let loaded = App::builder()
        .etcd([etcd.endpoint(0)], "/myapp/")
        .load_full()
        .unwrap();
    assert_eq!(
        loaded.origin("port"),
        Some(&remote(&etcd, "/myapp/port", port_rev))
    );
    assert_eq!(
        loaded.origin("db.host"),
        Some(&remote(&etcd, "/myapp/db.json", db_rev))
    );
    assert_eq!(
        loaded.origin("name"),
        Some(&remote(&etcd, "/myapp/name", name_rev)),
        "the revision is the key's last change"
    );
    assert_eq!(loaded.origin("db.port"), Some(&Origin::Default));
    let explain = loaded.explain().to_string();
    let line = format!(
        "/myapp/port at etcd {} (revision {port_rev})",
        etcd.endpoint(0)
    );
    assert!(explain.contains(&line), "{explain}");
}

#[test]
fn its_place_in_the_stack_is_the_builders_order() {
    let Some(etcd) = Cluster::start_holding(
        1,
        &[
            ("/myapp/port", "9000"),
            ("/myapp/name", "from-etcd"),
            ("/myapp/db/host", "etcd-db"),
        ],
    ) else {
        return;
    };
    let dir = Tmp::new();
    let file = dir.write(
        "myapp.toml",
        "port = 7000\nname = \"from-file\"\n[db]\nhost = \"file-db\"\npool = 3\n",
    );

    // file < etcd < env
    let app = App::builder()
        .file(&file)
        .etcd([etcd.endpoint(0)], "/myapp/")
        .env_from([("MYAPP_NAME", "from-env")])
        .load()
        .unwrap();
    assert_eq!(app.port, 9000);
    assert_eq!(app.name, "from-env");
    assert_eq!(app.db.host, "etcd-db");
    assert_eq!(app.db.pool, 3, "tables merge deeply");

    // etcd < file
    let app = App::builder()
        .etcd([etcd.endpoint(0)], "/myapp/")
        .file(&file)
        .load()
        .unwrap();
    assert_eq!(app.port, 7000);
    assert_eq!(app.name, "from-file");
    assert_eq!(app.db.host, "file-db");
}

#[test]
fn bad_values_and_keys_are_reported_together() {
    let Some(etcd) = Cluster::start(1) else {
        return;
    };
    let port_rev = etcd.put("/myapp/port", "high");
    let db_rev = etcd.put("/myapp/db.json", r#"{"port": "6432"}"#);
    let typo_rev = etcd.put("/myapp/nmae", "x");

    let err = App::builder()
        .etcd([etcd.endpoint(0)], "/myapp/")
        .load()
        .unwrap_err();
    let ep = etcd.endpoint(0);
    assert_eq!(
        err.to_string(),
        format!(
            "3 problems in the configuration:\n\
             \n\
             error: `port`: expected an integer (u16), found \"high\"\n  \
             --> /myapp/port at etcd {ep} (revision {port_rev})\n\
             \n\
             error: `db.port`: expected an integer (u16), found string \"6432\"\n  \
             --> /myapp/db.json at etcd {ep} (revision {db_rev})\n\
             \n\
             error: `nmae`: unknown key\n  \
             --> /myapp/nmae at etcd {ep} (revision {typo_rev})\n  \
             = help: did you mean `name`?"
        )
    );
}

#[test]
fn an_unreachable_etcd_is_a_load_error_naming_the_endpoint() {
    // Port 1 (tcpmux) is privileged and unused: nothing listens there, and
    // no other test's server can take it, as a freed ephemeral port could be.
    let endpoint = "http://127.0.0.1:1".to_owned();
    let err = App::builder()
        .source(Etcd::new([endpoint.clone()], "/myapp/").timeout(Duration::from_secs(2)))
        .load()
        .unwrap_err();
    assert_eq!(err.len(), 1, "{err}");
    let problem = &err.problems()[0];
    assert_eq!(problem.kind(), ProblemKind::Source);
    let message = problem.message();
    let expected = format!("cannot read /myapp/ from etcd at {endpoint}: ");
    assert!(message.starts_with(&expected), "{message}");
    assert!(message.contains("onnection refused"), "{message}");
    eprintln!("{err}");
}

#[test]
fn timeouts_too_long_for_a_clock_are_taken_as_an_hour_not_a_panic() {
    let endpoint = "http://127.0.0.1:1".to_owned();
    let etcd = Etcd::new([endpoint.clone()], "/myapp/")
        .timeout(Duration::MAX)
        .connect_timeout(Duration::MAX)
        .retry(Duration::MAX);
    let err = App::builder().source(etcd).load().unwrap_err();
    let message = err.problems()[0].message();
    let expected = format!("cannot read /myapp/ from etcd at {endpoint}: ");
    assert!(message.starts_with(&expected), "{message}");
    assert!(message.contains("onnection refused"), "{message}");
}

/// The committed Rust code of etcd's messages (core/src/source/etcd/proto/) is
/// what `etcd.proto` generates. Generating needs protoc, which building
/// staid does not: without one this says so and passes.
#[test]
fn the_committed_etcd_api_code_is_what_the_proto_generates() {
    let protoc = std::env::var_os("PROTOC").unwrap_or_else(|| "protoc".into());
    let found = std::process::Command::new(&protoc)
        .arg("--version")
        .output()
        .is_ok_and(|out| out.status.success());
    if !found {
        eprintln!(
            "protoc is missing (`{}` cannot be run): not checking the generated etcd code",
            protoc.to_string_lossy()
        );
        return;
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/tools/etcd-proto/Cargo.toml");
    let out = std::process::Command::new(cargo)
        .args([
            "run",
            "--quiet",
            "--manifest-path",
            manifest,
            "--",
            "--check",
        ])
        // Its own target directory: the one of this test is locked.
        .env(
            "CARGO_TARGET_DIR",
            concat!(env!("CARGO_TARGET_TMPDIR"), "/etcd-proto"),
        )
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn an_empty_prefix_is_refused_as_it_would_read_every_key() {
    // No server needed: the load stops before connecting.
    let err = App::builder()
        .etcd(["http://127.0.0.1:1"], "")
        .load()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "error: the etcd prefix is empty: it would read every key in etcd at \
         http://127.0.0.1:1\n  = help: give the prefix of the application's keys, such as \
         \"/myapp/\""
    );
}

#[test]
fn no_endpoint_is_a_load_error() {
    let err = App::builder()
        .etcd(Vec::<String>::new(), "/myapp/")
        .load()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "error: cannot read /myapp/ from etcd: no endpoint was given\n  \
         = help: give the client URL of every member, such as \"http://10.0.0.1:2379\""
    );
}

#[test]
fn a_json_key_that_is_not_json_has_its_line_and_column() {
    let Some(etcd) = Cluster::start_holding(
        1,
        &[
            ("/myapp/db.json", "{\"host\": \"db1\",\n \"port\": }"),
            ("/myapp/port", "9000"),
        ],
    ) else {
        return;
    };
    let err = App::builder()
        .etcd([etcd.endpoint(0)], "/myapp/")
        .load()
        .unwrap_err();
    assert_eq!(err.len(), 1, "{err}");
    let text = err.to_string();
    assert!(text.contains("--> /myapp/db.json:2:"), "{text}");
}

/// A service with a required key, a secret and a secret map, for the tests
/// of keys that cannot all be read.
#[derive(Config, Debug)]
#[config(name = "myapp")]
#[allow(dead_code)]
struct Service {
    url: String,
    #[config(default = 8080)]
    port: u16,
    #[config(nested)]
    db: Store,
    #[config(secret, default = {})]
    tokens: HashMap<String, u32>,
}

#[derive(Config, Debug)]
#[allow(dead_code)]
struct Store {
    #[config(default = "localhost")]
    host: String,
    #[config(default = 1)]
    pool: u32,
    #[config(secret)]
    password: Option<String>,
}

/// The error of loading `Service` from what `etcd` holds under `/myapp/`.
fn service_error(etcd: &Cluster) -> staid::Error {
    Service::builder()
        .etcd([etcd.endpoint(0)], "/myapp/")
        .load()
        .unwrap_err()
}

#[test]
fn a_bad_key_is_reported_and_the_other_keys_kept() {
    let Some(etcd) = Cluster::start(1) else {
        return;
    };
    etcd.put("/myapp/url", "http://x");
    let port_rev = etcd.put("/myapp/port", "high");
    etcd.put("/myapp/db.json", r#"{"pool": }"#);
    let err = service_error(&etcd);
    // `url` is set: no "missing required value" for it.
    assert_eq!(
        err.to_string(),
        support::broken_db_and_bad_port(&etcd.endpoint(0), port_rev)
    );

    // A key that cannot be mapped leaves the others too; what a broken
    // document names is not reported missing either.
    etcd.put("/myapp/port", "9000");
    etcd.put("/myapp/db.json", r#"{"pool": 2}"#);
    let toml_rev = etcd.put("/myapp/db.toml", "pool = 3\n");
    let err = service_error(&etcd);
    assert_eq!(
        err.to_string(),
        format!(
            "error: cannot map the etcd key /myapp/db.toml: TOML is not read from etcd: a key \
             ending in `.json` holds a JSON document, any other key one value as text\n  \
             --> /myapp/db.toml at etcd {} (revision {toml_rev})\n  \
             = help: name keys `<prefix><key>/<nested key>`, each part a field name, \
             optionally ending in `.json` for a JSON value",
            etcd.endpoint(0)
        )
    );
    etcd.delete("/myapp/db.toml");
    etcd.delete("/myapp/url");
    etcd.put("/myapp/url.json", r#""http://x"#);
    let err = service_error(&etcd);
    assert_eq!(err.len(), 1, "{err}");
    assert_eq!(err.problems()[0].kind(), ProblemKind::Syntax, "{err}");
}

#[test]
fn a_secret_in_a_multi_line_json_key_shows_no_line_of_it() {
    let doc = "{\n  \"host\": \"h\",\n  \"password\":\n    \"hunter2-pw\" \"oops\"\n}";
    let Some(etcd) = Cluster::start_holding(1, &[("/myapp/url", "u"), ("/myapp/db.json", doc)])
    else {
        return;
    };
    let err = service_error(&etcd);
    assert_eq!(
        err.to_string(),
        "error: `db`: invalid JSON: expected comma\n  --> /myapp/db.json:4:17"
    );
}

#[test]
fn entry_names_of_a_secret_map_are_masked_in_origins() {
    let Some(etcd) = Cluster::start(1) else {
        return;
    };
    etcd.put("/myapp/url", "u");
    let alice_rev = etcd.put("/myapp/tokens/alice-hunter2", "5");
    let loaded = Service::builder()
        .etcd([etcd.endpoint(0)], "/myapp/")
        .load_full()
        .unwrap();
    let ep = etcd.endpoint(0);
    let explain = loaded.explain().to_string();
    let origin = format!("# /myapp/tokens/<secret> at etcd {ep} (revision {alice_rev})");
    let line = explain.lines().find(|l| l.starts_with("tokens = "));
    assert!(line.is_some_and(|l| l.ends_with(&origin)), "{explain}");
    assert_eq!(
        loaded.origin("tokens.alice-hunter2"),
        Some(&remote(&etcd, "/myapp/tokens/<secret>", alice_rev))
    );
    assert!(!format!("{loaded:?}").contains("hunter2"));

    let bob_rev = etcd.put("/myapp/tokens/bob-hunter2", "notanumber");
    let typo_rev = etcd.put("/myapp/tokns/carol-hunter2", "7");
    let key_rev = etcd.put("/myapp/tokens/dave.hunter2", "1");
    let err = service_error(&etcd);
    assert_eq!(
        err.to_string(),
        format!(
            "3 problems in the configuration:\n\
             \n\
             error: cannot map the etcd key /myapp/tokens/<secret>: a part other than a final \
             `.json` contains `.`\n  \
             --> /myapp/tokens/<secret> at etcd {ep} (revision {key_rev})\n  \
             = help: name keys `<prefix><key>/<nested key>`, each part a field name, \
             optionally ending in `.json` for a JSON value\n\
             \n\
             error: `tokens.<secret>`: invalid value for `HashMap<String, u32>` (value \
             hidden: the field is secret)\n  \
             --> /myapp/tokens/<secret> at etcd {ep} (revision {bob_rev})\n\
             \n\
             error: `tokns`: unknown key\n  \
             --> /myapp/tokns/<secret> at etcd {ep} (revision {typo_rev})\n  \
             = help: did you mean `tokens`?"
        )
    );

    // A document at the map's own key names its entries in its errors.
    let etcd = Cluster::start_holding(
        1,
        &[
            ("/myapp/url", "u"),
            (
                "/myapp/tokens.json",
                r#"{"erin-hunter2": 1, "erin-hunter2": 2}"#,
            ),
        ],
    )
    .expect("the cluster started above");
    let err = service_error(&etcd).to_string();
    assert!(err.contains("duplicate key `<secret>`"), "{err}");
    assert!(!err.contains("hunter2"), "{err}");
}

#[test]
fn a_value_at_a_section_key_beside_keys_below_it_is_an_error() {
    let Some(etcd) = Cluster::start(1) else {
        return;
    };
    etcd.put("/myapp/url", "u");
    let db_rev = etcd.put("/myapp/db", "oops");
    etcd.put("/myapp/db/host", "h1");
    let err = service_error(&etcd);
    assert_eq!(
        err.to_string(),
        format!(
            "error: `db`: holds a value, but /myapp/db/host sets a key below it; the value is \
             left out\n  \
             --> /myapp/db at etcd {} (revision {db_rev})\n  \
             = help: a key holds a value or keys below it, not both: delete one of them",
            etcd.endpoint(0)
        )
    );
    // Alone, it is a value where a table belongs.
    etcd.delete("/myapp/db/host");
    let err = service_error(&etcd);
    assert!(
        err.to_string()
            .starts_with("error: `db`: expected a table, found string"),
        "{err}"
    );
}

#[test]
fn timeouts_are_the_configured_ones() {
    // Accepts connections and never answers.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", silent.local_addr().unwrap());
    let held = thread::spawn(move || {
        let mut held: Vec<TcpStream> = Vec::new();
        for stream in silent.incoming().take(8).flatten() {
            held.push(stream);
        }
        held
    });
    let err = App::builder()
        .source(
            Etcd::new([endpoint.clone()], "/myapp/")
                .connect_timeout(Duration::from_millis(200))
                .timeout(Duration::from_millis(300)),
        )
        .load()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "error: cannot read /myapp/ from etcd at {endpoint}: no answer within 300ms\n  \
             = help: check that etcd is running and reachable from here; Etcd::timeout and \
             Etcd::connect_timeout set how long to wait"
        )
    );
    drop(held);
}

#[test]
fn loading_from_async_code_neither_panics_nor_needs_a_runtime() {
    let Some(etcd) = Cluster::start_holding(1, &[("/myapp/port", "9000")]) else {
        return;
    };
    let endpoint = etcd.endpoint(0);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // The builder, its runtime and its connection are made and dropped
    // inside the user's runtime.
    let app =
        runtime.block_on(async move { App::builder().etcd([endpoint], "/myapp/").load().unwrap() });
    assert_eq!(app.port, 9000);
}

#[test]
fn user_and_password_are_passed_and_the_password_never_shown() {
    let Some(etcd) = Cluster::start_holding(1, &[("/myapp/port", "9000")]) else {
        return;
    };
    etcd.enable_auth("r00t-pw");

    let app = App::builder()
        .source(Etcd::new([etcd.endpoint(0)], "/myapp/").user("root", "r00t-pw"))
        .load()
        .unwrap();
    assert_eq!(app.port, 9000);

    let text = refused(
        &etcd,
        Etcd::new([etcd.endpoint(0)], "/myapp/").user("root", "wrong-pw-42"),
    );
    assert!(text.contains("authentication failed"), "{text}");
    assert!(!text.contains("wrong-pw-42"), "{text}");
    // etcd answered: neither reaching it nor waiting longer is the fix.
    assert!(
        text.ends_with(
            "= help: check the user and password given with Etcd::user, and that the user \
             may read /myapp/"
        ),
        "{text}"
    );
}

#[cfg(feature = "etcd-tls")]
#[test]
fn tls_with_a_ca_and_a_client_certificate() {
    let Some(etcd) = Cluster::start_tls() else {
        return;
    };
    etcd.put("/myapp/port", "9000");
    let tls = etcd.tls();
    let with_ca = |endpoint: String| {
        Etcd::new([endpoint], "/myapp/")
            .timeout(Duration::from_secs(2))
            .ca_certificate(tls.ca.clone())
    };

    let app = App::builder()
        .source(with_ca(etcd.endpoint(0)).client_identity(tls.cert.clone(), tls.key.clone()))
        .load()
        .unwrap();
    assert_eq!(app.port, 9000);

    // Without a scheme, TLS is used once it is set up; the name checked
    // can differ from the endpoint's host.
    let bare = format!("127.0.0.1:{}", etcd.client_port(0));
    let app = App::builder()
        .source(
            with_ca(bare)
                .client_identity(tls.cert.clone(), tls.key.clone())
                .tls_domain("localhost"),
        )
        .load()
        .unwrap();
    assert_eq!(app.port, 9000);

    // The member wants a client certificate.
    refused(&etcd, with_ca(etcd.endpoint(0)));

    // Only the system's roots: the member's certificate is not trusted.
    let text = refused(
        &etcd,
        Etcd::new([etcd.endpoint(0)], "/myapp/").timeout(Duration::from_secs(2)),
    );
    assert!(text.contains("certificate"), "{text}");
}
