//! The parser's events, turned into values as they come.
//!
//! `toml_parser` lexes the text and calls an [`EventReceiver`] for each
//! piece in document order: keys, separators, scalars, brackets. The
//! receiver here decodes each key and scalar when it arrives and puts it
//! straight into the value tree, so no intermediate document is built and
//! dropped, and positions come from a forward cursor rather than a search.

use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;

use toml_parser::decoder::{Encoding, ScalarKind};
use toml_parser::parser::{parse_document, EventReceiver};
use toml_parser::{ErrorSink, Expected, ParseError, Raw, Source, Span};

use super::position::Cursor;
use super::scalar::{datetime, float, integer, Counted};
use super::tables::{self, byte_width, file_origin, By, How, Key, Shape, Tables};
use crate::error::{Problem, ProblemKind};
use crate::format::parse::{too_deep_problem, MAX_DEPTH};
use crate::snippet::Lines;
use crate::value::{Kind, Table, Value};

/// A file yields at most this many syntax errors, then one problem that
/// counts the rest: a file of garbage fails fast with a report one can read.
pub(crate) const MAX_SYNTAX_ERRORS: usize = 100;

pub(crate) fn parse(
    text: &str,
    path: &Arc<Path>,
    lines: &Lines<'_>,
) -> (Option<Value>, Vec<Problem>) {
    let tokens = Source::new(text).lex().into_vec();
    let mut errors = Capped::new(lines);
    let mut document = Document::new(text, path);
    parse_document(&tokens, &mut document, &mut errors);
    // Past the depth limit the rest is not read: that one problem says it.
    if let Some(offset) = document.too_deep {
        return (None, vec![too_deep_problem(path, lines, offset)]);
    }
    let dropped = document.dropped;
    let root = document.tables.finish(path, &mut errors);
    if errors.kept.is_empty() {
        // Something was left out of the tree on the ground that the parser
        // reports it; if it did not, the document is still refused.
        if let Some(span) = dropped {
            errors.report_error(ParseError::new("unexpected content").with_unexpected(span));
        }
    }
    if !errors.kept.is_empty() {
        let mut problems: Vec<Problem> = errors
            .kept
            .iter()
            .map(|(_, e)| problem(e, text, path, lines))
            .collect();
        if let Some((first, count)) = errors.more {
            problems.push(more_syntax_errors("TOML", count, path, lines, first));
        }
        return (None, problems);
    }
    let origin = file_origin(path, (1, 1));
    (Some(Value::new(Kind::Table(root), origin)), Vec::new())
}

/// The parser's errors, one a line, the first [`MAX_SYNTAX_ERRORS`] kept
/// (with their line), the rest counted from where the first of them is.
///
/// One a line: past a line's first error the parser is recovering, and what
/// it reports after that on the same line (`a = { b = }` twice, a missing
/// comma three ways) follows from the first.
struct Capped<'l> {
    lines: &'l Lines<'l>,
    kept: Vec<(usize, ParseError)>,
    more: Option<(usize, usize)>,
    /// The line of the last error and the bytes it spans: errors come
    /// mostly in order, many to a line in garbage, so most need no search.
    line: (usize, std::ops::Range<usize>),
    /// The last line of a kept error, past which none is kept.
    last_kept: usize,
}

impl<'l> Capped<'l> {
    fn new(lines: &'l Lines<'l>) -> Capped<'l> {
        Capped {
            lines,
            kept: Vec::new(),
            more: None,
            line: (0, 0..0),
            last_kept: 0,
        }
    }
}

impl ErrorSink for Capped<'_> {
    fn report_error(&mut self, error: ParseError) {
        let offset = error.unexpected().map_or(0, |s| s.start());
        let same_line = self.line.0 > 0 && self.line.1.contains(&offset);
        if !same_line {
            self.line = self.lines.line_of(offset, self.line.0);
        }
        let line = self.line.0;
        if line <= self.last_kept && self.kept.iter().any(|(seen, _)| *seen == line) {
            return;
        }
        if self.kept.len() < MAX_SYNTAX_ERRORS {
            self.last_kept = self.last_kept.max(line);
            self.kept.push((line, error));
            return;
        }
        if same_line {
            return;
        }
        let (_, count) = self.more.get_or_insert((offset, 0));
        *count += 1;
    }
}

