//! [`Lua`]: a script layer with its limits and the values the host gives it.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use super::sandbox::Limits;
use super::worker::{self, Job};
use crate::error::Problem;
use crate::origin::Origin;
use crate::source::file::read;
use crate::source::{LoadCtx, Source};
use crate::value::{Kind, Table, Value};

/// A Lua script as a layer, run in a sandbox with limits on memory,
/// instructions and wall time.
///
/// A `.lua` file given to [`Builder::file`](crate::Builder::file) or found by
/// discovery is loaded with the default limits; build a `Lua` to choose them,
/// or to give the script values of the host, and add it with
/// [`Builder::source`](crate::Builder::source).
///
/// The script sees the configuration merged from the layers below as the
/// read-only global `config`, the host's values as `host`, and returns a
/// table that is merged on top. `validate(function(cfg) ... end)` registers a
/// hook that runs on the final configuration, after every layer.
///
/// ```
/// use staid::source::Lua;
/// use staid::Config;
///
/// #[derive(Config, Debug)]
/// struct App {
///     #[config(default = "db1")]
///     host: String,
///     #[config(default = 5432)]
///     port: u16,
///     url: String,
///     workers: u32,
/// }
///
/// let script = r#"
///     validate(function(cfg)
///         if cfg.workers > 64 then error("at most 64 workers") end
///     end)
///     return {
///         url = "postgres://" .. config.host .. ":" .. config.port,
///         workers = host.cpus * 2,
///     }
/// "#;
/// let app = App::builder()
///     .source(Lua::text("plugin.lua", script).host("cpus", 4))
///     .load()
///     .unwrap();
/// assert_eq!(app.url, "postgres://db1:5432");
/// assert_eq!(app.workers, 8);
///
/// let err = App::builder()
///     .source(Lua::text("plugin.lua", script).host("cpus", 40))
///     .load()
///     .unwrap_err();
/// assert_eq!(err.to_string(), "error: at most 64 workers\n  --> plugin.lua:3");
/// ```
#[derive(Clone, Debug)]
pub struct Lua {
    script: Script,
    limits: Limits,
    host: Table,
}

#[derive(Clone, Debug)]
enum Script {
    File { path: PathBuf, optional: bool },
    Text { name: PathBuf, text: Arc<str> },
}

impl Lua {
    /// The default memory limit: 32 MiB.
    pub const DEFAULT_MEMORY_LIMIT: usize = 32 * 1024 * 1024;
    /// The default instruction limit: 100 million Lua VM instructions.
    pub const DEFAULT_INSTRUCTION_LIMIT: u64 = 100_000_000;
    /// The default time limit: one second.
    pub const DEFAULT_TIME_LIMIT: Duration = Duration::from_secs(1);

    /// A script file that must exist.
    pub fn file(path: impl Into<PathBuf>) -> Lua {
        Lua::new(Script::File {
            path: path.into(),
            optional: false,
        })
    }

    /// A script file that may be missing; if it exists it must be readable
    /// and run without error.
    pub fn optional_file(path: impl Into<PathBuf>) -> Lua {
        Lua::new(Script::File {
            path: path.into(),
            optional: true,
        })
    }

    /// A script held in memory; `name` stands for the file in origins and
    /// errors.
    pub fn text(name: impl Into<PathBuf>, text: impl Into<Arc<str>>) -> Lua {
        Lua::new(Script::Text {
            name: name.into(),
            text: text.into(),
        })
    }

    fn new(script: Script) -> Lua {
        Lua {
            script,
            limits: Limits::default(),
            host: Table::new(),
        }
    }

    /// The most memory the script's Lua state may allocate, in bytes.
    /// Default [`Lua::DEFAULT_MEMORY_LIMIT`].
    pub fn memory_limit(mut self, bytes: usize) -> Lua {
        self.limits.memory = bytes;
        self
    }

    /// The most Lua VM instructions the script may run (checked every
    /// thousand). Default [`Lua::DEFAULT_INSTRUCTION_LIMIT`].
    pub fn instruction_limit(mut self, instructions: u64) -> Lua {
        self.limits.instructions = instructions;
        self
    }

    /// The longest the script may run, in wall time. The load returns by
    /// then even if the script is stuck in a library call. Default
    /// [`Lua::DEFAULT_TIME_LIMIT`].
    pub fn time_limit(mut self, limit: Duration) -> Lua {
        self.limits.time = limit;
        self
    }

