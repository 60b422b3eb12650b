//! `#[config(path)]`: a relative path means "next to the file that says
//! it". The merged tree knows which file set each value, so relative values
//! of path fields are resolved against that file's directory before the
//! typed build; explain then shows the resolved path with its origin.
//!
//! Values from the environment, flags, credentials and defaults are left as
//! they are: relative to the working directory, which is what the operating
//! system makes of a relative path.

use std::path::Path;

use crate::origin::Origin;
use crate::schema::{FieldKind, Schema, Shape};
use crate::value::{Kind, Value};

/// Resolves every path field of `schema` in `tree`, in sections, lists and
/// maps of sections and enum variants too, each against the file that set it.
pub(crate) fn resolve(schema: &'static Schema, tree: &mut Value) {
    if schema.facts().paths {
        resolve_in(schema, tree);
    }
}

fn resolve_in(schema: &Schema, tree: &mut Value) {
    // An enum section's schema is its tag; the chosen variant's fields sit
    // beside it, in this table.
    let variant = schema.fields.iter().find_map(|field| match field.kind {
        FieldKind::Tag(variants) => {
            let chosen = tree.get(field.key).and_then(Value::as_str)?;
            variants.iter().find(|v| v.name == chosen)?.schema
        }
        _ => None,
    });
    if let Some(variant) = variant {
        resolve_in(variant, tree);
    }
    let Kind::Table(table) = &mut tree.kind else {
        return;
    };
    for field in schema.fields {
        match field.kind {
            FieldKind::Leaf { shape, .. } if field.path => {
                if let Some(value) = table.get_mut(field.key) {
                    // A list's text (from a `.env` file) is resolved item by
                    // item, once split as the build splits it.
                    if shape == Shape::List && value.as_str().is_some_and(|t| !t.is_empty()) {
                        crate::text::text_to_list(value, true);
                    }
                    match &mut value.kind {
                        Kind::Array(items) => items.iter_mut().for_each(resolve_value),
                        _ => resolve_value(value),
                    }
                }
            }
            FieldKind::Nested(nested) | FieldKind::Optional(nested) => {
                if let Some(value) = table.get_mut(field.key) {
                    resolve_in(nested, value);
                }
            }
            FieldKind::List(element) => {
                if let Some(Value {
                    kind: Kind::Array(items),
                    ..
                }) = table.get_mut(field.key)
                {
                    items.iter_mut().for_each(|item| resolve_in(element, item));
                }
            }
            FieldKind::Map(element) => {
                if let Some(Value {
                    kind: Kind::Table(entries),
                    ..
                }) = table.get_mut(field.key)
                {
                    entries
                        .values_mut()
                        .for_each(|entry| resolve_in(element, entry));
                }
            }
            _ => {}
        }
    }
}

/// A relative path set in a file or script, joined to its directory.
fn resolve_value(value: &mut Value) {
    let Kind::String(text) = &value.kind else {
        return;
    };
    let base = match &value.origin {
        Origin::File { path, .. } => path.parent(),
        Origin::Lua { script, .. } => script.parent(),
        _ => None,
    };
    // Text a source named by a URL (`https://cfg.example.com/app.toml`) has
    // no directory on this machine to be relative to.
    let local = |b: &Path| !b.as_os_str().is_empty() && !b.to_string_lossy().contains("://");
    let Some(base) = base.filter(|b| local(b)) else {
        return;
    };
    if text.is_empty() || Path::new(text).is_absolute() {
        return;
    }
    if let Some(joined) = base.join(text).to_str() {
        value.kind = Kind::String(joined.to_owned());
    }
}
