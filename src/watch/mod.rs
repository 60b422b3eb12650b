//! Hot reload: [`Builder::watch`] keeps a configuration current as its files
//! change, on SIGHUP and by hand, and sends each reload on a channel.
//!
//! Three threads do the work: the file watcher's (notify and its debouncer),
//! one waiting for SIGHUP, and one that owns the builder and reloads. The
//! first two only send causes to the third, so reloads never overlap and a
//! burst of causes becomes one reload.

mod diff;
mod dirs;
mod sighup;
mod watcher;

pub use watcher::{Events, Reload, Watch, WatchOptions};
