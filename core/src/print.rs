//! `--print-config=json` and `--print-config=toml`: the effective
//! configuration as a file that loads again, each value as the type it
//! became (env and flag text converted by the field's type), secrets
//! masked.

use std::fmt::Write as _;

use crate::error::Problem;
use crate::origin::Origin;
use crate::redact::MASKED_KEY;
use crate::schema::{Field, FieldKind, Schema};
use crate::value::{basic_string, inline_array, inline_table, Key, Kind, Table, Value};

/// The form `--print-config` prints in.
// Chosen by flags only: without the `cli` feature nothing asks for it.
#[cfg_attr(not(feature = "cli"), allow(dead_code))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Print {
    /// `key = value  # origin` lines ([`Explain`](crate::explain::Explain)).
    Listing,
    /// A JSON document.
    Json,
    /// A TOML document.
    Toml,
}

/// The configuration `tree` in the form `print`; `problems` are those of a
/// load that failed (their keys are marked in the listing).
pub(crate) fn render(
    print: Print,
    schema: &'static Schema,
    tree: &Value,
    problems: &[Problem],
) -> String {
    let doc = || Doc::Table(section(schema, tree.as_table()));
    match print {
        Print::Listing => crate::explain::Explain::new(schema, tree)
            .marking(problems)
            .to_string(),
        Print::Json => {
            let mut out = String::new();
            json(&doc(), 0, &mut out);
            out.push('\n');
            out
        }
        Print::Toml => {
            let mut out = String::new();
            if let Doc::Table(entries) = doc() {
                toml_table(&entries, "", &mut out);
            }
            out
        }
    }
}

/// Text from the environment or a flag as the value the field's type reads
/// it as: `"8080"` for a `u16` as 8080, `"a,b"` for a `Vec` as a list,
/// `"k:1"` for a map as a table. Text that does not read so, and every
/// other value, is returned as it is.
pub(crate) fn typed(value: &Value, ty: &str) -> Value {
    let ty = ty.trim();
    let ty = ty
        .strip_prefix("Option<")
        .and_then(|t| t.strip_suffix('>'))
        .unwrap_or(ty);
    fn inner(t: &str) -> Option<&str> {
        t.split_once('<')
            .and_then(|(_, rest)| rest.strip_suffix('>'))
    }
    // A tuple or an array reads text as a list too, each item by its own
    // type.
    if let Some(types) = sequence_items(ty) {
        return typed_sequence(value, &types);
    }
    // `std::collections::BTreeMap<..>` is a `BTreeMap`.
    let head = ty.split('<').next().unwrap_or(ty);
    let head = head.rsplit("::").next().unwrap_or(head).trim();
    let map_value = || {
        inner(ty)
            .and_then(|kv| kv.split_once(',').map(|(_, v)| v.trim()))
            .unwrap_or("String")
    };
    let text = match &value.kind {
        Kind::String(text) if value.is_text() => text,
        // A list or map whose items came from text (env map text merged
        // over a file's map): each item as its type reads it.
        Kind::Array(items) if matches!(head, "Vec" | "VecDeque" | "HashSet" | "BTreeSet") => {
            let item = inner(ty).unwrap_or("String");
            let items = items.iter().map(|v| typed(v, item)).collect();
            return with_kind(value, Kind::Array(items));
        }
        Kind::Table(t) if matches!(head, "HashMap" | "BTreeMap") => {
            let of = map_value();
            let table = t.iter().map(|(k, v)| (k.clone(), typed(v, of))).collect();
            return with_kind(value, Kind::Table(table));
        }
        _ => return value.clone(),
    };
    let origin = value.origin.clone();
    // Inline JSON is read as JSON, as the build reads it; its items are
    // typed already.
    if matches!(
        head,
        "Vec" | "VecDeque" | "HashSet" | "BTreeSet" | "HashMap" | "BTreeMap"
    ) && crate::text::looks_like_json(text)
    {
        return match crate::format::inline_json(text.trim(), &origin) {
            Ok(parsed) => parsed,
            Err(_) => value.clone(),
        };
    }
    let kind = match head {
        "Vec" | "VecDeque" | "HashSet" | "BTreeSet" => {
            let item = inner(ty).unwrap_or("String");
            Kind::Array(
                crate::text::list_values(text, &origin)
                    .iter()
                    .map(|v| typed(v, item))
                    .collect(),
            )
        }
        "HashMap" | "BTreeMap" => {
            let of = map_value();
            let mut table = Table::new();
            for pair in crate::text::split_escaped(text, ',') {
                let Some((k, v)) = pair.split_once(':') else {
                    return value.clone();
                };
                let v = Value::text(v.trim(), origin.clone());
                table.insert(k.trim().to_owned(), typed(&v, of));
            }
            Kind::Table(table)
        }
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" | "i8" | "i16" | "i32" | "i64" | "i128"
        | "isize" => match crate::text::parse_int(text) {
            Some(i) => Kind::Integer(i),
            None => return value.clone(),
        },
        "f32" | "f64" => match crate::text::parse_float(text) {
            Some(x) => Kind::Float(x),
            None => return value.clone(),
        },
        "bool" => match crate::text::parse_bool(text) {
            Some(b) => Kind::Bool(b),
            None => return value.clone(),
        },
        _ => return value.clone(),
    };
    Value::new(kind, origin)
}

