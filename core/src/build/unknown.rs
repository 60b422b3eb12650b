//! Keys a table has and its schema does not: reported in the order their
//! text has them, each source's first 49 listed, then one problem that
//! counts the rest from the first of them.

use super::ctx::{Ctx, MAX_SCRIPT_PROBLEMS};
use super::sections::other_variant;
use crate::error::{Problem, ProblemKind};
use crate::naming::{self, MAX_UNKNOWN};
use crate::origin::Origin;
use crate::schema::Schema;
use crate::snippet::{Indexed, Snippet};
use crate::value::{Table, Value};
use crate::Unknown;

/// The unknown keys of one source (a file, a script, a remote store).
pub(super) struct Unknowns {
    /// The origin of the first, which stands for the source.
    first: Origin,
    count: usize,
    /// Where the first key that is not listed is (the earliest in the
    /// text), where in the list of problems the one that says how many
    /// more goes (after the last listed), and the key's place in the text.
    unlisted: Option<(Origin, usize, (usize, usize))>,
}

impl Ctx<'_> {
    /// Reports keys of `table` that `schema` does not have.
    pub fn unknown_keys(&mut self, table: &Table, schema: &'static Schema) {
        if self.unknown == Unknown::Ignore {
            return;
        }
        // In a variant's struct, or a unit variant: the enum around it.
        let enum_schema = match self.variant {
            Some((len, outer)) if len == self.path.len() => Some(outer),
            _ => schema.tag().map(|_| schema),
        };
        let tag = enum_schema.and_then(Schema::tag).map(|(tag, _)| tag.key);
        let mut found: Vec<(&String, &Value)> = Vec::new();
        for (key, value) in table {
            if schema
                .fields
                .iter()
                .any(|f| f.key == key && !f.is_skipped())
            {
                continue;
            }
            // The tag of an enum section; `$schema`, which editors read in a
            // JSON file's root object.
            if tag == Some(key.as_str()) || (self.path.is_empty() && key == "$schema") {
                continue;
            }
            found.push((key, value));
        }
        // Each source's in the order they were written, so that the ones
        // listed before the cap are the first of its text, and what is left
        // is below them.
        let mut sources: Vec<&Origin> = Vec::new();
        found.sort_by_cached_key(|(_, value)| {
            let source = match sources.iter().position(|o| same_source(o, &value.origin)) {
                Some(at) => at,
                None => {
                    sources.push(&value.origin);
                    sources.len() - 1
                }
            };
            (source, written_at(value))
        });
        for (key, value) in found {
            if !self.count_unknown(value, key) {
                continue;
            }
            let len = self.push(key, key);
            let known = schema
                .fields
                .iter()
                .filter(|f| !f.is_skipped())
                .map(|f| f.key);
            let best = naming::suggest(key, known);
            // A misspelt secret (`passwrd = ..`) holds the secret: its line
            // is not quoted.
            let secret = best.and_then(|b| schema.field(b)).is_some_and(|f| f.secret);
            let text = self.texts.of(&value.origin);
            let (origin, snippet) = at_key(value, text, key, secret);
            let mut problem = Problem::new(ProblemKind::Unknown, "unknown key")
                .with_key(crate::text::bounded(self.path.clone()))
                .with_snippet(snippet)
                .with_origin(origin);
            let elsewhere = enum_schema.and_then(|e| other_variant(e, table, key));
            if let Some((tag, variant)) = elsewhere {
                problem = problem.with_help(format!(
                    "`{key}` is a key of the variant `{tag} = \"{variant}\"`"
                ));
            } else if let Some(best) = best {
                problem = problem.with_help(format!("did you mean `{best}`?"));
            }
            self.report_unknown(problem);
            self.pop(len);
        }
    }

    /// Counts an unknown key against its source's cap: `false` once the
    /// source has had its share of problems, and then the key's place is
    /// kept for the one that says how many more there are.
    fn count_unknown(&mut self, value: &Value, key: &str) -> bool {
        let at = self
            .unknowns
            .iter()
            .position(|u| same_source(&u.first, &value.origin));
        let Some(at) = at else {
            self.unknowns.push(Unknowns {
                first: value.origin.clone(),
                count: 1,
                unlisted: None,
            });
            return true;
        };
        let unknowns = &mut self.unknowns[at];
        unknowns.count += 1;
        if unknowns.count < MAX_UNKNOWN {
            return true;
        }
        // The first of those not listed, in the order of the text, where the
        // one that says how many more there are points.
        let earlier = match &unknowns.unlisted {
            Some((_, _, at)) => written_at(value) < *at,
            None => true,
        };
        if earlier {
            let text = self.texts.of(&value.origin);
            let listed = match (&unknowns.unlisted, self.unknown) {
                (Some((_, listed, _)), _) => *listed,
                (None, Unknown::Error) => self.problems.len(),
                (None, _) => self.warnings.len(),
            };
            let origin = at_key(value, text, key, true).0;
            unknowns.unlisted = Some((origin, listed, written_at(value)));
        }
        false
    }

    fn report_unknown(&mut self, problem: Problem) {
        self.unknown_list().push(problem);
    }

    /// Where unknown keys go: problems, or warnings.
    fn unknown_list(&mut self) -> &mut Vec<Problem> {
        match self.unknown {
            Unknown::Error => &mut self.problems,
            _ => &mut self.warnings,
        }
    }

    /// The problems and warnings of the build, with, for each source that
    /// had more unknown keys than are listed, how many more.
    pub(crate) fn finish(mut self) -> (Vec<Problem>, Vec<Problem>) {
        let mut unlisted: Vec<_> = std::mem::take(&mut self.unknowns)
            .into_iter()
            .filter_map(|u| u.unlisted.map(|(origin, at, _)| (at, u.count, origin)))
            .collect();
        // From the last place back, so that each insertion leaves the
        // places before it as they were.
        unlisted.sort_by_key(|(at, ..)| *at);
        for (at, count, origin) in unlisted.into_iter().rev() {
            let more = count - (MAX_UNKNOWN - 1);
            let problem = naming::unlisted(more, "keys", Some(origin));
            self.unknown_list().insert(at, problem);
        }
        for (script, count) in std::mem::take(&mut self.by_script) {
            if let Some(more) = count.checked_sub(MAX_SCRIPT_PROBLEMS).filter(|&n| n > 0) {
                let s = if more == 1 { "" } else { "s" };
                self.problems.push(
                    Problem::new(
                        ProblemKind::Type,
                        format!(
                            "and {more} more problem{s} with the values this script set (only \
                             the first {MAX_SCRIPT_PROBLEMS} are listed)"
                        ),
                    )
                    .with_origin(Origin::Lua { script, line: None }),
                );
            }
        }
        (self.problems, self.warnings)
    }
}

