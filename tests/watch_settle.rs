//! What a watch makes of files caught in the middle of a change, with the
//! default options: a file emptied, half written or deleted is not made
//! current while its writer is still at work, however valid its text is
//! (here every field has a default, so an empty file is a valid one);
//! SIGHUP and `reload()` read what is there at once.
//!
//! Real files and the real watcher. Waits are generous; the only times
//! asserted are lower bounds that the design guarantees (a deletion is not
//! applied before the settle time).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

#[path = "support/reload.rs"]
mod reload;
use reload::{next, rejected, updated, Reader, WAIT};

use staid::source::Discover;
use staid::{Config, Reload, Watch, WatchOptions};

/// The default settle time.
const SETTLE: Duration = Duration::from_secs(1);

#[derive(Config, Debug, Clone, PartialEq)]
#[config(name = "svc")]
struct Svc {
    #[config(default = 8080)]
    port: u16,
    #[config(default = "svc")]
    name: String,
    #[config(default = "info")]
    level: String,
}

const BEFORE: &str = "port = 1\nname = \"old\"\nlevel = \"warn\"\n";
const HEAD: &str = "port = 9000\n";
const TAIL: &str = "name = \"api\"\nlevel = \"debug\"\n";

fn full() -> String {
    format!("{HEAD}{TAIL}")
}

fn is_full(svc: &Svc) -> bool {
    (svc.port, svc.name.as_str(), svc.level.as_str()) == (9000, "api", "debug")
}

fn setup() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("svc.toml");
    fs::write(&path, BEFORE).unwrap();
    (dir, path)
}

/// Samples `current()` on a thread of its own until stopped, and keeps
/// every configuration it saw that was neither the one before nor the
/// full new one.
struct Sampler {
    reader: Reader,
    odd: Arc<Mutex<Vec<Svc>>>,
}

impl Sampler {
    fn start(watch: &Arc<Watch<Svc>>) -> Sampler {
        let odd = Arc::new(Mutex::new(Vec::new()));
        let seen = odd.clone();
        let reader = Reader::start(watch, Duration::from_micros(200), move |now: &Svc| {
            let before = now.port == 1 && now.name == "old" && now.level == "warn";
            let mut seen = seen.lock().unwrap();
            if !before && !is_full(now) && seen.last() != Some(now) {
                seen.push(now.clone());
            }
        });
        Sampler { reader, odd }
    }

    fn odd(self) -> Vec<Svc> {
        self.reader.stop();
        self.odd.lock().unwrap().clone()
    }
}

/// The first reload after the write must be the full text.
fn expect_full(watch: &Watch<Svc>) {
    match next(watch) {
        Reload::Updated {
            config, changed, ..
        } => {
            assert!(is_full(&config), "made current: {config:?}");
            assert_eq!(changed, ["port", "name", "level"]);
        }
        other => panic!("{other:?}"),
    }
}

/// Makes `change` while a `Sampler` watches: the first reload after it
/// must be the full text, and nothing else but the text before may have
/// been current meanwhile.
fn only_the_full_text_becomes_current(watch: Watch<Svc>, change: impl FnOnce()) {
    let watch = Arc::new(watch);
    let sampler = Sampler::start(&watch);
    change();
    expect_full(&watch);
    assert_eq!(sampler.odd(), []);
}

#[test]
fn a_file_truncated_and_closed_then_written_is_not_current_while_empty() {
    let (_dir, path) = setup();
    let watch = Svc::builder().file(&path).watch().unwrap();
    only_the_full_text_becomes_current(watch, || {
        // `: > svc.toml`, then the text a moment later.
        drop(fs::File::create(&path).unwrap());
        thread::sleep(Duration::from_millis(200));
        fs::write(&path, full()).unwrap();
    });
}

#[test]
fn a_file_written_in_two_parts_with_a_pause_is_not_current_half_written() {
    let (_dir, path) = setup();
    let watch = Svc::builder().file(&path).watch().unwrap();
    only_the_full_text_becomes_current(watch, || {
        // A slow writer: the first half is valid text on its own.
        let mut file = fs::File::create(&path).unwrap();
        file.write_all(HEAD.as_bytes()).unwrap();
        thread::sleep(Duration::from_millis(300));
        file.write_all(TAIL.as_bytes()).unwrap();
        drop(file);
    });
}

/// Looks for `svc.toml` in `dir` only.
fn discovered(dir: &Path, options: WatchOptions) -> Watch<Svc> {
    Svc::builder()
        .source(Discover::in_dirs([dir]))
        .watch_with(options)
        .unwrap()
}

