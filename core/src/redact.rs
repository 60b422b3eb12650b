//! The one place secrets are hidden. Which values are secret is decided by
//! the schema (`#[config(secret)]`, `Secret<T>`) and a key path; every
//! output that could show a value (problems, warnings, explain, diffs,
//! usage and help) asks here.

use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use crate::error::Problem;
use crate::origin::Origin;
use crate::schema::{Field, Literal, Schema};
use crate::source::Texts;
use crate::value::{Inline, Kind, Value};

/// What a secret value is shown as, wherever a value would be shown.
pub const MASK: &str = "\"<secret>\"";

/// What a key below a secret field is shown as in a key path (the keys of
/// a secret map may be secret themselves), and a secret default in tables.
pub(crate) const MASKED_KEY: &str = "<secret>";

/// The length of the part of `path` that names a secret field, when `path`
/// is that field or below it (`token`, `vault.token`, `map.a.b` for a secret
/// `map`).
fn secret_len(schema: &Schema, path: &str) -> Option<usize> {
    let mut schema = schema;
    let mut end = 0;
    let mut parts = crate::value::path_segments(path);
    while let Some(part) = parts.next() {
        end += part.len();
        let field = schema.field(&crate::value::unquote_segment(part))?;
        if field.secret {
            return Some(end);
        }
        schema = match (field.nested(), field.elements()) {
            (Some(nested), _) => nested,
            (None, Some(element)) => {
                // The index or entry name, then the element's fields.
                end += 1 + parts.next()?.len();
                element
            }
            (None, None) => return None,
        };
        end += 1;
    }
    None
}

/// A field's default as help and usage tables may show it: `None` for a
/// secret (whose default is never shown) or a field without one.
pub(crate) fn default_of(field: &Field) -> Option<&Literal> {
    field.default.as_ref().filter(|_| !field.secret)
}

/// The message of a value that does not fit its field: a secret's is
/// replaced, since serde's messages quote the value.
pub(crate) fn type_message(field: &Field, message: String) -> String {
    match field.secret {
        true => format!(
            "invalid value for `{}` (value hidden: the field is secret)",
            field.ty
        ),
        false => message,
    }
}

/// Whether the value at `path` is secret or lies inside a secret field.
pub(crate) fn is_secret(schema: &Schema, path: &str) -> bool {
    secret_len(schema, path).is_some()
}

/// Marks the values of secret fields in a loaded tree, and everything below
/// them, so that the tree's `Debug` masks them. Led by the schema: only the
/// parts of the tree under a schema that holds a secret are looked at.
pub(crate) fn mark(schema: &Schema, tree: &mut Value) {
    fn holds(schema: &Schema, depth: usize) -> bool {
        depth < crate::format::MAX_DEPTH
            && schema.fields.iter().any(|f| {
                f.secret
                    || f.nested()
                        .or(f.elements())
                        .is_some_and(|s| holds(s, depth + 1))
                    || f.variants().is_some_and(|vs| {
                        vs.iter()
                            .filter_map(|v| v.schema)
                            .any(|s| holds(s, depth + 1))
                    })
            })
    }
    fn all(node: &mut Value) {
        node.secret = true;
        match &mut node.kind {
            Kind::Table(t) => t.values_mut().for_each(all),
            Kind::Array(items) => items.iter_mut().for_each(all),
            _ => {}
        }
    }
    fn go(schema: &Schema, node: &mut Value, depth: usize) {
        if !holds(schema, depth) {
            return;
        }
        let Kind::Table(table) = &mut node.kind else {
            return;
        };
        // An enum section's variant keeps its fields beside the tag.
        let mut variants = Vec::new();
        for field in schema.fields {
            if let Some(vs) = field.variants() {
                variants.extend(vs.iter().filter_map(|v| v.schema));
            }
            let Some(child) = table.get_mut(field.key) else {
                continue;
            };
            if field.secret {
                all(child);
            } else if let Some(nested) = field.nested() {
                go(nested, child, depth + 1);
            } else if let Some(element) = field.elements() {
                match &mut child.kind {
                    Kind::Array(items) => items.iter_mut().for_each(|i| go(element, i, depth + 1)),
                    Kind::Table(t) => t.values_mut().for_each(|v| go(element, v, depth + 1)),
                    _ => {}
                }
            }
        }
        // A misspelt secret (`passwrd = ..`) holds the secret, as the
        // unknown-key warning takes it.
        for (key, child) in table.iter_mut() {
            if schema.field(key).is_none() && misspelt_secret(schema, key) {
                all(child);
            }
        }
        for variant in variants {
            go(variant, node, depth + 1);
        }
    }
    go(schema, tree, 0);
}

/// Whether `key`, which `schema` does not have, is most like one of its
/// secret fields.
pub(crate) fn misspelt_secret(schema: &Schema, key: &str) -> bool {
    let known = schema
        .fields
        .iter()
        .filter(|f| !f.is_skipped())
        .map(|f| f.key);
    crate::naming::suggest(key, known)
        .and_then(|best| schema.field(best))
        .is_some_and(|f| f.secret)
}

