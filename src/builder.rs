//! `Builder`: the ordered list of sources, and the load that merges them and
//! builds the typed configuration.

use std::ffi::OsString;
use std::marker::PhantomData;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use crate::build::{Ctx, Unknown};
use crate::error::{Error, Exit, Problem};
use crate::explain::Loaded;
use crate::naming::{EnvNaming, Naming};
use crate::source::{Discover, Env, EnvLayer, File, Format, LoadCtx, Source, Text, Texts};
use crate::value::Value;
use crate::Config;

/// Builds a configuration of type `T` from layers, lowest first.
///
/// Start from [`Config::builder`] (defaults only) or use [`Config::load`] for
/// the conventional stack. Every method adds a layer on top of the ones
/// before it, or sets an option; [`load`](Builder::load) reads them all.
///
/// ```
/// use staid::Config;
///
/// #[derive(Config, Debug)]
/// #[config(name = "demo")]
/// struct Demo {
///     #[config(default = 8080)]
///     port: u16,
///     #[config(default = "localhost")]
///     host: String,
/// }
///
/// let demo = Demo::builder()
///     .toml_str("port = 9000")
///     .env_from([("DEMO_HOST", "example.org")])
///     .load()
///     .unwrap();
/// assert_eq!(demo.port, 9000);
/// assert_eq!(demo.host, "example.org");
/// ```
pub struct Builder<T> {
    sources: Vec<Box<dyn Source>>,
    unknown: Unknown,
    /// The environment: given by `env_from`, or the process's, read on the
    /// first load that needs it and kept, so a builder (and a watch) sees one
    /// consistent environment.
    env: Arc<OnceLock<Arc<Env>>>,
    env_prefix: Option<String>,
    env_sep: &'static str,
    env_empty_is_unset: bool,
    unknown_env: Unknown,
    reads_env: bool,
    args: Option<Arc<Vec<OsString>>>,
    #[cfg(feature = "cli")]
    matches: Option<Arc<clap::ArgMatches>>,
    reads_flags: bool,
    _config: PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for Builder<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sources: Vec<String> = self.sources.iter().map(|s| s.describe()).collect();
        f.debug_struct("Builder")
            .field("sources", &sources)
            .finish_non_exhaustive()
    }
}

impl<T: Config> Default for Builder<T> {
    fn default() -> Self {
        Builder::new()
    }
}

impl<T: Config> Builder<T> {
    /// A builder with the struct's defaults as its only layer.
    pub fn new() -> Self {
        Builder {
            sources: Vec::new(),
            unknown: Unknown::Error,
            env: Arc::new(OnceLock::new()),
            env_prefix: None,
            env_sep: "_",
            env_empty_is_unset: true,
            unknown_env: Unknown::Error,
            reads_env: false,
            args: None,
            #[cfg(feature = "cli")]
            matches: None,
            reads_flags: false,
            _config: PhantomData,
        }
    }

    /// Adds a layer from any [`Source`].
    pub fn source(mut self, source: impl Source + 'static) -> Self {
        self.sources.push(Box::new(source));
        self
    }

    /// Adds a file that must exist. The format comes from the extension:
    /// `.toml`, `.json`, or `.lua` with the `lua` feature.
    pub fn file(self, path: impl Into<PathBuf>) -> Self {
        self.source(File::required(path))
    }

    /// Adds a file that may be missing. If it exists, it must be readable and
    /// valid like any other.
    pub fn optional_file(self, path: impl Into<PathBuf>) -> Self {
        self.source(File::optional(path))
    }

    /// Adds TOML text, for instance defaults compiled in with `include_str!`.
    /// Origins name it `<toml>`.
    pub fn toml_str(self, text: impl Into<Arc<str>>) -> Self {
        self.source(Text::new(Format::Toml, "<toml>", text))
    }

    /// Adds JSON text. Origins name it `<json>`.
    pub fn json_str(self, text: impl Into<Arc<str>>) -> Self {
        self.source(Text::new(Format::Json, "<json>", text))
    }

    /// Adds the files discovered for `#[config(name = "..")]`, as described
    /// in [`Discover`]: system, user, working directory, then `--config` or
    /// `<PREFIX>CONFIG`.
    pub fn discover(self) -> Self {
        self.source(Discover::new())
    }

