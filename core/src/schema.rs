//! The static description of a configuration struct that `#[derive(Config)]`
//! emits. Every source that needs the shape (env names, flags, unknown-key
//! checks, explain, usage, templates) reads it from here.

use std::cell::RefCell;

use crate::origin::Origin;
use crate::value::{Kind, Table, Value};

/// What a schema holds anywhere below it ([`Schema::facts`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Facts {
    /// A map of sections or of values.
    pub(crate) maps: bool,
    /// An enum section at a fixed path or as a map's element.
    pub(crate) tags: bool,
    /// A `merge = "append"` list.
    pub(crate) append: bool,
    /// A list, map, optional or enum section.
    pub(crate) sections: bool,
    /// A `#[config(path)]` value.
    pub(crate) paths: bool,
    /// A secret field.
    pub(crate) secrets: bool,
}

/// The shape of one `#[derive(Config)]` struct.
#[derive(Debug)]
pub struct Schema {
    /// The Rust name of the struct.
    pub type_name: &'static str,
    /// `#[config(name = "..")]`: the application name, used for the env
    /// prefix, discovered file names and the program name.
    pub name: Option<&'static str>,
    /// The struct's doc comment.
    pub doc: &'static str,
    /// The version of the crate that derived it (`CARGO_PKG_VERSION`), shown
    /// by `--version`.
    pub version: Option<&'static str>,
    /// The fields, in declaration order.
    pub fields: &'static [Field],
}

/// One field of a [`Schema`].
#[derive(Debug)]
pub struct Field {
    /// The key in files and the last segment of key paths (after `rename`
    /// or the struct's `rename_all`).
    pub key: &'static str,
    /// The Rust field name as declared, which validators' findings may use
    /// whatever `rename` says.
    pub ident: &'static str,
    /// The name env variables and flags are derived from: the Rust field
    /// name, or `rename` (which renames all three); `rename_all` changes
    /// only [`key`](Field::key).
    pub name: &'static str,
    /// The Rust type as written, for usage tables and messages.
    pub ty: &'static str,
    /// The doc comment.
    pub doc: &'static str,
    /// What the field holds: a value, or a section of some kind.
    pub kind: FieldKind,
    /// `#[config(default = ..)]`.
    pub default: Option<Literal>,
    /// `#[config(default)]` or `#[config(default_with = path)]`: a default
    /// computed by code, as it is written (`Default::default()`,
    /// `default_port()`), for help and templates.
    pub default_code: Option<&'static str>,
    /// `#[config(env = "NAME")]`: an exact variable name, with no prefix.
    pub env: Option<&'static str>,
    /// `#[config(flag = "name")]`: the long flag, replacing the derived one.
    pub flag: Option<&'static str>,
    /// `#[config(short = 'p')]`.
    pub short: Option<char>,
    /// `#[config(secret)]` (or a `staid::Secret<T>` type): never printed.
    pub secret: bool,
    /// The load fails when no layer sets it: a value that is not an
    /// `Option` or a collection and has no default, or any field marked
    /// `#[config(required)]`.
    pub required: bool,
    /// `#[config(merge = "append")]`: a list in a higher layer is appended to
    /// the list below instead of replacing it.
    pub append: bool,
    /// `#[config(restart)]`: the program reads it once, at start. A reload
    /// still updates it, and lists it in `Reload::Updated`'s
    /// `restart_required`.
    pub restart: bool,
    /// `#[config(path)]` on a `PathBuf` field: a relative value set in a
    /// file (or a Lua script) is resolved against that file's directory.
    pub path: bool,
    /// A JSON Schema of the leaf's type, as JSON text, when the type offers
    /// one (`schemars::JsonSchema`, with the feature `schemars`).
    pub json_schema: Option<fn() -> String>,
}

