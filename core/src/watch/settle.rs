//! When the watched files may be read after they change: once events have
//! stopped for the debounce, and only when no file is still being written,
//! has just become empty or has just disappeared; or once such a state has
//! lasted the settle time.
//!
//! Nothing here ticks: the reload thread sleeps until [`Settle::next`], which
//! is `None` while no file event is pending.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use super::notifier::{FileEvent, What};

/// What is at a file's path, as far as tearing goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum State {
    Missing,
    Empty,
    /// Present with content (or present and unreadable: the load says why).
    Present,
}

/// What a file looked like at one moment: if it is the same after a load
/// as before, no write happened while the load read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Stamp {
    pub(super) state: State,
    len: u64,
    modified: Option<SystemTime>,
    id: Option<(u64, u64)>,
}

impl Stamp {
    pub(super) fn of(path: &Path) -> Stamp {
        let Ok(meta) = fs::metadata(path) else {
            return Stamp {
                state: State::Missing,
                len: 0,
                modified: None,
                id: None,
            };
        };
        let state = match meta.is_file() && meta.len() == 0 {
            true => State::Empty,
            false => State::Present,
        };
        Stamp {
            state,
            len: meta.len(),
            modified: meta.modified().ok(),
            id: file_id(&meta),
        }
    }
}

#[cfg(unix)]
fn file_id(meta: &fs::Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn file_id(_meta: &fs::Metadata) -> Option<(u64, u64)> {
    None
}

/// The stamps of these files, in order.
pub(super) fn stamps(files: &[PathBuf]) -> Vec<Stamp> {
    files.iter().map(|f| Stamp::of(f)).collect()
}

/// Whether the files may be read now.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Verdict {
    /// Nothing is pending.
    Idle,
    /// Not yet: look again at [`Settle::next`].
    Wait,
    /// Read them now.
    Read,
}

/// The file events seen since the last load, and the state of each file at
/// that load.
#[derive(Debug)]
pub(super) struct Settle {
    debounce: Duration,
    settle: Duration,
    /// When to look at the files next; `None` while no event is pending.
    next: Option<Instant>,
    /// Files written (or created) and not yet closed, by path as the
    /// events name them, with the time of their last write.
    writing: HashMap<PathBuf, Instant>,
    /// Each watched file's state at the last load.
    last: HashMap<PathBuf, State>,
    /// Files seen newly empty or newly missing, with their state and when
    /// the watch first saw it.
    odd: HashMap<PathBuf, (State, Instant)>,
}

impl Settle {
    pub(super) fn new(debounce: Duration, settle: Duration) -> Settle {
        Settle {
            debounce,
            settle,
            next: None,
            writing: HashMap::new(),
            last: HashMap::new(),
            odd: HashMap::new(),
        }
    }

    /// When to look next, if anything is pending.
    pub(super) fn next(&self) -> Option<Instant> {
        self.next
    }

    /// `since` plus the settle time: how long a source's change waits for
    /// files that keep changing. `None` for a settle time too long for the
    /// clock, which never ends.
    pub(super) fn after_settle(&self, since: Instant) -> Option<Instant> {
        since.checked_add(self.settle)
    }

    /// A file event about paths that concern the watched files.
    pub(super) fn event(&mut self, event: &FileEvent, now: Instant) {
        for path in &event.paths {
            // A file that changed since it was seen empty or gone is looked
            // at afresh: the settle time counts from what it is after this.
            self.odd.remove(path);
            match event.what {
                // Only regular files are written through; a directory or
                // symlink created (a ConfigMap's `..data` swap) is whole.
                What::Written if is_file(path) => {
                    self.writing.insert(path.clone(), now);
                }
                What::Closed | What::Moved | What::Removed => {
                    self.writing.remove(path);
                }
                _ => {}
            }
        }
        self.soon(now);
    }

    /// Looks again after the debounce: events came, or a load saw its files
    /// change while it read them.
    pub(super) fn soon(&mut self, now: Instant) {
        // A debounce too long for the clock (`Duration::MAX`) never ends.
        self.next = now.checked_add(self.debounce);
    }

