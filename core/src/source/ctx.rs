//! What a source implements ([`Source`]) and what it sees while it loads
//! ([`LoadCtx`]), with [`Harness`] to run one source alone in a test.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use super::{Trigger, Vars};
use crate::error::{Problem, Warning};
use crate::naming::Naming;
use crate::origin::Origin;
use crate::schema::Schema;
use crate::snippet::Indexed;
use crate::value::Value;
use crate::Config;

/// A provider of one layer. Files, the environment and flags implement it;
/// so can an application's own source, added with
/// [`Builder::source`](crate::Builder::source).
///
/// A source reads its data, turns it into a [`Value`] tree whose nodes carry
/// their [`Origin`](crate::Origin), and reports what it could not read
/// through [`LoadCtx::problem`] (or as the `Err` of `load`). Values that are
/// text to be converted by the field's type (as env values are) are made with
/// [`Value::text`]. See `examples/custom_source.rs` for a whole one.
pub trait Source: Send + Sync {
    /// A short description for messages: `file app.toml`, `environment`.
    fn describe(&self) -> String;

    /// Produces the layer: `Ok(None)` adds nothing. Problems are reported all
    /// together with those of other layers; a source that finds some may still
    /// return what it could read, reporting them with
    /// [`ctx.problem(..)`](LoadCtx::problem) and returning `Ok(Some(..))`.
    fn load(&self, ctx: &mut LoadCtx<'_>) -> Result<Option<Value>, Vec<Problem>>;

    /// Files whose change should trigger a reload under watch.
    fn watch_paths(&self) -> Vec<PathBuf> {
        Vec::new()
    }

    /// Under watch, starts following the source's own data (a remote store
    /// such as etcd; files are followed through
    /// [`watch_paths`](Source::watch_paths)) and calls `trigger` when it
    /// changes or cannot be followed. Returns a guard that stops following
    /// when dropped, or `None` (the default) when there is nothing to
    /// follow. Called once, before the watch's first load; it must not
    /// block.
    fn subscribe(&self, _trigger: Trigger) -> Option<Subscription> {
        None
    }
}

/// A running subscription of a [`Source`] under watch: following stops when
/// it is dropped. It holds whatever the source needs to keep alive (a task
/// handle, a thread's stop flag).
pub struct Subscription {
    _guard: Box<dyn Send>,
}

impl Subscription {
    /// A subscription that keeps `guard` until it is dropped.
    pub fn new(guard: impl Send + 'static) -> Subscription {
        Subscription {
            _guard: Box::new(guard),
        }
    }
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription").finish_non_exhaustive()
    }
}

/// A check of the final merged configuration, registered by a source (Lua
/// `validate` hooks): it runs after every layer is merged and the struct is
/// built, and its problems join the others.
pub type Check = Box<dyn Fn(&Value) -> Vec<Problem> + Send + Sync>;

/// The text of every file a load read, for the snippets of problems found
/// after parsing (a value of the wrong type), found by the name in their
/// origins. Two layers may give their texts one name (two `Text`s called
/// `defaults`): each parser gives the origins of a text's values one
/// shared `Arc` of the name, which tells them apart.
#[derive(Default)]
pub(crate) struct Texts {
    by_name: HashMap<Arc<Path>, Vec<(Arc<Path>, Indexed)>>,
}

impl Texts {
    fn add(&mut self, name: Arc<Path>, text: Arc<str>) {
        let same = self.by_name.entry(name.clone()).or_default();
        same.retain(|(held, _)| !Arc::ptr_eq(held, &name));
        same.push((name, Indexed::new(text)));
    }

    /// The text a value with this origin was read from: the one kept under
    /// the origin's very name, or else the only one of that name (a source
    /// may name the text apart from its parse). With several texts of one
    /// name and none of them the origin's, none: no line rather than
    /// another text's line.
    pub(crate) fn of(&self, origin: &Origin) -> Option<&Indexed> {
        let Origin::File { path, .. } = origin else {
            return None;
        };
        let same = self.by_name.get(path)?;
        let held = match same.as_slice() {
            [only] => only,
            several => several.iter().find(|(held, _)| Arc::ptr_eq(held, path))?,
        };
        Some(&held.1)
    }
}