/// What a [`Field`] holds.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum FieldKind {
    /// A value read with serde (or `FromStr` under `#[config(from_str)]`).
    Leaf {
        /// What the value looks like, as far as the type's name tells.
        shape: Shape,
        /// The type is `Option<..>`.
        optional: bool,
    },
    /// `#[config(nested)]` on a `Config` type: its keys live under the
    /// field's key.
    Nested(&'static Schema),
    /// `#[config(nested)]` on `Option<T>`: `None` unless some layer sets a
    /// key of it (an empty table counts).
    Optional(&'static Schema),
    /// `#[config(nested)]` on `Vec<T>`: an array of tables, each built as a
    /// `T`.
    List(&'static Schema),
    /// `#[config(nested)]` on `HashMap<String, T>` or `BTreeMap<String, T>`:
    /// a table whose entries are each built as a `T`.
    Map(&'static Schema),
    /// `#[config(skip)]`: never read from any source; set from `Default`.
    Skipped,
    /// The key that selects the variant of an enum section
    /// (`#[config(tag = "kind")]`): the only field of an enum's schema. Its
    /// value is a variant's name; that variant's fields sit beside it.
    Tag(&'static [Variant]),
}

/// One variant of an enum section.
#[derive(Debug)]
pub struct Variant {
    /// The tag's value that selects it (`s3`).
    pub name: &'static str,
    /// The variant's doc comment.
    pub doc: &'static str,
    /// The schema of the struct it holds; `None` for a unit variant.
    pub schema: Option<&'static Schema>,
}

/// The shape of a leaf value, read off the type's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Shape {
    /// `bool`: a flag without a value sets it to true.
    Bool,
    /// A sized integer type.
    Integer,
    /// `f32` or `f64`.
    Float,
    /// `String`, `PathBuf`, addresses and other types written as text.
    Text,
    /// `std::time::Duration`, written like `"1m30s"`.
    Duration,
    /// `Vec`, `VecDeque`, `HashSet` or `BTreeSet`: a flag may be repeated,
    /// and an empty value (`--tags=`, `MYAPP_TAGS=` with
    /// `env_empty_is_unset(false)`) is an empty list.
    List,
    /// `HashMap` or `BTreeMap`: an empty value is an empty map, as for a
    /// list.
    Map,
    /// Any other type: staid cannot see its shape.
    Other,
}

impl Field {
    /// The schema of a section whose keys lie at fixed paths under the
    /// field's key: a nested struct or an optional section. Lists and maps
    /// of sections have their keys under an index or entry name instead.
    pub fn nested(&self) -> Option<&'static Schema> {
        match self.kind {
            FieldKind::Nested(s) | FieldKind::Optional(s) => Some(s),
            _ => None,
        }
    }

    /// The schema of each element of a list or map of sections.
    pub fn elements(&self) -> Option<&'static Schema> {
        match self.kind {
            FieldKind::List(s) | FieldKind::Map(s) => Some(s),
            _ => None,
        }
    }

    /// `#[config(skip)]`.
    pub fn is_skipped(&self) -> bool {
        matches!(self.kind, FieldKind::Skipped)
    }

    /// The variants, when this is the tag of an enum section.
    pub fn variants(&self) -> Option<&'static [Variant]> {
        match self.kind {
            FieldKind::Tag(variants) => Some(variants),
            _ => None,
        }
    }

    /// The leaf's shape, `None` for sections and skipped fields.
    pub fn shape(&self) -> Option<Shape> {
        match self.kind {
            FieldKind::Leaf { shape, .. } => Some(shape),
            _ => None,
        }
    }
}

/// What `#[derive(Config)]` on an enum checks of each variant's struct at
/// compile time (in a `const`), since the enum's derive cannot see the
/// fields of a type it only names.
#[doc(hidden)]
pub enum VariantCheck {
    Ok,
    /// A field has the tag's key, so the tag would set it unseen.
    TagKey,
    /// The variant holds an enum section, whose own tag no file could reach.
    Enum,
}

#[doc(hidden)]
pub const fn check_variant(tag: &str, variant: &Schema) -> VariantCheck {
    let mut i = 0;
    while i < variant.fields.len() {
        let field = &variant.fields[i];
        if matches!(field.kind, FieldKind::Tag(_)) {
            return VariantCheck::Enum;
        }
        if !matches!(field.kind, FieldKind::Skipped) && const_eq(field.key, tag) {
            return VariantCheck::TagKey;
        }
        i += 1;
    }
    VariantCheck::Ok
}

const fn const_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// A literal written in `#[config(default = ..)]`.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Literal {
    /// A string literal.
    Str(&'static str),
    /// An integer literal.
    Int(i128),
    /// A float literal.
    Float(f64),
    /// A boolean literal.
    Bool(bool),
    /// An array of literals.
    Array(&'static [Literal]),
    /// `{}`: an empty table, for maps.
    EmptyTable,
}

impl Literal {
    /// The literal as a value with the `Default` origin.
    pub fn to_value(&self) -> Value {
        let kind = match *self {
            Literal::Str(s) => Kind::String(s.to_owned()),
            Literal::Int(i) => Kind::Integer(i),
            Literal::Float(x) => Kind::Float(x),
            Literal::Bool(b) => Kind::Bool(b),
            Literal::Array(items) => Kind::Array(items.iter().map(Literal::to_value).collect()),
            Literal::EmptyTable => Kind::Table(Table::new()),
        };
        Value::new(kind, Origin::Default)
    }
}

/// The text form used in help and usage tables: strings bare, arrays
/// comma-separated, as they would be written in an env variable (an item's
/// own comma as `\,`), control characters escaped so that a table's row
/// stays one line.
impl std::fmt::Display for Literal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Literal::Str(s) => f.write_str(&crate::text::printable(s)),
            Literal::Int(i) => write!(f, "{i}"),
            Literal::Float(x) => write!(f, "{x}"),
            Literal::Bool(b) => write!(f, "{b}"),
            Literal::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    match item {
                        Literal::Str(s) => {
                            let escaped = s.replace('\\', "\\\\").replace(',', "\\,");
                            f.write_str(&crate::text::printable(&escaped))?
                        }
                        other => write!(f, "{other}")?,
                    }
                }
                Ok(())
            }
            Literal::EmptyTable => Ok(()),
        }
    }
}

