//! Sources: each produces one layer of the configuration. One module each.

#[cfg(feature = "cli")]
mod cli;
mod discover;
mod env;
#[cfg(feature = "etcd")]
mod etcd;
mod file;
mod json;
#[cfg(feature = "lua")]
mod lua;
mod toml;
mod trigger;

#[cfg(feature = "cli")]
pub(crate) use cli::{augment, command, parse, special_flags, Parsed};
#[cfg(feature = "cli")]
pub use cli::{CliLayer, CONFIG_FLAG, PRINT_CONFIG_FLAG};
pub use discover::Discover;
pub use env::EnvLayer;
#[cfg(feature = "etcd")]
pub use etcd::Etcd;
pub use file::{File, Format, Text};
pub(crate) use json::inline as inline_json;
#[cfg(feature = "lua")]
pub use lua::{HostValue, Lua};
pub use trigger::Trigger;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::Problem;
use crate::naming::Naming;
use crate::schema::Schema;
use crate::value::Value;

/// A provider of one layer. Files, the environment and flags implement it;
/// so can an application's own source, added with
/// [`Builder::source`](crate::Builder::source).
pub trait Source: Send + Sync {
    /// A short description for messages: `file app.toml`, `environment`.
    fn describe(&self) -> String;

    /// Produces the layer: `Ok(None)` adds nothing. Problems are reported all
    /// together with those of other layers; a source that finds some may still
    /// return what it could read in `ctx.problem(..)` and `Ok(Some(..))`.
    fn load(&self, ctx: &mut LoadCtx<'_>) -> Result<Option<Value>, Vec<Problem>>;

    /// Files whose change should trigger a reload under watch.
    fn watch_paths(&self, _ctx: &LoadCtx<'_>) -> Vec<PathBuf> {
        Vec::new()
    }

    /// Under watch, starts following the source's own data (a remote store
    /// such as etcd; files are followed through
    /// [`watch_paths`](Source::watch_paths)) and calls `trigger` when it
    /// changes or cannot be followed. Returns a guard that stops following
    /// when dropped, or `None` (the default) when there is nothing to
    /// follow. Called once, before the watch's first load; it must not
    /// block.
    fn subscribe(&self, _trigger: Trigger) -> Option<Box<dyn std::any::Any + Send>> {
        None
    }
}

/// The environment a load sees: the process environment, or the pairs given
/// to [`Builder::env_from`](crate::Builder::env_from).
#[derive(Clone, Debug, Default)]
pub struct Env {
    vars: BTreeMap<String, String>,
    /// Variables whose value is not UTF-8, by name.
    pub(crate) invalid: Vec<String>,
}

impl Env {
    /// The process environment. Variables that are not UTF-8 are kept aside
    /// so the env layer can report them by name.
    pub fn from_process() -> Env {
        Env::from_os_pairs(std::env::vars_os())
    }

    /// An environment made of these pairs only.
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Env {
        Env {
            vars: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
            invalid: Vec::new(),
        }
    }

    /// An environment made of these pairs only, as the OS gives them: values
    /// that are not UTF-8 are kept aside and reported by name if a field
    /// reads them.
    pub fn from_os_pairs<K: Into<std::ffi::OsString>, V: Into<std::ffi::OsString>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Env {
        let mut env = Env::default();
        for (k, v) in pairs {
            match (k.into().into_string(), v.into().into_string()) {
                (Ok(k), Ok(v)) => {
                    env.vars.insert(k, v);
                }
                (Ok(k), Err(_)) => env.invalid.push(k),
                (Err(_), _) => {}
            }
        }
        env
    }

