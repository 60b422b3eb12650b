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

    /// Makes a FIFO at `rel` (creating its directories): what a load must
    /// not open and wait on.
    #[cfg(unix)]
    pub fn fifo(&self, rel: &str) -> PathBuf {
        let path = self.path().join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        let made = std::process::Command::new("mkfifo").arg(&path).status();
        assert!(made.unwrap().success(), "mkfifo {}", path.display());
        path
    }

    /// `text` with this directory's path written `$DIR`.
    pub fn text(&self, text: impl ToString) -> String {
        text.to_string()
            .replace(&self.path().display().to_string(), "$DIR")
    }
}

/// Runs `f` on a thread and returns its result, failing the test if that
/// takes more than ten seconds: a load that would wait forever fails
/// rather than hangs.
pub fn within_10s<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(std::time::Duration::from_secs(10))
        .expect("it returns within 10 s")
}