/// The value at `path` as it may be shown: in TOML's inline form, or the
/// mask when it is secret or inside a secret field. (Only diffs of reloads
/// print a single value so far.)
#[cfg_attr(not(feature = "watch"), allow(dead_code))]
pub(crate) fn value(schema: &Schema, path: &str, value: &Value) -> String {
    match is_secret(schema, path) {
        true => MASK.to_owned(),
        false => Inline(value).to_string(),
    }
}

/// `path` as it may be shown: the keys below a secret field masked
/// (`map.<secret>`); list indices (`ids.1`) reveal nothing and stay.
pub(crate) fn key_path(schema: &Schema, path: &str) -> String {
    let Some(end) = secret_len(schema, path).filter(|&end| end < path.len()) else {
        return path.to_owned();
    };
    let mut shown = path[..end].to_owned();
    for part in crate::value::path_segments(&path[end + 1..]) {
        shown.push('.');
        match !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()) {
            true => shown.push_str(part),
            false => shown.push_str(MASKED_KEY),
        }
    }
    shown
}

/// Hides what problems would show of secrets: keys below a secret field,
/// and every source line that is part of a secret value. A problem about a
/// secret value shows no snippet; any other problem whose snippet line
/// overlaps the text of a secret value (a syntax error on the second line
/// of a multi-line secret string, on an item of a secret list) shows none
/// either. Parsers see text, not the schema, and a text with a syntax error
/// has no tree to take spans from, so the extent of each secret value is
/// found in the text itself, from its key to the end of its value.
pub(crate) fn problems(schema: &'static Schema, problems: &mut [Problem], texts: &Texts) {
    let mut secret_keys: Vec<&'static str> = Vec::new();
    secret_fields(schema, &mut secret_keys, 0);
    let mut spans: HashMap<Arc<Path>, Vec<Range<usize>>> = HashMap::new();
    for problem in problems {
        if let Some(key) = &problem.key {
            if is_secret(schema, key) {
                problem.key = Some(key_path(schema, key));
                problem.snippet = None;
                continue;
            }
        }
        if secret_keys.is_empty() || problem.snippet.is_none() {
            continue;
        }
        let Some(snippet) = &problem.snippet else {
            continue;
        };
        let in_text = problem
            .origin
            .as_ref()
            .and_then(Origin::file_position)
            .and_then(|(path, _, _)| Some((path, texts.get(path)?)));
        let hide = match in_text {
            Some((path, text)) => {
                let shown = text.line_range(snippet.line);
                let spans = spans
                    .entry(Arc::from(path))
                    .or_insert_with(|| secret_spans(text.text(), &secret_keys));
                spans.iter().any(|span| {
                    span.start < shown.end.max(shown.start + 1) && shown.start < span.end
                })
            }
            // Text staid does not hold (a script's line): by the line alone.
            None => secret_keys.iter().any(|key| sets_key(&snippet.text, key)),
        };
        if hide {
            problem.snippet = None;
            hide_entry_name(problem, &secret_keys);
        }
    }
}

/// A syntax error inside a secret value that names a key (`duplicate key
/// `x``) names an entry of a secret map, whose name may be secret too,
/// unless the key is a secret field's own.
fn hide_entry_name(problem: &mut Problem, secret_keys: &[&str]) {
    if problem.kind != crate::error::ProblemKind::Syntax {
        return;
    }
    let message = &problem.message;
    let Some(open) = message.find("duplicate key `").map(|at| at + 14) else {
        return;
    };
    let Some(len) = message[open + 1..].find('`') else {
        return;
    };
    let name = &message[open + 1..open + 1 + len];
    if secret_keys.contains(&name.trim_matches(['"', '\''])) {
        return;
    }
    problem.message = format!(
        "{}`{MASKED_KEY}`{}",
        &message[..open],
        &message[open + 2 + len..]
    );
}

/// The byte ranges of `text` that assign a value to one of `keys`: from the
/// key to the end of its value, across lines for multi-line strings, arrays
/// and inline tables, to the end of the text for one left open.
fn secret_spans(text: &str, keys: &[&str]) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut spans = Vec::new();
    // Where each key stands and where its name ends: as written, or in
    // quotes with escapes (`"\u0074oken"`), which a search for the name
    // would miss.
    let mut found: Vec<(usize, usize)> = Vec::new();
    for key in keys {
        for start in word_starts(text, key) {
            let end = start + key.len();
            // `token` is not `token_ttl`: the key must end where it ends.
            if !bytes
                .get(end)
                .is_some_and(|&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
            {
                found.push((start, end));
            }
        }
    }
    found.extend(escaped_keys(text, keys));
    for (start, end) in found {
        // The rest of a dotted key (`map.x = ..`), quotes, blanks.
        let mut i = end;
        while i < bytes.len()
            && (bytes[i].is_ascii_alphanumeric()
                || matches!(bytes[i], b'"' | b'\'' | b'.' | b'_' | b'-' | b' ' | b'\t'))
        {
            i += 1;
        }
        if i < bytes.len() && bytes[i] == b']' {
            // A table header (`[map]`, `[[list]]`): what follows, to the
            // next header, belongs to the secret.
            spans.push(start..next_header(bytes, i));
            continue;
        }
        if i >= bytes.len() || !matches!(bytes[i], b'=' | b':') {
            continue;
        }
        i += 1;
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        spans.push(start..value_end(bytes, i));
    }
    spans
}

