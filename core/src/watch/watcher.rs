//! `Watch`: the current configuration, the channel of reloads, and how a
//! watch starts and stops.

use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use arc_swap::ArcSwap;

use crate::error::{Error, Problem, ProblemKind, Warning};
use crate::load::Loaded;
use crate::source::Trigger;
use crate::{Builder, Config};

use super::diff::Change;
use super::dirs::Dirs;
use super::notifier::{FileEvent, Notifier};
use super::settle::{stamps, Stamp};
use super::sighup::Sighup;
use super::thread::Thread;
use super::worker::Worker;

/// The receiver of a [`Watch`]'s reloads: a [`flume::Receiver`], so it is
/// `Clone` and `Sync`, offers `recv`, `recv_timeout`, `try_recv` and `iter`
/// like `std::sync::mpsc`, and `recv_async` for async code on any runtime.
/// Once the `Watch` is dropped and the reloads it sent are taken, receiving
/// fails with `Disconnected`.
pub type Events<T> = flume::Receiver<Reload<T>>;

/// One reload, sent on [`Watch::events`].
///
/// A reload caused by a file or a source that changes nothing sends nothing,
/// unless it brings new warnings or is the first good one after a
/// rejection; one asked for by SIGHUP or [`Watch::reload`] always sends
/// something, `Unchanged` if nothing else. A reload that fails with the
/// same error as the reload before it sends nothing, unless it was asked
/// for. Match with a wildcard arm: reloads may grow new kinds.
///
/// `Debug` leaves out `config`, whose own `Debug` would print a
/// `#[config(secret)]` `String` as it is; `changes` shows what changed,
/// masked.
#[non_exhaustive]
pub enum Reload<T> {
    /// The new configuration is valid and is now [`Watch::current`].
    #[non_exhaustive]
    Updated {
        /// The new configuration, the same `Arc` that `current()` returns.
        config: Arc<T>,
        /// The dotted key paths whose value changed (`"port"`,
        /// `"db.host"`), in declaration order. Never empty. A `secret`
        /// field is listed by its key, never with its value.
        changed: Vec<String>,
        /// The same keys with their old and new values and origins, secrets
        /// masked; each displays as one line for a log,
        /// `port: 8080 (app.toml:3:8) -> 9090 (app.toml:3:8)`.
        changes: Vec<Change>,
        /// The changed keys that are, or are inside, `#[config(restart)]`
        /// fields: `config` has their new values, which the program only
        /// reads at start. Also in `changed`.
        restart_required: Vec<String>,
        /// What the reload found that did not fail it (unknown keys under
        /// [`Unknown::Warn`](crate::Unknown::Warn), a removed optional
        /// file whose settings no longer apply), for the application to
        /// log: staid prints nothing.
        warnings: Vec<Warning>,
    },
    /// The configuration on disk is invalid: every problem, as a load would
    /// report them. [`Watch::current`] keeps the last good configuration.
    ///
    /// Also the last reload of a watch that stopped (its error starts
    /// `the watch stopped`): see [`Watch::reload`].
    Rejected {
        /// Every problem found.
        error: Error,
    },
    /// A reload that changed nothing: one asked for (SIGHUP,
    /// [`Watch::reload`]), so that it is acknowledged; the first good one
    /// after a `Rejected`, so that the fix is seen to be taken; or one that
    /// found warnings other than the current configuration's.
    #[non_exhaustive]
    Unchanged {
        /// What the reload found that did not fail it, as in `Updated`.
        warnings: Vec<Warning>,
    },
}

/// Settings of a [`Watch`], for [`Builder::watch_with`].
///
/// ```
/// use std::time::Duration;
///
/// let options = staid::WatchOptions::new()
///     .debounce(Duration::from_millis(200))
///     .settle(Duration::from_secs(2))
///     .sighup(false);
/// # let _ = options;
/// ```
#[derive(Clone, Debug)]
pub struct WatchOptions {
    pub(super) debounce: Duration,
    pub(super) settle: Duration,
    sighup: bool,
}

impl Default for WatchOptions {
    fn default() -> Self {
        WatchOptions {
            debounce: Duration::from_millis(50),
            settle: Duration::from_secs(1),
            sighup: true,
        }
    }
}

impl WatchOptions {
    /// The defaults: a debounce of 50 ms, a settle time of 1 s, SIGHUP on.
    pub fn new() -> Self {
        Self::default()
    }

