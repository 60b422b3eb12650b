//! SIGHUP as a reload cause, so `systemctl reload` (`ExecReload=kill -HUP
//! $MAINPID`) works. Unix only; elsewhere there is no SIGHUP to listen for.

use std::io;

#[cfg(unix)]
use super::thread::Thread;
use super::watcher::Cause;

/// Listens for SIGHUP on a thread of its own until dropped.
pub(super) struct Sighup {
    #[cfg(unix)]
    handle: signal_hook::iterator::Handle,
    #[cfg(unix)]
    thread: Option<Thread>,
}

impl Sighup {
    /// Registers the handler (before returning, so a SIGHUP sent as soon as
    /// `watch()` returns is not the default action, which ends the process)
    /// and starts the thread that turns each signal into a cause.
    #[cfg(unix)]
    pub(super) fn start(causes: flume::Sender<Cause>) -> io::Result<Sighup> {
        use signal_hook::consts::SIGHUP;
        use signal_hook::iterator::Signals;

        let mut signals = Signals::new([SIGHUP])?;
        let handle = signals.handle();
        let thread = Thread::spawn("staid-sighup", move || {
            // Signals sent back to back may arrive as one; a reload reads
            // everything afresh, so one is as good as several.
            for _ in signals.forever() {
                if causes.send(Cause::Signal).is_err() {
                    break;
                }
            }
        });
        match thread {
            Ok(thread) => Ok(Sighup {
                handle,
                thread: Some(thread),
            }),
            Err(e) => {
                handle.close();
                Err(e)
            }
        }
    }

    #[cfg(not(unix))]
    pub(super) fn start(_causes: flume::Sender<Cause>) -> io::Result<Sighup> {
        Ok(Sighup {})
    }
}

impl Drop for Sighup {
    fn drop(&mut self) {
        #[cfg(unix)]
        {
            // Closing wakes the thread out of `forever` and unregisters the
            // handler's action.
            self.handle.close();
            if let Some(thread) = self.thread.take() {
                thread.join();
            }
        }
    }
}
