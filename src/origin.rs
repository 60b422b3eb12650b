//! Where a value came from.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The place a value was set: the answer to "why is this the value?".
///
/// Every node of a [`Value`](crate::Value) tree carries one. Its `Display` is
/// the short form used in errors and in [`Explain`](crate::Explain):
/// `default`, `app.toml:3:8`, `env MYAPP_PORT`, `flag --port`, `plugin.lua:12`,
/// `/myapp/port at http://127.0.0.1:2379 (revision 7)`.
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
    /// A key in a remote store such as etcd.
    Remote {
        /// The endpoint the value was read from, as given to the builder
        /// (several, separated by commas, when the client balances between
        /// them).
        endpoint: String,
        /// The key in the store: `/myapp/db/port`.
        key: String,
        /// The revision at which the key was last modified (etcd's
        /// `mod_revision`): `etcdctl get --rev` shows the value as it was.
        revision: i64,
        /// Whether the value arrived as text, converted by the target
        /// field's type like an environment variable (`true`), or as part of
        /// a JSON document, typed as in a JSON file (`false`).
        text: bool,
    },
}

impl Origin {
    /// Whether the value arrived as untyped text (environment, flags, text
    /// values of a remote store) and so is converted by the target field's
    /// type.
    pub fn is_text(&self) -> bool {
        matches!(
            self,
            Origin::Env { .. }
                | Origin::EnvFile { .. }
                | Origin::Flag { .. }
                | Origin::Remote { text: true, .. }
        )
    }

    /// The file and position, if the value came from a file.
    pub fn file_position(&self) -> Option<(&Path, usize, usize)> {
        match self {
            Origin::File { path, line, column } => Some((path, *line, *column)),
            _ => None,
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Default => f.write_str("default"),
            Origin::File { path, line, column } => {
                write!(f, "{}:{line}:{column}", path.display())
            }
            Origin::Env { var } => write!(f, "env {var}"),
            Origin::EnvFile { var, path } => write!(f, "env {var} (file {})", path.display()),
            Origin::Flag { name } => write!(f, "flag --{name}"),
            Origin::Lua { script, line } => match line {
                Some(line) => write!(f, "{}:{line}", script.display()),
                None => write!(f, "{}", script.display()),
            },
            Origin::Code => f.write_str("set in code"),
            Origin::Remote {
                endpoint,
                key,
                revision,
                ..
            } => write!(f, "{key} at {endpoint} (revision {revision})"),
        }
    }
}
