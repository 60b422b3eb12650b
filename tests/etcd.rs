//! The etcd layer against a real etcd server: each test starts its own
//! single-member `etcd` on 127.0.0.1 (see `support/etcd.rs`; a missing
//! etcd skips them, except under CI), and the input etcd may hold or be
//! given that the layer must refuse. Nothing here asserts how long anything
//! takes. Three-member clusters are in `etcd_cluster.rs`.

#![cfg(feature = "etcd")]

#[path = "support/etcd.rs"]
mod support;

use std::fs;
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

use staid::source::Etcd;
use staid::{Config, Origin, ProblemKind};
use support::{free_port, Cluster, WAIT};

#[derive(Config, Debug)]
#[config(name = "myapp")]
struct App {
    #[config(default = 8080)]
    port: u16,
    #[config(default = "app")]
    name: String,
    #[config(default = "1s")]
    timeout: Duration,
    #[config(nested)]
    db: Db,
    tags: Option<Vec<String>>,
}

#[derive(Config, Debug)]
struct Db {
    #[config(default = "localhost")]
    host: String,
    #[config(default = 5432)]
    port: u16,
    #[config(default = 1)]
    pool: u32,
}

fn remote(server: &Cluster, key: &str, revision: i64) -> Origin {
    Origin::Remote {
        source: format!("etcd {}", server.endpoint(0)),
        key: key.to_owned(),
        version: Some(format!("revision {revision}")),
    }
}

