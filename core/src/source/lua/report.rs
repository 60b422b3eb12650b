//! What a script may put in front of the person reading its errors: text
//! cut to size, control characters escaped, heap addresses removed, the
//! verbatim values of secrets replaced, and a bounded number of problems.
//!
//! A script's text is untrusted. Escaping newlines keeps one problem to one
//! block, so a key cannot forge an `error: ... --> /etc/app/real.toml:3:1`
//! block of its own; escaping control characters keeps terminal escapes out.

use crate::error::{Problem, ProblemKind};
use crate::origin::Origin;
use crate::schema::Schema;
use crate::value::{Kind, Value};

/// The most problems one script reports (its run, or one run of its hooks);
/// past that, one more problem says how many were left out.
pub(super) const MAX_PROBLEMS: usize = 50;

/// The longest message from a script that is kept, in bytes.
pub(super) const MAX_MESSAGE: usize = 1024;

/// The longest key segment from a script that is shown, in bytes.
pub(super) const MAX_SEGMENT: usize = 128;

/// The longest key path from a script that is shown, in bytes.
const MAX_KEY: usize = 512;

/// The most text one script's problems may hold in all, in bytes.
pub(super) const MAX_TEXT: usize = 64 * 1024;

/// Secret values shorter than this are not searched for: every short word
/// would match, and the search would hide more than it protects.
pub(super) const MIN_SECRET: usize = 4;

/// Text from a script made safe to print: at most `max` bytes (then `…`),
/// control and bidirectional characters escaped, and `table: 0x55d0…`
/// shortened to `table`.
pub(super) fn sanitize(text: &str, max: usize) -> String {
    let text = strip_addresses(text);
    let mut out = String::with_capacity(text.len().min(max) + 8);
    for c in text.chars() {
        if out.len() >= max {
            out.push('…');
            break;
        }
        crate::text::push_printable(&mut out, c);
    }
    out
}

pub(super) use crate::text::unprintable;

/// Text from a script as a problem shows it: the secrets replaced first,
/// then [`sanitize`]d. In that order, a secret with a newline is found
/// before the newline is escaped, and a cut never falls inside one.
pub(super) fn shown(text: &str, max: usize, secrets: &Secrets) -> String {
    let mut text = text.to_owned();
    secrets.scrub(&mut text);
    sanitize(&text, max)
}

