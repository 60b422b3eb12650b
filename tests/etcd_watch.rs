//! The etcd layer under `watch()` against a real single-member etcd (see
//! `support/etcd.rs`; a missing etcd skips these tests, except under CI):
//! changes reload, bad values are rejected, and a lost connection, an
//! expired login or a compacted history lose no change. Nothing here
//! asserts how long anything takes.

#![cfg(all(feature = "etcd", feature = "watch"))]

#[path = "support/reload.rs"]
mod reload;
#[path = "support/etcd.rs"]
mod support;

use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use reload::{next, rejected, updated};
use staid::source::Etcd;
use staid::{Config, ProblemKind, Reload, Watch, WatchOptions};
use support::{free_port, App, Cluster};

/// A watch on `source`, retrying every 500 ms, and deaf to SIGHUP, which
/// every watch in the process would receive.
fn watch_on(source: Etcd) -> Watch<App> {
    App::builder()
        .source(source.retry(Duration::from_millis(500)))
        .watch_with(WatchOptions::new().sighup(false))
        .unwrap()
}

fn watch(etcd: &Cluster) -> Watch<App> {
    watch_on(Etcd::new([etcd.endpoint(0)], "/myapp/"))
}

/// etcd holding `port = 9000`, and a watch on it through a proxy that is
/// cut once the watch is open; `None` without etcd.
fn cut_off_watch() -> Option<(Cluster, Proxy, Watch<App>)> {
    let etcd = Cluster::start_holding(1, &[("/myapp/port", "9000")])?;
    let proxy = Proxy::start(etcd.client_port(0));
    let watch = watch_on(Etcd::new([proxy.endpoint()], "/myapp/"));
    cut_once_open(&watch, &etcd, &proxy);
    Some((etcd, proxy, watch))
}

