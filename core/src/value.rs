//! The value tree every source produces, and the merge of layers.

use std::collections::BTreeMap;
use std::fmt;

use crate::origin::Origin;

/// A table of keys to values, sorted by key.
pub type Table = BTreeMap<String, Value>;

/// One node of a configuration tree, tagged with where it came from.
#[derive(Clone)]
pub struct Value {
    /// What the node holds.
    pub kind: Kind,
    /// Where it was set.
    pub origin: Origin,
    /// Untyped text (an env value, a flag): converted by the target field's
    /// type rather than taken as a string.
    pub(crate) text: bool,
    /// Set by the load on the values of secret fields (and all below them),
    /// so that `Debug` of a loaded tree shows the mask.
    pub(crate) secret: bool,
    /// Where the value and its key stand in the text a parser read, beyond
    /// the origin's line and column; kept so that snippets need not guess.
    pub(crate) span: Span,
}

/// The extent of a value in its text, and where its key stands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Span {
    /// The caret's width: the value's length in bytes as written, of
    /// which a snippet shows the part on the value's first line; 0 when
    /// not known. Bytes, so that parsers need not count characters for
    /// every value: the snippet counts them for the one it shows.
    pub(crate) width: u32,
    /// 1-based line and column, and width in bytes, of the key that set
    /// the value.
    pub(crate) key: Option<(u32, u32, u32)>,
}

/// Values are equal by what they hold and where they were set; the span is
/// how the parser saw them.
impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        self.kind == other.kind && self.origin == other.origin && self.text == other.text
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("Value");
        match self.secret {
            true => out.field("kind", &format_args!("{}", crate::redact::MASK)),
            false => out.field("kind", &self.kind),
        };
        out.field("origin", &self.origin)
            .field("text", &self.text)
            .finish()
    }
}

/// The data of a [`Value`].
///
/// Integers are kept as `i128` so that every `i64` and `u64` a file can hold
/// fits; the target field's type checks the range.
#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    /// `true` or `false`.
    Bool(bool),
    /// A whole number.
    Integer(i128),
    /// A floating point number.
    Float(f64),
    /// A string. A string made with [`Value::text`] (env values, flags) is
    /// converted by the target type instead (see [`Value::is_text`]).
    String(String),
    /// A TOML date, time or datetime, kept in its RFC 3339 text form.
    Datetime(String),
    /// A list.
    Array(Vec<Value>),
    /// A table of keys.
    Table(Table),
}

impl Value {
    /// A value with its origin.
    pub fn new(kind: Kind, origin: Origin) -> Value {
        Value {
            kind,
            origin,
            text: false,
            secret: false,
            span: Span::default(),
        }
    }

    /// Untyped text, converted by the target field's type as environment
    /// variables and flags are: `"8080"` reads as a `u16`, `"a,b"` as a
    /// list, `"true"` as a `bool`, `"1m30s"` as a `Duration`. For sources
    /// whose data has no types of its own (a key-value store, a properties
    /// file).
    ///
    /// ```
    /// use staid::{Origin, Value};
    ///
    /// let port = Value::text("8080", Origin::Code);
    /// assert!(port.is_text());
    /// assert_eq!(port.as_str(), Some("8080"));
    /// ```
    pub fn text(text: impl Into<String>, origin: Origin) -> Value {
        Value {
            kind: Kind::String(text.into()),
            origin,
            text: true,
            secret: false,
            span: Span::default(),
        }
    }

    /// Whether this is untyped text (see [`Value::text`]), converted by the
    /// target field's type.
    pub fn is_text(&self) -> bool {
        self.text && matches!(self.kind, Kind::String(_))
    }

    /// An empty table.
    pub fn table(origin: Origin) -> Value {
        Value::new(Kind::Table(Table::new()), origin)
    }

    /// The table, if this is one.
    pub fn as_table(&self) -> Option<&Table> {
        match &self.kind {
            Kind::Table(t) => Some(t),
            _ => None,
        }
    }

