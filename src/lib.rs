//! # staid
//!
//! Layered, typed configuration for Rust services and command-line tools.
//! One `#[derive(Config)]` on a struct; one call merges defaults, TOML and
//! JSON files, environment variables and command-line flags into it, in that
//! order. Every value knows where it came from, and a failed load reports
//! every problem at once with the place to fix it.
//!
//! ## Quick start
//!
//! ```
//! use staid::Config;
//!
//! /// A small service.
//! #[derive(Config, Debug)]
//! #[config(name = "myapp")]
//! struct App {
//!     /// Address to listen on.
//!     #[config(default = "127.0.0.1")]
//!     host: String,
//!     #[config(default = 8080, short = 'p')]
//!     port: u16,
//!     #[config(nested)]
//!     db: Db,
//!     #[config(secret)]
//!     token: Option<String>,
//! }
//!
//! #[derive(Config, Debug)]
//! struct Db {
//!     #[config(default = "localhost")]
//!     host: String,
//!     #[config(default = "5s")]
//!     timeout: std::time::Duration,
//! }
//!
//! let app = App::builder()
//!     .toml_str("port = 9000\n[db]\nhost = \"db1\"\n")
//!     .env_from([("MYAPP_DB_HOST", "db2"), ("MYAPP_TOKEN", "s3cret")])
//!     .load()
//!     .unwrap();
//! assert_eq!(app.port, 9000);                 // from the TOML text
//! assert_eq!(app.db.host, "db2");             // the environment wins
//! assert_eq!(app.db.timeout.as_secs(), 5);    // default, "5s"
//! assert_eq!(app.token.as_deref(), Some("s3cret"));
//! ```
//!
//! [`Config::load`] is the conventional stack for a binary: defaults, the
//! files [`Discover`](source::Discover) finds, the environment, the command
//! line.
//!
//! ## Every problem at once
//!
//! ```
//! use staid::{Config, ProblemKind};
//!
//! #[derive(Config, Debug)]
//! struct App {
//!     port: u16,
//!     url: String,
//! }
//!
//! let err = App::builder().toml_str("port = 70000\nurl_ = \"x\"\n").load().unwrap_err();
//! let kinds: Vec<_> = err.problems().iter().map(|p| p.kind()).collect();
//! assert_eq!(kinds, [ProblemKind::Type, ProblemKind::Missing, ProblemKind::Unknown]);
//! assert_eq!(err.to_string(), r#"3 problems in the configuration:
//!
//! error: `port`: 70000 is out of range for u16 (0 to 65535)
//!   --> <toml>:1:8
//!    |
//!  1 | port = 70000
//!    |        ^^^^^
//!
//! error: `url`: missing required value
//!   = help: set it with `url` in a configuration file
//!
//! error: `url_`: unknown key
//!   --> <toml>:2:1
//!    |
//!  2 | url_ = "x"
//!    | ^^^^
//!   = help: did you mean `url`?"#);
//! ```
//!
//! ## Field types
//!
//! A leaf field is any `serde::de::DeserializeOwned` type: numbers, strings,
//! `bool`, `Option<T>`, `Vec<T>`, `HashMap`/`BTreeMap<String, T>`, enums
//! (unit variants from strings), `PathBuf`, `SocketAddr`, `IpAddr`, and
//! `std::time::Duration` written like `"1m30s"`, `"250ms"` or `"2h 5m"`
//! (humantime's forms: units `ns us ms s m h d w M y` and their long names).
//! Values from files keep their type: `port = "8080"` in a TOML file is a
//! type error for a `u16`. Values from the environment and flags are text and
//! are converted by the field's type (see [`Builder::env`]).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod build;
mod builder;
mod de;
mod error;
mod explain;
pub mod format;
mod json_schema;
mod load;
mod naming;
mod origin;
#[cfg(feature = "schemars")]
mod own_schema;
mod paths;
mod plan;
mod print;
mod redact;
mod schema;
mod secret;
mod sections;
mod snippet;
pub mod source;
mod text;
mod usage;
mod value;
#[cfg(feature = "watch")]
mod watch;

