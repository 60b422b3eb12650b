//! The files `App::load()` finds by itself: system, user and working
//! directory, then the one named by `--config` or `MYAPP_CONFIG`.

use std::path::{Path, PathBuf};

use super::file::extensions;
use super::{File, LoadCtx, Source, Vars};
use crate::error::Problem;
use crate::naming::EnvNaming;
use crate::schema::Schema;
use crate::value::Value;

/// Discovered configuration files for an application name.
///
/// In order, lowest first, each file that exists is a layer:
///
/// 1. `/etc/<name>/<name>.{toml,json}`
/// 2. `$XDG_CONFIG_HOME/<name>/<name>.{toml,json}` (`$HOME/.config` when
///    `XDG_CONFIG_HOME` is unset)
/// 3. `./<name>.{toml,json}` in the working directory
/// 4. the file named by `--config <FILE>` on the command line, or else by the
///    variable `<PREFIX>CONFIG` (`MYAPP_CONFIG`); this one must exist.
///
/// With the `lua` feature, `<name>.lua` is looked for too, after `.toml` and
/// `.json` in each place. Each file is a layer of its own, so a script sees
/// every file found before it.
///
/// The environment is the builder's, so `env_from` in tests applies here too.
#[derive(Clone, Debug, Default)]
pub struct Discover {
    dirs: Option<Vec<PathBuf>>,
}

impl Discover {
    /// The standard places, resolved at load time.
    pub fn new() -> Discover {
        Discover::default()
    }

    /// Looks only in these directories, lowest first (for tests and for
    /// applications with their own layout). `--config` still applies.
    pub fn in_dirs(dirs: impl IntoIterator<Item = impl Into<PathBuf>>) -> Discover {
        Discover {
            dirs: Some(dirs.into_iter().map(Into::into).collect()),
        }
    }

    /// The files this discovery stands for, lowest first: every candidate
    /// (optional: most do not exist; under watch one may appear), then the
    /// file named by `config_arg` (`--config`) or else `<PREFIX>CONFIG`,
    /// which must exist. Resolved once, when the builder plans its loads.
    pub(crate) fn files(
        &self,
        schema: &Schema,
        vars: &Vars,
        prefix: &str,
        config_arg: Option<&Path>,
    ) -> Vec<File> {
        let mut files: Vec<File> = self
            .candidates(schema, vars)
            .into_iter()
            .map(File::optional)
            .collect();
        let named = match config_arg {
            Some(path) => Some(path.to_owned()),
            // Without a prefix there is no such variable: a bare `CONFIG`
            // may belong to anything.
            None if prefix.is_empty() => None,
            None => vars
                .get(&format!("{prefix}CONFIG"))
                .filter(|s| !s.is_empty())
                .map(PathBuf::from),
        };
        files.extend(named.map(File::required));
        files
    }

    pub(crate) fn candidates(&self, schema: &Schema, vars: &Vars) -> Vec<PathBuf> {
        let Some(name) = schema.name else {
            return Vec::new();
        };
        let dirs = match &self.dirs {
            Some(dirs) => dirs.clone(),
            None => {
                let user = vars
                    .get("XDG_CONFIG_HOME")
                    .filter(|s| !s.is_empty())
                    .map(PathBuf::from)
                    .or_else(|| vars.get("HOME").map(|h| PathBuf::from(h).join(".config")));
                let mut dirs = vec![PathBuf::from("/etc").join(name)];
                dirs.extend(user.map(|u| u.join(name)));
                dirs.push(PathBuf::from("."));
                dirs
            }
        };
        let mut out = Vec::new();
        for dir in dirs {
            for ext in extensions() {
                out.push(dir.join(format!("{name}.{ext}")));
            }
        }
        out
    }
}

/// A builder expands discovery into its files when it plans its loads, so
/// that each file is a layer of its own; run alone (in a
/// [`Harness`](super::Harness)), it loads them in order and merges them.
impl Source for Discover {
    fn describe(&self) -> String {
        "discovered files".to_owned()
    }

    fn load(&self, ctx: &mut LoadCtx<'_>) -> Result<Option<Value>, Vec<Problem>> {
        let prefix = EnvNaming::new(ctx.schema.name, "_").prefix;
        let files = self.files(ctx.schema, ctx.env(), &prefix, None);
        let mut merged: Option<Value> = None;
        for file in files {
            match file.load(ctx) {
                Ok(Some(layer)) => match &mut merged {
                    Some(m) => ctx.schema.merge_layer(m, layer),
                    None => merged = Some(layer),
                },
                Ok(None) => {}
                Err(problems) => ctx.sink.problems.extend(problems),
            }
        }
        Ok(merged)
    }
}
