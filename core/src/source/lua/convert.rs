//! Values across the boundary: the configuration as read-only Lua tables,
//! and what a script returns as a [`Value`] tree with Lua origins.
//!
//! Nothing is lost silently: a table with both list items and named keys, a
//! list with gaps, a function, a key that is not a string, a table that
//! cannot be read or one whose metatable gives it values is an error that
//! names the key.
//!
//! The copy is paid for by the host, outside the Lua heap, so it is metered
//! too: every value and every byte of text is charged to a budget as large
//! as the memory limit, and the clock is read as it goes. A result that is
//! small in Lua but large once copied (one long string referenced from a
//! hundred thousand places) is refused before it is copied.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use mlua::{Function, Lua as State, Table as LuaTable, Value as LuaValue};

use super::lines::Assignments;
use super::meter::{bytes, Breach};
use super::report::{self, Secrets};
use crate::error::{Problem, ProblemKind};
use crate::origin::Origin;
use crate::schema::{Field, Schema};
use crate::text;
use crate::value::{Kind, Table, Value};

/// Tables nested deeper than this in a script's result are refused, so a
/// table that contains itself ends with an error, not a stack overflow.
const MAX_DEPTH: usize = 128;

/// More values than this in a script's result are refused: the Lua memory
/// limit does not cover the copy staid makes of them.
pub(super) const MAX_VALUES: usize = 100_000;

/// What one value costs the host besides its text: the node of the tree,
/// its origin and its place in a table.
const VALUE_COST: usize = std::mem::size_of::<Value>() + 48;

/// Values converted between two looks at the clock.
const CLOCK_EVERY: usize = 1024;

/// The Lua helpers shared by every read-only view of one state.
pub(super) struct Views {
    /// Each view's data table, by view.
    pub(super) data_of: LuaTable,
    /// The secret fields the application lets the script read; every other
    /// secret field is absent from its views.
    pub(super) revealed: Vec<&'static Field>,
    pub(super) pairs: Function,
    pub(super) len: Function,
    pub(super) deny: Function,
}

/// A read-only Lua view of a value. Text from the environment and flags is
/// shown converted by the field's type when it is a number or a boolean, so
/// `config.port > 1024` works whichever layer set the port.
pub(super) fn view(
    state: &State,
    views: &Views,
    value: &Value,
    schema: Option<&'static Schema>,
    field: Option<&'static Field>,
) -> mlua::Result<LuaValue> {
    Ok(match &value.kind {
        Kind::Bool(b) => LuaValue::Boolean(*b),
        Kind::Integer(i) => match i64::try_from(*i) {
            Ok(i) => LuaValue::Integer(i),
            Err(_) => LuaValue::Number(*i as f64),
        },
        Kind::Float(x) => LuaValue::Number(*x),
        Kind::String(s) => match field.filter(|_| value.is_text()) {
            Some(field) => typed_text(s, field.ty)
                .map_or_else(|| state.create_string(s).map(LuaValue::String), Ok)?,
            None => LuaValue::String(state.create_string(s)?),
        },
        Kind::Datetime(s) => LuaValue::String(state.create_string(s)?),
        Kind::Array(items) => {
            // The items of a list of sections are structs of their own.
            let element = field.and_then(|f| f.elements());
            let data = state.create_table_with_capacity(items.len(), 0)?;
            for item in items {
                let item = match element {
                    Some(element) => view(state, views, item, Some(element), None)?,
                    None => view(state, views, item, None, field)?,
                };
                data.raw_push(item)?;
            }
            read_only(state, views, data)?
        }
        Kind::Table(entries) => {
            // The entries of a map of sections, likewise.
            let element = field
                .and_then(|f| f.elements())
                .filter(|_| schema.is_none());
            // An enum section's chosen variant keeps its fields beside the tag.
            let variant = schema
                .and_then(|s| s.variant_of(entries))
                .and_then(|v| v.schema);
            let data = state.create_table_with_capacity(0, entries.len())?;
            for (key, item) in entries {
                if let Some(element) = element {
                    data.raw_set(key.as_str(), view(state, views, item, Some(element), None)?)?;
                    continue;
                }
                // The chosen variant's own field first: another variant may
                // use the key for a field of another kind.
                let field = variant
                    .and_then(|v| v.field(key))
                    .or_else(|| schema.and_then(|s| s.field(key)));
                if field.is_some_and(|f| views.hides(f)) {
                    continue;
                }
                let nested = field.and_then(|f| f.nested());
                data.raw_set(key.as_str(), view(state, views, item, nested, field)?)?;
            }
            read_only(state, views, data)?
        }
    })
}

impl Views {
    /// Whether a field is a secret the script may not read.
    pub(super) fn hides(&self, field: &'static Field) -> bool {
        field.secret && !self.revealed.iter().any(|f| std::ptr::eq(*f, field))
    }
}

