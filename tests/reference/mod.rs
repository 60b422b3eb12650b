//! What staid reads and what the reference parsers read, as one tree type,
//! for the tests that compare them.
// Each test file uses its part.
#![allow(dead_code)]

use std::collections::BTreeMap;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use staid::{Config, Kind, ProblemKind, Unknown, Value};

/// Takes any document: only the tree is looked at.
#[derive(Config, Debug)]
pub struct Any {}

/// A value as both sides give it, with floats compared by their bits (NaN
/// equal to NaN), and integers and floats kept apart.
#[derive(Debug, PartialEq)]
pub enum Tree {
    Bool(bool),
    Int(i128),
    Float(u64),
    Str(String),
    Datetime(String),
    Array(Vec<Tree>),
    Table(BTreeMap<String, Tree>),
}

pub fn float(x: f64) -> Tree {
    Tree::Float(if x.is_nan() {
        f64::NAN.to_bits()
    } else {
        x.to_bits()
    })
}

pub fn from_staid(value: &Value) -> Tree {
    match &value.kind {
        Kind::Bool(b) => Tree::Bool(*b),
        Kind::Integer(i) => Tree::Int(*i),
        Kind::Float(x) => float(*x),
        Kind::String(s) => Tree::Str(s.clone()),
        Kind::Datetime(d) => Tree::Datetime(d.clone()),
        Kind::Array(items) => Tree::Array(items.iter().map(from_staid).collect()),
        Kind::Table(t) => Tree::Table(t.iter().map(|(k, v)| (k.clone(), from_staid(v))).collect()),
    }
}

/// staid's reading: the tree, or the kinds of its problems.
pub fn staid_reads(
    load: Result<staid::Loaded<Any>, staid::Error>,
) -> Result<Tree, Vec<ProblemKind>> {
    match load {
        Ok(loaded) => Ok(from_staid(loaded.tree())),
        Err(e) => Err(e.problems().iter().map(|p| p.kind()).collect()),
    }
}

pub fn staid_toml(text: &str) -> Result<Tree, Vec<ProblemKind>> {
    let builder = Any::builder().unknown_keys(Unknown::Ignore);
    staid_reads(builder.toml_str(text).load_full())
}

pub fn staid_json(text: &str) -> Result<Tree, Vec<ProblemKind>> {
    let builder = Any::builder().unknown_keys(Unknown::Ignore);
    staid_reads(builder.json_str(text).load_full())
}

pub fn toml_reads(text: &str) -> Option<Tree> {
    use toml::de::{DeTable, DeValue};
    /// Also notes an integer past `i64`, which `toml` refuses to
    /// deserialize and staid keeps.
    fn value(v: &DeValue<'_>, big: &mut bool) -> Option<Tree> {
        Some(match v {
            DeValue::String(s) => Tree::Str(s.to_string()),
            // The document parser keeps an integer's digits unchecked; `toml`
            // refuses those that are not a number when it deserializes.
            DeValue::Integer(i) => {
                let n = i128::from_str_radix(i.as_str(), i.radix()).ok()?;
                *big |= i64::try_from(n).is_err();
                Tree::Int(n)
            }
            // `toml` refuses a float that overflows to infinity.
            DeValue::Float(x) => {
                let n: f64 = x.as_str().parse().ok()?;
                if n.is_infinite() && !x.as_str().ends_with("inf") {
                    return None;
                }
                float(n)
            }
            DeValue::Boolean(b) => Tree::Bool(*b),
            DeValue::Datetime(d) => Tree::Datetime(d.to_string()),
            DeValue::Array(items) => Tree::Array(
                items
                    .iter()
                    .map(|i| value(i.get_ref(), big))
                    .collect::<Option<_>>()?,
            ),
            DeValue::Table(t) => table(t, big)?,
        })
    }
    fn table(t: &DeTable<'_>, big: &mut bool) -> Option<Tree> {
        let entries = t
            .iter()
            .map(|(k, v)| Some((k.get_ref().to_string(), value(v.get_ref(), big)?)));
        Some(Tree::Table(entries.collect::<Option<_>>()?))
    }
    let (doc, errors) = DeTable::parse_recoverable(text);
    if !errors.is_empty() {
        return None;
    }
    let mut big = false;
    let tree = table(doc.get_ref(), &mut big)?;
    // What the document parser lets through and `toml` itself refuses (a
    // float that overflows, say), staid refuses too.
    if !big && toml::from_str::<toml::Table>(text).is_err() {
        return None;
    }
    Some(tree)
}

/// JSON as serde_json reads it, with duplicate keys found (serde_json's own
/// `Value` keeps the last).
pub enum Json {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Array(Vec<Json>),
    Object(BTreeMap<String, Json>),
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Json, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Json;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("JSON")
            }
            fn visit_unit<E>(self) -> Result<Json, E> {
                Ok(Json::Null)
            }
            fn visit_bool<E>(self, b: bool) -> Result<Json, E> {
                Ok(Json::Bool(b))
            }
            fn visit_i64<E>(self, i: i64) -> Result<Json, E> {
                Ok(Json::Int(i.into()))
            }
            fn visit_u64<E>(self, i: u64) -> Result<Json, E> {
                Ok(Json::Int(i.into()))
            }
            fn visit_f64<E>(self, x: f64) -> Result<Json, E> {
                Ok(Json::Float(x))
            }
            fn visit_str<E>(self, s: &str) -> Result<Json, E> {
                Ok(Json::Str(s.to_owned()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Json::Array(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
                let mut table = BTreeMap::new();
                while let Some((k, v)) = map.next_entry::<String, Json>()? {
                    if table.insert(k, v).is_some() {
                        return Err(de::Error::custom("duplicate key"));
                    }
                }
                Ok(Json::Object(table))
            }
        }
        d.deserialize_any(V)
    }
}