#[test]
fn loads_the_keys_under_the_prefix() {
    let Some(etcd) = Cluster::start(1) else {
        return;
    };
    etcd.put("/myapp/port", "9000");
    etcd.put("/myapp/name", "123");
    etcd.put("/myapp/timeout", "1m30s");
    etcd.put("/myapp/db/host", "db1");
    etcd.put("/myapp/db.json", r#"{"port": 6432, "pool": 8}"#);
    etcd.put("/myapp/tags", r#"["a", "b"]"#);
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
    let Some(etcd) = Cluster::start(1) else {
        return;
    };
    etcd.put("/myapp/port", "9000");
    etcd.put("/myapp/name", "from-etcd");
    etcd.put("/myapp/db/host", "etcd-db");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("myapp.toml");
    fs::write(
        &file,
        "port = 7000\nname = \"from-file\"\n[db]\nhost = \"file-db\"\npool = 3\n",
    )
    .unwrap();

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

/// The committed Rust code of etcd's messages (src/source/etcd/proto/) is
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
    let text = err.to_string();
    assert!(
        text.starts_with("error: cannot read /myapp/ from etcd at : no endpoint was given"),
        "{text}"
    );
}

#[test]
fn a_json_key_that_is_not_json_has_its_line_and_column() {
    let Some(etcd) = Cluster::start(1) else {
        return;
    };
    etcd.put("/myapp/db.json", "{\"host\": \"db1\",\n \"port\": }");
    etcd.put("/myapp/port", "9000");
    let err = App::builder()
        .etcd([etcd.endpoint(0)], "/myapp/")
        .load()
        .unwrap_err();
    assert_eq!(err.len(), 1, "{err}");
    let text = err.to_string();
    assert!(text.contains("--> /myapp/db.json:2:"), "{text}");
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
    let Some(etcd) = Cluster::start(1) else {
        return;
    };
    etcd.put("/myapp/port", "9000");
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
    let Some(etcd) = Cluster::start(1) else {
        return;
    };
    etcd.put("/myapp/port", "9000");
    etcd.enable_auth("r00t-pw");

    let app = App::builder()
        .source(Etcd::new([etcd.endpoint(0)], "/myapp/").user("root", "r00t-pw"))
        .load()
        .unwrap();
    assert_eq!(app.port, 9000);

    let err = App::builder()
        .source(Etcd::new([etcd.endpoint(0)], "/myapp/").user("root", "wrong-pw-42"))
        .load()
        .unwrap_err();
    let text = err.to_string();
    let expected = format!(
        "error: cannot read /myapp/ from etcd at {}: ",
        etcd.endpoint(0)
    );
    assert!(text.starts_with(&expected), "{text}");
    assert!(text.contains("authentication failed"), "{text}");
    assert!(!text.contains("wrong-pw-42"), "{text}");
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
    let err = App::builder()
        .source(with_ca(etcd.endpoint(0)))
        .load()
        .unwrap_err();
    let text = err.to_string();
    let expected = format!(
        "error: cannot read /myapp/ from etcd at {}: ",
        etcd.endpoint(0)
    );
    assert!(text.starts_with(&expected), "{text}");

    // Only the system's roots: the member's certificate is not trusted.
    let err = App::builder()
        .source(Etcd::new([etcd.endpoint(0)], "/myapp/").timeout(Duration::from_secs(2)))
        .load()
        .unwrap_err();
    let text = err.to_string();
    assert!(text.starts_with(&expected), "{text}");
    assert!(text.contains("certificate"), "{text}");
}

#[cfg(feature = "watch")]
mod watch {
    use super::*;
    use staid::{Reload, Watch, WatchOptions};
    use std::net::Shutdown;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};

    fn watch(etcd: &Cluster) -> Watch<App> {
        App::builder()
            .source(Etcd::new([etcd.endpoint(0)], "/myapp/").retry(Duration::from_millis(500)))
            .watch_with(WatchOptions::new().sighup(false))
            .unwrap()
    }

    fn next(watch: &Watch<App>) -> Reload<App> {
        watch
            .events()
            .recv_timeout(WAIT)
            .expect("a reload within the wait")
    }

    fn updated(watch: &Watch<App>) -> (std::sync::Arc<App>, Vec<String>) {
        match next(watch) {
            Reload::Updated {
                config, changed, ..
            } => (config, changed),
            Reload::Rejected { error } => panic!("rejected: {error}"),
            #[allow(unreachable_patterns)]
            other => panic!("{other:?}"),
        }
    }

    fn rejected(watch: &Watch<App>) -> staid::Error {
        match next(watch) {
            Reload::Rejected { error } => error,
            Reload::Updated { changed, .. } => panic!("updated {changed:?}"),
            #[allow(unreachable_patterns)]
            other => panic!("{other:?}"),
        }
    }

    /// Waits for the report of a lost watch; a reload that fails because
    /// etcd cannot be reached may come first.
    fn until_lost(watch: &Watch<App>, endpoint: &str) {
        let lost = format!("lost the watch on /myapp/ at etcd {endpoint}: ");
        let unreachable = format!("cannot read /myapp/ from etcd at {endpoint}: ");
        loop {
            let error = rejected(watch);
            assert_eq!(error.len(), 1, "{error}");
            let problem = &error.problems()[0];
            assert_eq!(problem.kind(), ProblemKind::Source);
            if problem.message().starts_with(&lost) {
                return;
            }
            assert!(problem.message().starts_with(&unreachable), "{error}");
        }
    }

    /// Waits for an update; reloads that fail because etcd cannot be
    /// reached yet may come first.
    fn until_updated(watch: &Watch<App>, endpoint: &str) -> (std::sync::Arc<App>, Vec<String>) {
        let unreachable = format!("cannot read /myapp/ from etcd at {endpoint}: ");
        loop {
            match next(watch) {
                Reload::Updated {
                    config, changed, ..
                } => return (config, changed),
                Reload::Rejected { error } => {
                    assert!(error.to_string().contains(&unreachable), "{error}")
                }
                #[allow(unreachable_patterns)]
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn a_change_under_the_prefix_reloads() {
        let Some(etcd) = Cluster::start(1) else {
            return;
        };
        etcd.put("/myapp/port", "9000");
        let watch = watch(&etcd);
        assert_eq!(watch.current().port, 9000);

        etcd.put("/myapp/port", "9001");
        let (config, changed) = updated(&watch);
        assert_eq!(config.port, 9001);
        assert_eq!(changed, ["port"]);

        etcd.put("/myapp/db.json", r#"{"host": "db2", "pool": 4}"#);
        let (config, changed) = updated(&watch);
        assert_eq!(config.db.host, "db2");
        assert_eq!(changed, ["db.host", "db.pool"]);

        // A deleted key no longer sets anything: the default is back.
        etcd.delete("/myapp/port");
        let (config, changed) = updated(&watch);
        assert_eq!(config.port, 8080);
        assert_eq!(changed, ["port"]);
        assert_eq!(watch.current().port, 8080);
    }

    #[test]
    fn a_bad_value_is_rejected_and_the_good_configuration_kept() {
        let Some(etcd) = Cluster::start(1) else {
            return;
        };
        etcd.put("/myapp/port", "9000");
        let watch = watch(&etcd);

        let revision = etcd.put("/myapp/port", "90000");
        let error = rejected(&watch);
        assert_eq!(
            error.to_string(),
            format!(
                "error: `port`: 90000 is out of range for u16 (0 to 65535)\n  \
                 --> /myapp/port at etcd {} (revision {revision})",
                etcd.endpoint(0)
            )
        );
        assert_eq!(watch.current().port, 9000);

        etcd.put("/myapp/port", "9002");
        let (config, _) = updated(&watch);
        assert_eq!(config.port, 9002);
    }

    #[test]
    fn etcd_stopped_and_restarted_is_reported_and_resumed_without_losing_a_change() {
        let Some(mut etcd) = Cluster::start(1) else {
            return;
        };
        etcd.put("/myapp/port", "9000");
        let watch = watch(&etcd);

        etcd.kill(0);
        until_lost(&watch, &etcd.endpoint(0));
        assert_eq!(watch.current().port, 9000, "the configuration stays");

        etcd.restart(0);
        etcd.put("/myapp/port", "9001");
        let (config, changed) = until_updated(&watch, &etcd.endpoint(0));
        assert_eq!(config.port, 9001);
        assert_eq!(changed, ["port"]);

        // The watch itself is back, not only one reload.
        etcd.put("/myapp/name", "after");
        let (config, changed) = updated(&watch);
        assert_eq!(config.name, "after");
        assert_eq!(changed, ["name"]);

        // Stopping the watch while etcd is down returns.
        etcd.kill(0);
        drop(watch);
    }

    #[test]
    fn a_compacted_revision_reloads_the_whole_prefix_and_says_so() {
        let Some(etcd) = Cluster::start(1) else {
            return;
        };
        etcd.put("/myapp/port", "9000");
        let proxy = Proxy::start(etcd.client_port(0));
        let watch = App::builder()
            .source(Etcd::new([proxy.endpoint()], "/myapp/").retry(Duration::from_millis(500)))
            .watch_with(WatchOptions::new().sighup(false))
            .unwrap();
        etcd.put("/myapp/name", "before");
        assert_eq!(until_updated(&watch, &proxy.endpoint()).0.name, "before");

        proxy.cut();
        until_lost(&watch, &proxy.endpoint());
        // While staid is away, the history it would resume from goes.
        etcd.put("/myapp/port", "9001");
        let last = etcd.put("/myapp/name", "after");
        etcd.compact(last);
        proxy.restore();

        let reload = loop {
            match next(&watch) {
                Reload::Updated {
                    config, warnings, ..
                } => break (config, warnings),
                Reload::Rejected { error } => assert!(
                    error.to_string().contains("cannot read /myapp/ from etcd"),
                    "{error}"
                ),
                #[allow(unreachable_patterns)]
                other => panic!("{other:?}"),
            }
        };
        let (config, warnings) = reload;
        assert_eq!((config.port, config.name.as_str()), (9001, "after"));
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        let warning = warnings[0].to_string();
        assert!(
            warning.contains(&format!(
                "the watch on /myapp/ at etcd {} could not resume after revision ",
                proxy.endpoint()
            )) && warning.contains(&format!(
                "etcd has compacted its history up to revision {last}, so the whole prefix \
                 was read again"
            )),
            "{warning}"
        );

        // And it follows again.
        etcd.put("/myapp/port", "9002");
        assert_eq!(until_updated(&watch, &proxy.endpoint()).0.port, 9002);
    }

    #[test]
    fn an_expired_login_is_renewed_for_loads_and_for_the_watch() {
        // Tokens live one second here (300 s by default).
        let Some(etcd) = Cluster::start_with_flags(1, &["--auth-token-ttl", "1"]) else {
            return;
        };
        etcd.put("/myapp/port", "9000");
        etcd.enable_auth("r00t-pw");
        let proxy = Proxy::start(etcd.client_port(0));
        let source = Etcd::new([proxy.endpoint()], "/myapp/")
            .user("root", "r00t-pw")
            .retry(Duration::from_millis(500));
        let watch = App::builder()
            .source(source)
            .watch_with(WatchOptions::new().sighup(false))
            .unwrap();
        etcd.put("/myapp/name", "before");
        assert_eq!(until_updated(&watch, &proxy.endpoint()).0.name, "before");

        // The watch is reopened, and the load that follows is made, with
        // tokens that expired meanwhile.
        proxy.cut();
        until_lost(&watch, &proxy.endpoint());
        thread::sleep(Duration::from_secs(3));
        etcd.put("/myapp/port", "9001");
        proxy.restore();
        let (config, _) = until_updated(&watch, &proxy.endpoint());
        assert_eq!(config.port, 9001);
        etcd.put("/myapp/port", "9002");
        assert_eq!(until_updated(&watch, &proxy.endpoint()).0.port, 9002);
    }

    /// Between staid and etcd: forwards connections until cut, then refuses
    /// them until restored, while etcd itself keeps running.
    struct Proxy {
        port: u16,
        state: Arc<Mutex<Links>>,
        stop: Arc<AtomicBool>,
        thread: Option<thread::JoinHandle<()>>,
    }

    #[derive(Default)]
    struct Links {
        open: bool,
        streams: Vec<TcpStream>,
    }

    impl Proxy {
        fn start(upstream: u16) -> Proxy {
            let port = free_port();
            let state = Arc::new(Mutex::new(Links {
                open: true,
                streams: Vec::new(),
            }));
            let stop = Arc::new(AtomicBool::new(false));
            let (links, stopped) = (state.clone(), stop.clone());
            let bind = move || {
                let bound = TcpListener::bind(("127.0.0.1", port)).unwrap();
                bound.set_nonblocking(true).unwrap();
                bound
            };
            let mut listener = Some(bind());
            let thread = thread::spawn(move || {
                while !stopped.load(Ordering::SeqCst) {
                    let open = links.lock().unwrap().open;
                    if !open {
                        listener = None;
                    } else if listener.is_none() {
                        listener = Some(bind());
                    }
                    match listener.as_ref().map(TcpListener::accept) {
                        Some(Ok((client, _))) => {
                            client.set_nonblocking(false).unwrap();
                            forward(client, upstream, &links);
                        }
                        _ => thread::sleep(Duration::from_millis(5)),
                    }
                }
            });
            Proxy {
                port,
                state,
                stop,
                thread: Some(thread),
            }
        }

        fn endpoint(&self) -> String {
            format!("http://127.0.0.1:{}", self.port)
        }

        /// Closes every connection and refuses new ones.
        fn cut(&self) {
            let mut links = self.state.lock().unwrap();
            links.open = false;
            for stream in links.streams.drain(..) {
                let _ = stream.shutdown(Shutdown::Both);
            }
        }

        fn restore(&self) {
            self.state.lock().unwrap().open = true;
        }
    }

    /// Copies both ways between `client` and etcd, unless the proxy was
    /// cut meanwhile.
    fn forward(client: TcpStream, upstream: u16, links: &Mutex<Links>) {
        let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
            return;
        };
        let mut state = links.lock().unwrap();
        if !state.open {
            return;
        }
        state.streams.push(client.try_clone().unwrap());
        state.streams.push(server.try_clone().unwrap());
        drop(state);
        for (mut from, mut to) in [
            (client.try_clone().unwrap(), server.try_clone().unwrap()),
            (server, client),
        ] {
            thread::spawn(move || {
                let _ = std::io::copy(&mut from, &mut to);
                let _ = to.shutdown(Shutdown::Both);
            });
        }
    }

    impl Drop for Proxy {
        fn drop(&mut self) {
            self.stop.store(true, Ordering::SeqCst);
            self.cut();
            if let Some(thread) = self.thread.take() {
                let _ = thread.join();
            }
        }
    }

    #[test]
    fn a_change_made_while_the_connection_is_lost_is_not_missed() {
        let Some(etcd) = Cluster::start(1) else {
            return;
        };
        etcd.put("/myapp/port", "9000");
        let proxy = Proxy::start(etcd.client_port(0));
        let watch = App::builder()
            .source(Etcd::new([proxy.endpoint()], "/myapp/").retry(Duration::from_millis(500)))
            .watch_with(WatchOptions::new().sighup(false))
            .unwrap();
        etcd.put("/myapp/name", "before");
        assert_eq!(until_updated(&watch, &proxy.endpoint()).0.name, "before");

        proxy.cut();
        until_lost(&watch, &proxy.endpoint());
        // etcd is up; staid cannot see it.
        etcd.put("/myapp/port", "9001");
        proxy.restore();

        let (config, changed) = until_updated(&watch, &proxy.endpoint());
        assert_eq!(config.port, 9001);
        assert_eq!(changed, ["port"]);
        etcd.put("/myapp/port", "9002");
        let (config, _) = until_updated(&watch, &proxy.endpoint());
        assert_eq!(config.port, 9002);
    }
}
