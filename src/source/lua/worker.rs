//! Each script runs on a thread of its own, and the load waits for it only
//! until its time limit (plus a little grace).
//!
//! The instruction hook stops ordinary runaway code within microseconds of
//! the deadline. A C function of the standard library cannot be interrupted
//! by a hook (a pathological pattern in `string.find` can run for minutes),
//! so when the deadline passes without an answer the load reports the breach
//! and abandons the thread. The thread cannot be killed; it ends on its own
//! at the first instruction after the library call returns, since the hook
//! then finds the deadline passed, and its state is dropped. At most
//! [`MAX_ABANDONED`] such threads may be alive at once: past that, scripts
//! are refused instead of started, so repeated reloads of a bad script
//! cannot take every core.

use std::path::Path;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use super::sandbox::{Limits, Ran, Sandbox};
use crate::error::{Problem, ProblemKind};
use crate::origin::Origin;
use crate::schema::Schema;
use crate::source::{Check, Vars};
use crate::value::Value;

/// How long past its time limit a script's thread has to answer before it is
/// abandoned: the hook notices a deadline within microseconds, so this only
/// covers scheduling delays on a busy machine.
const GRACE: Duration = Duration::from_millis(250);

/// Abandoned script threads that may still be running at once.
pub(super) const MAX_ABANDONED: usize = 4;

/// Stack of a script thread. Lua bounds its own C recursion (200 levels);
/// this leaves room for the calls into Rust beneath it.
const STACK: usize = 8 * 1024 * 1024;

static ABANDONED: AtomicUsize = AtomicUsize::new(0);

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
        ABANDONED.fetch_add(1, Ordering::SeqCst);
        let given_up = self
            .0
            .compare_exchange(RUNNING, GIVEN_UP, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok();
        if !given_up {
            ABANDONED.fetch_sub(1, Ordering::SeqCst);
        }
        given_up
    }

    fn given_up(&self) -> bool {
        self.0.load(Ordering::SeqCst) == GIVEN_UP
    }
}

/// Held by the script thread: marks it finished when the thread ends, even
/// by a panic, and releases its place among the abandoned.
struct Finish(Arc<AtomicU8>);

impl Drop for Finish {
    fn drop(&mut self) {
        if self.0.swap(FINISHED, Ordering::SeqCst) == GIVEN_UP {
            ABANDONED.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// How many abandoned script threads are still running.
pub(super) fn abandoned() -> usize {
    ABANDONED.load(Ordering::SeqCst)
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
    let running = abandoned();
    if running >= MAX_ABANDONED {
        return failed(
            Problem::new(
                ProblemKind::Source,
                format!(
                    "not started: {running} earlier Lua scripts are still running past their \
                     time limit, stuck in a library call"
                ),
            )
            .with_origin(origin(&script))
            .with_help("they end when the library call returns; fix the scripts that timed out"),
        );
    }
    let started = Instant::now();
    let status = Arc::new(AtomicU8::new(RUNNING));
    let (ran_tx, ran_rx) = mpsc::channel::<Ran>();
    let (tree_tx, tree_rx) = mpsc::channel::<Value>();
    let (hooks_tx, hooks_rx) = mpsc::channel::<Vec<Problem>>();
    let finish = Finish(status.clone());
    let spawned = thread::Builder::new()
        .name("staid-lua".to_owned())
        .stack_size(STACK)
        .spawn(move || {
            let _finish = finish;
            let Job {
                script,
                text,
                below,
                host,
                schema,
                env,
                limits,
            } = job;
            let sandbox = match Sandbox::new(script.clone(), limits, schema, env) {
                Ok(sandbox) => sandbox,
                Err(e) => {
                    let problem = Problem::new(
                        ProblemKind::Source,
                        format!("cannot create the Lua sandbox: {e}"),
                    )
                    .with_origin(origin(&script));
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
            if ran_tx.send(ran).is_err() || hooks == 0 {
                return;
            }
            // Serve the validate hooks until the load drops its check.
            for tree in tree_rx {
                if hooks_tx.send(sandbox.run_hooks(&tree)).is_err() {
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
    let wait = (started + limits.time + GRACE).saturating_duration_since(Instant::now());
    let ran = match ran_rx.recv_timeout(wait) {
        Ok(ran) => ran,
        Err(RecvTimeoutError::Timeout) => {
            status.abandon();
            return failed(timed_out(&script, &limits));
        }
        Err(RecvTimeoutError::Disconnected) => return failed(stopped(&script)),
    };
    let check = (ran.hooks > 0).then(|| {
        let hooks = Hooks {
            channel: Mutex::new((tree_tx, hooks_rx)),
            status,
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
            return vec![timed_out(&self.script, &self.limits)];
        }
        if channel.0.send(tree.clone()).is_err() {
            return vec![stopped(&self.script)];
        }
        match channel.1.recv_timeout(self.limits.time + GRACE) {
            Ok(problems) => problems,
            Err(RecvTimeoutError::Timeout) => {
                self.status.abandon();
                vec![timed_out(&self.script, &self.limits)]
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

fn timed_out(script: &Arc<Path>, limits: &Limits) -> Problem {
    Problem::new(
        ProblemKind::Source,
        format!(
            "the script exceeded its time limit of {} inside a library call that cannot be \
             interrupted (such as string.find with a pathological pattern)",
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
    use super::*;

    static SCHEMA: Schema = Schema {
        type_name: "T",
        name: None,
        doc: "",
        version: None,
        fields: &[],
    };

    fn job(text: &str) -> Job {
        Job {
            script: Arc::from(Path::new("t.lua")),
            text: Arc::from(text),
            below: Value::table(Origin::Default),
            host: Value::table(Origin::Code),
            schema: &SCHEMA,
            env: Vars::default(),
            limits: Limits {
                memory: 1 << 20,
                instructions: 1_000_000,
                time: Duration::from_secs(5),
            },
        }
    }

    #[test]
    fn scripts_are_refused_while_too_many_abandoned_threads_run() {
        // Stand-ins for threads stuck in library calls.
        ABANDONED.fetch_add(MAX_ABANDONED, Ordering::SeqCst);
        let refused = run(job("return { a = 1 }"));
        ABANDONED.fetch_sub(MAX_ABANDONED, Ordering::SeqCst);
        assert!(refused.layer.is_none());
        assert_eq!(
            refused.problems[0].to_string(),
            "not started: 4 earlier Lua scripts are still running past their time limit, \
             stuck in a library call\n  --> t.lua\n  = help: they end when the library call \
             returns; fix the scripts that timed out"
        );
        let ran = run(job("return { a = 1 }"));
        assert!(ran.problems.is_empty());
        assert!(ran.layer.is_some_and(|v| v.get("a").is_some()));
    }

    #[test]
    fn an_abandoned_thread_gives_back_its_place_when_it_ends() {
        let status = Arc::new(AtomicU8::new(RUNNING));
        let finish = Finish(status.clone());
        assert!(Status(status.clone()).abandon());
        assert_eq!(status.load(Ordering::SeqCst), GIVEN_UP);
        drop(finish);
        assert_eq!(status.load(Ordering::SeqCst), FINISHED);
        // A thread that finished first is not given up.
        assert!(!Status(status).abandon());
    }
}
