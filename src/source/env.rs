//! The environment layer, directed by the schema in the manner of Go's
//! envconfig: every leaf field has one variable name, so names resolve
//! exactly and unknown `<PREFIX>*` variables can be reported.
//!
//! The names depend only on the schema and the builder's naming rules, so
//! they are worked out once per builder (the plan); a load then reads only
//! the variables under the prefix, plus the few exact names outside it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use super::file::read;
use super::{Env, LoadCtx, Source};
use crate::error::{Problem, ProblemKind};
use crate::naming::EnvNaming;
use crate::origin::Origin;
use crate::schema::Schema;
use crate::value::{Kind, Value};
use crate::Unknown;

/// The environment as a layer ([`Builder::env`](crate::Builder::env)).
#[derive(Debug, Default)]
pub struct EnvLayer {
    plan: OnceLock<Plan>,
}

/// Every variable a schema reads under one set of naming rules.
#[derive(Debug)]
struct Plan {
    /// One per leaf field: its key path and variable.
    fields: Vec<(String, String)>,
    /// Variable name (and its `_FILE` form) to field index and whether it is
    /// the `_FILE` form.
    by_var: HashMap<String, (usize, bool)>,
    /// Fields with an exact name outside the prefix, looked up one by one.
    outside: Vec<usize>,
    /// Names two fields would share: reported on every load.
    collisions: Vec<Problem>,
    /// `<PREFIX>CONFIG`, which names a file for discovery, not a field.
    config_var: String,
}

impl Plan {
    fn new(schema: &'static Schema, naming: &EnvNaming) -> Plan {
        let mut plan = Plan {
            fields: Vec::new(),
            by_var: HashMap::new(),
            outside: Vec::new(),
            collisions: Vec::new(),
            config_var: format!("{}CONFIG", naming.prefix),
        };
        schema.walk(&mut |path, field| {
            let var = naming.var(path, field);
            if let Some(&(other, _)) = plan.by_var.get(&var) {
                let other = &plan.fields[other].0;
                plan.collisions.push(
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
            let index = plan.fields.len();
            if naming.prefix.is_empty() || !var.starts_with(&naming.prefix) {
                plan.outside.push(index);
            }
            plan.by_var.insert(format!("{var}_FILE"), (index, true));
            plan.by_var.insert(var.clone(), (index, false));
            plan.fields.push((path.to_owned(), var));
        });
        plan
    }
}

/// What the environment holds for one field.
#[derive(Default, Clone, Copy)]
struct Found<'e> {
    value: Option<&'e str>,
    file: Option<&'e str>,
}

impl Source for EnvLayer {
    fn describe(&self) -> String {
        "environment".to_owned()
    }

    fn load(&self, ctx: &mut LoadCtx<'_>) -> Result<Option<Value>, Vec<Problem>> {
        let Some(naming) = ctx.naming.env.as_ref() else {
            return Ok(None);
        };
        let plan = self.plan.get_or_init(|| Plan::new(ctx.schema, naming));
        let env: Arc<Env> = ctx.env_arc().clone();
        let mut problems = plan.collisions.clone();
        let mut warnings = Vec::new();
        let mut found = vec![Found::default(); plan.fields.len()];

        if !naming.prefix.is_empty() {
            for (var, value) in env.with_prefix(&naming.prefix) {
                match plan.by_var.get(var) {
                    Some(&(i, false)) => found[i].value = Some(value),
                    Some(&(i, true)) => found[i].file = Some(value),
                    None if var == plan.config_var || naming.unknown == Unknown::Ignore => {}
                    None => {
                        let problem = unknown(var, plan);
                        match naming.unknown {
                            Unknown::Error => problems.push(problem),
                            _ => warnings.push(problem),
                        }
                    }
                }
            }
        }
        for &i in &plan.outside {
            let var = &plan.fields[i].1;
            found[i].value = env.get(var);
            found[i].file = env.get(&format!("{var}_FILE"));
        }

        // Values that are not UTF-8 were kept aside by name (rarely any).
        for var in &env.invalid {
            match plan.by_var.get(var.as_str()) {
                Some(&(i, _)) => problems.push(
                    Problem::new(ProblemKind::Syntax, "the value is not valid UTF-8")
                        .with_key(&plan.fields[i].0)
                        .with_origin(Origin::Env { var: var.clone() }),
                ),
                None if !naming.prefix.is_empty()
                    && var.starts_with(&naming.prefix)
                    && *var != plan.config_var
                    && naming.unknown != Unknown::Ignore =>
                {
                    let problem = unknown(var, plan);
                    match naming.unknown {
                        Unknown::Error => problems.push(problem),
                        _ => warnings.push(problem),
                    }
                }
                None => {}
            }
        }

        let mut layer = Value::table(Origin::Default);
        let mut any = false;
        for (i, (path, var)) in plan.fields.iter().enumerate() {
            let Found { value, file } = found[i];
            let value = value.filter(|v| !(v.is_empty() && naming.empty_is_unset));
            let value = match (value, file.filter(|f| !f.is_empty())) {
                (Some(v), _) => {
                    Value::new(Kind::String(v.to_owned()), Origin::Env { var: var.clone() })
                }
                (None, Some(file)) => {
                    let file_var = format!("{var}_FILE");
                    match read_secret_file(Path::new(file), &file_var) {
                        Ok(text) => Value::new(
                            Kind::String(text),
                            Origin::EnvFile {
                                var: file_var,
                                path: PathBuf::from(file),
                            },
                        ),
                        Err(problem) => {
                            problems.push((*problem).with_key(path));
                            continue;
                        }
                    }
                }
                (None, None) => continue,
            };
            layer.insert_at(path, value);
            any = true;
        }
        ctx.problems.extend(problems);
        ctx.warnings.extend(warnings);
        Ok(any.then_some(layer))
    }
}

/// An unknown `<PREFIX>*` variable, with the closest known name.
fn unknown(var: &str, plan: &Plan) -> Problem {
    let mut problem = Problem::new(
        ProblemKind::Unknown,
        format!("unknown environment variable {var}"),
    )
    .with_origin(Origin::Env {
        var: var.to_owned(),
    });
    let known = plan.fields.iter().map(|(_, var)| var.as_str());
    if let Some(best) = crate::naming::suggest(var, known) {
        problem = problem.with_help(format!("did you mean {best}?"));
    }
    problem
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
