//! The library calls over the matcher, as Lua's `lstrlib.c` makes them:
//! their arguments, results and errors.

use std::cell::Cell;
use std::rc::Rc;

use mlua::{Lua as State, LuaString, MultiValue, Table, Value as LuaValue};

use super::super::meter::Meter;
use super::matcher::{error, Matcher, Result, BULK, ESC, SPECIALS};

/// Lua's `posrelatI`: a 1-based position, negative from the end, as an
/// offset from the start (which may be past the end).
fn start_at(pos: i64, len: usize) -> usize {
    if pos > 0 {
        usize::try_from(pos - 1).unwrap_or(usize::MAX)
    } else if pos == 0 || pos.unsigned_abs() > len as u64 {
        0
    } else {
        len - pos.unsigned_abs() as usize
    }
}

/// The arguments of a library call, read as Lua's `luaL_check*` read them.
struct Args<'a> {
    lua: &'a State,
    values: Vec<LuaValue>,
    name: &'static str,
    meter: &'a Rc<Meter>,
}

impl Args<'_> {
    fn get(&self, n: usize) -> Option<&LuaValue> {
        self.values.get(n - 1)
    }

    fn bad(&self, n: usize, why: &str) -> mlua::Error {
        mlua::Error::runtime(format!("bad argument #{n} to '{}' ({why})", self.name))
    }

    fn type_name(&self, n: usize) -> &'static str {
        match self.get(n) {
            None => "no value",
            Some(LuaValue::Nil) => "nil",
            Some(LuaValue::Boolean(_)) => "boolean",
            Some(LuaValue::Integer(_) | LuaValue::Number(_)) => "number",
            Some(LuaValue::String(_)) => "string",
            Some(LuaValue::Table(_)) => "table",
            Some(LuaValue::Function(_)) => "function",
            Some(LuaValue::Thread(_)) => "thread",
            Some(_) => "userdata",
        }
    }

    /// A string, or a number as its text.
    fn string(&self, n: usize) -> Result<LuaString> {
        match self.get(n) {
            Some(LuaValue::String(s)) => Ok(s.clone()),
            Some(v @ (LuaValue::Integer(_) | LuaValue::Number(_))) => self
                .lua
                .coerce_string(v.clone())?
                .ok_or_else(|| self.bad(n, "string expected")),
            _ => Err(self.bad(n, &format!("string expected, got {}", self.type_name(n)))),
        }
    }

    /// An integer, `default` when absent or nil.
    fn integer(&self, n: usize, default: i64) -> Result<i64> {
        let value = match self.get(n) {
            None | Some(LuaValue::Nil) => return Ok(default),
            Some(v) => v.clone(),
        };
        if let Some(i) = self.lua.coerce_integer(value.clone())? {
            return Ok(i);
        }
        Err(match self.lua.coerce_number(value)? {
            Some(_) => self.bad(n, "number has no integer representation"),
            None => self.bad(n, &format!("number expected, got {}", self.type_name(n))),
        })
    }

    fn truthy(&self, n: usize) -> bool {
        !matches!(
            self.get(n),
            None | Some(LuaValue::Nil | LuaValue::Boolean(false))
        )
    }
}

