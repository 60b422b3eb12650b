//! The environment layer, directed by the schema in the manner of Go's
//! envconfig: every leaf field has one variable name, so names resolve
//! exactly and unknown `<PREFIX>*` variables can be reported.
//!
//! The names depend only on the schema and the naming rules, so they are
//! worked out once per schema and rules, and shared by every builder (the
//! plan); a load then reads only the variables under the prefix, plus the
//! few exact names outside it.

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Arc;

mod names;
mod plan;

use names::{map_entry, names_entry, single_underscores, unknown, MapEntry};
use plan::Plan;

use super::service_links::{port_url, service_link, service_links};
use super::{read_value, LoadCtx, Source, Vars};
use crate::error::{Problem, ProblemKind};
use crate::naming::EnvNaming;
use crate::origin::Origin;
use crate::schema::Schema;
use crate::value::{path_segments, unquote_segment, Kind, Value};
use crate::Unknown;

/// The environment as a layer: `<PREFIX><KEY_PATH>` variables, converted by
/// each field's type. [`Builder::env`](crate::Builder::env) and its
/// companions (`env_from`, `env_prefix`, `env_separator`, ...) add and
/// configure one of these; added with [`Builder::source`](crate::Builder::source)
/// it behaves the same.
///
/// ```
/// use staid::source::Env;
/// use staid::{Config, Unknown};
///
/// #[derive(Config)]
/// #[config(name = "myapp")]
/// struct App {
///     #[config(nested)]
///     db: Db,
/// }
///
/// #[derive(Config)]
/// struct Db {
///     #[config(default = "localhost")]
///     host: String,
/// }
///
/// let env = Env::prefixed("SVC")
///     .separator("__")
///     .unknown(Unknown::Warn)
///     .vars([("SVC__DB__HOST", "db1")]);
/// let app = App::builder().source(env).load().unwrap();
/// assert_eq!(app.db.host, "db1");
/// ```
#[derive(Clone, Debug)]
pub struct Env {
    // Each setting is `None` until set, so that a layer given to
    // `Builder::source` keeps what `env_*` methods set before it, unless it
    // sets that itself.
    prefix: Option<String>,
    separator: Option<&'static str>,
    empty_is_unset: Option<bool>,
    unknown: Option<Unknown>,
    vars: Option<Arc<Vars>>,
    /// Whether this layer reports the variable names that two fields would
    /// share. A `.env` file's layer leaves that to the stack's environment
    /// layer when there is one, so each is said once.
    pub(crate) collisions: bool,
    /// The directory a relative `_FILE` path is read from: a `.env` file's,
    /// as a path in any file is read from next to it. `None` for the
    /// process environment, whose paths are the working directory's.
    pub(crate) base: Option<PathBuf>,
}

impl Default for Env {
    fn default() -> Env {
        Env {
            prefix: None,
            separator: None,
            empty_is_unset: None,
            unknown: None,
            vars: None,
            collisions: true,
            base: None,
        }
    }
}

impl Env {
    /// The environment with the prefix from `#[config(name = "..")]`
    /// (`myapp` reads `MYAPP_*`), read from the process.
    pub fn new() -> Env {
        Env::default()
    }

    /// The environment with this prefix instead of the app name's: `"APP"`
    /// or `"APP_"` read `APP_PORT`; an empty prefix reads bare names
    /// (`PORT`).
    pub fn prefixed(prefix: impl Into<String>) -> Env {
        Env::new().prefix(prefix)
    }

    /// Sets the prefix (see [`prefixed`](Env::prefixed)).
    pub fn prefix(mut self, prefix: impl Into<String>) -> Env {
        self.prefix = Some(prefix.into());
        self
    }

    /// The separator between the prefix and nested keys: `"_"` (the
    /// default) or `"__"` (`MYAPP__DB__HOST`), for key names that themselves
    /// contain `_`.
    pub fn separator(mut self, separator: &'static str) -> Env {
        self.separator = Some(separator);
        self
    }