    /// The text, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::String(s) => Some(s),
            _ => None,
        }
    }

    /// The node at a dotted key path (`"db.host"`), if there is one.
    pub fn get(&self, path: &str) -> Option<&Value> {
        if path.is_empty() {
            return Some(self);
        }
        let mut node = self;
        for part in path.split('.') {
            node = match &node.kind {
                Kind::Table(t) => t.get(part)?,
                Kind::Array(items) => items.get(list_index(part)?)?,
                _ => return None,
            };
        }
        Some(node)
    }

    /// The node at a dotted key path, mutably, found as [`get`](Value::get)
    /// finds it.
    pub fn get_mut(&mut self, path: &str) -> Option<&mut Value> {
        if path.is_empty() {
            return Some(self);
        }
        let mut node = self;
        for part in path.split('.') {
            node = match &mut node.kind {
                Kind::Table(t) => t.get_mut(part)?,
                Kind::Array(items) => items.get_mut(list_index(part)?)?,
                _ => return None,
            };
        }
        Some(node)
    }

    /// Sets the value at a dotted key path, creating tables on the way with
    /// the value's origin. A non-table in the way is replaced.
    pub fn insert_at(&mut self, path: &str, value: Value) {
        self.insert_at_keys(path.split('.'), value)
    }

    /// Like [`insert_at`](Value::insert_at), the path as a key path whose
    /// keys may be quoted (`upstreams."a.b".url`), as problems and origins
    /// spell keys with a dot.
    pub(crate) fn insert_at_quoted(&mut self, path: &str, value: Value) {
        self.insert_at_keys(path_segments(path).map(unquote_segment), value)
    }

    fn insert_at_keys<K: AsRef<str>>(&mut self, keys: impl Iterator<Item = K>, value: Value) {
        let mut node = self;
        let mut parts = keys.peekable();
        while let Some(part) = parts.next() {
            let part = part.as_ref();
            if !matches!(node.kind, Kind::Table(_)) {
                *node = Value::table(value.origin.clone());
            }
            let Kind::Table(table) = &mut node.kind else {
                unreachable!("made a table above")
            };
            if parts.peek().is_none() {
                table.insert(part.to_owned(), value);
                return;
            }
            // Look up before inserting: `entry` would allocate the key even
            // when the table is already there, the common case.
            if !table.contains_key(part) {
                table.insert(part.to_owned(), Value::table(value.origin.clone()));
            }
            node = match table.get_mut(part) {
                Some(next) => next,
                None => unreachable!("inserted above"),
            };
        }
    }

    /// Merges `other` on top of `self`: tables merge key by key, recursively;
    /// anything else in `other` replaces what was there.
    pub fn merge(&mut self, other: Value) {
        match (&mut self.kind, other.kind) {
            (Kind::Table(mine), Kind::Table(theirs)) => merge_tables(mine, theirs),
            (_, kind) => {
                self.kind = kind;
                self.origin = other.origin;
                self.text = other.text;
                self.span = other.span;
            }
        }
    }

    /// Gives every node of this tree `origin`, for a document read from one
    /// place (inline JSON in a variable, an etcd key); `text` marks its
    /// strings as text to be converted by the field's type.
    pub(crate) fn relabel(&mut self, origin: &Origin, text: bool) {
        self.origin = origin.clone();
        self.text = text && matches!(self.kind, Kind::String(_));
        match &mut self.kind {
            Kind::Array(items) => items.iter_mut().for_each(|v| v.relabel(origin, text)),
            Kind::Table(table) => table.values_mut().for_each(|v| v.relabel(origin, text)),
            _ => {}
        }
    }

    /// A short name of the kind, for error messages: `string`, `integer`, ...
    pub fn type_name(&self) -> &'static str {
        self.kind.type_name()
    }

    /// Rewrites the origin of this node and every node below it, for a
    /// source that reads through another (a `.env` file read as an
    /// environment names its lines, not variables).
    pub(crate) fn map_origins(&mut self, f: &impl Fn(&Origin) -> Option<Origin>) {
        if let Some(origin) = f(&self.origin) {
            self.origin = origin;
        }
        match &mut self.kind {
            Kind::Table(table) => table.values_mut().for_each(|v| v.map_origins(f)),
            Kind::Array(items) => items.iter_mut().for_each(|v| v.map_origins(f)),
            _ => {}
        }
    }
}

impl Kind {
    /// A short name of the kind, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Kind::Bool(_) => "boolean",
            Kind::Integer(_) => "integer",
            Kind::Float(_) => "float",
            Kind::String(_) => "string",
            Kind::Datetime(_) => "datetime",
            Kind::Array(_) => "array",
            Kind::Table(_) => "table",
        }
    }
}