/// What the sources of one load report: problems, warnings, checks of the
/// final configuration, and the texts they read.
#[derive(Default)]
pub(crate) struct Sink {
    pub(crate) problems: Vec<Problem>,
    pub(crate) warnings: Vec<Warning>,
    pub(crate) checks: Vec<Check>,
    pub(crate) texts: Texts,
    /// Keys that texts which failed to parse still name: not reported
    /// missing, the syntax error being the problem to fix.
    pub(crate) unparsed: Vec<String>,
    /// The command line was refused (clap's error is the problem to fix):
    /// it sets nothing and may be what sets any key, so no key is
    /// reported missing.
    pub(crate) refused: bool,
}

/// What a source sees while it loads: the schema, the environment, the
/// layers below it, and where to report problems and warnings.
pub struct LoadCtx<'a> {
    pub(crate) schema: &'static Schema,
    pub(crate) vars: &'a OnceLock<Arc<Vars>>,
    pub(crate) below: &'a Value,
    pub(crate) sink: &'a mut Sink,
    pub(crate) naming: &'a Naming,
}

impl LoadCtx<'_> {
    /// The schema of the configuration being loaded.
    pub fn schema(&self) -> &'static Schema {
        self.schema
    }

    /// The environment of this load: the builder's (given with
    /// [`env_from`](crate::Builder::env_from)), or the process's, read once
    /// per builder.
    pub fn env(&self) -> &Vars {
        self.vars_arc()
    }

    /// The environment, shared, for a source that keeps it past the load.
    pub(crate) fn vars_arc(&self) -> &Arc<Vars> {
        self.vars.get_or_init(|| Arc::new(Vars::from_process()))
    }

    /// The configuration merged from the layers below this one.
    pub fn below(&self) -> &Value {
        self.below
    }

    /// The application name from `#[config(name = "..")]`.
    pub fn app_name(&self) -> Option<&'static str> {
        self.schema.name
    }

    /// The prefix of the stack's environment variables, with its trailing
    /// separator (`MYAPP_`), or empty when the stack reads no environment.
    pub fn env_prefix(&self) -> &str {
        self.naming.env.as_ref().map_or("", |e| e.prefix.as_str())
    }

    /// Reports a problem and goes on loading.
    pub fn problem(&mut self, problem: Problem) {
        self.sink.problems.push(problem);
    }

    /// Reports a warning: it does not fail the load, and arrives in
    /// [`Loaded::warnings`](crate::Loaded::warnings) and with reloads.
    pub fn warning(&mut self, warning: Warning) {
        self.sink.warnings.push(warning);
    }

    /// Merges the result of one of several loads that make one layer (the
    /// files of a drop-in directory, or of discovery run alone) into
    /// `merged`: a failed load's problems are kept, and the others still
    /// count.
    pub(crate) fn merge_loaded(
        &mut self,
        merged: &mut Option<Value>,
        loaded: Result<Option<Value>, Vec<Problem>>,
    ) {
        match (loaded, merged.as_mut()) {
            (Ok(Some(layer)), Some(m)) => crate::merge::layer(self.schema, m, layer),
            (Ok(Some(layer)), None) => *merged = Some(layer),
            (Ok(None), _) => {}
            (Err(problems), _) => self.sink.problems.extend(problems),
        }
    }

    /// Registers a check of the final merged configuration.
    pub fn add_check(&mut self, check: Check) {
        self.sink.checks.push(check);
    }

    /// Keeps the text that values with [`Origin::File`](crate::Origin::File)
    /// origins named `name` were read from, so that problems found later
    /// (a value of the wrong type) show its line with a caret, and no line
    /// of a secret value that spans lines. Problems of
    /// [`format::parse`](crate::format::parse) need no call: they carry
    /// their text. Give each text of a load a name of its own: of two texts
    /// kept under one name, a problem may show neither's line.
    pub fn add_text(&mut self, name: impl Into<Arc<Path>>, text: Arc<str>) {
        self.sink.texts.add(name.into(), text);
    }
}

