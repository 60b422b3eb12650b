//! The effective configuration with every value's origin: what
//! `--print-config` shows, and the answer to "where does this value come
//! from?".

use std::fmt;

use crate::error::{Problem, ProblemKind};
use crate::redact::MASK;
use crate::schema::{Field, FieldKind, Schema};
use crate::value::{Inline, Key, Kind, Table, Value};

/// The effective configuration as text; see [`Loaded::explain`](crate::Loaded::explain).
///
/// Each line is `key = value  # origin`; a value that no layer set appears
/// as `# key is not set`; a secret shows as `"<secret>"`.
pub struct Explain<'a> {
    schema: &'static Schema,
    tree: &'a Value,
    /// Keys with a problem and what kind, for the listing of a
    /// configuration that failed to load.
    marks: Vec<(String, ProblemKind)>,
}

impl<'a> Explain<'a> {
    pub(crate) fn new(schema: &'static Schema, tree: &'a Value) -> Explain<'a> {
        Explain {
            schema,
            tree,
            marks: Vec::new(),
        }
    }

    /// Marks each line whose key (or a key below it) has one of `problems`.
    pub(crate) fn marking(mut self, problems: &[Problem]) -> Explain<'a> {
        self.marks = problems
            .iter()
            .filter_map(|p| Some((p.key()?.to_owned(), p.kind())))
            .collect();
        self
    }

    /// The kinds of problem at `path` (as a line shows it) or below it.
    fn mark(&self, path: &str) -> Option<String> {
        let path = path.replace('"', "");
        let mut kinds: Vec<String> = Vec::new();
        for (key, kind) in &self.marks {
            let at = key == &path
                || key
                    .strip_prefix(path.as_str())
                    .is_some_and(|rest| rest.starts_with('.'));
            if at && !kinds.contains(&kind.to_string()) {
                kinds.push(kind.to_string());
            }
        }
        (!kinds.is_empty()).then(|| format!("  <- {}", kinds.join(", ")))
    }
}

impl fmt::Display for Explain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut lines: Lines = Vec::new();
        section(self.schema, self.tree.as_table(), "", &mut lines, 0);
        let lines: Vec<(String, Option<String>)> = lines
            .into_iter()
            .map(|(line, origin, path)| match self.mark(&path) {
                None => (line, origin),
                Some(mark) => match origin {
                    Some(origin) => (line, Some(format!("{origin}{mark}"))),
                    None => (format!("{line}{mark}"), None),
                },
            })
            .collect();
        let width = lines
            .iter()
            .filter(|(_, o)| o.is_some())
            .map(|(l, _)| l.chars().count())
            .max()
            .unwrap_or(0)
            .min(48);
        for (line, origin) in lines {
            match origin {
                Some(origin) => {
                    let pad = width.saturating_sub(line.chars().count());
                    writeln!(f, "{line}{:pad$}  # {origin}", "")?
                }
                None => writeln!(f, "{line}")?,
            }
        }
        Ok(())
    }
}

/// Each line: its text, the origin of its value, and its key path.
type Lines = Vec<(String, Option<String>, String)>;

