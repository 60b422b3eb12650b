//! The load plan: what depends only on the builder, resolved once before
//! the first load and run by every load and watch reload. The environment
//! snapshot, the parsed command line, the files discovery stands for (each
//! an ordinary file layer), where `--config` goes, and the names other
//! messages need ("set it with MYAPP_PORT or --port").

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use crate::error::Exit;
use crate::naming::{EnvNaming, Naming};
use crate::schema::Schema;
use crate::source::{Credentials, Discover, Env, Source, Vars};

/// One entry of a builder's stack, as it was added.
pub(crate) enum Layer {
    /// The builder's environment layer, configured by `env_*` methods.
    Env,
    /// The builder's command-line layer, configured by `args` / `matches`.
    #[cfg(feature = "cli")]
    Cli,
    /// Files discovered for the app name, expanded when planning.
    Discover(Discover),
    /// systemd credentials, their directory looked up when planning.
    Credentials(Credentials),
    /// An environment layer beside the builder's (`.source(Env::..)` once
    /// there is one), with its own prefix.
    OtherEnv(Arc<crate::source::Env>),
    /// Any other source, as given.
    Source(Arc<dyn Source>),
}

/// A builder's stack, resolved.
pub(crate) struct Plan {
    /// The environment every source sees through `LoadCtx::env`: the env
    /// layer's own variables, or the process's, read on first use.
    pub(crate) vars: OnceLock<Arc<Vars>>,
    /// How keys are spelled as variables and flags in this stack.
    pub(crate) naming: Naming,
    /// The layers, lowest first: discovery expanded into files, `--config`
    /// in its place.
    pub(crate) layers: Vec<Arc<dyn Source>>,
    /// `--help` or `--version`: every load ends with it.
    pub(crate) exit: Option<Exit>,
    /// `--print-config`: a load ends with the configuration, in this form.
    pub(crate) print_config: Option<crate::print::Print>,
    /// `--check-config`: a good load ends with `configuration OK`.
    pub(crate) check_config: bool,
    /// Warnings about the stack itself, reported by every load.
    pub(crate) warnings: Vec<crate::error::Problem>,
    /// Mistakes in the stack itself, which fail every load.
    pub(crate) problems: Vec<crate::error::Problem>,
}

/// What a builder hands to planning.
pub(crate) struct Stack<'a> {
    pub(crate) schema: &'static Schema,
    pub(crate) layers: &'a [Layer],
    pub(crate) env: &'a Env,
    #[cfg(feature = "cli")]
    pub(crate) cli: &'a crate::source::Cli,
}

impl Stack<'_> {
    fn has(&self, want: fn(&Layer) -> bool) -> bool {
        self.layers.iter().any(want)
    }

    /// How the stack spells keys as variables and flags, and where its
    /// configuration comes from, as messages and `--help` name them.
    /// `vars` is asked for the environment only where discovery needs it
    /// (`XDG_CONFIG_HOME`).
    pub(crate) fn naming(&self, vars: &dyn Fn() -> Arc<Vars>) -> Naming {
        let env_naming = self.env.naming(self.schema);
        Naming {
            env: self
                .has(|l| matches!(l, Layer::Env))
                .then(|| env_naming.clone()),
            sources: self.sources(&env_naming, vars),
            builder_env: Some(env_naming),
            other_env: Vec::new(),
            flags: false,
            credentials: self.has(|l| matches!(l, Layer::Credentials(_))),
            discovers: self.has(|l| matches!(l, Layer::Discover(_))),
        }
    }

    /// Each layer as `--help` lists it, lowest first, with the `--config`
    /// file where `resolve` reads it: after the first discovery's files,
    /// or else just below the flags. A stack given its command line later
    /// (`augment`, then `matches`) has the flags on top.
    fn sources(&self, env: &EnvNaming, vars: &dyn Fn() -> Arc<Vars>) -> Vec<String> {
        let config = crate::usage::CONFIG_SOURCE;
        let mut out = Vec::new();
        // Where the flags go: the command-line layer's place, or the top.
        #[cfg_attr(not(feature = "cli"), allow(unused_mut))]
        let mut flags_at = None;
        let mut discovered = false;
        for layer in self.layers {
            match layer {
                Layer::Env => out.push(crate::usage::env_source(env)),
                #[cfg(feature = "cli")]
                Layer::Cli => flags_at = Some(out.len()),
                Layer::Discover(discover) => {
                    let places = discover.places(self.schema, &vars());
                    out.extend(places.into_iter().map(|p| format!("{p} if it exists")));
                    if !std::mem::replace(&mut discovered, true) {
                        out.push(match crate::source::config_var(env) {
                            None => config.to_owned(),
                            Some(var) => format!("{config} or {var}"),
                        });
                    }
                }
                Layer::Credentials(credentials) => out.push(format!(
                    "{}, one file per key (db.password)",
                    credentials.describe()
                )),
                Layer::OtherEnv(other) => {
                    let other = (**other).clone().over(self.env.settings());
                    out.push(crate::usage::env_source(&other.naming(self.schema)));
                }
                Layer::Source(source) => out.push(source.describe()),
            }
        }
        let mut flags = vec!["flags".to_owned()];
        if !discovered {
            flags.insert(0, config.to_owned());
        }
        let at = flags_at.unwrap_or(out.len());
        out.splice(at..at, flags);
        out
    }
}