    /// Gives the script a value as `host.<name>`, such as the number of CPUs
    /// or the host name, which a sandboxed script cannot find out itself.
    ///
    /// ```
    /// # use staid::source::Lua;
    /// let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    /// let script = Lua::file("plugin.lua").host("cpus", cpus).host("region", "eu-west");
    /// ```
    pub fn host(mut self, name: impl Into<String>, value: impl Into<HostValue>) -> Lua {
        let kind = match value.into() {
            HostValue::Bool(b) => Kind::Bool(b),
            HostValue::Integer(i) => Kind::Integer(i.into()),
            HostValue::Float(x) => Kind::Float(x),
            HostValue::String(s) => Kind::String(s),
        };
        self.host
            .insert(name.into(), Value::new(kind, Origin::Code));
        self
    }

    fn name(&self) -> &Path {
        match &self.script {
            Script::File { path, .. } => path,
            Script::Text { name, .. } => name,
        }
    }
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            memory: Lua::DEFAULT_MEMORY_LIMIT,
            instructions: Lua::DEFAULT_INSTRUCTION_LIMIT,
            time: Lua::DEFAULT_TIME_LIMIT,
        }
    }
}

impl Source for Lua {
    fn describe(&self) -> String {
        format!("Lua script {}", self.name().display())
    }

    fn load(&self, ctx: &mut LoadCtx<'_>) -> Result<Option<Value>, Vec<Problem>> {
        let path: Arc<Path> = Arc::from(self.name());
        let text = match &self.script {
            Script::File { optional, .. } => match read(&path, *optional)? {
                Some(text) => text,
                None => return Ok(None),
            },
            Script::Text { text, .. } => text.clone(),
        };
        run(ctx, path, text, self.limits, &self.host)
    }

    fn watch_paths(&self) -> Vec<PathBuf> {
        match &self.script {
            Script::File { path, .. } => vec![path.clone()],
            Script::Text { .. } => Vec::new(),
        }
    }
}

/// Runs a `.lua` file read by a file layer, with the default limits.
pub(crate) fn load_text(
    ctx: &mut LoadCtx<'_>,
    path: Arc<Path>,
    text: Arc<str>,
) -> Result<Option<Value>, Vec<Problem>> {
    run(ctx, path, text, Limits::default(), &Table::new())
}

fn run(
    ctx: &mut LoadCtx<'_>,
    path: Arc<Path>,
    text: Arc<str>,
    limits: Limits,
    host: &Table,
) -> Result<Option<Value>, Vec<Problem>> {
    ctx.add_text(path.clone(), text.clone());
    let outcome = worker::run(Job {
        script: path,
        text,
        below: ctx.below().clone(),
        host: Value::new(Kind::Table(host.clone()), Origin::Code),
        schema: ctx.schema(),
        env: ctx.env().clone(),
        limits,
    });
    if let Some(check) = outcome.check {
        ctx.add_check(check);
    }
    if outcome.problems.is_empty() {
        Ok(outcome.layer)
    } else {
        Err(outcome.problems)
    }
}

/// A value the host gives a script with [`Lua::host`].
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum HostValue {
    /// A boolean.
    Bool(bool),
    /// An integer.
    Integer(i64),
    /// A float.
    Float(f64),
    /// A string.
    String(String),
}

impl From<bool> for HostValue {
    fn from(b: bool) -> HostValue {
        HostValue::Bool(b)
    }
}

macro_rules! host_integers {
    ($($ty:ty),*) => {$(
        impl From<$ty> for HostValue {
            fn from(i: $ty) -> HostValue {
                HostValue::Integer(i.into())
            }
        }
    )*};
}

host_integers!(i8, i16, i32, i64, u8, u16, u32);

impl From<usize> for HostValue {
    /// Saturates at `i64::MAX`, Lua's largest integer.
    fn from(i: usize) -> HostValue {
        HostValue::Integer(i64::try_from(i).unwrap_or(i64::MAX))
    }
}

impl From<u64> for HostValue {
    /// Saturates at `i64::MAX`, Lua's largest integer.
    fn from(i: u64) -> HostValue {
        HostValue::Integer(i64::try_from(i).unwrap_or(i64::MAX))
    }
}

impl From<f64> for HostValue {
    fn from(x: f64) -> HostValue {
        HostValue::Float(x)
    }
}

impl From<f32> for HostValue {
    fn from(x: f32) -> HostValue {
        HostValue::Float(x.into())
    }
}

impl From<&str> for HostValue {
    fn from(s: &str) -> HostValue {
        HostValue::String(s.to_owned())
    }
}

impl From<String> for HostValue {
    fn from(s: String) -> HostValue {
        HostValue::String(s)
    }
}