/// The tree staid should give for what serde_json read, by staid's
/// policies; `None` for `null`, which sets nothing.
pub fn json_tree(j: &Json) -> Option<Tree> {
    Some(match j {
        Json::Null => return None,
        Json::Bool(b) => Tree::Bool(*b),
        Json::Int(i) => Tree::Int(*i),
        Json::Float(x) => float(*x),
        Json::Str(s) => Tree::Str(s.clone()),
        Json::Array(items) => Tree::Array(items.iter().filter_map(json_tree).collect()),
        Json::Object(t) => Tree::Table(
            t.iter()
                .filter_map(|(k, v)| Some((k.clone(), json_tree(v)?)))
                .collect(),
        ),
    })
}

/// serde_json's reading under staid's policies.
pub fn json_reads(text: &str) -> Option<Tree> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim_matches([' ', '\t', '\r', '\n']).is_empty() {
        return Some(Tree::Table(BTreeMap::new()));
    }
    match serde_json::from_str::<Json>(text).ok()? {
        root @ Json::Object(_) if !null_item(&root) => json_tree(&root),
        _ => None,
    }
}

/// Whether a list anywhere in the document has a `null` item, which staid
/// refuses (dropping it would shift the items after it).
fn null_item(j: &Json) -> bool {
    match j {
        Json::Array(items) => items
            .iter()
            .any(|i| matches!(i, Json::Null) || null_item(i)),
        Json::Object(t) => t.values().any(null_item),
        _ => false,
    }
}

/// Equal, where a JSON number staid reads as an integer may be one that
/// serde_json reads as a float of the same value (`-0`, or past `u64`).
pub fn same_json(staid: &Tree, reference: &Tree) -> bool {
    match (staid, reference) {
        (Tree::Int(i), Tree::Float(bits)) => *i as f64 == f64::from_bits(*bits),
        (Tree::Array(a), Tree::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(a, b)| same_json(a, b))
        }
        (Tree::Table(a), Tree::Table(b)) => {
            a.len() == b.len()
                && a.iter()
                    .zip(b)
                    .all(|((ka, a), (kb, b))| ka == kb && same_json(a, b))
        }
        (a, b) => a == b,
    }
}

/// Where a value sits: its key path and its line and column.
pub type Place = (String, usize, usize);

/// The line and column of every value that is not a table, as staid gives
/// them, sorted.
pub fn staid_toml_places(text: &str) -> Vec<Place> {
    fn walk(value: &Value, path: String, out: &mut Vec<Place>) {
        match &value.kind {
            Kind::Table(t) => t
                .iter()
                .for_each(|(k, v)| walk(v, format!("{path}.{k}"), out)),
            kind => {
                if let staid::Origin::File { line, column, .. } = &value.origin {
                    out.push((path.clone(), *line, *column));
                }
                if let Kind::Array(items) = kind {
                    for (i, item) in items.iter().enumerate() {
                        walk(item, format!("{path}.{i}"), out);
                    }
                }
            }
        }
    }
    let builder = Any::builder().unknown_keys(Unknown::Ignore);
    let loaded = builder.toml_str(text).load_full().expect("read");
    let mut out = Vec::new();
    walk(loaded.tree(), String::new(), &mut out);
    out.sort();
    out
}

/// The same, from the spans of the `toml` crate's document parser, counted
/// in characters from the start of the line.
pub fn toml_places(text: &str) -> Vec<Place> {
    use toml::de::{DeTable, DeValue};
    use toml::Spanned;
    fn walk(v: &Spanned<DeValue<'_>>, path: String, text: &str, out: &mut Vec<Place>) {
        match v.get_ref() {
            DeValue::Table(t) => {
                for (k, v) in t.iter() {
                    walk(v, format!("{path}.{}", k.get_ref()), text, out);
                }
            }
            value => {
                let start = v.span().start;
                let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
                let line = text[..start].matches('\n').count() + 1;
                // staid counts line 1's columns after a byte-order mark, as
                // an editor shows them; the `toml` crate's spans include it.
                let line_start = match line_start == 0 && text.starts_with('\u{feff}') {
                    true => '\u{feff}'.len_utf8(),
                    false => line_start,
                };
                out.push((
                    path.clone(),
                    line,
                    text[line_start..start].chars().count() + 1,
                ));
                if let DeValue::Array(items) = value {
                    for (i, item) in items.iter().enumerate() {
                        walk(item, format!("{path}.{i}"), text, out);
                    }
                }
            }
        }
    }
    let (doc, _) = DeTable::parse_recoverable(text);
    let mut out = Vec::new();
    for (k, v) in doc.get_ref().iter() {
        walk(v, format!(".{}", k.get_ref()), text, &mut out);
    }
    out.sort();
    out
}
