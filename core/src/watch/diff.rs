//! What a reload changed: for each key whose value differs between two
//! merged trees, the old and new value with their origins, as
//! [`Reload::Updated`](crate::Reload::Updated) carries them.

use std::collections::BTreeSet;
use std::fmt;

use crate::origin::Origin;
use crate::schema::Schema;
use crate::value::{Key, Kind, Table, Value};

/// One key whose value a reload changed, with what it was and what it is,
/// for an operator's log. Its `Display` is one line:
///
/// ```text
/// port: 8080 (/etc/app.toml:3:8) -> 9090 (/etc/app.toml:3:8)
/// token: "<secret>" (env APP_TOKEN) -> "<secret>" (/etc/app.toml:4:9)
/// labels.team: unset -> "infra" (/etc/app.toml:7:8)
/// listen: "[::]:80" (default) -> "[::]:8080" (env APP_LISTEN) (takes effect at restart)
/// ```
///
/// Values are shown in TOML's inline form; a secret's value never, only
/// the mask.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Change {
    /// The dotted key path, as in `changed`.
    pub key: String,
    /// The value before the reload; `None` when nothing set it.
    pub old: Option<Setting>,
    /// The value now; `None` when nothing sets it any more.
    pub new: Option<Setting>,
    /// The key is, or is inside, a `#[config(restart)]` field: the program
    /// reads it at start only, so the new value takes a restart.
    pub restart: bool,
}

/// A value as it may be shown (secrets masked) and where it was set.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Setting {
    /// The value in TOML's inline form (`9090`, `"db2"`, `["a", "b"]`), or
    /// [`MASK`](crate::MASK) for a secret.
    pub value: String,
    /// Where it was set.
    pub origin: Origin,
}

impl fmt::Display for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.value, self.origin)
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let side = |s: &Option<Setting>| match s {
            Some(s) => s.to_string(),
            None => "unset".to_owned(),
        };
        write!(
            f,
            "{}: {} -> {}",
            self.key,
            side(&self.old),
            side(&self.new)
        )?;
        if self.restart {
            f.write_str(" (takes effect at restart)")?;
        }
        Ok(())
    }
}

/// The keys whose value differs between `old` and `new`, in declaration
/// order. Origins are ignored: a value that moved from one file to another,
/// or down a line, has not changed. Keys the struct does not have are
/// ignored too, since they cannot change it. A secret field is reported by
/// its own key only, never by the keys inside it, which may themselves be
/// sensitive.
pub(super) fn changes(schema: &'static Schema, old: &Value, new: &Value) -> Vec<Change> {
    let mut walk = Walk {
        root: schema,
        out: Vec::new(),
    };
    walk.fields(schema, "", old.as_table(), new.as_table(), false);
    walk.out
}

struct Walk {
    root: &'static Schema,
    out: Vec<Change>,
}

impl Walk {
    fn fields(
        &mut self,
        schema: &'static Schema,
        prefix: &str,
        old: Option<&Table>,
        new: Option<&Table>,
        restart: bool,
    ) {
        for field in schema.fields {
            self.field(field, prefix, old, new, restart);
        }
        // An enum section's variant keeps its fields beside the tag: those
        // of the variant before, then those of the one after that the one
        // before did not have.
        let chosen =
            |t: Option<&Table>| t.and_then(|t| schema.variant_of(t)).and_then(|v| v.schema);
        let (was, is) = (chosen(old), chosen(new));
        if let Some(was) = was {
            self.fields(was, prefix, old, new, restart);
        }
        if let Some(is) = is.filter(|is| !was.is_some_and(|was| std::ptr::eq(was, *is))) {
            for field in is.fields {
                if !was.is_some_and(|was| was.fields.iter().any(|f| f.key == field.key)) {
                    self.field(field, prefix, old, new, restart);
                }
            }
        }
    }

