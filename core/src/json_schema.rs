//! A JSON Schema (draft 2020-12) of the configuration's files, for editors:
//! behind [`Builder::json_schema`](crate::Builder::json_schema).
//!
//! Written by hand from the static schema, as text: staid has no JSON
//! serializer among its dependencies and needs none for this.

use std::marker::PhantomData;

use crate::schema::{Field, FieldKind, Literal, Schema, Shape};
use crate::Unknown;

/// Asks a leaf type for its own JSON Schema: `<Probe<T>>::JSON_SCHEMA` is
/// the inherent constant where `T` offers one (a feature's module adds
/// that impl) and [`NoSchema`]'s `None` otherwise. Used by generated code.
pub struct Probe<T: ?Sized>(PhantomData<T>);

/// The fallback of [`Probe`]: no schema of the type's own.
pub trait NoSchema {
    /// `None`: staid describes the type as far as its name tells.
    const JSON_SCHEMA: Option<fn() -> String> = None;
}

impl<T: ?Sized> NoSchema for Probe<T> {}

/// The document for `schema`; `unknown` decides whether objects refuse keys
/// they do not list (`additionalProperties: false`, as a load would).
pub(crate) fn document(schema: &'static Schema, unknown: Unknown) -> String {
    let closed = unknown == Unknown::Error;
    let body = object(schema, closed, 0, true, "");
    // The body is an object: put the header keys in front of its own.
    let compact = format!(
        "{{\"$schema\": \"https://json-schema.org/draft/2020-12/schema\", \"title\": {}, {}",
        string(schema.name.unwrap_or(schema.type_name)),
        body.trim_start_matches('{')
    );
    pretty(&compact)
}

/// Compact JSON (written here, or by serde_json for a type's own schema)
/// laid out one member per line, two spaces per level; empty `{}` and `[]`
/// stay.
fn pretty(compact: &str) -> String {
    let mut out = String::with_capacity(compact.len() * 2);
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut chars = compact.chars().peekable();
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        out.extend(std::iter::repeat_n(' ', depth * 2));
    };
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                let close = if c == '{' { '}' } else { ']' };
                if chars.peek() == Some(&close) {
                    out.push(close);
                    chars.next();
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(',');
                if chars.peek() == Some(&' ') {
                    chars.next();
                }
                newline(&mut out, depth);
            }
            ':' => {
                out.push_str(": ");
                if chars.peek() == Some(&' ') {
                    chars.next();
                }
            }
            c => out.push(c),
        }
    }
    out.push('\n');
    out
}

/// The schema of one struct (or enum section) as a JSON object. The root
/// also allows `"$schema"`, which editors read and staid ignores.
/// `doc` (a field's doc comment) describes it when it has one, the
/// struct's own doc otherwise.
fn object(schema: &'static Schema, closed: bool, depth: usize, root: bool, doc: &str) -> String {
    if depth > crate::format::MAX_DEPTH {
        return "{}".to_owned();
    }
    if let Some((tag, variants)) = schema.tag() {
        return enum_object(schema, tag, variants, closed, depth, doc);
    }
    let mut members = Vec::new();
    let doc = if doc.is_empty() { schema.doc } else { doc };
    if !doc.is_empty() {
        members.push(format!("\"description\": {}", string(doc)));
    }
    members.push("\"type\": \"object\"".to_owned());
    let (mut properties, required) = properties(schema, closed, depth);
    if root {
        properties.insert(0, "\"$schema\": {\"type\": \"string\"}".to_owned());
    }
    members.push(format!("\"properties\": {{{}}}", properties.join(", ")));
    if !required.is_empty() {
        members.push(format!("\"required\": [{}]", required.join(", ")));
    }
    if closed {
        members.push("\"additionalProperties\": false".to_owned());
    }
    format!("{{{}}}", members.join(", "))
}

/// Each field's `"key": schema`, and the keys that are required.
fn properties(schema: &'static Schema, closed: bool, depth: usize) -> (Vec<String>, Vec<String>) {
    let mut properties = Vec::new();
    let mut required = Vec::new();
    for field in schema.fields {
        let value = match field.kind {
            FieldKind::Skipped | FieldKind::Tag(_) => continue,
            FieldKind::Leaf { .. } => leaf(field),
            FieldKind::Nested(s) | FieldKind::Optional(s) => {
                object(s, closed, depth + 1, false, field.doc)
            }
            FieldKind::List(s) => with_doc(
                format!(
                    "{{\"type\": \"array\", \"items\": {}}}",
                    object(s, closed, depth + 1, false, "")
                ),
                field.doc,
            ),
            FieldKind::Map(s) => with_doc(
                format!(
                    "{{\"type\": \"object\", \"additionalProperties\": {}}}",
                    object(s, closed, depth + 1, false, "")
                ),
                field.doc,
            ),
        };
        // A nested section the load requires: an enum section has to say
        // which variant it is, a struct may hold required keys.
        let needed = matches!(field.kind, FieldKind::Nested(s) if s.needs_keys());
        if field.required || needed {
            required.push(string(field.key));
        }
        properties.push(format!("{}: {value}", string(field.key)));
    }
    (properties, required)
}

