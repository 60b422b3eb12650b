//! A load: every layer of the plan read and merged in order, the struct
//! built, checks run, secrets hidden; and what it gives back.

use std::fmt;

use crate::build::Ctx;
use crate::error::{Error, Exit, Problem, ProblemKind, Warning};
use crate::explain::Explain;
use crate::origin::Origin;
use crate::plan::Plan;
use crate::source::{LoadCtx, Sink};
use crate::value::{Kind, Value};
use crate::Config;

/// What to do with keys (and env variables) the configuration does not
/// have. Keys in files default to `Error`; `<PREFIX>*` variables to `Warn`,
/// since the environment is shared with the platform (see
/// [`Builder::unknown_env`](crate::Builder::unknown_env)).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Unknown {
    /// Fail the load (`Default::default()`): a typo should not be silently
    /// ignored.
    #[default]
    Error,
    /// Load, and report each unknown key as a warning.
    Warn,
    /// Load and say nothing.
    Ignore,
}

/// A loaded configuration together with the merged tree it was built from.
///
/// ```
/// use staid::{Config, Origin};
///
/// #[derive(Config)]
/// struct App {
///     #[config(default = 8080)]
///     port: u16,
///     #[config(secret)]
///     token: Option<String>,
/// }
///
/// let loaded = App::builder()
///     .toml_str("token = \"hunter2\"")
///     .load_full()
///     .unwrap();
/// assert_eq!(loaded.origin("port"), Some(&Origin::Default));
/// let text = loaded.explain().to_string();
/// assert_eq!(
///     text,
///     "port = 8080         # default\n\
///      token = \"<secret>\"  # <toml>:1:9\n"
/// );
/// ```
pub struct Loaded<T> {
    config: T,
    tree: Value,
    warnings: Vec<Warning>,
}

impl<T: Config> Loaded<T> {
    pub(crate) fn new(config: T, tree: Value, warnings: Vec<Warning>) -> Self {
        Loaded {
            config,
            tree,
            warnings,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &T {
        &self.config
    }

    /// The configuration, dropping the tree.
    pub fn into_config(self) -> T {
        self.config
    }

    /// The merged tree of values with their origins. Its `Debug` shows the
    /// values of secret fields as the mask; their values themselves are
    /// there to read (`as_str`), so print [`explain`](Loaded::explain)
    /// rather than values taken out of the tree.
    pub fn tree(&self) -> &Value {
        &self.tree
    }

    /// Where the value at a dotted key path (`"db.port"`) came from. `None`
    /// when no layer set it. A key with a dot in it is quoted, as explain
    /// prints it: `upstreams."eu.west".url`.
    pub fn origin(&self, path: &str) -> Option<&Origin> {
        let node = match path.contains('"') {
            false => self.tree.get(path),
            true => quoted_parts(path).and_then(|parts| {
                parts
                    .iter()
                    .try_fold(&self.tree, |node, part| match &node.kind {
                        Kind::Table(t) => t.get(part.as_str()),
                        Kind::Array(items) => items.get(crate::value::list_index(part)?),
                        _ => None,
                    })
            }),
        };
        node.map(|v| &v.origin)
    }

    /// Problems that did not fail the load, such as unknown keys under
    /// [`Unknown::Warn`](crate::Unknown::Warn).
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// The effective configuration, one `key = value  # origin` line per
    /// value, in declaration order, secrets masked.
    pub fn explain(&self) -> Explain<'_> {
        Explain::new(T::SCHEMA, &self.tree)
    }
}

/// Shows the tree, whose secret values are masked, rather than the
/// configuration, whose own `Debug` would print a `#[config(secret)]`
/// `String` as it is.
impl<T> fmt::Debug for Loaded<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Loaded")
            .field("tree", &self.tree)
            .field("warnings", &self.warnings)
            .finish_non_exhaustive()
    }
}

/// What `--check-config` prints for a configuration that loads.
fn check_ok(warnings: &[Warning]) -> String {
    let mut text = String::from("configuration OK\n");
    for warning in warnings {
        text.push_str(&format!("\nwarning: {warning}\n"));
    }
    text
}