    /// How long file events must stop before the files are read, so that a
    /// burst of writes (an editor saving, a deploy tool copying) becomes one
    /// reload of the final state. Default 50 ms; at least 1 ms. One too
    /// long for the clock to reach, such as `Duration::MAX`, never ends:
    /// file events then reload nothing, and only SIGHUP and
    /// [`Watch::reload`] do.
    pub fn debounce(mut self, debounce: Duration) -> Self {
        self.debounce = debounce.max(Duration::from_millis(1));
        self
    }

    /// How long a file may look unfinished before it is read as it is.
    /// Default 1 s. A file that a writer still holds open for writing
    /// is read once it is closed (where the platform reports closes:
    /// inotify on Linux) or after no write for this long; a file that
    /// becomes empty, or disappears, is read so only after it stayed so
    /// for this long. SIGHUP and [`Watch::reload`] never wait. One too
    /// long for the clock to reach, such as `Duration::MAX`, never ends:
    /// an open file is then read once closed, and a file is read as newly
    /// empty or gone only on SIGHUP or [`Watch::reload`].
    pub fn settle(mut self, settle: Duration) -> Self {
        self.settle = settle;
        self
    }

    /// Whether SIGHUP causes a reload (Unix; default `true`). Turn it off
    /// when the application handles SIGHUP itself; it can call
    /// [`Watch::reload`] from its own handler.
    pub fn sighup(mut self, yes: bool) -> Self {
        self.sighup = yes;
        self
    }
}

/// A configuration kept current: what [`Builder::watch`] returns.
///
/// [`current`](Watch::current) is the last valid configuration, cheap to get
/// from any thread. [`events`](Watch::events) receives a [`Reload`] for each
/// reload that changed something, and for each one asked for. A reload is
/// triggered by
///
/// - a change to any file a layer reads: edits in place, saves that rename a
///   new file over the old one, delete and recreate, a Kubernetes ConfigMap
///   update (a `..data` symlink switched to a new directory), any other
///   symlink on the way to the file switched (a release's `current ->
///   releases/2`), and an optional or discovered file that appears after
///   the start;
/// - SIGHUP, on Unix (see [`WatchOptions::sighup`]);
/// - a change in a source that follows data of its own, such as keys under
///   an etcd prefix (see [`Source::subscribe`](crate::source::Source::subscribe));
///   such a source also reports on [`events`](Watch::events), as a
///   `Rejected` reload, when it cannot follow its data (a lost connection);
/// - a call to [`reload`](Watch::reload).
///
/// Each reload reads every layer again. The environment and the command line
/// are the process's own, which nothing outside the process can change: they
/// are read again too but give the same values, so changing them takes a
/// restart. A configuration that fails to load never becomes current.
///
/// After a file event the files are read once events have stopped for the
/// debounce and every file looks finished: closed by its writer (or not
/// written for the settle time), not newly empty and not newly gone (or so
/// for the settle time); see [`WatchOptions::settle`]. SIGHUP and
/// [`reload`](Watch::reload) read at once. While no file changes, no thread
/// of the watch wakes up.
///
/// Dropping the `Watch` stops its threads and file watches and waits for
/// them, notify's thread included: none is left when `drop` returns. SIGHUP
/// is then ignored rather than ending the process, since the default action
/// cannot be put back.
///
/// `Watch<T>` is `Send` and `Sync`: share it in an `Arc`, or clone the
/// receiver of [`events`](Watch::events) into the thread or task that handles
/// reloads.
///
/// ```
/// use std::time::Duration;
/// use staid::{Config, Reload};
///
/// #[derive(Config, Debug)]
/// struct App {
///     #[config(default = 8080)]
///     port: u16,
/// }
///
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("app.toml");
/// std::fs::write(&path, "port = 9000\n").unwrap();
///
/// let watch = App::builder().file(&path).watch().unwrap();
/// assert_eq!(watch.current().port, 9000);
///
/// // Saved as editors do, a new file renamed over the old one, so that no
/// // reload can catch it half written.
/// let new = dir.path().join("app.toml.new");
/// std::fs::write(&new, "port = 9001\n").unwrap();
/// std::fs::rename(&new, &path).unwrap();
/// match watch.events().recv_timeout(Duration::from_secs(30)).unwrap() {
///     Reload::Updated { config, changed, .. } => {
///         assert_eq!(config.port, 9001);
///         assert_eq!(changed, ["port"]);
///     }
///     other => panic!("{other:?}"),
/// }
/// assert_eq!(watch.current().port, 9001);
/// ```
///
/// In async code, await [`recv_async`](flume::Receiver::recv_async) on the
/// receiver; it works on any runtime and the loop ends when the `Watch` is
/// dropped:
///
/// ```no_run
/// # use staid::{Config, Reload};
/// # #[derive(Config)] struct App { port: Option<u16> }
/// # async fn run(watch: std::sync::Arc<staid::Watch<App>>) {
/// let events = watch.events().clone();
/// while let Ok(reload) = events.recv_async().await {
///     match reload {
///         Reload::Updated { changed, .. } => println!("changed: {changed:?}"),
///         Reload::Rejected { error } => eprintln!("kept the old configuration:\n{error}"),
///         _ => {}
///     }
/// }
/// # }
/// ```
pub struct Watch<T> {
    current: Arc<ArcSwap<T>>,
    events: Events<T>,
    causes: flume::Sender<Cause>,
    sighup: Option<Sighup>,
    worker: Option<Thread>,
    warnings: Vec<Warning>,
    /// Why the reload thread stopped, if it has.
    stopped: Arc<OnceLock<Problem>>,
}

