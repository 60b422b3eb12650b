//! The keys under a prefix as a layer: `/myapp/db/host` -> `db.host`, text
//! values converted by the target type, `.json` keys as typed JSON.

use crate::error::{Problem, ProblemKind};
use crate::format::parse_json_value;
use crate::origin::Origin;
use crate::value::Value;

/// The suffix of keys whose value is a JSON document.
pub(super) const JSON_SUFFIX: &str = ".json";

/// One key read from etcd.
pub(super) struct Entry<'a> {
    pub(super) key: &'a [u8],
    pub(super) value: &'a [u8],
    pub(super) mod_revision: i64,
}

/// Builds the layer from the keys under `prefix`: `.json` documents first,
/// then single keys, so a single key wins over the same key inside a
/// document whatever their byte order (`port` sorts before `port.json`).
/// Keys that cannot be mapped are reported and left out; the rest is kept.
pub(super) fn build<'a>(
    prefix: &str,
    endpoint: &str,
    entries: impl IntoIterator<Item = Entry<'a>>,
) -> (Option<Value>, Vec<Problem>) {
    let mut layer = Value::table(Origin::Default);
    let mut problems = Vec::new();
    let mut any = false;
    let (documents, singles): (Vec<Entry<'a>>, Vec<Entry<'a>>) = entries
        .into_iter()
        .partition(|e| e.key.ends_with(JSON_SUFFIX.as_bytes()));
    for entry in documents.into_iter().chain(singles) {
        let key = String::from_utf8_lossy(entry.key);
        let origin = || Origin::Remote {
            source: format!("etcd {endpoint}"),
            key: key.clone().into_owned(),
            version: Some(format!("revision {}", entry.mod_revision)),
        };
        let problem =
            |message: String| Problem::new(ProblemKind::Source, message).with_origin(origin());
        let Some(rest) = key.strip_prefix(prefix) else {
            continue;
        };
        let (path, json) = match key_path(rest) {
            Ok(found) => found,
            Err(why) => {
                problems.push(
                    problem(format!("cannot map the etcd key {key}: {why}")).with_help(
                        "name keys `<prefix><key>/<nested key>`, each part a field name, \
                     optionally ending in `.json` for a JSON value",
                    ),
                );
                continue;
            }
        };
        let Ok(text) = std::str::from_utf8(entry.value) else {
            problems.push(
                Problem::new(ProblemKind::Syntax, "the value is not valid UTF-8")
                    .with_key(&path)
                    .with_origin(origin()),
            );
            continue;
        };
        let value = if json {
            // Parsed like a JSON file named by the key, so a syntax error
            // has its line, column and snippet; the values then carry the
            // key's origin, typed as in a JSON file.
            let (doc, found) = parse_json_value(&*key, text);
            if !found.is_empty() {
                problems.extend(found.into_iter().map(|p| p.with_key(&path)));
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
        single.insert_at(&path, value);
        layer.merge(single);
        any = true;
    }
    (any.then_some(layer), problems)
}

/// The dotted key path of a key below the prefix, and whether its value is
/// JSON: `db/host` -> `db.host`, `db.json` -> `db` as JSON.
fn key_path(rest: &str) -> Result<(String, bool), &'static str> {
    let (rest, json) = match rest.strip_suffix(JSON_SUFFIX) {
        Some(stem) => (stem, true),
        None => (rest, false),
    };
    if rest.is_empty() {
        return Err("it has no name below the prefix");
    }
    let mut path = String::with_capacity(rest.len());
    for part in rest.split('/') {
        if part.is_empty() {
            return Err("it has an empty part (`//` or a trailing `/`)");
        }
        if part.contains('.') {
            return Err("a part other than a final `.json` contains `.`");
        }
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(part);
    }
    Ok((path, json))
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

    #[test]
    fn keys_become_paths_and_text_stays_text() {
        let (layer, problems) = build(
            "/app/",
            EP,
            [
                entry("/app/db/host", "db1", 3),
                entry("/app/port", "8080", 5),
            ],
        );
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
        let (layer, problems) = build(
            "/app/",
            EP,
            [
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
            ],
        );
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
        let (layer, problems) = build(
            "/app/",
            EP,
            [
                entry("/app/", "x", 1),
                entry("/app/a//b", "x", 1),
                entry("/app/a/", "x", 1),
                entry("/app/a.b/c", "x", 1),
                entry("/app/bad.json", "{", 1),
                entry("/app/null.json", "null", 1),
                entry("/app/ok", "yes", 1),
            ],
        );
        let messages: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(messages.len(), 5, "{messages:#?}");
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
        let layer = layer.unwrap();
        let table = layer.as_table().unwrap();
        assert_eq!(table.keys().collect::<Vec<_>>(), ["ok"]);
    }

    #[test]
    fn nothing_under_the_prefix_is_no_layer() {
        let (layer, problems) = build("/app/", EP, []);
        assert!(layer.is_none());
        assert!(problems.is_empty());
    }
}