impl Plan {
    /// Runs the plan: loads every layer, merges, builds `T`, and reports
    /// every problem of every layer at once.
    pub(crate) fn load<T: Config>(&self, unknown: Unknown) -> Result<Loaded<T>, Error> {
        if let Some(exit) = &self.exit {
            return Err(Error::exit(exit.clone()));
        }
        let schema = T::SCHEMA;
        let mut sink = Sink::default();
        sink.warnings.extend(self.warnings.iter().cloned());
        sink.problems.extend(self.problems.iter().cloned());
        let mut merged = schema.defaults();
        for source in &self.layers {
            let mut ctx = LoadCtx {
                schema,
                vars: &self.vars,
                below: &merged,
                sink: &mut sink,
                naming: &self.naming,
            };
            let (warned, failed) = (ctx.sink.warnings.len(), ctx.sink.problems.len());
            match source.load(&mut ctx) {
                Ok(Some(layer)) => crate::merge::layer(schema, &mut merged, layer),
                Ok(None) => {}
                Err(found) => sink.problems.extend(found),
            }
            // Unknown names are capped per source, reported or returned.
            crate::naming::cap_unknown(&mut sink.problems, failed);
            crate::naming::cap_unknown(&mut sink.warnings, warned);
        }
        let completed = crate::sections::complete(schema, &mut merged);
        crate::paths::resolve(schema, &mut merged);
        let Sink {
            mut problems,
            mut warnings,
            checks,
            texts,
            unparsed,
            refused,
        } = sink;
        problems.extend(completed);
        let mut ctx = Ctx::new(unknown, &texts, &self.naming);
        let config = T::__build(Some(&merged), &mut ctx);
        let (built, built_warnings) = ctx.finish();
        problems.extend(built);
        warnings.extend(built_warnings);
        if refused {
            problems.retain(|p| p.kind() != ProblemKind::Missing);
        } else if !unparsed.is_empty() {
            // The scan names keys unquoted (`servers.a.b.host`), a problem
            // quotes a key with a dot (`servers."a.b".host`).
            let plain = |key: &str| quoted_parts(key).map(|parts| parts.join("."));
            problems.retain(|p| {
                p.kind() != ProblemKind::Missing
                    || !p
                        .key()
                        .and_then(plain)
                        .is_some_and(|k| unparsed.contains(&k))
            });
        }
        for check in &checks {
            problems.extend(check(&merged));
        }
        crate::redact::problems(schema, &mut warnings, &texts);
        match config {
            Some(config) if problems.is_empty() => {
                let mut merged = merged;
                crate::redact::mark(schema, &mut merged);
                let loaded = Loaded::new(config, merged, warnings);
                if let Some(print) = self.print_config {
                    let text = crate::print::render(print, schema, &loaded.tree, &[]);
                    let exit = Error::exit(Exit::PrintConfig(text));
                    return Err(exit.with_warnings(loaded.warnings));
                }
                if self.check_config {
                    let exit = Error::exit(Exit::Check(check_ok(&loaded.warnings)));
                    return Err(exit.with_warnings(loaded.warnings));
                }
                Ok(loaded)
            }
            _ => {
                if problems.is_empty() {
                    // A build that produced nothing has always said why; this
                    // guards the invariant rather than panicking.
                    problems.push(Problem::new(
                        ProblemKind::Source,
                        "the configuration could not be built",
                    ));
                }
                crate::redact::problems(schema, &mut problems, &texts);
                let mut error = Error::from_problems(problems).with_warnings(warnings);
                if let Some(print) = self.print_config {
                    // When it is needed most: what did load, each key with
                    // a problem marked.
                    let text = crate::print::render(print, schema, &merged, error.problems());
                    error = error.with_exit(Exit::PrintConfig(text));
                }
                if self.check_config {
                    error = error.checked();
                }
                Err(error)
            }
        }
    }
}

/// The keys of a dotted path whose keys may be quoted (`a."b.c".d`, with
/// escapes inside quotes); `None` when a quote is left open.
fn quoted_parts(path: &str) -> Option<Vec<String>> {
    crate::value::path_segments(path)
        .map(|part| match part.starts_with('"') {
            true if part.len() < 2 || !part.ends_with('"') => None,
            true => crate::value::unescape(&part[1..part.len() - 1]),
            false => Some(part.replace('"', "")),
        })
        .collect()
}