impl<T> Watch<T> {
    /// The warnings of the first load (later ones arrive with each
    /// reload).
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// The current configuration: the last one that loaded without a
    /// problem. No lock is held while the caller uses it.
    pub fn current(&self) -> Arc<T> {
        self.current.load_full()
    }

    /// The receiver of reloads: `Updated` with the new configuration and
    /// what changed, `Rejected` with every problem while
    /// [`current`](Watch::current) stays as it was, or `Unchanged`. It
    /// holds the last 64 reloads unread; past that the oldest is dropped,
    /// so an application that reads only `current()` keeps no old
    /// configurations alive.
    pub fn events(&self) -> &Events<T> {
        &self.events
    }

    /// Asks for a reload now, as SIGHUP does, and returns at once. The
    /// files are read as they are, without waiting for a writer to finish.
    /// Its outcome arrives on [`events`](Watch::events) like any other
    /// reload's, `Unchanged` if nothing changed.
    ///
    /// Fails only once the watch has stopped, which a panic outside a load
    /// does (in a source's [`watch_paths`](crate::source::Source::watch_paths),
    /// say): the error says why, as did the last `Rejected` on
    /// [`events`](Watch::events), and [`current`](Watch::current) keeps the
    /// configuration it had.
    pub fn reload(&self) -> Result<(), Error> {
        if let Some(problem) = self.stopped.get() {
            return Err(Error::from_problems(vec![problem.clone()]));
        }
        let _ = self.causes.send(Cause::Manual);
        Ok(())
    }
}

impl<T> fmt::Debug for Reload<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reload::Updated {
                changed,
                changes,
                restart_required,
                warnings,
                ..
            } => f
                .debug_struct("Updated")
                .field("changed", changed)
                .field("changes", changes)
                .field("restart_required", restart_required)
                .field("warnings", warnings)
                .finish_non_exhaustive(),
            Reload::Rejected { error } => f.debug_struct("Rejected").field("error", error).finish(),
            Reload::Unchanged { warnings } => f
                .debug_struct("Unchanged")
                .field("warnings", warnings)
                .finish(),
        }
    }
}

impl<T> fmt::Debug for Watch<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Watch")
            .field("pending_events", &self.events.len())
            .field("sighup", &self.sighup.is_some())
            .finish_non_exhaustive()
    }
}

impl<T> Drop for Watch<T> {
    fn drop(&mut self) {
        self.sighup.take();
        let _ = self.causes.send(Cause::Stop);
        if let Some(worker) = self.worker.take() {
            // The worker only ever ends by this message; joining waits for a
            // reload in progress at most, and for notify's thread, which the
            // worker owns.
            worker.join();
        }
    }
}

impl<T: Config + Send + Sync> Builder<T> {
    /// Loads the configuration, then keeps it current: see [`Watch`]. Uses
    /// the default [`WatchOptions`].
    ///
    /// Fails if the first load fails (with every problem, as
    /// [`load`](Builder::load) does) or if the files' directories cannot be
    /// watched.
    pub fn watch(self) -> Result<Watch<T>, Error> {
        self.watch_with(WatchOptions::default())
    }

