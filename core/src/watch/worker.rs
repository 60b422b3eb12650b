//! The reload thread: it alone owns the builder and loads, so reloads never
//! overlap. It sleeps until a cause arrives or a timer it armed for pending
//! file events expires; with nothing pending it has no timer at all.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use arc_swap::ArcSwap;

use crate::error::{Error, Problem, ProblemKind, Warning};
use crate::load::Loaded;
use crate::value::Value;
use crate::{Builder, Config};

use super::diff;

/// The most reloads `events()` holds unread; past it the oldest goes.
pub(super) const EVENTS_KEPT: usize = 64;
use super::dirs::Dirs;
use super::notifier::Notifier;
use super::settle::{stamps, Settle, Verdict};
use super::watcher::{Cause, First, Reload, WatchOptions};

/// How many times in a row a reload is repeated because it revealed new
/// directories to watch (an optional file's directory created after start).
const MAX_RELOADS_PER_TRIGGER: usize = 4;

/// What asked for a reload.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Asked {
    /// SIGHUP or `Watch::reload`: read what is there now, and always answer.
    Explicit,
    /// A source's own data, or lost file events, while no file is being
    /// changed: read now.
    Now,
    /// File events, once the files are settled.
    ///
    /// Of these two, a load that sees a file change while it reads is not
    /// used: the files are read again once settled.
    Files,
}

pub(super) struct Worker<T> {
    builder: Builder<T>,
    current: Arc<ArcSwap<T>>,
    /// The merged tree of the current configuration, to tell what changed.
    tree: Value,
    /// The text of the warnings last sent (or of the first load), so that a
    /// reload that changes nothing sends them only when they are new.
    warned: Vec<String>,
    /// The text of the last rejection, while no good reload has followed it,
    /// so that the same error is not sent again and again.
    last_error: Option<String>,
    events: flume::Sender<Reload<T>>,
    /// The worker's own end of `events`, to drop the oldest reload when
    /// [`EVENTS_KEPT`] wait unread.
    oldest: flume::Receiver<Reload<T>>,
    causes: flume::Receiver<Cause>,
    /// Why the watch stopped, once it has: shared with the `Watch`.
    stopped: Arc<OnceLock<Problem>>,
    settle: Settle,
    /// Since when a source's change has waited for files to settle, until a
    /// load reads it.
    source_owed: Option<Instant>,
    dirs: Dirs,
    /// Declared after everything the callbacks feed, and dropped when the
    /// worker ends: dropping waits for notify's thread.
    notifier: Notifier,
    /// The sources' subscriptions, stopped when the worker ends.
    _subscriptions: Vec<crate::source::Subscription>,
}

impl<T: Config + Send + Sync> Worker<T> {
    pub(super) fn new(
        builder: Builder<T>,
        first: First<T>,
        options: &WatchOptions,
        causes: flume::Receiver<Cause>,
        dirs: Dirs,
        notifier: Notifier,
        subscriptions: Vec<crate::source::Subscription>,
    ) -> (Worker<T>, flume::Receiver<Reload<T>>) {
        let mut settle = Settle::new(options.debounce, options.settle);
        settle.loaded(&builder.plan().files(), &first.stamps);
        let warned = texts(first.loaded.warnings());
        let (config, tree) = split(first.loaded);
        let (events, receiver) = flume::bounded(EVENTS_KEPT);
        let worker = Worker {
            builder,
            current: Arc::new(ArcSwap::new(config)),
            tree,
            warned,
            last_error: None,
            events,
            oldest: receiver.clone(),
            causes,
            stopped: Arc::default(),
            settle,
            source_owed: None,
            dirs,
            notifier,
            _subscriptions: subscriptions,
        };
        (worker, receiver)
    }

    pub(super) fn current(&self) -> Arc<ArcSwap<T>> {
        self.current.clone()
    }

    pub(super) fn stopped(&self) -> Arc<OnceLock<Problem>> {
        self.stopped.clone()
    }

