//! `Ctx`: the state of one typed build, its leaves, validators, unknown
//! keys and the problems they find.

use std::fmt::Display;

use serde_core::de::DeserializeOwned;

use crate::de::{self, DeError};
use crate::error::{Problem, ProblemKind};
use crate::naming::Naming;
use crate::origin::Origin;
use crate::schema::{Field, FieldKind, Schema, Shape};
use crate::snippet::Snippet;
use crate::source::Texts;
use crate::value::{Kind, Table, Value};
use crate::Unknown;

use super::unknown::Unknowns;

pub(super) static EMPTY: Table = Table::new();

/// A validator's key path with each Rust field name (`path_prefix`) spelled
/// as files spell its key (`pathPrefix` under `rename_all`), so that either
/// finds the value and its origin.
fn file_keys(schema: &'static Schema, path: &str) -> String {
    let mut at = Some(schema);
    // After a list or map of sections: its index or entry, then its struct.
    let mut element: Option<&'static Schema> = None;
    let parts: Vec<&str> = path
        .split('.')
        .map(|part| {
            if let Some(next) = element.take() {
                at = Some(next);
                return part;
            }
            let field = at.and_then(|s| field_named(s, part));
            at = field.and_then(|f| f.nested());
            element = field.and_then(|f| f.elements());
            field.map_or(part, |f| f.key)
        })
        .collect();
    parts.join(".")
}

/// The field a finding's path segment names, by its file key, its `rename`d
/// name or its Rust name; in an enum section, a field of its variants.
fn field_named(schema: &'static Schema, part: &str) -> Option<&'static Field> {
    let here = schema.field(part).or_else(|| {
        schema
            .fields
            .iter()
            .find(|f| !f.is_skipped() && (f.name == part || f.ident == part))
    });
    here.or_else(|| {
        let variants = schema.variants()?;
        variants
            .iter()
            .filter_map(|v| v.schema)
            .find_map(|s| field_named(s, part))
    })
}

/// What a leaf field's type must be: anything serde can read. A trait of
/// its own so that a missing impl says what to do, not which serde bound
/// failed (a `Config` struct there is usually a forgotten `nested`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be read as a configuration value",
    label = "a field without `#[config(nested)]` is read with serde",
    note = "if `{Self}` is a `Config` struct, add `#[config(nested)]` to the field; otherwise derive or implement `serde::Deserialize` for it"
)]
pub trait Leaf: DeserializeOwned {}

impl<T: DeserializeOwned> Leaf for T {}

/// Asks for `T: Leaf` of the item of a leaf's collection or option, where
/// the bound on the whole would only name serde's trait.
pub fn leaf_item<T: Leaf>() {}