pub use builder::Builder;
pub use error::{Error, Exit, Invalid, Problem, ProblemKind, Warning};
pub use explain::Explain;
pub use load::{Loaded, Unknown};
pub use origin::Origin;
pub use redact::MASK;
pub use schema::{Field, FieldKind, Literal, Schema, Shape, Variant};
pub use secret::Secret;
pub use value::{Kind, Table, Value};
#[cfg(feature = "watch")]
pub use watch::{Change, Events, Reload, Setting, Watch, WatchOptions};

/// Derives [`Config`] for a struct with named fields, or for an enum
/// section (unit variants and newtypes of `Config` structs).
///
/// Container attributes: `name = "myapp"` (env prefix `MYAPP_`, file stem,
/// program name), `validate = path` (a `fn(&Self) -> Result<(), E>` with
/// `E: Display`), `rename_all = "kebab-case"` (file keys, or an enum's
/// variant names, in one of serde's cases; env and flag names keep the Rust
/// names), and on enums `tag = "kind"` (the key that selects the variant;
/// `kind` by default). A variant takes `rename = ".."`.
///
/// Field attributes: `default = <literal>` (string, integer, float, bool,
/// an array of those, or `{}` for a map), `default` (the type's `Default`),
/// `default_with = path` (a `fn() -> T`), `required`, `nested` (the field
/// is a section: a `Config` type, or an `Option`, `Vec`, `HashMap` or
/// `BTreeMap<String, _>` of one), `secret`, `env = "NAME"` (exact variable
/// name), `flag = "name"` (exact long flag), `short = 'p'`,
/// `rename = "key"` (the key, env and flag names), `skip` (never read; set
/// from `Default`), `from_str` (read as text and parsed with `FromStr`),
/// `merge = "append"` (a list adds to the list below instead of replacing
/// it), `validate = path` (a `fn(&T) -> Result<(), E>`), `path` (on a
/// `PathBuf`, `Option<PathBuf>` or `Vec<PathBuf>`: a relative value set in a
/// file or script is resolved against that file's directory).
/// Doc comments become help text. `#[serde(..)]` attributes are refused.
///
/// ```
/// use std::collections::BTreeMap;
/// use staid::Config;
///
/// #[derive(Config)]
/// #[config(name = "gw")]
/// struct Gateway {
///     #[config(nested)]
///     routes: Vec<Route>,
///     #[config(nested)]
///     upstreams: BTreeMap<String, Upstream>,
///     #[config(nested)]
///     storage: Option<Storage>,
/// }
///
/// #[derive(Config)]
/// struct Route {
///     path: String,
///     #[config(default = 1000)]
///     timeout_ms: u64,
/// }
///
/// #[derive(Config)]
/// struct Upstream {
///     url: String,
/// }
///
/// #[derive(Config)]
/// enum Storage {
///     Memory,
///     Disk(Disk),
/// }
///
/// #[derive(Config)]
/// struct Disk {
///     path: String,
/// }
///
/// let gw = Gateway::builder()
///     .toml_str("[[routes]]\npath = \"/a\"\n[storage]\nkind = \"disk\"\npath = \"/d\"\n")
///     .env_from([("GW_UPSTREAMS_EU_URL", "http://eu")])
///     .load()
///     .unwrap();
/// assert_eq!(gw.routes[0].timeout_ms, 1000);
/// assert_eq!(gw.upstreams["eu"].url, "http://eu");
/// assert!(matches!(gw.storage, Some(Storage::Disk(Disk { ref path })) if path == "/d"));
/// ```
pub use staid_derive::Config;