impl Schema {
    /// The layer of defaults: every `default` in this schema and its nested
    /// structs, as a table with `Origin::Default`. Optional sections and the
    /// elements of lists and maps get theirs when they are present (see
    /// [`Loaded::tree`](crate::Loaded::tree)).
    pub fn defaults(&self) -> Value {
        let mut table = Table::new();
        for field in self.fields {
            match field.kind {
                FieldKind::Nested(nested) => {
                    let sub = nested.defaults();
                    if sub.as_table().is_some_and(|t| !t.is_empty()) {
                        table.insert(field.key.to_owned(), sub);
                    }
                }
                FieldKind::Leaf { .. } => {
                    if let Some(default) = &field.default {
                        table.insert(field.key.to_owned(), default.to_value());
                    }
                }
                _ => {}
            }
        }
        Value::new(Kind::Table(table), Origin::Default)
    }

    /// The field with this key; in an enum's schema, the tag or a field of
    /// a variant: a secret one if any variant's field with this key is
    /// secret (so that what asks by key alone hides it), else the first.
    pub fn field(&self, key: &str) -> Option<&'static Field> {
        if let Some(field) = self.fields.iter().find(|f| f.key == key) {
            return Some(field);
        }
        let mut found = self
            .variants()?
            .iter()
            .filter_map(|v| v.schema)
            .filter_map(|s| s.field(key));
        let first = found.next()?;
        Some(
            found
                .find(|f| f.secret)
                .filter(|_| !first.secret)
                .unwrap_or(first),
        )
    }

    /// For an enum section: its tag field and variants.
    pub fn tag(&self) -> Option<(&'static Field, &'static [Variant])> {
        let field = self.fields.first()?;
        Some((field, field.variants()?))
    }

    /// Whether a layer must set keys of this section for a load to
    /// succeed: a required field, an enum section's tag, or such a nested
    /// section.
    pub(crate) fn needs_keys(&self) -> bool {
        fn go(schema: &Schema, depth: usize) -> bool {
            depth <= crate::format::MAX_DEPTH
                && (schema.tag().is_some()
                    || schema.fields.iter().any(|f| {
                        f.required || matches!(f.kind, FieldKind::Nested(s) if go(s, depth + 1))
                    }))
        }
        go(self, 0)
    }

    /// For an enum section, the variants.
    pub fn variants(&self) -> Option<&'static [Variant]> {
        self.tag().map(|(_, variants)| variants)
    }

    /// The variant selected by a table of this enum's schema, if its tag
    /// names one.
    pub fn variant_of(&self, table: &Table) -> Option<&'static Variant> {
        let (tag, variants) = self.tag()?;
        let name = table.get(tag.key)?.as_str()?;
        variants.iter().find(|v| v.name == name)
    }

    /// Visits every field that holds a value at a fixed key path, with that
    /// dotted path, depth first in declaration order: leaves, and lists and
    /// maps of sections as a whole. Nested structs and optional sections are
    /// gone through; skipped fields are left out.
    pub fn walk(&self, visit: &mut dyn FnMut(&str, &'static Field)) {
        self.walk_named(&mut |path, _, field| visit(path, field));
    }

    /// Like [`walk`](Schema::walk), also giving the path of the fields'
    /// [`name`](Field::name)s, from which env variables and flags are
    /// spelled.
    pub fn walk_named(&self, visit: &mut dyn FnMut(&str, &str, &'static Field)) {
        fn go(
            schema: &Schema,
            keys: &mut String,
            names: &mut String,
            visit: &mut dyn FnMut(&str, &str, &'static Field),
        ) {
            for field in schema.fields {
                if field.is_skipped() {
                    continue;
                }
                let (klen, nlen) = (keys.len(), names.len());
                if !keys.is_empty() {
                    keys.push('.');
                    names.push('.');
                }
                keys.push_str(field.key);
                names.push_str(field.name);
                match field.nested() {
                    Some(nested) => go(nested, keys, names, visit),
                    None => visit(keys, names, field),
                }
                keys.truncate(klen);
                names.truncate(nlen);
            }
            // An enum's variants: every field of every variant, once (two
            // variants may share a key, which is then one variable and flag).
            if let Some(variants) = schema.variants() {
                let mut seen: Vec<String> = Vec::new();
                for inner in variants.iter().filter_map(|v| v.schema) {
                    go(inner, keys, names, &mut |k, n, f| {
                        if !seen.iter().any(|s| s == k) {
                            seen.push(k.to_owned());
                            visit(k, n, f);
                        }
                    });
                }
            }
        }
        go(self, &mut String::new(), &mut String::new(), visit)
    }

    /// What this schema holds anywhere below it, worked out once per schema
    /// (and thread) rather than by a walk on every load: each tells a load
    /// it may skip a pass that would find nothing to do.
    pub(crate) fn facts(&'static self) -> Facts {
        thread_local! {
            static KNOWN: RefCell<Vec<(usize, Facts)>> = const { RefCell::new(Vec::new()) };
        }
        // A schema is a `'static` value of the derive, so its address names
        // it for the life of the process.
        let key = self as *const Schema as usize;
        let found = KNOWN
            .try_with(|known| known.borrow().iter().find(|(k, _)| *k == key).map(|f| f.1))
            .ok()
            .flatten();
        if let Some(facts) = found {
            return facts;
        }
        let facts = Facts {
            maps: self.has_maps(),
            tags: self.has_tags(),
            append: self.has_append(),
            sections: crate::sections::has_sections(self, 0),
            paths: self.has_paths(0),
            secrets: crate::redact::holds(self, 0),
        };
        // Not kept by a thread whose locals are being destroyed.
        let _ = KNOWN.try_with(|known| known.borrow_mut().push((key, facts)));
        facts
    }

    /// Whether any field, here, nested, in elements or in variants, is a
    /// `#[config(path)]`.
    fn has_paths(&self, depth: usize) -> bool {
        depth < crate::format::MAX_DEPTH
            && self.fields.iter().any(|f| {
                f.path
                    || f.nested()
                        .or(f.elements())
                        .is_some_and(|s| s.has_paths(depth + 1))
                    || f.variants().is_some_and(|vs| {
                        vs.iter()
                            .filter_map(|v| v.schema)
                            .any(|s| s.has_paths(depth + 1))
                    })
            })
    }

    /// Whether any field, here or nested, is a map (of sections or of values).
    fn has_maps(&self) -> bool {
        self.fields.iter().any(|f| {
            matches!(f.kind, FieldKind::Map(_))
                || f.shape() == Some(Shape::Map)
                || f.nested().is_some_and(Schema::has_maps)
        })
    }

    /// Whether any enum section sits here or in a section that merges key
    /// by key with the layers below: nested, in an entry of a map, or in a
    /// variant (a list is replaced whole).
    fn has_tags(&self) -> bool {
        fn go(schema: &Schema, depth: usize) -> bool {
            let inner = |s: &'static Schema| go(s, depth + 1);
            depth <= crate::format::MAX_DEPTH
                && (schema.tag().is_some()
                    || schema.fields.iter().any(|f| match f.kind {
                        FieldKind::Nested(s) | FieldKind::Optional(s) | FieldKind::Map(s) => {
                            inner(s)
                        }
                        FieldKind::Tag(variants) => {
                            variants.iter().filter_map(|v| v.schema).any(inner)
                        }
                        _ => false,
                    }))
        }
        go(self, 0)
    }

    /// Whether any field, here or nested, is `merge = "append"`.
    fn has_append(&self) -> bool {
        self.fields
            .iter()
            .any(|f| f.append || f.nested().is_some_and(Schema::has_append))
    }

    /// Whether the value at this dotted key path belongs to a secret field
    /// (the field itself or anything inside it).
    pub fn is_secret(&self, path: &str) -> bool {
        crate::redact::is_secret(self, path)
    }

    /// A dotted key path as staid shows it: the keys below a secret field
    /// masked, since a secret map's entry names may be secret too
    /// (`tokens.<secret>` for `tokens.alice`; list indices stay). A source
    /// whose origins name a store's keys by the key path builds them from
    /// this, so that they show no more than the key path does.
    ///
    /// ```
    /// use std::collections::HashMap;
    /// use staid::Config;
    ///
    /// #[derive(Config)]
    /// struct App {
    ///     #[config(secret, default = {})]
    ///     tokens: HashMap<String, String>,
    ///     #[config(default = 80)]
    ///     port: u16,
    /// }
    ///
    /// assert_eq!(App::SCHEMA.shown_path("tokens.alice"), "tokens.<secret>");
    /// assert_eq!(App::SCHEMA.shown_path("port"), "port");
    /// ```
    pub fn shown_path(&self, path: &str) -> String {
        crate::redact::key_path(self, path)
    }
}

#[cfg(test)]
impl Schema {
    /// A schema without fields, for the tests of code that takes one.
    pub(crate) const EMPTY: Schema = Schema {
        type_name: "T",
        name: None,
        doc: "",
        version: None,
        fields: &[],
    };
}