/// The last problem of a file with more than [`MAX_SYNTAX_ERRORS`] syntax
/// errors, at the first one left out.
pub(crate) fn more_syntax_errors(
    format: &str,
    count: usize,
    path: &Arc<Path>,
    lines: &Lines<'_>,
    offset: usize,
) -> Problem {
    let s = if count == 1 { "" } else { "s" };
    let message = format!(
        "invalid {format}: ... and {} more syntax error{s} in this file",
        thousands(count)
    );
    Problem::new(ProblemKind::Syntax, message)
        .with_origin(file_origin(path, lines.position(offset)))
}

/// `119900` as `119,900`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// An array or inline table being read.
enum Frame<'i> {
    /// Its items, the line, column and byte offset of its `[`, and its
    /// level below the root.
    Array(Vec<Value>, (usize, usize), usize, usize),
    Inline {
        /// Its level below the root.
        level: usize,
        table: Table,
        /// Its tables made by dotted keys, which later dotted keys in it may
        /// extend.
        shape: Shape<'i>,
        /// Where its pending key starts in `Document::keys`.
        keys_from: usize,
        at: (usize, usize),
        /// The byte offset of its `{`.
        start: usize,
    },
}

/// The receiver of the parser's events.
struct Document<'i, 'p> {
    text: &'i str,
    file: &'p Arc<Path>,
    cursor: Cursor<'i>,
    tables: Tables<'i>,
    /// The key being read or waiting for its value: the document's, a
    /// header's, then those of the open inline tables, innermost last.
    keys: Vec<Key<'i>>,
    frames: Vec<Frame<'i>>,
    /// Inside `[...]` or `[[...]]`: whether it is an array of tables, and
    /// the line and column of its bracket.
    header: Option<(bool, (usize, usize))>,
    /// How many tables and arrays below the root the open section stands.
    section_level: usize,
    /// The offset where nesting first went past the limit.
    too_deep: Option<usize>,
    /// The first piece left out of the tree because it can only follow a
    /// syntax error, which the parser is expected to report.
    dropped: Option<Span>,
}

impl<'i, 'p> Document<'i, 'p> {
    fn new(text: &'i str, file: &'p Arc<Path>) -> Self {
        Document {
            text,
            file,
            cursor: Cursor::new(text),
            tables: Tables::new(),
            keys: Vec::new(),
            frames: Vec::new(),
            header: None,
            section_level: 0,
            too_deep: None,
            dropped: None,
        }
    }