/// A struct that can be loaded as configuration. Implement it with
/// `#[derive(Config)]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a `Config` type, so it cannot be a section",
    label = "a section (a `nested` field or an enum variant) must be a `Config` type",
    note = "add `#[derive(Config)]` to `{Self}`; a field without `#[config(nested)]` is read as a value instead"
)]
pub trait Config: Sized + 'static {
    /// The static description of the struct.
    const SCHEMA: &'static Schema;

    /// Builds the struct from a merged tree; generated by the derive.
    #[doc(hidden)]
    fn __build(node: Option<&Value>, ctx: &mut __private::Ctx<'_>) -> Option<Self>;

    /// A builder whose only layer so far is the defaults.
    fn builder() -> Builder<Self> {
        Builder::new()
    }

    /// The conventional stack as a builder, lowest first: defaults; the
    /// files discovered for the app name ([`source::Discover`]); the file
    /// named by `--config` or `<PREFIX>CONFIG`; systemd credentials
    /// ([`source::Credentials`]); the environment; the command line (with the `cli` feature). [`load`](Config::load) is
    /// built from it.
    ///
    /// Its policies are changed like any builder's, without rebuilding the
    /// stack: `App::loader().unknown_env(Unknown::Error).env_prefix("SVC")`.
    /// `env_from` and `args` replace the process environment and command
    /// line, so it is testable; `watch()` (feature `watch`) follows it.
    ///
    /// ```
    /// use staid::{Config, Unknown};
    ///
    /// #[derive(Config, Debug)]
    /// #[config(name = "svc")]
    /// struct Svc {
    ///     #[config(default = 8080)]
    ///     port: u16,
    /// }
    ///
    /// let svc = Svc::loader()
    ///     .unknown_env(Unknown::Error)
    ///     .env_from([("SVC_PORT", "9000")])
    ///     .args(["svc"])
    ///     .load()
    ///     .unwrap();
    /// assert_eq!(svc.port, 9000);
    /// ```
    fn loader() -> Builder<Self> {
        let builder = Self::builder().discover().credentials().env();
        #[cfg(feature = "cli")]
        let builder = builder.cli();
        builder
    }

    /// Loads the conventional stack ([`loader`](Config::loader)).
    ///
    /// This is the call for a binary's `main`: when the command line asks for
    /// `--help`, `--version`, `--print-config` or `--check-config`, it prints
    /// the text and exits the process (see [`Error::exit_process`]), and it
    /// writes the load's warnings to stderr. Builders return those as an
    /// [`Error`] with an [`Exit`] and as [`Loaded::warnings`] instead, and
    /// print nothing.
    fn load() -> Result<Self, Error> {
        Self::load_with(|stack| stack)
    }

    /// [`load`](Config::load) with the conventional stack's policies
    /// changed: `f` gets the [`loader`](Config::loader) and returns it
    /// configured, and the load behaves as `load()` does for `main`.
    ///
    /// ```no_run
    /// use staid::{Config, Unknown};
    ///
    /// #[derive(Config, Debug)]
    /// #[config(name = "svc")]
    /// struct Svc {
    ///     #[config(default = 8080)]
    ///     port: u16,
    /// }
    ///
    /// let svc = Svc::load_with(|stack| {
    ///     stack
    ///         .unknown_env(Unknown::Error)
    ///         .unknown_keys(Unknown::Warn)
    /// })?;
    /// # Ok::<(), staid::Error>(())
    /// ```
    fn load_with(f: impl FnOnce(Builder<Self>) -> Builder<Self>) -> Result<Self, Error> {
        match f(Self::loader()).load_full() {
            Ok(loaded) => {
                for warning in loaded.warnings() {
                    eprintln!("warning: {warning}");
                }
                Ok(loaded.into_config())
            }
            Err(e) if e.ends_process() => e.exit_process(),
            Err(e) => Err(e),
        }
    }
}

#[doc(hidden)]
pub mod __private {
    //! Used by code that `#[derive(Config)]` generates. Not public API.
    pub use crate::build::{Build, Ctx, Leaf};
    pub use crate::json_schema::{NoSchema, Probe};
    pub use crate::schema::{Field, FieldKind, Literal, Schema, Shape, Variant};
    pub use crate::value::{Table, Value};
    pub use core::default::Default;
    pub use core::option::Option::{self, None, Some};
    pub use core::result::Result;
}