    /// One variable.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    /// Every variable, sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.vars.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The variables whose name starts with `prefix`, sorted by name: a range
    /// of the sorted map, so the thousand unrelated variables of a real
    /// environment are never looked at.
    pub fn with_prefix<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = (&'a str, &'a str)> {
        self.vars
            .range::<str, _>((
                std::ops::Bound::Included(prefix),
                std::ops::Bound::Unbounded,
            ))
            .take_while(move |(k, _)| k.starts_with(prefix))
            .map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

/// What a source sees while it loads.
pub struct LoadCtx<'a> {
    pub(crate) schema: &'static Schema,
    /// Read from the process on first use: most loads of a file alone never
    /// need it, and reading it is a measurable share of a small load.
    pub(crate) env: &'a std::sync::OnceLock<Arc<Env>>,
    /// The file named by `--config`, if the command line gave one.
    pub(crate) config_arg: Option<PathBuf>,
    /// Set once a source (discovery) has read the `--config` file, so the
    /// command-line layer does not read it again.
    pub(crate) config_taken: &'a std::cell::Cell<bool>,
    #[cfg(feature = "cli")]
    pub(crate) matches: Option<&'a clap::ArgMatches>,
    pub(crate) below: &'a Value,
    pub(crate) texts: &'a mut Texts,
    pub(crate) problems: Vec<Problem>,
    pub(crate) warnings: Vec<Problem>,
    pub(crate) naming: &'a Naming,
    pub(crate) checks: Vec<Check>,
}

/// A check of the final merged configuration, registered by a source (Lua
/// `validate` hooks): it runs after every layer is merged and the struct is
/// built, and its problems join the others.
pub type Check = Box<dyn Fn(&Value) -> Vec<Problem> + Send + Sync>;

impl LoadCtx<'_> {
    /// The schema of the configuration being loaded.
    pub fn schema(&self) -> &'static Schema {
        self.schema
    }

    /// The environment of this load.
    pub fn env(&self) -> &Env {
        self.env_arc()
    }

    /// The environment, shared, for a source that keeps it past the load.
    pub(crate) fn env_arc(&self) -> &Arc<Env> {
        self.env.get_or_init(|| Arc::new(Env::from_process()))
    }

    /// The configuration merged from the layers below this one.
    pub fn below(&self) -> &Value {
        self.below
    }

    /// The application name from `#[config(name = "..")]`.
    pub fn app_name(&self) -> Option<&'static str> {
        self.schema.name
    }

    /// The prefix of environment variables, with its trailing separator
    /// (`MYAPP_`), or empty.
    pub fn env_prefix(&self) -> &str {
        self.naming.env.as_ref().map_or("", |e| e.prefix.as_str())
    }

    /// Reports a problem and goes on loading.
    pub fn problem(&mut self, problem: Problem) {
        self.problems.push(problem);
    }

    /// Registers a check of the final merged configuration.
    pub fn add_check(&mut self, check: Check) {
        self.checks.push(check);
    }

    /// Keeps a file's text so errors about its values can show the line.
    pub fn add_text(&mut self, path: Arc<Path>, text: Arc<str>) {
        self.texts.insert(path, text);
    }

    /// Runs `f` with `below` as the layers below, for a source made of
    /// several files (discovery), so that a Lua script among them sees the
    /// files found before it. Problems, warnings and checks carry over.
    #[cfg(feature = "lua")]
    pub(crate) fn with_below<R>(
        &mut self,
        below: &Value,
        f: impl FnOnce(&mut LoadCtx<'_>) -> R,
    ) -> R {
        let mut sub = LoadCtx {
            schema: self.schema,
            env: self.env,
            config_arg: self.config_arg.clone(),
            config_taken: self.config_taken,
            #[cfg(feature = "cli")]
            matches: self.matches,
            below,
            texts: &mut *self.texts,
            problems: Vec::new(),
            warnings: Vec::new(),
            naming: self.naming,
            checks: Vec::new(),
        };
        let out = f(&mut sub);
        let LoadCtx {
            problems,
            warnings,
            checks,
            ..
        } = sub;
        self.problems.extend(problems);
        self.warnings.extend(warnings);
        self.checks.extend(checks);
        out
    }
}

/// The text of every file read by a load, for error snippets.
pub(crate) type Texts = HashMap<Arc<Path>, Arc<str>>;