/// Where a value's key was written in its text, line then column: `(0, 0)`
/// for a value of no text (env, flags), which keeps the order of names.
fn written_at(value: &Value) -> (usize, usize) {
    match (&value.origin, value.span.key) {
        (_, Some((line, column, _))) => (line as usize, column as usize),
        (Origin::File { line, column, .. }, None) => (*line, *column),
        (Origin::Lua { line, .. }, None) => (line.unwrap_or(0), 0),
        _ => (0, 0),
    }
}

/// Whether two origins are places in the same source: one file, one
/// script, one remote store, or the environment, the command line...
fn same_source(a: &Origin, b: &Origin) -> bool {
    match (a, b) {
        (Origin::File { path: a, .. }, Origin::File { path: b, .. }) => a == b,
        (Origin::Lua { script: a, .. }, Origin::Lua { script: b, .. }) => a == b,
        (Origin::Remote { source: a, .. }, Origin::Remote { source: b, .. }) => a == b,
        _ => std::mem::discriminant(a) == std::mem::discriminant(b),
    }
}

/// Moves an unknown key's position from its value to the key itself, when
/// the key stands before the value on the same line (`hots = 1`,
/// `"hots": 1`): the key is what is wrong.
fn at_key(
    value: &Value,
    text: Option<&Indexed>,
    key: &str,
    secret: bool,
) -> (Origin, Option<Snippet>) {
    let origin = &value.origin;
    let (Some(text), Origin::File { path, line, column }) = (text, origin) else {
        // Where the parser saw the key, also in a text the load does not
        // hold (a source's own, parsed with `format::parse`): no snippet.
        if let (Origin::File { path, .. }, Some((line, column, _))) = (origin, value.span.key) {
            let origin = Origin::File {
                path: path.clone(),
                line: line as usize,
                column: column as usize,
            };
            return (origin, None);
        }
        let mut origin = origin.clone();
        if secret {
            // A misspelt secret map's store key names its entries.
            crate::redact::mask_entries(value, &mut origin);
        }
        return (origin, None);
    };
    let moved = |line: usize, column: usize| Origin::File {
        path: path.clone(),
        line,
        column,
    };
    // Where the parser saw the key.
    if let Some((line, column, width)) = value.span.key {
        let (line, column) = (line as usize, column as usize);
        let snippet = (!secret)
            .then(|| text.snippet_with(line, column, width as usize))
            .flatten();
        return (moved(line, column), snippet);
    }
    // Otherwise (a source that keeps no key positions), the key before the
    // value on its line.
    let snippet = (!secret).then(|| text.snippet_at(*line, *column)).flatten();
    let Some((line_text, value_at)) = text.at(*line, *column) else {
        return (origin.clone(), snippet);
    };
    let before = &line_text[..value_at];
    let found = before.rfind(key).filter(|&at| {
        let prev = before[..at].chars().next_back();
        let next = before[at + key.len()..].chars().next();
        !prev.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '-')
            && !next.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '-')
    });
    let Some(at) = found else {
        return (origin.clone(), snippet);
    };
    let key_column = column.saturating_sub(before[at..].chars().count()).max(1);
    let snippet = snippet.map(|_| Snippet::new(*line, line_text, at, key.chars().count()));
    (moved(*line, key_column), snippet)
}