    /// Adds the process environment as a layer: `<PREFIX><KEY_PATH>`
    /// variables, converted by each field's type (see the README's
    /// environment section). The builder reads the environment once, on the
    /// first load that needs it, and keeps it.
    pub fn env(mut self) -> Self {
        self.reads_env = true;
        self.source(EnvLayer::default())
    }

    /// Adds these variables as the environment layer, instead of the process
    /// environment. They are also what discovery (`XDG_CONFIG_HOME`,
    /// `<PREFIX>CONFIG`) sees. For tests and embedding.
    pub fn env_from<K: Into<String>, V: Into<String>>(
        mut self,
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.env = Arc::new(OnceLock::from(Arc::new(Env::from_pairs(vars))));
        self.env()
    }

    /// Like [`env_from`](Builder::env_from), with names and values as the OS
    /// gives them; a value that is not UTF-8 is an error naming its variable
    /// when a field reads it.
    pub fn env_from_os<K: Into<OsString>, V: Into<OsString>>(
        mut self,
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.env = Arc::new(OnceLock::from(Arc::new(Env::from_os_pairs(vars))));
        self.env()
    }

    /// A table of every environment variable the configuration reads, with
    /// type, default, whether it is required, and the doc comment, in the
    /// manner of envconfig's `Usage`. Names follow this builder's prefix and
    /// separator; secret defaults are not shown.
    pub fn env_usage(&self) -> String {
        let mut naming = self.naming();
        let env = naming.env.get_or_insert_with(|| {
            EnvNaming::new(self.env_prefix.as_deref().or(T::SCHEMA.name), self.env_sep)
        });
        crate::usage::env_table(T::SCHEMA, env)
    }

    /// A commented TOML file listing every key with its doc comment and
    /// default, for `myapp --print-template > myapp.toml` style commands.
    /// Keys without a default (required ones, secrets) are commented out with
    /// their type.
    pub fn toml_template(&self) -> String {
        crate::usage::toml_template(T::SCHEMA)
    }

    /// The separator between the prefix and nested keys in variable names:
    /// `"_"` (the default) or `"__"` (see
    /// [`env_double_underscore`](Builder::env_double_underscore)).
    pub fn env_separator(mut self, sep: &'static str) -> Self {
        self.env_sep = sep;
        self
    }

