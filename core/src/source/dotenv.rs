//! `.env` files: `KEY=VALUE` lines read as an environment layer, with the
//! names and conversions of the environment and origins naming the line.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use super::{read, Env, LoadCtx, Sink, Source, Vars};
use crate::error::{Problem, ProblemKind};
use crate::load::Unknown;
use crate::naming::EnvNaming;
use crate::origin::Origin;
use crate::value::Value;

/// A `.env` file as an environment layer:
/// [`Builder::dotenv`](crate::Builder::dotenv) and
/// [`Builder::optional_dotenv`](crate::Builder::optional_dotenv).
///
/// The file is read in the usual dotenv syntax (`KEY=VALUE`, single and
/// double quotes, `export KEY=VALUE`, `#` comments, values over several
/// lines in quotes, `$NAME` and `${NAME}` in unquoted and double-quoted
/// values), as the `dotenvy` crate reads it. Its variables are read like the
/// environment's: the stack's prefix and separator (`MYAPP_DB_HOST`), exact
/// names from `#[config(env = "..")]`, `_FILE` variables, conversion by the
/// field's type; a variable outside the prefix is ignored, as the process
/// environment's would be, and an unknown one under the prefix is an error.
/// Origins name the file and line (`.env:3:12`). Relative paths in it (of
/// `#[config(path)]` fields, and the files `_FILE` variables name) are
/// resolved against the file's directory, as in any configuration file.
///
/// It never writes into the process environment. A variable set twice is a
/// warning, the later winning. Problems never quote the file's text, since
/// a `.env` file usually holds secrets.
#[derive(Clone, Debug)]
pub struct Dotenv {
    path: PathBuf,
    optional: bool,
    unknown: Unknown,
}

impl Dotenv {
    /// A `.env` file that must exist.
    pub fn required(path: impl Into<PathBuf>) -> Dotenv {
        Dotenv {
            path: path.into(),
            optional: false,
            unknown: Unknown::Error,
        }
    }

    /// A `.env` file that may be missing; if it exists it must be readable
    /// and valid.
    pub fn optional(path: impl Into<PathBuf>) -> Dotenv {
        Dotenv {
            path: path.into(),
            optional: true,
            unknown: Unknown::Error,
        }
    }

    /// What to do with `<PREFIX>*` variables in the file that name no
    /// field. Default: [`Unknown::Error`](crate::Unknown::Error), whatever the environment layer's
    /// setting: the file is a layer of its own.
    pub fn unknown(mut self, unknown: Unknown) -> Dotenv {
        self.unknown = unknown;
        self
    }
}

/// A variable of the file and where its value starts.
struct Entry {
    name: String,
    value: String,
    line: usize,
    column: usize,
}

impl Source for Dotenv {
    fn describe(&self) -> String {
        let optional = if self.optional { " if it exists" } else { "" };
        format!("dotenv file {}{optional}", self.path.display())
    }

    fn load(&self, ctx: &mut LoadCtx<'_>) -> Result<Option<Value>, Vec<Problem>> {
        let path: Arc<Path> = Arc::from(self.path.as_path());
        let Some(text) = read(&path, self.optional)? else {
            return Ok(None);
        };
        let (entries, problems) = parse(&path, &text);
        ctx.sink.problems.extend(problems);

        let mut at: HashMap<&str, (usize, usize)> = HashMap::new();
        for entry in &entries {
            if let Some((first, _)) = at.insert(&entry.name, (entry.line, entry.column)) {
                ctx.warning(
                    Problem::new(
                        ProblemKind::Source,
                        format!(
                            "{} is set again (first on line {first}); the later value wins",
                            entry.name
                        ),
                    )
                    .with_origin(file_origin(&path, entry.line, entry.column)),
                );
            }
        }

        // The file's variables, read by an environment layer named as the
        // stack names its variables.
        let naming = ctx
            .naming
            .env
            .clone()
            .or_else(|| ctx.naming.builder_env.clone())
            .unwrap_or_else(|| EnvNaming::new(ctx.schema.name, "_"));
        // Which files a load reads is planned before this layer reads its
        // file, so `<PREFIX>CONFIG` here would name a file no load reads;
        // unless it is a field's variable, which it then sets.
        let config_var = super::config_var(&naming)
            .filter(|var| super::field_of(ctx.schema, &naming, var).is_none());
        let named_config = |e: &&Entry| config_var.as_ref() == Some(&e.name);
        for entry in entries.iter().filter(named_config) {
            let var = &entry.name;
            ctx.warning(
                Problem::new(
                    ProblemKind::Unknown,
                    format!("{var} in a .env file names no file to read; ignored"),
                )
                .with_origin(file_origin(&path, entry.line, entry.column))
                .with_help(format!(
                    "set {var} in the environment, or give the file with --config"
                )),
            );
        }
        let vars = entries
            .iter()
            .map(|e| (e.name.clone(), e.value.clone()))
            .collect::<Vec<_>>();
        let mut env = Env::prefixed(naming.prefix)
            .separator(naming.sep)
            .unknown(self.unknown)
            .vars(vars);
        env.collisions = ctx.naming.env.is_none();
        env.base = path.parent().map(Path::to_path_buf);
        let mut sink = Sink::default();
        let layer = {
            let vars = OnceLock::from(Arc::new(Vars::default()));
            let mut env_ctx = LoadCtx {
                schema: ctx.schema,
                vars: &vars,
                below: ctx.below,
                sink: &mut sink,
                naming: ctx.naming,
            };
            env.load(&mut env_ctx)
        };

        let line_of = |origin: &Origin| match origin {
            Origin::Env { var } => at
                .get(var.as_str())
                .map(|&(line, column)| file_origin(&path, line, column)),
            _ => None,
        };
        for problem in sink.problems.iter_mut().chain(sink.warnings.iter_mut()) {
            if let Some(origin) = problem.origin.as_ref().and_then(line_of) {
                problem.origin = Some(origin);
            }
            problem.message = problem.message.replace("environment variable", "variable");
        }
        ctx.sink.problems.append(&mut sink.problems);
        ctx.sink.warnings.append(&mut sink.warnings);
        let mut layer = layer?;
        if let Some(layer) = &mut layer {
            layer.map_origins(&line_of);
        }
        Ok(layer)
    }

