//! `Watch`: the current configuration, the channel of reloads, and the
//! thread that owns the builder and reloads.

use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use arc_swap::ArcSwap;
use notify::event::{AccessKind, AccessMode};
use notify::{EventKind, RecommendedWatcher};
use notify_debouncer_full::{DebounceEventResult, Debouncer, RecommendedCache};

use crate::error::{Error, Problem, ProblemKind, Warning};
use crate::load::Loaded;
use crate::source::Trigger;
use crate::value::Value;
use crate::{Builder, Config};

use super::diff;
use super::dirs::Dirs;
use super::sighup::Sighup;

/// The receiver of a [`Watch`]'s reloads: a [`flume::Receiver`], so it is
/// `Clone` and `Sync`, offers `recv`, `recv_timeout`, `try_recv` and `iter`
/// like `std::sync::mpsc`, and `recv_async` for async code on any runtime.
/// Once the `Watch` is dropped and the reloads it sent are taken, receiving
/// fails with `Disconnected`.
pub type Events<T> = flume::Receiver<Reload<T>>;

/// One reload that changed something, sent on [`Watch::events`].
///
/// A reload that changes nothing, or fails with the same error as the
/// reload before it, sends nothing.
#[derive(Debug)]
pub enum Reload<T> {
    /// The new configuration is valid and is now [`Watch::current`].
    Updated {
        /// The new configuration, the same `Arc` that `current()` returns.
        config: Arc<T>,
        /// The dotted key paths whose value changed (`"port"`,
        /// `"db.host"`), in declaration order. Never empty. A `secret`
        /// field is listed by its key, never with its value.
        changed: Vec<String>,
        /// What the reload found that did not fail it (unknown keys under
        /// [`Unknown::Warn`](crate::Unknown::Warn)), for the application to
        /// log: staid prints nothing.
        warnings: Vec<Warning>,
    },
    /// The configuration on disk is invalid: every problem, as a load would
    /// report them. [`Watch::current`] keeps the last good configuration.
    Rejected {
        /// Every problem found.
        error: Error,
    },
}

/// Settings of a [`Watch`], for [`Builder::watch_with`].
///
/// ```
/// use std::time::Duration;
///
/// let options = staid::WatchOptions::new()
///     .debounce(Duration::from_millis(200))
///     .sighup(false);
/// # let _ = options;
/// ```
#[derive(Clone, Debug)]
pub struct WatchOptions {
    debounce: Duration,
    sighup: bool,
}

impl Default for WatchOptions {
    fn default() -> Self {
        WatchOptions {
            debounce: Duration::from_millis(50),
            sighup: true,
        }
    }
}

impl WatchOptions {
    /// The defaults: a debounce of 50 ms, SIGHUP on.
    pub fn new() -> Self {
        Self::default()
    }