    /// The env prefix, instead of the upper-cased `name` (`"APP"` gives
    /// `APP_PORT`). An empty prefix reads bare names (`PORT`).
    pub fn env_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.env_prefix = Some(prefix.into());
        self
    }

    /// Joins the prefix and nested keys with `__` instead of `_`
    /// (`MYAPP__DB__HOST`), for key names that themselves contain `_`.
    pub fn env_double_underscore(self) -> Self {
        self.env_separator("__")
    }

    /// Whether a variable set to the empty string counts as unset (the
    /// default, `true`) or as an empty value.
    pub fn env_empty_is_unset(mut self, yes: bool) -> Self {
        self.env_empty_is_unset = yes;
        self
    }

    /// Adds the process's command line as a layer: a flag for every field
    /// (see the crate docs), `--config <FILE>`, `--print-config`, `--help`
    /// and `--version`.
    #[cfg(feature = "cli")]
    pub fn cli(mut self) -> Self {
        self.reads_flags = true;
        self.source(crate::source::CliLayer)
    }

    /// Adds these arguments as the command-line layer, instead of the
    /// process's; the first is the program name, as in `std::env::args`.
    /// `--help`, `--version` and `--print-config` then end the load with an
    /// [`Error`] holding an [`Exit`] instead of exiting the process.
    #[cfg(feature = "cli")]
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.args = Some(Arc::new(args.into_iter().map(Into::into).collect()));
        self.cli()
    }

    /// Adds the command-line layer from matches of the application's own
    /// parser, into which [`augment`](Builder::augment) mounted staid's
    /// arguments.
    #[cfg(feature = "cli")]
    pub fn matches(mut self, matches: &clap::ArgMatches) -> Self {
        self.matches = Some(Arc::new(matches.clone()));
        self.reads_flags = true;
        self.source(crate::source::CliLayer)
    }

    /// The clap command staid parses with [`cli`](Builder::cli): named after
    /// `#[config(name)]`, the struct's doc comment as description.
    ///
    /// # Panics
    ///
    /// Never on its own account; names that would collide in clap are left
    /// out (the load reports them).
    #[cfg(feature = "cli")]
    pub fn command(&self) -> clap::Command {
        let mut naming = self.naming();
        naming.flags = true;
        crate::source::command(T::SCHEMA, &naming).0
    }

    /// Adds staid's arguments (one per field, `--config`, `--print-config`)
    /// to an application's own clap command, for instance one with
    /// subcommands. Hand the matches back with [`matches`](Builder::matches).
    #[cfg(feature = "cli")]
    pub fn augment(&self, cmd: clap::Command) -> clap::Command {
        let mut naming = self.naming();
        naming.flags = true;
        crate::source::augment(T::SCHEMA, &naming, cmd).0
    }

    /// What to do with keys in files (and other sources) that the struct does
    /// not have. Default: [`Unknown::Error`].
    pub fn unknown_keys(mut self, unknown: Unknown) -> Self {
        self.unknown = unknown;
        self
    }

    /// What to do with `<PREFIX>*` variables that name no field. Default:
    /// [`Unknown::Error`].
    pub fn unknown_env(mut self, unknown: Unknown) -> Self {
        self.unknown_env = unknown;
        self
    }

    /// Loads: merges every layer and builds `T`, reporting every problem of
    /// every layer at once. Warnings (see [`Unknown::Warn`]) go to stderr; use
    /// [`load_full`](Builder::load_full) to handle them yourself.
    pub fn load(self) -> Result<T, Error> {
        let loaded = self.load_full()?;
        for warning in loaded.warnings() {
            eprintln!("warning: {warning}");
        }
        Ok(loaded.into_config())
    }

    /// Loads, and keeps the merged tree with every value's origin, for
    /// [`Loaded::explain`] and [`Loaded::origin`], and the warnings.
    ///
    /// With the command line as a layer, `--help`, `--version` and
    /// `--print-config` end the load with an [`Error`] whose
    /// [`as_exit`](Error::as_exit) holds the text to print.
    pub fn load_full(&self) -> Result<Loaded<T>, Error> {
        let mut run = self.prepare()?;
        let schema = T::SCHEMA;
        let mut texts = Texts::new();
        let mut merged = schema.defaults();
        let mut problems = std::mem::take(&mut run.problems);
        let mut warnings: Vec<Problem> = Vec::new();
        let mut checks = Vec::new();
        for source in &self.sources {
            let mut ctx = run.ctx(schema, &merged, &mut texts);
            let result = source.load(&mut ctx);
            problems.append(&mut ctx.problems);
            warnings.append(&mut ctx.warnings);
            checks.append(&mut ctx.checks);
            match result {
                Ok(Some(layer)) => schema.merge_layer(&mut merged, layer),
                Ok(None) => {}
                Err(found) => problems.extend(found),
            }
        }
        let mut ctx = Ctx::new(self.unknown, &texts, &run.naming);
        let config = T::__build(Some(&merged), &mut ctx);
        problems.extend(ctx.problems);
        warnings.extend(ctx.warnings);
        for check in &checks {
            problems.extend(check(&merged));
        }
        hide_secret_lines(schema, &mut warnings);
        match config {
            Some(config) if problems.is_empty() => {
                let loaded = Loaded::new(config, merged, warnings);
                if run.print_config {
                    return Err(Error::exit(Exit::PrintConfig(loaded.explain().to_string())));
                }
                Ok(loaded)
            }
            _ => {
                if problems.is_empty() {
                    // A build that produced nothing has always said why; this
                    // guards the invariant rather than panicking.
                    problems.push(Problem::new(
                        crate::ProblemKind::Source,
                        "the configuration could not be built",
                    ));
                }
                hide_secret_lines(schema, &mut problems);
                Err(Error::from_problems(problems))
            }
        }
    }

    /// What every source of one load shares: the environment, the naming
    /// rules and the parsed command line.
    fn prepare(&self) -> Result<Run, Error> {
        let env = self.env.clone();
        let naming = self.naming();
        #[allow(unused_mut)]
        let mut run = Run {
            env,
            naming,
            problems: Vec::new(),
            config_arg: None,
            config_taken: std::cell::Cell::new(false),
            print_config: false,
            #[cfg(feature = "cli")]
            matches: self.matches.clone(),
        };
        #[cfg(feature = "cli")]
        if self.reads_flags && run.matches.is_none() {
            let args = match &self.args {
                Some(args) => args.as_ref().clone(),
                None => std::env::args_os().collect(),
            };
            match crate::source::parse(T::SCHEMA, &run.naming, args) {
                crate::source::Parsed::Matches(m) => run.matches = Some(Arc::new(m)),
                crate::source::Parsed::Exit(exit) => return Err(Error::exit(exit)),
                crate::source::Parsed::Problems(p) => run.problems = p,
            }
        }
        #[cfg(feature = "cli")]
        if let Some(matches) = &run.matches {
            let (config, print) = crate::source::special_flags(matches);
            run.config_arg = config;
            run.print_config = print;
        }
        Ok(run)
    }

    /// Files every source would read, for watching.
    #[cfg(feature = "watch")]
    pub(crate) fn files(&self) -> Vec<PathBuf> {
        let Ok(mut run) = self.prepare() else {
            return Vec::new();
        };
        let below = Value::table(crate::Origin::Default);
        let mut texts = Texts::new();
        let ctx = run.ctx(T::SCHEMA, &below, &mut texts);
        self.sources
            .iter()
            .flat_map(|s| s.watch_paths(&ctx))
            .collect()
    }

    /// Starts every source's subscription (see
    /// [`Source::subscribe`]), for watching; dropping the guards stops them.
    #[cfg(feature = "watch")]
    pub(crate) fn subscribe(
        &self,
        trigger: &crate::source::Trigger,
    ) -> Vec<Box<dyn std::any::Any + Send>> {
        self.sources
            .iter()
            .filter_map(|s| s.subscribe(trigger.clone()))
            .collect()
    }

    /// How keys are spelled as variables and flags for this builder.
    pub(crate) fn naming(&self) -> Naming {
        let env = self.reads_env.then(|| {
            let prefix = self.env_prefix.as_deref().or(T::SCHEMA.name);
            let mut naming = EnvNaming::new(prefix, self.env_sep);
            naming.empty_is_unset = self.env_empty_is_unset;
            naming.unknown = self.unknown_env;
            naming
        });
        Naming {
            env,
            flags: self.reads_flags,
        }
    }
}

