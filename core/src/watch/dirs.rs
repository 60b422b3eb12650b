//! Which directories to watch for a set of files, and which events in them
//! concern those files.
//!
//! A file itself is never watched: an editor's rename save, a delete and
//! recreate, or a Kubernetes ConfigMap update replaces its inode, and a watch
//! on the old inode goes silent. Its parent directory is watched instead,
//! non-recursively. A file whose directory does not exist yet is covered by
//! watching the nearest ancestor that does, for the name of the next
//! directory down; once that appears, the next sync watches it.

use std::collections::{HashMap, HashSet};
use std::ffi::{OsStr, OsString};
use std::fs;
use std::path::{Path, PathBuf};

use super::notifier::Notifier;
use crate::source::Entry;

/// How many symlinks deep a file's target is followed.
const MAX_LINKS: usize = 8;

/// What matters in one watched directory.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Filter {
    /// Names of entries whose change matters.
    names: HashSet<OsString>,
    /// Any change in the directory matters: one of the files is a symlink,
    /// whose target can be switched by entries of other names (Kubernetes
    /// swaps `..data`, not the file).
    any: bool,
    /// The directory is a drop-in directory: a drop-in of any name matters,
    /// since adding or removing one changes the configuration.
    drop_ins: bool,
}

impl Filter {
    fn concerns(&self, name: &OsStr) -> bool {
        // `..data`, `..data_tmp` and `..2024_01_01_...` are how Kubernetes'
        // atomic writer swaps a ConfigMap volume.
        self.any
            || self.names.contains(name)
            || name.as_encoded_bytes().starts_with(b"..")
            || (self.drop_ins && Entry::of(name) != Entry::Skip)
    }
}

/// The directories being watched, and how to tell whether an event matters.
#[derive(Debug, Default)]
pub(super) struct Dirs {
    /// Directory as watched -> its identity when the watch was added, to
    /// notice a directory replaced by another of the same name; `None` to
    /// watch it afresh.
    watched: HashMap<PathBuf, Option<Identity>>,
    /// Filters by directory: both the path as watched and its canonical form,
    /// since some platforms report events under the canonical path.
    filters: HashMap<PathBuf, Filter>,
}

impl Dirs {
    /// Watches the directories `files` need and unwatches those no longer
    /// needed. Returns the directories that could not be watched with why,
    /// and whether any new directory is watched (a change made in it before
    /// the watch was added would have been missed: the caller re-reads).
    pub(super) fn sync(
        &mut self,
        files: &[PathBuf],
        notifier: &mut Notifier,
    ) -> (Vec<(PathBuf, notify::Error)>, bool) {
        let wanted = wanted(files);
        let mut failed = Vec::new();
        let mut added = false;

        let stale: Vec<PathBuf> = self
            .watched
            .iter()
            .filter(|(dir, id)| !wanted.contains_key(*dir) || id.is_none() || identity(dir) != **id)
            .map(|(dir, _)| dir.clone())
            .collect();
        for dir in stale {
            notifier.unwatch(&dir);
            self.watched.remove(&dir);
        }
        for dir in wanted.keys() {
            if self.watched.contains_key(dir) {
                continue;
            }
            match notifier.watch(dir) {
                Ok(()) => {
                    self.watched.insert(dir.clone(), identity(dir));
                    added = true;
                }
                Err(e) => failed.push((dir.clone(), e)),
            }
        }

        self.filters.clear();
        for (dir, filter) in wanted {
            if let Ok(real) = fs::canonicalize(&dir) {
                if real != dir {
                    self.filters.insert(real, filter.clone());
                }
            }
            self.filters.insert(dir, filter);
        }
        (failed, added)
    }

    /// Whether an event about these paths may change a watched file. An event
    /// about a watched directory itself (removed, renamed, replaced) also
    /// marks it to be watched afresh by the next sync.
    pub(super) fn concerns(&mut self, paths: &[PathBuf]) -> bool {
        let mut relevant = false;
        for path in paths {
            if self.filters.contains_key(path) {
                if let Some(id) = self.watched.get_mut(path) {
                    *id = None;
                }
                relevant = true;
                continue;
            }
            if let (Some(dir), Some(name)) = (path.parent(), path.file_name()) {
                relevant |= self.filters.get(dir).is_some_and(|f| f.concerns(name));
            }
        }
        relevant
    }

    /// Marks every directory to be watched afresh by the next sync, after the
    /// watcher lost events or failed.
    pub(super) fn rewatch_all(&mut self) {
        for id in self.watched.values_mut() {
            *id = None;
        }
    }

    /// The directories watched now, for tests of this module.
    #[cfg(test)]
    fn watched(&self) -> Vec<&Path> {
        let mut dirs: Vec<&Path> = self.watched.keys().map(PathBuf::as_path).collect();
        dirs.sort();
        dirs
    }
}

/// The directory to watch for each file, with what matters in it.
fn wanted(files: &[PathBuf]) -> HashMap<PathBuf, Filter> {
    let mut wanted: HashMap<PathBuf, Filter> = HashMap::new();
    for file in files {
        let Ok(file) = std::path::absolute(file) else {
            continue;
        };
        add(&file, &mut wanted);
        if file.is_dir() {
            wanted.entry(file.clone()).or_default().drop_ins = true;
        }
        // A symlinked file changes when any link on the way is switched; the
        // real file's directory is watched too, for edits made there.
        let mut link = file.clone();
        for _ in 0..MAX_LINKS {
            let is_link = fs::symlink_metadata(&link).is_ok_and(|m| m.file_type().is_symlink());
            if !is_link {
                break;
            }
            if let Some(dir) = link.parent() {
                wanted.entry(dir.to_owned()).or_default().any = true;
            }
            let Ok(target) = fs::read_link(&link) else {
                break;
            };
            link = match link.parent() {
                Some(dir) => dir.join(target),
                None => target,
            };
            add(&link, &mut wanted);
        }
        if let Ok(real) = fs::canonicalize(&file) {
            if real != file {
                add(&real, &mut wanted);
            }
        }
    }
    wanted
}

