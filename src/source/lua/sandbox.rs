//! The sandboxed state a script runs in: the safe parts of the standard
//! library, the meter that enforces the instruction and time limits, and the
//! globals a script sees (`config`, `host`, `validate`, `os.getenv`).

use std::cell::{Cell, OnceCell, RefCell};
use std::path::Path;
use std::rc::Rc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mlua::{
    chunk::ChunkMode, Function, HookTriggers, Lua as State, LuaOptions, MultiValue, StdLib, Table,
    Value as LuaValue, VmState,
};

use super::convert::{self, Convert, Views};
use super::lines::Assignments;
use super::report::{self, Secrets};
use crate::error::{Problem, ProblemKind};
use crate::origin::Origin;
use crate::schema::{Field, Schema};
use crate::source::Vars;
use crate::value::Value;

/// The limits of one script run (and, separately, of each run of its
/// validate hooks).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Limits {
    pub(crate) memory: usize,
    pub(crate) instructions: u64,
    pub(crate) time: Duration,
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
    fn code(self) -> u8 {
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
const STEP: u32 = 1000;

/// The most `validate` hooks one script may register.
pub(super) const MAX_HOOKS: usize = 1000;

/// The longest key a `validate` hook may be registered for, in bytes.
const MAX_HOOK_KEY: usize = 1024;

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
struct Meter {
    used: Cell<u64>,
    limit: u64,
    deadline: Cell<Instant>,
    breach: Cell<Option<Breach>>,
    /// Empties the metatables the script set: Lua code of the prelude, so
    /// that it needs no memory of its own on a full heap.
    disarm: OnceCell<Function>,
    /// Set while `disarm` runs, so that the hook lets it finish.
    disarming: Cell<bool>,
    noticed: Noticed,
}

impl Meter {
    /// Charges `STEP` instructions and looks at the clock: from the count
    /// hook, and at each coroutine resume, since each coroutine counts
    /// towards its hook on its own and one that ends sooner is never seen
    /// by the hook.
    fn tick(&self) -> mlua::Result<()> {
        if self.disarming.get() {
            return Ok(());
        }
        let used = self.used.get().saturating_add(u64::from(STEP));
        self.used.set(used);
        if self.breach.get().is_none() {
            if used > self.limit {
                self.broke(Breach::Instructions);
            } else if Instant::now() >= self.deadline.get() {
                self.broke(Breach::Time);
            }
        }
        self.check()
    }

    fn broke(&self, breach: Breach) {
        if let Some(disarm) = self.disarm.get() {
            self.disarming.set(true);
            let _ = disarm.call::<()>(());
            self.disarming.set(false);
        }
        self.breach.set(Some(breach));
        self.noticed.set(Some(breach));
    }

    fn check(&self) -> mlua::Result<()> {
        match self.breach.get() {
            Some(breach) => Err(mlua::Error::runtime(format!("staid: limit: {breach:?}"))),
            None => Ok(()),
        }
    }

    fn restart(&self, until: Instant) {
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

/// Replaces the parts of the base library that reach outside the sandbox or
/// escape its limits. `pcall`, `xpcall`, `load`, `coroutine.resume` and
/// `coroutine.close` re-raise once a limit is broken; each resume is charged
/// to the meter; `coroutine.wrap` is rebuilt on them, so that the dead
/// coroutine of a breach is never closed (its `__close` handlers would run
/// with hooks off); `load` takes text only; `setmetatable` refuses `__gc`,
/// whose finalizers would run when the state is closed, outside the
/// script's run, and records each metatable for the meter. The chunk
/// returns the helpers of the read-only views.
const PRELUDE: &str = r##"
local check, charge, pcall, xpcall, create, resume, close, status, load, setmetatable,
  rawget, select, type, next, error, rawset, metas = ...
local function pass(...)
  check()
  return ...
end
_G.pcall = function(...) return pass(pcall(...)) end
-- Once a hook has raised, Lua runs message handlers with hooks off: the
-- wrapper keeps a handler from running at all after a breach.
_G.xpcall = function(f, handler, ...)
  if type(handler) ~= "function" then
    return pass(xpcall(f, handler, ...))
  end
  return pass(xpcall(f, function(...)
    check()
    return handler(...)
  end, ...))
end
coroutine.resume = function(co, ...)
  charge()
  return pass(resume(co, ...))
end
coroutine.close = function(co)
  check()
  return pass(close(co))
end
local function unwrap(co, ok, ...)
  if ok then return ... end
  check()
  local err = ...
  -- As coroutine.wrap does: close what the dead coroutine left open.
  if status(co) == "dead" then
    local closed, close_err = close(co)
    check()
    if not closed then err = close_err end
  end
  error(err, 0)
end
coroutine.wrap = function(f)
  local co = create(f)
  return function(...)
    charge()
    return unwrap(co, resume(co, ...))
  end
end
_G.load = function(chunk, name, mode, ...)
  -- `load` catches errors of a reader function, limits included.
  if select("#", ...) > 0 then
    return pass(load(chunk, name, "t", (...)))
  end
  return pass(load(chunk, name, "t"))
end
_G.setmetatable = function(t, mt)
  if type(mt) == "table" then
    if rawget(mt, "__gc") ~= nil then
      error("__gc metamethods are not allowed in a configuration script", 2)
    end
    metas[mt] = true
  end
  return setmetatable(t, mt)
end
local data_of = {}
local function view_pairs(t) return next, data_of[t], nil end
local function view_len(t) return #data_of[t] end
local function deny()
  error("the configuration is read-only: return a table with the values to set", 2)
end
-- Clearing existing fields during a traversal is allowed, and allocates
-- nothing.
local function disarm()
  for mt in next, metas do
    for k in next, mt do rawset(mt, k, nil) end
  end
end
return data_of, view_pairs, view_len, deny, disarm
"##;

/// Base-library globals that reach the file system, the process or the
/// collector, or that write to the application's output.
const REMOVED: &[&str] = &[
    "dofile",
    "loadfile",
    "require",
    "package",
    "collectgarbage",
    "print",
    "warn",
    "debug",
    "io",
];

/// A registered `validate` hook.
struct Hook {
    key: Option<String>,
    func: Function,
    line: Option<usize>,
}

/// What a script may see of the secrets, and which values to hide from
/// what it reports.
#[derive(Clone, Debug, Default)]
pub(super) struct Policy {
    /// Secret fields the application lets the script read.
    pub(super) revealed: Vec<&'static Field>,
    /// The only variables `os.getenv` reads, when the application named
    /// them.
    pub(super) env_allowed: Option<Vec<String>>,
    /// Variables that set secret fields the script may not read.
    pub(super) env_hidden: Vec<String>,
    /// Variables that set the secret fields it may read.
    pub(super) env_revealed: Vec<String>,
    /// Verbatim secret values known before the run.
    pub(super) secrets: Secrets,
}

/// One sandboxed state, for one script: its run, then its hooks.
pub(super) struct Sandbox {
    state: State,
    meter: Rc<Meter>,
    limits: Limits,
    views: Views,
    hooks: Rc<RefCell<Vec<Hook>>>,
    script: Arc<Path>,
    chunk_name: String,
    schema: &'static Schema,
    secrets: Secrets,
}

/// What a script's run produced.
pub(super) struct Ran {
    pub(super) layer: Option<Value>,
    pub(super) problems: Vec<Problem>,
    pub(super) hooks: usize,
}

impl Sandbox {
    /// A fresh state with the safe libraries and the limits armed. The
    /// clock starts now.
    pub(super) fn new(
        script: Arc<Path>,
        limits: Limits,
        deadline: Instant,
        schema: &'static Schema,
        env: Vars,
        policy: Policy,
        noticed: Noticed,
    ) -> mlua::Result<Sandbox> {
        let libs = StdLib::TABLE
            | StdLib::STRING
            | StdLib::MATH
            | StdLib::UTF8
            | StdLib::COROUTINE
            | StdLib::OS;
        let state = State::new_with(libs, LuaOptions::default())?;
        state.set_memory_limit(limits.memory)?;
        let meter = Rc::new(Meter {
            used: Cell::new(0),
            limit: limits.instructions,
            deadline: Cell::new(deadline),
            breach: Cell::new(None),
            disarm: OnceCell::new(),
            disarming: Cell::new(false),
            noticed,
        });
        let hook_meter = meter.clone();
        // A global hook, not a per-thread one: coroutines created by the
        // script inherit it, so they are metered too.
        state.set_global_hook(
            HookTriggers::new().every_nth_instruction(STEP),
            move |_, _| hook_meter.tick().map(|()| VmState::Continue),
        )?;

        let globals = state.globals();
        restrict_os(&state, &globals, env, &policy)?;
        for name in REMOVED {
            globals.raw_set(*name, LuaValue::Nil)?;
        }
        let string: Table = globals.raw_get("string")?;
        string.raw_set("dump", LuaValue::Nil)?;
        // The shared string metatable is the script's own `("").x` lookup;
        // hide it so `getmetatable("")` cannot reach or change it.
        if let Some(meta) = state
            .load("return getmetatable('')")
            .set_mode(ChunkMode::Text)
            .eval::<Option<Table>>()?
        {
            meta.raw_set("__metatable", false)?;
        }

        let check_meter = meter.clone();
        let check = state.create_function(move |_, ()| check_meter.check())?;
        let charge_meter = meter.clone();
        let charge = state.create_function(move |_, ()| charge_meter.tick())?;
        let metas = state.create_table()?;
        let weak = state.create_table()?;
        weak.raw_set("__mode", "k")?;
        metas.set_metatable(Some(weak))?;
        let base = |name: &str| globals.raw_get::<LuaValue>(name);
        let coroutine: Table = globals.raw_get("coroutine")?;
        let (data_of, pairs, len, deny, disarm): (Table, Function, Function, Function, Function) =
            state
                .load(PRELUDE)
                .set_name("=staid")
                .set_mode(ChunkMode::Text)
                .call(MultiValue::from_iter([
                    LuaValue::Function(check),
                    LuaValue::Function(charge),
                    base("pcall")?,
                    base("xpcall")?,
                    coroutine.raw_get::<LuaValue>("create")?,
                    coroutine.raw_get::<LuaValue>("resume")?,
                    coroutine.raw_get::<LuaValue>("close")?,
                    coroutine.raw_get::<LuaValue>("status")?,
                    base("load")?,
                    base("setmetatable")?,
                    base("rawget")?,
                    base("select")?,
                    base("type")?,
                    base("next")?,
                    base("error")?,
                    base("rawset")?,
                    LuaValue::Table(metas),
                ]))?;
        let _ = meter.disarm.set(disarm);

        let chunk_name = chunk_name(&script);
        let hooks: Rc<RefCell<Vec<Hook>>> = Rc::default();
        let registered = hooks.clone();
        let validate = state.create_function(move |lua, args: MultiValue| {
            let line = lua.inspect_stack(1, |d| d.current_line()).flatten();
            let mut args = args.into_iter();
            let (key, func) = match (args.next(), args.next()) {
                (Some(LuaValue::Function(f)), None) => (None, f),
                (Some(LuaValue::String(k)), Some(LuaValue::Function(f))) => {
                    if k.as_bytes().len() > MAX_HOOK_KEY {
                        return Err(mlua::Error::runtime(format!(
                            "validate: the key is longer than {MAX_HOOK_KEY} bytes"
                        )));
                    }
                    (Some(k.to_str()?.to_owned()), f)
                }
                _ => {
                    return Err(mlua::Error::runtime(
                        "validate expects a function, or a key and a function",
                    ))
                }
            };
            // Hooks run while the list is borrowed: one that registers
            // another gets an error, not a panic of the host.
            let Ok(mut hooks) = registered.try_borrow_mut() else {
                return Err(mlua::Error::runtime(
                    "validate cannot be called from a validate hook",
                ));
            };
            if hooks.len() >= MAX_HOOKS {
                return Err(mlua::Error::runtime(format!(
                    "a script may register at most {MAX_HOOKS} validate hooks"
                )));
            }
            hooks.push(Hook { key, func, line });
            Ok(())
        })?;
        globals.raw_set("validate", validate)?;

        Ok(Sandbox {
            state,
            meter,
            limits,
            views: Views {
                data_of,
                revealed: policy.revealed,
                pairs,
                len,
                deny,
            },
            hooks,
            script,
            chunk_name,
            schema,
            secrets: policy.secrets,
        })
    }

    /// Runs the script with `below` as `config` and `host` as `host`, and
    /// converts what it returns.
    pub(super) fn run(&self, text: &str, below: &Value, host: &Value) -> Ran {
        let mut ran = match self.run_inner(text, below, host) {
            Ok(ran) => ran,
            Err(e) => Ran {
                layer: None,
                problems: vec![self.problem(&e, ProblemKind::Source)],
                hooks: 0,
            },
        };
        report::finish(&mut ran.problems, &self.secrets);
        ran
    }

    fn run_inner(&self, text: &str, below: &Value, host: &Value) -> mlua::Result<Ran> {
        let globals = self.state.globals();
        let config = convert::view(&self.state, &self.views, below, Some(self.schema), None)?;
        globals.raw_set("config", config)?;
        let host = convert::view(&self.state, &self.views, host, None, None)?;
        globals.raw_set("host", host)?;
        let returned: LuaValue = self
            .state
            .load(text)
            .set_name(format!("={}", self.chunk_name))
            .set_mode(ChunkMode::Text)
            // Not `eval`: it would try the text as `return <text>` first,
            // which turns a last call into a tail call without a line.
            .call(())?;
        let lines = Assignments::scan(text);
        let converted = convert::returned(
            returned,
            Convert {
                script: &self.script,
                lines: &lines,
                data_of: &self.views.data_of,
                schema: self.schema,
                secrets: &self.secrets,
                budget: self.limits.memory,
                deadline: self.meter.deadline.get(),
            },
        );
        let (layer, problems) = match converted {
            Ok(converted) => converted,
            Err(breach) => {
                self.meter.broke(breach);
                return Err(mlua::Error::runtime("staid: limit"));
            }
        };
        let hooks = if problems.is_empty() {
            self.hooks.borrow().len()
        } else {
            0
        };
        Ok(Ran {
            layer,
            problems,
            hooks,
        })
    }

    /// Runs every validate hook on the final configuration, with fresh
    /// limits ending at `until`. A hook fails by raising an error or by
    /// returning `false` (and, optionally, a message).
    pub(super) fn run_hooks(&self, tree: &Value, until: Instant) -> Vec<Problem> {
        self.meter.restart(until);
        let mut secrets = Secrets::default();
        secrets.add_tree(self.schema, tree);
        let secrets = secrets.merged(&self.secrets);
        let mut problems = self.run_hooks_inner(tree);
        report::finish(&mut problems, &secrets);
        problems
    }

    fn run_hooks_inner(&self, tree: &Value) -> Vec<Problem> {
        let config = match convert::view(&self.state, &self.views, tree, Some(self.schema), None) {
            Ok(config) => config,
            Err(e) => return vec![self.problem(&e, ProblemKind::Validation)],
        };
        let mut problems = Vec::new();
        for hook in self.hooks.borrow().iter() {
            if problems.len() > report::MAX_PROBLEMS {
                break;
            }
            let result = match &hook.key {
                None => hook.func.call::<MultiValue>(config.clone()),
                Some(key) => {
                    let field = key_field(self.schema, key);
                    let value = match tree.get(key) {
                        Some(v) if !self.hides(key) => {
                            convert::view(&self.state, &self.views, v, field.0, field.1)
                        }
                        _ => Ok(LuaValue::Nil),
                    };
                    value.and_then(|v| hook.func.call::<MultiValue>((v, config.clone())))
                }
            };
            let problem = match result {
                Ok(returned) => verdict(returned).map(|message| {
                    Problem::new(ProblemKind::Validation, message).with_origin(Origin::Lua {
                        script: self.script.clone(),
                        line: hook.line,
                    })
                }),
                Err(e) => Some(self.problem(&e, ProblemKind::Validation)),
            };
            if let Some(problem) = problem {
                let broke = self.meter.breach.get().is_some();
                problems.push(match &hook.key {
                    Some(key) if !broke => problem.with_key(report::sanitize(key, MAX_HOOK_KEY)),
                    _ => problem,
                });
                if broke {
                    break;
                }
            }
        }
        problems
    }

    /// Whether the value at a dotted key is, or is inside, a secret field the
    /// script may not read.
    fn hides(&self, key: &str) -> bool {
        let mut schema = Some(self.schema);
        for part in key.split('.') {
            let Some(field) = schema.and_then(|s| s.field(part)) else {
                return false;
            };
            if self.views.hides(field) {
                return true;
            }
            schema = field.nested;
        }
        false
    }

    /// A staid problem for a Lua error: a broken limit first, then the
    /// script's own message with its line, made safe to print.
    fn problem(&self, error: &mlua::Error, kind: ProblemKind) -> Problem {
        let origin = |line| Origin::Lua {
            script: self.script.clone(),
            line,
        };
        let breach = self.meter.breach.get().or(match innermost(error) {
            mlua::Error::MemoryError(_) => Some(Breach::Memory),
            _ => None,
        });
        if let Some(breach) = breach {
            let mut problem = Problem::new(ProblemKind::Source, breach.message(&self.limits))
                .with_origin(origin(None));
            if breach == Breach::Memory {
                problem = problem.with_help("raise it with `staid::source::Lua::memory_limit`");
            }
            return problem;
        }
        let (kind, text) = match innermost(error) {
            mlua::Error::SyntaxError { message, .. } => (ProblemKind::Syntax, message.clone()),
            mlua::Error::RuntimeError(message) => (kind, message.clone()),
            other => (kind, other.to_string()),
        };
        let text = match text.find("\nstack traceback:") {
            Some(i) => &text[..i],
            None => &text[..],
        };
        let (mut line, message) = split_position(text, &self.chunk_name);
        if let mlua::Error::CallbackError { traceback, .. } = error {
            // An error raised in Rust (a misused `validate`, a bad argument)
            // has no position in its message; the traceback has the caller.
            line = line.or_else(|| traceback_line(traceback, &self.chunk_name));
        }
        let message = report::sanitize(message, report::MAX_MESSAGE);
        let message = if kind == ProblemKind::Syntax {
            format!("Lua syntax error: {message}")
        } else {
            message
        };
        Problem::new(kind, message).with_origin(origin(line))
    }
}

/// The schema and field of a dotted key, for the typed view of its value.
fn key_field(
    schema: &'static Schema,
    key: &str,
) -> (Option<&'static Schema>, Option<&'static crate::Field>) {
    let mut schema = Some(schema);
    let mut field = None;
    for part in key.split('.') {
        field = schema.and_then(|s| s.field(part));
        schema = field.and_then(|f| f.nested);
    }
    (schema, field)
}

/// A hook's result: `Some(message)` when it failed by returning `false`.
fn verdict(returned: MultiValue) -> Option<String> {
    let mut values = returned.into_iter();
    match values.next() {
        Some(LuaValue::Boolean(false)) => Some(match values.next() {
            Some(LuaValue::String(s)) => {
                // Only the part that is kept is copied out of Lua.
                let raw = s.as_bytes();
                let cut = &raw[..raw.len().min(report::MAX_MESSAGE + 4)];
                report::sanitize(&String::from_utf8_lossy(cut), report::MAX_MESSAGE)
            }
            _ => "validation failed".to_owned(),
        }),
        _ => None,
    }
}

/// The error inside the wrappers mlua adds around errors of callbacks.
fn innermost(error: &mlua::Error) -> &mlua::Error {
    match error {
        mlua::Error::CallbackError { cause, .. } => innermost(cause),
        mlua::Error::WithContext { cause, .. } => innermost(cause),
        other => other,
    }
}

/// Splits `name:12: message` into the line and the message.
fn split_position<'a>(text: &'a str, name: &str) -> (Option<usize>, &'a str) {
    let Some(rest) = text.strip_prefix(name).and_then(|r| r.strip_prefix(':')) else {
        return (None, text);
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    match (
        rest[..digits].parse().ok(),
        rest[digits..].strip_prefix(": "),
    ) {
        (Some(line), Some(message)) => (Some(line), message),
        _ => (None, text),
    }
}

/// The first line of the script in a traceback (`\tapp.lua:3: in ...`).
fn traceback_line(traceback: &str, name: &str) -> Option<usize> {
    traceback.lines().find_map(|l| {
        let rest = l.trim_start().strip_prefix(name)?.strip_prefix(':')?;
        rest.split(':').next()?.parse().ok()
    })
}

/// The name Lua puts before its messages: the file name, which Lua keeps
/// whole when it is short. The full path is in the origin.
fn chunk_name(script: &Path) -> String {
    let name = script
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if name.is_empty() || name.len() > 48 || name.contains(':') {
        "script".to_owned()
    } else {
        name
    }
}

/// Keeps the harmless clock functions of `os`, and makes `os.getenv` read
/// the builder's environment (so `env_from` applies to scripts too), within
/// the policy: only the variables the application named, if it named
/// some; never a variable that sets a secret field the script may not
/// read; and, unless named, no variable whose name says it holds a
/// credential.
fn restrict_os(state: &State, globals: &Table, env: Vars, policy: &Policy) -> mlua::Result<()> {
    let full: Table = globals.raw_get("os")?;
    let os = state.create_table()?;
    for name in ["time", "clock", "date", "difftime"] {
        os.raw_set(name, full.raw_get::<LuaValue>(name)?)?;
    }
    let allowed = policy.env_allowed.clone();
    let hidden = policy.env_hidden.clone();
    let revealed = policy.env_revealed.clone();
    let getenv = state.create_function(move |_, name: mlua::LuaString| {
        let Ok(name) = name.to_str() else {
            return Ok(None);
        };
        let name: &str = &name;
        let visible = !hidden.iter().any(|h| h == name)
            && (revealed.iter().any(|r| r == name)
                || match &allowed {
                    Some(allowed) => allowed.iter().any(|a| a == name),
                    None => !names_a_credential(name),
                });
        Ok(visible.then(|| env.get(name).map(str::to_owned)).flatten())
    })?;
    os.raw_set("getenv", getenv)?;
    globals.raw_set("os", os)
}

/// Whether a variable's name says it holds a credential (`API_TOKEN`,
/// `DB_PASSWORD`, `AWS_SECRET_ACCESS_KEY`).
pub(super) fn names_a_credential(name: &str) -> bool {
    const WORDS: &[&str] = &[
        "SECRET",
        "SECRETS",
        "TOKEN",
        "TOKENS",
        "PASSWORD",
        "PASSWD",
        "PASS",
        "PASSPHRASE",
        "PIN",
        "CREDENTIAL",
        "CREDENTIALS",
        "KEY",
        "APIKEY",
        "PRIVATE",
        "AUTH",
        "COOKIE",
        "SESSION",
        "SIGNATURE",
    ];
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .any(|word| WORDS.iter().any(|w| w.eq_ignore_ascii_case(word)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_split_only_for_the_script() {
        assert_eq!(
            split_position("app.lua:12: boom", "app.lua"),
            (Some(12), "boom")
        );
        assert_eq!(
            split_position("other.lua:12: boom", "app.lua"),
            (None, "other.lua:12: boom")
        );
        assert_eq!(
            split_position("app.lua: x", "app.lua"),
            (None, "app.lua: x")
        );
    }

    #[test]
    fn credential_names_are_told_by_their_words() {
        for name in [
            "GITHUB_TOKEN",
            "DB_PASSWORD",
            "AWS_SECRET_ACCESS_KEY",
            "api-key",
            "AUTH",
        ] {
            assert!(names_a_credential(name), "{name}");
        }
        for name in ["PATH", "HOME", "DEPLOY_REGION", "AUTHOR", "KEYBOARD", "PWD"] {
            assert!(!names_a_credential(name), "{name}");
        }
    }

    #[test]
    fn sizes_read_as_units() {
        assert_eq!(bytes(32 * 1024 * 1024), "32 MiB");
        assert_eq!(bytes(512 * 1024), "512 KiB");
        assert_eq!(bytes(1000), "1000 bytes");
    }
}