fn read_only(state: &State, views: &Views, data: LuaTable) -> mlua::Result<LuaValue> {
    let meta = state.create_table_with_capacity(0, 5)?;
    meta.raw_set("__index", &data)?;
    meta.raw_set("__newindex", &views.deny)?;
    meta.raw_set("__pairs", &views.pairs)?;
    meta.raw_set("__len", &views.len)?;
    meta.raw_set("__metatable", "read-only")?;
    let proxy = state.create_table()?;
    proxy.set_metatable(Some(meta))?;
    views.data_of.raw_set(&proxy, data)?;
    Ok(LuaValue::Table(proxy))
}

/// Text converted by a scalar field type, as the build will convert it.
fn typed_text(s: &str, ty: &str) -> Option<LuaValue> {
    let ty = ty.replace(' ', "");
    let ty = ty
        .strip_prefix("Option<")
        .and_then(|t| t.strip_suffix('>'))
        .unwrap_or(&ty);
    match ty {
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" | "i8" | "i16" | "i32" | "i64" | "i128"
        | "isize" => text::parse_int(s)
            .and_then(|i| i64::try_from(i).ok())
            .map(LuaValue::Integer),
        "f32" | "f64" => text::parse_float(s).map(LuaValue::Number),
        "bool" => text::parse_bool(s).map(LuaValue::Boolean),
        _ => None,
    }
}

/// What a conversion needs besides the value.
pub(super) struct Convert<'a> {
    pub(super) script: &'a Arc<Path>,
    pub(super) lines: &'a Assignments<'a>,
    pub(super) data_of: &'a LuaTable,
    pub(super) schema: &'static Schema,
    /// Secret values, hidden from messages.
    pub(super) secrets: &'a Secrets,
    /// Those the script can read: a result that holds one copies it.
    pub(super) readable: &'a Secrets,
    /// Bytes the copy may take.
    pub(super) budget: usize,
    pub(super) deadline: Instant,
}

/// Converts a script's return value into a layer: a table, or nothing. A
/// broken limit (the clock, or Lua's memory while the tables are read) ends
/// the conversion.
pub(super) fn returned(
    value: LuaValue,
    convert: Convert<'_>,
) -> Result<(Option<Value>, Vec<Problem>), Breach> {
    let mut cx = Returned {
        budget: convert.budget,
        cx: convert,
        count: 0,
        spent: 0,
        overflowed: false,
        breach: None,
        problems: Vec::new(),
    };
    let layer = match value {
        LuaValue::Nil => None,
        LuaValue::Table(_) => cx.value(value, &mut Vec::new(), None),
        other => {
            cx.problems.push(
                Problem::new(
                    ProblemKind::Type,
                    format!(
                        "the script must return a table of values or nothing, not {}",
                        describe(&other)
                    ),
                )
                .with_origin(cx.origin(None)),
            );
            None
        }
    };
    if let Some(breach) = cx.breach {
        return Err(breach);
    }
    let problems = cx.problems;
    Ok((layer.filter(|_| problems.is_empty()), problems))
}

struct Returned<'a> {
    cx: Convert<'a>,
    budget: usize,
    count: usize,
    spent: usize,
    overflowed: bool,
    breach: Option<Breach>,
    problems: Vec<Problem>,
}

