//! [`Lua`]: a script layer with its limits and the values the host gives it.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use super::meter::{bytes, Limits};
use super::report::Secrets;
use super::sandbox::Policy;
use super::worker::{self, Job};
use crate::error::{Problem, ProblemKind};
use crate::naming::EnvNaming;
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
///
/// # Secrets
///
/// A script does not see `#[config(secret)]` fields: they are absent from
/// `config` and from what hooks get, unless the application lets it read
/// one with [`Lua::reveal_secret`]. `os.getenv` never reads the variable
/// of a secret field it may not read, nor, unless the application names the
/// variables a script may read with [`Lua::env_vars`], one whose name says
/// it holds a credential: one with `TOKEN`, `PASSWORD`, `PASSWD`,
/// `PASSPHRASE`, `SECRET`, `CREDENTIAL`, `PRIVATE`, `AUTHORIZATION`,
/// `COOKIE` or `SIGNATURE` anywhere in it, a word ending in `KEY`, `KEYS`,
/// `PASS`, `AUTH`, `PWD` or `PW`, or the word `PIN` or `SESSION`, case
/// ignored (`PGPASSWORD`, `API_KEY`, `SSHPASS`, `MYSQL_PWD`; not the
/// shell's `PWD`).
/// Whatever a script can read, the value of a secret never comes out of it:
/// a result that copies one into a field that is not secret, or into a key,
/// is an error, and the value is replaced by `<secret>` in every message
/// the script causes.
#[derive(Clone, Debug)]
pub struct Lua {
    script: Script,
    limits: Limits,
    host: Table,
    revealed: Vec<String>,
    env_vars: Option<Vec<String>>,
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
    /// The smallest memory limit: what a Lua state with its libraries and
    /// a small configuration needs.
    pub const MIN_MEMORY_LIMIT: usize = 256 * 1024;
    /// The longest time limit: a configuration that takes longer to compute
    /// is a mistake, and a longer limit would keep a stuck load waiting.
    pub const MAX_TIME_LIMIT: Duration = Duration::from_secs(3600);

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
            revealed: Vec::new(),
            env_vars: None,
        }
    }

    /// The most memory the script's Lua state may allocate, in bytes; the
    /// host also spends at most as much again copying the script's result
    /// out of Lua. Default [`Lua::DEFAULT_MEMORY_LIMIT`]; there is no
    /// "unlimited": a limit under [`Lua::MIN_MEMORY_LIMIT`] (zero included)
    /// is an error of the load.
    pub fn memory_limit(mut self, bytes: usize) -> Lua {
        self.limits.memory = bytes;
        self
    }

    /// The most Lua VM instructions the script may run, counted in steps of
    /// a thousand, across all of its coroutines (each resume counts as a
    /// step). Default [`Lua::DEFAULT_INSTRUCTION_LIMIT`]; zero is an error
    /// of the load, and `u64::MAX` leaves only the time limit.
    pub fn instruction_limit(mut self, instructions: u64) -> Lua {
        self.limits.instructions = instructions;
        self
    }

    /// The longest the script may run, in wall time. The load returns by
    /// then even if the script is stuck in a library call. Default
    /// [`Lua::DEFAULT_TIME_LIMIT`]; zero, or more than
    /// [`Lua::MAX_TIME_LIMIT`], is an error of the load.
    pub fn time_limit(mut self, limit: Duration) -> Lua {
        self.limits.time = limit;
        self
    }

    /// Lets the script read the secret field at the dotted `key` (and
    /// what is inside it), in `config` and in its hooks, and the variable
    /// that sets it through `os.getenv`. Its value still never appears in
    /// errors, and the script cannot copy it into a field that is not
    /// secret. Only the value as it is can be searched for: a script that
    /// changes it (`token:upper()`, a piece of it) can put what it made
    /// anywhere, so reveal a secret only to a script trusted with it.
    pub fn reveal_secret(mut self, key: impl Into<String>) -> Lua {
        self.revealed.push(key.into());
        self
    }

    /// The only environment variables `os.getenv` may read; every other
    /// name reads as `nil`. Without it a script reads the builder's
    /// environment, less the variables of secret fields and those whose name
    /// says they hold a credential. A secret field's variable stays hidden
    /// even when named here: [`reveal_secret`](Lua::reveal_secret) opens it.
    pub fn env_vars<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Lua {
        self.env_vars
            .get_or_insert_with(Vec::new)
            .extend(names.into_iter().map(Into::into));
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
        let limits = self.checked_limits(&path)?;
        let policy = policy(ctx, &path, &self.revealed, self.env_vars.clone())?;
        run(ctx, path, text, limits, policy, &self.host)
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
    let policy = policy(ctx, &path, &[], None)?;
    run(ctx, path, text, Limits::default(), policy, &Table::new())
}

