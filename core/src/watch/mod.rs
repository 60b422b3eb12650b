//! Hot reload: [`Builder::watch`](crate::Builder::watch) keeps a
//! configuration current as its files change, on SIGHUP and by hand, and
//! sends each reload on a channel.
//!
//! Three threads do the work: the file watcher's (notify's), one waiting
//! for SIGHUP, and one that owns the builder and reloads. The first two only
//! send causes to the third, which decides when the files are settled
//! enough to read, so reloads never overlap and a burst of causes becomes
//! one reload.

mod diff;
mod dirs;
mod notifier;
mod settle;
mod sighup;
mod thread;
mod watcher;
mod worker;

pub use diff::{Change, Setting};
pub use watcher::{Events, Reload, Watch, WatchOptions};