#[test]
fn a_discovered_file_deleted_and_created_again_is_one_change() {
    let (dir, path) = setup();
    let watch = discovered(dir.path(), WatchOptions::new());
    only_the_full_text_becomes_current(watch, || {
        fs::remove_file(&path).unwrap();
        thread::sleep(Duration::from_millis(100));
        fs::write(&path, full()).unwrap();
    });
}

#[test]
fn a_discovered_file_gone_for_the_settle_time_is_applied_with_a_warning() {
    let (dir, path) = setup();
    let watch = discovered(dir.path(), WatchOptions::new());

    let file = path.display();
    removed_after_settling(
        &watch,
        &path,
        &[
            format!("port: 1 ({file}:1:8) -> 8080 (default)"),
            format!("name: \"old\" ({file}:2:8) -> \"svc\" (default)"),
            format!("level: \"warn\" ({file}:3:9) -> \"info\" (default)"),
        ],
    );

    // Back again: an ordinary change, with nothing to warn of.
    written_back(&watch, &path, BEFORE, 1);
}

#[test]
fn a_required_file_gone_for_the_settle_time_is_rejected() {
    let (_dir, path) = setup();
    let watch = Svc::builder().file(&path).watch().unwrap();

    let removed = Instant::now();
    fs::remove_file(&path).unwrap();
    match next(&watch) {
        Reload::Rejected { error } => {
            assert!(removed.elapsed() >= SETTLE, "{:?}", removed.elapsed());
            assert!(error.to_string().contains("svc.toml"), "{error}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(watch.current().port, 1);
}

/// With a settle time longer than the wait, only a reload that does not
/// wait can pass these tests.
fn patient() -> WatchOptions {
    WatchOptions::new().settle(WAIT * 4)
}

#[test]
fn a_reload_by_hand_reads_an_emptied_or_deleted_file_at_once() {
    let (dir, path) = setup();
    let watch = discovered(dir.path(), patient());

    drop(fs::File::create(&path).unwrap());
    watch.reload().unwrap();
    assert_eq!(updated(&watch).0.port, 8080);

    // Written whole and closed: read without a reload by hand.
    fs::write(&path, BEFORE).unwrap();
    assert_eq!(updated(&watch).0.port, 1);
    fs::remove_file(&path).unwrap();
    watch.reload().unwrap();
    match next(&watch) {
        Reload::Updated {
            config, warnings, ..
        } => {
            assert_eq!(config.port, 8080);
            assert_eq!(warnings.len(), 1, "{warnings:?}");
        }
        other => panic!("{other:?}"),
    }

    let required = Svc::builder().file(dir.path().join("other.toml"));
    fs::write(dir.path().join("other.toml"), BEFORE).unwrap();
    let required = required.watch_with(patient()).unwrap();
    fs::remove_file(dir.path().join("other.toml")).unwrap();
    required.reload().unwrap();
    assert!(rejected(&required).to_string().contains("other.toml"));
}

#[test]
fn saves_by_rename_wait_for_no_settle_time() {
    let (dir, path) = setup();
    let watch = Svc::builder().file(&path).watch_with(patient()).unwrap();
    let tmp = dir.path().join("svc.toml.tmp");
    fs::write(&tmp, full()).unwrap();
    fs::rename(&tmp, &path).unwrap();
    expect_full(&watch);
    // An edit in place that closes the file does not wait either.
    fs::write(&path, BEFORE).unwrap();
    assert_eq!(updated(&watch).0.port, 1);
}

/// A debounce too long for the clock to reach, such as `Duration::MAX`,
/// never comes: file events then reload nothing, and SIGHUP and `reload()`
/// are how the configuration is read again.
#[test]
fn a_debounce_too_long_for_a_clock_leaves_reloads_to_the_hand() {
    let (dir, path) = setup();
    let options = WatchOptions::new().debounce(Duration::MAX);
    let watch = Svc::builder().file(&path).watch_with(options).unwrap();
    let tmp = dir.path().join("svc.toml.tmp");
    fs::write(&tmp, full()).unwrap();
    fs::rename(&tmp, &path).unwrap();
    thread::sleep(Duration::from_millis(300));
    assert!(watch.events().try_recv().is_err());
    watch.reload().unwrap();
    expect_full(&watch);
}

/// A settle time too long for a clock never ends: a writer that keeps the
/// file open is waited for until it closes it, and the watch goes on.
#[test]
fn a_settle_time_too_long_for_a_clock_waits_for_the_writer_to_close() {
    let (_dir, path) = setup();
    let options = WatchOptions::new().settle(Duration::MAX);
    let watch = Svc::builder().file(&path).watch_with(options).unwrap();
    let mut file = fs::File::create(&path).unwrap();
    file.write_all(HEAD.as_bytes()).unwrap();
    thread::sleep(Duration::from_millis(300));
    file.write_all(TAIL.as_bytes()).unwrap();
    drop(file);
    expect_full(&watch);
    watch.reload().unwrap();
    assert!(matches!(next(&watch), Reload::Unchanged { .. }));
}

/// A drop-in directory `svc.d` in a temporary directory, holding
/// `10-port.toml` with `port = 5`.
fn drop_in() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("svc.d");
    fs::create_dir(&conf).unwrap();
    let path = conf.join("10-port.toml");
    fs::write(&path, "port = 5\n").unwrap();
    (dir, conf, path)
}

/// Nothing is sent for a while longer than the settle time.
fn quiet(watch: &Watch<Svc>) {
    let got = watch.events().recv_timeout(SETTLE * 2);
    assert!(got.is_err(), "{got:?}");
}

/// Removes `path` and, a moment later, writes `text` to it.
fn deleted_and_created_again(path: &Path, text: &str) {
    fs::remove_file(path).unwrap();
    thread::sleep(Duration::from_millis(200));
    fs::write(path, text).unwrap();
}

#[test]
fn a_drop_in_deleted_and_created_again_is_no_deletion() {
    let (_dir, conf, path) = drop_in();
    let watch = Svc::builder().dir(&conf).watch().unwrap();
    assert_eq!(watch.current().port, 5);

    // The same text back: nothing changed, nothing is sent.
    deleted_and_created_again(&path, "port = 5\n");
    quiet(&watch);
    assert_eq!(watch.current().port, 5);

    // Other text back: one change, from the old text to the new.
    deleted_and_created_again(&path, "port = 6\n");
    match next(&watch) {
        Reload::Updated {
            config,
            changed,
            warnings,
            ..
        } => {
            assert_eq!(config.port, 6);
            assert_eq!(changed, ["port"]);
            assert!(warnings.is_empty(), "{warnings:?}");
        }
        other => panic!("{other:?}"),
    }
    quiet(&watch);
}

#[test]
fn a_discovered_drop_in_deleted_and_created_again_is_no_deletion() {
    let (dir, _conf, path) = drop_in();
    let watch = discovered(dir.path(), WatchOptions::new());
    assert_eq!(watch.current().port, 5);
    deleted_and_created_again(&path, "port = 5\n");
    quiet(&watch);
    assert_eq!(watch.current().port, 5);
}

#[test]
fn a_drop_in_gone_for_the_settle_time_is_applied_with_a_warning() {
    let (_dir, conf, path) = drop_in();
    let watch = Svc::builder().dir(&conf).watch().unwrap();

    let file = path.display();
    removed_after_settling(
        &watch,
        &path,
        &[format!("port: 5 ({file}:1:8) -> 8080 (default)")],
    );
    // Named once: nothing more is sent about it.
    quiet(&watch);

    // Back again: an ordinary change, with nothing to warn of.
    written_back(&watch, &path, "port = 5\n", 5);
}

#[test]
fn a_drop_in_added_or_edited_waits_for_no_settle_time() {
    let (_dir, conf, path) = drop_in();
    let watch = Svc::builder().dir(&conf).watch_with(patient()).unwrap();
    fs::write(conf.join("50-name.toml"), "name = \"api\"\n").unwrap();
    assert_eq!(updated(&watch).0.name, "api");
    fs::write(&path, "port = 6\n").unwrap();
    assert_eq!(updated(&watch).0.port, 6);
}

/// Removes `path` and checks that the watch applies it only after the
/// settle time, with these changes (the port back to its default) and the
/// warning that names the file.
fn removed_after_settling(watch: &Watch<Svc>, path: &Path, changed: &[String]) {
    let removed = Instant::now();
    fs::remove_file(path).unwrap();
    match next(watch) {
        Reload::Updated {
            config,
            changes,
            warnings,
            ..
        } => {
            assert!(removed.elapsed() >= SETTLE, "{:?}", removed.elapsed());
            assert_eq!(config.port, 8080);
            let lines: Vec<String> = changes.iter().map(ToString::to_string).collect();
            assert_eq!(lines, changed);
            let warnings: Vec<String> = warnings.iter().map(ToString::to_string).collect();
            assert_eq!(
                warnings,
                [format!(
                    "{} was removed: the settings it held no longer apply",
                    path.display()
                )]
            );
        }
        other => panic!("{other:?}"),
    }
}

/// Writes `text` back to a file that was removed: an ordinary change to
/// `port`, with nothing to warn of.
fn written_back(watch: &Watch<Svc>, path: &Path, text: &str, port: u16) {
    fs::write(path, text).unwrap();
    match next(watch) {
        Reload::Updated {
            config, warnings, ..
        } => {
            assert_eq!(config.port, port);
            assert!(warnings.is_empty(), "{warnings:?}");
        }
        other => panic!("{other:?}"),
    }
}
