//! TOML files, parsed with `toml`'s span-keeping document parser so that
//! every value gets its line and column.

use std::path::Path;
use std::sync::Arc;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use crate::error::{Lines, Problem, ProblemKind};
use crate::origin::Origin;
use crate::value::{Kind, Table, Value};

pub(crate) fn parse(
    text: &str,
    path: &Arc<Path>,
    lines: &Lines<'_>,
) -> (Option<Value>, Vec<Problem>) {
    let (doc, errors) = DeTable::parse_recoverable(text);
    // The parser stops at its own depth limit, with messages that differ for
    // brackets and dotted keys and errors that follow from it: one problem,
    // the same as for JSON.
    if let Some(e) = errors.iter().find(|e| e.message().contains("recursion")) {
        let offset = e.span().map_or(0, |s| s.start);
        return (
            None,
            vec![super::file::too_deep_problem(path, lines, offset)],
        );
    }
    if !errors.is_empty() {
        let problems = errors
            .iter()
            .map(|e| {
                let span = e.span().unwrap_or(0..0);
                let (line, column) = lines.position(span.start);
                let mut message = e.message().trim_end().to_owned();
                if message == "duplicate key" {
                    // The parser's message does not say which key.
                    if let Some(key) = text.get(span.clone()).filter(|k| !k.contains('\n')) {
                        message = format!("duplicate key `{key}`");
                    }
                }
                Problem::new(ProblemKind::Syntax, format!("invalid TOML: {message}"))
                    .with_origin(Origin::File {
                        path: path.clone(),
                        line,
                        column,
                    })
                    .with_snippet(Some(lines.snippet(span)))
            })
            .collect();
        return (None, problems);
    }
    let conv = Convert { path, lines };
    let origin = conv.origin(0);
    (
        Some(Value::new(Kind::Table(conv.table(doc.get_ref())), origin)),
        Vec::new(),
    )
}

struct Convert<'a, 'l> {
    path: &'a Arc<Path>,
    lines: &'a Lines<'l>,
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

    fn table(&self, table: &DeTable<'_>) -> Table {
        table
            .iter()
            .map(|(k, v)| (k.get_ref().to_string(), self.value(v)))
            .collect()
    }

    fn value(&self, v: &Spanned<DeValue<'_>>) -> Value {
        let origin = self.origin(v.span().start);
        let kind = match v.get_ref() {
            DeValue::String(s) => Kind::String(s.to_string()),
            DeValue::Integer(i) => match i128::from_str_radix(i.as_str(), i.radix()) {
                Ok(n) => Kind::Integer(n),
                // The parser has checked the digits; only a value past i128
                // could fail, and TOML integers are 64-bit.
                Err(_) => Kind::String(i.as_str().to_owned()),
            },
            DeValue::Float(x) => Kind::Float(x.as_str().parse().unwrap_or(f64::NAN)),
            DeValue::Boolean(b) => Kind::Bool(*b),
            DeValue::Datetime(d) => Kind::Datetime(d.to_string()),
            DeValue::Array(items) => Kind::Array(items.iter().map(|i| self.value(i)).collect()),
            DeValue::Table(t) => Kind::Table(self.table(t)),
        };
        Value::new(kind, origin)
    }
}
