//! Sections after the merge and before the build: lists and maps given as
//! inline JSON text (env, flags) are read into tables, and the elements of
//! lists and maps and present optional sections get their defaults, so the
//! merged tree holds every value with its origin for `explain` and
//! `origin()`.

use crate::error::Problem;
use crate::format::MAX_DEPTH;
use crate::schema::{FieldKind, Schema};
use crate::value::{Kind, Table, Value};

/// Completes the sections of `tree` in place; problems are inline JSON that
/// does not parse.
pub(crate) fn complete(schema: &'static Schema, tree: &mut Value) -> Vec<Problem> {
    let mut problems = Vec::new();
    if !schema.facts().sections {
        return problems;
    }
    if let Kind::Table(table) = &mut tree.kind {
        let mut path = String::new();
        fields(schema, table, false, &mut path, 0, &mut problems);
    }
    problems
}

/// Whether any field, here or nested, is a list, map or optional section.
pub(crate) fn has_sections(schema: &Schema, depth: usize) -> bool {
    depth < MAX_DEPTH
        && schema.fields.iter().any(|f| match f.kind {
            FieldKind::Nested(s) => has_sections(s, depth + 1),
            FieldKind::Optional(_) | FieldKind::List(_) | FieldKind::Map(_) => true,
            FieldKind::Tag(_) => true,
            _ => false,
        })
}

/// The fields of one struct's table. `fill`: whether its defaults must be
/// put in here (the defaults layer has them for the fixed paths, but not
/// for elements and optional sections).
fn fields(
    schema: &'static Schema,
    table: &mut Table,
    fill: bool,
    path: &mut String,
    depth: usize,
    problems: &mut Vec<Problem>,
) {
    if depth > MAX_DEPTH {
        return;
    }
    // An enum section: the chosen variant's fields sit beside the tag, and
    // get their defaults once the tag says which variant it is.
    if let Some(inner) = schema.variant_of(table).and_then(|v| v.schema) {
        fields(inner, table, true, path, depth + 1, problems);
    }
    for field in schema.fields {
        match field.kind {
            FieldKind::Leaf { .. } if fill => {
                if let Some(default) = &field.default {
                    if !table.contains_key(field.key) {
                        table.insert(field.key.to_owned(), default.to_value());
                    }
                }
            }
            FieldKind::Nested(nested) => {
                if fill && !table.contains_key(field.key) {
                    let defaults = nested.defaults();
                    if defaults.as_table().is_some_and(|t| !t.is_empty()) {
                        table.insert(field.key.to_owned(), defaults);
                    }
                }
                if let Some(Kind::Table(sub)) = table.get_mut(field.key).map(|v| &mut v.kind) {
                    let len = push(path, field.key);
                    fields(nested, sub, fill, path, depth + 1, problems);
                    path.truncate(len);
                }
            }
            FieldKind::Optional(nested) => {
                if let Some(Kind::Table(sub)) = table.get_mut(field.key).map(|v| &mut v.kind) {
                    let len = push(path, field.key);
                    fields(nested, sub, true, path, depth + 1, problems);
                    path.truncate(len);
                }
            }
            FieldKind::List(element) | FieldKind::Map(element) => {
                if let Some(value) = table.get_mut(field.key) {
                    let len = push(path, field.key);
                    inline_json(value, path, problems);
                    if has_work(element) {
                        elements(element, value, path, depth, problems);
                    }
                    path.truncate(len);
                }
            }
            _ => {}
        }
    }
}

/// Appends `.key` (or `key` at the root) to `path`; returns the length to
/// truncate back to.
fn push(path: &mut String, key: &str) -> usize {
    let len = path.len();
    if !path.is_empty() {
        path.push('.');
    }
    path.push_str(key);
    len
}

/// Whether elements of this schema get anything here: defaults, or
/// sections of their own. A large map of plain entries is not gone through.
fn has_work(schema: &Schema) -> bool {
    schema.fields.iter().any(|f| {
        f.default.is_some() || !matches!(f.kind, FieldKind::Leaf { .. } | FieldKind::Skipped)
    })
}

/// Each element of a list or map of sections. Elements that are not tables
/// are left for the build to report.
fn elements(
    schema: &'static Schema,
    value: &mut Value,
    path: &mut String,
    depth: usize,
    problems: &mut Vec<Problem>,
) {
    let mut each = |key: &str, item: &mut Value, path: &mut String| {
        if let Kind::Table(sub) = &mut item.kind {
            let len = path.len();
            path.push('.');
            path.push_str(key);
            fields(schema, sub, true, path, depth + 1, problems);
            path.truncate(len);
        }
    };
    match &mut value.kind {
        Kind::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                each(&i.to_string(), item, path);
            }
        }
        Kind::Table(entries) => {
            for (key, item) in entries.iter_mut() {
                each(key, item, path);
            }
        }
        _ => {}
    }
}

/// Text from env or a flag that holds a JSON array or object becomes the
/// values it holds, with the text's origin.
fn inline_json(value: &mut Value, path: &str, problems: &mut Vec<Problem>) {
    let Some(text) = text_of(value).filter(|t| t.starts_with(['[', '{'])) else {
        return;
    };
    match crate::format::inline_json(text, &value.origin) {
        Ok(parsed) => *value = parsed,
        Err(e) => problems.push(
            Problem::new(e.kind, e.message)
                .with_key(path)
                .with_origin(value.origin.clone()),
        ),
    }
}

/// Text from env or a flag for a map (`MYAPP_UPSTREAMS='{"eu": {..}}'`, or
/// `a:1,b:2` for a map of plain values) read as the table it stands for, so
/// that it merges entry by entry with the entries below it and beside it
/// instead of replacing them. `Ok(false)`: not text, or not a table's text.
pub(crate) fn text_to_table(value: &mut Value, plain_pairs: bool) -> Result<bool, String> {
    let Some(trimmed) = text_of(value) else {
        return Ok(false);
    };
    // A plain map's text is JSON as the build reads it (`{x}:1` is pairs);
    // a map of sections can only be given as JSON.
    let json = match plain_pairs {
        true => crate::text::looks_like_json(trimmed),
        false => trimmed.starts_with('{'),
    };
    let table = if json {
        match crate::format::inline_json(trimmed, &value.origin)? {
            Value {
                kind: Kind::Table(t),
                ..
            } => t,
            _ => return Ok(false),
        }
    } else if plain_pairs && !trimmed.is_empty() {
        crate::de::text_map(trimmed, &value.origin).map_err(|e| e.message)?
    } else {
        return Ok(false);
    };
    value.kind = Kind::Table(table);
    value.text = false;
    Ok(true)
}

/// The text of a value from env or a flag, without leading blanks; `None`
/// for a typed value.
fn text_of(value: &Value) -> Option<&str> {
    match &value.kind {
        Kind::String(text) if value.is_text() => Some(text.trim_start()),
        _ => None,
    }
}
