//! Drop-in directories: `myapp.d/` read as one file layer per drop-in, in
//! lexical order of file name, as systemd, nginx, sudo and apt read theirs.

use std::ffi::OsStr;
use std::io;
use std::path::{Path, PathBuf};

use super::file::{extensions, is_script, os_reason};
use super::{File, LoadCtx, Source};
use crate::error::{Problem, ProblemKind};
use crate::value::Value;

/// A directory of drop-in files: [`Builder::dir`](crate::Builder::dir) and
/// [`Builder::optional_dir`](crate::Builder::optional_dir), and the
/// `<name>.d/` of each place [`Discover`](super::Discover) looks in.
///
/// Every file in it with an extension staid reads (`.toml`, `.json`, and
/// `.lua` with that feature) is a layer, in lexical order of file name, the
/// later winning: `10-base.toml` below `50-tuning.toml`. Each is an ordinary
/// file layer, so origins name the drop-in and a script sees the drop-ins
/// before it. The directory is listed again on every load, so under watch a
/// drop-in added or removed is noticed.
///
/// Skipped without a word: hidden files, editor and package manager
/// leftovers (`~`, `.swp`, `.bak`, `.tmp`, `.dpkg-*`, `.rpmnew`,
/// `.rpmsave`),
/// subdirectories, and files of other extensions. An extension that looks
/// like a mistake for one staid reads (`50-tuning.tml`, `20-a.TOML`) is
/// skipped with a warning.
#[derive(Clone, Debug)]
pub struct Dir {
    path: PathBuf,
    optional: bool,
}

/// What a name in a drop-in directory is.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Entry {
    /// A drop-in: read it.
    DropIn,
    /// Not meant to be read (hidden, a backup, another kind of file).
    Skip,
    /// Not read, but probably meant to be: the warning says why.
    Suspect(String),
}

impl Entry {
    /// Whether a name is hidden, or what an editor or a package manager
    /// leaves beside a file (`~`, `.swp`, `#..#`, `.dpkg-*`, `.rpmnew`):
    /// never read, and no reason to reload.
    pub(crate) fn left_over(name: &str) -> bool {
        const LEFTOVERS: &[&str] = &[".swp", ".bak", ".rpmnew", ".rpmsave", ".tmp"];
        name.starts_with('.')
            || name.ends_with('~')
            // Emacs's autosave, `#10-a.toml#`.
            || (name.starts_with('#') && name.ends_with('#'))
            || name.contains(".dpkg-")
            || LEFTOVERS.iter().any(|l| name.ends_with(l))
    }

    /// Sorts a file name in a drop-in directory.
    pub(crate) fn of(name: &OsStr) -> Entry {
        let Some(name) = name.to_str() else {
            // A name that is not UTF-8 but otherwise a drop-in's is not read
            // (origins and key paths are text), and says so.
            let lossy = name.to_string_lossy();
            return match Entry::of(OsStr::new(lossy.as_ref())) {
                Entry::DropIn => Entry::Suspect(
                    "the name is not valid UTF-8, so it is skipped; rename it to read it"
                        .to_owned(),
                ),
                _ => Entry::Skip,
            };
        };
        if Entry::left_over(name) {
            return Entry::Skip;
        }
        let Some((_, ext)) = name.rsplit_once('.') else {
            return Entry::Skip;
        };
        if extensions().any(|known| known == ext) {
            return Entry::DropIn;
        }
        let lower = ext.to_ascii_lowercase();
        let near = extensions().find(|known| {
            *known == lower || (ext.len() > 1 && strsim::damerau_levenshtein(known, &lower) == 1)
        });
        match near {
            Some(known) => Entry::Suspect(format!(
                "`.{ext}` is not an extension staid reads, so it is skipped; \
                 rename it to `.{known}` to read it"
            )),
            None => Entry::Skip,
        }
    }
}

impl Dir {
    /// A directory that must exist (it may be empty).
    pub fn required(path: impl Into<PathBuf>) -> Dir {
        Dir {
            path: path.into(),
            optional: false,
        }
    }

    /// A directory that may be missing; if it exists it must be a readable
    /// directory.
    pub fn optional(path: impl Into<PathBuf>) -> Dir {
        Dir {
            path: path.into(),
            optional: true,
        }
    }

