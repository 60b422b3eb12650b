//! The typed build: generated `Config::__build` code calls into `Ctx` for each
//! field, and `Ctx` collects every problem instead of stopping at the first.

use std::fmt::Display;

use serde::de::DeserializeOwned;

use crate::de::{self, DeError};
use crate::error::{Problem, ProblemKind};
use crate::naming::Naming;
use crate::origin::Origin;
use crate::schema::{Field, Schema};
use crate::snippet::{Indexed, Snippet};
use crate::source::Texts;
use crate::value::{Table, Value};
use crate::{Config, Unknown};

static EMPTY: Table = Table::new();

/// The state of one build. Used by code that `#[derive(Config)]` generates;
/// not part of the stable API.
pub struct Ctx<'a> {
    pub(crate) problems: Vec<Problem>,
    pub(crate) warnings: Vec<Problem>,
    path: String,
    unknown: Unknown,
    texts: &'a Texts,
    naming: &'a Naming,
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(unknown: Unknown, texts: &'a Texts, naming: &'a Naming) -> Self {
        Ctx {
            problems: Vec::new(),
            warnings: Vec::new(),
            path: String::new(),
            unknown,
            texts,
            naming,
        }
    }

    fn push(&mut self, key: &str) -> usize {
        let len = self.path.len();
        if !self.path.is_empty() {
            self.path.push('.');
        }
        self.path.push_str(key);
        len
    }

    fn snippet(&self, origin: &Origin, secret: bool) -> Option<Snippet> {
        if secret {
            return None;
        }
        let (path, line, column) = origin.file_position()?;
        self.texts.get(path)?.snippet_at(line, column)
    }

    /// The table a struct is built from: empty when nothing set it, `None`
    /// (with a problem) when something that is not a table did.
    pub fn table<'v>(&mut self, node: Option<&'v Value>) -> Option<&'v Table> {
        match node {
            None => Some(&EMPTY),
            Some(v) => match v.as_table() {
                Some(t) => Some(t),
                None => {
                    let problem = Problem::new(
                        ProblemKind::Type,
                        format!("expected a table, found {}", v.type_name()),
                    )
                    .with_key(self.path.clone())
                    .with_snippet(self.snippet(&v.origin, false))
                    .with_origin(v.origin.clone());
                    self.problems.push(problem);
                    None
                }
            },
        }
    }

    /// Builds a leaf field from its key in `table`.
    pub fn leaf<T: DeserializeOwned>(&mut self, table: &Table, field: &'static Field) -> Option<T> {
        let len = self.push(field.key);
        let result = match table.get(field.key) {
            Some(value) => de::from_value::<T>(value).map_err(|e| (e, Some(value))),
            None if field.required => {
                self.missing(field);
                self.path.truncate(len);
                return None;
            }
            None => de::from_nothing::<T>().map_err(|e| (e, None)),
        };
        let out = match result {
            Ok(v) => Some(v),
            Err((e, value)) => {
                self.type_problem(e, value, field);
                None
            }
        };
        self.path.truncate(len);
        out
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
                let len = self.push(field.key);
                let value = table.get(field.key);
                // type_problem hides the message for secret fields.
                let message = format!("invalid value {text:?}: {e}");
                let e = DeError {
                    message,
                    origin: None,
                    path: Vec::new(),
                };
                self.type_problem(e, value, field);
                self.path.truncate(len);
                None
            }
        }
    }

    /// Builds a `#[config(nested)]` field.
    pub fn nested<T: Config>(&mut self, table: &Table, field: &'static Field) -> Option<T> {
        let len = self.push(field.key);
        let out = T::__build(table.get(field.key), self);
        self.path.truncate(len);
        out
    }

    /// Records a field validator's verdict.
    pub fn validated<E: Display>(
        &mut self,
        table: &Table,
        field: &'static Field,
        verdict: Result<(), E>,
    ) {
        if let Err(e) = verdict {
            let len = self.push(field.key);
            let origin = table.get(field.key).map(|v| v.origin.clone());
            let snippet = origin.as_ref().and_then(|o| self.snippet(o, field.secret));
            let mut problem = Problem::new(ProblemKind::Validation, e.to_string())
                .with_key(self.path.clone())
                .with_snippet(snippet);
            problem.origin = origin;
            self.problems.push(problem);
            self.path.truncate(len);
        }
    }

    /// Records a struct validator's verdict (`#[config(validate = ..)]` on the
    /// struct).
    pub fn validated_struct<E: Display>(&mut self, verdict: Result<(), E>) {
        if let Err(e) = verdict {
            let problem =
                Problem::new(ProblemKind::Validation, e.to_string()).with_key(self.path.clone());
            self.problems.push(problem);
        }
    }

    /// Reports keys of `table` that `schema` does not have.
    pub fn unknown_keys(&mut self, table: &Table, schema: &'static Schema) {
        if self.unknown == Unknown::Ignore {
            return;
        }
        for (key, value) in table {
            if schema.fields.iter().any(|f| f.key == key && !f.skip) {
                continue;
            }
            let len = self.push(key);
            let known = schema.fields.iter().filter(|f| !f.skip).map(|f| f.key);
            let best = crate::naming::suggest(key, known);
            // A misspelt secret (`passwrd = ..`) holds the secret: its line
            // is not quoted.
            let secret = best.and_then(|b| schema.field(b)).is_some_and(|f| f.secret);
            let text = value
                .origin
                .file_position()
                .and_then(|(path, _, _)| self.texts.get(path));
            let (origin, snippet) = at_key(&value.origin, text, key, secret);
            let mut problem = Problem::new(ProblemKind::Unknown, "unknown key")
                .with_key(self.path.clone())
                .with_snippet(snippet)
                .with_origin(origin);
            if let Some(best) = best {
                problem = problem.with_help(format!("did you mean `{best}`?"));
            }
            match self.unknown {
                Unknown::Error => self.problems.push(problem),
                _ => self.warnings.push(problem),
            }
            self.path.truncate(len);
        }
    }

    fn missing(&mut self, field: &'static Field) {
        let ways = self.naming.ways_to_set(&self.path, field);
        let problem = Problem::new(ProblemKind::Missing, "missing required value")
            .with_key(self.path.clone())
            .with_help(format!("set it with {ways}"));
        self.problems.push(problem);
    }

    fn type_problem(&mut self, e: DeError, value: Option<&Value>, field: &'static Field) {
        let sub = e.sub_path();
        let mut key = self.path.clone();
        if !sub.is_empty() {
            key.push('.');
            key.push_str(&sub);
        }
        let origin = e.origin.clone().or_else(|| value.map(|v| v.origin.clone()));
        let message = crate::redact::type_message(field, e.message);
        let snippet = origin.as_ref().and_then(|o| self.snippet(o, field.secret));
        let mut problem = Problem::new(ProblemKind::Type, message)
            .with_key(key)
            .with_snippet(snippet);
        problem.origin = origin;
        self.problems.push(problem);
    }
}

/// Moves an unknown key's position from its value to the key itself, when
/// the key stands before the value on the same line (`hots = 1`,
/// `"hots": 1`): the key is what is wrong.
fn at_key(
    origin: &Origin,
    text: Option<&Indexed>,
    key: &str,
    secret: bool,
) -> (Origin, Option<Snippet>) {
    let (Some(text), Origin::File { path, line, column }) = (text, origin) else {
        return (origin.clone(), None);
    };
    let snippet = (!secret).then(|| text.snippet_at(*line, *column)).flatten();
    let line_text = text.line(*line);
    let before: String = line_text.chars().take(column - 1).collect();
    let found = before.rfind(key).filter(|&at| {
        let prev = before[..at].chars().next_back();
        let next = before[at + key.len()..].chars().next();
        !prev.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '-')
            && !next.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '-')
    });
    let Some(at) = found else {
        return (origin.clone(), snippet);
    };
    let key_column = before[..at].chars().count() + 1;
    let moved = Origin::File {
        path: path.clone(),
        line: *line,
        column: key_column,
    };
    let snippet = snippet.map(|_| Snippet::new(*line, key_column, line_text, key.chars().count()));
    (moved, snippet)
}
