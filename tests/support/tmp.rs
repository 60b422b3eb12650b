//! A temporary directory for the tests that write configuration files, and
//! a way to show its path as `$DIR` in the texts they compare.

#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};

/// A directory removed when the test ends.
pub struct Tmp(tempfile::TempDir);

impl Tmp {
    pub fn new() -> Tmp {
        Tmp(tempfile::tempdir().unwrap())
    }

    pub fn path(&self) -> &Path {
        self.0.path()
    }

    /// Writes `rel` (creating its directories) and returns its path.
    pub fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path().join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, bytes).unwrap();
        path
    }

    /// `text` with this directory's path written `$DIR`.
    pub fn text(&self, text: impl ToString) -> String {
        text.to_string()
            .replace(&self.path().display().to_string(), "$DIR")
    }
}
