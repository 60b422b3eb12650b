//! The key paths whose value differs between two merged trees: the `changed`
//! list of [`Reload::Updated`](crate::Reload::Updated).

use std::collections::BTreeSet;

use crate::schema::Schema;
use crate::value::{Key, Kind, Table, Value};

/// Key paths whose value differs between `old` and `new`, in declaration
/// order. Origins are ignored: a value that moved from one file to another,
/// or down a line, has not changed. Keys the struct does not have are
/// ignored too, since they cannot change it. A secret field is reported by
/// its own key only, never by the keys inside it, which may themselves be
/// sensitive.
pub(super) fn changed(schema: &'static Schema, old: &Value, new: &Value) -> Vec<String> {
    let mut out = Vec::new();
    fields(schema, "", old.as_table(), new.as_table(), &mut out);
    out
}

fn fields(
    schema: &'static Schema,
    prefix: &str,
    old: Option<&Table>,
    new: Option<&Table>,
    out: &mut Vec<String>,
) {
    for field in schema.fields {
        if field.is_skipped() {
            continue;
        }
        let path = join(prefix, field.key);
        let a = old.and_then(|t| t.get(field.key));
        let b = new.and_then(|t| t.get(field.key));
        match field.nested() {
            _ if field.secret => {
                if !same_opt(a, b) {
                    out.push(path);
                }
            }
            Some(nested) if is_table_or_none(a) && is_table_or_none(b) => {
                fields(
                    nested,
                    &path,
                    a.and_then(Value::as_table),
                    b.and_then(Value::as_table),
                    out,
                );
            }
            _ => leaf(path, a, b, out),
        }
    }
}

/// A leaf field. Tables under it (maps, plain serde structs) are compared
/// key by key, so `labels.env` is reported rather than all of `labels`.
fn leaf(path: String, a: Option<&Value>, b: Option<&Value>, out: &mut Vec<String>) {
    if let (Some(Kind::Table(ta)), Some(Kind::Table(tb))) = (a.map(|v| &v.kind), b.map(|v| &v.kind))
    {
        let keys: BTreeSet<&String> = ta.keys().chain(tb.keys()).collect();
        for key in keys {
            leaf(join(&path, key), ta.get(key), tb.get(key), out);
        }
    } else if !same_opt(a, b) {
        out.push(path);
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
