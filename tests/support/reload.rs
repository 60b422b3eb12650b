//! Waiting for the reloads of a `Watch` in the hot reload tests. Waits are
//! long enough for a reload on a loaded machine; a test that passes waits
//! far less.

#![allow(dead_code)]

use std::fmt::Debug;
use std::fs;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use staid::{Error, Reload, Watch};

pub const WAIT: Duration = Duration::from_secs(30);

pub fn next<T>(watch: &Watch<T>) -> Reload<T> {
    watch
        .events()
        .recv_timeout(WAIT)
        .expect("a reload within the wait")
}

/// The next reload, which must be an update.
pub fn updated<T: Debug>(watch: &Watch<T>) -> (Arc<T>, Vec<String>) {
    match next(watch) {
        Reload::Updated {
            config, changed, ..
        } => (config, changed),
        Reload::Rejected { error } => panic!("rejected:\n{error}"),
        other => panic!("not an update: {other:?}"),
    }
}

/// The next reload, which must be a rejection.
pub fn rejected<T: Debug>(watch: &Watch<T>) -> Error {
    match next(watch) {
        Reload::Rejected { error } => error,
        other => panic!("not a rejection: {other:?}"),
    }
}

/// The first update after any rejections: an in-place write is seen
/// half-done now and then, and that is rightly rejected on the way.
pub fn settled<T: Debug>(watch: &Watch<T>) -> (Arc<T>, Vec<String>) {
    let deadline = Instant::now() + WAIT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match watch.events().recv_timeout(left).expect("an update") {
            Reload::Updated {
                config, changed, ..
            } => return (config, changed),
            Reload::Rejected { .. } => continue,
            other => panic!("not an update: {other:?}"),
        }
    }
}

/// Saves the way most editors do: a new file renamed over the old one.
pub fn save_by_rename(path: &Path, text: &str) {
    let tmp = path.with_extension("tmp");
    fs::write(&tmp, text).unwrap();
    fs::rename(&tmp, path).unwrap();
}
