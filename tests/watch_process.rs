//! Hot reload tests that look at the whole process: SIGHUP, which every
//! `Watch` in the process receives, the threads left after a drop, and what
//! an idle watch costs the process. They
//! have a test binary of their own so that no other test's watcher shares
//! their signals or threads, and they take turns through `ALONE`. SIGHUP is
//! Unix's, and the thread names are read from Linux's `/proc`.
#![cfg(unix)]

use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

#[cfg(all(target_os = "linux", feature = "etcd"))]
#[path = "support/etcd.rs"]
mod etcd;
#[cfg(target_os = "linux")]
#[path = "support/proc.rs"]
mod proc;
#[path = "support/reload.rs"]
mod reload;
#[cfg(target_os = "linux")]
use proc::{cost, is_watch, watch_threads};
use reload::{updated, WAIT};

use signal_hook::consts::SIGHUP;
use signal_hook::low_level::raise;
use staid::source::{LoadCtx, Source};
use staid::{Config, Kind, Origin, Problem, Reload, Table, Value, Watch, WatchOptions};

static ALONE: Mutex<()> = Mutex::new(());

fn alone() -> MutexGuard<'static, ()> {
    ALONE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[derive(Config, Debug)]
struct App {
    port: u16,
}

/// A layer whose value the test sets, counting its loads: a change that no
/// file watcher can see, so only the signal can bring it in.
#[derive(Clone, Default)]
struct Memory(Arc<Mutex<(u16, usize)>>);

impl Memory {
    fn set(&self, port: u16) {
        self.0.lock().unwrap().0 = port;
    }
}

impl Source for Memory {
    fn describe(&self) -> String {
        "memory".to_owned()
    }

    fn load(&self, _ctx: &mut LoadCtx<'_>) -> Result<Option<Value>, Vec<Problem>> {
        let mut state = self.0.lock().unwrap();
        state.1 += 1;
        let mut table = Table::new();
        table.insert(
            "port".to_owned(),
            Value::new(Kind::Integer(state.0.into()), Origin::Code),
        );
        Ok(Some(Value::new(Kind::Table(table), Origin::Code)))
    }
}

/// A watch on a `Memory` layer that holds `port` to begin with.
fn watch_memory(port: u16) -> (Memory, Watch<App>) {
    let memory = Memory::default();
    memory.set(port);
    // The handler is registered before `watch()` returns: a SIGHUP from
    // then on reloads instead of ending the process.
    let watch = App::builder().source(memory.clone()).watch().unwrap();
    (memory, watch)
}

