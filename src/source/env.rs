//! The environment layer, directed by the schema in the manner of Go's
//! envconfig: every leaf field has one variable name, so names resolve
//! exactly and unknown `<PREFIX>*` variables can be reported.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::file::read;
use super::{LoadCtx, Source};
use crate::error::{Problem, ProblemKind};
use crate::origin::Origin;
use crate::value::{Kind, Value};
use crate::Unknown;

/// The environment as a layer ([`Builder::env`](crate::Builder::env)).
#[derive(Clone, Copy, Debug, Default)]
pub struct EnvLayer;

impl Source for EnvLayer {
    fn describe(&self) -> String {
        "environment".to_owned()
    }

    fn load(&self, ctx: &mut LoadCtx<'_>) -> Result<Option<Value>, Vec<Problem>> {
        let Some(naming) = ctx.naming.env.clone() else {
            return Ok(None);
        };
        let env = ctx.env().clone();
        let env = &env;
        let mut layer = Value::table(Origin::Default);
        let mut known = HashSet::new();
        let mut owners: HashMap<String, String> = HashMap::new();
        let mut problems = Vec::new();
        ctx.schema.walk(&mut |path, field| {
            let var = naming.var(path, field);
            if let Some(other) = owners.insert(var.clone(), path.to_owned()) {
                problems.push(
                    Problem::new(
                        ProblemKind::Source,
                        format!("environment variable {var} would set both `{other}` and `{path}`"),
                    )
                    .with_key(path)
                    .with_help(
                        "separate nested keys with `__` (Builder::env_double_underscore) or give \
                         one field its own name with #[config(env = \"..\")]",
                    ),
                );
                return;
            }
            if env.invalid.contains(&var) {
                problems.push(
                    Problem::new(ProblemKind::Syntax, "the value is not valid UTF-8")
                        .with_key(path)
                        .with_origin(Origin::Env { var: var.clone() }),
                );
            }
            let file_var = format!("{var}_FILE");
            let value = match env.get(&var) {
                Some(v) if !(v.is_empty() && naming.empty_is_unset) => Some(Value::new(
                    Kind::String(v.to_owned()),
                    Origin::Env { var: var.clone() },
                )),
                _ => match env.get(&file_var).filter(|p| !p.is_empty()) {
                    Some(file) => match read_secret_file(Path::new(file), &file_var) {
                        Ok(text) => Some(Value::new(
                            Kind::String(text),
                            Origin::EnvFile {
                                var: file_var.clone(),
                                path: PathBuf::from(file),
                            },
                        )),
                        Err(problem) => {
                            problems.push((*problem).with_key(path));
                            None
                        }
                    },
                    None => None,
                },
            };
            if let Some(value) = value {
                layer.insert_at(path, value);
            }
            known.insert(var);
            known.insert(file_var);
        });
        if !naming.prefix.is_empty() && naming.unknown != Unknown::Ignore {
            known.insert(format!("{}CONFIG", naming.prefix));
            let mut names: Vec<&str> = env
                .iter()
                .map(|(k, _)| k)
                .filter(|k| k.starts_with(&naming.prefix) && !known.contains(*k))
                .collect();
            names.sort_unstable();
            for name in names {
                let mut problem = Problem::new(
                    ProblemKind::Unknown,
                    format!("unknown environment variable {name}"),
                )
                .with_origin(Origin::Env {
                    var: name.to_owned(),
                });
                if let Some(best) = crate::naming::suggest(name, known.iter().map(String::as_str)) {
                    problem = problem.with_help(format!("did you mean {best}?"));
                }
                match naming.unknown {
                    Unknown::Error => problems.push(problem),
                    _ => ctx.warnings.push(problem),
                }
            }
        }
        ctx.problems.extend(problems);
        let empty = layer.as_table().is_none_or(|t| t.is_empty());
        Ok((!empty).then_some(layer))
    }
}

/// Reads a `_FILE` secret: the whole file, one trailing newline removed.
fn read_secret_file(path: &Path, var: &str) -> Result<String, Box<Problem>> {
    let arc: Arc<Path> = Arc::from(path);
    match read(&arc, false) {
        Ok(Some(text)) => {
            let text = text.strip_suffix('\n').unwrap_or(&text);
            Ok(text.strip_suffix('\r').unwrap_or(text).to_owned())
        }
        Ok(None) => Err(Box::new(Problem::new(
            ProblemKind::Io,
            format!("cannot read {}", path.display()),
        ))),
        Err(mut problems) => {
            let mut problem = problems.remove(0);
            problem.origin = Some(Origin::EnvFile {
                var: var.to_owned(),
                path: path.to_owned(),
            });
            // The file's content may be a secret: never quote a position in it.
            problem.snippet = None;
            Err(Box::new(problem))
        }
    }
}