/// An enum section: one object per variant, told apart by the tag's value.
fn enum_object(
    schema: &'static Schema,
    tag: &'static Field,
    variants: &'static [crate::schema::Variant],
    closed: bool,
    depth: usize,
    doc: &str,
) -> String {
    let names: Vec<String> = variants.iter().map(|v| string(v.name)).collect();
    let mut one_of = Vec::new();
    for variant in variants {
        let mut properties = vec![format!(
            "{}: {{\"const\": {}}}",
            string(tag.key),
            string(variant.name)
        )];
        let mut required = vec![string(tag.key)];
        if let Some(inner) = variant.schema {
            let (more, needed) = self::properties(inner, closed, depth + 1);
            properties.extend(more);
            required.extend(needed);
        }
        let mut members = Vec::new();
        if !variant.doc.is_empty() {
            members.push(format!("\"description\": {}", string(variant.doc)));
        }
        members.push(format!("\"properties\": {{{}}}", properties.join(", ")));
        members.push(format!("\"required\": [{}]", required.join(", ")));
        if closed {
            members.push("\"additionalProperties\": false".to_owned());
        }
        one_of.push(format!("{{{}}}", members.join(", ")));
    }
    let mut members = Vec::new();
    let doc = if doc.is_empty() { schema.doc } else { doc };
    if !doc.is_empty() {
        members.push(format!("\"description\": {}", string(doc)));
    }
    members.push("\"type\": \"object\"".to_owned());
    members.push(format!(
        "\"properties\": {{{}: {{\"description\": {}, \"enum\": [{}]}}}}",
        string(tag.key),
        string(tag.doc),
        names.join(", ")
    ));
    members.push(format!("\"required\": [{}]", string(tag.key)));
    members.push(format!("\"oneOf\": [{}]", one_of.join(", ")));
    format!("{{{}}}", members.join(", "))
}

/// A leaf: its type's schema, its doc and its default (never a secret's).
fn leaf(field: &Field) -> String {
    let shape = field.shape().unwrap_or(Shape::Other);
    let (mut members, note) = match field.json_schema.filter(|_| shape == Shape::Other) {
        // The type's own schema, as it is: `allOf` keeps its keys apart
        // from the field's description and default.
        Some(own) => (vec![format!("\"allOf\": [{}]", own())], None),
        None => type_members(field.ty, shape),
    };
    let mut doc: Vec<String> = Vec::new();
    if !field.doc.is_empty() {
        doc.push(field.doc.to_owned());
    }
    doc.extend(note);
    if let Some(code) = field
        .default_code
        .filter(|_| !crate::redact::hides_whole(field))
    {
        doc.push(format!("Default from code: {code}."));
    }
    if !doc.is_empty() {
        members.insert(0, format!("\"description\": {}", string(&doc.join("\n\n"))));
    }
    if let Some(default) = crate::redact::default_of(field) {
        members.push(format!("\"default\": {}", literal(default)));
    }
    if field.secret {
        members.push("\"writeOnly\": true".to_owned());
    }
    format!("{{{}}}", members.join(", "))
}

/// A field's doc in front of a schema that has no description of its own.
fn with_doc(schema: String, doc: &str) -> String {
    if doc.is_empty() {
        return schema;
    }
    format!(
        "{{\"description\": {}, {}",
        string(doc),
        schema.trim_start_matches('{')
    )
}

/// The schema of a Rust type written as text (`Vec<u16>`) as one object.
fn type_schema(ty: &str, shape: Shape) -> String {
    let (mut members, note) = type_members(ty, shape);
    if let Some(note) = note {
        members.insert(0, format!("\"description\": {}", string(&note)));
    }
    format!("{{{}}}", members.join(", "))
}

