//! The file system watcher: notify's, without a debouncer (the reload thread
//! keeps its own timers, armed by events, so nothing ticks while files are
//! still), and stopped for good when dropped.

use std::path::{Path, PathBuf};
use std::time::Duration;

use notify::event::{AccessKind, AccessMode, ModifyKind};
use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher};

use super::thread::{this_thread, wait_until_gone};
use super::watcher::Cause;

/// What happened to the paths of one file event, as far as deciding when a
/// file may be read goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum What {
    /// Created, or its data written: a writer may still have it open.
    Written,
    /// Closed by a writer (inotify's close-after-write): the writer is done.
    Closed,
    /// Renamed to or from the path: what is there is whole.
    Moved,
    /// Removed.
    Removed,
    /// Anything else that may be a change (metadata, an event of unknown
    /// kind).
    Other,
}

/// One event of the watcher, about these paths.
#[derive(Debug)]
pub(crate) struct FileEvent {
    pub(crate) what: What,
    pub(crate) paths: Vec<PathBuf>,
}

/// How long a drop waits for notify's thread. It ends as soon as it reads
/// the stop message; this is only a bound for a machine that is stuck.
const STOP_WAIT: Duration = Duration::from_secs(10);

/// notify's watcher, whose thread is known to have ended once this is
/// dropped.
///
/// notify does not hand out its thread's `JoinHandle`. Its event handler,
/// the callback given here, is owned by that thread and dropped by it as
/// its last act; the handler holds a [`Sentinel`] whose drop reports it,
/// with the thread's id, so that the drop can wait until the thread is gone
/// as a join would.
pub(super) struct Notifier {
    watcher: Option<RecommendedWatcher>,
    ended: flume::Receiver<Option<u64>>,
}

impl Notifier {
    /// Starts the watcher; its events become causes for the reload thread.
    pub(super) fn start(causes: flume::Sender<Cause>) -> notify::Result<Notifier> {
        let (ended_tx, ended) = flume::bounded(1);
        let sentinel = Sentinel(ended_tx);
        let handler = move |event: notify::Result<notify::Event>| {
            let _ = &sentinel;
            if let Some(cause) = cause(event) {
                let _ = causes.send(cause);
            }
        };
        let watcher = RecommendedWatcher::new(handler, notify::Config::default())?;
        Ok(Notifier {
            watcher: Some(watcher),
            ended,
        })
    }

    pub(super) fn watch(&mut self, dir: &Path) -> notify::Result<()> {
        match &mut self.watcher {
            Some(w) => w.watch(dir, RecursiveMode::NonRecursive),
            None => Ok(()),
        }
    }

    pub(super) fn unwatch(&mut self, dir: &Path) {
        if let Some(w) = &mut self.watcher {
            // The directory may be gone, and its watch with it.
            let _ = w.unwatch(dir);
        }
    }
}

impl Drop for Notifier {
    fn drop(&mut self) {
        // Dropping notify's watcher tells its thread to stop.
        self.watcher.take();
        if let Ok(Some(thread)) = self.ended.recv_timeout(STOP_WAIT) {
            wait_until_gone(thread);
        }
    }
}

/// Dropped with the event handler, on notify's thread, when that thread is
/// done; says which thread it was.
struct Sentinel(flume::Sender<Option<u64>>);

impl Drop for Sentinel {
    fn drop(&mut self) {
        let _ = self.0.try_send(this_thread());
    }
}

/// The cause an event of the watcher stands for: `None` for reads, which
/// change nothing (and which each reload itself causes).
fn cause(event: notify::Result<notify::Event>) -> Option<Cause> {
    let Ok(event) = event else {
        return Some(Cause::Rescan);
    };
    if event.need_rescan() || event.paths.is_empty() {
        return Some(Cause::Rescan);
    }
    let what = match event.kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => What::Closed,
        EventKind::Access(_) => return None,
        EventKind::Create(_) | EventKind::Modify(ModifyKind::Data(_) | ModifyKind::Any) => {
            What::Written
        }
        EventKind::Modify(ModifyKind::Name(_)) => What::Moved,
        EventKind::Remove(_) => What::Removed,
        _ => What::Other,
    };
    Some(Cause::File(FileEvent {
        what,
        paths: event.paths,
    }))
}
