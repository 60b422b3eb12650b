//! systemd credentials: the files of `$CREDENTIALS_DIRECTORY`, each the
//! value of the field it is named after.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use super::env::entry_keys;
use super::file::os_reason;
use super::{read_value, LoadCtx, Source, Vars};
use crate::error::{Problem, ProblemKind};
use crate::naming::EnvNaming;
use crate::origin::Origin;
use crate::schema::Schema;
use crate::value::Value;

/// The variable systemd sets for a service with `LoadCredential=`,
/// `LoadCredentialEncrypted=` or `SetCredential=`.
pub const CREDENTIALS_DIRECTORY: &str = "CREDENTIALS_DIRECTORY";

/// systemd credentials as a layer: [`Builder::credentials`](crate::Builder::credentials),
/// and part of [`Config::load`](crate::Config::load)'s stack just below the
/// environment.
///
/// When `$CREDENTIALS_DIRECTORY` is set (in the builder's environment, so
/// `env_from` in tests applies), each file in that directory sets the field
/// it is named after: by key path (`db.password`) or by the field's
/// environment variable (`MYAPP_DB_PASSWORD`, in the stack's naming), a
/// field of an entry of a map of sections too (`upstreams.eu.password`,
/// `MYAPP_UPSTREAMS_EU_PASSWORD`). The
/// value is the file's text with one trailing newline removed, converted by
/// the field's type; its origin is `credential db.password`. A file named
/// after no field is a warning. When the variable is not set, the layer adds
/// nothing.
///
/// A Kubernetes Secret mounted as files is the same layout:
/// [`Credentials::in_dir`] reads such a directory.
#[derive(Clone, Debug, Default)]
pub struct Credentials {
    dir: Option<PathBuf>,
    /// Every name a credential may have, made on the first load of a plan.
    names: Arc<OnceLock<HashMap<String, String>>>,
}

impl Credentials {
    /// The directory named by `$CREDENTIALS_DIRECTORY`, if set.
    pub fn new() -> Credentials {
        Credentials::default()
    }

    /// This directory instead (a mounted Kubernetes Secret, tests); it must
    /// exist.
    pub fn in_dir(dir: impl Into<PathBuf>) -> Credentials {
        Credentials {
            dir: Some(dir.into()),
            names: Arc::default(),
        }
    }

    /// The directory, `$CREDENTIALS_DIRECTORY` looked up in `vars` when
    /// none was given: done once, when the builder plans its loads.
    pub(crate) fn resolved(&self, vars: &Vars) -> Credentials {
        Credentials {
            dir: self.dir.clone().or_else(|| {
                vars.get(CREDENTIALS_DIRECTORY)
                    .filter(|d| !d.is_empty())
                    .map(PathBuf::from)
            }),
            names: Arc::default(),
        }
    }
}

/// Every name a credential may have, to the key path it sets.
fn names(schema: &Schema, naming: &EnvNaming) -> HashMap<String, String> {
    let mut names = HashMap::new();
    schema.walk_named(&mut |path, field_names, field| {
        names.insert(naming.var(field_names, field), path.to_owned());
        names.insert(path.to_owned(), path.to_owned());
    });
    names
}

impl Source for Credentials {
    fn describe(&self) -> String {
        match &self.dir {
            Some(dir) => format!("credentials in {}", dir.display()),
            None => format!("systemd credentials in ${CREDENTIALS_DIRECTORY}"),
        }
    }