    /// Whether the files may be read at `now`.
    pub(super) fn look(&mut self, files: &[PathBuf], now: Instant) -> Verdict {
        match self.next {
            None => return Verdict::Idle,
            Some(at) if at > now => return Verdict::Wait,
            Some(_) => {}
        }
        let settle = self.settle;
        // Whether to wait, and until when: `None` is until the next event,
        // for a settle time too long for the clock (`Duration::MAX`).
        let mut wait = false;
        let mut until: Option<Instant> = None;
        let mut unsettled = |since: Instant| match since.checked_add(settle) {
            Some(end) if end <= now => false,
            end => {
                wait = true;
                until = match (until, end) {
                    (Some(until), Some(end)) => Some(until.min(end)),
                    (until, end) => until.or(end),
                };
                true
            }
        };
        // A writer that keeps its file open past the settle time is taken
        // to be done: the fallback where no close event comes.
        self.writing.retain(|_, wrote| unsettled(*wrote));
        for file in files {
            if let Some(since) = self.odd_since(file, Stamp::of(file).state, now) {
                unsettled(since);
            }
        }
        match wait {
            true => {
                self.next = until;
                Verdict::Wait
            }
            false => Verdict::Read,
        }
    }

    /// Since when `file`, found in `state`, has looked as it does, if that
    /// is news since the last load (newly empty, or gone). The first
    /// sighting is kept, so that the settle time counts from it.
    fn odd_since(&mut self, file: &Path, state: State, now: Instant) -> Option<Instant> {
        let before = self.last.get(file).copied().unwrap_or(State::Missing);
        if state == State::Present || state == before {
            self.odd.remove(file);
            return None;
        }
        match self.odd.get(file) {
            Some(&(seen, since)) if seen == state => Some(since),
            _ => {
                self.odd.insert(file.to_path_buf(), (state, now));
                Some(now)
            }
        }
    }

    /// Whether a load that began with `stamps` found a file newly empty or
    /// gone that has not stayed so for the settle time. Its read is not made
    /// current: an empty file may be a write's first step (the truncation),
    /// seen when no event had yet said so.
    pub(super) fn in_flux(&mut self, files: &[PathBuf], stamps: &[Stamp], now: Instant) -> bool {
        let mut flux = false;
        for (file, stamp) in files.iter().zip(stamps) {
            if let Some(since) = self.odd_since(file, stamp.state, now) {
                flux |= since.checked_add(self.settle).is_none_or(|end| end > now);
            }
        }
        flux
    }

    /// Whether a file is being written, or looks as the settle time is
    /// there for (gone, or newly empty, since the last read) before its
    /// event has come: a source's change is not read with it then.
    pub(super) fn unsettled_now(&self, files: &[PathBuf]) -> bool {
        !self.writing.is_empty()
            || files.iter().any(|file| {
                let state = Stamp::of(file).state;
                let before = self.last.get(file).copied().unwrap_or(State::Missing);
                state != State::Present && state != before
            })
    }

    /// A load read `files`, which looked like `stamps` as it began.
    pub(super) fn loaded(&mut self, files: &[PathBuf], stamps: &[Stamp]) {
        self.last = files
            .iter()
            .cloned()
            .zip(stamps.iter().map(|s| s.state))
            .collect();
        self.odd.clear();
        // Without close events, a pending write is done only when the
        // settle time has passed: look then.
        self.next = self
            .writing
            .values()
            .max()
            .and_then(|at| at.checked_add(self.settle));
    }