/// How generated code builds one section: `<T as Config>::__build`, passed
/// as a function so that a type that is not `Config` is reported once, at
/// the field's type.
pub type Build<T> = fn(Option<&Value>, &mut Ctx<'_>) -> Option<T>;

/// The most problems a script's values get listed (see [`Ctx::report`]),
/// as many as a source's unknown keys.
pub(super) const MAX_SCRIPT_PROBLEMS: usize = crate::naming::MAX_UNKNOWN - 1;

/// The state of one build. Used by code that `#[derive(Config)]` generates;
/// not part of the stable API.
pub struct Ctx<'a> {
    pub(crate) problems: Vec<Problem>,
    pub(crate) warnings: Vec<Problem>,
    pub(super) path: String,
    /// The path of field names (env and flag spelling) beside `path`;
    /// `None` while it is the same as `path` (no `rename_all` on the way),
    /// so the common build keeps one path, not two.
    pub(super) names: Option<String>,
    /// How many lists of sections the build is inside: their elements have
    /// no env variables or flags of their own.
    pub(super) in_list: usize,
    /// How many maps of sections: their entries have env variables, no
    /// flags.
    pub(super) in_map: usize,
    /// While a variant of an enum section is built: the enum's path length
    /// and schema, so that its tag is not an unknown key of the variant.
    pub(super) variant: Option<(usize, &'static Schema)>,
    pub(super) unknown: Unknown,
    /// The unknown keys found so far, by source.
    pub(super) unknowns: Vec<Unknowns>,
    /// How many problems each script's values had, listed or not.
    pub(super) by_script: Vec<(std::sync::Arc<std::path::Path>, usize)>,
    pub(super) texts: &'a Texts,
    pub(super) naming: &'a Naming,
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(unknown: Unknown, texts: &'a Texts, naming: &'a Naming) -> Self {
        Ctx {
            problems: Vec::new(),
            warnings: Vec::new(),
            path: String::new(),
            names: None,
            in_list: 0,
            in_map: 0,
            variant: None,
            unknown,
            unknowns: Vec::new(),
            by_script: Vec::new(),
            texts,
            naming,
        }
    }

    /// Goes one level down, to `key` (spelled `name` in env and flags);
    /// `pop` with the result comes back.
    pub(super) fn push(&mut self, key: &str, name: &str) -> (usize, usize) {
        let len = (
            self.path.len(),
            self.names.as_ref().map_or(self.path.len(), String::len),
        );
        // Most fields have one spelling, usually the very same `&str`.
        if self.names.is_none() && !std::ptr::eq(key, name) && key != name {
            self.names = Some(self.path.clone());
        }
        if let Some(names) = &mut self.names {
            if !names.is_empty() {
                names.push('.');
            }
            names.push_str(name);
        }
        if !self.path.is_empty() {
            self.path.push('.');
        }
        self.path.push_str(&crate::value::path_segment(key));
        len
    }

    pub(super) fn pop(&mut self, (path, names): (usize, usize)) {
        self.path.truncate(path);
        if let Some(n) = &mut self.names {
            n.truncate(names);
        }
    }

    /// The snippet of a value: its line, with a caret as wide as the parser
    /// saw the value.
    pub(super) fn snippet_of(&self, value: &Value, secret: bool) -> Option<Snippet> {
        if secret || value.span.width == 0 {
            return self.snippet(&value.origin, secret);
        }
        let (_, line, column) = value.origin.file_position()?;
        let width = value.span.width as usize;
        self.texts
            .of(&value.origin)?
            .snippet_with(line, column, width)
    }

    pub(super) fn snippet(&self, origin: &Origin, secret: bool) -> Option<Snippet> {
        if secret {
            return None;
        }
        let (_, line, column) = origin.file_position()?;
        self.texts.of(origin)?.snippet_at(line, column)
    }

    /// Reports `node` at the current path as not the `expected` shape.
    pub(super) fn mismatch(&mut self, expected: &str, node: &Value) {
        let problem = Problem::new(
            ProblemKind::Type,
            format!("expected {expected}, found {}", node.type_name()),
        )
        .with_key(self.path.clone())
        .with_snippet(self.snippet_of(node, false))
        .with_origin(node.origin.clone());
        self.report(problem);
    }

    /// The table a struct is built from: empty when nothing set it, `None`
    /// (with a problem) when something that is not a table did.
    pub fn table<'v>(&mut self, node: Option<&'v Value>) -> Option<&'v Table> {
        match node {
            None => Some(&EMPTY),
            Some(v) => match v.as_table() {
                Some(t) => Some(t),
                None => {
                    self.mismatch("a table", v);
                    None
                }
            },
        }
    }

    /// Builds a leaf field from its key in `table`.
    pub fn leaf<T: Leaf>(&mut self, table: &Table, field: &'static Field) -> Option<T> {
        // The key path is only for problems, so it is written only for one.
        let result = match table.get(field.key) {
            Some(value) => de::from_value::<T>(value).map_err(|e| (e, Some(value))),
            None if field.required => {
                let len = self.push(field.key, field.name);
                self.missing(field);
                self.pop(len);
                return None;
            }
            None => absent::<T>(field).map_err(|e| (e, None)),
        };
        match result {
            Ok(v) => Some(v),
            Err((e, value)) => {
                // Only where every item has one type (lists, maps, arrays):
                // a tuple's items do not.
                let read = |v: &Value| de::from_value::<T>(v).err();
                let map = field.shape() == Some(Shape::Map);
                let uniform = map || field.shape() == Some(Shape::List) || is_array(field.ty);
                let later = value
                    .filter(|_| uniform)
                    .map(|v| de::later_errors(v, &e, &read, map));
                let len = self.push(field.key, field.name);
                self.type_problem(e, value, field);
                for e in later.into_iter().flatten() {
                    self.type_problem(e, value, field);
                }
                self.pop(len);
                None
            }
        }
    }

    /// Builds a `#[config(from_str)]` field: the value is read as text and
    /// parsed with `FromStr`.
    pub fn leaf_parsed<T>(&mut self, table: &Table, field: &'static Field) -> Option<T>
    where
        T: std::str::FromStr,
        T::Err: Display,
    {
        self.leaf_parsed_opt(table, field)?
    }

    /// Builds an `Option<T>` field marked `#[config(from_str)]`.
    pub fn leaf_parsed_opt<T>(&mut self, table: &Table, field: &'static Field) -> Option<Option<T>>
    where
        T: std::str::FromStr,
        T::Err: Display,
    {
        let text: Option<String> = self.leaf(table, field)?;
        let Some(text) = text else {
            return Some(None);
        };
        match text.parse::<T>() {
            Ok(v) => Some(Some(v)),
            Err(e) => {
                let len = self.push(field.key, field.name);
                let value = table.get(field.key);
                // type_problem hides the message for secret fields.
                let message = crate::text::bounded(format!(
                    "invalid value {}: {e}",
                    crate::text::quoted(&text)
                ));
                let e = DeError {
                    message,
                    origin: None,
                    path: Vec::new(),
                    kind: ProblemKind::Type,
                };
                self.type_problem(e, value, field);
                self.pop(len);
                None
            }
        }
    }

    /// Adds a problem of the build. A script's values (a Lua layer's) get
    /// at most [`MAX_SCRIPT_PROBLEMS`] listed, and one more that counts the
    /// rest: a script can return a hundred thousand values of the wrong
    /// type, and each problem costs the host memory.
    pub(super) fn report(&mut self, problem: Problem) {
        if let Some(Origin::Lua { script, .. }) = &problem.origin {
            let at = match self.by_script.iter().position(|(s, _)| s == script) {
                Some(at) => at,
                None => {
                    self.by_script.push((script.clone(), 0));
                    self.by_script.len() - 1
                }
            };
            self.by_script[at].1 += 1;
            if self.by_script[at].1 > MAX_SCRIPT_PROBLEMS {
                return;
            }
        }
        self.problems.push(problem);
    }

    /// Records a field validator's verdict.
    pub fn validated<E: Display>(
        &mut self,
        table: &Table,
        field: &'static Field,
        verdict: Result<(), E>,
    ) {
        if let Err(e) = verdict {
            let len = self.push(field.key, field.name);
            let value = table.get(field.key);
            let origin = value.map(|v| v.origin.clone());
            let snippet = value.and_then(|v| self.snippet_of(v, field.secret));
            let mut problem = Problem::new(ProblemKind::Validation, e.to_string())
                .with_key(self.path.clone())
                .with_snippet(snippet);
            problem.origin = origin;
            self.report(problem);
            self.pop(len);
        }
    }

    /// Records a struct validator's verdict (`#[config(validate = ..)]` on the
    /// struct): each finding at its key below the struct, with the origin
    /// and line of the value there.
    pub fn validated_struct<E: Into<crate::Invalid>>(
        &mut self,
        table: &Table,
        schema: &'static Schema,
        verdict: Result<(), E>,
    ) {
        let Err(invalid) = verdict else {
            return;
        };
        let invalid: crate::Invalid = invalid.into();
        for (key, message) in invalid.findings() {
            let key = &file_keys(schema, key);
            let path = match (self.path.is_empty(), key.is_empty()) {
                (_, true) => self.path.clone(),
                (true, false) => key.clone(),
                (false, false) => format!("{}.{key}", self.path),
            };
            let mut problem = Problem::new(ProblemKind::Validation, message.clone()).with_key(path);
            let value = match key.split_once('.') {
                _ if key.is_empty() => None,
                None => table.get(key.as_str()),
                Some((head, rest)) => table.get(head).and_then(|v| v.get(rest)),
            };
            if let Some(value) = value {
                // Secrets lose the snippet where every problem does (redact).
                problem.snippet = self.snippet(&value.origin, false);
                problem.origin = Some(value.origin.clone());
            }
            self.report(problem);
        }
    }

    pub(super) fn missing(&mut self, field: &'static Field) {
        let ways = self.naming.ways_to_set(
            &self.path,
            self.names.as_deref().unwrap_or(&self.path),
            field,
            self.in_list == 0,
            self.in_list + self.in_map == 0,
        );
        let problem = Problem::new(ProblemKind::Missing, "missing required value")
            .with_key(self.path.clone())
            .with_help(format!("set it with {ways}"));
        self.report(problem);
    }

    pub(super) fn type_problem(
        &mut self,
        e: DeError,
        value: Option<&Value>,
        field: &'static Field,
    ) {
        let sub = e.sub_path();
        let mut key = self.path.clone();
        if !sub.is_empty() {
            key.push('.');
            key.push_str(&sub);
        }
        let origin = e
            .origin
            .as_deref()
            .cloned()
            .or_else(|| value.map(|v| v.origin.clone()));
        let message = crate::redact::type_message(field, pointer_sized(field.ty, e.message));
        // The field's own value keeps its extent; an item inside it (a list
        // element) is placed by its origin.
        let snippet = match value {
            Some(v) if origin.as_ref() == Some(&v.origin) => self.snippet_of(v, field.secret),
            _ => origin.as_ref().and_then(|o| self.snippet(o, field.secret)),
        };
        let mut problem = Problem::new(e.kind, message)
            .with_key(key)
            .with_snippet(snippet);
        problem.origin = origin;
        self.report(problem);
    }
}

/// Whether a type is a fixed-size array (`[u16; 3]`), maybe optional.
fn is_array(ty: &str) -> bool {
    let ty = ty.trim();
    let ty = ty
        .strip_prefix("Option<")
        .and_then(|t| t.strip_suffix('>'))
        .unwrap_or(ty);
    ty.trim_start().starts_with('[')
}

/// serde reads `usize` and `isize` as `u64` and `i64`, so a message about
/// one names the other: said with the field's own type.
fn pointer_sized(ty: &str, message: String) -> String {
    let (own, read_as) = match (ty.contains("usize"), ty.contains("isize")) {
        (true, _) if !ty.contains("u64") => ("usize", "u64"),
        (_, true) if !ty.contains("i64") => ("isize", "i64"),
        _ => return message,
    };
    message
        .replace(&format!("({read_as})"), &format!("({own})"))
        .replace(&format!("for {read_as} ("), &format!("for {own} ("))
}

/// A leaf that no layer set and that is not required: `None` for an
/// `Option`, empty for a collection.
pub(super) fn absent<T: DeserializeOwned>(field: &Field) -> Result<T, DeError> {
    match field.kind {
        FieldKind::Leaf {
            optional: false,
            shape: Shape::List,
        } => de::from_value(&Value::new(Kind::Array(Vec::new()), Origin::Default)),
        FieldKind::Leaf {
            optional: false,
            shape: Shape::Map,
        } => de::from_value(&Value::table(Origin::Default)),
        _ => de::from_nothing::<T>(),
    }
}