#[test]
fn sighup_reloads_and_merged_signals_do_no_harm() {
    let _alone = alone();
    let (memory, watch) = watch_memory(1);

    memory.set(2);
    raise(SIGHUP).unwrap();
    let (config, changed) = updated(&watch);
    assert_eq!((config.port, changed), (2, vec!["port".to_owned()]));

    // Back to back, signals merge; however many reloads they make, only the
    // one change is sent, and the other answers are `Unchanged`.
    memory.set(3);
    for _ in 0..3 {
        raise(SIGHUP).unwrap();
    }
    assert_eq!(updated(&watch).0.port, 3);
    memory.set(4);
    raise(SIGHUP).unwrap();
    let deadline = Instant::now() + WAIT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match watch.events().recv_timeout(left).expect("port 4") {
            Reload::Unchanged { .. } => continue,
            Reload::Updated { config, .. } => {
                assert_eq!(config.port, 4);
                break;
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn sighup_that_changes_nothing_is_answered_unchanged() {
    let _alone = alone();
    let (memory, watch) = watch_memory(1);

    // `systemctl reload` can tell "reloaded, same" from "signal lost".
    raise(SIGHUP).unwrap();
    match watch.events().recv_timeout(WAIT).expect("an answer") {
        Reload::Unchanged { warnings, .. } => assert!(warnings.is_empty()),
        other => panic!("{other:?}"),
    }
    memory.set(2);
    raise(SIGHUP).unwrap();
    assert_eq!(updated(&watch).0.port, 2);
}

#[cfg(target_os = "linux")]
#[test]
fn dropping_the_watch_ends_every_thread_it_started_before_drop_returns() {
    let _alone = alone();
    assert_eq!(watch_threads(), Vec::<String>::new(), "before the test");

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.toml");
    std::fs::write(&path, "port = 1\n").unwrap();
    for cycle in 0..50 {
        let watch = App::builder().file(&path).watch().unwrap();
        // A new thread names itself once it runs, which on a busy machine
        // may be a moment after `watch()` returns.
        let deadline = Instant::now() + WAIT;
        loop {
            // notify's watcher, the reload thread, SIGHUP's.
            let during = watch_threads();
            if during.len() == 3 {
                break;
            }
            assert!(Instant::now() < deadline, "not all started: {during:?}");
            thread::sleep(Duration::from_millis(1));
        }
        drop(watch);
        // Right after, with no wait.
        assert_eq!(watch_threads(), Vec::<String>::new(), "after drop {cycle}");
    }
}

/// The etcd layer's runtime thread too is gone when drop returns.
#[cfg(all(target_os = "linux", feature = "etcd"))]
#[test]
fn dropping_a_watch_with_an_etcd_layer_ends_its_thread_before_drop_returns() {
    let _alone = alone();
    let Some(cluster) = etcd::Cluster::start_holding(1, &[("/myapp/port", "1")]) else {
        return;
    };
    for cycle in 0..10 {
        let source = staid::source::Etcd::new([cluster.endpoint(0)], "/myapp/");
        let watch = etcd::App::builder()
            .source(source)
            .watch_with(WatchOptions::new().sighup(false))
            .unwrap();
        let deadline = Instant::now() + WAIT;
        while !watch_threads().iter().any(|t| t == "staid-etcd") {
            assert!(Instant::now() < deadline, "{:?}", watch_threads());
            thread::sleep(Duration::from_millis(1));
        }
        drop(watch);
        assert_eq!(watch_threads(), Vec::<String>::new(), "after drop {cycle}");
    }
}

/// An idle watch costs nothing: no thread of it wakes while no file
/// changes, even with the shortest debounce (the debouncer this replaced
/// woke every quarter of it: 4000 times a second at 1 ms).
#[cfg(target_os = "linux")]
#[test]
fn an_idle_watch_does_not_wake_up() {
    let _alone = alone();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.toml");
    std::fs::write(&path, "port = 1\n").unwrap();
    let watch = App::builder()
        .file(&path)
        .watch_with(WatchOptions::new().debounce(Duration::from_millis(1)))
        .unwrap();
    // Let the threads start and settle after the first load.
    let deadline = Instant::now() + WAIT;
    while watch_threads().len() < 3 {
        assert!(Instant::now() < deadline, "not all started");
        thread::sleep(Duration::from_millis(10));
    }
    thread::sleep(Duration::from_millis(200));

    let idle = Duration::from_secs(10);
    let (ticks, wakeups) = cost(is_watch);
    let (all_ticks, _) = cost(|_| true);
    thread::sleep(idle);
    let (ticks, wakeups) = (cost(is_watch).0 - ticks, cost(is_watch).1 - wakeups);
    let all_ticks = cost(|_| true).0 - all_ticks;
    println!(
        "idle watch over {idle:?}: {wakeups} wake-ups of its threads, {ticks} ticks of their CPU, \
         {all_ticks} ticks of the whole process"
    );
    // The bar is fewer than 10 a second; nothing should wake at all.
    assert!(wakeups <= 10, "{wakeups} wake-ups in {idle:?}");
    // Ticks are 10 ms on most kernels: this is at most a few.
    assert!(ticks <= 3, "{ticks} ticks of CPU in {idle:?}");
    drop(watch);
}