/// Merges `theirs` into `mine`, later (theirs) winning.
pub(crate) fn merge_tables(mine: &mut Table, theirs: Table) {
    if mine.is_empty() {
        // Nothing below to keep: take the whole table, not key by key.
        *mine = theirs;
        return;
    }
    for (key, value) in theirs {
        match mine.get_mut(&key) {
            Some(existing) => existing.merge(value),
            None => {
                mine.insert(key, value);
            }
        }
    }
}

/// Writes a value in TOML's inline form, for explain output and templates.
pub(crate) struct Inline<'a>(pub &'a Value);

impl fmt::Display for Inline<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A secret a load marked, an element's field included, is never
        // written out, whatever prints the value around it.
        if self.0.secret {
            return f.write_str(crate::redact::MASK);
        }
        match &self.0.kind {
            Kind::Bool(b) => write!(f, "{b}"),
            Kind::Integer(i) => write!(f, "{i}"),
            // `{:?}` keeps a fraction or an exponent (`8.0`, `1e300`), so
            // that the text reads back as a float; `{}` would write 1e300
            // as 301 digits, an integer too large for TOML.
            Kind::Float(x) if x.is_finite() => write!(f, "{x:?}"),
            Kind::Float(x) => write!(f, "{x}"),
            Kind::String(s) => {
                let mut quoted = String::with_capacity(s.len() + 2);
                basic_string(s, &mut quoted);
                f.write_str(&quoted)
            }
            Kind::Datetime(d) => f.write_str(d),
            Kind::Array(items) => inline_array(f, items.iter().map(Inline)),
            Kind::Table(t) => inline_table(f, t.iter().map(|(k, v)| (k.as_str(), Inline(v)))),
        }
    }
}

/// `[a, b]`: items in TOML's inline form.
pub(crate) fn inline_array<T: fmt::Display>(
    f: &mut fmt::Formatter<'_>,
    items: impl Iterator<Item = T>,
) -> fmt::Result {
    f.write_str("[")?;
    for (i, item) in items.enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{item}")?;
    }
    f.write_str("]")
}

/// `{ a = 1, b = 2 }`: entries in TOML's inline form, keys quoted when
/// they are not bare.
pub(crate) fn inline_table<'k, T: fmt::Display>(
    f: &mut fmt::Formatter<'_>,
    entries: impl Iterator<Item = (&'k str, T)>,
) -> fmt::Result {
    f.write_str("{")?;
    let mut empty = true;
    for (i, (k, v)) in entries.enumerate() {
        f.write_str(if i > 0 { ", " } else { " " })?;
        write!(f, "{} = {v}", Key(k))?;
        empty = false;
    }
    f.write_str(if empty { "}" } else { " }" })
}

/// A key as one segment of a dotted key path: quoted when it holds a `.`,
/// a quote, a backslash or a control character (`labels."a.b"`), or is
/// empty (`""`), so that the path names the key it means; as it is
/// otherwise.
pub(crate) fn path_segment(key: &str) -> std::borrow::Cow<'_, str> {
    // A backslash or a control character is quoted too: escaped in a
    // message, `x\ny` (a newline) and `x\\ny` would read the same.
    let odd = |c: char| matches!(c, '.' | '"' | '\\') || c.is_control();
    match key.is_empty() || key.contains(odd) {
        true => Key(key).to_string().into(),
        false => key.into(),
    }
}

/// A list index as key paths write it: decimal digits, without a leading
/// zero (`0`, `12`). `routes.01` and `routes.+1` name no item: each item
/// has one key path, the one problems and explain print.
pub(crate) fn list_index(segment: &str) -> Option<usize> {
    let digits = !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit());
    match digits && (segment == "0" || !segment.starts_with('0')) {
        true => segment.parse().ok(),
        false => None,
    }
}

/// The segments of a dotted key path, split at the dots outside quotes
/// (`labels."a.b".x` is `labels`, `"a.b"`, `x`).
pub(crate) fn path_segments(path: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(path);
    std::iter::from_fn(move || {
        let text = rest?;
        let (mut quoted, mut escaped) = (false, false);
        for (i, c) in text.char_indices() {
            match c {
                '\\' if quoted && !escaped => {
                    escaped = true;
                    continue;
                }
                '"' if !escaped => quoted = !quoted,
                '.' if !quoted => {
                    rest = Some(&text[i + 1..]);
                    return Some(&text[..i]);
                }
                _ => {}
            }
            escaped = false;
        }
        rest = None;
        Some(text)
    })
}