/// A load context of one's own, to run a [`Source`] alone in a test.
///
/// ```
/// use staid::source::{Harness, Source, Text};
/// use staid::format::Format;
/// use staid::Config;
///
/// #[derive(Config)]
/// struct App {
///     #[config(default = 80)]
///     port: u16,
/// }
///
/// let mut harness = Harness::new::<App>();
/// let layer = harness.load(&Text::new(Format::Toml, "<t>", "port = 8080")).unwrap();
/// assert_eq!(layer.unwrap().get("port").unwrap().origin.to_string(), "<t>:1:8");
/// assert!(harness.problems().is_empty());
///
/// // A source that reads `<PREFIX>*` variables sees the stack's prefix.
/// struct Prefix;
/// impl Source for Prefix {
///     fn describe(&self) -> String {
///         "prefix".into()
///     }
///     fn load(
///         &self,
///         ctx: &mut staid::source::LoadCtx<'_>,
///     ) -> Result<Option<staid::Value>, Vec<staid::Problem>> {
///         assert_eq!(ctx.env_prefix(), "MYAPP_");
///         Ok(None)
///     }
/// }
/// Harness::new::<App>().env_prefix("myapp").load(&Prefix).unwrap();
/// ```
pub struct Harness {
    schema: &'static Schema,
    vars: OnceLock<Arc<Vars>>,
    below: Value,
    sink: Sink,
    naming: Naming,
}

impl Harness {
    /// A context for loading `T`'s configuration, with an empty environment
    /// (never the process's) and `T`'s defaults as the layers below.
    pub fn new<T: Config>() -> Harness {
        Harness {
            schema: T::SCHEMA,
            vars: OnceLock::from(Arc::new(Vars::default())),
            below: T::SCHEMA.defaults(),
            sink: Sink::default(),
            naming: Naming::default(),
        }
    }

    /// The environment the source sees through [`LoadCtx::env`].
    pub fn env(mut self, vars: Vars) -> Harness {
        self.vars = OnceLock::from(Arc::new(vars));
        self
    }

    /// As in a stack that reads the environment under `prefix` (`"MYAPP"`
    /// or `"MYAPP_"`), what [`LoadCtx::env_prefix`] gives the source. Without
    /// it, the stack reads no environment and the prefix is empty.
    pub fn env_prefix(mut self, prefix: &str) -> Harness {
        self.naming.env = Some(crate::naming::EnvNaming::new(Some(prefix), "_"));
        self
    }

    /// The configuration merged below the source, instead of the defaults.
    pub fn below(mut self, below: Value) -> Harness {
        self.below = below;
        self
    }

    /// Runs `source`'s [`load`](Source::load) with this context. Problems it
    /// reports through the context are kept for [`problems`](Harness::problems).
    ///
    /// Secrets are hidden as a whole load hides them: the values of secret
    /// fields show as the mask in `Debug`, and problems at them lose their
    /// snippets.
    pub fn load(&mut self, source: &dyn Source) -> Result<Option<Value>, Vec<Problem>> {
        let mut ctx = LoadCtx {
            schema: self.schema,
            vars: &self.vars,
            below: &self.below,
            sink: &mut self.sink,
            naming: &self.naming,
        };
        let loaded = source.load(&mut ctx);
        let (schema, sink) = (self.schema, &mut self.sink);
        crate::redact::problems(schema, &mut sink.problems, &sink.texts);
        crate::redact::problems(schema, &mut sink.warnings, &sink.texts);
        match loaded {
            Ok(Some(mut layer)) => {
                crate::redact::mark(schema, &mut layer);
                Ok(Some(layer))
            }
            Ok(None) => Ok(None),
            Err(mut problems) => {
                crate::redact::problems(schema, &mut problems, &sink.texts);
                Err(problems)
            }
        }
    }

    /// The problems reported so far through the context.
    pub fn problems(&self) -> &[Problem] {
        &self.sink.problems
    }

    /// The warnings reported so far.
    pub fn warnings(&self) -> &[Warning] {
        &self.sink.warnings
    }

    /// Runs the checks registered so far on `tree` and returns their problems.
    pub fn run_checks(&self, tree: &Value) -> Vec<Problem> {
        self.sink
            .checks
            .iter()
            .flat_map(|check| check(tree))
            .collect()
    }
}
