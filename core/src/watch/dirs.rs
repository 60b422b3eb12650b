//! Which directories to watch for a set of files, and which events in them
//! concern those files.
//!
//! A file itself is never watched: an editor's rename save, a delete and
//! recreate, or a Kubernetes ConfigMap update replaces its inode, and a watch
//! on the old inode goes silent. Its parent directory is watched instead,
//! non-recursively. A file whose directory does not exist yet is covered by
//! watching the nearest ancestor that does, for the name of the next
//! directory down; once that appears, the next sync watches it.
//!
//! A symlink on the way to a file, the file's own or a directory's, is
//! watched for by name in the directory that holds it, since switching it
//! switches what the path opens; each sync follows the path again, so the
//! directory it leads to now is the one watched.

use std::collections::{HashMap, HashSet};
use std::ffi::{OsStr, OsString};
use std::fs;
use std::path::{Component, Path, PathBuf};

use super::notifier::Notifier;
use crate::source::Entry;

/// How many symlinks are followed on the way to a file, as Linux does
/// before it gives up with `ELOOP`.
const MAX_LINKS: usize = 40;

/// What matters in one watched directory.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Filter {
    /// Names of entries whose change matters: the files, and the symlinks
    /// on the way to them.
    names: HashSet<OsString>,
    /// The directory is read whole (drop-ins, credentials): an entry of
    /// any name matters, since adding or removing one changes the
    /// configuration, but for what editors and packages leave behind.
    whole: bool,
}

impl Filter {
    fn concerns(&self, name: &OsStr) -> bool {
        // `..data`, `..data_tmp` and `..2024_01_01_...` are how Kubernetes'
        // atomic writer swaps a ConfigMap volume.
        self.names.contains(name)
            || name.as_encoded_bytes().starts_with(b"..")
            || (self.whole && name.to_str().is_some_and(|name| !Entry::left_over(name)))
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
        let reached = follow(&file, &mut wanted);
        if reached.is_dir() {
            wanted.entry(reached).or_default().whole = true;
        }
    }
    wanted
}

/// Walks `file` as opening it does, following each symlink on the way,
/// and returns the path reached. Each link met, a directory's (Capistrano's
/// `current -> releases/2`, Kubernetes' `..data`) as well as the file's
/// own, makes its directory matter for its name: switching the link
/// switches what the path opens, and no event names the file. Then the
/// directory of what is reached is watched for its name.
fn follow(file: &Path, wanted: &mut HashMap<PathBuf, Filter>) -> PathBuf {
    let mut reached = PathBuf::new();
    // What is left to walk, the next component last.
    let mut ahead: Vec<PathBuf> = parts(file);
    let mut links = 0;
    while let Some(part) = ahead.pop() {
        let name = match part.components().next() {
            Some(Component::Normal(name)) => name.to_owned(),
            // `reached` has no link left in it, so `..` is its parent.
            Some(Component::ParentDir) => {
                reached.pop();
                continue;
            }
            Some(Component::CurDir) | None => continue,
            // A root or a drive: the walk starts there.
            Some(_) => {
                reached.push(&part);
                continue;
            }
        };
        let next = reached.join(&name);
        let is_link = fs::symlink_metadata(&next).is_ok_and(|m| m.file_type().is_symlink());
        let target = match is_link && links < MAX_LINKS {
            true => fs::read_link(&next).ok(),
            false => None,
        };
        let Some(target) = target else {
            reached = next;
            continue;
        };
        links += 1;
        // A link right under the root is the system's layout (macOS's
        // `/etc -> private/etc`, a merged `/usr`), which no deploy switches;
        // and where a watch sees a whole tree (macOS), one on `/` would see
        // every write to the disk.
        if reached.parent().is_some() {
            wanted
                .entry(reached.clone())
                .or_default()
                .names
                .insert(name);
        }
        // A relative target goes on from the link's directory, where the
        // walk is; an absolute one starts again at its root.
        ahead.extend(parts(&target));
    }
    add(&reached, wanted);
    reached
}

/// The components of `path`, the first one last, for [`follow`] to pop.
fn parts(path: &Path) -> Vec<PathBuf> {
    let mut parts: Vec<PathBuf> = path.components().map(|c| c.as_os_str().into()).collect();
    parts.reverse();
    parts
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
    fn a_directory_read_whole_is_watched_for_entries_of_any_name() {
        let tmp = tempfile::tempdir().unwrap();
        let root = fs::canonicalize(tmp.path()).unwrap();
        fs::create_dir(root.join("app.d")).unwrap();
        let mut dirs = Dirs::default();
        dirs.sync(&[root.join("app.d")], &mut notifier());
        assert_eq!(dirs.watched(), [root.as_path(), &root.join("app.d")]);
        assert!(dirs.concerns(&[root.join("app.d/50-new.toml")]));
        assert!(dirs.concerns(&[root.join("app.d/50-new.tml")]));
        // A credential's name has no extension.
        assert!(dirs.concerns(&[root.join("app.d/db.password")]));
        assert!(dirs.concerns(&[root.join("app.d/port")]));
        assert!(!dirs.concerns(&[root.join("app.d/.50-new.toml.swp")]));
        assert!(!dirs.concerns(&[root.join("app.d/50-new.toml~")]));
    }

    #[cfg(unix)]
    #[test]
    fn each_symlink_on_the_way_is_watched_for_in_its_directory() {
        use std::os::unix::fs::symlink;
        let tmp = tempfile::tempdir().unwrap();
        let root = fs::canonicalize(tmp.path()).unwrap();
        fs::create_dir_all(root.join("real/v1")).unwrap();
        fs::create_dir_all(root.join("conf")).unwrap();
        fs::write(root.join("real/v1/app.toml"), "").unwrap();
        // conf/app.toml -> ../current/app.toml, current -> real/v1
        symlink("real/v1", root.join("current")).unwrap();
        symlink("../current/app.toml", root.join("conf/app.toml")).unwrap();
        let mut dirs = Dirs::default();
        dirs.sync(&[root.join("conf/app.toml")], &mut notifier());
        assert_eq!(
            dirs.watched(),
            [root.as_path(), &root.join("conf"), &root.join("real/v1")]
        );
        assert!(dirs.concerns(&[root.join("conf/app.toml")]));
        assert!(dirs.concerns(&[root.join("current")]));
        assert!(dirs.concerns(&[root.join("real/v1/app.toml")]));
        assert!(!dirs.concerns(&[root.join("conf/anything")]));
        assert!(!dirs.concerns(&[root.join("current.new")]));
        assert!(!dirs.concerns(&[root.join("real/v1/other")]));
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