/// A path segment as the key it stands for: a quoted one (`"a.b"`)
/// unquoted, its escapes (`\"`, `\t`, `\u00e9`) read back as [`Key`]
/// writes them.
pub(crate) fn unquote_segment(segment: &str) -> std::borrow::Cow<'_, str> {
    let Some(inner) = segment
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .filter(|_| segment.len() >= 2)
    else {
        return segment.into();
    };
    match unescape(inner) {
        Some(key) => key.into(),
        None => inner.into(),
    }
}

/// Writes `s` as a string literal that JSON and TOML both read: quotes,
/// backslashes and control characters escaped.
pub(crate) fn basic_string(s: &str, out: &mut String) {
    use std::fmt::Write as _;
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            // Control characters and those that reorder text (Trojan
            // Source), all in the BMP that `\u` reaches.
            c if crate::text::unprintable(c) => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// The text of a TOML or JSON basic string's body, escapes decoded; `None`
/// for an escape neither knows.
pub(crate) fn unescape(body: &str) -> Option<String> {
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let c = match chars.next()? {
            'x' => hex(&mut chars, 2)?,
            'u' => hex(&mut chars, 4)?,
            'U' => hex(&mut chars, 8)?,
            'n' => '\n',
            't' => '\t',
            'r' => '\r',
            'b' => '\u{8}',
            'f' => '\u{c}',
            'e' => '\u{1b}',
            '/' => '/',
            other @ ('"' | '\\') => other,
            _ => return None,
        };
        out.push(c);
    }
    Some(out)
}

fn hex(chars: &mut std::str::Chars<'_>, digits: usize) -> Option<char> {
    let text: String = chars.take(digits).collect();
    char::from_u32(u32::from_str_radix(&text, 16).ok()?)
}

/// A key, quoted when it is not a bare TOML key.
pub(crate) struct Key<'a>(pub &'a str);

impl fmt::Display for Key<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bare = !self.0.is_empty()
            && self
                .0
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if bare {
            f.write_str(self.0)
        } else {
            let mut quoted = String::with_capacity(self.0.len() + 2);
            basic_string(self.0, &mut quoted);
            f.write_str(&quoted)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(i: i128, o: Origin) -> Value {
        Value::new(Kind::Integer(i), o)
    }

    #[test]
    fn get_and_get_mut_find_the_same_nodes() {
        let mut tree = Value::table(Origin::Default);
        tree.insert_at("a.b", int(1, Origin::Default));
        tree.insert_at(
            "list",
            Value::new(Kind::Array(vec![int(2, Origin::Code)]), Origin::Code),
        );
        for path in [
            "", "a", "a.b", "list.0", "a..b", "a.", ".a", "list.1", "a.b.c",
        ] {
            let found = tree.get(path).cloned();
            assert_eq!(tree.get_mut(path).map(|v| v.clone()), found, "{path:?}");
        }
    }

    #[test]
    fn merge_is_deep_for_tables_and_replaces_arrays() {
        let mut low = Value::table(Origin::Default);
        let mut high = Value::table(Origin::Code);
        if let Kind::Table(t) = &mut low.kind {
            let mut db = Table::new();
            db.insert("host".into(), int(1, Origin::Default));
            db.insert("port".into(), int(2, Origin::Default));
            t.insert("db".into(), Value::new(Kind::Table(db), Origin::Default));
            let list = vec![int(1, Origin::Default), int(2, Origin::Default)];
            t.insert(
                "list".into(),
                Value::new(Kind::Array(list), Origin::Default),
            );
        }
        if let Kind::Table(t) = &mut high.kind {
            let mut db = Table::new();
            db.insert("port".into(), int(3, Origin::Code));
            t.insert("db".into(), Value::new(Kind::Table(db), Origin::Code));
            let list = vec![int(9, Origin::Code)];
            t.insert("list".into(), Value::new(Kind::Array(list), Origin::Code));
        }
        low.merge(high);
        assert_eq!(low.get("db.host").unwrap().kind, Kind::Integer(1));
        assert_eq!(low.get("db.port").unwrap().kind, Kind::Integer(3));
        assert_eq!(low.get("db.port").unwrap().origin, Origin::Code);
        assert_eq!(low.get("list.0").unwrap().kind, Kind::Integer(9));
        assert!(low.get("list.1").is_none());
    }
}
