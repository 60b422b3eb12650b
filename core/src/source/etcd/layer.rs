//! The keys under a prefix as a layer: `/myapp/db/host` -> `db.host`, text
//! values converted by the target type, `.json` keys as typed JSON.

use crate::error::{Problem, ProblemKind};
use crate::format::{parse_json_value, Format};
use crate::origin::Origin;
use crate::schema::Schema;
use crate::value::{path_segment, Kind, Value};

/// The suffix of keys whose value is a JSON document.
pub(super) const JSON_SUFFIX: &str = ".json";

/// One key read from etcd.
pub(super) struct Entry<'a> {
    pub(super) key: &'a [u8],
    pub(super) value: &'a [u8],
    pub(super) mod_revision: i64,
}

/// What the keys under a prefix make: the layer, and what could not be
/// read of it, reported while the rest is kept.
pub(super) struct Built {
    /// `None` when no key sets anything.
    pub(super) layer: Option<Value>,
    pub(super) problems: Vec<Problem>,
    /// The key paths that documents which did not parse still name: not
    /// reported missing, the syntax error being the problem to fix.
    pub(super) unparsed: Vec<String>,
}

/// Builds the layer from the keys under `prefix`: `.json` documents first,
/// then single keys, so a single key wins over the same key inside a
/// document whatever their byte order (`port` sorts before `port.json`).
/// Keys that cannot be mapped are reported and left out; the rest is kept.
/// The keys in origins and messages have the names below a secret field
/// masked (`/myapp/tokens/<secret>`), as key paths have.
pub(super) fn build<'a>(
    schema: &Schema,
    prefix: &str,
    endpoint: &str,
    entries: impl IntoIterator<Item = Entry<'a>>,
) -> Built {
    let mut layer = Value::table(Origin::Default);
    let mut built = Built {
        layer: None,
        problems: Vec::new(),
        unparsed: Vec::new(),
    };
    let mut any = false;
    let (documents, singles): (Vec<Entry<'a>>, Vec<Entry<'a>>) = entries
        .into_iter()
        .partition(|e| e.key.ends_with(JSON_SUFFIX.as_bytes()));
    for entry in documents.into_iter().chain(singles) {
        let key = String::from_utf8_lossy(entry.key);
        let Some(rest) = key.strip_prefix(prefix) else {
            continue;
        };
        let shown = shown_key(schema, prefix, rest);
        let origin = || Origin::Remote {
            source: format!("etcd {endpoint}"),
            key: shown.clone(),
            version: Some(format!("revision {}", entry.mod_revision)),
        };
        // A key's bytes are its name: one that is not UTF-8 cannot name a
        // field, nor an entry (two keys differing in such a byte would be
        // one entry if it were replaced).
        let parsed = match std::str::from_utf8(entry.key) {
            Ok(_) => key_parts(rest),
            Err(_) => Err("it is not valid UTF-8"),
        };
        let (parts, json) = match parsed {
            Ok(found) => found,
            Err(why) => {
                built.problems.push(
                    Problem::new(
                        ProblemKind::Source,
                        format!("cannot map the etcd key {shown}: {why}"),
                    )
                    .with_origin(origin())
                    .with_help(
                        "name keys `<prefix><key>/<nested key>`, each part a field name, \
                         optionally ending in `.json` for a JSON value",
                    ),
                );
                // Set, if badly: what it seems to name is not also missing.
                built.unparsed.extend(seemingly_named(rest, entry.value));
                continue;
            }
        };
        let path = parts
            .iter()
            .map(|p| path_segment(p))
            .collect::<Vec<_>>()
            .join(".");
        let Ok(text) = std::str::from_utf8(entry.value) else {
            built.problems.push(
                Problem::new(ProblemKind::Syntax, "the value is not valid UTF-8")
                    .with_key(&path)
                    .with_origin(origin()),
            );
            // Set, if badly: not also missing, nor what a document names.
            match json {
                true => built.unparsed.extend(keys_at(
                    &parts.join("."),
                    &String::from_utf8_lossy(entry.value),
                    Format::Json,
                )),
                false => built.unparsed.push(parts.join(".")),
            }
            continue;
        };
        let value = if json {
            // Parsed like a JSON file named by the key, so a syntax error
            // has its line, column and snippet; the values then carry the
            // key's origin, typed as in a JSON file.
            let (doc, found) = parse_json_value(&shown, text);
            if !found.is_empty() {
                let under = parts.join(".");
                built.unparsed.extend(keys_at(&under, text, Format::Json));
                built
                    .problems
                    .extend(found.into_iter().map(|p| p.with_key(&path)));
                continue;
            }
            // `null` (or an empty text) sets nothing, as in a JSON file.
            let Some(mut doc) = doc else { continue };
            doc.relabel(&origin(), false);
            doc
        } else {
            Value::text(text, origin())
        };
        let mut single = Value::table(Origin::Default);
        single.insert_at(&parts.join("."), value);
        merge(&mut layer, single, "", &mut built.problems);
        any = true;
    }
    built.layer = any.then_some(layer);
    built
}