/// The members of a type's schema, as far as its name tells, and a note
/// for its description; a type staid cannot see gets a permissive schema
/// and a note naming it.
fn type_members(ty: &str, shape: Shape) -> (Vec<String>, Option<String>) {
    let (name, args) = split_type(ty);
    let one = |m: &str| vec![m.to_owned()];
    match name {
        "Option" | "Secret" | "Box" if args.len() == 1 => return type_members(args[0], shape),
        _ => {}
    }
    if let Some(range) = int_range(name) {
        return (vec![format!("\"type\": \"integer\"{range}")], None);
    }
    let members = match name {
        "bool" => one("\"type\": \"boolean\""),
        "f32" => one(&format!(
            "\"type\": \"number\", \"minimum\": {min:e}, \"maximum\": {max:e}",
            min = f32::MIN,
            max = f32::MAX
        )),
        "f64" => one("\"type\": \"number\""),
        "String" | "PathBuf" | "str" | "IpAddr" | "Ipv4Addr" | "Ipv6Addr" | "SocketAddr" => {
            one("\"type\": \"string\"")
        }
        "char" => one("\"type\": \"string\", \"minLength\": 1, \"maxLength\": 1"),
        "Duration" => {
            return (
                one("\"type\": \"string\""),
                Some(
                    "A duration: numbers with units (ns, us, ms, s, m, h, d, w, M, y), as in \
                     \"1m30s\", \"250ms\" or \"2h 30m\"."
                        .to_owned(),
                ),
            )
        }
        "Vec" | "VecDeque" | "HashSet" | "BTreeSet" if args.len() == 1 => {
            let mut m = vec![
                "\"type\": \"array\"".to_owned(),
                format!("\"items\": {}", type_schema(args[0], Shape::Other)),
            ];
            if matches!(name, "HashSet" | "BTreeSet") {
                m.push("\"uniqueItems\": true".to_owned());
            }
            m
        }
        "HashMap" | "BTreeMap" if args.len() >= 2 => vec![
            "\"type\": \"object\"".to_owned(),
            format!(
                "\"additionalProperties\": {}",
                type_schema(args[1], Shape::Other)
            ),
        ],
        _ if shape == Shape::Text => one("\"type\": \"string\""),
        _ => {
            return (
                Vec::new(),
                Some(format!(
                    "A value of the Rust type `{ty}`, whose form staid cannot see."
                )),
            )
        }
    };
    (members, None)
}

/// `, "minimum": .., "maximum": ..` for a sized integer type.
fn int_range(name: &str) -> Option<String> {
    let (min, max): (i128, i128) = match name {
        "u8" => (0, u8::MAX.into()),
        "u16" => (0, u16::MAX.into()),
        "u32" => (0, u32::MAX.into()),
        "u64" | "usize" => (0, u64::MAX.into()),
        "i8" => (i8::MIN.into(), i8::MAX.into()),
        "i16" => (i16::MIN.into(), i16::MAX.into()),
        "i32" => (i32::MIN.into(), i32::MAX.into()),
        "i64" | "isize" => (i64::MIN.into(), i64::MAX.into()),
        // Beyond what JSON numbers carry exactly: no bounds given.
        "u128" => return Some(", \"minimum\": 0".to_owned()),
        "i128" => return Some(String::new()),
        _ => return None,
    };
    Some(format!(", \"minimum\": {min}, \"maximum\": {max}"))
}

/// `std::vec::Vec<u8>` -> (`Vec`, [`u8`]): the last path segment and the
/// generic arguments at the top level.
fn split_type(ty: &str) -> (&str, Vec<&str>) {
    let ty = ty.trim();
    let (path, args) = match ty.find('<') {
        Some(open) if ty.ends_with('>') => (&ty[..open], &ty[open + 1..ty.len() - 1]),
        _ => (ty, ""),
    };
    let name = path.rsplit("::").next().unwrap_or(path).trim();
    (name, crate::text::type_list(args))
}

fn literal(lit: &Literal) -> String {
    match lit {
        Literal::Str(s) => string(s),
        Literal::Int(i) => i.to_string(),
        Literal::Float(x) if x.is_finite() => format!("{x:?}"),
        Literal::Float(_) => "null".to_owned(),
        Literal::Bool(b) => b.to_string(),
        Literal::Array(items) => {
            let items: Vec<String> = items.iter().map(literal).collect();
            format!("[{}]", items.join(", "))
        }
        Literal::EmptyTable => "{}".to_owned(),
    }
}

/// A JSON string literal.
fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    crate::value::basic_string(s, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_by_name() {
        assert_eq!(
            split_type("std::collections::HashMap<String, Vec<u8>>").1,
            ["String", "Vec<u8>"]
        );
        assert_eq!(
            type_schema("Option<u8>", Shape::Integer),
            "{\"type\": \"integer\", \"minimum\": 0, \"maximum\": 255}"
        );
        assert_eq!(string("a\"b\n"), "\"a\\\"b\\n\"");
    }
}
