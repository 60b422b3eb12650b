//! The builds of sections: nested structs, optional sections, lists and
//! maps of sections, and enum sections chosen by their tag.

use super::ctx::{Build, Ctx, Leaf};
use crate::error::{Problem, ProblemKind};
use crate::schema::{Field, Schema};
use crate::value::{Kind, Table, Value};

impl Ctx<'_> {
    /// Builds a `#[config(nested)]` field.
    pub fn nested<T>(
        &mut self,
        table: &Table,
        field: &'static Field,
        build: Build<T>,
    ) -> Option<T> {
        let len = self.push(field.key, field.name);
        let out = build(table.get(field.key), self);
        self.pop(len);
        out
    }

    /// Builds a field with a default computed by code
    /// (`#[config(default)]`, `#[config(default_with = path)]`): `default`
    /// runs when no layer sets the key.
    pub fn leaf_or_else<T: Leaf>(
        &mut self,
        table: &Table,
        field: &'static Field,
        default: fn() -> T,
    ) -> Option<T> {
        match table.contains_key(field.key) {
            true => self.leaf(table, field),
            false => Some(default()),
        }
    }

    /// Builds a `#[config(nested)]` `Option<T>` field: `None` when no layer
    /// set any key of it, otherwise a `T` (defaults for the rest).
    pub fn optional<T>(
        &mut self,
        table: &Table,
        field: &'static Field,
        build: Build<T>,
    ) -> Option<Option<T>> {
        let Some(node) = table.get(field.key) else {
            return Some(None);
        };
        let len = self.push(field.key, field.name);
        let out = build(Some(node), self);
        self.pop(len);
        out.map(Some)
    }

    /// Builds a `#[config(nested)]` `Vec<T>` field: each element of the
    /// array as a `T`, every element's problems reported.
    pub fn list<T>(
        &mut self,
        table: &Table,
        field: &'static Field,
        build: Build<T>,
    ) -> Option<Vec<T>> {
        let len = self.push(field.key, field.name);
        let out = match table.get(field.key) {
            None if field.required => {
                self.missing(field);
                None
            }
            None => Some(Vec::new()),
            Some(node) => match &node.kind {
                Kind::Array(items) => {
                    self.in_list += 1;
                    let mut out = Some(Vec::with_capacity(items.len()));
                    for (i, item) in items.iter().enumerate() {
                        let index = i.to_string();
                        let at = self.push(&index, &index);
                        match (build(Some(item), self), &mut out) {
                            (Some(built), Some(out)) => out.push(built),
                            _ => out = None,
                        }
                        self.pop(at);
                    }
                    self.in_list -= 1;
                    out
                }
                // Lua's `{}` cannot say whether it is a list or a map.
                Kind::Table(t) if t.is_empty() => Some(Vec::new()),
                _ => {
                    self.not_a_section(node, "an array of tables");
                    None
                }
            },
        };
        self.pop(len);
        out
    }

    /// Builds a `#[config(nested)]` `HashMap<String, T>` or
    /// `BTreeMap<String, T>` field: each entry of the table as a `T`.
    pub fn map<T, M: FromIterator<(String, T)>>(
        &mut self,
        table: &Table,
        field: &'static Field,
        build: Build<T>,
    ) -> Option<M> {
        let len = self.push(field.key, field.name);
        let out = match table.get(field.key) {
            None if field.required => {
                self.missing(field);
                None
            }
            None => Some(M::from_iter(std::iter::empty())),
            Some(node) => match &node.kind {
                Kind::Table(entries) => {
                    self.in_map += 1;
                    let mut built = Vec::with_capacity(entries.len());
                    let mut ok = true;
                    for (key, entry) in entries {
                        let at = self.push(key, key);
                        match build(Some(entry), self) {
                            Some(value) => built.push((key.clone(), value)),
                            None => ok = false,
                        }
                        self.pop(at);
                    }
                    self.in_map -= 1;
                    ok.then(|| built.into_iter().collect())
                }
                _ => {
                    self.not_a_section(node, "a table of tables");
                    None
                }
            },
        };
        self.pop(len);
        out
    }

    /// A list or map of sections set to something else. Inline JSON that
    /// did not parse was reported when it was read.
    fn not_a_section(&mut self, node: &Value, expected: &str) {
        if node.is_text()
            && node
                .as_str()
                .is_some_and(|t| t.trim_start().starts_with(['[', '{']))
        {
            return;
        }
        self.mismatch(expected, node);
    }

    /// The variant an enum section's table selects, by index: `None` (with
    /// a problem) when the tag is missing, not a string, or names no
    /// variant.
    pub fn variant(&mut self, table: &Table, schema: &'static Schema) -> Option<usize> {
        let (tag, variants) = schema.tag()?;
        let names = || {
            variants
                .iter()
                .map(|v| format!("\"{}\"", v.name))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let len = self.push(tag.key, tag.name);
        let found = match table.get(tag.key) {
            None => {
                let problem = Problem::new(ProblemKind::Missing, "missing the variant's tag")
                    .with_key(self.path.clone())
                    .with_help(format!("set `{}` to one of {}", self.path, names()));
                self.report(problem);
                None
            }
            Some(value) => match value.as_str() {
                None => {
                    let message = format!(
                        "expected a string (one of {}), found {}",
                        names(),
                        value.type_name()
                    );
                    let problem = Problem::new(ProblemKind::Type, message)
                        .with_key(self.path.clone())
                        .with_snippet(self.snippet_of(value, false))
                        .with_origin(value.origin.clone());
                    self.report(problem);
                    None
                }
                Some(name) => match variants.iter().position(|v| v.name == name) {
                    Some(index) => Some(index),
                    None => {
                        let mut problem = Problem::new(
                            ProblemKind::Type,
                            format!(
                                "unknown variant {}, expected one of {}",
                                crate::text::quoted(name),
                                names()
                            ),
                        )
                        .with_key(self.path.clone())
                        .with_snippet(self.snippet_of(value, false))
                        .with_origin(value.origin.clone());
                        if let Some(best) =
                            crate::naming::suggest(name, variants.iter().map(|v| v.name))
                        {
                            problem = problem.with_help(format!("did you mean \"{best}\"?"));
                        }
                        self.report(problem);
                        None
                    }
                },
            },
        };
        self.pop(len);
        found
    }

    /// Builds the struct of an enum section's variant from the enum's own
    /// table (the variant's keys sit beside the tag).
    pub fn variant_fields<T>(
        &mut self,
        node: Option<&Value>,
        schema: &'static Schema,
        build: Build<T>,
    ) -> Option<T> {
        let outer = self.variant.replace((self.path.len(), schema));
        let out = build(node, self);
        self.variant = outer;
        out
    }
}

/// The variant, other than the one `table` selects, that has `key`: (tag,
/// variant name).
pub(super) fn other_variant(
    schema: &'static Schema,
    table: &Table,
    key: &str,
) -> Option<(&'static str, &'static str)> {
    let (tag, variants) = schema.tag()?;
    let chosen = schema.variant_of(table).map(|v| v.name);
    variants
        .iter()
        .filter(|v| Some(v.name) != chosen)
        .find(|v| {
            v.schema
                .is_some_and(|s| s.fields.iter().any(|f| f.key == key))
        })
        .map(|v| (tag.key, v.name))
}