/// Quoted names with a backslash escape that spell one of `keys` once
/// decoded: where each starts, and the end of its closing quote.
fn escaped_keys(text: &str, keys: &[&str]) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    for (at, _) in text.match_indices("\"") {
        let end = string_end(bytes, at);
        let Some(inner) = text.get(at + 1..end.saturating_sub(1)) else {
            continue;
        };
        if inner.contains('\\')
            && crate::value::unescape(inner).is_some_and(|k| keys.contains(&k.as_str()))
        {
            found.push((at, end));
        }
    }
    found
}

/// The start of the next line that opens a TOML table header after `i`, or
/// the end of the text.
fn next_header(bytes: &[u8], i: usize) -> usize {
    let mut j = i;
    while let Some(at) = bytes[j..].iter().position(|&b| b == b'\n') {
        j += at + 1;
        let line = &bytes[j..];
        let indent = line
            .iter()
            .take_while(|b| matches!(b, b' ' | b'\t'))
            .count();
        if line.get(indent) == Some(&b'[') {
            return j;
        }
    }
    bytes.len()
}

/// Where the value starting at `i` ends (exclusive).
fn value_end(bytes: &[u8], i: usize) -> usize {
    let rest = &bytes[i..];
    let find = |needle: &[u8], from: usize| {
        bytes[from..]
            .windows(needle.len())
            .position(|w| w == needle)
            .map_or(bytes.len(), |at| from + at + needle.len())
    };
    if rest.starts_with(b"\"\"\"") {
        // A basic string's escapes may hold quotes (`\"""`).
        let mut j = i + 3;
        while j < bytes.len() {
            match bytes[j] {
                b'\\' => j += 1,
                b'"' if bytes[j..].starts_with(b"\"\"\"") => return find(b"\"\"\"", j),
                _ => {}
            }
            j += 1;
        }
        return bytes.len();
    }
    if rest.starts_with(b"'''") {
        return find(b"'''", i + 3);
    }
    match rest.first() {
        Some(b'"' | b'\'') => string_end(bytes, i),
        Some(b'[' | b'{') => {
            let mut depth = 0usize;
            let mut j = i;
            while j < bytes.len() {
                match bytes[j] {
                    b'[' | b'{' => depth += 1,
                    b']' | b'}' => {
                        depth -= 1;
                        if depth == 0 {
                            return j + 1;
                        }
                    }
                    b'"' | b'\'' => {
                        j = string_end(bytes, j);
                        continue;
                    }
                    // A TOML comment may hold brackets of its own.
                    b'#' => {
                        j = bytes[j..]
                            .iter()
                            .position(|&b| b == b'\n')
                            .map_or(bytes.len(), |at| j + at);
                        continue;
                    }
                    _ => {}
                }
                j += 1;
            }
            bytes.len()
        }
        _ => bytes[i..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(bytes.len(), |at| i + at),
    }
}

/// The end of the one-line string opening at `i`: past its closing quote,
/// or at the end of the line when it is left open.
fn string_end(bytes: &[u8], i: usize) -> usize {
    let quote = bytes[i];
    let mut j = i + 1;
    while j < bytes.len() {
        match bytes[j] {
            b'\\' if quote == b'"' => j += 1,
            b'\n' => return j,
            b if b == quote => return j + 1,
            _ => {}
        }
        j += 1;
    }
    bytes.len()
}

/// The keys of secret fields, here and in every section below.
fn secret_fields(schema: &'static Schema, keys: &mut Vec<&'static str>, depth: usize) {
    if depth > crate::format::MAX_DEPTH {
        return;
    }
    for field in schema.fields {
        if field.secret {
            keys.push(field.key);
        }
        if let Some(inner) = field.nested().or(field.elements()) {
            secret_fields(inner, keys, depth + 1);
        }
        // The fields of an enum section's variants sit beside its tag.
        for variant in field.variants().into_iter().flatten() {
            if let Some(inner) = variant.schema {
                secret_fields(inner, keys, depth + 1);
            }
        }
    }
}

/// Whether `line` assigns `key`: the key at a word boundary, maybe quoted,
/// then `=` (TOML, also inside inline tables) or `:` (JSON).
fn sets_key(line: &str, key: &str) -> bool {
    word_starts(line, key).any(|start| {
        let rest = line[start + key.len()..]
            .trim_start_matches('"')
            .trim_start();
        rest.starts_with('=') || rest.starts_with(':')
    })
}

/// Where `key` starts in `text` with no letter, digit, `_` or `-` before it.
fn word_starts<'t>(text: &'t str, key: &'t str) -> impl Iterator<Item = usize> + 't {
    text.match_indices(key).map(|(at, _)| at).filter(|&at| {
        let before = text[..at].chars().next_back();
        !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '-')
    })
}
