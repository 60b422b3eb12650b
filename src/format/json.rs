//! JSON files. serde_json keeps no positions, so JSON is read with
//! `jsonc-parser` in strict mode, whose syntax tree has a span for every node.

use std::path::Path;
use std::sync::Arc;

use jsonc_parser::ast;
use jsonc_parser::common::Ranged;
use jsonc_parser::{CollectOptions, ParseOptions};

use crate::error::{Problem, ProblemKind};
use crate::origin::Origin;
use crate::snippet::Lines;
use crate::value::{Kind, Table, Value};

const STRICT: ParseOptions = ParseOptions {
    allow_comments: false,
    allow_loose_object_property_names: false,
    allow_trailing_commas: false,
    allow_missing_commas: false,
    allow_single_quoted_strings: false,
    allow_hexadecimal_numbers: false,
    allow_unary_plus_numbers: false,
    allow_bare_decimal_point_numbers: false,
    allow_non_finite_numbers: false,
    allow_extended_string_escapes: false,
};

/// A JSON configuration file: an object at the top.
pub(crate) fn parse(
    text: &str,
    path: &Arc<Path>,
    lines: &Lines<'_>,
) -> (Option<Value>, Vec<Problem>) {
    read(text, path, lines, false)
}

/// A JSON value of any kind (an etcd key's document may be a list or a
/// number), with the positions of a file.
pub(crate) fn parse_value(
    text: &str,
    path: &Arc<Path>,
    lines: &Lines<'_>,
) -> (Option<Value>, Vec<Problem>) {
    read(text, path, lines, true)
}

fn read(
    text: &str,
    path: &Arc<Path>,
    lines: &Lines<'_>,
    any_value: bool,
) -> (Option<Value>, Vec<Problem>) {
    let conv = Convert {
        path,
        lines,
        problems: Vec::new(),
    };
    let parsed = match jsonc_parser::parse_to_ast(text, &CollectOptions::default(), &STRICT) {
        Ok(parsed) => parsed,
        Err(e) => {
            let range = e.range();
            let message = format!("invalid JSON: {}", e.kind());
            return (
                None,
                vec![conv.problem(ProblemKind::Syntax, message, range.start..range.end)],
            );
        }
    };
    let Some(root) = parsed.value else {
        // An empty file (or only whitespace) sets nothing.
        return (None, Vec::new());
    };
    let mut conv = conv;
    let value = match root {
        ast::Value::Object(_) => conv.value(&root),
        _ if any_value => conv.value(&root),
        other => {
            let range = other.range();
            let message = "a JSON configuration file must hold an object at the top";
            return (
                None,
                vec![conv.problem(
                    ProblemKind::Type,
                    message.to_owned(),
                    range.start..range.end,
                )],
            );
        }
    };
    let problems = conv.problems;
    if problems.is_empty() {
        (value, problems)
    } else {
        (None, problems)
    }
}

struct Convert<'a, 'l> {
    path: &'a Arc<Path>,
    lines: &'a Lines<'l>,
    problems: Vec<Problem>,
}

impl Convert<'_, '_> {
    fn origin(&self, offset: usize) -> Origin {
        let (line, column) = self.lines.position(offset);
        Origin::File {
            path: self.path.clone(),
            line,
            column,
        }
    }

    fn problem(&self, kind: ProblemKind, message: String, span: std::ops::Range<usize>) -> Problem {
        Problem::new(kind, message)
            .with_origin(self.origin(span.start))
            .with_snippet(Some(self.lines.snippet(span)))
    }

    /// `None` for `null`, which sets nothing.
    fn value(&mut self, v: &ast::Value<'_>) -> Option<Value> {
        let range = v.range();
        let kind = match v {
            ast::Value::NullKeyword(_) => return None,
            ast::Value::BooleanLit(b) => Kind::Bool(b.value),
            ast::Value::StringLit(s) => Kind::String(s.value.to_string()),
            ast::Value::NumberLit(n) => number(n.value),
            ast::Value::Array(a) => {
                Kind::Array(a.elements.iter().filter_map(|e| self.value(e)).collect())
            }
            ast::Value::Object(o) => {
                let mut table = Table::new();
                let mut first: std::collections::HashMap<String, usize> = Default::default();
                for prop in &o.properties {
                    let name = prop.name.as_str().to_owned();
                    let at = prop.range.start;
                    if let Some(&earlier) = first.get(&name) {
                        let (line, column) = self.lines.position(earlier);
                        let message = format!(
                            "duplicate key `{name}` (first set at line {line}, column {column})"
                        );
                        self.problems.push(self.problem(
                            ProblemKind::Syntax,
                            message,
                            at..prop.name.range().end,
                        ));
                        continue;
                    }
                    first.insert(name.clone(), at);
                    if let Some(value) = self.value(&prop.value) {
                        table.insert(name, value);
                    }
                }
                Kind::Table(table)
            }
        };
        Some(Value::new(kind, self.origin(range.start)))
    }
}

fn number(text: &str) -> Kind {
    if !text.contains(['.', 'e', 'E']) {
        if let Ok(i) = text.parse::<i128>() {
            return Kind::Integer(i);
        }
    }
    Kind::Float(text.parse().unwrap_or(f64::NAN))
}

/// Inline JSON from an env variable or a flag (`MYAPP_ROUTES='[{..}]'`):
/// the same strict parser as files, every value tagged with the text's
/// origin. `null` sets nothing and reads as an empty value.
pub(crate) fn inline(text: &str, origin: &Origin) -> Result<Value, String> {
    let parsed =
        jsonc_parser::parse_to_ast(text, &CollectOptions::default(), &STRICT).map_err(|e| {
            format!(
                "invalid inline JSON: {} at column {}",
                e.kind(),
                e.column_display()
            )
        })?;
    let root = parsed.value.ok_or("invalid inline JSON: it is empty")?;
    let path: Arc<Path> = Arc::from(Path::new(""));
    let lines = Lines::new(text);
    let mut conv = Convert {
        path: &path,
        lines: &lines,
        problems: Vec::new(),
    };
    let value = conv.value(&root);
    if let Some(problem) = conv.problems.first() {
        return Err(format!("invalid inline JSON: {}", problem.message()));
    }
    let mut value =
        value.unwrap_or_else(|| Value::new(Kind::String(String::new()), origin.clone()));
    relabel(&mut value, origin);
    Ok(value)
}

/// Gives every node the origin of the text it was read from; its strings are
/// text like the rest of that value (`"8080"` reads as a number field).
fn relabel(value: &mut Value, origin: &Origin) {
    value.origin = origin.clone();
    value.text = matches!(value.kind, Kind::String(_));
    match &mut value.kind {
        Kind::Array(items) => items.iter_mut().for_each(|v| relabel(v, origin)),
        Kind::Table(table) => table.values_mut().for_each(|v| relabel(v, origin)),
        _ => {}
    }
}
