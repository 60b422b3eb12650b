//! The limits of a script run and the meter that enforces them: the
//! instruction count, the clock, and what a breach reports.

use std::cell::{Cell, OnceCell};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mlua::Function;

/// The limits of one script run (and, separately, of each run of its
/// validate hooks).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Limits {
    pub(crate) memory: usize,
    pub(crate) instructions: u64,
    pub(crate) time: Duration,
}

impl Limits {
    /// The most steps a library call that loops in C may take (refused
    /// before it starts past that): the memory limit in table slots, more
    /// than any table the script could fill.
    pub(super) fn steps(&self) -> u64 {
        (self.memory as u64 / 16).max(1)
    }
}

/// Which limit a script broke.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Breach {
    Memory,
    Instructions,
    Time,
}

impl Breach {
    /// The breach as a number for [`Noticed`], never zero.
    pub(super) fn code(self) -> u8 {
        match self {
            Breach::Memory => 1,
            Breach::Instructions => 2,
            Breach::Time => 3,
        }
    }

    pub(super) fn message(self, limits: &Limits) -> String {
        match self {
            Breach::Memory => format!(
                "the script exceeded its memory limit of {}",
                bytes(limits.memory)
            ),
            Breach::Instructions => format!(
                "the script exceeded its instruction limit of {}",
                limits.instructions
            ),
            Breach::Time => format!(
                "the script exceeded its time limit of {}",
                humantime::format_duration(limits.time)
            ),
        }
    }
}

/// `33554432` as `32 MiB`, for messages.
pub(super) fn bytes(n: usize) -> String {
    const MIB: usize = 1024 * 1024;
    const KIB: usize = 1024;
    if n >= MIB && n % MIB == 0 {
        format!("{} MiB", n / MIB)
    } else if n >= KIB && n % KIB == 0 {
        format!("{} KiB", n / KIB)
    } else {
        format!("{n} bytes")
    }
}

/// The breach a script thread has noticed, shared with the load waiting for
/// it: a thread that noticed its limit but was not scheduled in time to
/// answer is reported by that limit, not as stuck in a library call.
#[derive(Clone, Debug, Default)]
pub(super) struct Noticed(Arc<AtomicU8>);

impl Noticed {
    pub(super) fn set(&self, breach: Option<Breach>) {
        self.0
            .store(breach.map_or(0, Breach::code), Ordering::SeqCst);
    }

    pub(super) fn get(&self) -> Option<Breach> {
        match self.0.load(Ordering::SeqCst) {
            1 => Some(Breach::Memory),
            2 => Some(Breach::Instructions),
            3 => Some(Breach::Time),
            _ => None,
        }
    }
}

/// VM instructions between two looks at the limits: small enough that a
/// breach is noticed within microseconds, large enough to cost nothing.
pub(super) const STEP: u32 = 1000;

/// The most `validate` hooks one script may register.
pub(super) const MAX_HOOKS: usize = 1000;

/// The longest key a `validate` hook may be registered for, in bytes.
pub(super) const MAX_HOOK_KEY: usize = 1024;

/// Counts instructions and watches the clock from the instruction hook. Once
/// a limit is broken the breach is sticky: every later hook call and every
/// `pcall` return raises again, so a script cannot catch its way out.
///
/// Lua runs some code with hooks off: the `__close` handlers of a coroutine
/// that died by a hook's error, and, after an error raised by a hook,
/// message handlers. So at the breach the meter also empties every
/// metatable the script made: no `__close`, `__tostring` or other
/// metamethod of the script can start after a limit is broken, hooked or
/// not.
pub(super) struct Meter {
    pub(super) used: Cell<u64>,
    pub(super) limit: u64,
    pub(super) deadline: Cell<Instant>,
    pub(super) breach: Cell<Option<Breach>>,
    /// Empties the metatables the script set: Lua code of the prelude, so
    /// that it needs no memory of its own on a full heap.
    pub(super) disarm: OnceCell<Function>,
    /// Set while `disarm` runs, so that the hook lets it finish.
    pub(super) disarming: Cell<bool>,
    pub(super) noticed: Noticed,
    /// Bytes the library holds outside the Lua heap for calls under way
    /// (`gsub`'s results as they are built, one per call a replacement
    /// function has entered): they count against the memory limit too.
    pub(super) held: Cell<usize>,
}

impl Meter {
    /// Charges `STEP` instructions and looks at the clock: from the count
    /// hook, and at each coroutine resume, since each coroutine counts
    /// towards its hook on its own and one that ends sooner is never seen
    /// by the hook.
    pub(super) fn tick(&self) -> mlua::Result<()> {
        if self.disarming.get() {
            return Ok(());
        }
        let used = self.used.get().saturating_add(u64::from(STEP));
        self.used.set(used);
        if self.breach.get().is_none() && used > self.limit {
            self.broke(Breach::Instructions);
        }
        self.on_time()
    }

    /// Looks at the clock: from the hook, and when a run or a hook returns,
    /// since a last C call (the parser of `load`, a sort) can run past the
    /// deadline with no instruction after it for the hook to see it.
    pub(super) fn on_time(&self) -> mlua::Result<()> {
        if self.breach.get().is_none() && Instant::now() >= self.deadline.get() {
            self.broke(Breach::Time);
        }
        self.check()
    }

    pub(super) fn broke(&self, breach: Breach) {
        if let Some(disarm) = self.disarm.get() {
            self.disarming.set(true);
            let _ = disarm.call::<()>(());
            self.disarming.set(false);
        }
        self.breach.set(Some(breach));
        self.noticed.set(Some(breach));
    }

    /// A memory error the script caught (with `pcall`, a coroutine or
    /// `load`) breaks the memory limit all the same; an earlier breach
    /// stands.
    pub(super) fn starved(&self) {
        if self.breach.get().is_none() {
            self.broke(Breach::Memory);
        }
    }

    pub(super) fn check(&self) -> mlua::Result<()> {
        match self.breach.get() {
            Some(breach) => Err(mlua::Error::runtime(format!("staid: limit: {breach:?}"))),
            None => Ok(()),
        }
    }

    pub(super) fn restart(&self, until: Instant) {
        self.used.set(0);
        self.deadline.set(until);
        self.breach.set(None);
        self.noticed.set(None);
    }
}

/// `start + time`, or a day from `start` where that overflows (the time
/// limit is checked to be far shorter before a script runs).
pub(super) fn deadline(start: Instant, time: Duration) -> Instant {
    start
        .checked_add(time)
        .or_else(|| start.checked_add(Duration::from_secs(86_400)))
        .unwrap_or(start)
}
