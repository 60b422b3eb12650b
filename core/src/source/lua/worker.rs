//! Each script runs on a thread of its own, and the load waits for it only
//! until its time limit (plus a little grace).
//!
//! The instruction hook stops ordinary runaway code within microseconds of
//! the deadline. A C function cannot be interrupted by a hook (Lua's parser
//! reading a long script; before pattern matching was metered, a
//! pathological pattern in `string.find` ran for minutes), so when the
//! deadline passes without an answer the load reports the breach and
//! abandons the thread. The thread cannot be killed; it ends on its own
//! at the first instruction after the library call returns, since the hook
//! then finds the deadline passed, and its state is dropped.
//!
//! At most [`MAX_THREADS`] script threads run Lua at once, running or
//! abandoned: a load takes a place before it starts its thread (under one
//! lock, so loads racing each other cannot overshoot), and the thread gives
//! it back when the script's run ends; it takes one again for each run of
//! its validate hooks, so threads that only wait for the final
//! configuration hold none. When every place is taken the load waits for one,
//! within its own time limit, and only then reports that it could not start:
//! a good script is held back only while every place is held by a call that
//! has not returned, and it starts as soon as one does. In-process threads
//! with a cap and back-pressure is what embedded Lua hosts do (Redis,
//! heka's lua_sandbox and Roblox run scripts in the host process and stop
//! them from a hook); a process per script would let the host kill a stuck
//! call, at the cost of a process start per load and of shipping a helper
//! executable with a library.

use std::path::Path;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use super::meter::{deadline, Limits, Noticed};
use super::sandbox::{Policy, Ran, Sandbox};
use crate::error::{Problem, ProblemKind};
use crate::origin::Origin;
use crate::schema::Schema;
use crate::source::{Check, Vars};
use crate::value::Value;

/// How long past its time limit a script's thread has to answer before it is
/// abandoned: the hook notices a deadline within microseconds, so this only
/// covers scheduling delays on a busy machine (a few runnable threads per
/// core already make them a few hundred milliseconds).
const GRACE: Duration = Duration::from_millis(500);

/// Script threads that may be alive at once, running or abandoned in a
/// library call: as many stuck threads as this can each hold a core.
pub(super) const MAX_THREADS: usize = 4;

/// Stack of a script thread. Lua bounds its own C recursion (200 levels);
/// this leaves room for the calls into Rust beneath it.
const STACK: usize = 8 * 1024 * 1024;

/// The places of live script threads: how many are taken, and a condition
/// signalled when one is given back.
static PLACES: (Mutex<usize>, Condvar) = (Mutex::new(0), Condvar::new());

fn places() -> MutexGuard<'static, usize> {
    PLACES
        .0
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A place taken for one script thread, given back when dropped.
struct Place;

impl Place {
    /// Takes a place, waiting for one until `until`.
    fn take(until: Instant) -> Option<Place> {
        let mut taken = places();
        while *taken >= MAX_THREADS {
            let wait = until.saturating_duration_since(Instant::now());
            if wait.is_zero() {
                return None;
            }
            taken = PLACES
                .1
                .wait_timeout(taken, wait)
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .0;
        }
        *taken += 1;
        Some(Place)
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        *places() -= 1;
        PLACES.1.notify_one();
    }
}

const RUNNING: u8 = 0;
const FINISHED: u8 = 1;
const GIVEN_UP: u8 = 2;

/// Everything a script run needs, moved to its thread.
pub(super) struct Job {
    pub(super) script: Arc<Path>,
    pub(super) text: Arc<str>,
    pub(super) below: Value,
    pub(super) host: Value,
    pub(super) schema: &'static Schema,
    pub(super) env: Vars,
    pub(super) policy: Policy,
    pub(super) limits: Limits,
}

/// What the load gets back: the layer, problems, and a check that runs the
/// script's validate hooks on the final configuration.
pub(super) struct Outcome {
    pub(super) layer: Option<Value>,
    pub(super) problems: Vec<Problem>,
    pub(super) check: Option<Check>,
}

/// The state of a script thread, shared with the load that waits for it.
struct Status(Arc<AtomicU8>);

