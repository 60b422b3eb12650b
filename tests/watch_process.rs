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

#[path = "support/reload.rs"]
mod reload;
use reload::{updated, WAIT};

use staid::source::{LoadCtx, Source};
use staid::{Config, Kind, Origin, Problem, Reload, Table, Value, WatchOptions};

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

#[test]
fn sighup_reloads_and_merged_signals_do_no_harm() {
    use signal_hook::consts::SIGHUP;
    use signal_hook::low_level::raise;

    let _alone = alone();
    let memory = Memory::default();
    memory.set(1);
    // The handler is registered before `watch()` returns: a SIGHUP from here
    // on reloads instead of ending the process.
    let watch = App::builder().source(memory.clone()).watch().unwrap();

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
    use signal_hook::consts::SIGHUP;
    use signal_hook::low_level::raise;

    let _alone = alone();
    let memory = Memory::default();
    memory.set(1);
    let watch = App::builder().source(memory.clone()).watch().unwrap();

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

/// The names of this process's threads.
#[cfg(target_os = "linux")]
fn threads() -> Vec<String> {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
        .map(|name| name.trim().to_owned())
        .collect()
}

/// Ours are `staid-*`; notify's are `notify-rs ...` (the kernel keeps the
/// first 15 bytes of a name).
#[cfg(target_os = "linux")]
fn watch_threads() -> Vec<String> {
    threads()
        .into_iter()
        .filter(|name| name.starts_with("staid-") || name.starts_with("notify-rs"))
        .collect()
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

/// CPU time (user + system, in clock ticks) and context switches
/// (voluntary: the thread slept and was woken) of the threads whose names
/// pass `which`, from `/proc/self/task`.
#[cfg(target_os = "linux")]
fn cost(which: impl Fn(&str) -> bool) -> (u64, u64) {
    let (mut ticks, mut wakeups) = (0, 0);
    for task in std::fs::read_dir("/proc/self/task").unwrap() {
        let task = task.unwrap().path();
        let Ok(name) = std::fs::read_to_string(task.join("comm")) else {
            continue;
        };
        if !which(name.trim()) {
            continue;
        }
        let (Ok(stat), Ok(status)) = (
            std::fs::read_to_string(task.join("stat")),
            std::fs::read_to_string(task.join("status")),
        ) else {
            continue;
        };
        // After the name in parentheses: state is field 3, utime 14, stime 15.
        let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split(' ').collect();
        ticks += fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
        wakeups += status
            .lines()
            .find_map(|l| l.strip_prefix("voluntary_ctxt_switches:"))
            .unwrap()
            .trim()
            .parse::<u64>()
            .unwrap();
    }
    (ticks, wakeups)
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
    let ours = |name: &str| name.starts_with("staid-") || name.starts_with("notify-rs");
    // Let the threads start and settle after the first load.
    let deadline = Instant::now() + WAIT;
    while watch_threads().len() < 3 {
        assert!(Instant::now() < deadline, "not all started");
        thread::sleep(Duration::from_millis(10));
    }
    thread::sleep(Duration::from_millis(200));

    let idle = Duration::from_secs(10);
    let (ticks, wakeups) = cost(ours);
    let (all_ticks, _) = cost(|_| true);
    thread::sleep(idle);
    let (ticks, wakeups) = (cost(ours).0 - ticks, cost(ours).1 - wakeups);
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