    fn field(
        &mut self,
        field: &'static crate::schema::Field,
        prefix: &str,
        old: Option<&Table>,
        new: Option<&Table>,
        restart: bool,
    ) {
        if field.is_skipped() {
            return;
        }
        let path = join(prefix, field.key);
        let a = old.and_then(|t| t.get(field.key));
        let b = new.and_then(|t| t.get(field.key));
        let restart = restart || field.restart;
        match field.nested() {
            _ if field.secret => {
                if !same_opt(a, b) {
                    self.push(path, a, b, restart, field.ty);
                }
            }
            Some(nested) if is_table_or_none(a) && is_table_or_none(b) => {
                self.fields(
                    nested,
                    &path,
                    a.and_then(Value::as_table),
                    b.and_then(Value::as_table),
                    restart,
                );
            }
            _ => self.leaf(path, a, b, restart, field.ty),
        }
    }

    /// A leaf field. Tables under it (maps, plain serde structs) are
    /// compared key by key, so `labels.env` is reported rather than all of
    /// `labels`.
    fn leaf(
        &mut self,
        path: String,
        a: Option<&Value>,
        b: Option<&Value>,
        restart: bool,
        ty: &str,
    ) {
        if let (Some(Kind::Table(ta)), Some(Kind::Table(tb))) =
            (a.map(|v| &v.kind), b.map(|v| &v.kind))
        {
            let keys: BTreeSet<&String> = ta.keys().chain(tb.keys()).collect();
            let entry = crate::print::entry_type(ty);
            for key in keys {
                self.leaf(join(&path, key), ta.get(key), tb.get(key), restart, entry);
            }
        } else if !same_opt(a, b) {
            self.push(path, a, b, restart, ty);
        }
    }

    /// A change, each value shown as its field's type reads it: `9090`
    /// for env text `"9090"` of a `u16`.
    fn push(
        &mut self,
        path: String,
        a: Option<&Value>,
        b: Option<&Value>,
        restart: bool,
        ty: &str,
    ) {
        let shown = |v: &Value, other: Option<&Value>| Setting {
            value: crate::redact::value(self.root, &path, &crate::print::typed(v, ty)),
            origin: shown_origin(v, other),
        };
        let change = Change {
            old: a.map(|a| shown(a, b)),
            new: b.map(|b| shown(b, a)),
            key: path.clone(),
            restart,
        };
        self.out.push(change);
    }
}

fn is_table_or_none(value: Option<&Value>) -> bool {
    !matches!(value, Some(v) if !matches!(v.kind, Kind::Table(_)))
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        Key(key).to_string()
    } else {
        format!("{prefix}.{}", Key(key))
    }
}

fn same_opt(a: Option<&Value>, b: Option<&Value>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => same(a, b),
        (None, None) => true,
        _ => false,
    }
}

/// Where a value shown whole was set, beside `other` on the diff's other
/// side. A map's own origin is where it began (a default `{}`, a `[keys]`
/// header), while what changed is an entry: the first entry that differs
/// from `other` is named (a store's key with the entry's name masked by the
/// load), or else the map's own place.
fn shown_origin(value: &Value, other: Option<&Value>) -> Origin {
    let Kind::Table(table) = &value.kind else {
        return value.origin.clone();
    };
    let changed = table.iter().find(|(key, entry)| {
        !same_opt(
            Some(entry),
            other.and_then(|o| o.as_table()?.get(key.as_str())),
        )
    });
    match changed {
        Some((_, entry)) => entry.origin.clone(),
        // Only entries gone: where the table was set, or its first entry
        // for a table that began as a default.
        None if value.origin != Origin::Default => value.origin.clone(),
        None => table
            .values()
            .next()
            .map_or(&value.origin, |entry| &entry.origin)
            .clone(),
    }
}

/// Equal values, whatever their origins. NaN equals NaN here, so that a
/// `nan` in a file does not count as a change on every reload.
fn same(a: &Value, b: &Value) -> bool {
    match (&a.kind, &b.kind) {
        (Kind::Float(x), Kind::Float(y)) => x == y || (x.is_nan() && y.is_nan()),
        (Kind::Array(xs), Kind::Array(ys)) => {
            xs.len() == ys.len() && xs.iter().zip(ys).all(|(x, y)| same(x, y))
        }
        (Kind::Table(xs), Kind::Table(ys)) => {
            xs.len() == ys.len()
                && xs
                    .iter()
                    .zip(ys)
                    .all(|((kx, x), (ky, y))| kx == ky && same(x, y))
        }
        (x, y) => x == y,
    }
}
