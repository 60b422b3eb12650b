//! The static description of a configuration struct that `#[derive(Config)]`
//! emits. Every source that needs the shape (env names, flags, unknown-key
//! checks, explain, usage) reads it from here.

use crate::origin::Origin;
use crate::value::{Kind, Table, Value};

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
    /// The key in files and the last segment of key paths.
    pub key: &'static str,
    /// The Rust type as written, for usage tables and messages.
    pub ty: &'static str,
    /// The doc comment.
    pub doc: &'static str,
    /// `#[config(default = ..)]`.
    pub default: Option<Literal>,
    /// `#[config(env = "NAME")]`: an exact variable name, with no prefix.
    pub env: Option<&'static str>,
    /// `#[config(flag = "name")]`: the long flag, replacing the derived one.
    pub flag: Option<&'static str>,
    /// `#[config(short = 'p')]`.
    pub short: Option<char>,
    /// `#[config(secret)]` (or a `staid::Secret<T>` type): never printed.
    pub secret: bool,
    /// Not `Option`, no default, not nested: the load fails without it.
    pub required: bool,
    /// The field's type is `Option<..>`.
    pub optional: bool,
    /// The field's type is `bool` (a flag without a value sets it to true).
    pub boolean: bool,
    /// The field's type is a list (`Vec`, `HashSet`, `BTreeSet`, `VecDeque`,
    /// or an `Option` of one): its flag may be repeated.
    pub list: bool,
    /// `#[config(merge = "append")]`: a list in a higher layer is appended to
    /// the list below instead of replacing it.
    pub append: bool,
    /// `#[config(skip)]`: never read from any source; set from `Default`.
    pub skip: bool,
    /// `#[config(restart)]`: the program reads it once, at start. A reload
    /// still updates it, and lists it in `Reload::Updated`'s
    /// `restart_required`.
    pub restart: bool,
    /// `#[config(nested)]`: the schema of the nested struct.
    pub nested: Option<&'static Schema>,
}

/// A literal written in `#[config(default = ..)]`.
#[derive(Debug, Clone, Copy)]
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
        };
        Value::new(kind, Origin::Default)
    }
}

/// The text form used in help and usage tables: strings bare, arrays
/// comma-separated, as they would be written in an env variable.
impl std::fmt::Display for Literal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Literal::Str(s) => f.write_str(s),
            Literal::Int(i) => write!(f, "{i}"),
            Literal::Float(x) => write!(f, "{x}"),
            Literal::Bool(b) => write!(f, "{b}"),
            Literal::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{item}")?;
                }
                Ok(())
            }
        }
    }
}

impl Schema {
    /// The layer of defaults: every `default` in this schema and the nested
    /// ones, as a table with `Origin::Default`.
    pub fn defaults(&self) -> Value {
        let mut table = Table::new();
        for field in self.fields {
            if field.skip {
                continue;
            }
            if let Some(nested) = field.nested {
                let sub = nested.defaults();
                if sub.as_table().is_some_and(|t| !t.is_empty()) {
                    table.insert(field.key.to_owned(), sub);
                }
            } else if let Some(default) = &field.default {
                table.insert(field.key.to_owned(), default.to_value());
            }
        }
        Value::new(Kind::Table(table), Origin::Default)
    }

    /// The field with this key.
    pub fn field(&self, key: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.key == key)
    }

    /// Visits every leaf field (not nested, not skipped) with its dotted key
    /// path, depth first in declaration order.
    pub fn walk(&self, visit: &mut dyn FnMut(&str, &'static Field)) {
        fn go(schema: &Schema, prefix: &mut String, visit: &mut dyn FnMut(&str, &'static Field)) {
            for field in schema.fields {
                if field.skip {
                    continue;
                }
                let len = prefix.len();
                if !prefix.is_empty() {
                    prefix.push('.');
                }
                prefix.push_str(field.key);
                match field.nested {
                    Some(nested) => go(nested, prefix, visit),
                    None => visit(prefix, field),
                }
                prefix.truncate(len);
            }
        }
        go(self, &mut String::new(), visit)
    }

    /// Merges a layer on top of `merged`: later wins, tables merge deeply,
    /// and lists of `merge = "append"` fields are appended to.
    pub(crate) fn merge_layer(&self, merged: &mut Value, mut layer: Value) {
        if !self.has_append() {
            merged.merge(layer);
            return;
        }
        self.walk(&mut |path, field| {
            if !field.append {
                return;
            }
            let (Some(below), Some(above)) = (merged.get(path), layer.get_mut(path)) else {
                return;
            };
            // Text from env or flags is a list once split, as the build
            // would split it.
            if let (Kind::String(text), true) = (&above.kind, above.is_text()) {
                if !text.trim_start().starts_with('[') {
                    above.kind = Kind::Array(crate::text::list_values(text, &above.origin));
                }
            }
            if let (Kind::Array(below), Kind::Array(items)) = (&below.kind, &mut above.kind) {
                let mut all = below.clone();
                all.append(items);
                *items = all;
            }
        });
        merged.merge(layer);
    }

    /// Whether any field, here or nested, is `merge = "append"`.
    fn has_append(&self) -> bool {
        self.fields
            .iter()
            .any(|f| f.append || f.nested.is_some_and(Schema::has_append))
    }

    /// Whether the value at this dotted key path belongs to a secret field
    /// (the field itself or anything inside it).
    pub fn is_secret(&self, path: &str) -> bool {
        crate::redact::is_secret(self, path)
    }
}