impl Status {
    /// Gives up on the thread unless it has just finished. Returns whether it
    /// was given up.
    fn abandon(&self) -> bool {
        self.0
            .compare_exchange(RUNNING, GIVEN_UP, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
    }

    fn given_up(&self) -> bool {
        self.0.load(Ordering::SeqCst) == GIVEN_UP
    }
}

/// Held by the script thread: marks it finished when the thread ends, even
/// by a panic, and gives back its place if it still holds one.
struct Finish {
    status: Arc<AtomicU8>,
    place: Option<Place>,
}

impl Drop for Finish {
    fn drop(&mut self) {
        self.status.store(FINISHED, Ordering::SeqCst);
    }
}

/// Runs a script on its own thread and waits for it until its deadline.
pub(super) fn run(job: Job) -> Outcome {
    let script = job.script.clone();
    let limits = job.limits;
    let failed = |problem: Problem| Outcome {
        layer: None,
        problems: vec![problem],
        check: None,
    };
    let started = Instant::now();
    let until = deadline(started, limits.time);
    let Some(place) = Place::take(until) else {
        return failed(not_started(&script, &limits));
    };
    let status = Arc::new(AtomicU8::new(RUNNING));
    let noticed = Noticed::default();
    let thread_noticed = noticed.clone();
    let (ran_tx, ran_rx) = mpsc::channel::<Ran>();
    let (tree_tx, tree_rx) = mpsc::channel::<Value>();
    let (hooks_tx, hooks_rx) = mpsc::channel::<Vec<Problem>>();
    let finish = Finish {
        status: status.clone(),
        place: Some(place),
    };
    let spawned = thread::Builder::new()
        .name("staid-lua".to_owned())
        .stack_size(STACK)
        .spawn(move || {
            let mut finish = finish;
            let Job {
                script,
                text,
                below,
                host,
                schema,
                env,
                policy,
                limits,
            } = job;
            let sandbox = match Sandbox::new(
                script.clone(),
                limits,
                until,
                schema,
                env,
                policy,
                thread_noticed.clone(),
            ) {
                Ok(sandbox) => sandbox,
                Err(e) => {
                    // A limit broken while the sandbox was set up (a short
                    // time limit on a busy machine) is that limit's error.
                    let message = match thread_noticed.get() {
                        Some(breach) => breach.message(&limits),
                        None => format!("cannot create the Lua sandbox: {e}"),
                    };
                    let problem =
                        Problem::new(ProblemKind::Source, message).with_origin(origin(&script));
                    let _ = ran_tx.send(Ran {
                        layer: None,
                        problems: vec![problem],
                        hooks: 0,
                    });
                    return;
                }
            };
            let ran = sandbox.run(&text, &below, &host);
            drop((text, below, host));
            let hooks = ran.hooks;
            drop(finish.place.take());
            if ran_tx.send(ran).is_err() || hooks == 0 {
                return;
            }
            // Serve the validate hooks until the load drops its check.
            for tree in tree_rx {
                // One deadline for the wait and the run, as for the script.
                let until = deadline(Instant::now(), limits.time);
                let problems = match Place::take(until) {
                    Some(place) => {
                        finish.place = Some(place);
                        let problems = sandbox.run_hooks(&tree, until);
                        finish.place = None;
                        problems
                    }
                    None => vec![not_started(&script, &limits)],
                };
                if hooks_tx.send(problems).is_err() {
                    return;
                }
            }
        });
    if let Err(e) = spawned {
        return failed(
            Problem::new(
                ProblemKind::Source,
                format!("cannot start a thread for the script: {e}"),
            )
            .with_origin(origin(&script)),
        );
    }
    let status = Status(status);
    let wait = (until + GRACE).saturating_duration_since(Instant::now());
    let ran = match ran_rx.recv_timeout(wait) {
        Ok(ran) => ran,
        Err(RecvTimeoutError::Timeout) => {
            status.abandon();
            return failed(timed_out(&script, &limits, &noticed));
        }
        Err(RecvTimeoutError::Disconnected) => return failed(stopped(&script)),
    };
    let check = (ran.hooks > 0).then(|| {
        let hooks = Hooks {
            channel: Mutex::new((tree_tx, hooks_rx)),
            status,
            noticed,
            script: script.clone(),
            limits,
        };
        Box::new(move |tree: &Value| hooks.check(tree)) as Check
    });
    Outcome {
        layer: ran.layer,
        problems: ran.problems,
        check,
    }
}

/// The load's side of a script's validate hooks.
struct Hooks {
    channel: Mutex<(mpsc::Sender<Value>, mpsc::Receiver<Vec<Problem>>)>,
    status: Status,
    noticed: Noticed,
    script: Arc<Path>,
    limits: Limits,
}

impl Hooks {
    fn check(&self, tree: &Value) -> Vec<Problem> {
        let channel = match self.channel.lock() {
            Ok(channel) => channel,
            Err(poisoned) => poisoned.into_inner(),
        };
        if self.status.given_up() {
            return vec![timed_out(&self.script, &self.limits, &self.noticed)];
        }
        if channel.0.send(tree.clone()).is_err() {
            return vec![stopped(&self.script)];
        }
        match channel.1.recv_timeout(self.limits.time + GRACE) {
            Ok(problems) => problems,
            Err(RecvTimeoutError::Timeout) => {
                self.status.abandon();
                vec![timed_out(&self.script, &self.limits, &self.noticed)]
            }
            Err(RecvTimeoutError::Disconnected) => vec![stopped(&self.script)],
        }
    }
}

fn origin(script: &Arc<Path>) -> Origin {
    Origin::Lua {
        script: script.clone(),
        line: None,
    }
}

fn not_started(script: &Arc<Path>, limits: &Limits) -> Problem {
    Problem::new(
        ProblemKind::Source,
        format!(
            "not started: {MAX_THREADS} Lua scripts were still running for {}, earlier ones \
             stuck in a library call past their time limit",
            humantime::format_duration(limits.time)
        ),
    )
    .with_origin(origin(script))
    .with_help("they end when the library call returns; fix the scripts that timed out")
}

/// The problem of a thread that did not answer in time: the limit it
/// noticed, or, if it noticed none, a library call that cannot be stopped.
fn timed_out(script: &Arc<Path>, limits: &Limits, noticed: &Noticed) -> Problem {
    if let Some(breach) = noticed.get() {
        return Problem::new(ProblemKind::Source, breach.message(limits))
            .with_origin(origin(script));
    }
    Problem::new(
        ProblemKind::Source,
        format!(
            "the script exceeded its time limit of {} inside a library call that cannot be \
             interrupted (such as Lua's parser reading a long script)",
            humantime::format_duration(limits.time)
        ),
    )
    .with_origin(origin(script))
}

fn stopped(script: &Arc<Path>) -> Problem {
    Problem::new(
        ProblemKind::Source,
        "the script's thread stopped without an answer (a bug in staid: please report it)",
    )
    .with_origin(origin(script))
}

#[cfg(test)]
mod tests {
    use super::super::meter::Breach;
    use super::*;

