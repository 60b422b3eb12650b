//! Where a value came from.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The place a value was set: the answer to "why is this the value?".
///
/// Every node of a [`Value`](crate::Value) tree carries one. Its `Display` is
/// the short form used in errors and in [`Explain`](crate::Explain):
/// `default`, `app.toml:3:8`, `env MYAPP_PORT`, `flag --port`, `plugin.lua:12`,
/// `/myapp/port at etcd http://127.0.0.1:2379 (revision 7)`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Origin {
    /// A `#[config(default = ..)]` in the struct.
    Default,
    /// A TOML or JSON file (or text given as a string), with 1-based line and
    /// column of the value.
    File {
        /// The file, as it was named to the builder.
        path: Arc<Path>,
        /// 1-based line.
        line: usize,
        /// 1-based column, counted in characters.
        column: usize,
    },
    /// An environment variable.
    Env {
        /// The variable's name.
        var: String,
    },
    /// An environment variable `NAME_FILE` whose value is the path of a file
    /// holding the value (Docker and Kubernetes secrets).
    EnvFile {
        /// The variable's name, with its `_FILE` suffix.
        var: String,
        /// The file it named.
        path: PathBuf,
    },
    /// A systemd credential (a file in `$CREDENTIALS_DIRECTORY`) or a file
    /// of a mounted secret, named after the field it sets.
    Credential {
        /// The credential's name: a key path or an env variable's name.
        name: String,
        /// The file it was read from.
        path: PathBuf,
    },
    /// A command-line flag.
    Flag {
        /// The flag's long name, without the leading dashes.
        name: String,
    },
    /// A Lua script layer.
    Lua {
        /// The script file.
        script: Arc<Path>,
        /// The line of the assignment, where it is known.
        line: Option<usize>,
    },
    /// A value set by the application's own code (a custom
    /// [`Source`](crate::source::Source)).
    Code,
    /// A key in a remote store (etcd, Consul, Vault, an HTTP service): any
    /// source that is not a file, the environment or a flag.
    Remote {
        /// What was read, for people: `etcd http://10.0.0.1:2379`, a URL.
        source: String,
        /// The key in the store: `/myapp/db/port`.
        key: String,
        /// The version of the value, where the store has one, in the
        /// store's own words: shown in parentheses after the source (etcd
        /// gives `revision 7`, its `mod_revision`).
        version: Option<String>,
    },
}

impl Origin {
    /// The file and position, if the value came from a file.
    pub fn file_position(&self) -> Option<(&Path, usize, usize)> {
        match self {
            Origin::File { path, line, column } => Some((path, *line, *column)),
            _ => None,
        }
    }
}

/// Names and paths with their control characters escaped (`\n`,
/// `\u{1b}`): a file named with an escape sequence, or an etcd key with a
/// newline, must not act on the terminal or forge a line of a report.
impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A name that a source or the environment chose may be of any
        // length: shown cut, as keys are.
        let printable = |s: &str| crate::text::bounded(crate::text::printable(s).into_owned());
        // A path is the OS's, at most a few KiB, and shown whole: it is
        // where to fix the value.
        let path = |p: &Path| crate::text::printable(&p.to_string_lossy()).into_owned();
        match self {
            Origin::Default => f.write_str("default"),
            Origin::File {
                path: p,
                line,
                column,
            } => write!(f, "{}:{line}:{column}", path(p)),
            Origin::Env { var } => write!(f, "env {}", printable(var)),
            Origin::EnvFile { var, path: p } => {
                write!(f, "env {} (file {})", printable(var), path(p))
            }
            Origin::Credential { name, .. } => write!(f, "credential {}", printable(name)),
            Origin::Flag { name } => write!(f, "flag --{}", printable(name)),
            Origin::Lua { script, line } => match line {
                Some(line) => write!(f, "{}:{line}", path(script)),
                None => write!(f, "{}", path(script)),
            },
            Origin::Code => f.write_str("set in code"),
            Origin::Remote {
                source,
                key,
                version,
            } => {
                write!(f, "{} at {}", printable(key), printable(source))?;
                match version {
                    Some(version) => write!(f, " ({})", printable(version)),
                    None => Ok(()),
                }
            }
        }
    }
}