    fn load(&self, ctx: &mut LoadCtx<'_>) -> Result<Option<Value>, Vec<Problem>> {
        // Run alone (in a `Harness`), the variable is looked up here.
        let dir = match &self.dir {
            Some(dir) => dir.clone(),
            None => match self.resolved(ctx.env()).dir {
                Some(dir) => dir,
                None => return Ok(None),
            },
        };
        let cannot = |reason: String| {
            vec![Problem::new(
                ProblemKind::Io,
                format!(
                    "cannot read the credentials directory {}: {reason}",
                    dir.display()
                ),
            )]
        };
        let mut files: Vec<_> = match std::fs::read_dir(&dir) {
            Ok(entries) => entries
                .filter_map(Result::ok)
                .map(|e| e.file_name())
                .collect(),
            Err(e) if dir.is_file() || e.kind() == std::io::ErrorKind::NotADirectory => {
                return Err(cannot("it is a file, not a directory".to_owned()))
            }
            Err(e) => return Err(cannot(os_reason(&e))),
        };
        files.sort();

        let naming = ctx
            .naming
            .env
            .clone()
            .unwrap_or_else(|| EnvNaming::new(ctx.schema.name, "_"));
        let names = self.names.get_or_init(|| names(ctx.schema, &naming));
        // Each field's credentials, in the order of their names: a field
        // named twice (by key path and by variable) is an error, not a
        // silent choice of one file.
        let mut by_key: Vec<(String, Vec<&str>)> = Vec::new();
        for file in &files {
            let Some(name) = file.to_str() else {
                // A name that is not UTF-8 can name no field: said, as a
                // credential for no field is.
                let shown = file.to_string_lossy();
                ctx.warning(
                    Problem::new(
                        ProblemKind::Unknown,
                        format!("credential {shown} names no field (its name is not UTF-8)"),
                    )
                    .with_origin(Origin::Credential {
                        path: dir.join(file),
                        name: shown.into_owned(),
                    }),
                );
                continue;
            };
            let origin = Origin::Credential {
                name: name.to_owned(),
                path: dir.join(name),
            };
            // A field's own name wins over an entry's reading of it, as in
            // the environment.
            let mut keys = match names.get(name) {
                Some(key) => vec![key.clone()],
                None => entry_keys(ctx.schema, &naming, name),
            };
            let key = match keys.len() {
                1 => keys.remove(0),
                // systemd keeps nothing else there; a Secret volume keeps its
                // `..data` bookkeeping.
                0 if name.starts_with('.') => continue,
                0 => {
                    // Under a secret map, an entry's name may be secret too,
                    // in a key path or a variable's name.
                    let shown = crate::redact::shown_var(ctx.schema(), &naming, name)
                        .unwrap_or_else(|| ctx.schema().shown_path(name));
                    ctx.warning(
                        Problem::new(
                            ProblemKind::Unknown,
                            format!("credential {shown} names no field"),
                        )
                        .with_origin(Origin::Credential {
                            path: dir.join(&shown),
                            name: shown,
                        }),
                    );
                    continue;
                }
                _ => {
                    let keys: Vec<String> = keys.iter().map(|k| format!("`{k}`")).collect();
                    ctx.problem(
                        Problem::new(
                            ProblemKind::Source,
                            format!("credential {name} could set {}", keys.join(" or ")),
                        )
                        .with_origin(origin)
                        .with_help("name the file by the key path of the field it sets"),
                    );
                    continue;
                }
            };
            match by_key.iter_mut().find(|(k, _)| *k == key) {
                Some((_, named)) => named.push(name),
                None => by_key.push((key, vec![name])),
            }
        }
        let mut layer = Value::table(Origin::Default);
        let mut any = false;
        for (key, named) in by_key {
            let name = named[0];
            let path = dir.join(name);
            let origin = Origin::Credential {
                name: name.to_owned(),
                path: path.clone(),
            };
            if let [first, second, ..] = named[..] {
                ctx.problem(
                    Problem::new(
                        ProblemKind::Source,
                        format!("both credentials {first} and {second} are set"),
                    )
                    .with_key(&key)
                    .with_origin(origin)
                    .with_help(format!(
                        "remove one of them from {}: a field takes one credential, by key path or by variable",
                        dir.display()
                    )),
                );
                continue;
            }
            match read_credential(&path) {
                Ok(text) => {
                    layer.insert_at_quoted(&key, Value::text(text, origin));
                    any = true;
                }
                Err(mut problem) => {
                    problem.key = Some(key);
                    problem.origin = Some(origin);
                    ctx.problem(*problem);
                }
            }
        }
        Ok(any.then_some(layer))
    }

    /// The directory, so that a credential added or removed reloads, and
    /// each credential, so that a rotated one does (the directory is
    /// resolved when planning).
    fn watch_paths(&self) -> Vec<PathBuf> {
        let Some(dir) = &self.dir else {
            return Vec::new();
        };
        let mut paths = vec![dir.clone()];
        if let Ok(entries) = std::fs::read_dir(dir) {
            paths.extend(entries.filter_map(Result::ok).map(|e| e.path()));
        }
        paths
    }
}

/// A credential's text, one trailing newline removed. Problems never show
/// its content or a position in it.
fn read_credential(path: &Path) -> Result<String, Box<Problem>> {
    read_value(path).map_err(|mut problem| {
        problem.message = problem
            .message
            .replacen("cannot read ", "cannot read credential ", 1)
            .replacen(
                &format!("{} is not", path.display()),
                &format!("credential {} is not", path.display()),
                1,
            );
        problem
    })
}
