//! The sandboxed state a script runs in: the safe parts of the standard
//! library, the meter that enforces the instruction and time limits, and the
//! globals a script sees (`config`, `host`, `validate`, `os.getenv`).

use std::cell::{Cell, OnceCell, RefCell};
use std::path::Path;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Instant;

use mlua::{
    chunk::ChunkMode, Function, HookTriggers, Lua as State, LuaOptions, MultiValue, StdLib, Table,
    Value as LuaValue, VmState,
};

use super::convert::{self, Convert, Views};
use super::lines::Assignments;
use super::meter::{Breach, Limits, Meter, Noticed, MAX_HOOKS, MAX_HOOK_KEY, STEP};
use super::parse_guard::unparsable;
use super::pattern;
use super::prelude::{restrict_os, LIBRARY, PRELUDE, REMOVED};
use super::report::{self, Secrets};
use crate::error::{Problem, ProblemKind};
use crate::origin::Origin;
use crate::schema::{Field, Schema};
use crate::source::Vars;
use crate::value::Value;

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
    /// Verbatim secret values known before the run, hidden from messages.
    pub(super) secrets: Secrets,
    /// Those of them the script can read (revealed fields, their
    /// variables): the only ones a result can copy, and is refused for.
    pub(super) readable: Secrets,
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
    readable: Secrets,
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
            held: Cell::new(0),
        });
        let hook_meter = meter.clone();
        // A global hook, not a per-thread one: coroutines created by the
        // script inherit it, so they are metered too.
        state.set_global_hook(
            HookTriggers::new().every_nth_instruction(STEP).on_calls(),
            move |_, debug| {
                match debug.event() {
                    mlua::debug::DebugEvent::Count => hook_meter.tick(),
                    _ => hook_meter.on_time(),
                }
                .map(|()| VmState::Continue)
            },
        )?;

        let globals = state.globals();
        restrict_os(&state, &globals, env, &policy)?;
        for name in REMOVED {
            globals.raw_set(*name, LuaValue::Nil)?;
        }
        let string: Table = globals.raw_get("string")?;
        string.raw_set("dump", LuaValue::Nil)?;
        pattern::install(&state, &string, &meter, limits.memory)?;
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
        let starved_meter = meter.clone();
        let starved = state.create_function(move |_, err: LuaValue| {
            let memory = match &err {
                LuaValue::String(s) => s.as_bytes() == b"not enough memory".as_slice(),
                LuaValue::Error(e) => matches!(innermost(e), mlua::Error::MemoryError(_)),
                _ => false,
            };
            if memory {
                starved_meter.starved();
            }
            Ok(())
        })?;
        let steps = limits.steps();
        // The parser runs in C, past every hook, for as long as the chunk
        // is: a chunk is at most as many bytes as a library call takes steps.
        let parsable = state.create_function(move |_, chunk: mlua::LuaString| {
            let text = chunk.as_bytes();
            let why = match text.len() as u64 {
                len if len > steps => Some(format!(
                    "it is {len} bytes long, more than a configuration script may parse at once \
                     (at most {steps})"
                )),
                _ => unparsable(&text, steps),
            };
            match why {
                Some(why) => Err(mlua::Error::runtime(format!(
                    "load: the chunk cannot be parsed: {why}"
                ))),
                None => Ok(()),
            }
        })?;
        let metas = state.create_table()?;
        let weak = state.create_table()?;
        weak.raw_set("__mode", "k")?;
        metas.set_metatable(Some(weak))?;
        let base = |name: &str| globals.raw_get::<LuaValue>(name);
        let coroutine: Table = globals.raw_get("coroutine")?;
        let table: Table = globals.raw_get("table")?;
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
                    LuaValue::Function(starved),
                    LuaValue::Function(parsable),
                    table.raw_get::<LuaValue>("concat")?,
                ]))?;
        let _ = meter.disarm.set(disarm);
        let math: Table = globals.raw_get("math")?;
        // The metatable as it is, past a `__metatable` field that would
        // hide it from `getmetatable`.
        let has_len = state.create_function(|_, t: LuaValue| {
            Ok(match t {
                LuaValue::Table(t) => t
                    .metatable()
                    .is_some_and(|mt| !mt.raw_get::<LuaValue>("__len").is_ok_and(|v| v.is_nil())),
                _ => false,
            })
        })?;
        // Whether a table has a metatable, and one with `__tostring`: read
        // raw, past a `__metatable` field, and running no code.
        let has_meta = state.create_function(|_, t: LuaValue| {
            Ok(matches!(t, LuaValue::Table(t) if t.metatable().is_some()))
        })?;
        let has_tostring = state.create_function(|_, t: LuaValue| {
            Ok(match t {
                LuaValue::Table(t) => t.metatable().is_some_and(|mt| {
                    !mt.raw_get::<LuaValue>("__tostring")
                        .is_ok_and(|v| v.is_nil())
                }),
                _ => false,
            })
        })?;
        // The conversions of a `string.format` text, in order (`%%` is
        // none), with `s` and `p` set where one of those stands.
        let conversions = state.create_function(|lua, fmt: mlua::LuaString| {
            let out = lua.create_table()?;
            let bytes = fmt.as_bytes();
            let mut i = 0;
            let mut n = 0;
            while i < bytes.len() {
                if bytes[i] != b'%' {
                    i += 1;
                    continue;
                }
                i += 1;
                if bytes.get(i) == Some(&b'%') {
                    i += 1;
                    continue;
                }
                while i < bytes.len() && b"-+ #0123456789.".contains(&bytes[i]) {
                    i += 1;
                }
                let Some(&c) = bytes.get(i) else { break };
                n += 1;
                let c = (c as char).to_string();
                out.raw_set(n, c.as_str())?;
                if c == "s" || c == "p" {
                    out.raw_set(c, true)?;
                }
                i += 1;
            }
            Ok(out)
        })?;
        // How many tables one access may walk through in C: the chain of
        // `field` (`__index`, `__newindex`) metatables, raw as `has_len`.
        let chain = state.create_function(|_, (t, field): (LuaValue, mlua::LuaString)| {
            let mut depth = 0i64;
            let mut at = t;
            while let LuaValue::Table(t) = at {
                let Some(mt) = t.metatable() else { break };
                match mt.raw_get::<LuaValue>(&field)? {
                    LuaValue::Nil => break,
                    next => {
                        depth += 1;
                        at = next;
                    }
                }
                if depth > 1 << 20 {
                    break;
                }
            }
            Ok(depth)
        })?;
        state
            .load(LIBRARY)
            .set_name("=staid")
            .set_mode(ChunkMode::Text)
            .call::<()>(MultiValue::from_iter([
                LuaValue::Table(string.clone()),
                LuaValue::Table(table.clone()),
                LuaValue::Integer(limits.steps() as i64),
                string.raw_get::<LuaValue>("rep")?,
                table.raw_get::<LuaValue>("move")?,
                table.raw_get::<LuaValue>("insert")?,
                table.raw_get::<LuaValue>("remove")?,
                math.raw_get::<LuaValue>("tointeger")?,
                base("select")?,
                base("error")?,
                base("rawlen")?,
                LuaValue::Function(has_len),
                table.raw_get::<LuaValue>("sort")?,
                base("type")?,
                table.raw_get::<LuaValue>("concat")?,
                table.raw_get::<LuaValue>("unpack")?,
                LuaValue::Function(chain),
                base("tostring")?,
                string.raw_get::<LuaValue>("format")?,
                LuaValue::Function(has_meta),
                LuaValue::Function(has_tostring),
                LuaValue::Function(conversions),
                base("tonumber")?,
            ]))?;

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
            readable: policy.readable,
        })
    }

    /// Runs the script with `below` as `config` and `host` as `host`, and
    /// converts what it returns.
    pub(super) fn run(&self, text: &str, below: &Value, host: &Value) -> Ran {
        let mut ran = match self.run_inner(text, below, host) {
            Ok(ran) => ran,
            Err(e) => Ran {
                layer: None,
                problems: vec![self.problem(&e, ProblemKind::Source, &self.secrets, None)],
                hooks: 0,
            },
        };
        report::finish(&mut ran.problems, &self.secrets);
        ran
    }

    fn run_inner(&self, text: &str, below: &Value, host: &Value) -> mlua::Result<Ran> {
        if let Some(why) = unparsable(text.as_bytes(), self.limits.steps()) {
            return Err(mlua::Error::runtime(format!(
                "the script cannot be parsed: {why}"
            )));
        }
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
        self.meter.on_time()?;
        let lines = Assignments::scan(text);
        let converted = convert::returned(
            returned,
            Convert {
                script: &self.script,
                lines: &lines,
                data_of: &self.views.data_of,
                schema: self.schema,
                secrets: &self.secrets,
                readable: &self.readable,
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
        self.meter.on_time()?;
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
        let mut problems = self.run_hooks_inner(tree, &secrets);
        report::finish(&mut problems, &secrets);
        problems
    }

    fn run_hooks_inner(&self, tree: &Value, secrets: &Secrets) -> Vec<Problem> {
        let config = match convert::view(&self.state, &self.views, tree, Some(self.schema), None) {
            Ok(config) => config,
            Err(e) => return vec![self.problem(&e, ProblemKind::Validation, secrets, None)],
        };
        let mut problems = Vec::new();
        for hook in self.hooks.borrow().iter() {
            if problems.len() > report::MAX_PROBLEMS {
                break;
            }
            let result = match &hook.key {
                None => hook.func.call::<MultiValue>(config.clone()),
                Some(key) => {
                    let at = self.key_at(key);
                    let value = match key.is_empty() {
                        true => Some(tree),
                        false => tree.get(key),
                    };
                    let value = match value {
                        Some(v) if !at.hidden => {
                            convert::view(&self.state, &self.views, v, at.schema, at.field)
                        }
                        _ => Ok(LuaValue::Nil),
                    };
                    value.and_then(|v| hook.func.call::<MultiValue>((v, config.clone())))
                }
            };
            // A hook that returned after the deadline broke the limit all
            // the same.
            let result = result.and_then(|returned| self.meter.on_time().map(|()| returned));
            let problem = match result {
                Ok(returned) => verdict(returned, secrets).map(|message| {
                    Problem::new(ProblemKind::Validation, message).with_origin(Origin::Lua {
                        script: self.script.clone(),
                        line: hook.line,
                    })
                }),
                Err(e) => Some(self.problem(&e, ProblemKind::Validation, secrets, hook.line)),
            };
            if let Some(problem) = problem {
                let broke = self.meter.breach.get().is_some();
                problems.push(match &hook.key {
                    Some(key) if !broke => {
                        problem.with_key(report::shown(key, MAX_HOOK_KEY, secrets))
                    }
                    _ => problem,
                });
                if broke {
                    break;
                }
            }
        }
        problems
    }

    /// Where a hook's dotted key leads: the schema and field its value is
    /// viewed by, through sections, list indices and map entries (the
    /// empty key is the whole configuration), and whether it is, or is
    /// inside, a secret field the script may not read.
    fn key_at(&self, key: &str) -> KeyAt {
        let mut at = KeyAt {
            schema: Some(self.schema),
            field: None,
            hidden: false,
        };
        if key.is_empty() {
            return at;
        }
        let mut parts = key.split('.');
        while let Some(part) = parts.next() {
            let Some(field) = at.schema.and_then(|s| s.field(part)) else {
                // Below a leaf, or a key the schema does not have: viewed
                // as it is, its secrets (if any) found above it.
                return KeyAt {
                    schema: None,
                    field: None,
                    hidden: false,
                };
            };
            if self.views.hides(field) {
                at.hidden = true;
                return at;
            }
            at.field = Some(field);
            at.schema = field.nested();
            // A list's index or a map's entry name, then an element.
            if let Some(element) = field.elements() {
                if parts.next().is_some() {
                    at.schema = Some(element);
                    at.field = None;
                }
            }
        }
        at
    }

    /// A staid problem for a Lua error: a broken limit first, then the
    /// script's own message with its line, made safe to print. `fallback`
    /// is the line when Lua tells none (a hook's registration).
    fn problem(
        &self,
        error: &mlua::Error,
        kind: ProblemKind,
        secrets: &Secrets,
        fallback: Option<usize>,
    ) -> Problem {
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
        let (text, traceback) = match text.find("\nstack traceback:") {
            Some(i) => (&text[..i], &text[i..]),
            None => (&text[..], ""),
        };
        let (line, message) = split_position(text, &self.chunk_name);
        // Raised in staid's own Lua code (a comparison in `table.sort`):
        // the script's line is in the traceback.
        let message = match split_position(message, "staid") {
            (Some(_), inner) if line.is_none() => inner,
            _ => message,
        };
        // An error raised in Rust (a misused `validate`, a bad argument), or
        // raised without a position (`error(msg, 0)`, an error object), has
        // none in its message; the traceback has the script's line.
        let traceback = match error {
            mlua::Error::CallbackError { traceback, .. } => traceback,
            _ => traceback,
        };
        let line = line
            .or_else(|| traceback_line(traceback, &self.chunk_name))
            .or(fallback);
        let message = report::shown(message, report::MAX_MESSAGE, secrets);
        let message = if kind == ProblemKind::Syntax {
            format!("Lua syntax error: {}", hide_literal(&message))
        } else {
            message
        };
        Problem::new(kind, message).with_origin(origin(line))
    }
}

/// A syntax error's `near '..'` without the text of a string or number
/// literal (`unfinished string near '"hunter2'`): a script that does not
/// parse has no values yet to tell a secret by, and a literal is where one
/// would be written.
fn hide_literal(message: &str) -> String {
    let Some(at) = message.find(" near '") else {
        return message.to_owned();
    };
    let token = &message[at + 7..];
    match token.chars().next() {
        Some('"' | '\'') => format!("{} near a string", &message[..at]),
        Some('[') if token[1..].starts_with(['[', '=']) => {
            format!("{} near a string", &message[..at])
        }
        Some(c) if c.is_ascii_digit() => format!("{} near a number", &message[..at]),
        Some('.') if token[1..].starts_with(|c: char| c.is_ascii_digit()) => {
            format!("{} near a number", &message[..at])
        }
        _ => message.to_owned(),
    }
}

/// What [`Sandbox::key_at`] finds.
struct KeyAt {
    schema: Option<&'static Schema>,
    field: Option<&'static crate::Field>,
    hidden: bool,
}

/// A hook's result: `Some(message)` when it failed by returning `false`.
fn verdict(returned: MultiValue, secrets: &Secrets) -> Option<String> {
    let mut values = returned.into_iter();
    match values.next() {
        Some(LuaValue::Boolean(false)) => Some(match values.next() {
            Some(LuaValue::String(s)) => {
                // Only the part that is kept is copied out of Lua, and as
                // much again as the longest secret, so that one that starts
                // before the cut is whole in the copy and is replaced.
                let raw = s.as_bytes();
                let cut = &raw[..raw.len().min(report::MAX_MESSAGE + 4 + secrets.longest())];
                report::shown(&String::from_utf8_lossy(cut), report::MAX_MESSAGE, secrets)
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

#[cfg(test)]
#[path = "sandbox_tests.rs"]
mod tests;