/// The lines of one struct's fields; sections are gone through, each value
/// of their elements on its own line (`routes.0.path`).
fn section(schema: &Schema, tree: Option<&Table>, prefix: &str, lines: &mut Lines, depth: usize) {
    for field in schema.fields {
        if field.is_skipped() {
            continue;
        }
        let path = match prefix.is_empty() {
            true => Key(field.key).to_string(),
            false => format!("{prefix}.{}", Key(field.key)),
        };
        let value = tree.and_then(|t| t.get(field.key));
        let elements = |kind: &Kind| match kind {
            Kind::Array(items) => !items.is_empty(),
            Kind::Table(entries) => !entries.is_empty(),
            _ => false,
        };
        match (field.kind, value) {
            (FieldKind::Nested(nested), _) if value.is_none_or(|v| v.as_table().is_some()) => {
                section(
                    nested,
                    value.and_then(Value::as_table),
                    &path,
                    lines,
                    depth + 1,
                )
            }
            (FieldKind::Optional(nested), Some(v)) if v.as_table().is_some() => {
                section(nested, v.as_table(), &path, lines, depth + 1)
            }
            (FieldKind::List(element) | FieldKind::Map(element), Some(v))
                if elements(&v.kind) && depth < crate::format::MAX_DEPTH =>
            {
                let each: Vec<(String, &Value)> = match &v.kind {
                    Kind::Array(items) => items
                        .iter()
                        .enumerate()
                        .map(|(i, item)| (i.to_string(), item))
                        .collect(),
                    Kind::Table(entries) => entries
                        .iter()
                        .map(|(k, e)| (Key(k).to_string(), e))
                        .collect(),
                    _ => Vec::new(),
                };
                for (key, item) in each {
                    let at = format!("{path}.{key}");
                    match item.as_table() {
                        Some(t) => section(element, Some(t), &at, lines, depth + 1),
                        None => leaf(&at, item, field, lines),
                    }
                }
            }
            (_, None) => match field.default_code {
                // The value is the application's own: the code is shown,
                // unless what it makes is a secret.
                Some(code) => {
                    let shown = if crate::redact::hides_whole(field) {
                        MASK
                    } else {
                        code
                    };
                    let line = format!("# {path} = {shown}  (default from code)");
                    lines.push((line, None, path.clone()))
                }
                None => lines.push((format!("# {path} is not set"), None, path.clone())),
            },
            (_, Some(v)) => leaf(&path, v, field, lines),
        }
    }
    // An enum section: the chosen variant's fields, beside the tag.
    if let Some(inner) = tree
        .and_then(|t| schema.variant_of(t))
        .and_then(|v| v.schema)
    {
        section(inner, tree, prefix, lines, depth + 1);
    }
}

fn leaf(path: &str, value: &Value, field: &Field, lines: &mut Lines) {
    let origin = Some(value.origin.to_string());
    if crate::redact::hides_whole(field) {
        lines.push((
            format!("{path} = {MASK}"),
            secret_origin(value),
            path.to_owned(),
        ));
        return;
    }
    // Text from env or a flag shows as the value it became: `port = 16`
    // for `0x10`, `hosts = ["a", "b"]` for `a,b`, and so do the entries a
    // variable's text added to a file's map.
    let typed = crate::print::typed(value, field.ty);
    if value.is_text() && !matches!(typed.kind, Kind::String(_)) {
        let line = format!("{path} = {}", Inline(&typed));
        lines.push((line, origin, path.to_owned()));
        return;
    }
    flatten(path, &typed, lines)
}

/// Tables under a leaf (maps, structs that are plain serde types) become one
/// line per value, so each keeps its own origin.
fn flatten(path: &str, value: &Value, lines: &mut Lines) {
    match &value.kind {
        Kind::Table(t) if !t.is_empty() => {
            for (k, v) in t {
                flatten(&format!("{path}.{}", Key(k)), v, lines);
            }
        }
        _ => lines.push((
            format!("{path} = {}", Inline(value)),
            Some(value.origin.to_string()),
            path.to_owned(),
        )),
    }
}

/// Where a secret shown as one masked line was set. A table's own origin is
/// where it began (the default `{}`, say), while its entries came from the
/// layers above: those are named, a file once (at its first entry), up to
/// three.
fn secret_origin(value: &Value) -> Option<String> {
    let Kind::Table(table) = &value.kind else {
        return Some(value.origin.to_string());
    };
    if value.origin != crate::Origin::Default {
        return Some(value.origin.to_string());
    }
    let mut seen: Vec<String> = Vec::new();
    let mut named: Vec<String> = Vec::new();
    for entry in table.values() {
        // A store is named once, as a file is, at its first entry (whose
        // name the load masked in the store's key).
        let origin = &entry.origin;
        let place = match origin {
            crate::Origin::Remote { source, .. } => source.clone(),
            origin => match origin.file_position() {
                Some((path, _, _)) => path.display().to_string(),
                None => origin.to_string(),
            },
        };
        if !seen.contains(&place) {
            seen.push(place);
            named.push(origin.to_string());
        }
    }
    Some(match named.len() {
        0 => value.origin.to_string(),
        1..=3 => named.join(", "),
        n => format!("{} and {} more", named[..3].join(", "), n - 3),
    })
}
