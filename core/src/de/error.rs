//! `DeError`: what one field's deserialization found wrong, and where.

use std::fmt;

use serde_core::de::{self};

use crate::error::ProblemKind;
use crate::origin::Origin;

/// The error of one field's deserialization: the message, the origin of the
/// innermost value it concerns and the path below the field.
#[derive(Debug)]
pub(crate) struct DeError {
    pub(crate) message: String,
    /// Boxed: an error is rare, and a small `Result` keeps every
    /// deserialization call cheap.
    pub(crate) origin: Option<Box<Origin>>,
    /// Segments below the field, innermost first.
    pub(crate) path: Vec<String>,
    /// `Type`, but for inline JSON nested past the limit (`TooDeep`).
    pub(crate) kind: ProblemKind,
}

impl DeError {
    /// The error of inline JSON in a text value: a value of the wrong
    /// type for the field, or nesting past the limit, as in a file.
    pub(super) fn inline(e: crate::format::InlineError) -> DeError {
        let kind = match e.kind {
            ProblemKind::TooDeep => ProblemKind::TooDeep,
            _ => ProblemKind::Type,
        };
        DeError {
            kind,
            ..de::Error::custom(e.message)
        }
    }

    pub(super) fn at(mut self, origin: &Origin) -> DeError {
        if self.origin.is_none() {
            self.origin = Some(Box::new(origin.clone()));
        }
        self
    }

    pub(super) fn under(mut self, segment: impl Into<String>) -> DeError {
        self.path.push(segment.into());
        self
    }

    /// The dotted path below the field (`""` when the field itself failed).
    pub(crate) fn sub_path(&self) -> String {
        let mut out = String::new();
        for seg in self.path.iter().rev() {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(seg);
        }
        out
    }
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError {
            message: crate::text::bounded(msg.to_string()),
            origin: None,
            path: Vec::new(),
            kind: ProblemKind::Type,
        }
    }
}
