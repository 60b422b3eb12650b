//! The one place secrets are hidden. Which values are secret is decided by
//! the schema (`#[config(secret)]`, `Secret<T>`) and a key path; every
//! output that could show a value (problems, warnings, explain, diffs,
//! usage and help) asks here.

use std::collections::HashMap;

use crate::error::Problem;
use crate::naming::EnvNaming;
use crate::origin::Origin;
use crate::schema::{Field, FieldKind, Literal, Schema, Shape};
use crate::snippet::Indexed;
use crate::source::Texts;
use crate::value::{Inline, Kind, Value};

mod spans;
use spans::{secret_spans, sets_key, Spans};

/// What a secret value is shown as, wherever a value would be shown.
pub const MASK: &str = "\"<secret>\"";

/// What a key below a secret field is shown as in a key path (the keys of
/// a secret map may be secret themselves), and a secret default in tables.
pub(crate) const MASKED_KEY: &str = "<secret>";

/// How many of `parts` (the segments of a key path, maybe quoted) name a
/// secret field and the sections above it, when they reach one: 1 for
/// `map`, `a`, `b` with a secret `map`; 3 for `servers`, `a`, `token` with
/// a secret `token` in a map of sections.
fn secret_parts<'p>(schema: &Schema, parts: impl IntoIterator<Item = &'p str>) -> Option<usize> {
    let mut schema = schema;
    let mut parts = parts.into_iter();
    let mut count = 0;
    while let Some(part) = parts.next() {
        count += 1;
        let field = schema.field(&crate::value::unquote_segment(part))?;
        if field.secret {
            return Some(count);
        }
        schema = match (field.nested(), field.elements()) {
            (Some(nested), _) => nested,
            (None, Some(element)) => {
                // The index or entry name, then the element's fields.
                parts.next()?;
                count += 1;
                element
            }
            (None, None) => return None,
        };
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
    secret_parts(schema, crate::value::path_segments(path)).is_some()
}

/// Whether the value at `path` is secret, or holds a secret field below it:
/// a section, a list or map of sections, or one of their elements, with a
/// secret field somewhere inside (what inline JSON in one variable sets).
pub(crate) fn reaches_secret(schema: &Schema, path: &str) -> bool {
    let mut schema = schema;
    let mut parts = crate::value::path_segments(path).peekable();
    while let Some(part) = parts.next() {
        let Some(field) = schema.field(&crate::value::unquote_segment(part)) else {
            return false;
        };
        if field.secret {
            return true;
        }
        let Some(below) = field.nested().or(field.elements()) else {
            return false;
        };
        // A list's index or a map's entry name, then the element's fields.
        if field.elements().is_some() {
            parts.next();
        }
        if parts.peek().is_none() {
            return holds(below, 0);
        }
        schema = below;
    }
    false
}

/// A variable's name as staid shows it: what follows the variable of a
/// secret map (`MYAPP_TOKENS_ALICE` for `tokens`) is an entry's name, which
/// may be secret too, so it is masked (`MYAPP_TOKENS_<secret>`). `None` for
/// a name below no secret map.
pub(crate) fn shown_var(schema: &'static Schema, naming: &EnvNaming, var: &str) -> Option<String> {
    // Most schemas hold no secret: no walk for each unknown name.
    if !schema.facts().secrets {
        return None;
    }
    let upper = var.to_ascii_uppercase();
    let mut shown = None;
    schema.walk_named(&mut |_, names, field| {
        let map = matches!(field.kind, FieldKind::Map(_)) || field.shape() == Some(Shape::Map);
        if shown.is_some() || !field.secret || !map {
            return;
        }
        let base = naming.var(names, field);
        let below = upper
            .strip_prefix(&base.to_ascii_uppercase())
            .and_then(|rest| rest.strip_prefix(naming.sep));
        if below.is_some_and(|rest| !rest.is_empty()) {
            shown = Some(format!("{base}{}{MASKED_KEY}", naming.sep));
        }
    });
    shown
}

/// A problem about the variable `var` with its name as staid shows it.
pub(crate) fn mask_var(
    problem: &mut Problem,
    schema: &'static Schema,
    naming: &EnvNaming,
    var: &str,
) {
    if let Some(shown) = shown_var(schema, naming, var) {
        problem.message = problem.message.replace(var, &shown);
        problem.help = None;
        if let Some(Origin::Env { var }) = &mut problem.origin {
            *var = shown;
        }
    }
}

/// Whether a value of `field` shown whole is masked: the field is secret,
/// or it is a section (a struct, a list or map of them) with a secret
/// field inside, whose value is shown whole only when it did not read as
/// the section (inline JSON that does not parse, an element that is not a
/// table) and may still hold the secret's text.
pub(crate) fn hides_whole(field: &Field) -> bool {
    field.secret
        || field
            .nested()
            .or(field.elements())
            .is_some_and(|s| holds(s, 0))
}

/// Whether a field, here, nested, in elements or in variants, is secret.
pub(crate) fn holds(schema: &Schema, depth: usize) -> bool {
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

/// Marks the values of secret fields in a loaded tree, and everything below
/// them, so that the tree's `Debug` masks them. Led by the schema: only the
/// parts of the tree under a schema that holds a secret are looked at.
pub(crate) fn mark(schema: &'static Schema, tree: &mut Value) {
    fn all(node: &mut Value, names: &[String]) {
        node.secret = true;
        mask_names(&mut node.origin, names);
        match &mut node.kind {
            Kind::Table(t) => t.values_mut().for_each(|v| all(v, names)),
            Kind::Array(items) => items.iter_mut().for_each(|v| all(v, names)),
            _ => {}
        }
    }
    fn go(schema: &'static Schema, node: &mut Value, depth: usize) {
        if depth >= crate::format::MAX_DEPTH || !schema.facts().secrets {
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
                all(child, &entry_names(child));
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
                let names = entry_names(child);
                all(child, &names);
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

/// The names of the entries below a secret value, at every depth, longest
/// first: what a store's key in their origins may hold (list indices
/// reveal nothing).
fn entry_names(value: &Value) -> Vec<String> {
    fn go(node: &Value, names: &mut Vec<String>) {
        match &node.kind {
            Kind::Table(t) => {
                for (name, entry) in t {
                    if !is_index(name) {
                        names.push(name.clone());
                    }
                    go(entry, names);
                }
            }
            Kind::Array(items) => items.iter().for_each(|item| go(item, names)),
            _ => {}
        }
    }
    let mut names = Vec::new();
    go(value, &mut names);
    names.sort_by_key(|name| std::cmp::Reverse(name.len()));
    names
}

/// Masks in `origin` the names of the entries below `value`, a value that
/// is (or looks like) a secret map's.
pub(crate) fn mask_entries(value: &Value, origin: &mut Origin) {
    mask_names(origin, &entry_names(value));
}

/// Masks each of `names` in a store's key (a remote origin) where it stands
/// as a part of the key, between separators (`/myapp/tokens/alice`,
/// `tokens.alice`): the entry names of a secret map, which a source's keys
/// may hold, show in origins no more than in key paths. Longest names
/// first: `bob` must not cut `bob-admin` short. Any character that is not
/// a letter or a digit separates, `_` too (`APP_TOKENS_ALICE`), and case
/// is ignored, as variable-style keys upper-case the entry's name; masking
/// a part of a longer word that happens to match hides more, never less.
fn mask_names<S: AsRef<str>>(origin: &mut Origin, names: &[S]) {
    // The names an origin shows: a store's key, a credential's name (a
    // key path) and file, a variable's (`APP_TOKENS_ALICE`).
    match origin {
        Origin::Remote { key, .. } => mask_in(key, names),
        Origin::Env { var } | Origin::EnvFile { var, .. } => mask_in(var, names),
        Origin::Credential { name, path } => {
            mask_in(name, names);
            if let Some(mut file) = path.file_name().and_then(|f| f.to_str()).map(str::to_owned) {
                mask_in(&mut file, names);
                path.set_file_name(file);
            }
        }
        _ => {}
    }
}

/// Masks each of `names` where it stands between separators in `key`.
fn mask_in<S: AsRef<str>>(key: &mut String, names: &[S]) {
    for name in names.iter().map(AsRef::as_ref).filter(|n| !n.is_empty()) {
        let name = name.to_ascii_lowercase();
        let mut from = 0;
        loop {
            // ASCII lower-casing keeps every byte offset.
            let lower = key.to_ascii_lowercase();
            let Some(at) = lower[from..].find(&name).map(|at| from + at) else {
                break;
            };
            let end = at + name.len();
            // A mask already put in (`<secret>`) is not a separator.
            let bounded =
                |c: Option<char>| !c.is_some_and(|c| c.is_alphanumeric() || matches!(c, '<' | '>'));
            if bounded(key[..at].chars().next_back()) && bounded(key[end..].chars().next()) {
                key.replace_range(at..end, MASKED_KEY);
                from = at + MASKED_KEY.len();
            } else {
                from = at + name.chars().next().map_or(1, char::len_utf8);
            }
        }
    }
}

fn is_index(part: &str) -> bool {
    !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit())
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
    let parts: Vec<&str> = crate::value::path_segments(path).collect();
    shown_parts(schema, &parts).join(".")
}

/// The `parts` of a key as they may be shown, for a source whose own keys
/// follow the key path (etcd's `/myapp/tokens/alice`): those below a secret
/// field masked, list indices kept.
pub(crate) fn shown_parts<'p>(schema: &Schema, parts: &[&'p str]) -> Vec<&'p str> {
    let shown = secret_parts(schema, parts.iter().copied()).unwrap_or(parts.len());
    parts
        .iter()
        .enumerate()
        .map(|(i, &part)| match i < shown || is_index(part) {
            true => part,
            false => MASKED_KEY,
        })
        .collect()
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
    mask_problems(schema, problems, texts);
    // Cut once masked: a cut name would no longer be found to mask.
    for problem in problems.iter_mut() {
        if let Some(cut) = crate::text::cut_long_words(&problem.message) {
            problem.message = cut;
        }
        if let Some(cut) = problem
            .help
            .as_deref()
            .and_then(crate::text::cut_long_words)
        {
            problem.help = Some(cut);
        }
    }
}

fn mask_problems(schema: &'static Schema, problems: &mut [Problem], texts: &Texts) {
    if problems.is_empty() {
        return;
    }
    let mut secret_keys: Vec<&'static str> = Vec::new();
    secret_fields(schema, &mut secret_keys, 0);
    // The texts problems carry, indexed once each, and the secret spans of
    // every text, by where the text is held: two texts may share a name.
    let mut carried: HashMap<*const u8, Indexed> = HashMap::new();
    let mut spans: HashMap<*const u8, Spans> = HashMap::new();
    for problem in problems {
        // Needed only here: an error need not hold a copy of the text.
        let whole = problem.text.take();
        if let Some(key) = &problem.key {
            let parts: Vec<&str> = crate::value::path_segments(key).collect();
            if let Some(shown) = secret_parts(schema, parts.iter().copied()) {
                // A store's key in the origin may name what the key path
                // masks.
                let mut names: Vec<_> = parts[shown..]
                    .iter()
                    .map(|part| crate::value::unquote_segment(part))
                    .filter(|name| !is_index(name))
                    .collect();
                names.sort_by_key(|name| std::cmp::Reverse(name.len()));
                if let Some(origin) = &mut problem.origin {
                    mask_names(origin, &names);
                }
                problem.key = Some(shown_parts(schema, &parts).join("."));
                problem.snippet = None;
                // A document at a secret map's key (etcd's `map.json`)
                // names its entries in its own syntax errors.
                hide_entry_name(problem, &secret_keys);
                continue;
            }
        }
        if secret_keys.is_empty() {
            continue;
        }
        let Some(snippet) = &problem.snippet else {
            continue;
        };
        let text = match &whole {
            Some(whole) => Some(
                &*carried
                    .entry(whole.0.as_ptr())
                    .or_insert_with(|| Indexed::new(whole.0.clone())),
            ),
            None => problem.origin.as_ref().and_then(|o| texts.of(o)),
        };
        let hide = match text {
            Some(text) => {
                let shown = text.line_range(snippet.line);
                let spans = spans
                    .entry(text.text().as_ptr())
                    .or_insert_with(|| Spans::new(secret_spans(text.text(), &secret_keys)));
                spans.overlap(shown.start..shown.end.max(shown.start + 1))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn masked(key: &str, names: &[&str]) -> String {
        let mut origin = Origin::Remote {
            source: "store".into(),
            key: key.into(),
            version: None,
        };
        let mut names = names.to_vec();
        names.sort_by_key(|name| std::cmp::Reverse(name.len()));
        mask_names(&mut origin, &names);
        let Origin::Remote { key, .. } = origin else {
            unreachable!("still remote")
        };
        key
    }

    #[test]
    fn entry_names_are_masked_where_they_stand_as_parts_of_a_key() {
        assert_eq!(masked("/app/tokens/a", &["a"]), "/app/tokens/<secret>");
        assert_eq!(
            masked("/app/tokens/bob-admin.json", &["bob", "bob-admin"]),
            "/app/tokens/<secret>.json"
        );
        assert_eq!(
            masked("/app/tokens/bob/x", &["bob", "x"]),
            "/app/tokens/<secret>/<secret>"
        );
        // Not inside a word, nor inside a mask already put in.
        assert_eq!(
            masked("/app/secrets/c", &["secret", "c"]),
            "/app/secrets/<secret>"
        );
        assert_eq!(
            masked("/app/tokens/secret", &["secret"]),
            "/app/tokens/<secret>"
        );
    }
}