    fn job(text: &str, time: Duration) -> Job {
        Job {
            script: Arc::from(Path::new("t.lua")),
            text: Arc::from(text),
            below: Value::table(Origin::Default),
            host: Value::table(Origin::Code),
            schema: &Schema::EMPTY,
            env: Vars::default(),
            policy: Policy::default(),
            limits: Limits {
                memory: 1 << 20,
                instructions: 1_000_000,
                time,
            },
        }
    }

    #[test]
    fn a_script_waits_for_a_place_and_starts_when_one_is_given_back() {
        // Stand-ins for threads stuck in library calls.
        let stuck: Vec<Place> = (0..MAX_THREADS)
            .map(|_| Place::take(Instant::now() + Duration::from_secs(30)).unwrap())
            .collect();
        let refused = run(job("return { a = 1 }", Duration::from_millis(100)));
        assert!(refused.layer.is_none());
        assert_eq!(
            refused.problems[0].to_string(),
            "not started: 4 Lua scripts were still running for 100ms, earlier ones stuck in a \
             library call past their time limit\n  --> t.lua\n  = help: they end when the \
             library call returns; fix the scripts that timed out"
        );
        let waiting = thread::spawn(|| run(job("return { a = 1 }", Duration::from_secs(20))));
        thread::sleep(Duration::from_millis(100));
        drop(stuck);
        let ran = waiting.join().unwrap();
        assert!(ran.problems.is_empty());
        assert!(ran.layer.is_some_and(|v| v.get("a").is_some()));
    }

    #[test]
    fn a_late_thread_is_reported_by_the_limit_it_noticed() {
        let script: Arc<Path> = Arc::from(Path::new("t.lua"));
        let limits = job("", Duration::from_millis(300)).limits;
        let noticed = Noticed::default();
        assert!(timed_out(&script, &limits, &noticed)
            .to_string()
            .contains("inside a library call that cannot be interrupted"));
        noticed.set(Some(Breach::Time));
        assert_eq!(
            timed_out(&script, &limits, &noticed).to_string(),
            "the script exceeded its time limit of 300ms\n  --> t.lua"
        );
    }

    #[test]
    fn an_abandoned_thread_is_marked_once() {
        let status = Arc::new(AtomicU8::new(RUNNING));
        assert!(Status(status.clone()).abandon());
        assert_eq!(status.load(Ordering::SeqCst), GIVEN_UP);
        status.store(FINISHED, Ordering::SeqCst);
        // A thread that finished first is not given up.
        assert!(!Status(status).abandon());
    }
}