/// The item types of a tuple (`(u16, String)`) or an array (`[u8; 3]`), as
/// written; `None` for any other type.
fn sequence_items(ty: &str) -> Option<Vec<&str>> {
    if let Some(inner) = ty.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
        let (item, len) = inner.rsplit_once(';')?;
        let len: usize = len.trim().parse().ok()?;
        return Some(vec![item.trim(); len]);
    }
    let inner = ty.strip_prefix('(')?.strip_suffix(')')?;
    let items = crate::text::type_list(inner);
    (!items.is_empty()).then_some(items)
}

/// A tuple's or an array's value, text read as a list of as many items,
/// each as its type reads it; as it is when it does not read so.
fn typed_sequence(value: &Value, types: &[&str]) -> Value {
    let items = match &value.kind {
        Kind::String(text) if value.is_text() => {
            if crate::text::looks_like_json(text) {
                return match crate::format::inline_json(text.trim(), &value.origin) {
                    Ok(parsed) => parsed,
                    Err(_) => value.clone(),
                };
            }
            crate::text::list_values(text, &value.origin)
        }
        Kind::Array(items) => items.clone(),
        _ => return value.clone(),
    };
    if items.len() != types.len() {
        return value.clone();
    }
    let items = items
        .iter()
        .zip(types)
        .map(|(v, ty)| typed(v, ty))
        .collect();
    match value.is_text() {
        true => Value::new(Kind::Array(items), value.origin.clone()),
        false => with_kind(value, Kind::Array(items)),
    }
}

/// The type of a map's values or a list's items, from the map's or list's
/// type as written (`BTreeMap<String, u16>` gives `u16`); the type itself
/// for any other.
#[cfg_attr(not(feature = "watch"), allow(dead_code))]
pub(crate) fn entry_type(ty: &str) -> &str {
    let ty = ty.trim();
    let ty = ty
        .strip_prefix("Option<")
        .and_then(|t| t.strip_suffix('>'))
        .unwrap_or(ty);
    let Some((_, args)) = ty.split_once('<') else {
        return ty;
    };
    let args = args.strip_suffix('>').unwrap_or(args);
    args.split_once(',').map_or(args, |(_, v)| v).trim()
}

/// `value` holding `kind` instead, where and as it was set.
fn with_kind(value: &Value, kind: Kind) -> Value {
    Value {
        kind,
        origin: value.origin.clone(),
        text: value.text,
        secret: value.secret,
        span: value.span,
    }
}

/// A document in declaration order, secrets masked.
enum Doc {
    Value(Value),
    List(Vec<Doc>),
    Table(Vec<(String, Doc)>),
}

fn section(schema: &Schema, tree: Option<&Table>) -> Vec<(String, Doc)> {
    let mut out = Vec::new();
    let Some(tree) = tree else {
        return out;
    };
    for field in schema.fields {
        if field.is_skipped() {
            continue;
        }
        let Some(value) = tree.get(field.key) else {
            continue;
        };
        let doc = match (field.kind, &value.kind) {
            (FieldKind::Nested(inner) | FieldKind::Optional(inner), Kind::Table(t)) => {
                Doc::Table(section(inner, Some(t)))
            }
            (FieldKind::List(element), Kind::Array(items)) => Doc::List(
                items
                    .iter()
                    .map(|item| match &item.kind {
                        Kind::Table(t) => Doc::Table(section(element, Some(t))),
                        _ => leaf(item, field),
                    })
                    .collect(),
            ),
            (FieldKind::Map(element), Kind::Table(entries)) => Doc::Table(
                entries
                    .iter()
                    .map(|(k, e)| {
                        let doc = match &e.kind {
                            Kind::Table(t) => Doc::Table(section(element, Some(t))),
                            _ => leaf(e, field),
                        };
                        (k.clone(), doc)
                    })
                    .collect(),
            ),
            _ => leaf(value, field),
        };
        out.push((field.key.to_owned(), doc));
    }
    if let Some(inner) = schema.variant_of(tree).and_then(|v| v.schema) {
        out.extend(section(inner, Some(tree)));
    }
    out
}