impl Lua {
    /// The limits, or the problems of those that cannot be used.
    fn checked_limits(&self, path: &Arc<Path>) -> Result<Limits, Vec<Problem>> {
        let limits = self.limits;
        let mut problems = Vec::new();
        let mut bad = |message: String, help: &str| {
            problems.push(
                Problem::new(ProblemKind::Source, message)
                    .with_origin(Origin::Lua {
                        script: path.clone(),
                        line: None,
                    })
                    .with_help(help.to_owned()),
            );
        };
        if limits.memory < Lua::MIN_MEMORY_LIMIT {
            bad(
                format!(
                    "the memory limit of {} is too small: a script needs at least {}",
                    bytes(limits.memory),
                    bytes(Lua::MIN_MEMORY_LIMIT)
                ),
                "set it with `staid::source::Lua::memory_limit`; there is no unlimited",
            );
        }
        if limits.instructions == 0 {
            bad(
                "the instruction limit of 0 lets no script run".to_owned(),
                "set it with `staid::source::Lua::instruction_limit`; `u64::MAX` leaves \
                 only the time limit",
            );
        }
        if limits.time.is_zero() || limits.time > Lua::MAX_TIME_LIMIT {
            bad(
                format!(
                    "the time limit of {} is out of range: it must be more than zero and at \
                     most {}",
                    humantime::format_duration(limits.time),
                    humantime::format_duration(Lua::MAX_TIME_LIMIT)
                ),
                "set it with `staid::source::Lua::time_limit`",
            );
        }
        if problems.is_empty() {
            Ok(limits)
        } else {
            Err(problems)
        }
    }
}

/// What the script may see of the secrets: the fields it may read, the
/// variables `os.getenv` hides, and the secret values already known (from
/// the layers below and from the variables of secret fields).
fn policy(
    ctx: &LoadCtx<'_>,
    path: &Arc<Path>,
    revealed: &[String],
    env_vars: Option<Vec<String>>,
) -> Result<Policy, Vec<Problem>> {
    let schema = ctx.schema();
    let mut problems = Vec::new();
    let mut fields = Vec::new();
    for key in revealed {
        let mut at = Some(schema);
        let mut field = None;
        for part in key.split('.') {
            field = at.and_then(|s| s.field(part));
            at = field.and_then(|f| f.nested());
        }
        match field.filter(|f| f.secret) {
            Some(field) => fields.push(field),
            None => problems.push(
                Problem::new(
                    ProblemKind::Unknown,
                    format!("`reveal_secret(\"{key}\")` names no secret field"),
                )
                .with_origin(Origin::Lua {
                    script: path.clone(),
                    line: None,
                }),
            ),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut secrets = Secrets::default();
    secrets.add_tree(schema, ctx.below());
    // What the script can read, which alone it can copy into a result.
    let mut readable = Secrets::default();
    // Every way the stack spells variables: its env layers' own (the
    // builder's, and each other `Env` with its prefix and separator), the
    // builder's spelling for `.env` files, and the app's name as a prefix
    // with either separator: a builder without an env layer has no prefix,
    // but its process still has `MYAPP_TOKEN`.
    let naming = ctx.naming;
    let mut namings: Vec<EnvNaming> = naming
        .env
        .iter()
        .chain(&naming.builder_env)
        .chain(&naming.other_env)
        .cloned()
        .collect();
    let mut prefixes = vec![ctx.env_prefix().to_owned()];
    if let Some(name) = ctx.app_name() {
        prefixes.push(format!("{}_", name.to_ascii_uppercase().replace('-', "_")));
    }
    for prefix in &prefixes {
        namings.extend(["_", "__"].map(|sep| EnvNaming::new(Some(prefix), sep)));
    }
    let env = ctx.env();
    let mut env_hidden = Vec::new();
    let mut env_revealed = Vec::new();
    schema.walk_named(&mut |key, spelled, field| {
        if !schema.is_secret(key) {
            return;
        }
        let mut names: Vec<String> = field.env.map(str::to_owned).into_iter().collect();
        for naming in &namings {
            let name = naming.var(spelled, field);
            if !names.contains(&name) {
                names.push(name);
            }
        }
        let revealed = revealed_at(schema, key, &fields);
        for name in &names {
            if let Some(value) = env.get(name) {
                secrets.add(value);
                if revealed {
                    readable.add(value);
                }
            }
        }
        if revealed {
            if let Some(value) = ctx.below().get(key) {
                readable.add_value(value);
            }
        }
        let list = if revealed {
            &mut env_revealed
        } else {
            &mut env_hidden
        };
        for name in names {
            list.push(format!("{name}_FILE"));
            list.push(name);
        }
    });
    // Variables that reach a secret through a section, which the walk of
    // leaf fields does not spell: inline JSON for a list or map of sections
    // (`MYAPP_ROUTES`), a field of a map's entry (`MYAPP_UPSTREAMS_EU_DSN`).
    // Found among the variables `os.getenv` reads. A secret inside a list
    // or map cannot be revealed, so these are always hidden.
    for (name, value) in env.iter() {
        if env_hidden.iter().chain(&env_revealed).any(|h| h == name) {
            continue;
        }
        if namings
            .iter()
            .any(|n| !crate::source::secret_keys(schema, n, name).is_empty())
        {
            secrets.add(value);
            env_hidden.push(name.to_owned());
        }
    }
    secrets.sort();
    readable.sort();
    Ok(Policy {
        revealed: fields,
        env_allowed: env_vars,
        env_hidden,
        env_revealed,
        secrets,
        readable,
    })
}

/// Whether the secret at `key` is inside a field the application revealed.
fn revealed_at(
    schema: &'static crate::Schema,
    key: &str,
    revealed: &[&'static crate::Field],
) -> bool {
    let mut at = Some(schema);
    for part in key.split('.') {
        let Some(field) = at.and_then(|s| s.field(part)) else {
            return false;
        };
        if field.secret {
            return revealed.iter().any(|f| std::ptr::eq(*f, field));
        }
        at = field.nested();
    }
    false
}

fn run(
    ctx: &mut LoadCtx<'_>,
    path: Arc<Path>,
    text: Arc<str>,
    limits: Limits,
    policy: Policy,
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
        policy,
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