/// Merges one key's tree into the layer. A key that holds a value while
/// other keys sit below it (`/myapp/db` beside `/myapp/db/host`) cannot be
/// both: the value is reported and left out, the keys below kept. Of two
/// values at one path, the later (a single key over a document's value)
/// wins, as the order of `build` intends.
fn merge(node: &mut Value, theirs: Value, path: &str, problems: &mut Vec<Problem>) {
    match (node.as_table().is_some(), theirs.as_table().is_some()) {
        (true, true) => {
            let (Kind::Table(mine), Kind::Table(theirs)) = (&mut node.kind, theirs.kind) else {
                return;
            };
            for (key, value) in theirs {
                let below = match path.is_empty() {
                    true => path_segment(&key).into_owned(),
                    false => format!("{path}.{}", path_segment(&key)),
                };
                match mine.get_mut(&key) {
                    Some(existing) => merge(existing, value, &below, problems),
                    None => {
                        mine.insert(key, value);
                    }
                }
            }
        }
        (true, false) => problems.push(both(path, &theirs, node)),
        (false, true) => {
            problems.push(both(path, node, &theirs));
            *node = theirs;
        }
        (false, false) => *node = theirs,
    }
}

/// The problem of a key at `path` that holds `value` while `keys`, a table
/// that another key made, sit below it.
fn both(path: &str, value: &Value, keys: &Value) -> Problem {
    let other = match &keys.origin {
        Origin::Remote { key, .. } => key.as_str(),
        _ => "another key",
    };
    Problem::new(
        ProblemKind::Type,
        format!("holds a value, but {other} sets a key below it; the value is left out"),
    )
    .with_key(path)
    .with_origin(value.origin.clone())
    .with_help("a key holds a value or keys below it, not both: delete one of them")
}

/// The key paths a document read at the key path `under` appears to set,
/// for a document that does not parse: `under` itself, and each key of the
/// text below it, none of which is then also reported missing.
fn keys_at(under: &str, text: &str, format: Format) -> Vec<String> {
    let mut found = vec![under.to_owned()];
    found.extend(
        crate::format::scan::keys(format, text)
            .into_iter()
            .map(|k| format!("{under}.{k}")),
    );
    found
}

/// What a key that maps to no key path seems to name (`db` for
/// `db.toml`, `db.host` for `db//host`), with the keys of its value when
/// that is a TOML or JSON document: set, if badly, so not also missing.
fn seemingly_named(rest: &str, value: &[u8]) -> Vec<String> {
    let (stem, format) = match (rest.strip_suffix(JSON_SUFFIX), rest.strip_suffix(".toml")) {
        (Some(stem), _) => (stem, Some(Format::Json)),
        (None, Some(stem)) => (stem, Some(Format::Toml)),
        (None, None) => (rest, None),
    };
    let parts: Vec<&str> = stem.split(['/', '.']).filter(|p| !p.is_empty()).collect();
    if parts.is_empty() || parts.len() > crate::format::MAX_DEPTH {
        return Vec::new();
    }
    let under = parts.join(".");
    match format {
        Some(format) => keys_at(&under, &String::from_utf8_lossy(value), format),
        None => vec![under],
    }
}

/// The parts of a key below the prefix, and whether its value is JSON:
/// `db/host` -> `db`, `host`; `db.json` -> `db` as JSON.
fn key_parts(rest: &str) -> Result<(Vec<&str>, bool), &'static str> {
    let (rest, json) = match rest.strip_suffix(JSON_SUFFIX) {
        Some(stem) => (stem, true),
        None => (rest, false),
    };
    if rest.is_empty() {
        return Err("it has no name below the prefix");
    }
    let parts: Vec<&str> = rest.split('/').collect();
    // As deep as a file may nest, so that the tree stays within the stack.
    if parts.len() > crate::format::MAX_DEPTH {
        return Err("it nests deeper than a configuration can");
    }
    if parts.iter().any(|part| part.is_empty()) {
        return Err("it has an empty part (`//` or a trailing `/`)");
    }
    if !json && rest.ends_with(".toml") {
        return Err(
            "TOML is not read from etcd: a key ending in `.json` holds a JSON \
                    document, any other key one value as text",
        );
    }
    if parts.iter().any(|part| part.contains('.')) {
        return Err("a part other than a final `.json` contains `.`");
    }
    Ok((parts, json))
}

