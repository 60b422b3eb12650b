//! The files `App::load()` finds by itself: system, user and working
//! directory, then the one named by `--config` or `MYAPP_CONFIG`.

use super::file::Format;
use super::{LoadCtx, Source};
use crate::error::Problem;
use crate::value::Value;
use std::path::PathBuf;

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
/// `.json` in each place; a script sees every file found before it.
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

    fn candidates(&self, ctx: &LoadCtx<'_>) -> Vec<PathBuf> {
        let Some(name) = ctx.app_name() else {
            return Vec::new();
        };
        let dirs = match &self.dirs {
            Some(dirs) => dirs.clone(),
            None => {
                let env = ctx.env();
                let user = env
                    .get("XDG_CONFIG_HOME")
                    .filter(|s| !s.is_empty())
                    .map(PathBuf::from)
                    .or_else(|| env.get("HOME").map(|h| PathBuf::from(h).join(".config")));
                let mut dirs = vec![PathBuf::from("/etc").join(name)];
                dirs.extend(user.map(|u| u.join(name)));
                dirs.push(PathBuf::from("."));
                dirs
            }
        };
        let mut out = Vec::new();
        for dir in dirs {
            for ext in Format::EXTENSIONS {
                out.push(dir.join(format!("{name}.{ext}")));
            }
        }
        out
    }

    /// The file named by `--config` or `<PREFIX>CONFIG`.
    fn named(&self, ctx: &LoadCtx<'_>) -> Option<PathBuf> {
        if let Some(path) = &ctx.config_arg {
            ctx.config_taken.set(true);
            return Some(path.clone());
        }
        // Named from the app even when the builder reads no other variable;
        // without a prefix there is no such variable (a bare `CONFIG` may
        // belong to anything).
        let prefix = match &ctx.naming.env {
            Some(env) => env.prefix.clone(),
            None => crate::naming::EnvNaming::new(ctx.schema.name, "_").prefix,
        };
        if prefix.is_empty() {
            return None;
        }
        let var = format!("{prefix}CONFIG");
        ctx.env()
            .get(&var)
            .filter(|s| !s.is_empty())
            .map(PathBuf::from)
    }
}

impl Source for Discover {
    fn describe(&self) -> String {
        "discovered files".to_owned()
    }

    fn load(&self, ctx: &mut LoadCtx<'_>) -> Result<Option<Value>, Vec<Problem>> {
        let mut files: Vec<(PathBuf, bool)> = self
            .candidates(ctx)
            .into_iter()
            .map(|p| (p, true))
            .collect();
        files.extend(self.named(ctx).map(|p| (p, false)));
        let mut merged: Option<Value> = None;
        for (path, optional) in files {
            let file = if optional {
                super::File::optional(path)
            } else {
                super::File::required(path)
            };
            #[cfg(feature = "lua")]
            let result = match &merged {
                // A script sees the files found before it, as if each file
                // were a layer of its own.
                Some(found) if Format::from_path(file.path()) == Some(Format::Lua) => {
                    let mut below = ctx.below().clone();
                    ctx.schema().merge_layer(&mut below, found.clone());
                    ctx.with_below(&below, |ctx| file.load(ctx))
                }
                _ => file.load(ctx),
            };
            #[cfg(not(feature = "lua"))]
            let result = file.load(ctx);
            match result {
                Ok(Some(layer)) => match &mut merged {
                    Some(m) => ctx.schema().merge_layer(m, layer),
                    None => merged = Some(layer),
                },
                Ok(None) => {}
                Err(problems) => ctx.problems.extend(problems),
            }
        }
        Ok(merged)
    }

    fn watch_paths(&self, ctx: &LoadCtx<'_>) -> Vec<PathBuf> {
        let mut paths = self.candidates(ctx);
        paths.extend(self.named(ctx));
        paths
    }
}
