//! The watch's threads, and what "ended" means for them: gone from the
//! process, so that whoever counts its threads after a drop finds none.
//!
//! A join returns once the thread has run its last code, a moment before
//! the kernel removes it; on Linux the wait goes on until it is removed.

use std::io;
use std::sync::{Arc, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long to wait for a thread that has ended to be removed: only a
/// bound for a machine that is stuck.
const GONE_WAIT: Duration = Duration::from_secs(10);

/// A thread of the watch, joined with [`Thread::join`].
pub(super) struct Thread {
    handle: JoinHandle<()>,
    id: Arc<OnceLock<u64>>,
}

impl Thread {
    pub(super) fn spawn(name: &str, run: impl FnOnce() + Send + 'static) -> io::Result<Thread> {
        let id = Arc::new(OnceLock::new());
        let set = id.clone();
        let handle = std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || {
                if let Some(me) = this_thread() {
                    let _ = set.set(me);
                }
                run()
            })?;
        Ok(Thread { handle, id })
    }

    /// Waits until the thread has ended and is gone.
    pub(super) fn join(self) {
        let _ = self.handle.join();
        if let Some(&id) = self.id.get() {
            wait_until_gone(id);
        }
    }
}

/// The kernel's id of the calling thread, where it can be known without
/// `unsafe`.
#[cfg(target_os = "linux")]
pub(super) fn this_thread() -> Option<u64> {
    // `/proc/thread-self` links to `<pid>/task/<tid>`.
    let link = std::fs::read_link("/proc/thread-self").ok()?;
    link.file_name()?.to_str()?.parse().ok()
}

#[cfg(not(target_os = "linux"))]
pub(super) fn this_thread() -> Option<u64> {
    None
}

/// Waits until the thread with this id, which has run its last code, is
/// removed from the process.
#[cfg(target_os = "linux")]
pub(super) fn wait_until_gone(id: u64) {
    let task = std::path::PathBuf::from(format!("/proc/self/task/{id}"));
    let deadline = Instant::now() + GONE_WAIT;
    while task.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_micros(200));
    }
}

#[cfg(not(target_os = "linux"))]
pub(super) fn wait_until_gone(_id: u64) {
    let _ = (Instant::now(), GONE_WAIT);
}