/// Removes the address Lua prints after a type name (`table: 0x55d0c9a8`),
/// which tells a reader of the error where the host's heap is.
fn strip_addresses(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains(": 0x") {
        return text.into();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(": 0x") {
        let hex = rest[i + 4..]
            .bytes()
            .take_while(u8::is_ascii_hexdigit)
            .count();
        let word = rest[..i]
            .rsplit(|c: char| !c.is_ascii_alphanumeric())
            .next()
            .unwrap_or("");
        out.push_str(&rest[..i]);
        if hex == 0 || word.is_empty() {
            out.push_str(": 0x");
        }
        rest = &rest[i + 4 + hex..];
    }
    out.push_str(rest);
    out.into()
}

/// A key path from a script, as shown in a problem: each segment
/// sanitized and cut.
pub(super) fn key(path: &[String]) -> String {
    let mut out = String::new();
    for (i, segment) in path.iter().enumerate() {
        if out.len() >= MAX_KEY {
            out.push('…');
            break;
        }
        if i > 0 {
            out.push('.');
        }
        out.push_str(&sanitize(&crate::value::path_segment(segment), MAX_SEGMENT));
    }
    out
}

/// The verbatim values of the secrets a load knows about, longest first so
/// that a secret containing another is replaced whole.
#[derive(Clone, Debug, Default)]
pub(super) struct Secrets {
    values: Vec<String>,
}

impl Secrets {
    /// Adds every string and number under the secret fields of `tree`.
    pub(super) fn add_tree(&mut self, schema: &Schema, tree: &Value) {
        self.add_below(schema, tree, 0);
        self.sort();
    }

    /// Those of one struct's table: its fields, its chosen variant's, and
    /// the elements of its lists and maps of sections.
    fn add_below(&mut self, schema: &Schema, tree: &Value, depth: usize) {
        let Some(table) = tree.as_table().filter(|_| depth < crate::format::MAX_DEPTH) else {
            return;
        };
        for field in schema.fields {
            let Some(value) = table.get(field.key) else {
                continue;
            };
            if field.secret {
                self.add_value(value);
            } else if let Some(nested) = field.nested() {
                self.add_below(nested, value, depth + 1);
            } else if let Some(element) = field.elements() {
                match &value.kind {
                    Kind::Array(items) => items
                        .iter()
                        .for_each(|item| self.add_below(element, item, depth + 1)),
                    Kind::Table(t) => t
                        .values()
                        .for_each(|entry| self.add_below(element, entry, depth + 1)),
                    _ => {}
                }
            }
        }
        if let Some(variant) = schema.variant_of(table).and_then(|v| v.schema) {
            self.add_below(variant, tree, depth + 1);
        }
    }

    pub(super) fn add_value(&mut self, value: &Value) {
        match &value.kind {
            Kind::String(s) | Kind::Datetime(s) => self.add(s),
            Kind::Integer(i) => self.add(&i.to_string()),
            Kind::Float(x) => self.add(&x.to_string()),
            Kind::Bool(_) => {}
            Kind::Array(items) => items.iter().for_each(|v| self.add_value(v)),
            Kind::Table(t) => t.values().for_each(|v| self.add_value(v)),
        }
    }

    /// Adds one secret value.
    pub(super) fn add(&mut self, value: &str) {
        if value.len() >= MIN_SECRET && !self.values.iter().any(|v| v == value) {
            self.values.push(value.to_owned());
        }
    }

    /// The length of the longest secret, in bytes.
    pub(super) fn longest(&self) -> usize {
        self.values.first().map_or(0, String::len)
    }

    pub(super) fn sort(&mut self) {
        self.values.sort_by_key(|v| std::cmp::Reverse(v.len()));
    }

    /// Whether `text` holds a secret's value.
    pub(super) fn found_in(&self, text: &str) -> bool {
        self.values.iter().any(|v| text.contains(v.as_str()))
    }

    /// `text` with every secret's value replaced by `<secret>`.
    pub(super) fn scrub(&self, text: &mut String) {
        for value in &self.values {
            if text.contains(value.as_str()) {
                *text = text.replace(value.as_str(), "<secret>");
            }
        }
    }

    pub(super) fn merged(&self, other: &Secrets) -> Secrets {
        let mut all = self.clone();
        for v in &other.values {
            all.add(v);
        }
        all.sort();
        all
    }
}

/// Caps the problems of one run, in number and in text, and scrubs secrets
/// from all of them (what a script wrote was scrubbed when it was
/// [`shown`]; this is for the rest).
pub(super) fn finish(problems: &mut Vec<Problem>, secrets: &Secrets) {
    let mut text = 0;
    let fits = problems
        .iter()
        .position(|p| {
            text += p.message.len()
                + p.key.as_ref().map_or(0, String::len)
                + p.help.as_ref().map_or(0, String::len);
            text > MAX_TEXT
        })
        .unwrap_or(problems.len());
    if problems.len() > MAX_PROBLEMS || fits < problems.len() {
        let keep = fits.min(MAX_PROBLEMS - 1);
        let origin = match problems[0].origin.clone() {
            Some(Origin::Lua { script, .. }) => Some(Origin::Lua { script, line: None }),
            other => other,
        };
        problems.truncate(keep);
        // Hooks stop running at the cap, so how many more is not known.
        let mut last = Problem::new(
            ProblemKind::Source,
            format!("and more problems in this script (only the first {keep} are shown)"),
        );
        last.origin = origin;
        problems.push(last);
    }
    for problem in problems.iter_mut() {
        secrets.scrub(&mut problem.message);
        if let Some(key) = &mut problem.key {
            secrets.scrub(key);
        }
        if let Some(help) = &mut problem.help {
            secrets.scrub(help);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_text_is_escaped_cut_and_free_of_addresses() {
        assert_eq!(
            sanitize("a\nerror: x\n  --> /etc/app.toml:3:1\x1b[2J", 100),
            "a\\nerror: x\\n  --> /etc/app.toml:3:1\\u{1b}[2J"
        );
        assert_eq!(
            sanitize("bad table: 0x55d0c9a8f2b0 here", 100),
            "bad table here"
        );
        assert_eq!(sanitize("x: 0xZZ", 100), "x: 0xZZ");
        assert_eq!(sanitize("abcdef", 3), "abc…");
        assert_eq!(sanitize("\u{202e}evil", 100), "\\u{202e}evil");
    }

    #[test]
    fn problems_are_capped_in_number_and_in_text() {
        let many = |n: usize, len: usize| -> Vec<Problem> {
            (0..n)
                .map(|_| Problem::new(ProblemKind::Validation, "m".repeat(len)))
                .collect()
        };
        let mut p = many(200, 10);
        finish(&mut p, &Secrets::default());
        assert_eq!(p.len(), MAX_PROBLEMS);
        assert_eq!(
            p[MAX_PROBLEMS - 1].message,
            "and more problems in this script (only the first 49 are shown)"
        );
        let mut p = many(40, MAX_MESSAGE * 4);
        finish(&mut p, &Secrets::default());
        assert_eq!(p.len(), 17);
        let mut p = many(3, 10);
        finish(&mut p, &Secrets::default());
        assert_eq!(p.len(), 3);
    }

    #[test]
    fn secrets_are_replaced_longest_first() {
        let mut s = Secrets::default();
        s.add("hunter2");
        s.add("hunter2-long");
        s.add("abc");
        s.sort();
        let mut text = "hunter2-long and hunter2 and abc".to_owned();
        s.scrub(&mut text);
        assert_eq!(text, "<secret> and <secret> and abc");
    }
}
