//! JSON files. serde_json keeps no positions, so JSON is read with
//! `jsonc-parser` in strict mode, whose syntax tree has a span for every node.

use std::path::Path;
use std::sync::Arc;

use jsonc_parser::ast;
use jsonc_parser::common::Ranged;
use jsonc_parser::{CollectOptions, ParseOptions};

use super::parse::{too_deep_problem, MAX_DEPTH};
use super::toml::{more_syntax_errors, MAX_SYNTAX_ERRORS};
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
    // A leading byte-order mark (some Windows editors write one) is skipped,
    // as TOML's lexer skips it; offsets stay those of the whole text.
    let (base, body) = match text.strip_prefix('\u{feff}') {
        Some(rest) => (text.len() - rest.len(), rest),
        None => (0, text),
    };
    let mut conv = Convert {
        path,
        lines,
        base,
        problems: Vec::new(),
        more: None,
    };
    // The document's own `{` is the root, not a level below it.
    let scan = scan(body, MAX_DEPTH + 1);
    if let Some(offset) = scan.too_deep {
        return (None, vec![too_deep_problem(path, lines, base + offset)]);
    }
    let parsed = jsonc_parser::parse_to_ast(body, &CollectOptions::default(), &STRICT);
    // What the parser lets through comes first if it is earlier than what it
    // refuses.
    let refused = parsed.as_ref().err().map(|e| e.range().start);
    if let Some(flaw) = scan.flaw.filter(|f| refused.is_none_or(|at| f.at < at)) {
        let span = flaw.at..flaw.at + flaw.found.len_utf8();
        return (
            None,
            vec![conv.problem(ProblemKind::Syntax, flaw.message(), span)],
        );
    }
    let parsed = match parsed {
        Ok(parsed) => parsed,
        Err(e) => {
            let range = e.range();
            let message = format!("invalid JSON: {}", describe(e.kind(), body, range.start));
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
    let mut problems = conv.problems;
    if let Some((offset, count)) = conv.more {
        let more = more_syntax_errors("JSON", count, path, lines, base + offset);
        problems.push(more);
    }
    if problems.is_empty() {
        (value, problems)
    } else {
        (None, problems)
    }
}

/// What JSON forbids and `jsonc-parser` accepts, found in one pass over the
/// text: raw control characters in strings, whitespace other than space,
/// tab, CR and LF, and nesting past [`MAX_DEPTH`] levels below the root
/// (a file's own `{` is the root; inline JSON is a value below its key).
struct Scan {
    /// The first character in the wrong place.
    flaw: Option<Flaw>,
    /// The offset of the first bracket past the depth limit.
    too_deep: Option<usize>,
}

struct Flaw {
    at: usize,
    found: char,
    in_string: bool,
}

impl Flaw {
    fn message(&self) -> String {
        self.describe("invalid JSON")
    }

    fn describe(&self, what: &str) -> String {
        let code = u32::from(self.found);
        if !self.in_string {
            return format!(
                "{what}: U+{code:04X} is not whitespace in JSON (only space, tab, CR and LF are)"
            );
        }
        let escape = match self.found {
            '\u{8}' => "\\b".to_owned(),
            '\t' => "\\t".to_owned(),
            '\n' => "\\n".to_owned(),
            '\u{c}' => "\\f".to_owned(),
            '\r' => "\\r".to_owned(),
            _ => format!("\\u{code:04X}"),
        };
        format!("{what}: control character U+{code:04X} in a string, write it as `{escape}`")
    }
}

fn char_at(text: &str, at: usize) -> char {
    text.get(at..)
        .and_then(|rest| rest.chars().next())
        .unwrap_or('\0')
}

fn scan(text: &str, max_depth: usize) -> Scan {
    let bytes = text.as_bytes();
    let mut found = Scan {
        flaw: None,
        too_deep: None,
    };
    let mut depth = 0usize;
    let mut i = 0;
    let flaw = |at: usize, in_string: bool| {
        Some(Flaw {
            at,
            found: char_at(text, at),
            in_string,
        })
    };
    while i < bytes.len() {
        match bytes[i] {
            b'[' | b'{' => {
                depth += 1;
                if depth > max_depth {
                    found.too_deep = Some(i);
                    return found;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            b'"' => {
                // To the closing quote, past escapes.
                i += 1;
                while i < bytes.len() {
                    match bytes[i] {
                        b'\\' => i += 1,
                        b'"' => break,
                        b if b < 0x20 && found.flaw.is_none() => found.flaw = flaw(i, true),
                        _ => {}
                    }
                    i += 1;
                }
            }
            b' ' | b'\t' | b'\r' | b'\n' => {}
            // Form feed, vertical tab, or the first byte of a character
            // past ASCII (never one of its continuation bytes).
            b if found.flaw.is_none()
                && (b == 0x0b || b == 0x0c || b >= 0xc0)
                && char_at(text, i).is_whitespace() =>
            {
                found.flaw = flaw(i, false);
            }
            _ => {}
        }
        i += 1;
    }
    found
}

struct Convert<'a, 'l> {
    path: &'a Arc<Path>,
    lines: &'a Lines<'l>,
    /// Where the parsed text starts in the lines: past a byte-order mark.
    base: usize,
    problems: Vec<Problem>,
    /// Where the first problem past [`MAX_SYNTAX_ERRORS`] is, and how many
    /// there are.
    more: Option<(usize, usize)>,
}

impl Convert<'_, '_> {
    fn origin(&self, offset: usize) -> Origin {
        let (line, column) = self.lines.position(self.base + offset);
        Origin::File {
            path: self.path.clone(),
            line,
            column,
        }
    }

    fn problem(&self, kind: ProblemKind, message: String, span: std::ops::Range<usize>) -> Problem {
        let snippet = self
            .lines
            .snippet(self.base + span.start..self.base + span.end);
        Problem::new(kind, message)
            .with_origin(self.origin(span.start))
            .with_snippet(Some(snippet))
    }

    /// A problem in a document that parsed, made only while there are fewer
    /// than [`MAX_SYNTAX_ERRORS`] of them.
    fn report(&mut self, span: std::ops::Range<usize>, message: impl FnOnce(&Self) -> String) {
        if self.problems.len() < MAX_SYNTAX_ERRORS {
            let message = message(self);
            let problem = self.problem(ProblemKind::Syntax, message, span);
            self.problems.push(problem);
        } else {
            self.more.get_or_insert((span.start, 0)).1 += 1;
        }
    }

    /// `None` for `null`, which sets nothing.
    fn value(&mut self, v: &ast::Value<'_>) -> Option<Value> {
        let range = v.range();
        let kind = match v {
            ast::Value::NullKeyword(_) => return None,
            ast::Value::BooleanLit(b) => Kind::Bool(b.value),
            ast::Value::StringLit(s) => Kind::String(s.value.to_string()),
            ast::Value::NumberLit(n) => match number(n.value) {
                Some(kind) => kind,
                None => {
                    self.report(range.start..range.end, |_| {
                        "invalid JSON: number out of range".to_owned()
                    });
                    return None;
                }
            },
            ast::Value::Array(a) => {
                let mut items = Vec::with_capacity(a.elements.len());
                for element in &a.elements {
                    if let ast::Value::NullKeyword(null) = element {
                        // Dropping it would shift every later item's index,
                        // and an item has nothing below it to leave in place.
                        let at = null.range();
                        self.report(at.start..at.end, |_| {
                            "invalid JSON: a list item cannot be `null`; leave the item out"
                                .to_owned()
                        });
                    } else if let Some(item) = self.value(element) {
                        items.push(item);
                    }
                }
                Kind::Array(items)
            }
            ast::Value::Object(o) => {
                let mut table = Table::new();
                let mut first: std::collections::HashMap<String, usize> = Default::default();
                for prop in &o.properties {
                    let name = prop.name.as_str().to_owned();
                    let at = prop.range.start;
                    if let Some(&earlier) = first.get(&name) {
                        self.report(at..prop.name.range().end, |conv| {
                            let (line, column) = conv.lines.position(conv.base + earlier);
                            format!(
                                "duplicate key `{name}` (first set at line {line}, column {column})"
                            )
                        });
                        continue;
                    }
                    first.insert(name.clone(), at);
                    if let Some(mut value) = self.value(&prop.value) {
                        // The name inside its quotes, as TOML keys are shown.
                        let key = prop.name.range();
                        let key = match self.text_at(key.start..key.end).starts_with('"') {
                            true => key.start + 1..key.end.saturating_sub(1).max(key.start + 1),
                            false => key.start..key.end,
                        };
                        let (line, column) = self.lines.position(self.base + key.start);
                        let width = u32::try_from(key.len()).unwrap_or(u32::MAX);
                        value.span.key = Some((line as u32, column as u32, width.max(1)));
                        table.insert(name, value);
                    }
                }
                Kind::Table(table)
            }
        };
        let mut value = Value::new(kind, self.origin(range.start));
        value.span.width = u32::try_from(range.end - range.start).unwrap_or(u32::MAX);
        Some(value)
    }

    /// The text of a span of the document.
    fn text_at(&self, span: std::ops::Range<usize>) -> &str {
        self.lines
            .text()
            .get(self.base + span.start..self.base + span.end)
            .unwrap_or("")
    }
}

/// A number the parser checked. JSON has no infinity, so one too large for
/// a float is refused (`None`), as serde_json refuses it, rather than read
/// as infinite.
fn number(text: &str) -> Option<Kind> {
    if !text.contains(['.', 'e', 'E']) {
        if let Ok(i) = text.parse::<i128>() {
            return Some(Kind::Integer(i));
        }
    }
    text.parse::<f64>()
        .ok()
        .filter(|x| x.is_finite())
        .map(Kind::Float)
}

/// Inline JSON from an env variable or a flag (`MYAPP_ROUTES='[{..}]'`):
/// the same strict parser as files, every value tagged with the text's
/// origin. `null` sets nothing and reads as an empty value.
pub(crate) fn inline(text: &str, origin: &Origin) -> Result<Value, InlineError> {
    let lines = Lines::new(text);
    let column = |offset: usize| lines.position(offset).1;
    let scan = scan(text, MAX_DEPTH);
    if let Some(offset) = scan.too_deep {
        return Err(InlineError {
            message: format!(
                "invalid inline JSON: nesting is deeper than the limit of {MAX_DEPTH} levels at \
                 column {}",
                column(offset)
            ),
            kind: ProblemKind::TooDeep,
        });
    }
    inline_parsed(text, &lines, scan, origin).map_err(|message| InlineError {
        message,
        kind: ProblemKind::Syntax,
    })
}

/// What is wrong with inline JSON: the message, and its kind (a syntax
/// error, or nesting past the limit as in a file).
#[derive(Debug)]
pub(crate) struct InlineError {
    pub(crate) message: String,
    pub(crate) kind: ProblemKind,
}

impl From<InlineError> for String {
    fn from(e: InlineError) -> String {
        e.message
    }
}

/// Inline JSON that the scan found no nesting past the limit in.
fn inline_parsed(
    text: &str,
    lines: &Lines<'_>,
    scan: Scan,
    origin: &Origin,
) -> Result<Value, String> {
    let column = |offset: usize| lines.position(offset).1;
    let parsed = jsonc_parser::parse_to_ast(text, &CollectOptions::default(), &STRICT);
    let refused = parsed.as_ref().err().map(|e| e.range().start);
    if let Some(flaw) = scan.flaw.filter(|f| refused.is_none_or(|at| f.at < at)) {
        let message = flaw.describe("invalid inline JSON");
        return Err(format!("{message} at column {}", column(flaw.at)));
    }
    let parsed = parsed.map_err(|e| {
        format!(
            "invalid inline JSON: {} at column {}",
            describe(e.kind(), text, e.range().start),
            e.column_display()
        )
    })?;
    let root = parsed.value.ok_or("invalid inline JSON: it is empty")?;
    let path: Arc<Path> = Arc::from(Path::new(""));
    let mut conv = Convert {
        path: &path,
        lines,
        base: 0,
        problems: Vec::new(),
        more: None,
    };
    let value = conv.value(&root);
    if let Some(problem) = conv.problems.first() {
        let message = problem.message();
        let message = message.strip_prefix("invalid JSON: ").unwrap_or(message);
        return Err(format!("invalid inline JSON: {message}"));
    }
    let mut value =
        value.unwrap_or_else(|| Value::new(Kind::String(String::new()), origin.clone()));
    // Its strings are text like the rest of that value (`"8080"` reads as
    // a number field).
    value.relabel(origin, true);
    Ok(value)
}

/// The parser's description of what it refused, in the lower case of
/// staid's other messages, and a value missing after `:` said as such.
fn describe(kind: &jsonc_parser::errors::ParseErrorKind, text: &str, at: usize) -> String {
    use jsonc_parser::errors::ParseErrorKind as K;
    let after_colon = text
        .get(..at)
        .is_some_and(|before| before.trim_end().ends_with(':'));
    match kind {
        K::UnexpectedCloseBrace
        | K::UnexpectedCloseBracket
        | K::UnexpectedComma
        | K::ExpectedObjectValue
        | K::UnterminatedObject
            if after_colon =>
        {
            "missing value after `:`".to_owned()
        }
        other => {
            let text = other.to_string();
            let mut chars = text.chars();
            match chars.next() {
                Some(first) => first.to_lowercase().chain(chars).collect(),
                None => text,
            }
        }
    }
}

#[cfg(test)]
mod tests;
