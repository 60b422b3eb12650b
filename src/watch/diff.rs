//! The key paths whose value differs between two merged trees: the `changed`
//! list of [`Reload::Updated`](crate::Reload::Updated).

use std::collections::BTreeSet;

use crate::schema::Schema;
use crate::value::{Key, Kind, Table, Value};

/// Key paths whose value differs between `old` and `new`, in declaration
/// order. Origins are ignored: a value that moved from one file to another,
/// or down a line, has not changed. Keys the struct does not have are
/// ignored too, since they cannot change it. A secret field is reported by
/// its own key only, never by the keys inside it, which may themselves be
/// sensitive.
pub(super) fn changed(schema: &'static Schema, old: &Value, new: &Value) -> Vec<String> {
    let mut out = Vec::new();
    fields(schema, "", old.as_table(), new.as_table(), &mut out);
    out
}

fn fields(
    schema: &'static Schema,
    prefix: &str,
    old: Option<&Table>,
    new: Option<&Table>,
    out: &mut Vec<String>,
) {
    for field in schema.fields {
        if field.skip {
            continue;
        }
        let path = join(prefix, field.key);
        let a = old.and_then(|t| t.get(field.key));
        let b = new.and_then(|t| t.get(field.key));
        match field.nested {
            _ if field.secret => {
                if !same_opt(a, b) {
                    out.push(path);
                }
            }
            Some(nested) if is_table_or_none(a) && is_table_or_none(b) => {
                fields(
                    nested,
                    &path,
                    a.and_then(Value::as_table),
                    b.and_then(Value::as_table),
                    out,
                );
            }
            _ => leaf(path, a, b, out),
        }
    }
}

/// A leaf field. Tables under it (maps, plain serde structs) are compared
/// key by key, so `labels.env` is reported rather than all of `labels`.
fn leaf(path: String, a: Option<&Value>, b: Option<&Value>, out: &mut Vec<String>) {
    if let (Some(Kind::Table(ta)), Some(Kind::Table(tb))) = (a.map(|v| &v.kind), b.map(|v| &v.kind))
    {
        let keys: BTreeSet<&String> = ta.keys().chain(tb.keys()).collect();
        for key in keys {
            leaf(join(&path, key), ta.get(key), tb.get(key), out);
        }
    } else if !same_opt(a, b) {
        out.push(path);
    }
}

fn is_table_or_none(value: Option<&Value>) -> bool {
    value.is_none_or(|v| matches!(v.kind, Kind::Table(_)))
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        Key(key).to_string()
    } else {
        format!("{prefix}.{}", Key(key))
    }
}

fn same_opt(a: Option<&Value>, b: Option<&Value>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => same(a, b),
        (None, None) => true,
        _ => false,
    }
}

/// Equal values, whatever their origins. NaN equals NaN here, so that a
/// `nan` in a file does not count as a change on every reload.
fn same(a: &Value, b: &Value) -> bool {
    match (&a.kind, &b.kind) {
        (Kind::Float(x), Kind::Float(y)) => x == y || (x.is_nan() && y.is_nan()),
        (Kind::Array(xs), Kind::Array(ys)) => {
            xs.len() == ys.len() && xs.iter().zip(ys).all(|(x, y)| same(x, y))
        }
        (Kind::Table(xs), Kind::Table(ys)) => {
            xs.len() == ys.len()
                && xs
                    .iter()
                    .zip(ys)
                    .all(|((kx, x), (ky, y))| kx == ky && same(x, y))
        }
        (x, y) => x == y,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::origin::Origin;
    use crate::schema::Field;

    const fn field(key: &'static str) -> Field {
        Field {
            key,
            ty: "T",
            doc: "",
            default: None,
            env: None,
            flag: None,
            short: None,
            secret: false,
            required: false,
            optional: true,
            boolean: false,
            list: false,
            skip: false,
            nested: None,
        }
    }

    static DB: Schema = Schema {
        type_name: "Db",
        name: None,
        doc: "",
        version: None,
        fields: &[field("host"), field("port")],
    };

    static APP: Schema = Schema {
        type_name: "App",
        name: None,
        doc: "",
        version: None,
        fields: &[
            field("name"),
            Field {
                nested: Some(&DB),
                ..field("db")
            },
            field("labels"),
            Field {
                secret: true,
                ..field("token")
            },
            field("ratio"),
        ],
    };

    fn parse(text: &str, line_shift: usize) -> Value {
        let table: toml::Table = text.parse().unwrap();
        convert(toml::Value::Table(table), line_shift)
    }

    fn convert(value: toml::Value, line: usize) -> Value {
        let origin = Origin::File {
            path: std::path::Path::new("t.toml").into(),
            line,
            column: 1,
        };
        let kind = match value {
            toml::Value::String(s) => Kind::String(s),
            toml::Value::Integer(i) => Kind::Integer(i.into()),
            toml::Value::Float(f) => Kind::Float(f),
            toml::Value::Boolean(b) => Kind::Bool(b),
            toml::Value::Datetime(d) => Kind::Datetime(d.to_string()),
            toml::Value::Array(items) => {
                Kind::Array(items.into_iter().map(|v| convert(v, line)).collect())
            }
            toml::Value::Table(t) => Kind::Table(
                t.into_iter()
                    .map(|(k, v)| (k, convert(v, line)))
                    .collect(),
            ),
        };
        Value::new(kind, origin)
    }

    #[test]
    fn same_values_from_other_places_are_not_changes() {
        let text = "name = \"a\"\nratio = nan\n[db]\nport = 1\n";
        assert!(changed(&APP, &parse(text, 1), &parse(text, 7)).is_empty());
    }

    #[test]
    fn reports_leaf_paths_in_declaration_order() {
        let old = parse(
            "name = \"a\"\nratio = 1.0\n[db]\nhost = \"h\"\n[labels]\nenv = \"dev\"\nteam = \"x\"\n",
            1,
        );
        let new = parse(
            "name = \"b\"\nratio = 2.0\n[db]\nport = 5\n[labels]\nenv = \"prod\"\nteam = \"x\"\n\"a.b\" = 1\n",
            1,
        );
        assert_eq!(
            changed(&APP, &old, &new),
            [
                "name",
                "db.host",
                "db.port",
                "labels.\"a.b\"",
                "labels.env",
                "ratio"
            ]
        );
    }

    #[test]
    fn secrets_are_reported_by_their_own_key_only() {
        let old = parse("[token]\nuser = \"u\"\n", 1);
        let new = parse("[token]\nadmin = \"u\"\n", 1);
        assert_eq!(changed(&APP, &old, &new), ["token"]);
    }

    #[test]
    fn keys_the_struct_does_not_have_are_ignored() {
        let old = parse("stray = 1\n", 1);
        let new = parse("stray = 2\n", 1);
        assert!(changed(&APP, &old, &new).is_empty());
    }
}