    /// Sends a reload, dropping the oldest unread one if [`EVENTS_KEPT`]
    /// wait: an application that never reads `events()` must not keep
    /// every configuration it ever had.
    fn send(&self, mut event: Reload<T>) {
        loop {
            match self.events.try_send(event) {
                Err(flume::TrySendError::Full(back)) => {
                    let _ = self.oldest.try_recv();
                    event = back;
                }
                Ok(()) | Err(flume::TrySendError::Disconnected(_)) => return,
            }
        }
    }

    /// Serves causes until the `Watch` is dropped. A panic here, outside a
    /// load (a source's `watch_paths`, or a bug of staid's), ends the watch,
    /// since going on could spin on the same fault: it is said by a last
    /// `Rejected` and by every later [`Watch::reload`](super::Watch::reload).
    pub(super) fn run(mut self) {
        crate::source::refuse_pipes_on_this_thread();
        if let Err(panic) = catch_unwind(AssertUnwindSafe(|| self.serve())) {
            let problem = Problem::new(
                ProblemKind::Source,
                format!(
                    "the watch stopped: its reload thread panicked: {}",
                    message(panic.as_ref())
                ),
            )
            .with_help("the current configuration stays; restart the program to reload again");
            let _ = self.stopped.set(problem.clone());
            self.send(Reload::Rejected {
                error: Error::from_problems(vec![problem]),
            });
        }
    }

    fn serve(&mut self) {
        loop {
            // A source's change waits for files at most the settle time.
            let owed_until = self
                .source_owed
                .and_then(|since| self.settle.after_settle(since));
            let wake = match (self.settle.next(), owed_until) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            let first = match wake {
                Some(at) => match self.causes.recv_deadline(at) {
                    Ok(cause) => Some(cause),
                    Err(flume::RecvTimeoutError::Timeout) => None,
                    Err(flume::RecvTimeoutError::Disconnected) => break,
                },
                None => match self.causes.recv() {
                    Ok(cause) => Some(cause),
                    Err(_) => break,
                },
            };
            let now = Instant::now();
            let mut asked = None;
            let mut source_changed = false;
            let mut stop = false;
            let mut problems = Vec::new();
            for cause in first.into_iter().chain(self.causes.try_iter()) {
                match cause {
                    Cause::File(mut event) => {
                        event
                            .paths
                            .retain(|p| self.dirs.concerns(std::slice::from_ref(p)));
                        if !event.paths.is_empty() {
                            self.settle.event(&event, now);
                        }
                    }
                    Cause::Rescan => {
                        self.dirs.rewatch_all();
                        source_changed = true;
                    }
                    Cause::Signal | Cause::Manual => asked = Some(Asked::Explicit),
                    Cause::Source => source_changed = true,
                    Cause::Problem(problem) => problems.push(problem),
                    Cause::Stop => stop = true,
                }
            }
            if stop {
                break;
            }
            if !problems.is_empty() {
                self.reject(Error::from_problems(problems), false);
            }
            // A source's change while a file is being changed waits for the
            // file to settle, and is read with it: reading now could make a
            // torn or a deleted file current. So does one that comes before
            // the file's events, where a file looks changed already. Files
            // that keep changing hold it for the settle time at most.
            if source_changed && self.source_owed.is_none() {
                self.source_owed = Some(now);
            }
            if let (Some(since), None) = (self.source_owed, asked) {
                let waited = self
                    .settle
                    .after_settle(since)
                    .is_some_and(|end| end <= now);
                if waited {
                    // Read now; a read that a write tears waits once more.
                    self.source_owed = Some(now);
                    asked = Some(Asked::Now);
                } else if self.settle.next().is_none() {
                    match self.settle.unsettled_now(&self.files()) {
                        true => self.settle.soon(now),
                        false => asked = Some(Asked::Now),
                    }
                }
            }
            if let Some(asked) = asked {
                self.reload(asked);
            } else if self.settle.look(&self.files(), now) == Verdict::Read {
                self.reload(Asked::Files);
            }
        }
    }