    /// The path as given.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The drop-ins in lexical order of file name, and the names skipped
    /// with a warning. `Ok(None)` when the directory is optional and
    /// missing.
    fn list(&self) -> Result<Option<Listing>, Box<Problem>> {
        let problem = |reason: &str| {
            Box::new(Problem::new(
                ProblemKind::Io,
                format!(
                    "cannot read drop-in directory {}: {reason}",
                    self.path.display()
                ),
            ))
        };
        let entries = match std::fs::read_dir(&self.path) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound && self.optional => return Ok(None),
            Err(e) if e.kind() == io::ErrorKind::NotADirectory || self.path.is_file() => {
                return Err(problem("it is a file, not a directory"))
            }
            Err(e) => return Err(problem(&os_reason(&e))),
        };
        let mut names = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| problem(&os_reason(&e)))?;
            names.push(entry.file_name());
        }
        // Byte order, as `ls` in the C locale and systemd sort them.
        names.sort();
        let mut listing = Listing::default();
        for name in names {
            let path = self.path.join(&name);
            // Subdirectories are skipped (a symlink to a file is read).
            if path.is_dir() {
                continue;
            }
            match Entry::of(&name) {
                // What is not a file is passed over, said why: a link to
                // nothing, or a FIFO, which would hold the load forever.
                Entry::DropIn => match std::fs::metadata(&path) {
                    Ok(meta) if meta.is_file() => listing.files.push(path),
                    Ok(_) => listing.suspects.push((
                        path,
                        "it is not a regular file (a FIFO, a socket or a device), so it is \
                         skipped"
                            .to_owned(),
                    )),
                    // A link to nothing is said; a file removed since the
                    // listing is simply gone.
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {
                        if std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_symlink()) {
                            listing.suspects.push((
                                path,
                                "it is a link to nothing, so it is skipped".to_owned(),
                            ));
                        }
                    }
                    // Unreadable: the load says why.
                    Err(_) => listing.files.push(path),
                },
                Entry::Skip => {}
                Entry::Suspect(why) => listing.suspects.push((path, why)),
            }
        }
        Ok(Some(listing))
    }
}

#[derive(Default)]
struct Listing {
    files: Vec<PathBuf>,
    suspects: Vec<(PathBuf, String)>,
}

impl Source for Dir {
    fn describe(&self) -> String {
        let optional = if self.optional { " if it exists" } else { "" };
        format!("drop-in directory {}{optional}", self.path.display())
    }

    fn load(&self, ctx: &mut LoadCtx<'_>) -> Result<Option<Value>, Vec<Problem>> {
        let listing = match self.list() {
            Ok(Some(listing)) => listing,
            Ok(None) => return Ok(None),
            Err(problem) => return Err(vec![*problem]),
        };
        for (path, why) in listing.suspects {
            ctx.warning(Problem::new(
                ProblemKind::Format,
                format!("{}: {why}", path.display()),
            ));
        }
        let mut merged: Option<Value> = None;
        for path in listing.files {
            // A script sees every layer below it, the drop-ins before it
            // included; a parsed file needs nothing below.
            let below = match (&merged, is_script(&path)) {
                (Some(drop_ins), true) => {
                    let mut below = ctx.below.clone();
                    crate::merge::layer(ctx.schema, &mut below, drop_ins.clone());
                    Some(below)
                }
                _ => None,
            };
            let mut file_ctx = LoadCtx {
                schema: ctx.schema,
                vars: ctx.vars,
                below: below.as_ref().unwrap_or(ctx.below),
                sink: ctx.sink,
                naming: ctx.naming,
            };
            // Optional: a drop-in removed since the listing is simply gone.
            // One broken drop-in does not hide the others' problems.
            let loaded = File::optional(path).load(&mut file_ctx);
            ctx.merge_loaded(&mut merged, loaded);
        }
        Ok(merged)
    }

    /// The directory itself, so that adding or removing a drop-in reloads,
    /// and each drop-in, so that editing one does.
    fn watch_paths(&self) -> Vec<PathBuf> {
        let mut paths = vec![self.path.clone()];
        if let Ok(Some(listing)) = self.list() {
            paths.extend(listing.files);
        }
        paths
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(name: &str) -> Entry {
        Entry::of(OsStr::new(name))
    }

    #[test]
    fn names_are_sorted_into_drop_ins_leftovers_and_suspects() {
        for name in ["10-a.toml", "b.json", "x.y.toml"] {
            assert_eq!(of(name), Entry::DropIn, "{name}");
        }
        for name in [
            ".hidden.toml",
            "a.toml~",
            "#a.toml#",
            ".a.toml.swp",
            "a.toml.swp",
            "a.toml.bak",
            "a.toml.dpkg-old",
            "a.toml.dpkg-dist",
            "a.toml.rpmnew",
            "a.toml.rpmsave",
            "README",
            "notes.txt",
            "a.yaml",
            "a.toml.disabled",
        ] {
            assert_eq!(of(name), Entry::Skip, "{name}");
        }
        assert_eq!(
            of("50-tuning.tml"),
            Entry::Suspect(
                "`.tml` is not an extension staid reads, so it is skipped; \
                 rename it to `.toml` to read it"
                    .to_owned()
            )
        );
        assert!(matches!(of("a.TOML"), Entry::Suspect(_)));
        assert!(matches!(of("a.jsno"), Entry::Suspect(_)));
    }

    /// A drop-in whose name is not UTF-8 is not read, with a warning;
    /// a leftover or another kind of file of such a name says nothing.
    #[cfg(unix)]
    #[test]
    fn a_drop_in_named_in_another_encoding_is_a_suspect() {
        use std::os::unix::ffi::OsStrExt;
        let name = |bytes: &[u8]| Entry::of(OsStr::from_bytes(bytes));
        assert!(matches!(name(b"50-tun\xe9.toml"), Entry::Suspect(m) if m.contains("UTF-8")));
        assert_eq!(name(b".50-tun\xe9.toml"), Entry::Skip);
        assert_eq!(name(b"notes-\xe9.txt"), Entry::Skip);
    }
}
