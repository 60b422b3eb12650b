//! `Trigger`: how a source with data of its own (a remote store) tells a
//! running watch that the data changed, or that it cannot see it any more.

use std::fmt;
use std::sync::Arc;

use crate::error::Problem;

/// A handle a [`Source`](super::Source) receives in
/// [`subscribe`](super::Source::subscribe): it asks the watch for a reload,
/// or reports a problem (a lost connection) on the watch's channel of
/// reloads. Cheap to clone and safe to call from any thread; calls after the
/// watch is gone do nothing.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use staid::source::Trigger;
/// use staid::{Problem, ProblemKind};
///
/// let seen = Arc::new(Mutex::new(Vec::new()));
/// let (reloads, problems) = (seen.clone(), seen.clone());
/// let trigger = Trigger::new(
///     move || reloads.lock().unwrap().push("reload".to_owned()),
///     move |p: Problem| problems.lock().unwrap().push(p.message().to_owned()),
/// );
/// trigger.clone().reload();
/// trigger.problem(Problem::new(ProblemKind::Source, "lost the connection"));
/// assert_eq!(*seen.lock().unwrap(), ["reload", "lost the connection"]);
/// ```
#[derive(Clone)]
pub struct Trigger {
    reload: Arc<dyn Fn() + Send + Sync>,
    problem: Arc<dyn Fn(Problem) + Send + Sync>,
}

impl Trigger {
    /// A trigger that calls `reload` for a reload and `problem` for a
    /// problem. A watch makes its own; this is for testing a source.
    pub fn new(
        reload: impl Fn() + Send + Sync + 'static,
        problem: impl Fn(Problem) + Send + Sync + 'static,
    ) -> Trigger {
        Trigger {
            reload: Arc::new(reload),
            problem: Arc::new(problem),
        }
    }

    /// Asks for a reload of every layer. Returns at once; requests made
    /// while a reload runs are merged into one reload after it.
    pub fn reload(&self) {
        (self.reload)();
    }

    /// Reports a problem on the watch's channel, as a rejected reload: the
    /// current configuration stays. Keep secrets out of its message.
    pub fn problem(&self, problem: Problem) {
        (self.problem)(problem);
    }
}

impl fmt::Debug for Trigger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Trigger").finish_non_exhaustive()
    }
}