/// One of the library calls: its arguments, and the memory limit, which
/// bounds what `gsub` builds.
type Call = fn(&Args<'_>, usize) -> Result<MultiValue>;

/// Replaces `find`, `match`, `gmatch` and `gsub` of the `string` table with
/// the metered ones; `gsub` builds its result in what the Lua heap has
/// left of `memory`, its limit.
pub(in crate::source::lua) fn install(
    state: &State,
    string: &Table,
    meter: &Rc<Meter>,
    memory: usize,
) -> Result<()> {
    let calls: [(&'static str, Call); 4] = [
        ("find", |args, _| find_or_match(args, true)),
        ("match", |args, _| find_or_match(args, false)),
        ("gmatch", |args, _| gmatch(args)),
        ("gsub", gsub),
    ];
    for (name, call) in calls {
        let meter = meter.clone();
        let f = state.create_function(move |lua, values: MultiValue| {
            let args = Args {
                lua,
                values: values.into_vec(),
                name,
                meter: &meter,
            };
            call(&args, memory)
        })?;
        string.raw_set(name, f)?;
    }
    Ok(())
}

/// Lua's `str_find_aux`.
fn find_or_match(args: &Args<'_>, find: bool) -> Result<MultiValue> {
    let meter = args.meter;
    let subject = args.string(1)?;
    let pattern = args.string(2)?;
    let (src, pat) = (subject.as_bytes(), pattern.as_bytes());
    let init = start_at(args.integer(3, 1)?, src.len());
    let lua = args.lua;
    if init > src.len() {
        return Ok(MultiValue::from_iter([LuaValue::Nil]));
    }
    if find && (args.truthy(4) || !pat.iter().any(|c| SPECIALS.contains(c))) {
        let mut m = Matcher::new(&src, &pat, meter);
        return Ok(match m.find_plain(init, &pat)? {
            Some(at) => MultiValue::from_iter([
                LuaValue::Integer(at as i64 + 1),
                LuaValue::Integer((at + pat.len()) as i64),
            ]),
            None => MultiValue::from_iter([LuaValue::Nil]),
        });
    }
    let anchor = pat.first() == Some(&b'^');
    let mut m = Matcher::new(&src, &pat[anchor as usize..], meter);
    let mut s1 = init;
    loop {
        m.reset();
        if let Some(end) = m.do_match(s1, 0)? {
            if !find {
                return m.captures(lua, s1, end, true);
            }
            let mut out = m.captures(lua, s1, end, false)?;
            out.push_front(LuaValue::Integer(end as i64));
            out.push_front(LuaValue::Integer(s1 as i64 + 1));
            return Ok(out);
        }
        m.step(1)?;
        if anchor || s1 >= src.len() {
            return Ok(MultiValue::from_iter([LuaValue::Nil]));
        }
        s1 += 1;
    }
}

/// Lua's `gmatch`: an iterator over the matches from `init` on.
fn gmatch(args: &Args<'_>) -> Result<MultiValue> {
    let subject = args.string(1)?;
    let pattern = args.string(2)?;
    let len = subject.as_bytes().len();
    let from = Cell::new(start_at(args.integer(3, 1)?, len).min(len + 1));
    let last: Cell<Option<usize>> = Cell::new(None);
    let meter = args.meter.clone();
    let next = args.lua.create_function(move |lua, ()| {
        let (src, pat) = (subject.as_bytes(), pattern.as_bytes());
        let mut m = Matcher::new(&src, &pat, &meter);
        for s in from.get()..=src.len() {
            m.reset();
            if let Some(end) = m.do_match(s, 0)? {
                if Some(end) != last.get() {
                    from.set(end);
                    last.set(Some(end));
                    return m.captures(lua, s, end, true);
                }
            }
            m.step(1)?;
        }
        Ok(MultiValue::new())
    })?;
    Ok(MultiValue::from_iter([LuaValue::Function(next)]))
}

/// Lua's `str_gsub`. The result is built outside the Lua heap, in at most
/// what the heap has left of `memory`, less what the calls under way hold
/// (a replacement function may call `gsub` again, each level building its
/// own result): the result must fit there in the end, and past that the
/// call is out of memory as Lua's own buffer, which lives in the heap,
/// would be.
fn gsub(args: &Args<'_>, memory: usize) -> Result<MultiValue> {
    let (lua, meter) = (args.lua, args.meter);
    let subject = args.string(1)?;
    let pattern = args.string(2)?;
    let (src, pat) = (subject.as_bytes(), pattern.as_bytes());
    let repl = match args.get(3) {
        Some(LuaValue::String(_) | LuaValue::Integer(_) | LuaValue::Number(_)) => {
            Repl::Text(args.string(3)?)
        }
        Some(LuaValue::Table(t)) => Repl::Table(t.clone()),
        Some(LuaValue::Function(f)) => Repl::Function(f.clone()),
        _ => {
            let why = format!("string/function/table expected, got {}", args.type_name(3));
            return Err(args.bad(3, &why));
        }
    };
    let max = args.integer(4, src.len() as i64 + 1)?;
    let anchor = pat.first() == Some(&b'^');
    let mut m = Matcher::new(&src, &pat[anchor as usize..], meter);
    let mut out = Out {
        bytes: Vec::new(),
        room: memory.saturating_sub(lua.used_memory().saturating_add(meter.held.get())),
        held: &meter.held,
    };
    let mut s = 0;
    let mut last = None;
    let mut n: i64 = 0;
    let mut changed = false;
    while n < max {
        m.reset();
        match m.do_match(s, 0)? {
            Some(e) if Some(e) != last => {
                n += 1;
                changed |= add_value(&mut m, lua, &mut out, s, e, &repl)?;
                s = e;
                last = Some(e);
            }
            _ if s < src.len() => {
                out.push(&mut m, &src[s..=s])?;
                s += 1;
            }
            _ => break,
        }
        if anchor {
            break;
        }
    }
    let result = if changed {
        out.push(&mut m, &src[s..])?;
        LuaValue::String(lua.create_string(&out.bytes)?)
    } else {
        args.get(1).cloned().unwrap_or(LuaValue::Nil)
    };
    Ok(MultiValue::from_iter([result, LuaValue::Integer(n)]))
}

/// What `gsub` replaces a match with.
enum Repl {
    Text(LuaString),
    Table(Table),
    Function(mlua::Function),
}

/// The result of `gsub` as it is built, counted in the sandbox's `held`
/// bytes while it lives.
struct Out<'m> {
    bytes: Vec<u8>,
    room: usize,
    held: &'m Cell<usize>,
}

impl Out<'_> {
    /// Appends `bytes`, charged as a bulk copy.
    fn push(&mut self, m: &mut Matcher<'_>, bytes: &[u8]) -> Result<()> {
        m.step(1 + bytes.len() / BULK)?;
        if self.bytes.len() + bytes.len() > self.room {
            return Err(mlua::Error::MemoryError("not enough memory".to_owned()));
        }
        self.bytes.extend_from_slice(bytes);
        self.held.set(self.held.get() + bytes.len());
        Ok(())
    }
}