    /// How long a file event waits before it causes a reload, so that a
    /// burst of writes (an editor saving, a deploy tool copying) becomes one
    /// reload of the final state. Default 50 ms; at least 1 ms.
    pub fn debounce(mut self, debounce: Duration) -> Self {
        self.debounce = debounce.max(Duration::from_millis(1));
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
/// reload that changed something. A reload is triggered by
///
/// - a change to any file a layer reads: edits in place, saves that rename a
///   new file over the old one, delete and recreate, a Kubernetes ConfigMap
///   update (a `..data` symlink switched to a new directory), and an optional
///   or discovered file that appears after the start;
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
/// Dropping the `Watch` stops its threads and file watches and waits for
/// them. SIGHUP is then ignored rather than ending the process, since the
/// default action cannot be put back.
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
///     Reload::Rejected { error } => panic!("{error}"),
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
///     }
/// }
/// # }
/// ```
pub struct Watch<T> {
    current: Arc<ArcSwap<T>>,
    events: Events<T>,
    causes: flume::Sender<Cause>,
    sighup: Option<Sighup>,
    worker: Option<JoinHandle<()>>,
    warnings: Vec<Warning>,
}

impl<T> Watch<T> {
    /// The warnings of the first load (later ones arrive with each
    /// [`Reload::Updated`]).
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// The current configuration: the last one that loaded without a
    /// problem. No lock is held while the caller uses it.
    pub fn current(&self) -> Arc<T> {
        self.current.load_full()
    }

    /// The receiver of reloads. Each reload that changed something sends one
    /// [`Reload`]: `Updated` with the new configuration and the changed keys,
    /// or `Rejected` with every problem while [`current`](Watch::current)
    /// stays as it was.
    pub fn events(&self) -> &Events<T> {
        &self.events
    }

    /// Asks for a reload now, as SIGHUP does, and returns at once. Its outcome
    /// arrives on [`events`](Watch::events) like any other reload's: nothing
    /// if nothing changed.
    pub fn reload(&self) {
        let _ = self.causes.send(Cause::Manual);
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
            // reload in progress at most.
            let _ = worker.join();
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
        let mut debouncer = notify_debouncer_full::new_debouncer(
            options.debounce,
            None,
            on_file_events(causes.clone()),
        )
        .map_err(|e| watch_error(format!("cannot start the file watcher: {e}")))?;

        // Sources that follow data of their own (etcd) start before the
        // first load too; dropping the guards stops them.
        let subscriptions = self.subscribe(&source_trigger(&causes));
        let mut dirs = Dirs::default();
        let (sighup, loaded) = match self.start(&options, &causes, &mut dirs, &mut debouncer) {
            Ok(started) => started,
            Err(error) => {
                debouncer.stop();
                return Err(error);
            }
        };
        let warnings = loaded.warnings().to_vec();
        let (config, tree) = split(loaded);
        let current = Arc::new(ArcSwap::new(config));
        let (events, events_rx) = flume::unbounded();
        let worker = Worker {
            builder: self,
            current: current.clone(),
            tree,
            last_error: None,
            events,
            causes: causes_rx,
            dirs,
            debouncer: Some(debouncer),
            _subscriptions: subscriptions,
        };
        let worker = std::thread::Builder::new()
            .name("staid-watch".to_owned())
            .spawn(move || worker.run())
            .map_err(|e| watch_error(format!("cannot start the reload thread: {e}")))?;
        Ok(Watch {
            current,
            events: events_rx,
            causes,
            sighup,
            worker: Some(worker),
            warnings,
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
        debouncer: &mut Debouncer<RecommendedWatcher, RecommendedCache>,
    ) -> Result<(Option<Sighup>, Loaded<T>), Error> {
        let (failed, _) = dirs.sync(&self.plan().files(), debouncer);
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
        Ok((sighup, self.load_full()?))
    }
}

/// Why the reload thread wakes up.
pub(crate) enum Cause {
    /// File events about these paths (not yet known to concern a layer).
    Paths(Vec<PathBuf>),
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

/// The file watcher's callback: forwards every event that may be a change,
/// and drops the rest. Reading a file is an event too (`Access(Open)`): left
/// in, each reload would cause the next.
fn on_file_events(causes: flume::Sender<Cause>) -> impl FnMut(DebounceEventResult) + Send {
    move |result| {
        let cause = match result {
            Ok(events) => {
                let mut paths = Vec::new();
                let mut rescan = false;
                for event in events {
                    let written = AccessKind::Close(AccessMode::Write);
                    if matches!(event.kind, EventKind::Access(kind) if kind != written) {
                        continue;
                    }
                    rescan |= event.need_rescan() || event.paths.is_empty();
                    paths.extend(event.event.paths);
                }
                if rescan {
                    Cause::Rescan
                } else if paths.is_empty() {
                    return;
                } else {
                    Cause::Paths(paths)
                }
            }
            Err(_) => Cause::Rescan,
        };
        let _ = causes.send(cause);
    }
}

/// The reload thread's state: it alone loads, so reloads never overlap.
struct Worker<T> {
    builder: Builder<T>,
    current: Arc<ArcSwap<T>>,
    /// The merged tree of the current configuration, to tell what changed.
    tree: Value,
    /// The text of the last rejection, while no good reload has followed it,
    /// so that the same error is not sent again and again.
    last_error: Option<String>,
    events: flume::Sender<Reload<T>>,
    causes: flume::Receiver<Cause>,
    dirs: Dirs,
    debouncer: Option<Debouncer<RecommendedWatcher, RecommendedCache>>,
    /// The sources' subscriptions, stopped when the worker ends.
    _subscriptions: Vec<crate::source::Subscription>,
}

/// How many times in a row a reload is repeated because it revealed new
/// directories to watch (an optional file's directory created after start).
const MAX_RELOADS_PER_TRIGGER: usize = 4;

impl<T: Config + Send + Sync> Worker<T> {
    fn run(mut self) {
        while let Ok(first) = self.causes.recv() {
            let mut due = false;
            let mut stop = false;
            let mut problems = Vec::new();
            for cause in std::iter::once(first).chain(self.causes.try_iter()) {
                match cause {
                    Cause::Paths(paths) => due |= self.dirs.concerns(&paths),
                    Cause::Rescan => {
                        self.dirs.rewatch_all();
                        due = true;
                    }
                    Cause::Signal | Cause::Manual | Cause::Source => due = true,
                    Cause::Problem(problem) => problems.push(problem),
                    Cause::Stop => stop = true,
                }
            }
            if stop {
                break;
            }
            if !problems.is_empty() {
                self.settle(Err(Error::from_problems(problems)));
            }
            if due {
                self.reload();
            }
        }
        if let Some(debouncer) = self.debouncer.take() {
            debouncer.stop();
        }
    }

    fn reload(&mut self) {
        for _ in 0..MAX_RELOADS_PER_TRIGGER {
            let result = catch_unwind(AssertUnwindSafe(|| self.builder.load_full()));
            let result = result.unwrap_or_else(|panic| Err(panicked(panic.as_ref())));
            self.settle(result);
            let Some(debouncer) = self.debouncer.as_mut() else {
                return;
            };
            // Directories that failed are tried again on the next reload;
            // their files are still read each time.
            let (_, added) = self.dirs.sync(&self.builder.plan().files(), debouncer);
            if !added {
                return;
            }
        }
    }

    /// Makes a good configuration current and says so, or reports a bad one.
    fn settle(&mut self, result: Result<Loaded<T>, Error>) {
        match result {
            Ok(loaded) => {
                self.last_error = None;
                let changed = diff::changed(T::SCHEMA, &self.tree, loaded.tree());
                if changed.is_empty() {
                    return;
                }
                let warnings = loaded.warnings().to_vec();
                let (config, tree) = split(loaded);
                self.current.store(config.clone());
                self.tree = tree;
                let _ = self.events.send(Reload::Updated {
                    config,
                    changed,
                    warnings,
                });
            }
            Err(error) => {
                let text = error.to_string();
                if self.last_error.as_ref() == Some(&text) {
                    return;
                }
                self.last_error = Some(text);
                let _ = self.events.send(Reload::Rejected { error });
            }
        }
    }
}

fn split<T: Config>(loaded: Loaded<T>) -> (Arc<T>, Value) {
    let tree = loaded.tree().clone();
    (Arc::new(loaded.into_config()), tree)
}

/// Warnings go where [`Builder::load`] sends them.
/// A panic in a source or validator rejects the reload instead of ending
/// the reload thread.
fn panicked(panic: &(dyn std::any::Any + Send)) -> Error {
    let message = panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("no message");
    Error::from_problems(vec![Problem::new(
        ProblemKind::Source,
        format!("the reload panicked: {message}"),
    )])
}

fn watch_error(message: String) -> Error {
    Error::from_problems(vec![Problem::new(ProblemKind::Io, message)])
}