    fn watch_paths(&self) -> Vec<PathBuf> {
        vec![self.path.clone()]
    }
}

fn file_origin(path: &Arc<Path>, line: usize, column: usize) -> Origin {
    Origin::File {
        path: path.clone(),
        line,
        column,
    }
}

/// The variables of a dotenv text, in order, with the line and column of
/// each, and a problem for each line that is not valid.
fn parse(path: &Arc<Path>, text: &str) -> (Vec<Entry>, Vec<Problem>) {
    // A byte-order mark, as an editor on Windows writes, is not a name.
    let text = crate::format::without_bom(text).unwrap_or(text);
    let lines: Vec<&str> = text.lines().collect();
    // dotenvy yields variables and errors in file order without positions;
    // each is found by scanning forward from the last one found.
    let mut next_line = 0;
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    for item in dotenvy::from_read_iter(text.as_bytes()) {
        match item {
            Ok((name, value)) => {
                let found = (next_line..lines.len())
                    .find_map(|i| assignment_column(lines[i], &name).map(|column| (i, column)));
                let (index, column) = found.unwrap_or((next_line, 1));
                // A quoted value may span lines: the next entry starts after
                // the lines of this one.
                next_line = index + 1 + value.matches('\n').count();
                entries.push(Entry {
                    name,
                    value,
                    line: index + 1,
                    column,
                });
            }
            Err(dotenvy::Error::LineParse(logical, at)) => {
                let first = logical.lines().next().unwrap_or("").trim_end();
                let index = (next_line..lines.len())
                    .find(|&i| !first.is_empty() && lines[i].starts_with(first))
                    .unwrap_or(next_line);
                next_line = index + logical.trim_end().lines().count().max(1);
                let trimmed = logical.trim_end();
                let (message, column) = if !trimmed.contains('=') {
                    ("a line without `=`: expected `NAME=VALUE`".to_owned(), 1)
                } else if at >= trimmed.len() && trimmed.contains(['"', '\'']) {
                    let column = trimmed.find(['"', '\'']).map_or(1, |c| c + 1);
                    (
                        "a quoted value is not closed before the end of the file".to_owned(),
                        column,
                    )
                } else {
                    let before = &logical[..at.min(logical.len())];
                    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
                    ("invalid dotenv syntax".to_owned(), column)
                };
                problems.push(
                    Problem::new(ProblemKind::Syntax, message).with_origin(file_origin(
                        path,
                        index + 1,
                        column,
                    )),
                );
            }
            Err(other) => problems.push(Problem::new(
                ProblemKind::Io,
                format!("cannot read {}: {other}", path.display()),
            )),
        }
    }
    (entries, problems)
}

/// The 1-based column where the value of `name` starts, when `line` assigns
/// it (`NAME=`, `export NAME =`).
fn assignment_column(line: &str, name: &str) -> Option<usize> {
    let body = line.trim_start();
    let body = match body.strip_prefix("export") {
        Some(rest) if rest.starts_with([' ', '\t']) => rest.trim_start(),
        _ => body,
    };
    let rest = body.strip_prefix(name)?.trim_start().strip_prefix('=')?;
    let value = rest.trim_start();
    Some(line[..line.len() - value.len()].chars().count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_column_is_where_the_value_starts() {
        assert_eq!(assignment_column("A=1", "A"), Some(3));
        assert_eq!(assignment_column("  export A = 'x'", "A"), Some(14));
        assert_eq!(assignment_column("AB=1", "A"), None);
        assert_eq!(assignment_column("exportA=1", "exportA"), Some(9));
    }
}