impl Drop for Out<'_> {
    fn drop(&mut self) {
        self.held
            .set(self.held.get().saturating_sub(self.bytes.len()));
    }
}

/// Lua's `add_value`: appends the replacement of the match from `s` to `e`;
/// whether it changed the subject.
fn add_value(
    m: &mut Matcher<'_>,
    lua: &State,
    out: &mut Out,
    s: usize,
    e: usize,
    repl: &Repl,
) -> Result<bool> {
    let value = match repl {
        Repl::Text(text) => {
            add_text(m, lua, out, s, e, &text.as_bytes())?;
            return Ok(true);
        }
        Repl::Function(f) => f.call::<LuaValue>(m.captures(lua, s, e, true)?)?,
        Repl::Table(t) => t.get::<LuaValue>(m.capture_value(lua, 0, s, e)?)?,
    };
    let src = m.src;
    match value {
        LuaValue::Nil | LuaValue::Boolean(false) => {
            out.push(m, &src[s..e])?;
            Ok(false)
        }
        v @ (LuaValue::String(_) | LuaValue::Integer(_) | LuaValue::Number(_)) => {
            let text = lua.coerce_string(v)?.expect("a string or number");
            out.push(m, &text.as_bytes())?;
            Ok(true)
        }
        other => {
            let name = match other {
                LuaValue::Boolean(_) => "boolean",
                LuaValue::Table(_) => "table",
                LuaValue::Function(_) => "function",
                LuaValue::Thread(_) => "thread",
                _ => "userdata",
            };
            error(format!("invalid replacement value (a {name})"))
        }
    }
}

/// Lua's `add_s`: a replacement text with `%0`..`%9` and `%%`.
fn add_text(
    m: &mut Matcher<'_>,
    lua: &State,
    out: &mut Out,
    s: usize,
    e: usize,
    text: &[u8],
) -> Result<()> {
    let src = m.src;
    let mut rest = text;
    while let Some(at) = rest.iter().position(|&c| c == ESC) {
        out.push(m, &rest[..at])?;
        match rest.get(at + 1).copied().unwrap_or(0) {
            ESC => out.push(m, &[ESC])?,
            b'0' => out.push(m, &src[s..e])?,
            c @ b'1'..=b'9' => match m.capture_value(lua, (c - b'1') as usize, s, e)? {
                LuaValue::String(cap) => out.push(m, &cap.as_bytes())?,
                LuaValue::Integer(i) => out.push(m, i.to_string().as_bytes())?,
                _ => unreachable!("a capture is text or a position"),
            },
            _ => return error("invalid use of '%' in replacement string"),
        }
        rest = &rest[at + 2..];
    }
    out.push(m, rest)
}