/// Cuts `proxy` once the watch through it is open (a change made now has
/// come through), and waits for the watch to report the loss.
fn cut_once_open(watch: &Watch<App>, etcd: &Cluster, proxy: &Proxy) {
    etcd.put("/myapp/name", "before");
    assert_eq!(until_updated(watch, &proxy.endpoint()).0.name, "before");
    proxy.cut();
    until_lost(watch, &proxy.endpoint());
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
/// reached yet may come first, and so may the first good reload after
/// them, which says that nothing changed meanwhile.
fn until_updated(watch: &Watch<App>, endpoint: &str) -> (Arc<App>, Vec<String>) {
    let unreachable = format!("cannot read /myapp/ from etcd at {endpoint}: ");
    loop {
        match next(watch) {
            Reload::Updated {
                config, changed, ..
            } => return (config, changed),
            Reload::Rejected { error } => {
                assert!(error.to_string().contains(&unreachable), "{error}")
            }
            Reload::Unchanged { .. } => {}
            #[allow(unreachable_patterns)]
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn a_change_under_the_prefix_reloads() {
    let Some(etcd) = Cluster::start_holding(1, &[("/myapp/port", "9000")]) else {
        return;
    };
    let watch = watch(&etcd);
    assert_eq!(watch.current().port, 9000);

    etcd.put("/myapp/port", "9001");
    let (config, changed) = updated(&watch);
    assert_eq!(config.port, 9001);
    assert_eq!(changed, ["port"]);

    etcd.put("/myapp/db.json", r#"{"host": "db2", "pool": 4}"#);
    let (config, changed) = updated(&watch);
    assert_eq!((config.db.host.as_str(), config.db.pool), ("db2", 4));
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
    let Some(etcd) = Cluster::start_holding(1, &[("/myapp/port", "9000")]) else {
        return;
    };
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
fn a_reload_with_a_broken_document_is_rejected_with_every_problem() {
    let Some(etcd) = Cluster::start_holding(1, &[("/myapp/port", "9000")]) else {
        return;
    };
    let watch = watch(&etcd);
    etcd.put("/myapp/db.json", r#"{"pool": }"#);
    let error = rejected(&watch);
    assert_eq!(error.len(), 1, "{error}");
    let revision = etcd.put("/myapp/port", "high");
    let error = rejected(&watch);
    assert_eq!(
        error.to_string(),
        support::broken_db_and_bad_port(&etcd.endpoint(0), revision)
    );
    assert_eq!(watch.current().port, 9000);
}

#[test]
fn a_secret_maps_change_names_the_entry_that_changed_masked() {
    #[derive(Config, Debug)]
    #[config(name = "myapp")]
    #[allow(dead_code)]
    struct Tokens {
        #[config(secret, default = {})]
        tokens: std::collections::BTreeMap<String, u32>,
    }
    let Some(etcd) = Cluster::start(1) else {
        return;
    };
    let alice_rev = etcd.put("/myapp/tokens/alice-pw", "5");
    let watch = Tokens::builder()
        .source(Etcd::new([etcd.endpoint(0)], "/myapp/"))
        .watch_with(WatchOptions::new().sighup(false))
        .unwrap();
    let bob_rev = etcd.put("/myapp/tokens/bob-pw", "7");
    let Reload::Updated { changes, .. } = next(&watch) else {
        panic!("not an update");
    };
    let ep = etcd.endpoint(0);
    let changes: Vec<String> = changes.iter().map(ToString::to_string).collect();
    assert_eq!(
        changes,
        [format!(
            "tokens: \"<secret>\" (/myapp/tokens/<secret> at etcd {ep} (revision {alice_rev})) \
             -> \"<secret>\" (/myapp/tokens/<secret> at etcd {ep} (revision {bob_rev}))"
        )]
    );
}

#[test]
fn etcd_stopped_and_restarted_is_reported_and_resumed_without_losing_a_change() {
    let Some(mut etcd) = Cluster::start_holding(1, &[("/myapp/port", "9000")]) else {
        return;
    };
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
    let Some((etcd, proxy, watch)) = cut_off_watch() else {
        return;
    };
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
    let watch = watch_on(Etcd::new([proxy.endpoint()], "/myapp/").user("root", "r00t-pw"));
    // The watch is reopened, and the load that follows is made, with
    // tokens that expired meanwhile.
    cut_once_open(&watch, &etcd, &proxy);
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
    let Some((etcd, proxy, watch)) = cut_off_watch() else {
        return;
    };
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

/// The next update whose configuration passes `done`; rejections (etcd
/// unreachable for a moment), reloads that changed nothing and other
/// updates may come first.
fn until_config(watch: &Watch<App>, done: impl Fn(&App) -> bool) -> Arc<App> {
    loop {
        match next(watch) {
            Reload::Updated { config, .. } if done(&config) => return config,
            _ => {}
        }
    }
}

/// A change in etcd while a watched file is half written waits for the
/// file: the first update holds the file whole, with etcd's change.
#[test]
fn an_etcd_change_while_a_file_is_written_waits_for_the_file() {
    use std::io::Write;
    let Some(etcd) = Cluster::start_holding(1, &[("/myapp/db/host", "db1")]) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.toml");
    std::fs::write(&path, "port = 1\nname = \"old\"\n").unwrap();
    let watch = App::builder()
        .file(&path)
        .source(Etcd::new([etcd.endpoint(0)], "/myapp/"))
        .watch_with(WatchOptions::new().sighup(false))
        .unwrap();
    let mut put = etcd.put_after(Duration::from_millis(100), "/myapp/db/host", "db2");
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(&path)
        .unwrap();
    file.write_all(b"port = 2\n").unwrap();
    assert!(put.wait().unwrap().success());
    // The writer holds the file open (less than the settle time of a
    // second): nothing is made current meanwhile.
    let early = watch.events().recv_timeout(Duration::from_millis(400));
    assert!(early.is_err(), "{early:?}");
    assert_eq!(watch.current().port, 1);
    file.write_all(b"name = \"api\"\n").unwrap();
    drop(file);
    let (config, mut changed) = updated(&watch);
    changed.sort();
    assert_eq!(changed, ["db.host", "name", "port"]);
    assert_eq!((config.port, config.name.as_str()), (2, "api"));
    assert_eq!(config.db.host, "db2");
}

/// A change in etcd while an optional file is deleted and written again
/// (an editor's save) does not take the deletion for a removed file.
#[test]
fn an_etcd_change_while_a_file_is_recreated_waits_for_the_file() {
    let Some(etcd) = Cluster::start_holding(1, &[("/myapp/db/host", "db1")]) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.toml");
    std::fs::write(&path, "port = 1\n").unwrap();
    let watch = App::builder()
        .optional_file(&path)
        .source(Etcd::new([etcd.endpoint(0)], "/myapp/"))
        .watch_with(WatchOptions::new().sighup(false))
        .unwrap();
    std::fs::remove_file(&path).unwrap();
    thread::sleep(Duration::from_millis(50));
    etcd.put("/myapp/db/host", "db2");
    let early = watch.events().recv_timeout(Duration::from_millis(400));
    assert!(early.is_err(), "{early:?}");
    std::fs::write(&path, "port = 2\n").unwrap();
    let (config, mut changed) = updated(&watch);
    changed.sort();
    assert_eq!(changed, ["db.host", "port"]);
    assert_eq!(config.db.host, "db2");
}

/// etcd started again without its data (or restored from an older
/// snapshot) is at a revision below the one the watch had seen: the watch
/// follows the store from where it now is, and no change is lost.
#[test]
fn a_store_that_went_back_is_followed_from_where_it_is() {
    let Some(mut etcd) = Cluster::start_holding(1, &[("/myapp/port", "100")]) else {
        return;
    };
    for port in 101..130 {
        etcd.put("/myapp/port", &port.to_string());
    }
    let watch = watch(&etcd);
    assert_eq!(watch.current().port, 129);
    etcd.wipe(0);
    etcd.put("/myapp/port", "7");
    assert_eq!(until_config(&watch, |c| c.port == 7).port, 7);
    // The watch itself follows the new store: each change comes.
    for port in [8, 9] {
        etcd.put("/myapp/port", &port.to_string());
        let (config, changed) = updated(&watch);
        assert_eq!((config.port, changed), (port, vec!["port".to_owned()]));
    }
}