    /// Whether a variable set to the empty string counts as unset (the
    /// default, `true`) or as an empty value.
    pub fn empty_is_unset(mut self, yes: bool) -> Env {
        self.empty_is_unset = Some(yes);
        self
    }

    /// What to do with `<PREFIX>*` variables that name no field. Default:
    /// [`Unknown::Warn`]: Kubernetes and other platforms set variables under
    /// an app's prefix that are not its configuration (see the README's
    /// environment section); [`Unknown::Error`] is the strict mode.
    pub fn unknown(mut self, unknown: Unknown) -> Env {
        self.unknown = Some(unknown);
        self
    }

    /// Reads these variables instead of the process environment.
    pub fn vars<K: Into<String>, V: Into<String>>(
        mut self,
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Env {
        self.vars = Some(Arc::new(Vars::from_pairs(vars)));
        self
    }

    /// Like [`vars`](Env::vars), with names and values as the OS gives them;
    /// a value that is not UTF-8 is an error naming its variable when a
    /// field reads it.
    pub fn vars_os<K: Into<OsString>, V: Into<OsString>>(
        mut self,
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Env {
        self.vars = Some(Arc::new(Vars::from_os_pairs(vars)));
        self
    }

    /// This layer's settings, and where it sets none, those of `below`
    /// (the builder's, made by its `env_*` methods).
    pub(crate) fn over(self, below: Env) -> Env {
        Env {
            prefix: self.prefix.or(below.prefix),
            separator: self.separator.or(below.separator),
            empty_is_unset: self.empty_is_unset.or(below.empty_is_unset),
            unknown: self.unknown.or(below.unknown),
            vars: self.vars.or(below.vars),
            collisions: self.collisions,
            base: self.base,
        }
    }

    /// These settings without the variables given with [`vars`](Env::vars).
    pub(crate) fn settings(&self) -> Env {
        Env {
            vars: None,
            ..self.clone()
        }
    }

    /// Whether a prefix was given (`Env::prefixed`, `prefix`), rather than
    /// the one the stack gives.
    pub(crate) fn has_prefix(&self) -> bool {
        self.prefix.is_some()
    }

    /// What to do with unknown `<PREFIX>*` variables: a warning unless set.
    /// Platforms put variables of their own under an app's prefix
    /// (Kubernetes service links): a warning keeps such an app running and
    /// still shows the typo.
    fn unknown_policy(&self) -> Unknown {
        self.unknown.unwrap_or(Unknown::Warn)
    }

    /// Whether an empty value is unset: yes unless set.
    fn empty_unset(&self) -> bool {
        self.empty_is_unset.unwrap_or(true)
    }

    /// The variables given with [`vars`](Env::vars), if any.
    pub(crate) fn own_vars(&self) -> Option<&Arc<Vars>> {
        self.vars.as_ref()
    }

    /// The file a `_FILE` variable's value names, a relative one read from
    /// [`base`](Env::base) when there is one.
    fn file_path(&self, value: &str) -> PathBuf {
        match &self.base {
            Some(base) => base.join(value),
            None => PathBuf::from(value),
        }
    }

    /// This layer as a load plan runs it: reading `vars` unless it has
    /// variables of its own, and spelled for `schema` (its prefix the app's
    /// name unless it has one), so that it knows, without a schema, the
    /// files its `_FILE` variables name ([`watch_paths`](Source::watch_paths)).
    pub(crate) fn planned(mut self, vars: &Arc<Vars>, schema: &Schema) -> Env {
        self.vars.get_or_insert_with(|| vars.clone());
        if self.prefix.is_none() {
            self.prefix = schema.name.map(str::to_owned);
        }
        self
    }

    /// How this layer names variables for `schema`.
    pub(crate) fn naming(&self, schema: &Schema) -> EnvNaming {
        EnvNaming::new(
            self.prefix.as_deref().or(schema.name),
            self.separator.unwrap_or("_"),
        )
    }
}

/// How deep maps of sections inside entries of maps are read one variable
/// per field (`MYAPP_SITES_A_PEERS_B_URL` is two); deeper ones take inline
/// JSON. Each level is one more place a variable's name can split.
pub(crate) const MAX_MAP_DEPTH: usize = 4;

/// The key paths `name` could set as a field of an entry of a map of
/// sections of `schema`, spelled as that key path (`upstreams.eu.url`) or
/// as the field's variable under `naming` (`MYAPP_UPSTREAMS_EU_URL`): the
/// entries' fields a credential of that name sets.
pub(crate) fn entry_keys(schema: &'static Schema, naming: &EnvNaming, name: &str) -> Vec<String> {
    let plan = Plan::cached(schema, naming);
    plan.maps.iter().flat_map(|map| map.keys_of(name)).collect()
}

/// The key path of the field whose variable under `naming` is `var` (not
/// its `_FILE` form), if any.
pub(crate) fn field_of(schema: &'static Schema, naming: &EnvNaming, var: &str) -> Option<String> {
    let plan = Plan::cached(schema, naming);
    match plan.by_var.get(var) {
        Some(&(i, false)) => Some(plan.fields[i].0.clone()),
        _ => None,
    }
}

/// The key paths that `var` sets under `naming` and that are secret or hold
/// a secret: a field's own variable (`MYAPP_DB_PASSWORD`, or inline JSON for
/// a list of sections with a secret field, `MYAPP_ROUTES`), or a field of a
/// map entry (`MYAPP_UPSTREAMS_EU_PASSWORD`). Its `_FILE` form, which names
/// a file, is not one.
pub(crate) fn secret_keys(schema: &'static Schema, naming: &EnvNaming, var: &str) -> Vec<String> {
    if !schema.facts().secrets {
        return Vec::new();
    }
    field_of(schema, naming, var)
        .into_iter()
        .chain(entry_keys(schema, naming, var))
        .filter(|key| crate::redact::reaches_secret(schema, key))
        .collect()
}

/// What the environment holds for one field.
#[derive(Default, Clone, Copy)]
struct Found<'e> {
    value: Option<&'e str>,
    file: Option<&'e str>,
}

impl Source for Env {
    fn describe(&self) -> String {
        "environment".to_owned()
    }

