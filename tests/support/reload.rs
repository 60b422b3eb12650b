//! Waiting for the reloads of a `Watch` in the hot reload tests, and
//! reading its current configuration all along. Waits are long enough for
//! a reload on a loaded machine; a test that passes waits far less.

#![allow(dead_code)]

use std::fmt::Debug;
use std::fs;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use staid::{Error, Reload, Watch};

pub const WAIT: Duration = Duration::from_secs(30);

pub fn next<T>(watch: &Watch<T>) -> Reload<T> {
    watch
        .events()
        .recv_timeout(WAIT)
        .expect("a reload within the wait")
}

/// The next reload, which must be an update.
pub fn updated<T: Debug>(watch: &Watch<T>) -> (Arc<T>, Vec<String>) {
    match next(watch) {
        Reload::Updated {
            config, changed, ..
        } => (config, changed),
        Reload::Rejected { error } => panic!("rejected:\n{error}"),
        other => panic!("not an update: {other:?}"),
    }
}

/// The next reload, which must be a rejection.
pub fn rejected<T: Debug>(watch: &Watch<T>) -> Error {
    match next(watch) {
        Reload::Rejected { error } => error,
        other => panic!("not a rejection: {other:?}"),
    }
}

/// The first update after any rejections: an in-place write is seen
/// half-done now and then, and that is rightly rejected on the way.
pub fn settled<T: Debug>(watch: &Watch<T>) -> (Arc<T>, Vec<String>) {
    let deadline = Instant::now() + WAIT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match watch.events().recv_timeout(left).expect("an update") {
            Reload::Updated {
                config, changed, ..
            } => return (config, changed),
            Reload::Rejected { .. } => continue,
            other => panic!("not an update: {other:?}"),
        }
    }
}

/// Saves the way most editors do: a new file renamed over the old one.
pub fn save_by_rename(path: &Path, text: &str) {
    let tmp = path.with_extension("tmp");
    fs::write(&tmp, text).unwrap();
    fs::rename(&tmp, path).unwrap();
}

/// A thread that reads `current()` of a watch over and over until stopped,
/// and hands each configuration it reads to a check.
pub struct Reader {
    stop: Arc<AtomicBool>,
    thread: thread::JoinHandle<u64>,
}

impl Reader {
    /// Starts reading, with `pause` between two reads.
    pub fn start<T: Send + Sync + 'static>(
        watch: &Arc<Watch<T>>,
        pause: Duration,
        check: impl Fn(&T) + Send + 'static,
    ) -> Reader {
        let stop = Arc::new(AtomicBool::new(false));
        let (watch, done) = (watch.clone(), stop.clone());
        let thread = thread::spawn(move || {
            let mut reads = 0u64;
            while !done.load(Ordering::Relaxed) {
                check(&watch.current());
                reads += 1;
                thread::sleep(pause);
            }
            reads
        });
        Reader { stop, thread }
    }

    /// Stops the thread and returns how many configurations it read; a
    /// failed check fails the test here.
    pub fn stop(self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().unwrap()
    }
}