    /// [`watch`](Builder::watch) with these options.
    pub fn watch_with(self, options: WatchOptions) -> Result<Watch<T>, Error> {
        let (causes, causes_rx) = flume::unbounded();
        let mut notifier = Notifier::start(causes.clone())
            .map_err(|e| watch_error(format!("cannot start the file watcher: {e}")))?;

        // Sources that follow data of their own (etcd) start before the
        // first load too; dropping the guards stops them.
        let subscriptions = self.subscribe(&source_trigger(&causes));
        let mut dirs = Dirs::default();
        let (sighup, first) = self.start(&options, &causes, &mut dirs, &mut notifier)?;
        let warnings = first.loaded.warnings().to_vec();
        let (worker, events) = Worker::new(
            self,
            first,
            &options,
            causes_rx,
            dirs,
            notifier,
            subscriptions,
        );
        let (current, stopped) = (worker.current(), worker.stopped());
        let worker = Thread::spawn("staid-watch", move || worker.run())
            .map_err(|e| watch_error(format!("cannot start the reload thread: {e}")))?;
        Ok(Watch {
            current,
            events,
            causes,
            sighup,
            worker: Some(worker),
            warnings,
            stopped,
        })
    }

    /// Watches the directories, listens for SIGHUP, then loads. Watching
    /// comes first so that a change made during the first load is not
    /// missed: it causes a reload that sees it.
    fn start(
        &self,
        options: &WatchOptions,
        causes: &flume::Sender<Cause>,
        dirs: &mut Dirs,
        notifier: &mut Notifier,
    ) -> Result<(Option<Sighup>, First<T>), Error> {
        let files = self.plan().files();
        let (failed, _) = dirs.sync(&files, notifier);
        if !failed.is_empty() {
            let problems = failed
                .into_iter()
                .map(|(dir, e)| {
                    Problem::new(
                        ProblemKind::Io,
                        format!("cannot watch the directory {}: {e}", dir.display()),
                    )
                })
                .collect();
            return Err(Error::from_problems(problems));
        }
        let sighup = match options.sighup {
            true => Some(
                Sighup::start(causes.clone())
                    .map_err(|e| watch_error(format!("cannot listen for SIGHUP: {e}")))?,
            ),
            false => None,
        };
        let mut stamps = stamps(&files);
        let loaded = self.load_full()?;
        // A source may name more files once it has loaded (those a `.env`
        // file's `_FILE` variables name after its substitutions): watch
        // them too, each keeping the stamp it had before the load, and read
        // again if a directory is new, as a change in it could be missed.
        let after = self.plan().files();
        if after != files {
            stamps = after
                .iter()
                .map(|f| match files.iter().position(|g| g == f) {
                    Some(i) => stamps[i].clone(),
                    None => Stamp::of(f),
                })
                .collect();
            let (_, added) = dirs.sync(&after, notifier);
            if added {
                let _ = causes.send(Cause::Rescan);
            }
        }
        Ok((sighup, First { loaded, stamps }))
    }
}

/// The first load, and what its files looked like as it began.
pub(super) struct First<T> {
    pub(super) loaded: Loaded<T>,
    pub(super) stamps: Vec<Stamp>,
}

/// Why the reload thread wakes up.
pub(crate) enum Cause {
    /// A file event (not yet known to concern a layer).
    File(FileEvent),
    /// The watcher lost events or failed: re-read, and watch afresh.
    Rescan,
    /// SIGHUP.
    Signal,
    /// [`Watch::reload`].
    Manual,
    /// A source's own data changed ([`Trigger::reload`]).
    Source,
    /// A source cannot follow its data ([`Trigger::problem`]).
    Problem(Problem),
    /// The `Watch` was dropped.
    Stop,
}

/// The [`Trigger`] given to every source's
/// [`subscribe`](crate::source::Source::subscribe).
fn source_trigger(causes: &flume::Sender<Cause>) -> Trigger {
    let (reloads, problems) = (causes.clone(), causes.clone());
    Trigger::new(
        move || {
            let _ = reloads.send(Cause::Source);
        },
        move |problem| {
            let _ = problems.send(Cause::Problem(problem));
        },
    )
}

pub(super) fn watch_error(message: String) -> Error {
    Error::from_problems(vec![Problem::new(ProblemKind::Io, message)])
}