    fn raw(&self, span: Span, encoding: Option<Encoding>) -> Raw<'i> {
        let text = self.text.get(span.start()..span.end()).unwrap_or("");
        Raw::new_unchecked(text, encoding, span)
    }

    /// Where the key being read starts in `keys`.
    fn key_start(&self) -> usize {
        match self.frames.last() {
            Some(Frame::Inline { keys_from, .. }) => *keys_from,
            _ => 0,
        }
    }

    /// Notes a piece that only a syntax error leaves over.
    fn drop_piece(&mut self, span: Span) {
        self.dropped.get_or_insert(span);
    }

    fn open_header(&mut self, span: Span, array: bool) {
        // A header can only follow a finished line; after a syntax error,
        // whatever was left open is dropped.
        if !self.frames.is_empty() || !self.keys.is_empty() {
            self.drop_piece(span);
        }
        self.frames.clear();
        self.keys.clear();
        self.header = Some((array, self.cursor.position(span.start())));
    }

    fn close_header(&mut self, error: &mut dyn ErrorSink) {
        if let Some((array, at)) = self.header.take() {
            let start = self.keys.first().map_or(0, |k| k.span.start());
            self.tables
                .open(&mut self.keys, array, at, self.file, error);
            self.keys.clear();
            // Counted once the section before it is in place, which may be
            // the array of tables this header goes into.
            self.section_level = self.tables.section_levels();
            if self.section_level > MAX_DEPTH {
                self.too_deep.get_or_insert(start);
            }
        }
    }

    /// The level below the root of the table the key being read goes
    /// into, before its dotted parts: the open inline table's, or the
    /// section's.
    fn table_level(&self) -> usize {
        match self.frames.last() {
            Some(Frame::Inline { level, .. }) => *level,
            Some(Frame::Array(.., level)) => *level,
            None => self.section_level,
        }
    }

    /// The width of a bracketed value from its opening at `at` to the
    /// closing `close`, when both are on one line (the caret then covers it
    /// all); 0 (not known) when it spans lines.
    /// The width of a value from its opening bracket to its closing one.
    fn width_from(start: usize, close: Span) -> u32 {
        u32::try_from(close.end().saturating_sub(start)).unwrap_or(u32::MAX)
    }

    /// The level below the root of an array or inline table opening here,
    /// or `None` (and the document refused) past the depth limit: one
    /// below the array it is in, or below the table its key's dotted parts
    /// reach.
    fn deeper(&mut self, span: Span) -> Option<usize> {
        let level = match self.frames.last() {
            Some(Frame::Array(.., level)) => level + 1,
            _ => {
                let parts = self.keys.len().saturating_sub(self.key_start());
                self.table_level() + parts.max(1)
            }
        };
        if level > MAX_DEPTH {
            self.too_deep.get_or_insert(span.start());
            return None;
        }
        Some(level)
    }

    /// A whole value: into the array or inline table it is in, or under
    /// its key.
    fn value(&mut self, value: Value, span: Span, error: &mut dyn ErrorSink) {
        match self.frames.last_mut() {
            Some(Frame::Array(items, ..)) => items.push(value),
            Some(Frame::Inline {
                table,
                shape,
                keys_from,
                ..
            }) => {
                let from = *keys_from;
                let keys = &self.keys[from..];
                tables::insert(table, shape, keys, value, By::InlineKey, self.file, error);
                self.keys.truncate(from);
            }
            None if self.header.is_none() => {
                let tables = &mut self.tables;
                let (table, shape) = (&mut tables.section, &mut tables.section_shape);
                tables::insert(
                    table,
                    shape,
                    &self.keys,
                    value,
                    By::DottedKey,
                    self.file,
                    error,
                );
                self.keys.clear();
            }
            None => self.drop_piece(span),
        }
    }

    fn scalar_value(&mut self, raw: Raw<'i>, span: Span, error: &mut dyn ErrorSink) -> Kind {
        let mut text = Cow::Borrowed("");
        let mut counted = Counted {
            sink: error,
            count: 0,
        };
        let scalar = raw.decode_scalar(&mut text, &mut counted);
        // A number the decoder refused is not looked at again: one error
        // for one fault.
        let refused = counted.count > 0;
        match scalar {
            ScalarKind::String => Kind::String(text.into_owned()),
            ScalarKind::Boolean(b) => Kind::Bool(b),
            ScalarKind::Integer(_) if refused => Kind::Integer(0),
            ScalarKind::Integer(radix) => integer(raw.as_str(), &text, radix.value(), span, error),
            ScalarKind::Float if refused => Kind::Float(f64::NAN),
            ScalarKind::Float => float(&text, span, error),
            ScalarKind::DateTime => datetime(&text, span, error),
        }
    }
}

impl EventReceiver for Document<'_, '_> {
    fn std_table_open(&mut self, span: Span, _error: &mut dyn ErrorSink) {
        self.open_header(span, false);
    }

    fn std_table_close(&mut self, _span: Span, error: &mut dyn ErrorSink) {
        self.close_header(error);
    }

    fn array_table_open(&mut self, span: Span, _error: &mut dyn ErrorSink) {
        self.open_header(span, true);
    }

    fn array_table_close(&mut self, _span: Span, error: &mut dyn ErrorSink) {
        self.close_header(error);
    }