fn leaf(value: &Value, field: &Field) -> Doc {
    if crate::redact::hides_whole(field) {
        return Doc::Value(Value::new(
            Kind::String(MASKED_KEY.to_owned()),
            value.origin.clone(),
        ));
    }
    let value = typed(value, field.ty);
    match (&value.kind, field.append) {
        // A file appends to the defaults as it loads: the defaults' items
        // are left out, so that the file loads again as the same list.
        (Kind::Array(items), true) => Doc::List(
            items
                .iter()
                .filter(|item| item.origin != Origin::Default)
                .map(plain)
                .collect(),
        ),
        _ => plain(&value),
    }
}

fn plain(value: &Value) -> Doc {
    match &value.kind {
        Kind::Array(items) => Doc::List(items.iter().map(plain).collect()),
        Kind::Table(t) => Doc::Table(t.iter().map(|(k, v)| (k.clone(), plain(v))).collect()),
        _ => Doc::Value(value.clone()),
    }
}

fn json(doc: &Doc, depth: usize, out: &mut String) {
    let pad = |d: usize| "  ".repeat(d);
    match doc {
        Doc::Value(v) => match &v.kind {
            Kind::Bool(b) => out.push_str(&b.to_string()),
            Kind::Integer(i) => out.push_str(&i.to_string()),
            Kind::Float(x) if x.is_finite() => out.push_str(&format!("{x:?}")),
            // JSON has no NaN or infinity: the text env and flags accept
            // (`"NaN"`, `"inf"`), which a JSON file cannot give back as a
            // number (README says so; `=toml` can).
            Kind::Float(x) => basic_string(&x.to_string(), out),
            Kind::String(s) | Kind::Datetime(s) => basic_string(s, out),
            Kind::Array(_) | Kind::Table(_) => json(&plain(v), depth, out),
        },
        Doc::List(items) if items.is_empty() => out.push_str("[]"),
        Doc::List(items) => {
            out.push_str("[\n");
            for (i, item) in items.iter().enumerate() {
                out.push_str(&pad(depth + 1));
                json(item, depth + 1, out);
                out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
            }
            out.push_str(&pad(depth));
            out.push(']');
        }
        Doc::Table(entries) if entries.is_empty() => out.push_str("{}"),
        Doc::Table(entries) => {
            out.push_str("{\n");
            for (i, (k, v)) in entries.iter().enumerate() {
                out.push_str(&pad(depth + 1));
                basic_string(k, out);
                out.push_str(": ");
                json(v, depth + 1, out);
                out.push_str(if i + 1 < entries.len() { ",\n" } else { "\n" });
            }
            out.push_str(&pad(depth));
            out.push('}');
        }
    }
}

/// A table's plain keys first, then its tables as `[path]` and lists of
/// tables as `[[path]]`, as TOML requires.
fn toml_table(entries: &[(String, Doc)], path: &str, out: &mut String) {
    let is_table = |d: &Doc| matches!(d, Doc::Table(_));
    let tables_list =
        |d: &Doc| matches!(d, Doc::List(items) if !items.is_empty() && items.iter().all(is_table));
    for (k, v) in entries {
        if !is_table(v) && !tables_list(v) {
            let _ = writeln!(out, "{} = {}", Key(k), TomlInline(v));
        }
    }
    for (k, v) in entries {
        let at = match path {
            "" => Key(k).to_string(),
            _ => format!("{path}.{}", Key(k)),
        };
        match v {
            Doc::Table(inner) => {
                if !out.is_empty() {
                    out.push('\n');
                }
                let _ = writeln!(out, "[{at}]");
                toml_table(inner, &at, out);
            }
            Doc::List(items) if tables_list(v) => {
                for item in items {
                    if let Doc::Table(inner) = item {
                        if !out.is_empty() {
                            out.push('\n');
                        }
                        let _ = writeln!(out, "[[{at}]]");
                        toml_table(inner, &at, out);
                    }
                }
            }
            _ => {}
        }
    }
}

struct TomlInline<'a>(&'a Doc);

impl std::fmt::Display for TomlInline<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Doc::Value(v) => match &v.kind {
                Kind::String(s) => {
                    let mut out = String::new();
                    // A TOML basic string escapes as JSON does, `\u` with
                    // four digits included.
                    basic_string(s, &mut out);
                    f.write_str(&out)
                }
                Kind::Float(x) if x.is_nan() => f.write_str("nan"),
                Kind::Float(x) if x.is_infinite() => {
                    f.write_str(if *x > 0.0 { "inf" } else { "-inf" })
                }
                _ => write!(f, "{}", crate::value::Inline(v)),
            },
            Doc::List(items) => inline_array(f, items.iter().map(TomlInline)),
            Doc::Table(entries) => {
                inline_table(f, entries.iter().map(|(k, v)| (k.as_str(), TomlInline(v))))
            }
        }
    }
}