impl Returned<'_> {
    fn origin(&self, line: Option<usize>) -> Origin {
        Origin::Lua {
            script: self.cx.script.clone(),
            line,
        }
    }

    fn fail(&mut self, kind: ProblemKind, path: &[String], line: Option<usize>, msg: String) {
        // Past the cap the problems are only counted: their key paths are
        // not even joined.
        if self.problems.len() > report::MAX_PROBLEMS {
            self.problems.push(Problem::new(kind, String::new()));
            return;
        }
        let problem = Problem::new(kind, msg)
            .with_key(report::key(path))
            .with_origin(self.origin(line));
        self.problems.push(problem);
    }

    /// Whether the conversion must stop: a limit broke, the result is too
    /// big, or too many problems were found.
    fn stopped(&self) -> bool {
        self.breach.is_some() || self.overflowed || self.problems.len() > 10 * report::MAX_PROBLEMS
    }

    fn too_many(&mut self) {
        if !self.overflowed {
            self.fail(
                ProblemKind::Type,
                &[],
                None,
                format!("the script returned more than {MAX_VALUES} values"),
            );
            self.overflowed = true;
        }
    }

    /// Charges `n` bytes of the copy; `false` once the budget is spent.
    fn spend(&mut self, n: usize, path: &[String]) -> bool {
        self.spent = self.spent.saturating_add(n);
        if self.spent <= self.budget {
            return true;
        }
        if !self.overflowed {
            self.fail(
                ProblemKind::Type,
                path,
                None,
                format!(
                    "the script's result takes more than {} once copied out of Lua \
                     (text referenced from many places is copied for each)",
                    bytes(self.budget)
                ),
            );
            self.overflowed = true;
        }
        false
    }

    /// A string of the result: charged, and refused when it holds a
    /// secret's value outside a secret field.
    fn text(
        &mut self,
        s: &mlua::LuaString,
        path: &[String],
        line: Option<usize>,
    ) -> Option<String> {
        let raw = s.as_bytes();
        if !self.spend(raw.len(), path) {
            return None;
        }
        let Ok(text) = std::str::from_utf8(&raw) else {
            self.fail(
                ProblemKind::Type,
                path,
                line,
                "the string is not valid UTF-8".to_owned(),
            );
            return None;
        };
        if self.cx.readable.found_in(text) && !self.cx.schema.is_secret(&joined(path)) {
            self.fail(
                ProblemKind::Validation,
                path,
                line,
                "the value holds the value of a secret field, and this field is not secret \
                 (value hidden)"
                    .to_owned(),
            );
            return None;
        }
        Some(text.to_owned())
    }

    /// Converts one value at `path`; `None` for nil or on a problem.
    fn value(
        &mut self,
        value: LuaValue,
        path: &mut Vec<String>,
        parent_line: Option<usize>,
    ) -> Option<Value> {
        if self.stopped() {
            return None;
        }
        let is_item = path.last().is_some_and(|s| s.parse::<usize>().is_ok());
        let line = if is_item || path.is_empty() {
            parent_line
        } else {
            // The named segments nearest the value are enough to match.
            let mut named: Vec<&str> = path
                .iter()
                .rev()
                .filter(|s| s.parse::<usize>().is_err())
                .take(16)
                .map(String::as_str)
                .collect();
            named.reverse();
            self.cx.lines.line_of(&named).or(parent_line)
        };
        self.count += 1;
        if self.count > MAX_VALUES {
            self.too_many();
            return None;
        }
        if self.count % CLOCK_EVERY == 0 && Instant::now() >= self.cx.deadline {
            self.breach = Some(Breach::Time);
            return None;
        }
        if !self.spend(VALUE_COST, path) {
            return None;
        }
        let kind = match value {
            LuaValue::Nil => return None,
            LuaValue::Boolean(b) => Kind::Bool(b),
            LuaValue::Integer(i) => Kind::Integer(i.into()),
            LuaValue::Number(x) => Kind::Float(x),
            LuaValue::String(s) => Kind::String(self.text(&s, path, line)?),
            LuaValue::Table(t) => {
                if path.len() >= MAX_DEPTH {
                    self.fail(
                        ProblemKind::TooDeep,
                        path,
                        line,
                        format!(
                            "tables are nested deeper than {MAX_DEPTH} levels \
                             (does a table contain itself?)"
                        ),
                    );
                    return None;
                }
                // A read-only view of the configuration returned as is: its
                // data, which the view itself does not hold.
                let t = match self.cx.data_of.raw_get::<Option<LuaTable>>(&t) {
                    Ok(Some(data)) => data,
                    _ => t,
                };
                self.table(t, path, line)?
            }
            other => {
                self.fail(
                    ProblemKind::Type,
                    path,
                    line,
                    format!("{} cannot be a configuration value", describe(&other)),
                );
                return None;
            }
        };
        Some(Value::new(kind, self.origin(line)))
    }

    fn table(&mut self, t: LuaTable, path: &mut Vec<String>, line: Option<usize>) -> Option<Kind> {
        // Only a table's own entries are read: one that gets values from
        // its metatable (inherited through `__index`, listed by `__pairs`)
        // would lose them.
        if let Some(meta) = t.metatable() {
            for name in ["__index", "__pairs"] {
                match meta.raw_get::<LuaValue>(name) {
                    Ok(LuaValue::Nil) => {}
                    Ok(_) => {
                        self.fail(
                            ProblemKind::Type,
                            path,
                            line,
                            format!(
                                "the table has a metatable with `{name}`: only a plain table is \
                                 read whole as configuration (copy what the metatable gives \
                                 into one)"
                            ),
                        );
                        return None;
                    }
                    Err(_) => {
                        // Looking up the name is all it does: only a full
                        // heap makes it fail.
                        self.breach = Some(Breach::Memory);
                        return None;
                    }
                }
            }
        }
        let mut items: BTreeMap<i64, LuaValue> = BTreeMap::new();
        let mut named: Vec<(String, LuaValue)> = Vec::new();
        let mut ok = true;
        for pair in t.pairs::<LuaValue, LuaValue>() {
            let (key, value) = match pair {
                Ok(pair) => pair,
                Err(e) => {
                    // Never "skip this value": a table that cannot be read
                    // whole fails the load, naming where.
                    if matches!(e, mlua::Error::MemoryError(_)) {
                        self.breach = Some(Breach::Memory);
                    } else {
                        self.fail(
                            ProblemKind::Type,
                            path,
                            line,
                            format!(
                                "the table could not be read: {}",
                                report::shown(&e.to_string(), report::MAX_MESSAGE, self.cx.secrets)
                            ),
                        );
                    }
                    return None;
                }
            };
            if self.count + items.len() + named.len() >= MAX_VALUES {
                self.too_many();
                return None;
            }
            if self.stopped() {
                return None;
            }
            match key {
                LuaValue::Integer(i) => {
                    items.insert(i, value);
                }
                LuaValue::String(s) => {
                    let raw = s.as_bytes();
                    if !self.spend(raw.len(), path) {
                        return None;
                    }
                    match std::str::from_utf8(&raw) {
                        Ok(k) if self.cx.readable.found_in(k) => {
                            self.fail(
                                ProblemKind::Validation,
                                path,
                                line,
                                "a key holds the value of a secret field (key hidden)".to_owned(),
                            );
                            ok = false;
                        }
                        Ok(k) if k.chars().any(report::unprintable) => {
                            // Keys reach messages that are not the script's
                            // own (unknown keys, type errors): refused here.
                            self.fail(
                                ProblemKind::Type,
                                path,
                                line,
                                format!(
                                    "a key may not hold control characters (here `{}`)",
                                    report::sanitize(k, report::MAX_SEGMENT)
                                ),
                            );
                            ok = false;
                        }
                        Ok(k) => named.push((k.to_owned(), value)),
                        Err(_) => {
                            self.fail(
                                ProblemKind::Type,
                                path,
                                line,
                                "a key is not valid UTF-8".to_owned(),
                            );
                            ok = false;
                        }
                    }
                }
                other => {
                    self.fail(
                        ProblemKind::Type,
                        path,
                        line,
                        format!(
                            "keys must be strings (or 1, 2, 3... for a list), found {}",
                            describe(&other)
                        ),
                    );
                    ok = false;
                }
            }
        }
        if !ok {
            return None;
        }
        // Lua's own order is a hash order: sort, so problems come out the
        // same on every run. Lua's keys are distinct, so an unstable sort
        // gives the one order.
        named.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        if !items.is_empty() && !named.is_empty() {
            self.fail(
                ProblemKind::Type,
                path,
                line,
                format!(
                    "a table cannot have both list items and named keys (here {} item(s) and `{}`): \
                     use a list or a table of keys",
                    items.len(),
                    named[0].0
                ),
            );
            return None;
        }
        if let Some(&first) = items.keys().next().filter(|&&k| k < 1) {
            self.fail(
                ProblemKind::Type,
                path,
                line,
                format!("list items are numbered from 1, found item {first}"),
            );
            return None;
        }
        if !items.is_empty() {
            if let Some(gap) = (1..).zip(items.keys()).find(|(want, got)| want != *got) {
                self.fail(
                    ProblemKind::Type,
                    path,
                    line,
                    format!(
                        "a list must have items 1 to {} without gaps, but item {} is missing",
                        items.keys().last().copied().unwrap_or(0),
                        gap.0
                    ),
                );
                return None;
            }
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.into_values().enumerate() {
                path.push(i.to_string());
                let v = self.value(item, path, line);
                path.pop();
                out.extend(v);
            }
            return Some(Kind::Array(out));
        }
        // The keys are sorted and distinct: the map is built in one pass,
        // not searched for each of them.
        let mut out = Vec::with_capacity(named.len());
        for (key, item) in named {
            path.push(key);
            let v = self.value(item, path, line);
            let key = path.pop().expect("pushed above");
            if let Some(v) = v {
                out.push((key, v));
            }
        }
        let out: Table = out.into_iter().collect();
        // An empty table is kept as a table: the build reads it as an empty
        // list or an empty map, whichever the field is.
        Some(Kind::Table(out))
    }
}

/// The dotted key path of `path`'s segments.
fn joined(path: &[String]) -> String {
    let segments: Vec<_> = path.iter().map(|k| crate::value::path_segment(k)).collect();
    segments.join(".")
}

fn describe(value: &LuaValue) -> String {
    match value {
        LuaValue::Function(_) => "a function".to_owned(),
        LuaValue::Thread(_) => "a coroutine".to_owned(),
        LuaValue::Boolean(b) => format!("the boolean {b}"),
        LuaValue::Integer(i) => format!("the number {i}"),
        LuaValue::Number(x) => format!("the number {x}"),
        LuaValue::String(_) => "a string".to_owned(),
        LuaValue::Table(_) => "a table".to_owned(),
        other => format!("a {}", other.type_name()),
    }
}

#[cfg(test)]
#[path = "convert_tests.rs"]
mod tests;
