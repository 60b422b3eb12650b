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
        // An enum section whose variant this layer changes: what the
        // layers below set was the other variant's, and goes. At a fixed
        // path (the walk meets its tag) and in each entry of a map.
        schema.walk(&mut |path, field| {
            let (section, tag, variants) = match field.kind {
                FieldKind::Tag(variants) => match path.rsplit_once('.') {
                    Some((section, _)) => (section, field.key, variants),
                    None => return,
                },
                FieldKind::Map(element) => match element.tag() {
                    Some((tag, variants)) => (path, tag.key, variants),
                    None => return,
                },
                _ => return,
            };
            let (Some(below), Some(above)) = (merged.get_mut(section), layer.get(section)) else {
                return;
            };
            match field.kind {
                FieldKind::Tag(_) => drop_switched(below, above, tag, variants),
                _ => {
                    if let (Kind::Table(below), Kind::Table(above)) = (&mut below.kind, &above.kind)
                    {
                        for (name, entry) in above {
                            if let Some(old) = below.get_mut(name) {
                                drop_switched(old, entry, tag, variants);
                            }
                        }
                    }
                }
            }
        });
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
        if let (Kind::String(text), true) = (&above.kind, above.is_text()) {
            let trimmed = text.trim_start();
            if crate::text::looks_like_json(trimmed) {
                if let Ok(parsed) = crate::format::inline_json(trimmed, &above.origin) {
                    *above = parsed;
                }
            } else if field.elements().is_none() {
                above.kind = Kind::Array(crate::text::list_values(text, &above.origin));
            }
        }
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
