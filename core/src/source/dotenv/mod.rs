//! `.env` files: `KEY=VALUE` lines read as an environment layer, with the
//! names and conversions of the environment and origins naming the line.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use super::{read, Env, LoadCtx, Sink, Source, Vars};
use crate::error::{Problem, ProblemKind};
use crate::load::Unknown;
use crate::naming::EnvNaming;
use crate::origin::Origin;
use crate::value::Value;

mod syntax;

use syntax::Entry;

/// A `.env` file as an environment layer:
/// [`Builder::dotenv`](crate::Builder::dotenv) and
/// [`Builder::optional_dotenv`](crate::Builder::optional_dotenv).
///
/// The file is read in the usual dotenv syntax (`KEY=VALUE`, single and
/// double quotes, `export KEY=VALUE`, `#` comments, values over several
/// lines in quotes, `$NAME`, `${NAME}` and `${NAME:-default}` in unquoted
/// and double-quoted values). A substitution reads the builder's
/// environment (the pairs of [`env_from`](crate::Builder::env_from), or the
/// process's), then the file's earlier lines; a variable set in neither
/// reads as empty, with a warning at its place. Its variables are read like the
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
    /// The files its `_FILE` variables named at the last load, their
    /// substitutions made, for a watch to follow.
    named: Arc<Mutex<Vec<PathBuf>>>,
}

impl Dotenv {
    /// A `.env` file that must exist.
    pub fn required(path: impl Into<PathBuf>) -> Dotenv {
        Dotenv {
            path: path.into(),
            optional: false,
            unknown: Unknown::Error,
            named: Arc::default(),
        }
    }

    /// A `.env` file that may be missing; if it exists it must be readable
    /// and valid.
    pub fn optional(path: impl Into<PathBuf>) -> Dotenv {
        Dotenv {
            path: path.into(),
            optional: true,
            unknown: Unknown::Error,
            named: Arc::default(),
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
        // A byte-order mark, as an editor on Windows writes, is not a name.
        let text = crate::format::without_bom(&text).unwrap_or(&text);
        let (entries, faults) = syntax::parse(text, |name| ctx.env().get(name).map(str::to_owned));
        if let Ok(mut named) = self.named.lock() {
            *named = file_values(&path, &entries);
        }
        for fault in faults {
            ctx.problem(
                Problem::new(ProblemKind::Syntax, fault.message).with_origin(file_origin(
                    &path,
                    fault.line,
                    fault.column,
                )),
            );
        }
        for entry in &entries {
            for &(line, column) in &entry.unset {
                // The name is text of the file, which may be a secret's
                // (`pa$word`): the place says which it is.
                ctx.warning(
                    Problem::new(
                        ProblemKind::Source,
                        format!(
                            "the value of {} names a variable that is not set (in the \
                             environment or earlier in the file); it reads as empty",
                            entry.name
                        ),
                    )
                    .with_origin(file_origin(&path, line, column))
                    .with_help("write `\\$` or use single quotes for a `$` that is only a `$`"),
                );
            }
        }

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
        // A secret's value substituted into a variable that is not a
        // secret's would be shown wherever that one's value is: refused,
        // naming the two variables only.
        let schema = ctx.schema;
        let secret = |var: &str| !super::secret_keys(schema, &naming, var).is_empty();
        // A secret's own variable, or its `_FILE` form, may take anything.
        let own = |var: &str| secret(var) || var.strip_suffix("_FILE").is_some_and(secret);
        let mut copied = Vec::new();
        for entry in entries.iter().filter(|e| !own(&e.name)) {
            if let Some(read) = entry.reads.iter().find(|r| secret(r)) {
                copied.push(entry.name.clone());
                ctx.problem(
                    Problem::new(
                        ProblemKind::Source,
                        format!(
                            "{} takes the value of {read}, a secret field's variable, and is \
                             not secret itself (value hidden)",
                            entry.name
                        ),
                    )
                    .with_origin(file_origin(&path, entry.line, entry.column))
                    .with_help(format!("set {} to its own value", entry.name)),
                );
            }
        }
        let vars = entries
            .iter()
            .filter(|e| !copied.contains(&e.name))
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

    /// The file, and the files its `_FILE` variables name, so that a
    /// rotated secret file reloads as the `.env` file itself does.
    fn watch_paths(&self) -> Vec<PathBuf> {
        let mut paths = vec![self.path.clone()];
        if let Ok(named) = self.named.lock() {
            paths.extend(named.iter().cloned());
        }
        paths
    }
}

/// The files the `_FILE` variables of a `.env` file name, relative ones
/// against its directory.
fn file_values(path: &Path, entries: &[Entry]) -> Vec<PathBuf> {
    let dir = path.parent().unwrap_or(Path::new(""));
    entries
        .iter()
        .filter(|e| e.name.ends_with("_FILE") && !e.value.is_empty())
        .map(|e| dir.join(&e.value))
        .collect()
}

fn file_origin(path: &Arc<Path>, line: usize, column: usize) -> Origin {
    Origin::File {
        path: path.clone(),
        line,
        column,
    }
}