    fn inline_table_open(&mut self, span: Span, _error: &mut dyn ErrorSink) -> bool {
        if self.too_deep.is_some() {
            return false;
        }
        let Some(level) = self.deeper(span) else {
            return false;
        };
        let at = self.cursor.position(span.start());
        self.frames.push(Frame::Inline {
            level,
            table: Table::new(),
            shape: Shape::new(How::Header),
            keys_from: self.keys.len(),
            at,
            start: span.start(),
        });
        true
    }

    fn inline_table_close(&mut self, span: Span, error: &mut dyn ErrorSink) {
        if let Some(Frame::Inline {
            table,
            keys_from,
            at,
            start,
            ..
        }) = self.frames.last_mut()
        {
            let (at, keys_from, start) = (*at, *keys_from, *start);
            let mut value = Value::new(
                Kind::Table(std::mem::take(table)),
                file_origin(self.file, at),
            );
            // A key left without a value (a syntax error) is dropped.
            if self.keys.len() > keys_from {
                self.dropped.get_or_insert(self.keys[keys_from].span);
            }
            self.keys.truncate(keys_from);
            self.frames.pop();
            value.span.width = Self::width_from(start, span);
            self.value(value, span, error);
        }
    }

    fn array_open(&mut self, span: Span, _error: &mut dyn ErrorSink) -> bool {
        if self.too_deep.is_some() {
            return false;
        }
        let Some(level) = self.deeper(span) else {
            return false;
        };
        let at = self.cursor.position(span.start());
        self.frames
            .push(Frame::Array(Vec::new(), at, span.start(), level));
        true
    }

    fn array_close(&mut self, span: Span, error: &mut dyn ErrorSink) {
        if let Some(Frame::Array(..)) = self.frames.last() {
            if let Some(Frame::Array(items, at, start, _)) = self.frames.pop() {
                let mut value = Value::new(Kind::Array(items), file_origin(self.file, at));
                value.span.width = Self::width_from(start, span);
                self.value(value, span, error);
            }
        }
    }

    fn simple_key(&mut self, span: Span, encoding: Option<Encoding>, error: &mut dyn ErrorSink) {
        if self.too_deep.is_some() {
            return;
        }
        let raw = self.raw(span, encoding);
        let mut name = Cow::Borrowed("");
        raw.decode_key(&mut name, error);
        let at = self.cursor.position(span.start());
        let width = byte_width(raw.as_str()).max(1);
        self.keys.push(Key {
            name,
            span,
            at,
            width,
        });
    }

    fn key_sep(&mut self, _span: Span, _error: &mut dyn ErrorSink) {
        if self.too_deep.is_some() {
            return;
        }
        let parts = self.keys.len() - self.key_start().min(self.keys.len());
        let Some(key) = self.keys.last_mut() else {
            return;
        };
        // The key before a `.` names a table, which takes its position.
        key.at = self.cursor.position(key.span.start());
        let start = key.span.start();
        // Each part before a `.` is a table: below the section or inline
        // table the key is in, or, in a header, below the root (where the
        // header's own table is counted when it closes).
        let base = match self.header {
            Some(_) => 0,
            None => self.table_level(),
        };
        if base + parts > MAX_DEPTH {
            self.too_deep = Some(start);
        }
    }

    fn scalar(&mut self, span: Span, encoding: Option<Encoding>, error: &mut dyn ErrorSink) {
        if self.too_deep.is_some() {
            return;
        }
        let raw = self.raw(span, encoding);
        let at = self.cursor.position(span.start());
        let kind = self.scalar_value(raw, span, error);
        if let Some(Encoding::MlBasicString | Encoding::MlLiteralString) = encoding {
            self.cursor.pass(raw.as_str(), span.start());
        }
        let mut value = Value::new(kind, file_origin(self.file, at));
        value.span.width = byte_width(raw.as_str());
        self.value(value, span, error);
    }

    fn comment(&mut self, span: Span, error: &mut dyn ErrorSink) {
        self.raw(span, None).decode_comment(error);
    }

