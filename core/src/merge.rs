//! Merging a layer onto the layers below it, led by the schema: deep
//! merge of tables, with what a map's text, an enum section's variant and
//! an append list change about it.

use crate::schema::{FieldKind, Schema, Shape, Variant};
use crate::value::{Kind, Table, Value};

/// Merges a layer on top of `merged`: later wins, tables merge deeply,
/// and lists of `merge = "append"` fields are appended to.
pub(crate) fn layer(schema: &'static Schema, merged: &mut Value, mut layer: Value) {
    let facts = schema.facts();
    if facts.maps {
        // A map's text over a map below merges with it entry by entry,
        // as a table from a file does; text that does not read as a
        // table is left for the build to report.
        schema.walk(&mut |path, field| {
            let plain = match field.kind {
                FieldKind::Map(_) => false,
                FieldKind::Leaf {
                    shape: Shape::Map, ..
                } => true,
                _ => return,
            };
            if merged.get(path).is_some_and(|v| v.as_table().is_some()) {
                if let Some(above) = layer.get_mut(path) {
                    let _ = crate::sections::text_to_table(above, plain);
                }
            }
        });
    }
    if facts.tags {
        switch_variants(schema, merged, &layer, 0);
    }
    if !facts.append {
        merged.merge(layer);
        return;
    }
    schema.walk(&mut |path, field| {
        if !field.append {
            return;
        }
        let (Some(below), Some(above)) = (merged.get(path), layer.get_mut(path)) else {
            return;
        };
        // Text from env or flags is a list once split (or parsed, for
        // inline JSON), as the build would read it.
        crate::text::text_to_list(above, field.elements().is_none());
        // Lua's `{}` is an empty list here: it adds nothing.
        if matches!(&above.kind, Kind::Table(t) if t.is_empty()) {
            above.kind = Kind::Array(Vec::new());
        }
        if let (Kind::Array(below), Kind::Array(items)) = (&below.kind, &mut above.kind) {
            let mut all = below.clone();
            all.append(items);
            *items = all;
        }
    });
    merged.merge(layer);
}

/// Where `above` changes an enum section's variant, what the layers below
/// set was the other variant's, and goes: at any depth, in nested sections,
/// in each entry of a map and in a variant's own sections (a list is
/// replaced whole, so it needs nothing).
fn switch_variants(schema: &'static Schema, below: &mut Value, above: &Value, depth: usize) {
    if depth > crate::format::MAX_DEPTH {
        return;
    }
    if let Some((tag, variants)) = schema.tag() {
        drop_switched(below, above, tag.key, variants);
    }
    let (Kind::Table(below), Kind::Table(above)) = (&mut below.kind, &above.kind) else {
        return;
    };
    let in_variants = schema
        .variants()
        .into_iter()
        .flatten()
        .filter_map(|v| v.schema)
        .flat_map(|s| s.fields.iter());
    for field in schema.fields.iter().chain(in_variants) {
        let (Some(was), Some(is)) = (below.get_mut(field.key), above.get(field.key)) else {
            continue;
        };
        match field.kind {
            FieldKind::Nested(s) | FieldKind::Optional(s) => switch_variants(s, was, is, depth + 1),
            FieldKind::Map(element) => {
                if let (Kind::Table(was), Kind::Table(is)) = (&mut was.kind, &is.kind) {
                    for (name, entry) in is {
                        if let Some(old) = was.get_mut(name) {
                            switch_variants(element, old, entry, depth + 1);
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

/// Empties `below`, an enum section's table, when `above` selects another
/// variant with its `tag`. A tag below that names no variant (a typo that
/// a higher layer fixes) switches nothing: its keys stay, to be built as
/// the variant above says, or reported as that variant's unknown keys.
fn drop_switched(below: &mut Value, above: &Value, tag: &str, variants: &[Variant]) {
    let tag_of = |v: &Value| v.get(tag).and_then(Value::as_str).map(str::to_owned);
    if let (Some(was), Some(is)) = (tag_of(below), tag_of(above)) {
        if was != is && variants.iter().any(|v| v.name == was) {
            below.kind = Kind::Table(Table::new());
        }
    }
}