    fn reload(&mut self, asked: Asked) {
        for round in 1..=MAX_RELOADS_PER_TRIGGER {
            let files = self.files();
            let before = stamps(&files);
            let result = catch_unwind(AssertUnwindSafe(|| self.builder.load_full()));
            let result = result.unwrap_or_else(|panic| Err(panicked(panic.as_ref())));
            let now = Instant::now();
            if asked != Asked::Explicit
                && (stamps(&files) != before || self.settle.in_flux(&files, &before, now))
            {
                // Written while being read, or caught between a write's
                // truncation and its data: what was read may be torn.
                self.settle.soon(now);
                return;
            }
            let removed: Vec<PathBuf> = self
                .settle
                .removed(&files, &before)
                .into_iter()
                .map(PathBuf::from)
                .collect();
            self.settle.loaded(&files, &before);
            // Directories that failed are tried again on the next reload;
            // their files are still read each time.
            let (_, added) = self.dirs.sync(&files, &mut self.notifier);
            if !added || round == MAX_RELOADS_PER_TRIGGER {
                // What a source changed is read.
                self.source_owed = None;
                self.publish(result, asked, &removed);
                return;
            }
        }
    }

    /// The files to watch and look at: those the layers list now, and
    /// those read at the last load that are gone since (a removed drop-in),
    /// until a load has seen them gone.
    fn files(&self) -> Vec<PathBuf> {
        self.settle.with_gone(self.builder.plan().files())
    }

    /// Makes a good configuration current and says so, or reports a bad one.
    fn publish(&mut self, result: Result<Loaded<T>, Error>, asked: Asked, removed: &[PathBuf]) {
        let loaded = match result {
            Ok(loaded) => loaded,
            Err(error) => return self.reject(error, asked == Asked::Explicit),
        };
        // A good load after a rejection is news even when it changes nothing:
        // whoever saw the rejection learns that the fix was taken.
        let fixed = self.last_error.take().is_some();
        let mut warnings = loaded.warnings().to_vec();
        warnings.extend(removed.iter().map(|file| {
            Problem::new(
                ProblemKind::Io,
                format!(
                    "{} was removed: the settings it held no longer apply",
                    file.display()
                ),
            )
        }));
        let changes = diff::changes(T::SCHEMA, &self.tree, loaded.tree());
        let news = texts(&warnings) != self.warned;
        self.warned = texts(&warnings);
        if changes.is_empty() {
            if asked == Asked::Explicit || news || fixed {
                self.send(Reload::Unchanged { warnings });
            }
            return;
        }
        let (config, tree) = split(loaded);
        self.current.store(config.clone());
        self.tree = tree;
        let changed = changes.iter().map(|c| c.key.clone()).collect();
        let restart_required = changes
            .iter()
            .filter(|c| c.restart)
            .map(|c| c.key.clone())
            .collect();
        self.send(Reload::Updated {
            config,
            changed,
            changes,
            restart_required,
            warnings,
        });
    }

    /// Reports a bad configuration, unless it is the one last reported and
    /// the reload was not asked for.
    fn reject(&mut self, error: Error, asked: bool) {
        let text = error.to_string();
        if !asked && self.last_error.as_ref() == Some(&text) {
            return;
        }
        self.last_error = Some(text);
        self.send(Reload::Rejected { error });
    }
}

fn texts(warnings: &[Warning]) -> Vec<String> {
    warnings.iter().map(ToString::to_string).collect()
}

fn split<T: Config>(loaded: Loaded<T>) -> (Arc<T>, Value) {
    let tree = loaded.tree().clone();
    (Arc::new(loaded.into_config()), tree)
}

/// A panic in a source or validator rejects the reload instead of ending
/// the reload thread.
fn panicked(panic: &(dyn std::any::Any + Send)) -> Error {
    Error::from_problems(vec![Problem::new(
        ProblemKind::Source,
        format!("the reload panicked: {}", message(panic)),
    )])
}

/// The text a panic was raised with.
fn message(panic: &(dyn std::any::Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("no message")
}