    /// The files its `<PREFIX>*_FILE` variables name, so that a rotated
    /// secret file (a Kubernetes secret mounted as files) reloads. Known
    /// once the layer is planned, with its variables.
    fn watch_paths(&self) -> Vec<PathBuf> {
        let Some(vars) = &self.vars else {
            return Vec::new();
        };
        let prefix = EnvNaming::new(self.prefix.as_deref(), self.separator.unwrap_or("_")).prefix;
        vars.with_prefix(&prefix)
            .filter(|(name, value)| name.ends_with("_FILE") && !value.is_empty())
            .map(|(_, value)| self.file_path(value))
            .collect()
    }

    fn load(&self, ctx: &mut LoadCtx<'_>) -> Result<Option<Value>, Vec<Problem>> {
        let naming = self.naming(ctx.schema);
        let plan = Plan::cached(ctx.schema, &naming);
        let env: Arc<Vars> = match &self.vars {
            Some(vars) => vars.clone(),
            None => ctx.vars_arc().clone(),
        };
        let mut problems = match self.collisions {
            true => plan.collisions.clone(),
            false => Vec::new(),
        };
        let mut warnings = Vec::new();
        let mut found = vec![Found::default(); plan.fields.len()];
        // Unknown variables that Kubernetes sets for a Service named like
        // the prefix: reported together, as what they are.
        let mut links: Vec<(&str, &str)> = Vec::new();
        // Entries of maps of sections.
        let mut entries: Vec<MapEntry> = Vec::new();
        // Whether a variable of a service link's shape, for the Service
        // named by the prefix and `stem`, is one whatever it would set: a
        // `_PORT` URL by its value; `_SERVICE_HOST` and the rest, which
        // could spell a field (`service.host`) or an entry's field, when
        // that Service's `_PORT` URL is there too, as Kubernetes always
        // sets it. A Service has a name: without a prefix, a stem.
        let link = |stem: &str, value: &str| {
            let sep = if stem.is_empty() { "" } else { "_" };
            let url = || {
                env.get(&format!("{}{stem}{sep}PORT", naming.prefix))
                    .is_some_and(port_url)
            };
            (!naming.prefix.is_empty() || !stem.is_empty()) && (port_url(value) || url())
        };

        if !naming.prefix.is_empty() {
            for (var, value) in env.with_prefix(&naming.prefix) {
                match plan.by_var.get(var) {
                    Some(&(i, false)) => found[i].value = Some(value),
                    Some(&(i, true)) => found[i].file = Some(value),
                    // Discovery's variable: read there, or, in a stack that
                    // discovers nothing, by no one, which is said.
                    None if var == plan.config_var => {
                        if !ctx.naming.discovers && self.unknown_policy() != Unknown::Ignore {
                            warnings.push(
                                Problem::new(
                                    ProblemKind::Unknown,
                                    format!(
                                        "{var} names a configuration file, which only \
                                         discovery reads, and this stack discovers no files; \
                                         it is ignored"
                                    ),
                                )
                                .with_origin(Origin::Env {
                                    var: var.to_owned(),
                                })
                                .with_help("give the file with --config, or add discover()"),
                            );
                        }
                    }
                    None => {
                        // Kubernetes' links fall under maps of sections too
                        // (a Service `myapp-upstreams`); a name of their
                        // shape that names no entry's field is one anyway.
                        let shape = service_link(&var[naming.prefix.len()..], value);
                        let maps = !plan.maps.is_empty();
                        match shape {
                            Some(stem)
                                if link(stem, value) || !(maps && names_entry(var, &plan)) =>
                            {
                                links.push((var, stem))
                            }
                            _ if maps
                                && map_entry(var, value, &plan, &mut entries, &mut problems) => {}
                            _ if self.unknown_policy() == Unknown::Ignore => {}
                            _ => {
                                let mut problem =
                                    unknown(var, &plan, &naming.prefix, ctx.naming.discovers);
                                crate::redact::mask_var(&mut problem, ctx.schema, &naming, var);
                                match self.unknown_policy() {
                                    Unknown::Error => problems.push(problem),
                                    _ => warnings.push(problem),
                                }
                            }
                        }
                    }
                }
            }
        }
        if plan.outside.len() > 4 {
            // Many names to look up (no prefix, or many `env = ".."`): one
            // pass over the variables, each one hash lookup, rather than a
            // search of the snapshot per name.
            for (var, value) in env.iter() {
                match plan.by_var.get(var) {
                    Some(&(i, false)) if plan.is_outside[i] => found[i].value = Some(value),
                    Some(&(i, true)) if plan.is_outside[i] => found[i].file = Some(value),
                    _ => {}
                }
            }
        } else {
            for (i, file_var) in &plan.outside {
                found[*i].value = env.get(&plan.fields[*i].1);
                found[*i].file = env.get(file_var);
            }
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
                    && self.unknown_policy() != Unknown::Ignore =>
                {
                    let mut problem = unknown(var, &plan, &naming.prefix, ctx.naming.discovers);
                    crate::redact::mask_var(&mut problem, ctx.schema, &naming, var);
                    match self.unknown_policy() {
                        Unknown::Error => problems.push(problem),
                        _ => warnings.push(problem),
                    }
                }
                None => {}
            }
        }
        // A name that is not UTF-8 names no field: under the prefix it is an
        // unknown variable like any other, shown with `\u{fffd}` where its
        // bytes are not text.
        if !naming.prefix.is_empty() && self.unknown_policy() != Unknown::Ignore {
            for var in env
                .invalid_names
                .iter()
                .filter(|v| v.starts_with(&naming.prefix))
            {
                let problem = Problem::new(
                    ProblemKind::Unknown,
                    format!("unknown environment variable {var} (its name is not UTF-8)"),
                )
                .with_origin(Origin::Env { var: var.clone() });
                match self.unknown_policy() {
                    Unknown::Error => problems.push(problem),
                    _ => warnings.push(problem),
                }
            }
        }

