//! Sources: each produces one layer of the configuration, and owns its
//! settings. One module each; [`Source`] is the trait they implement.

#[cfg(feature = "cli")]
mod cli;
mod credentials;
mod ctx;
mod dir;
mod discover;
mod dotenv;
mod env;
#[cfg(feature = "etcd")]
mod etcd;
mod file;
#[cfg(feature = "lua")]
mod lua;
mod service_links;
mod trigger;
mod vars;

/// Also at [`staid::format::Format`](crate::format::Format), where it lives.
pub use crate::format::Format;
#[cfg(feature = "cli")]
pub(crate) use cli::Parse;
#[cfg(feature = "cli")]
pub use cli::{Cli, CHECK_CONFIG_FLAG, CONFIG_FLAG, PRINT_CONFIG_FLAG};
pub use credentials::{Credentials, CREDENTIALS_DIRECTORY};
pub use ctx::{Check, Harness, LoadCtx, Source, Subscription};
pub(crate) use ctx::{Sink, Texts};
pub use dir::Dir;
#[cfg(feature = "watch")]
pub(crate) use dir::Entry;
pub(crate) use discover::config_var;
pub use discover::Discover;
pub use dotenv::Dotenv;
pub use env::Env;
pub(crate) use env::{field_of, secret_keys, MAX_MAP_DEPTH};
#[cfg(feature = "etcd")]
pub use etcd::Etcd;
#[cfg(feature = "watch")]
pub(crate) use file::refuse_pipes_on_this_thread;
pub(crate) use file::{read, read_value};
pub use file::{File, Text};
#[cfg(feature = "lua")]
pub use lua::{HostValue, Lua};
pub use trigger::Trigger;
pub use vars::Vars;

/// The environment layer's former name.
#[deprecated(
    since = "0.2.0",
    note = "renamed to `source::Env`, which now owns its settings"
)]
pub type EnvLayer = Env;

/// The command-line layer's former name.
#[cfg(feature = "cli")]
#[deprecated(
    since = "0.2.0",
    note = "renamed to `source::Cli`, which now owns its arguments"
)]
pub type CliLayer = Cli;
