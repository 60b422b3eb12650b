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

// Everything but the derive lives in `staid-core`, which compiles beside
// the derive's `syn` rather than after it (see README, "Compile time").
#[doc(inline)]
pub use staid_core::*;

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