        let mut layer = Value::table(Origin::Default);
        let mut any = false;
        for (i, (path, var)) in plan.fields.iter().enumerate() {
            let Found { value, file } = found[i];
            let value = value.filter(|v| !(v.is_empty() && self.empty_unset()));
            // Kubernetes' own variables (`<NAME>_PORT=tcp://..`, and
            // `<NAME>_SERVICE_HOST` beside it), whatever the field's type (a
            // number, an address, text): named as such, and they set
            // nothing, so the field keeps its lower value (or its `_FILE`).
            let linked = value.and_then(|v| {
                let stem = service_link(var.strip_prefix(naming.prefix.as_str())?, v)?;
                link(stem, v).then_some(stem)
            });
            if let Some(stem) = linked {
                links.push((var, stem));
            }
            let value = value.filter(|_| linked.is_none());
            let value = match (value, file.filter(|f| !f.is_empty())) {
                (Some(_), Some(_)) => {
                    problems.push(
                        Problem::new(
                            ProblemKind::Source,
                            format!("both {var} and {var}_FILE are set"),
                        )
                        .with_key(path)
                        .with_origin(Origin::Env { var: var.clone() })
                        .with_help(format!(
                            "unset one of them: {var}_FILE names a file holding the value"
                        )),
                    );
                    continue;
                }
                (Some(v), None) => Value::text(v, Origin::Env { var: var.clone() }),
                (None, Some(file)) => {
                    let file_var = format!("{var}_FILE");
                    let file = self.file_path(file);
                    match read_secret_file(&file, &file_var) {
                        Ok(text) => Value::text(
                            text,
                            Origin::EnvFile {
                                var: file_var,
                                path: file,
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
        // An inner map's own inline JSON (`MYAPP_SITES_A_PEERS`) before the
        // variables of its entries (`MYAPP_SITES_A_PEERS_B_URL`), which go
        // into the table it stands for.
        entries.sort_by_key(|e| path_segments(&e.path).count());
        let set = |e: &MapEntry| !(e.value.is_empty() && self.empty_unset());
        // The variable that sets each entry's field, plainly and by `_FILE`,
        // found in one pass. Two variables for one of them (`MYAPP_UPS_EU_URL`
        // and `MYAPP_UPS_eu_URL`, an entry's name being read in any case):
        // which was meant cannot be guessed, so neither is read.
        let mut first: HashMap<(&str, bool), &str> = HashMap::new();
        let mut twice: HashSet<(&str, bool)> = HashSet::new();
        for entry in entries.iter().filter(|e| set(e)) {
            let field = (entry.path.as_str(), entry.file);
            match first.get(&field) {
                Some(other) => {
                    problems.push(
                        Problem::new(
                            ProblemKind::Source,
                            format!("both {other} and {} set this entry's field", entry.var),
                        )
                        .with_key(&entry.path)
                        .with_origin(Origin::Env {
                            var: entry.var.to_owned(),
                        })
                        .with_help("unset one of them: an entry's name is read in any case"),
                    );
                    twice.insert(field);
                }
                None => {
                    first.insert(field, entry.var);
                }
            }
        }
        let mut broken: HashSet<String> = HashSet::new();
        for entry in entries.iter().filter(|e| set(e)) {
            if twice.contains(&(entry.path.as_str(), entry.file)) {
                continue;
            }
            let value = match entry.file {
                false => Value::text(
                    entry.value,
                    Origin::Env {
                        var: entry.var.to_owned(),
                    },
                ),
                // Another variable sets the same field: as for a field, which
                // of the two was meant cannot be guessed.
                true if first.contains_key(&(entry.path.as_str(), false)) => {
                    let var = first[&(entry.path.as_str(), false)];
                    problems.push(
                        Problem::new(
                            ProblemKind::Source,
                            format!("both {var} and {} are set", entry.var),
                        )
                        .with_key(&entry.path)
                        .with_origin(Origin::Env {
                            var: var.to_owned(),
                        })
                        .with_help(format!(
                            "unset one of them: {} names a file holding the value",
                            entry.var
                        )),
                    );
                    continue;
                }
                true => match read_secret_file(&self.file_path(entry.value), entry.var) {
                    Ok(text) => Value::text(
                        text,
                        Origin::EnvFile {
                            var: entry.var.to_owned(),
                            path: self.file_path(entry.value),
                        },
                    ),
                    Err(problem) => {
                        problems.push((*problem).with_key(&entry.path));
                        continue;
                    }
                },
            };
            if entry.file || !first.contains_key(&(entry.path.as_str(), true)) {
                // A map's own variable (inline JSON) and variables of its
                // entries together: the entries go into the table the JSON
                // stands for, and beside what is not a table, nowhere.
                if let Err((at, problem)) = tables_along(&mut layer, &entry.path) {
                    if broken.insert(at) {
                        problems.push(*problem);
                    }
                    continue;
                }
                layer.insert_at_quoted(&entry.path, value);
                any = true;
            }
        }
        if naming.sep == "__" && self.unknown_policy() != Unknown::Ignore {
            warnings.extend(single_underscores(ctx.schema, &naming, &plan, &env));
        }
        if !links.is_empty() && self.unknown_policy() != Unknown::Ignore {
            links.sort_unstable();
            let problem = service_links(&links, &naming.prefix);
            match self.unknown_policy() {
                Unknown::Error => problems.push(problem),
                _ => warnings.push(problem),
            }
        }
        ctx.sink.problems.extend(problems);
        ctx.sink.warnings.extend(warnings);
        Ok(any.then_some(layer))
    }
}

/// Reads as tables the inline JSON met on the way to `path` (a map's own
/// variable), so that an entry's field set below it merges with it. A value
/// on the way that is not a table, or text that does not read as one, is a
/// problem at its key path (returned with it), and the field is not set:
/// setting it would replace that value without a word.
fn tables_along(layer: &mut Value, path: &str) -> Result<(), (String, Box<Problem>)> {
    let mut node = layer;
    let mut walked = String::new();
    let segments: Vec<&str> = path_segments(path).collect();
    for segment in &segments[..segments.len().saturating_sub(1)] {
        let Kind::Table(table) = &mut node.kind else {
            return Ok(());
        };
        let Some(next) = table.get_mut(unquote_segment(segment).as_ref()) else {
            return Ok(());
        };
        node = next;
        if !walked.is_empty() {
            walked.push('.');
        }
        walked.push_str(segment);
        // An empty value is an empty map (`env_empty_is_unset(false)`).
        if node.is_text() && node.as_str().is_some_and(|t| t.trim().is_empty()) {
            *node = Value::table(node.origin.clone());
        }
        let (kind, message) = match crate::sections::text_to_table(node, false) {
            Err(message) => (ProblemKind::Syntax, message),
            Ok(_) if matches!(node.kind, Kind::Table(_)) => continue,
            Ok(_) => {
                // Text that holds a JSON array is one, not a string.
                let array = node.is_text()
                    && node
                        .as_str()
                        .is_some_and(|t| t.trim_start().starts_with('['));
                let found = match array {
                    true => "an array (inline JSON `[..]`)",
                    false => node.type_name(),
                };
                (
                    ProblemKind::Type,
                    format!("expected a table (inline JSON `{{..}}`), found {found}"),
                )
            }
        };
        let problem = Problem::new(kind, message)
            .with_key(&walked)
            .with_origin(node.origin.clone());
        return Err((walked, Box::new(problem)));
    }
    Ok(())
}

/// Reads a `_FILE` secret, its problems placed at the variable that named
/// it.
fn read_secret_file(path: &Path, var: &str) -> Result<String, Box<Problem>> {
    read_value(path).map_err(|mut problem| {
        problem.origin = Some(Origin::EnvFile {
            var: var.to_owned(),
            path: path.to_owned(),
        });
        problem
    })
}