/// A key as messages and origins show it: the prefix, then the parts below
/// it with those under a secret field masked (`/myapp/tokens/<secret>`).
fn shown_key(schema: &Schema, prefix: &str, rest: &str) -> String {
    let (stem, suffix) = match rest.strip_suffix(JSON_SUFFIX) {
        Some(stem) => (stem, JSON_SUFFIX),
        None => (rest, ""),
    };
    let parts: Vec<&str> = stem.split('/').collect();
    let shown = crate::redact::shown_parts(schema, &parts).join("/");
    format!("{prefix}{shown}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Kind;

    fn entry<'a>(key: &'a str, value: &'a str, rev: i64) -> Entry<'a> {
        Entry {
            key: key.as_bytes(),
            value: value.as_bytes(),
            mod_revision: rev,
        }
    }

    const EP: &str = "http://127.0.0.1:2379";

    /// The layer of `entries` under the prefix `/app/` at `EP`.
    fn build<'a>(entries: impl IntoIterator<Item = Entry<'a>>) -> (Option<Value>, Vec<Problem>) {
        // Nothing is secret.
        let built = super::build(&Schema::EMPTY, "/app/", EP, entries);
        (built.layer, built.problems)
    }

    #[test]
    fn a_key_that_is_not_utf8_is_reported_not_replaced() {
        let bad = Entry {
            key: b"/app/labels/\xffx",
            value: b"3",
            mod_revision: 4,
        };
        let (layer, problems) = build([bad, entry("/app/port", "1", 5)]);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(
            problems[0].to_string(),
            "cannot map the etcd key /app/labels/\u{fffd}x: it is not valid UTF-8\n  \
             --> /app/labels/\u{fffd}x at etcd http://127.0.0.1:2379 (revision 4)\n  \
             = help: name keys `<prefix><key>/<nested key>`, each part a field name, optionally \
             ending in `.json` for a JSON value"
        );
        // The rest is kept.
        let layer = layer.unwrap();
        assert!(layer.get("labels").is_none());
        assert!(layer.get("port").is_some());
    }

    #[test]
    fn keys_become_paths_and_text_stays_text() {
        let (layer, problems) = build([
            entry("/app/db/host", "db1", 3),
            entry("/app/port", "8080", 5),
        ]);
        assert!(problems.is_empty(), "{problems:?}");
        let layer = layer.unwrap();
        let host = layer.get("db.host").unwrap();
        assert_eq!(host.kind, Kind::String("db1".into()));
        assert_eq!(
            host.origin,
            Origin::Remote {
                source: format!("etcd {EP}"),
                key: "/app/db/host".into(),
                version: Some("revision 3".into()),
            }
        );
        assert!(host.is_text());
        assert_eq!(layer.get("port").unwrap().kind, Kind::String("8080".into()));
        assert_eq!(
            host.origin.to_string(),
            "/app/db/host at etcd http://127.0.0.1:2379 (revision 3)"
        );
    }

    #[test]
    fn json_keys_are_typed_and_single_keys_win() {
        let (layer, problems) = build([
            entry(
                "/app/db.json",
                r#"{"host": "a", "port": 5432, "x": null}"#,
                2,
            ),
            entry("/app/db/host", "b", 4),
            // Byte order puts the single key first here: it still wins.
            entry("/app/port", "9000", 5),
            entry("/app/port.json", "1", 5),
            entry("/app/tags.json", r#"["x", "y"]"#, 6),
        ]);
        assert!(problems.is_empty(), "{problems:?}");
        let layer = layer.unwrap();
        assert_eq!(layer.get("port").unwrap().kind, Kind::String("9000".into()));
        let port = layer.get("db.port").unwrap();
        assert_eq!(port.kind, Kind::Integer(5432));
        assert!(!port.is_text());
        assert!(layer.get("db.x").is_none());
        let host = layer.get("db.host").unwrap();
        assert_eq!(host.kind, Kind::String("b".into()));
        assert!(host.is_text());
        let Kind::Array(tags) = &layer.get("tags").unwrap().kind else {
            panic!("tags is not an array");
        };
        assert_eq!(tags.len(), 2);
    }

    #[test]
    fn bad_keys_and_values_are_reported_and_the_rest_kept() {
        let (layer, problems) = build([
            entry("/app/", "x", 1),
            entry("/app/a//b", "x", 1),
            entry("/app/a/", "x", 1),
            entry("/app/a.b/c", "x", 1),
            entry("/app/db.toml", "pool = 1", 1),
            entry("/app/bad.json", "{", 1),
            entry("/app/null.json", "null", 1),
            entry("/app/ok", "yes", 1),
        ]);
        let messages: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(messages.len(), 6, "{messages:#?}");
        // Documents are read first, then single keys.
        assert!(
            messages[0].starts_with("`bad`: ") && messages[0].contains("--> /app/bad.json:1:"),
            "{}",
            messages[0]
        );
        assert!(messages[1].starts_with("cannot map the etcd key /app/: it has no name"));
        assert!(messages[2].contains("/app/a//b: it has an empty part"));
        assert!(messages[3].contains("/app/a/: it has an empty part"));
        assert!(messages[4].contains("/app/a.b/c: a part other than"));
        assert!(messages[5].contains("/app/db.toml: TOML is not read from etcd"));
        let layer = layer.unwrap();
        let table = layer.as_table().unwrap();
        assert_eq!(table.keys().collect::<Vec<_>>(), ["ok"]);
    }

    #[test]
    fn a_value_beside_keys_below_it_is_reported_and_the_keys_kept() {
        let (layer, problems) = build([
            entry("/app/db", "oops", 1),
            entry("/app/db/host", "h1", 2),
            entry("/app/db.json", r#"{"host": "a", "pool": {"size": 1}}"#, 3),
            entry("/app/db/pool", "8", 4),
            entry("/app/port/extra", "1", 5),
            entry("/app/port", "9000", 6),
        ]);
        // Documents are read first: `db` is a table when `/app/db` comes.
        let messages: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            messages,
            [
                "`db`: holds a value, but /app/db.json sets a key below it; the value is \
                 left out\n  --> /app/db at etcd http://127.0.0.1:2379 (revision 1)\n  \
                 = help: a key holds a value or keys below it, not both: delete one of them",
                "`db.pool`: holds a value, but /app/db.json sets a key below it; \
                 the value is left out\n  --> /app/db/pool at etcd http://127.0.0.1:2379 \
                 (revision 4)\n  = help: a key holds a value or keys below it, not both: \
                 delete one of them",
                "`port`: holds a value, but /app/port/extra sets a key below it; the value \
                 is left out\n  --> /app/port at etcd http://127.0.0.1:2379 (revision 6)\n  \
                 = help: a key holds a value or keys below it, not both: delete one of them",
            ]
        );
        let layer = layer.unwrap();
        assert_eq!(layer.get("db.host").unwrap().as_str(), Some("h1"));
        assert_eq!(layer.get("db.pool.size").unwrap().kind, Kind::Integer(1));
        assert_eq!(layer.get("port.extra").unwrap().as_str(), Some("1"));
    }

    #[test]
    fn nothing_under_the_prefix_is_no_layer() {
        let (layer, problems) = build([]);
        assert!(layer.is_none());
        assert!(problems.is_empty());
    }

    /// A value that is not UTF-8 is reported at its key, and the key is set
    /// (so not also missing); a key deeper than a file may nest is refused
    /// before it makes a tree too deep for the stack.
    #[test]
    fn bad_bytes_and_deep_keys_are_reported_at_their_keys() {
        let deep = format!("/app/{}x", "a/".repeat(10_000));
        let built = super::build(
            &Schema::EMPTY,
            "/app/",
            EP,
            [
                Entry {
                    key: b"/app/url",
                    value: b"http://\xff",
                    mod_revision: 2,
                },
                entry(&deep, "1", 3),
            ],
        );
        assert!(built.layer.is_none());
        assert_eq!(built.unparsed, ["url"]);
        let messages: Vec<_> = built.problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert_eq!(messages[0], "the value is not valid UTF-8");
        assert!(messages[1].ends_with("it nests deeper than a configuration can"));
    }

    /// A key that maps to no key path, and a `.json` document that is not
    /// UTF-8, are reported; what they seem to name is set, if badly, so
    /// not also missing.
    #[test]
    fn what_a_broken_key_names_is_not_also_missing() {
        let built = super::build(
            &Schema::EMPTY,
            "/app/",
            EP,
            [
                entry("/app/url.toml", "x", 2),
                entry("/app/db.toml", "host = \"h\"\n[pool]\nsize = 1\n", 3),
                entry("/app/tls//cert", "c", 4),
                Entry {
                    key: b"/app/cache.json",
                    value: b"{\"host\": \"\xff\"}",
                    mod_revision: 5,
                },
            ],
        );
        assert!(built.layer.is_none());
        assert_eq!(built.problems.len(), 4, "{:?}", built.problems);
        let mut unparsed = built.unparsed.clone();
        unparsed.sort();
        assert_eq!(
            unparsed,
            [
                "cache",
                "cache.host",
                "db",
                "db.host",
                "db.pool.size",
                "tls.cert",
                "url"
            ]
        );
    }
}
