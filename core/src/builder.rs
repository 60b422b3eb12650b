//! `Builder`: the ordered list of sources and the options of a load. Every
//! method is sugar for adding or configuring one source; the plan
//! (`plan.rs`) resolves them once and the load (`load.rs`) runs it.

use std::any::Any;
use std::ffi::OsString;
use std::marker::PhantomData;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use crate::error::Error;
use crate::format::Format;
use crate::load::{Loaded, Unknown};

use crate::plan::{Layer, Plan, Stack};
use crate::source::{Credentials, Dir, Discover, Dotenv, Env, File, Source, Text};
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
    pub(crate) layers: Vec<Layer>,
    /// The settings of the builder's environment layer ([`Layer::Env`]):
    /// those of the [`Env`] given to `source` over those of the `env_*`
    /// methods, whichever came first.
    pub(crate) env: Env,
    /// What the `env_*` methods and `env_from` set.
    env_methods: Env,
    /// What an [`Env`] given to `source` as the builder's layer set.
    env_given: Env,
    /// The arguments of the builder's command-line layer ([`Layer::Cli`]).
    #[cfg(feature = "cli")]
    pub(crate) cli: crate::source::Cli,
    unknown: Unknown,
    /// How many TOML and JSON texts were added, so that each is named apart
    /// (`<toml>`, `<toml 2>`): snippets are found by that name.
    texts: (usize, usize),
    /// Resolved on the first load; every method that changes the stack
    /// takes `self`, so a plan never outlives the stack it was made for.
    pub(crate) plan: OnceLock<Plan>,
    _config: PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for Builder<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sources: Vec<String> = self
            .layers
            .iter()
            .map(|layer| match layer {
                Layer::Env => self.env.describe(),
                #[cfg(feature = "cli")]
                Layer::Cli => self.cli.describe(),
                Layer::Discover(d) => d.describe(),
                Layer::Credentials(c) => c.describe(),
                Layer::OtherEnv(e) => e.describe(),
                Layer::Source(s) => s.describe(),
            })
            .collect();
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
            layers: Vec::new(),
            env: Env::default(),
            env_methods: Env::default(),
            env_given: Env::default(),
            #[cfg(feature = "cli")]
            cli: crate::source::Cli::default(),
            unknown: Unknown::Error,
            texts: (0, 0),
            plan: OnceLock::new(),
            _config: PhantomData,
        }
    }

    /// Adds a layer from any [`Source`]. The builder's own sources behave
    /// the same added this way as through their methods:
    /// `.source(Env::new())` is `.env()`, `.source(Cli::args(..))` is
    /// `.args(..)`, `.source(Discover::new())` is `.discover()`. The first
    /// environment layer is the builder's: it keeps what `env_*` methods
    /// set, before or after, where the [`Env`] given sets nothing itself.
    /// Another [`Env`] with a prefix or variables of its own is a layer of
    /// its own (spelled as the builder's where it sets nothing itself); one
    /// with neither configures the builder's, as `.env()` twice adds one
    /// layer.
    pub fn source<S: Source + 'static>(mut self, source: S) -> Self {
        self.plan = OnceLock::new();
        let mut slot = Some(source);
        let any: &mut dyn Any = &mut slot;
        if let Some(env) = any.downcast_mut::<Option<Env>>().and_then(Option::take) {
            // The first env layer is the builder's, which `env_*` methods
            // configure; another one with a prefix of its own is a layer of
            // its own, and one without configures the builder's, as `.env()`
            // after `.env_from(..)` adds nothing.
            // Another layer is spelled as the builder's where it sets
            // nothing itself, whenever the `env_*` methods come: that is
            // settled when the stack is planned.
            let other = env.has_prefix() || env.own_vars().is_some();
            if self.has(|l| matches!(l, Layer::Env)) && other {
                self.layers.push(Layer::OtherEnv(Arc::new(env)));
                return self;
            }
            if !self.has(|l| matches!(l, Layer::Env)) {
                self.layers.push(Layer::Env);
            }
            self.env_given = env.over(std::mem::take(&mut self.env_given));
            self.env = self.env_given.clone().over(self.env_methods.clone());
            return self;
        }
        #[cfg(feature = "cli")]
        if let Some(cli) = any
            .downcast_mut::<Option<crate::source::Cli>>()
            .and_then(Option::take)
        {
            // One command line: a second one replaces the first's arguments.
            self.cli = cli;
            if !self.has(|l| matches!(l, Layer::Cli)) {
                self.layers.push(Layer::Cli);
            }
            return self;
        }
        if let Some(discover) = any
            .downcast_mut::<Option<Discover>>()
            .and_then(Option::take)
        {
            self.layers.push(Layer::Discover(discover));
            return self;
        }
        if let Some(credentials) = any
            .downcast_mut::<Option<Credentials>>()
            .and_then(Option::take)
        {
            self.layers.push(Layer::Credentials(credentials));
            return self;
        }
        if let Some(source) = slot {
            self.layers.push(Layer::Source(Arc::new(source)));
        }
        self
    }

    fn has(&self, want: fn(&Layer) -> bool) -> bool {
        self.layers.iter().any(want)
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

    /// Adds a directory of drop-in files that must exist (it may be empty):
    /// each `.toml`, `.json` (and `.lua`) file in it is a layer, in lexical
    /// order of file name, as described in [`Dir`].
    pub fn dir(self, path: impl Into<PathBuf>) -> Self {
        self.source(Dir::required(path))
    }

    /// Adds a directory of drop-in files that may be missing. If it exists,
    /// it must be a readable directory.
    pub fn optional_dir(self, path: impl Into<PathBuf>) -> Self {
        self.source(Dir::optional(path))
    }

    /// Adds TOML text, for instance defaults compiled in with `include_str!`.
    /// Origins name it `<toml>`; a second one `<toml 2>`, and so on.
    pub fn toml_str(mut self, text: impl Into<Arc<str>>) -> Self {
        self.texts.0 += 1;
        let name = text_name("toml", self.texts.0);
        self.source(Text::new(Format::Toml, name, text))
    }

    /// Adds JSON text. Origins name it `<json>`; a second one `<json 2>`.
    pub fn json_str(mut self, text: impl Into<Arc<str>>) -> Self {
        self.texts.1 += 1;
        let name = text_name("json", self.texts.1);
        self.source(Text::new(Format::Json, name, text))
    }

    /// Adds the files discovered for `#[config(name = "..")]`, as described
    /// in [`Discover`]: system, user, working directory, then `--config` or
    /// `<PREFIX>CONFIG`.
    pub fn discover(self) -> Self {
        self.source(Discover::new())
    }

    /// Adds a `.env` file that must exist, read as an environment layer with
    /// the names and conversions of [`env`](Builder::env); origins name the
    /// file and line (`.env:3:12`). It never writes into the process
    /// environment. See [`Dotenv`] for the syntax.
    ///
    /// ```
    /// use staid::Config;
    ///
    /// #[derive(Config)]
    /// #[config(name = "myapp")]
    /// struct App {
    ///     #[config(default = 8080)]
    ///     port: u16,
    /// }
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let path = dir.path().join(".env");
    /// std::fs::write(&path, "# local runs\nexport MYAPP_PORT='9000'\nPATH=/ignored\n").unwrap();
    /// let loaded = App::builder().dotenv(&path).load_full().unwrap();
    /// assert_eq!(loaded.config().port, 9000);
    /// assert_eq!(
    ///     loaded.origin("port").unwrap().to_string(),
    ///     format!("{}:2:19", path.display())
    /// );
    /// ```
    pub fn dotenv(self, path: impl Into<PathBuf>) -> Self {
        self.source(Dotenv::required(path))
    }

    /// Adds a `.env` file that may be missing, as [`dotenv`](Builder::dotenv)
    /// does. If it exists, it must be readable and valid.
    pub fn optional_dotenv(self, path: impl Into<PathBuf>) -> Self {
        self.source(Dotenv::optional(path))
    }

    /// Adds systemd credentials: when `$CREDENTIALS_DIRECTORY` is set in the
    /// builder's environment, each file there named like a key path
    /// (`db.password`) or like the field's variable (`MYAPP_DB_PASSWORD`)
    /// sets that field. See [`Credentials`]; [`Config::load`] has them just
    /// below the environment.
    pub fn credentials(self) -> Self {
        self.source(Credentials::new())
    }

    /// Adds the process environment as a layer: `<PREFIX><KEY_PATH>`
    /// variables, converted by each field's type (see the README's
    /// environment section). The builder reads the environment once, on the
    /// first load that needs it, and keeps it. Calling it again, or after
    /// [`env_from`](Builder::env_from), adds nothing: a builder has one
    /// environment layer (see [`source::Env`](crate::source::Env) for more).
    pub fn env(mut self) -> Self {
        self.plan = OnceLock::new();
        if !self.has(|l| matches!(l, Layer::Env)) {
            self.layers.push(Layer::Env);
        }
        self
    }

    /// Uses these variables as the environment, instead of the process's,
    /// and adds the environment layer if there is none yet. They are also
    /// what discovery (`XDG_CONFIG_HOME`, `<PREFIX>CONFIG`) and other
    /// sources see. For tests and embedding.
    pub fn env_from<K: Into<String>, V: Into<String>>(
        self,
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.with_env(|env| env.vars(vars)).env()
    }

    /// Like [`env_from`](Builder::env_from), with names and values as the OS
    /// gives them; a value that is not UTF-8 is an error naming its variable
    /// when a field reads it.
    pub fn env_from_os<K: Into<OsString>, V: Into<OsString>>(
        self,
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.with_env(|env| env.vars_os(vars)).env()
    }

    /// Configures the builder's environment layer (added by
    /// [`env`](Builder::env) before or after), for the `env_*` methods.
    fn with_env(mut self, f: impl FnOnce(Env) -> Env) -> Self {
        self.plan = OnceLock::new();
        self.env_methods = f(std::mem::take(&mut self.env_methods));
        self.env = self.env_given.clone().over(self.env_methods.clone());
        self
    }

    /// A table of every environment variable the configuration reads, with
    /// type, default, whether it is required, and the doc comment, in the
    /// manner of envconfig's `Usage`. Names follow this builder's prefix and
    /// separator; secret defaults are not shown.
    /// With [`discover`](Builder::discover), the files and drop-in
    /// directories it reads follow the table.
    pub fn env_usage(&self) -> String {
        let naming = self.env.naming(T::SCHEMA);
        let discovers = self.has(|l| matches!(l, Layer::Discover(_)));
        let mut usage = crate::usage::env_table(T::SCHEMA, &naming);
        if let Some(discover) = self.layers.iter().find_map(|l| match l {
            Layer::Discover(d) => Some(d),
            _ => None,
        }) {
            usage.push_str("\nConfiguration files, lowest first:\n");
            for place in discover.places(T::SCHEMA, &self.vars()) {
                usage.push_str(&format!("  {place}\n"));
            }
            usage.push_str(&match crate::source::config_var(&naming) {
                None => "  --config <FILE>\n".to_owned(),
                Some(var) => format!("  --config <FILE> or {var}\n"),
            });
        }
        usage.push('\n');
        usage.push_str(&crate::usage::env_notes(&naming, discovers));
        usage
    }
    /// The environment, for what `--help` and `env_usage` list without
    /// planning (which would parse the command line).
    pub(crate) fn vars(&self) -> Arc<crate::source::Vars> {
        match self.env.own_vars() {
            Some(vars) => vars.clone(),
            None => Arc::new(crate::source::Vars::from_process()),
        }
    }

    /// A commented TOML file listing every key with its doc comment and
    /// default, for `myapp --print-template > myapp.toml` style commands.
    /// Keys without a default (required ones, secrets) are commented out with
    /// their type.
    pub fn toml_template(&self) -> String {
        crate::usage::toml_template(T::SCHEMA)
    }

    /// A JSON Schema (draft 2020-12) of the configuration's files: every
    /// key with its type (integer ranges for sized integers, durations as
    /// strings), doc comment, default (never a secret's), required keys,
    /// lists, maps and enum sections (`oneOf` by the tag), and
    /// `additionalProperties: false` wherever unknown keys are errors
    /// ([`unknown_keys`](Builder::unknown_keys)). A leaf type whose form
    /// staid cannot see (an application's own serde type) gets a
    /// permissive schema naming the Rust type.
    ///
    /// Editors use it through `"$schema"` in a JSON file, or a
    /// `#:schema ./myapp.schema.json` first line in a TOML file (taplo,
    /// Even Better TOML).
    ///
    /// ```
    /// use staid::Config;
    ///
    /// #[derive(Config)]
    /// struct App {
    ///     /// Port to listen on.
    ///     #[config(default = 8080)]
    ///     port: u16,
    /// }
    ///
    /// let schema = App::builder().json_schema();
    /// assert!(schema.contains(
    ///     r#"    "port": {
    ///       "description": "Port to listen on.",
    ///       "type": "integer",
    ///       "minimum": 0,
    ///       "maximum": 65535,
    ///       "default": 8080
    ///     }"#
    /// ));
    /// ```
    pub fn json_schema(&self) -> String {
        crate::json_schema::document(T::SCHEMA, self.unknown)
    }

    /// The separator between the prefix and nested keys in variable names:
    /// `"_"` (the default) or `"__"` (see
    /// [`env_double_underscore`](Builder::env_double_underscore)).
    pub fn env_separator(self, sep: &'static str) -> Self {
        self.with_env(|env| env.separator(sep))
    }

    /// The env prefix, instead of the upper-cased `name` (`"APP"` gives
    /// `APP_PORT`). An empty prefix reads bare names (`PORT`).
    pub fn env_prefix(self, prefix: impl Into<String>) -> Self {
        self.with_env(|env| env.prefix(prefix))
    }

    /// Joins the prefix and nested keys with `__` instead of `_`
    /// (`MYAPP__DB__HOST`), for key names that themselves contain `_`.
    pub fn env_double_underscore(self) -> Self {
        self.env_separator("__")
    }

    /// Whether a variable set to the empty string counts as unset (the
    /// default, `true`) or as an empty value.
    pub fn env_empty_is_unset(self, yes: bool) -> Self {
        self.with_env(|env| env.empty_is_unset(yes))
    }

    /// What to do with `<PREFIX>*` variables that name no field. Default:
    /// [`Unknown::Warn`], since platforms set variables of their own under
    /// an app's prefix (Kubernetes service links); [`Unknown::Error`] is
    /// the strict mode.
    pub fn unknown_env(self, unknown: Unknown) -> Self {
        self.with_env(|env| env.unknown(unknown))
    }

    /// What to do with keys in files (and other sources) that the struct does
    /// not have. Default: [`Unknown::Error`].
    pub fn unknown_keys(mut self, unknown: Unknown) -> Self {
        self.unknown = unknown;
        self
    }

    /// Loads: merges every layer and builds `T`, reporting every problem of
    /// every layer at once. Warnings (see [`Unknown::Warn`]) are dropped; use
    /// [`load_full`](Builder::load_full) to see them. (Only
    /// [`Config::load`], the call for `main`, prints them.)
    pub fn load(self) -> Result<T, Error> {
        self.load_full().map(Loaded::into_config)
    }

    /// Loads, and keeps the merged tree with every value's origin, for
    /// [`Loaded::explain`] and [`Loaded::origin`], and the warnings.
    ///
    /// With the command line as a layer, `--help`, `--version` and
    /// `--print-config` end the load with an [`Error`] whose
    /// [`as_exit`](Error::as_exit) holds the text to print.
    pub fn load_full(&self) -> Result<Loaded<T>, Error> {
        self.plan().load::<T>(self.unknown)
    }

    /// The plan, resolved on first use.
    pub(crate) fn plan(&self) -> &Plan {
        self.plan.get_or_init(|| {
            Plan::resolve(Stack {
                schema: T::SCHEMA,
                layers: &self.layers,
                env: &self.env,
                #[cfg(feature = "cli")]
                cli: &self.cli,
            })
        })
    }

    /// Starts every layer's subscription (see [`Source::subscribe`]), for
    /// watching; dropping them stops them.
    #[cfg(feature = "watch")]
    pub(crate) fn subscribe(
        &self,
        trigger: &crate::source::Trigger,
    ) -> Vec<crate::source::Subscription> {
        self.plan()
            .layers
            .iter()
            .filter_map(|s| s.subscribe(trigger.clone()))
            .collect()
    }
}

/// The name of the `n`th text of a format (1-based): `<toml>`, `<toml 2>`.
fn text_name(format: &str, n: usize) -> String {
    match n {
        1 => format!("<{format}>"),
        n => format!("<{format} {n}>"),
    }
}
