//! Variables under the prefix that name no field outright: entries of maps
//! of sections, old spellings under `__`, and unknown names with the
//! closest known one.

use super::plan::{MapPlan, Plan};
use crate::error::{Problem, ProblemKind};
use crate::naming::EnvNaming;
use crate::origin::Origin;
use crate::schema::Schema;
use crate::source::service_links::service_link;
use crate::source::Vars;

/// With `__` between levels, the variables spelled with single
/// underscores (`MYAPP_DB_HOST`, left from before the switch) would set
/// nothing and say nothing, being outside the prefix `MYAPP__`: each that
/// names a field that way is a warning giving its `__` name.
pub(super) fn single_underscores(
    schema: &'static Schema,
    naming: &EnvNaming,
    plan: &Plan,
    env: &Vars,
) -> Vec<Problem> {
    let Some(stem) = naming.prefix.strip_suffix("__") else {
        return Vec::new();
    };
    let single = EnvNaming::new(Some(stem), "_");
    let singles = Plan::cached(schema, &single);
    env.with_prefix(&single.prefix)
        .filter(|(var, _)| !var.starts_with(&naming.prefix) && !plan.by_var.contains_key(*var))
        // Kubernetes' links keep single underscores whatever the app's.
        .filter(|(var, value)| service_link(&var[single.prefix.len()..], value).is_none())
        .filter_map(|(var, _)| {
            let (path, double) = match singles.by_var.get(var) {
                Some(&(i, file)) => {
                    let path = singles.fields.get(i)?.0.clone();
                    let (_, double) = plan.fields.iter().find(|(p, _)| *p == path)?;
                    let double = match file {
                        true => format!("{double}_FILE"),
                        false => double.clone(),
                    };
                    (path, double)
                }
                None => entry_in(var, &singles, plan)?,
            };
            Some(
                Problem::new(
                    ProblemKind::Unknown,
                    format!(
                        "environment variable {var} sets nothing: this application separates \
                         levels with `__`"
                    ),
                )
                .with_key(path)
                .with_origin(Origin::Env {
                    var: var.to_owned(),
                })
                .with_help(format!("did you mean {double}?")),
            )
        })
        .collect()
}

/// A map entry's variable spelled by `singles` (`MYAPP_UPSTREAMS_EU_URL`):
/// the entry field's key path and its name under `plan`
/// (`MYAPP__UPSTREAMS__EU__URL`).
fn entry_in(var: &str, singles: &Plan, plan: &Plan) -> Option<(String, String)> {
    let (named, file) = match var.strip_suffix("_FILE") {
        Some(named) if singles.maps.iter().all(|m| m.readings(var).is_empty()) => (named, "_FILE"),
        _ => (var, ""),
    };
    let (map, (entry, key)) = singles.maps.iter().find_map(|m| {
        let mut readings = m.readings(named);
        (readings.len() == 1).then(|| (m, readings.remove(0)))
    })?;
    let double = plan.maps.iter().find(|d| d.path == map.path)?;
    let suffix = double.spelled(&key)?;
    let path = map.entry_path(&entry, &key);
    let name = format!(
        "{}{}{suffix}{file}",
        double.prefix,
        entry.to_ascii_uppercase()
    );
    Some((path, name))
}

/// A variable that sets a field of an entry of a map of sections.
pub(super) struct MapEntry<'e> {
    /// The field's key path (`upstreams.eu.url`).
    pub(super) path: String,
    pub(super) value: &'e str,
    pub(super) var: &'e str,
    /// Whether the variable is the field's `_FILE` form, whose value names
    /// a file holding the field's value.
    pub(super) file: bool,
}

/// Whether `var` names a field of an entry of a map of sections, plainly
/// or in its `_FILE` form.
pub(super) fn names_entry(var: &str, plan: &Plan) -> bool {
    plan.maps.iter().any(|map| {
        !map.readings(var).is_empty()
            || var
                .strip_suffix("_FILE")
                .is_some_and(|named| !map.readings(named).is_empty())
    })
}

/// A variable under the prefix that names no field: when it lies under a
/// map of sections, it sets a field of an entry (kept in `entries`), or is
/// a problem when it names no field or could be read two ways. Returns
/// whether the variable belonged to a map.
pub(super) fn map_entry<'e>(
    var: &'e str,
    value: &'e str,
    plan: &Plan,
    entries: &mut Vec<MapEntry<'e>>,
    problems: &mut Vec<Problem>,
) -> bool {
    // Every map the variable could be under: `SITES_` and `SITES_BACKUP_`
    // both begin `MYAPP_SITES_BACKUP_X_NAME`.
    let maps: Vec<&MapPlan> = plan
        .maps
        .iter()
        .filter(|m| var.starts_with(&m.prefix))
        .collect();
    // The one named furthest: what a variable that names no field meant.
    let Some(&map) = maps.iter().max_by_key(|m| m.prefix.len()) else {
        return false;
    };
    let origin = Origin::Env {
        var: var.to_owned(),
    };
    let read = |name: &str| -> Vec<(&MapPlan, String, String)> {
        maps.iter()
            .flat_map(|&m| m.readings(name).into_iter().map(move |(e, k)| (m, e, k)))
            .collect()
    };
    let mut readings = read(var);
    // `<ENTRY>_<FIELD>_FILE`, when no field of an entry ends in `_FILE`.
    let mut file = false;
    if readings.is_empty() {
        if let Some(named) = var.strip_suffix("_FILE") {
            readings = read(named);
            file = true;
        }
    }
    match readings.len() {
        1 => {
            let (map, entry, key) = readings.remove(0);
            entries.push(MapEntry {
                path: map.entry_path(&entry, &key),
                value,
                var,
                file,
            });
        }
        0 => {
            let endings = map.endings();
            let problem = Problem::new(
                ProblemKind::Unknown,
                format!(
                    "environment variable {var} names no field of an entry of `{}`",
                    map.path
                ),
            )
            .with_key(&map.path)
            .with_origin(origin)
            .with_help(format!(
                "an entry's variables are {}<ENTRY> followed by one of {}",
                map.prefix,
                endings.join(", ")
            ));
            problems.push(problem);
        }
        _ => {
            let both: Vec<String> = readings
                .iter()
                .map(|(map, entry, key)| format!("`{}`", map.entry_path(entry, key)))
                .collect();
            let map = readings[0].0;
            problems.push(
                Problem::new(
                    ProblemKind::Source,
                    format!("environment variable {var} could set {}", both.join(" or ")),
                )
                .with_key(&map.path)
                .with_origin(origin)
                .with_help(format!(
                    "set the entry in a file, or the whole map as inline JSON in {}",
                    map.prefix.trim_end_matches('_')
                )),
            );
        }
    }
    true
}

/// An unknown `<PREFIX>*` variable, with the closest known name when it is
/// close enough to be a typo of it.
pub(super) fn unknown(var: &str, plan: &Plan, prefix: &str, discovers: bool) -> Problem {
    let mut problem = Problem::new(
        ProblemKind::Unknown,
        format!("unknown environment variable {var}"),
    )
    .with_origin(Origin::Env {
        var: var.to_owned(),
    });
    let known = plan
        .fields
        .iter()
        .map(|(_, var)| var.as_str())
        // Discovery's variable, where the stack reads it.
        .chain(discovers.then_some(plan.config_var.as_str()));
    if let Some(best) = crate::naming::suggest_var(var, prefix, known) {
        problem = problem.with_help(format!("did you mean {best}?"));
    }
    problem
}
