//! The plan of one environment layer: every variable a schema reads under
//! one set of naming rules, worked out once per schema and naming, and
//! shared.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use super::MAX_MAP_DEPTH;
use crate::error::{Problem, ProblemKind};
use crate::naming::EnvNaming;
use crate::schema::Schema;
use crate::value::{path_segment, path_segments, unquote_segment};

/// Every variable a schema reads under one set of naming rules.
#[derive(Debug)]
pub(super) struct Plan {
    /// One per leaf field: its key path and variable.
    pub(super) fields: Vec<(String, String)>,
    /// Variable name (and its `_FILE` form) to field index and whether it is
    /// the `_FILE` form.
    pub(super) by_var: HashMap<String, (usize, bool)>,
    /// Fields with an exact name outside the prefix, looked up one by one,
    /// with their `_FILE` variable.
    pub(super) outside: Vec<(usize, String)>,
    /// By field index: whether it is one of `outside`.
    pub(super) is_outside: Vec<bool>,
    /// Names two fields would share: reported on every load.
    pub(super) collisions: Vec<Problem>,
    /// `<PREFIX>CONFIG`, which names a file for discovery, not a field.
    pub(super) config_var: String,
    /// Maps of sections, whose entries are set one field at a time.
    pub(super) maps: Vec<MapPlan>,
}

/// The variables of a map of sections: `<MAP VAR><sep><ENTRY><SUFFIX>`,
/// where the suffix spells a field path of the entry's struct
/// (`MYAPP_UPSTREAMS_EU_URL`: entry `eu`, field `url`).
#[derive(Debug)]
pub(super) struct MapPlan {
    /// The map's key path.
    pub(super) path: String,
    /// The map's own variable and the separator: what every entry's
    /// variable starts with.
    pub(super) prefix: String,
    /// Each field of an entry: the variable's ending (`_URL`) and the key
    /// path inside the entry.
    pub(super) suffixes: Vec<(String, String)>,
    /// The entry's own maps of sections, their paths and prefixes relative
    /// to the entry (`_PEERS_` in `MYAPP_SITES_A_PEERS_B_URL`).
    inner: Vec<MapPlan>,
}

impl MapPlan {
    fn new(
        path: &str,
        var: &str,
        element: &'static Schema,
        naming: &EnvNaming,
        depth: usize,
    ) -> MapPlan {
        let mut suffixes = Vec::new();
        let mut inner = Vec::new();
        let within = EnvNaming {
            prefix: String::new(),
            sep: naming.sep,
        };
        element.walk_named(&mut |keys, names, field| {
            // An exact `env` name means nothing inside an entry: the entry's
            // name is part of every variable.
            let bare = crate::schema::Field {
                env: None,
                ..*field
            };
            let spelled = format!("{}{}", naming.sep, within.var(names, &bare));
            if let crate::schema::FieldKind::Map(element) = field.kind {
                if depth < MAX_MAP_DEPTH {
                    inner.push(MapPlan::new(keys, &spelled, element, naming, depth + 1));
                }
            }
            suffixes.push((spelled, keys.to_owned()));
        });
        MapPlan {
            path: path.to_owned(),
            prefix: format!("{var}{}", naming.sep),
            suffixes,
            inner,
        }
    }

    /// The key path of the field `key` of the entry `entry`
    /// (`upstreams.eu.url`; `upstreams."a.b".url`).
    pub(super) fn entry_path(&self, entry: &str, key: &str) -> String {
        format!("{}.{}.{key}", self.path, path_segment(entry))
    }

    /// The key paths `name` could set as an entry's field: spelled as that
    /// key path (`upstreams.eu.url`, the entry quoted as keys are) or as
    /// its variable (`MYAPP_UPSTREAMS_EU_URL`).
    pub(super) fn keys_of(&self, name: &str) -> Vec<String> {
        let by_path = name
            .strip_prefix(self.path.as_str())
            .and_then(|rest| rest.strip_prefix('.'))
            .and_then(|rest| {
                let entry = path_segments(rest).next()?;
                let key = rest[entry.len()..].strip_prefix('.')?;
                let known = !entry.is_empty() && self.knows(key);
                known.then(|| self.entry_path(&unquote_segment(entry), key))
            });
        let by_var = self
            .readings(name)
            .into_iter()
            .map(|(entry, key)| self.entry_path(&entry, &key));
        by_path.into_iter().chain(by_var).collect()
    }

    /// What may follow `<ENTRY>` in an entry's variable: each field's
    /// ending, and those of the entry's own maps (`_PEERS_<ENTRY>_URL`).
    pub(super) fn endings(&self) -> Vec<String> {
        let mut endings: Vec<String> = self.suffixes.iter().map(|(s, _)| s.clone()).collect();
        for map in &self.inner {
            endings.extend(
                map.endings()
                    .into_iter()
                    .map(|e| format!("{}<ENTRY>{e}", map.prefix)),
            );
        }
        endings
    }

    /// How the field `key` of an entry is spelled after `<ENTRY>` in its
    /// variable (`_URL`; `_PEERS_B_URL` for `peers.b.url`).
    pub(super) fn spelled(&self, key: &str) -> Option<String> {
        if let Some((suffix, _)) = self.suffixes.iter().find(|(_, k)| k == key) {
            return Some(suffix.clone());
        }
        self.inner.iter().find_map(|map| {
            let rest = key.strip_prefix(map.path.as_str())?.strip_prefix('.')?;
            let entry = path_segments(rest).next()?;
            let tail = map.spelled(rest[entry.len()..].strip_prefix('.')?)?;
            let entry = unquote_segment(entry).to_ascii_uppercase();
            Some(format!("{}{entry}{tail}", map.prefix))
        })
    }