/// Watches `file`'s directory for its name, or, while that directory does not
/// exist, the nearest existing ancestor for the next name down.
fn add(file: &Path, wanted: &mut HashMap<PathBuf, Filter>) {
    let mut child = file;
    while let (Some(dir), Some(name)) = (child.parent(), child.file_name()) {
        if dir.is_dir() {
            wanted
                .entry(dir.to_owned())
                .or_default()
                .names
                .insert(name.to_owned());
            return;
        }
        child = dir;
    }
}

/// What tells a directory from another created under the same name.
#[cfg(unix)]
type Identity = (u64, u64);
#[cfg(not(unix))]
type Identity = ();

#[cfg(unix)]
fn identity(dir: &Path) -> Option<Identity> {
    use std::os::unix::fs::MetadataExt;
    fs::metadata(dir).ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn identity(dir: &Path) -> Option<Identity> {
    fs::metadata(dir).ok().map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notifier() -> Notifier {
        Notifier::start(flume::unbounded().0).unwrap()
    }

    #[test]
    fn watches_parents_and_the_nearest_existing_ancestor() {
        let tmp = tempfile::tempdir().unwrap();
        let root = fs::canonicalize(tmp.path()).unwrap();
        fs::create_dir(root.join("conf")).unwrap();
        let files = [root.join("conf/app.toml"), root.join("later/deep/app.toml")];
        let mut dirs = Dirs::default();
        let mut notifier = notifier();
        let (failed, added) = dirs.sync(&files, &mut notifier);
        assert!(failed.is_empty() && added);
        assert_eq!(dirs.watched(), [root.as_path(), &root.join("conf")]);

        assert!(dirs.concerns(&[root.join("conf/app.toml")]));
        assert!(!dirs.concerns(&[root.join("conf/other.toml")]));
        assert!(dirs.concerns(&[root.join("later")]));
        assert!(!dirs.concerns(&[root.join("unrelated")]));
        assert!(dirs.concerns(&[root.join("conf/..data")]));

        fs::create_dir_all(root.join("later/deep")).unwrap();
        let (_, added) = dirs.sync(&files, &mut notifier);
        assert!(added);
        assert_eq!(
            dirs.watched(),
            [&root.join("conf"), &root.join("later/deep")]
        );
        let (_, added) = dirs.sync(&files, &mut notifier);
        assert!(!added);
    }

    #[test]
    fn a_drop_in_directory_is_watched_for_drop_ins_of_any_name() {
        let tmp = tempfile::tempdir().unwrap();
        let root = fs::canonicalize(tmp.path()).unwrap();
        fs::create_dir(root.join("app.d")).unwrap();
        let mut dirs = Dirs::default();
        dirs.sync(&[root.join("app.d")], &mut notifier());
        assert_eq!(dirs.watched(), [root.as_path(), &root.join("app.d")]);
        assert!(dirs.concerns(&[root.join("app.d/50-new.toml")]));
        assert!(dirs.concerns(&[root.join("app.d/50-new.tml")]));
        assert!(!dirs.concerns(&[root.join("app.d/.50-new.toml.swp")]));
        assert!(!dirs.concerns(&[root.join("app.d/50-new.toml~")]));
    }

    #[cfg(unix)]
    #[test]
    fn a_symlinked_file_makes_its_directory_matter_and_its_target_watched() {
        let tmp = tempfile::tempdir().unwrap();
        let root = fs::canonicalize(tmp.path()).unwrap();
        fs::create_dir_all(root.join("real")).unwrap();
        fs::create_dir_all(root.join("conf")).unwrap();
        fs::write(root.join("real/app.toml"), "").unwrap();
        std::os::unix::fs::symlink(root.join("real/app.toml"), root.join("conf/app.toml")).unwrap();
        let mut dirs = Dirs::default();
        dirs.sync(&[root.join("conf/app.toml")], &mut notifier());
        assert_eq!(dirs.watched(), [&root.join("conf"), &root.join("real")]);
        assert!(dirs.concerns(&[root.join("conf/anything")]));
        assert!(dirs.concerns(&[root.join("real/app.toml")]));
        assert!(!dirs.concerns(&[root.join("real/other")]));
    }

    #[test]
    fn a_replaced_directory_is_watched_again() {
        let tmp = tempfile::tempdir().unwrap();
        let root = fs::canonicalize(tmp.path()).unwrap();
        fs::create_dir(root.join("conf")).unwrap();
        let files = [root.join("conf/app.toml")];
        let mut dirs = Dirs::default();
        let mut notifier = notifier();
        dirs.sync(&files, &mut notifier);
        fs::remove_dir(root.join("conf")).unwrap();
        fs::create_dir(root.join("conf")).unwrap();
        // The new directory may even reuse the inode number; the event about
        // the directory itself is what says it was replaced.
        assert!(dirs.concerns(&[root.join("conf")]));
        let (failed, added) = dirs.sync(&files, &mut notifier);
        assert!(failed.is_empty());
        assert!(added, "the new directory is watched");
    }
}