/// Drops the snippet of a problem whose source line sets a secret field
/// (`token = "..`, `"token": ..`): a syntax error on that line is reported by
/// position only. Parsers see text, not the schema, so this is done here.
fn hide_secret_lines(schema: &'static crate::Schema, problems: &mut [Problem]) {
    let mut secret_keys: Vec<&'static str> = Vec::new();
    schema.walk(&mut |_, field| {
        if field.secret {
            secret_keys.push(field.key);
        }
    });
    if secret_keys.is_empty() {
        return;
    }
    for problem in problems {
        let Some(snippet) = &problem.snippet else {
            continue;
        };
        let line = snippet.text.as_str();
        let sets_secret = secret_keys.iter().any(|key| sets_key(line, key));
        if sets_secret {
            problem.snippet = None;
        }
    }
}

/// Whether `line` assigns `key`: the key at a word boundary, maybe quoted,
/// then `=` (TOML, also inside inline tables) or `:` (JSON).
fn sets_key(line: &str, key: &str) -> bool {
    let mut from = 0;
    while let Some(at) = line[from..].find(key) {
        let start = from + at;
        let end = start + key.len();
        from = end;
        let before = line[..start].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '-') {
            continue;
        }
        let rest = line[end..].trim_start_matches('"').trim_start();
        if rest.starts_with('=') || rest.starts_with(':') {
            return true;
        }
    }
    false
}

/// The shared state of one load.
struct Run {
    env: Arc<OnceLock<Arc<Env>>>,
    naming: Naming,
    problems: Vec<Problem>,
    config_arg: Option<PathBuf>,
    config_taken: std::cell::Cell<bool>,
    print_config: bool,
    #[cfg(feature = "cli")]
    matches: Option<Arc<clap::ArgMatches>>,
}

impl Run {
    fn ctx<'a>(
        &'a mut self,
        schema: &'static crate::Schema,
        below: &'a Value,
        texts: &'a mut Texts,
    ) -> LoadCtx<'a> {
        LoadCtx {
            schema,
            env: &self.env,
            config_arg: self.config_arg.clone(),
            config_taken: &self.config_taken,
            #[cfg(feature = "cli")]
            matches: self.matches.as_deref(),
            below,
            texts,
            problems: Vec::new(),
            warnings: Vec::new(),
            naming: &self.naming,
            checks: Vec::new(),
        }
    }
}
