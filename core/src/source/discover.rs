//! The files `App::load()` finds by itself: system, user and working
//! directory, each with its drop-in directory, then the one named by
//! `--config` or `MYAPP_CONFIG`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::file::extensions;
use super::{Dir, File, LoadCtx, Source, Vars};
use crate::error::Problem;
use crate::naming::EnvNaming;
use crate::schema::Schema;
use crate::value::Value;

/// Discovered configuration files for an application name.
///
/// In order, lowest first, each file that exists is a layer:
///
/// 1. `/etc/<name>/<name>.{toml,json}`, then the drop-ins in
///    `/etc/<name>/<name>.d/` (see [`Dir`])
/// 2. `$XDG_CONFIG_HOME/<name>/<name>.{toml,json}` (`$HOME/.config` when
///    `XDG_CONFIG_HOME` is unset or, as the XDG specification says,
///    relative; none when `HOME` is not absolute either), then its
///    `<name>.d/`
/// 3. `./<name>.{toml,json}` in the working directory, then `./<name>.d/`
/// 4. the file named by `--config <FILE>` on the command line, or else by the
///    variable `<PREFIX>CONFIG` (`MYAPP_CONFIG`); this one must exist.
///
/// With the `lua` feature, `<name>.lua` is looked for too, after `.toml` and
/// `.json` in each place (and read among the drop-ins). Each file is a layer
/// of its own, so a script sees every file found before it.
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

    /// The layers this discovery stands for, lowest first: every candidate
    /// file and drop-in directory (optional: most do not exist; under watch
    /// one may appear), then the file named by `config_arg` (`--config`) or
    /// else by the variable `config_var` (`<PREFIX>CONFIG`, see
    /// [`config_var`]), which must exist. Resolved once, when the builder
    /// plans its loads; a drop-in directory lists its files on every load.
    pub(crate) fn files(
        &self,
        schema: &Schema,
        vars: &Vars,
        config_var: Option<&str>,
        config_arg: Option<&Path>,
    ) -> Vec<Arc<dyn Source>> {
        let mut files = self.candidates(schema, vars);
        let named = match (config_arg, config_var) {
            (Some(path), _) => Some((path.to_owned(), "--config".to_owned())),
            (None, None) => None,
            (None, Some(var)) => vars.get(var).filter(|s| !s.is_empty()).map(|path| {
                (
                    PathBuf::from(path),
                    format!("the environment variable {var}"),
                )
            }),
        };
        if let Some((path, by)) = named {
            files.push(Arc::new(File::named_by(path, by)));
        }
        files
    }

    /// The files and drop-in directories discovery reads, lowest first, as
    /// `--help` and `env_usage()` list them: `/etc/myapp/myapp.{toml,json}`,
    /// `/etc/myapp/myapp.d/*.{toml,json}`, ... (the file `--config` or
    /// `<PREFIX>CONFIG` names comes after them).
    pub(crate) fn places(&self, schema: &Schema, vars: &Vars) -> Vec<String> {
        let Some(name) = schema.name else {
            return Vec::new();
        };
        let exts = extensions().collect::<Vec<_>>().join(",");
        let mut places = Vec::new();
        for dir in self.dirs(vars, name) {
            let dir = dir.display();
            places.push(format!("{dir}/{name}.{{{exts}}}"));
            places.push(format!("{dir}/{name}.d/*.{{{exts}}}"));
        }
        places
    }

    /// The directories searched, lowest first.
    fn dirs(&self, vars: &Vars, name: &str) -> Vec<PathBuf> {
        match &self.dirs {
            Some(dirs) => dirs.clone(),
            None => {
                // The XDG base directory specification ignores a relative
                // XDG_CONFIG_HOME; a relative HOME (or an empty one) names no
                // home either, only somewhere below the working directory.
                let absolute =
                    |var: &str| vars.get(var).map(PathBuf::from).filter(|p| p.is_absolute());
                let user = absolute("XDG_CONFIG_HOME")
                    .or_else(|| absolute("HOME").map(|h| h.join(".config")));
                let mut dirs = vec![PathBuf::from("/etc").join(name)];
                dirs.extend(user.map(|u| u.join(name)));
                dirs.push(PathBuf::from("."));
                dirs
            }
        }
    }

    fn candidates(&self, schema: &Schema, vars: &Vars) -> Vec<Arc<dyn Source>> {
        let Some(name) = schema.name else {
            return Vec::new();
        };
        let mut out: Vec<Arc<dyn Source>> = Vec::new();
        for dir in self.dirs(vars, name) {
            for ext in extensions() {
                out.push(Arc::new(File::optional(dir.join(format!("{name}.{ext}")))));
            }
            out.push(Arc::new(Dir::optional(dir.join(format!("{name}.d")))));
        }
        out
    }
}

/// The variable that names a configuration file for discovery,
/// `<PREFIX>CONFIG`. Without a prefix there is none: a bare `CONFIG` may
/// belong to anything.
pub(crate) fn config_var(naming: &EnvNaming) -> Option<String> {
    (!naming.prefix.is_empty()).then(|| format!("{}CONFIG", naming.prefix))
}

/// A builder expands discovery into its files when it plans its loads, so
/// that each file is a layer of its own; run alone (in a
/// [`Harness`](super::Harness)), it loads them in order and merges them.
impl Source for Discover {
    fn describe(&self) -> String {
        "discovered files".to_owned()
    }

    fn load(&self, ctx: &mut LoadCtx<'_>) -> Result<Option<Value>, Vec<Problem>> {
        let naming = EnvNaming::new(ctx.schema.name, "_");
        let files = self.files(ctx.schema, ctx.env(), config_var(&naming).as_deref(), None);
        let mut merged: Option<Value> = None;
        for file in files {
            let loaded = file.load(ctx);
            ctx.merge_loaded(&mut merged, loaded);
        }
        Ok(merged)
    }
}