    /// Whether `key` is a field's key path inside an entry, an entry of
    /// the entry's own maps included (`peers.b.url`).
    fn knows(&self, key: &str) -> bool {
        self.suffixes.iter().any(|(_, k)| k == key)
            || self.inner.iter().any(|map| {
                key.strip_prefix(map.path.as_str())
                    .and_then(|rest| rest.strip_prefix('.'))
                    .and_then(|rest| {
                        let entry = path_segments(rest).next()?;
                        let key = rest[entry.len()..].strip_prefix('.')?;
                        Some(!entry.is_empty() && map.knows(key))
                    })
                    .unwrap_or(false)
            })
    }

    /// The ways `var` reads as an entry's field: (entry, key path inside).
    pub(super) fn readings(&self, var: &str) -> Vec<(String, String)> {
        match var.strip_prefix(&self.prefix) {
            Some(rest) => self.readings_of(rest),
            None => Vec::new(),
        }
    }

    /// The ways `rest`, a variable after the map's prefix, reads as
    /// `<ENTRY><SUFFIX>`, or as `<ENTRY><INNER MAP><sep>` followed by what
    /// reads as a field of an entry of that inner map.
    fn readings_of(&self, rest: &str) -> Vec<(String, String)> {
        let mut found: Vec<(String, String)> = self
            .suffixes
            .iter()
            .filter_map(|(suffix, key)| {
                let entry = rest.strip_suffix(suffix.as_str())?;
                (!entry.is_empty()).then(|| (entry.to_ascii_lowercase(), key.clone()))
            })
            .collect();
        for map in &self.inner {
            // Every place the inner map's name stands, overlapping ones too
            // (`A_PEERS_PEERS_B_URL` reads at both `_PEERS_`).
            let places = (1..rest.len())
                .filter(|&at| rest.is_char_boundary(at) && rest[at..].starts_with(&map.prefix));
            for at in places {
                let entry = rest[..at].to_ascii_lowercase();
                for (inner, key) in map.readings_of(&rest[at + map.prefix.len()..]) {
                    let key = format!("{}.{}.{key}", map.path, path_segment(&inner));
                    found.push((entry.clone(), key));
                }
            }
        }
        found
    }
}

/// The plans made so far, by schema and naming rules. A process has a
/// handful (one per configuration type and prefix), so a list is enough.
type Plans = Vec<((usize, String, &'static str), Arc<Plan>)>;

impl Plan {
    /// The plan for `schema` under `naming`, made on first use and shared.
    pub(super) fn cached(schema: &'static Schema, naming: &EnvNaming) -> Arc<Plan> {
        static PLANS: OnceLock<Mutex<Plans>> = OnceLock::new();
        let key = (
            schema as *const Schema as usize,
            naming.prefix.clone(),
            naming.sep,
        );
        let plans = PLANS.get_or_init(Mutex::default);
        let mut plans = plans.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, plan)) = plans.iter().find(|(k, _)| *k == key) {
            return plan.clone();
        }
        let plan = Arc::new(Plan::new(schema, naming));
        plans.push((key, plan.clone()));
        plan
    }

    fn new(schema: &'static Schema, naming: &EnvNaming) -> Plan {
        let mut plan = Plan {
            fields: Vec::new(),
            by_var: HashMap::new(),
            outside: Vec::new(),
            is_outside: Vec::new(),
            collisions: Vec::new(),
            config_var: crate::source::config_var(naming).unwrap_or_default(),
            maps: Vec::new(),
        };
        schema.walk_named(&mut |path, names, field| {
            let var = naming.var(names, field);
            if let crate::schema::FieldKind::Map(element) = field.kind {
                plan.maps.push(MapPlan::new(path, &var, element, naming, 1));
            }
            // The field's `_FILE` form counts too: a field named `key_file`
            // declared before `key` owns `<PREFIX>KEY_FILE` already.
            let file_var = format!("{var}_FILE");
            let taken = [&var, &file_var]
                .into_iter()
                .find_map(|v| Some((v, *plan.by_var.get(v)?)));
            if let Some((shared, (other, other_file))) = taken {
                let other = &plan.fields[other].0;
                // Through a `_FILE` form, `__` would not part them: the
                // variables end the same either way.
                let help = match other_file || *shared == file_var {
                    true => {
                        "give one field its own name with #[config(env = \"..\")]; \
                         <NAME>_FILE names a file that holds <NAME>'s value"
                    }
                    false => {
                        "separate nested keys with `__` (Builder::env_double_underscore) or give \
                         one field its own name with #[config(env = \"..\")]"
                    }
                };
                plan.collisions.push(
                    Problem::new(
                        ProblemKind::Source,
                        format!(
                            "environment variable {shared} would set both `{other}` and `{path}`"
                        ),
                    )
                    .with_key(path)
                    .with_help(help),
                );
                return;
            }
            let index = plan.fields.len();
            if naming.prefix.is_empty() || !var.starts_with(&naming.prefix) {
                plan.outside.push((index, file_var.clone()));
            }
            plan.is_outside
                .push(naming.prefix.is_empty() || !var.starts_with(&naming.prefix));
            plan.by_var.insert(file_var, (index, true));
            plan.by_var.insert(var.clone(), (index, false));
            plan.fields.push((path.to_owned(), var));
        });
        plan
    }
}
