//! The sandboxed state a script runs in: the safe parts of the standard
//! library, the meter that enforces the instruction and time limits, and the
//! globals a script sees (`config`, `host`, `validate`, `os.getenv`).

use std::cell::{Cell, RefCell};
use std::path::Path;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mlua::{
    chunk::ChunkMode, Function, HookTriggers, Lua as State, LuaOptions, MultiValue, StdLib, Table,
    Value as LuaValue, VmState,
};

use super::convert::{self, Views};
use super::lines::Assignments;
use crate::error::{Problem, ProblemKind};
use crate::origin::Origin;
use crate::schema::Schema;
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

/// VM instructions between two looks at the limits: small enough that a
/// breach is noticed within microseconds, large enough to cost nothing.
const STEP: u32 = 1000;

/// Counts instructions and watches the clock from the instruction hook. Once
/// a limit is broken the breach is sticky: every later hook call and every
/// `pcall` return raises again, so a script cannot catch its way out.
struct Meter {
    used: Cell<u64>,
    limit: u64,
    deadline: Cell<Instant>,
    breach: Cell<Option<Breach>>,
}

impl Meter {
    fn tick(&self) -> mlua::Result<()> {
        let used = self.used.get().saturating_add(u64::from(STEP));
        self.used.set(used);
        if self.breach.get().is_none() {
            if used > self.limit {
                self.breach.set(Some(Breach::Instructions));
            } else if Instant::now() >= self.deadline.get() {
                self.breach.set(Some(Breach::Time));
            }
        }
        self.check()
    }

    fn check(&self) -> mlua::Result<()> {
        match self.breach.get() {
            Some(breach) => Err(mlua::Error::runtime(format!("staid: limit: {breach:?}"))),
            None => Ok(()),
        }
    }

    fn restart(&self, limits: &Limits) {
        self.used.set(0);
        self.deadline.set(Instant::now() + limits.time);
        self.breach.set(None);
    }
}

/// Replaces the parts of the base library that reach outside the sandbox or
/// escape its limits. `pcall`, `xpcall`, `load`, `coroutine.resume` and
/// `coroutine.close` re-raise once a limit is broken; `load` takes text only;
/// `setmetatable` refuses `__gc`, whose finalizers would run when the state
/// is closed, outside the script's run. The chunk returns the helpers of the
/// read-only views.
const PRELUDE: &str = r##"
local check, pcall, xpcall, resume, close, load, setmetatable, rawget, select, type, next, error =
  ...
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
coroutine.resume = function(...) return pass(resume(...)) end
coroutine.close = function(...) return pass(close(...)) end
_G.load = function(chunk, name, mode, ...)
  -- `load` catches errors of a reader function, limits included.
  if select("#", ...) > 0 then
    return pass(load(chunk, name, "t", (...)))
  end
  return pass(load(chunk, name, "t"))
end
_G.setmetatable = function(t, mt)
  if type(mt) == "table" and rawget(mt, "__gc") ~= nil then
    error("__gc metamethods are not allowed in a configuration script", 2)
  end
  return setmetatable(t, mt)
end
local data_of = {}
local function view_pairs(t) return next, data_of[t], nil end
local function view_len(t) return #data_of[t] end
local function deny()
  error("the configuration is read-only: return a table with the values to set", 2)