impl Plan {
    pub(crate) fn resolve(stack: Stack<'_>) -> Plan {
        let env_naming = stack.env.naming(stack.schema);
        let vars = match stack.env.own_vars() {
            Some(vars) => OnceLock::from(vars.clone()),
            None => OnceLock::new(),
        };
        let mut plan = Plan {
            vars,
            naming: Naming::default(),
            layers: Vec::new(),
            exit: None,
            print_config: None,
            check_config: false,
            warnings: Vec::new(),
            problems: Vec::new(),
        };
        // The sources are named in `--help`, so before parsing.
        let naming = stack.naming(&|| plan.vars().clone());
        plan.naming = naming;
        let mut config_var = crate::source::config_var(&env_naming);
        // The variable that names a file for discovery cannot be a field's
        // too: which of the two a deployment meant cannot be guessed, as
        // for two fields sharing a variable. Discovery leaves it to that
        // error.
        let field = config_var
            .as_deref()
            .filter(|_| plan.naming.env.is_some() && stack.has(|l| matches!(l, Layer::Discover(_))))
            .and_then(|var| {
                Some((
                    var,
                    crate::source::field_of(stack.schema, &env_naming, var)?,
                ))
            });
        if let Some((var, field)) = field {
            plan.problems.push(config_var_shared(var, &field));
            config_var = None;
        }
        #[cfg(feature = "cli")]
        let config_arg = plan.parse_flags(&stack, stack.has(|l| matches!(l, Layer::Cli)));
        #[cfg(not(feature = "cli"))]
        let config_arg: Option<PathBuf> = None;

        // `--config` belongs above the discovered files; a stack without
        // discovery reads it just below the flags.
        let mut config_arg = config_arg;
        for layer in stack.layers {
            match layer {
                Layer::Env => {
                    let env = stack.env.clone().planned(plan.vars(), stack.schema);
                    plan.layers.push(Arc::new(env));
                }
                #[cfg(feature = "cli")]
                Layer::Cli => {
                    if !stack.has(|l| matches!(l, Layer::Discover(_))) {
                        if let Some(path) = config_arg.take() {
                            let file = crate::source::File::named_by(path, "--config".into());
                            plan.layers.push(Arc::new(file));
                        }
                    }
                    plan.layers.push(Arc::new(stack.cli.clone()));
                }
                Layer::Discover(discover) => {
                    let vars = plan.vars().clone();
                    if let Some((arg, var)) = config_arg.as_ref().zip(config_var.as_deref()) {
                        plan.warnings.extend(config_twice(arg, &vars, var));
                    }
                    let vars = &vars;
                    let files = discover.files(
                        stack.schema,
                        vars,
                        config_var.as_deref(),
                        config_arg.as_deref(),
                    );
                    config_arg = None;
                    plan.layers.extend(files);
                }
                Layer::Credentials(credentials) => {
                    let resolved = credentials.resolved(plan.vars());
                    plan.layers.push(Arc::new(resolved));
                }
                Layer::OtherEnv(env) => {
                    // Spelled as the builder's layer where it sets nothing.
                    let env = (**env).clone().over(stack.env.settings());
                    plan.naming.other_env.push(env.naming(stack.schema));
                    let env = env.planned(plan.vars(), stack.schema);
                    plan.layers.push(Arc::new(env));
                }
                Layer::Source(source) => plan.layers.push(source.clone()),
            }
        }
        plan
    }

    /// Parses the command line once, when the stack has one; returns the
    /// `--config` path.
    #[cfg(feature = "cli")]
    fn parse_flags(&mut self, stack: &Stack<'_>, has_cli: bool) -> Option<PathBuf> {
        use crate::source::Parse;
        if !has_cli {
            return None;
        }
        self.naming.flags = true;
        match stack.cli.parsed(stack.schema, &self.naming) {
            Parse::Flags(flags) => {
                self.print_config = flags.print_config;
                self.check_config = flags.check_config;
                flags.config.clone()
            }
            Parse::Exit(exit) => {
                self.exit = Some(exit.clone());
                None
            }
            // The layer reports them, with the other problems of each load.
            Parse::Problems(_) => None,
        }
    }

    /// The environment, read from the process on first use: most loads of
    /// files alone never need it.
    pub(crate) fn vars(&self) -> &Arc<Vars> {
        self.vars.get_or_init(|| Arc::new(Vars::from_process()))
    }

    /// Files every layer would read, for watching.
    #[cfg(feature = "watch")]
    pub(crate) fn files(&self) -> Vec<PathBuf> {
        self.layers.iter().flat_map(|s| s.watch_paths()).collect()
    }
}

/// `--config` and `<PREFIX>CONFIG` both naming a file: the flag's is read
/// (the command line is above the environment), and the warning names both
/// so the variable's file is not thought to be in effect.
fn config_twice(arg: &std::path::Path, vars: &Vars, var: &str) -> Option<crate::error::Problem> {
    let named = vars.get(var).filter(|v| !v.is_empty())?;
    (std::path::Path::new(named) != arg).then(|| {
        crate::error::Problem::new(
            crate::error::ProblemKind::Source,
            format!(
                "--config {} is read; the file named by {var} ({named}) is not",
                arg.display()
            ),
        )
        .with_help(format!("give one of --config and {var}"))
    })
}

/// A field whose variable is the one that names discovery's file.
fn config_var_shared(var: &str, field: &str) -> crate::error::Problem {
    crate::error::Problem::new(
        crate::error::ProblemKind::Source,
        format!(
            "environment variable {var} would set both `{field}` and the configuration file \
             discovery reads"
        ),
    )
    .with_key(field)
    .with_help(format!(
        "give the field a variable of its own with #[config(env = \"..\")]; {var} names a \
         configuration file read after the discovered ones"
    ))
}
