//! The one place secrets are hidden. Which values are secret is decided by
//! the schema (`#[config(secret)]`, `Secret<T>`) and a key path; every
//! output that could show a value (problems, warnings, explain, diffs,
//! usage and help) asks here.

use crate::error::Problem;
use crate::schema::{Field, Literal, Schema};

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
    let mut parts = path.split('.');
    while let Some(part) = parts.next() {
        end += part.len();
        let field = schema.field(part)?;
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

/// `path` as it may be shown: the keys below a secret field masked
/// (`map.<secret>`); list indices (`ids.1`) reveal nothing and stay.
pub(crate) fn key_path(schema: &Schema, path: &str) -> String {
    let Some(end) = secret_len(schema, path).filter(|&end| end < path.len()) else {
        return path.to_owned();
    };
    let mut shown = path[..end].to_owned();
    for part in path[end + 1..].split('.') {
        shown.push('.');
        match !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()) {
            true => shown.push_str(part),
            false => shown.push_str(MASKED_KEY),
        }
    }
    shown
}

/// Hides what problems would show of secrets: keys below a secret field,
/// and the source line of a problem about a secret value or on a line that
/// sets one.
pub(crate) fn problems(schema: &'static Schema, problems: &mut [Problem]) {
    let mut secret_keys: Vec<&'static str> = Vec::new();
    secret_fields(schema, &mut secret_keys, 0);
    if secret_keys.is_empty() {
        return;
    }
    for problem in problems {
        if let Some(key) = &problem.key {
            if is_secret(schema, key) {
                problem.key = Some(key_path(schema, key));
                problem.snippet = None;
                continue;
            }
        }
        // Parsers see text, not the schema: a syntax error is placed by
        // position only when its line sets a secret.
        let Some(snippet) = &problem.snippet else {
            continue;
        };
        let line = snippet.text.as_str();
        if secret_keys.iter().any(|key| sets_key(line, key)) {
            problem.snippet = None;
        }
    }
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
    }
}

/// Whether `line` assigns `key`: the key at a word boundary, maybe quoted,
/// then `=` (TOML, also inside inline tables) or `:` (JSON).
fn sets_key(line: &str, key: &str) -> bool {
    let mut from = 0;
    while let Some(at) = line[from..].find(key) {
        let start = from + at;
        let end = start + key.len();
        from = end;
        let before = line[..start].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '-') {
            continue;
        }
        let rest = line[end..].trim_start_matches('"').trim_start();
        if rest.starts_with('=') || rest.starts_with(':') {
            return true;
        }
    }
    false
}