end
return data_of, view_pairs, view_len, deny
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
        schema: &'static Schema,
        env: Vars,
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
            deadline: Cell::new(Instant::now() + limits.time),
            breach: Cell::new(None),
        });
        let hook_meter = meter.clone();
        // A global hook, not a per-thread one: coroutines created by the
        // script inherit it, so they are metered too.
        state.set_global_hook(
            HookTriggers::new().every_nth_instruction(STEP),
            move |_, _| hook_meter.tick().map(|()| VmState::Continue),
        )?;

        let globals = state.globals();
        restrict_os(&state, &globals, env)?;
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
        let base = |name: &str| globals.raw_get::<LuaValue>(name);
        let coroutine: Table = globals.raw_get("coroutine")?;
        let (data_of, pairs, len, deny): (Table, Function, Function, Function) = state
            .load(PRELUDE)
            .set_name("=staid")
            .set_mode(ChunkMode::Text)
            .call((
                check,
                base("pcall")?,
                base("xpcall")?,
                coroutine.raw_get::<LuaValue>("resume")?,
                coroutine.raw_get::<LuaValue>("close")?,
                base("load")?,
                base("setmetatable")?,
                base("rawget")?,
                base("select")?,
                base("type")?,
                base("next")?,
                base("error")?,
            ))?;

        let chunk_name = chunk_name(&script);
        let hooks: Rc<RefCell<Vec<Hook>>> = Rc::default();
        let registered = hooks.clone();
        let validate = state.create_function(move |lua, args: MultiValue| {
            let line = lua.inspect_stack(1, |d| d.current_line()).flatten();
            let mut args = args.into_iter();
            let (key, func) = match (args.next(), args.next()) {
                (Some(LuaValue::Function(f)), None) => (None, f),
                (Some(LuaValue::String(k)), Some(LuaValue::Function(f))) => {
                    (Some(k.to_str()?.to_owned()), f)
                }
                _ => {
                    return Err(mlua::Error::runtime(
                        "validate expects a function, or a key and a function",
                    ))
                }
            };
            registered.borrow_mut().push(Hook { key, func, line });
            Ok(())
        })?;
        globals.raw_set("validate", validate)?;

        Ok(Sandbox {
            state,
            meter,
            limits,
            views: Views {
                data_of,
                pairs,
                len,
                deny,
            },
            hooks,
            script,
            chunk_name,
            schema,
        })
    }

    /// Runs the script with `below` as `config` and `host` as `host`, and
    /// converts what it returns.
    pub(super) fn run(&self, text: &str, below: &Value, host: &Value) -> Ran {
        match self.run_inner(text, below, host) {
            Ok(ran) => ran,
            Err(e) => Ran {
                layer: None,
                problems: vec![self.problem(&e, ProblemKind::Source)],
                hooks: 0,
            },
        }
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
        let (layer, problems) =
            convert::returned(returned, &self.script, &lines, &self.views.data_of);
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
    /// limits. A hook fails by raising an error or by returning `false`
    /// (and, optionally, a message).
    pub(super) fn run_hooks(&self, tree: &Value) -> Vec<Problem> {
        self.meter.restart(&self.limits);
        let config = match convert::view(&self.state, &self.views, tree, Some(self.schema), None) {
            Ok(config) => config,
            Err(e) => return vec![self.problem(&e, ProblemKind::Validation)],
        };
        let mut problems = Vec::new();
        for hook in self.hooks.borrow().iter() {
            let result = match &hook.key {
                None => hook.func.call::<MultiValue>(config.clone()),
                Some(key) => {
                    let field = key_field(self.schema, key);
                    let value = tree.get(key).map_or(Ok(LuaValue::Nil), |v| {
                        convert::view(&self.state, &self.views, v, field.0, field.1)
                    });
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
                    Some(key) if !broke => problem.with_key(key.clone()),
                    _ => problem,
                });
                if broke {
                    break;
                }
            }
        }
        problems
    }

    /// A staid problem for a Lua error: a broken limit first, then the
    /// script's own message with its line.
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
        let message = if kind == ProblemKind::Syntax {
            format!("Lua syntax error: {message}")
        } else {
            message.to_owned()
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
        schema = field.and_then(|f| f.nested());
    }
    (schema, field)
}

/// A hook's result: `Some(message)` when it failed by returning `false`.
fn verdict(returned: MultiValue) -> Option<String> {
    let mut values = returned.into_iter();
    match values.next() {
        Some(LuaValue::Boolean(false)) => Some(match values.next() {
            Some(LuaValue::String(s)) => s.to_string_lossy(),
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
/// the builder's environment (so `env_from` applies to scripts too).
fn restrict_os(state: &State, globals: &Table, env: Vars) -> mlua::Result<()> {
    let full: Table = globals.raw_get("os")?;
    let os = state.create_table()?;
    for name in ["time", "clock", "date", "difftime"] {
        os.raw_set(name, full.raw_get::<LuaValue>(name)?)?;
    }
    let getenv = state.create_function(move |_, name: mlua::LuaString| {
        Ok(name
            .to_str()
            .ok()
            .and_then(|name| env.get(&name).map(str::to_owned)))
    })?;
    os.raw_set("getenv", getenv)?;
    globals.raw_set("os", os)
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
    fn sizes_read_as_units() {
        assert_eq!(bytes(32 * 1024 * 1024), "32 MiB");
        assert_eq!(bytes(512 * 1024), "512 KiB");
        assert_eq!(bytes(1000), "1000 bytes");
    }
}