    /// The files to look at: `files`, the ones the layers list now, and
    /// those the last load read that are gone and so no longer listed (a
    /// drop-in removed from its directory), so that a drop-in's
    /// disappearance settles, and is named, like any other file's.
    pub(super) fn with_gone(&self, mut files: Vec<PathBuf>) -> Vec<PathBuf> {
        let listed: HashSet<&PathBuf> = files.iter().collect();
        let mut gone: Vec<PathBuf> = self
            .last
            .iter()
            .filter(|(file, &state)| {
                state != State::Missing
                    && !listed.contains(file)
                    && Stamp::of(file).state == State::Missing
            })
            .map(|(file, _)| file.clone())
            .collect();
        gone.sort();
        files.extend(gone);
        files
    }

    /// The files that were there at the last load and are gone in `stamps`.
    pub(super) fn removed<'a>(&self, files: &'a [PathBuf], stamps: &[Stamp]) -> Vec<&'a Path> {
        files
            .iter()
            .zip(stamps)
            .filter(|(file, stamp)| {
                stamp.state == State::Missing
                    && self.last.get(*file).is_some_and(|&s| s != State::Missing)
            })
            .map(|(file, _)| file.as_path())
            .collect()
    }
}

fn is_file(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEBOUNCE: Duration = Duration::from_millis(50);
    const SETTLE: Duration = Duration::from_secs(1);

    fn event(what: What, path: &Path) -> FileEvent {
        FileEvent {
            what,
            paths: vec![path.to_owned()],
        }
    }

    /// `name` holding `port = 1` in a new directory, and a settle that has
    /// loaded it.
    fn started(name: &str) -> (tempfile::TempDir, PathBuf, Settle) {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(name);
        fs::write(&file, "port = 1\n").unwrap();
        let mut settle = Settle::new(DEBOUNCE, SETTLE);
        let files = [file.clone()];
        settle.loaded(&files, &stamps(&files));
        (dir, file, settle)
    }

    #[test]
    fn a_file_still_open_for_writing_waits_for_its_close_or_the_settle_time() {
        let (_dir, file, mut settle) = started("app.toml");
        let files = [file.clone()];
        assert_eq!(settle.look(&files, Instant::now()), Verdict::Idle);

        let t0 = Instant::now();
        settle.event(&event(What::Written, &file), t0);
        assert_eq!(settle.look(&files, t0), Verdict::Wait, "debounce");
        assert_eq!(settle.look(&files, t0 + DEBOUNCE), Verdict::Wait, "open");
        assert_eq!(settle.next(), Some(t0 + SETTLE));
        assert_eq!(settle.look(&files, t0 + SETTLE), Verdict::Read, "fallback");

        settle.event(&event(What::Written, &file), t0);
        settle.event(&event(What::Closed, &file), t0);
        assert_eq!(settle.look(&files, t0 + DEBOUNCE), Verdict::Read);
    }

    #[test]
    fn a_file_newly_empty_or_missing_is_read_once_it_stays_so() {
        let (_dir, file, mut settle) = started("app.toml");
        let files = [file.clone()];

        for change in [|f: &Path| fs::write(f, ""), |f: &Path| fs::remove_file(f)] {
            change(&file).unwrap();
            let t0 = Instant::now();
            settle.event(&event(What::Closed, &file), t0);
            let t1 = t0 + DEBOUNCE;
            assert_eq!(settle.look(&files, t1), Verdict::Wait);
            assert_eq!(settle.next(), Some(t1 + SETTLE));
            assert_eq!(settle.look(&files, t1 + SETTLE), Verdict::Read);
            let now = stamps(&files);
            settle.loaded(&files, &now);
            // Seen at the last load, the state is no longer news.
            settle.event(&event(What::Other, &file), t1);
            assert_eq!(settle.look(&files, t1 + DEBOUNCE), Verdict::Read);
            fs::write(&file, "port = 1\n").unwrap();
            settle.loaded(&files, &stamps(&files));
        }
    }

    /// A sighting of a file empty, then a write and a truncation again: the
    /// settle time counts from the second sighting, not the first.
    #[test]
    fn a_file_seen_empty_then_written_is_looked_at_afresh() {
        let (_dir, file, mut settle) = started("app.toml");
        let files = [file.clone()];
        fs::write(&file, "").unwrap();
        let t0 = Instant::now();
        assert!(settle.in_flux(&files, &stamps(&files), t0));
        fs::write(&file, "port = 2\n").unwrap();
        settle.event(&event(What::Closed, &file), t0 + SETTLE / 2);
        fs::write(&file, "").unwrap();
        let t1 = t0 + SETTLE / 2;
        assert!(settle.in_flux(&files, &stamps(&files), t1));
        assert!(settle.in_flux(&files, &stamps(&files), t0 + SETTLE));
        assert!(!settle.in_flux(&files, &stamps(&files), t1 + SETTLE));
    }

    /// A load that finds a file truncated, before any event has said so,
    /// read what may be the first step of a write.
    #[test]
    fn a_load_that_finds_a_file_newly_empty_or_gone_read_it_in_flux() {
        let (_dir, file, mut settle) = started("app.toml");
        let files = [file.clone()];
        assert!(!settle.in_flux(&files, &stamps(&files), Instant::now()));
        for change in [|f: &Path| fs::write(f, ""), |f: &Path| fs::remove_file(f)] {
            change(&file).unwrap();
            let seen = stamps(&files);
            let t0 = Instant::now();
            assert!(settle.in_flux(&files, &seen, t0));
            // The wait counts from the first sighting.
            assert!(settle.in_flux(&files, &seen, t0 + SETTLE / 2));
            assert!(!settle.in_flux(&files, &seen, t0 + SETTLE));
            fs::write(&file, "port = 1\n").unwrap();
            assert!(!settle.in_flux(&files, &stamps(&files), t0 + SETTLE));
        }
    }

    #[test]
    fn a_file_read_and_no_longer_listed_is_looked_at_until_a_load_sees_it_gone() {
        let (_dir, file, mut settle) = started("10-a.toml");
        // Still there: only what the layers list is looked at.
        assert!(settle.with_gone(Vec::new()).is_empty());
        fs::remove_file(&file).unwrap();
        let files = settle.with_gone(Vec::new());
        assert_eq!(files, [file.as_path()]);
        let t0 = Instant::now();
        settle.event(&event(What::Removed, &file), t0);
        assert_eq!(settle.look(&files, t0 + DEBOUNCE), Verdict::Wait);
        let now = stamps(&files);
        assert_eq!(settle.removed(&files, &now), [file.as_path()]);
        settle.loaded(&files, &now);
        assert!(settle.with_gone(Vec::new()).is_empty());
    }

    #[test]
    fn a_wait_too_long_for_the_clock_never_ends_and_arms_no_timer() {
        let (_dir, file, _) = started("app.toml");
        let files = [file.clone()];
        let t0 = Instant::now();

        let mut never = Settle::new(Duration::MAX, SETTLE);
        never.loaded(&files, &stamps(&files));
        never.event(&event(What::Moved, &file), t0);
        assert_eq!(never.next(), None);
        assert_eq!(never.look(&files, t0 + SETTLE), Verdict::Idle);

        let mut patient = Settle::new(DEBOUNCE, Duration::MAX);
        patient.loaded(&files, &stamps(&files));
        patient.event(&event(What::Written, &file), t0);
        assert_eq!(patient.look(&files, t0 + DEBOUNCE), Verdict::Wait);
        assert_eq!(patient.next(), None, "until the close");
        patient.loaded(&files, &stamps(&files));
        assert_eq!(patient.next(), None);
        patient.event(&event(What::Closed, &file), t0 + SETTLE);
        assert_eq!(patient.look(&files, t0 + SETTLE + DEBOUNCE), Verdict::Read);
    }

    #[test]
    fn a_removed_file_is_named_once() {
        let (_dir, file, mut settle) = started("app.toml");
        let files = [file.clone()];
        fs::remove_file(&file).unwrap();
        let now = stamps(&files);
        assert_eq!(settle.removed(&files, &now), [file.as_path()]);
        settle.loaded(&files, &now);
        assert!(settle.removed(&files, &now).is_empty());
    }
}
