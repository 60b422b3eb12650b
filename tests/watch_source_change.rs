//! Under `watch`, a change that a source reports (a store with data of its
//! own, through its `Trigger`) while the watched files are changing: it
//! waits for the files, so it never makes a torn or a deleted file
//! current, and files that keep changing hold it back for the settle time
//! at most.
#![cfg(feature = "watch")]

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use staid::source::{LoadCtx, Source, Subscription, Trigger};
use staid::{Config, Origin, Problem, Reload, Value, WatchOptions};

#[derive(Config, Debug)]
#[config(name = "sc")]
struct App {
    #[config(default = 1)]
    port: u16,
    name: Option<String>,
}

/// A store whose one value the test sets, telling the watch of each change.
#[derive(Clone, Default)]
struct Store {
    name: Arc<Mutex<String>>,
    trigger: Arc<Mutex<Option<Trigger>>>,
}

impl Source for Store {
    fn describe(&self) -> String {
        "store".to_owned()
    }

    fn load(&self, _: &mut LoadCtx<'_>) -> Result<Option<Value>, Vec<Problem>> {
        let origin = Origin::Remote {
            source: "store".to_owned(),
            key: "name".to_owned(),
            version: None,
        };
        let mut layer = Value::table(Origin::Code);
        layer.insert_at(
            "name",
            Value::text(self.name.lock().unwrap().clone(), origin),
        );
        Ok(Some(layer))
    }

    fn subscribe(&self, trigger: Trigger) -> Option<Subscription> {
        *self.trigger.lock().unwrap() = Some(trigger);
        Some(Subscription::new(()))
    }
}

impl Store {
    fn set(&self, name: &str) {
        *self.name.lock().unwrap() = name.to_owned();
        self.trigger.lock().unwrap().as_ref().unwrap().reload();
    }
}

/// A watch of `app.toml` (holding `port = 7`) in a new directory, with the
/// store as a layer above it.
fn watched(settle: Duration) -> (tempfile::TempDir, Store, staid::Watch<App>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("app.toml"), "port = 7\n").unwrap();
    let store = Store::default();
    let watch = App::builder()
        .file(dir.path().join("app.toml"))
        .source(store.clone())
        .watch_with(WatchOptions::new().sighup(false).settle(settle))
        .unwrap();
    (dir, store, watch)
}

/// A file rewritten more often than the debounce, for as long as the test
/// runs: the store's change is read within about the settle time.
#[test]
fn files_that_keep_changing_hold_a_change_for_the_settle_time_at_most() {
    let (dir, store, watch) = watched(Duration::from_millis(300));
    let path = dir.path().join("app.toml");
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (stop, path) = (stop.clone(), path.clone());
        thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                std::fs::write(&path, "port = 7\n").unwrap();
                thread::sleep(Duration::from_millis(20));
            }
        })
    };
    thread::sleep(Duration::from_millis(200));
    store.set("b");
    // Far more than the settle time, far less than forever.
    let deadline = Instant::now() + Duration::from_secs(5);
    while watch.current().name.as_deref() != Some("b") && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(10));
    }
    // Checked while the writer still writes.
    let name = watch.current().name.clone();
    stop.store(true, Ordering::SeqCst);
    writer.join().unwrap();
    assert_eq!(name.as_deref(), Some("b"));
    assert_eq!(watch.current().port, 7);
}

/// With a settle time too long for the clock, a removed file waits for
/// SIGHUP or `reload()`: a store's change does not apply the removal either.
#[test]
fn a_change_does_not_apply_a_removal_that_waits_for_an_operator() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.toml");
    std::fs::write(&path, "port = 7\n").unwrap();
    let store = Store::default();
    let watch = App::builder()
        .optional_file(&path)
        .source(store.clone())
        .watch_with(WatchOptions::new().sighup(false).settle(Duration::MAX))
        .unwrap();
    std::fs::remove_file(&path).unwrap();
    let early = watch.events().recv_timeout(Duration::from_millis(300));
    assert!(early.is_err(), "{early:?}");
    store.set("b");
    let late = watch.events().recv_timeout(Duration::from_millis(500));
    assert!(late.is_err(), "{late:?}");
    assert_eq!(watch.current().port, 7);
    // The operator's reload reads both.
    watch.reload().unwrap();
    match watch
        .events()
        .recv_timeout(Duration::from_secs(30))
        .unwrap()
    {
        Reload::Updated { config, .. } => {
            assert_eq!((config.port, config.name.as_deref()), (1, Some("b")));
        }
        other => panic!("{other:?}"),
    }
}

/// A change held back by files that keep changing is read when the hold
/// ends; if a file has just been truncated then, before its data came, that
/// empty file is not made current: it waits like any newly empty file.
#[test]
fn a_change_read_when_its_hold_ends_does_not_take_a_file_caught_empty() {
    let (dir, store, watch) = watched(Duration::from_secs(1));
    let path = dir.path().join("app.toml");
    // The file is being written when the change comes, so that the change
    // is held; then truncated, and left empty past the end of the hold (a
    // settle time after the change) but for less than a settle time.
    let started = Instant::now();
    let mut set = false;
    while started.elapsed() < Duration::from_millis(600) {
        std::fs::write(&path, "port = 7\n").unwrap();
        thread::sleep(Duration::from_millis(20));
        if !set && started.elapsed() > Duration::from_millis(100) {
            store.set("b");
            set = true;
        }
    }
    std::fs::write(&path, "").unwrap();
    thread::sleep(Duration::from_millis(800));
    std::fs::write(&path, "port = 7\n").unwrap();
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        match watch.events().recv_timeout(Duration::from_millis(100)) {
            Ok(Reload::Updated { config, .. }) => {
                seen.push((config.port, config.name.clone()));
                if config.name.is_some() && config.port == 7 {
                    break;
                }
            }
            Ok(other) => panic!("{other:?}"),
            Err(_) => {}
        }
    }
    assert_eq!(seen, [(7, Some("b".to_owned()))]);
}