    fn newline(&mut self, span: Span, error: &mut dyn ErrorSink) {
        self.raw(span, None).decode_newline(error);
        self.cursor.newline(span.end());
        if self.frames.is_empty() {
            // The line is over: a header or key left open by a syntax
            // error ends here.
            if self.header.is_some() {
                self.drop_piece(span);
            }
            self.close_header(error);
            if let Some(key) = self.keys.first() {
                self.dropped.get_or_insert(key.span);
            }
            self.keys.clear();
        }
    }
}

/// A parser error as a staid problem: `toml`'s wording, with the place,
/// and plainer words for the two mistakes people make most.
fn problem(e: &ParseError, text: &str, path: &Arc<Path>, lines: &Lines<'_>) -> Problem {
    let span = e.unexpected().map_or(0..0, |s| s.start()..s.end());
    let (line, column) = lines.position(span.start);
    let mut message = describe(e);
    let mut help = None;
    let here = text.get(span.start..).unwrap_or("");
    let after_equals = text
        .get(..span.start)
        .is_some_and(|before| before.trim_end_matches([' ', '\t']).ends_with('='));
    match e.description() {
        "duplicate key" => {
            if let Some(key) = text.get(span.clone()).filter(|k| !k.contains('\n')) {
                message = format!("duplicate key `{key}`");
            }
        }
        // `port =` with nothing after it: the parser reads the end of the
        // line (or `#`, `,`, `}`) as a value that is not one.
        "string values must be quoted"
        | "invalid literal string"
        | "extra comma in inline table"
            if after_equals
                && (here.is_empty() || here.starts_with(['\n', '\r', '#', ',', '}', ']'])) =>
        {
            message = "missing value after `=`".to_owned();
        }
        // `host = localhost`. The text itself is not repeated: it may be
        // a secret's.
        "string values must be quoted" => {
            message = "string values must be quoted".to_owned();
            help = Some("a string is written in quotes: key = \"text\"");
        }
        _ => {}
    }
    let mut problem = Problem::new(ProblemKind::Syntax, format!("invalid TOML: {message}"))
        .with_origin(file_origin(path, (line, column)))
        .with_snippet(Some(lines.snippet(span)));
    if let Some(help) = help {
        problem = problem.with_help(help);
    }
    problem
}

/// The description and what was expected: "invalid literal string,
/// expected `'`".
fn describe(e: &ParseError) -> String {
    let mut message = e.description().to_owned();
    if let Some(expected) = e.expected().filter(|expected| !expected.is_empty()) {
        push_expected(&mut message, expected);
    }
    message.truncate(message.trim_end().len());
    message
}

fn push_expected(message: &mut String, expected: &[Expected]) {
    message.push_str(", expected ");
    for (i, item) in expected.iter().enumerate() {
        if i > 0 {
            message.push_str(", ");
        }
        match item {
            Expected::Literal("\n") => message.push_str("newline"),
            Expected::Literal("`") => message.push_str("'`'"),
            Expected::Literal(s) if s.chars().all(|c| c.is_ascii_control()) => {
                message.push_str(&format!("`{}`", s.escape_debug()))
            }
            Expected::Literal(s) => message.push_str(&format!("`{s}`")),
            Expected::Description(s) => message.push_str(s),
            _ => message.push_str("etc"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The events of `[a` followed by `1` with no error from the parser: the
    /// value has nowhere to go, and the document is refused all the same.
    #[test]
    fn a_piece_left_out_without_a_parser_error_is_noted() {
        let text = "[a 1\n";
        let path: Arc<Path> = Arc::from(Path::new("t.toml"));
        let mut document = Document::new(text, &path);
        let lines = Lines::new(text);
        let mut errors = Capped::new(&lines);
        document.std_table_open(Span::new_unchecked(0, 1), &mut errors);
        document.simple_key(Span::new_unchecked(1, 2), None, &mut errors);
        document.scalar(Span::new_unchecked(3, 4), None, &mut errors);
        assert!(errors.kept.is_empty());
        assert_eq!(document.dropped, Some(Span::new_unchecked(3, 4)));
    }
}
