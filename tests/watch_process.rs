//! Hot reload tests that look at the whole process: SIGHUP, which every
//! `Watch` in the process receives, and the threads left after a drop. They
//! have a test binary of their own so that no other test's watcher shares
//! their signals or threads, and they take turns through `ALONE`. SIGHUP is
//! Unix's, and the thread names are read from Linux's `/proc`.
#![cfg(unix)]

use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use staid::source::{LoadCtx, Source};
use staid::{Config, Kind, Origin, Problem, Reload, Table, Value, Watch};

const WAIT: Duration = Duration::from_secs(30);

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

    fn loads(&self) -> usize {
        self.0.lock().unwrap().1
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

fn updated(watch: &Watch<App>) -> (Arc<App>, Vec<String>) {
    match watch.events().recv_timeout(WAIT).expect("a reload") {
        Reload::Updated {
            config, changed, ..
        } => (config, changed),
        Reload::Rejected { error } => panic!("rejected:\n{error}"),
        other => panic!("not an update: {other:?}"),
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
    // one change is sent.
    memory.set(3);
    for _ in 0..3 {
        raise(SIGHUP).unwrap();
    }
    assert_eq!(updated(&watch).0.port, 3);
    let deadline = Instant::now() + WAIT;
    let loads = memory.loads();
    raise(SIGHUP).unwrap();
    while memory.loads() == loads {
        assert!(Instant::now() < deadline, "SIGHUP did not reload");
        thread::sleep(Duration::from_millis(5));
    }
    // Had the extra reloads sent anything, it would come before this.
    memory.set(4);
    raise(SIGHUP).unwrap();
    assert_eq!(updated(&watch).0.port, 4);
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

#[cfg(target_os = "linux")]
#[test]
fn dropping_the_watch_ends_every_thread_it_started() {
    let _alone = alone();
    // Ours are `staid-*`; notify's are `notify-rs ...` (the kernel keeps the
    // first 15 bytes of a name).
    let ours = |name: &String| name.starts_with("staid-") || name.starts_with("notify-rs");
    let ours_left = || threads().into_iter().filter(ours).collect::<Vec<String>>();
    let wait_until_gone = |what: &str| {
        let deadline = Instant::now() + WAIT;
        loop {
            let left = ours_left();
            if left.is_empty() {
                break;
            }
            assert!(Instant::now() < deadline, "{what}: {left:?}");
            thread::sleep(Duration::from_millis(10));
        }
    };
    // An earlier test's watch may still be winding down notify's thread,
    // which notify does not wait for.
    wait_until_gone("left by an earlier test");

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.toml");
    std::fs::write(&path, "port = 1\n").unwrap();
    let watch = App::builder().file(&path).watch().unwrap();
    // A new thread names itself once it runs, which on a busy machine may
    // be a moment after `watch()` returns.
    let deadline = Instant::now() + WAIT;
    loop {
        // notify's watcher and debouncer, the reload thread, SIGHUP's.
        let during = ours_left();
        if during.len() == 4 {
            break;
        }
        assert!(Instant::now() < deadline, "not all started: {during:?}");
        thread::sleep(Duration::from_millis(10));
    }

    drop(watch);
    wait_until_gone("still running after the drop");
}
