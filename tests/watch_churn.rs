//! A thousand changes of every kind a file sees in production, as fast as
//! they come, under a reader that samples `current()` all along: nothing
//! invalid or torn is ever current, the final state is delivered within a
//! second, and once the watch is dropped the process has the threads and
//! file descriptors it had before. A test binary of its own, so that no
//! other test's threads or files are counted.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

#[cfg(target_os = "linux")]
#[path = "support/proc.rs"]
mod proc;
#[cfg(target_os = "linux")]
use proc::watch_threads;

#[path = "support/reload.rs"]
mod reload;
use reload::Reader;

use staid::{Config, Reload};

/// A version `n` of the file is whole when `stamp` is `"<n>-done!"`. Both
/// fields have defaults, so an empty or half-written file is valid text:
/// only the watch can keep it from becoming current.
#[derive(Config, Debug)]
struct Churn {
    #[config(default = 0)]
    seq: u32,
    #[config(default = "default!", validate = complete)]
    stamp: String,
}

/// A version that is whole but wrong is rejected: the stamp must end in `!`.
fn complete(stamp: &String) -> Result<(), String> {
    match stamp.ends_with('!') {
        true => Ok(()),
        false => Err(format!("`{stamp}` does not end in `!`")),
    }
}

fn whole(churn: &Churn) -> bool {
    churn.stamp == format!("{}-done!", churn.seq)
}

fn head(n: u32) -> String {
    format!("seq = {n}\n")
}

fn tail(n: u32) -> String {
    format!("stamp = \"{n}-done!\"\n")
}

/// One change of kind `n % 6`, to version `n`.
fn change(path: &Path, n: u32) {
    let text = format!("{}{}", head(n), tail(n));
    match n % 6 {
        // In place, as `fs::write` does: truncate, write, close.
        0 => fs::write(path, text).unwrap(),
        // In two chunks with a pause, shorter than the settle time.
        1 => {
            let mut file = fs::File::create(path).unwrap();
            file.write_all(head(n).as_bytes()).unwrap();
            thread::sleep(Duration::from_millis([0, 5, 20, 70][(n as usize / 6) % 4]));
            file.write_all(tail(n).as_bytes()).unwrap();
        }
        // Saved by rename, as editors do.
        2 => {
            let tmp = path.with_extension("tmp");
            fs::write(&tmp, text).unwrap();
            fs::rename(&tmp, path).unwrap();
        }
        // Deleted and created again.
        3 => {
            fs::remove_file(path).unwrap();
            thread::sleep(Duration::from_millis((n % 5).into()));
            fs::write(path, text).unwrap();
        }
        // Broken TOML.
        4 => fs::write(path, format!("{}stamp = \"{n}-do", head(n))).unwrap(),
        // Whole, but the validator says no.
        _ => fs::write(path, format!("{}stamp = \"{n}-bad\"\n", head(n))).unwrap(),
    }
}

fn count(dir: &str) -> usize {
    fs::read_dir(dir).unwrap().count()
}

#[cfg(target_os = "linux")]
#[test]
fn a_thousand_changes_never_make_a_torn_or_invalid_configuration_current() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("churn.toml");
    fs::write(&path, format!("{}{}", head(1), tail(1))).unwrap();
    let (threads, fds) = (count("/proc/self/task"), count("/proc/self/fd"));

    // Optional, so that a deletion applied would be valid too (the
    // defaults), and only the settle time keeps it out.
    let watch = Arc::new(Churn::builder().optional_file(&path).watch().unwrap());
    let reader = Reader::start(&watch, Duration::from_micros(100), |now| {
        assert!(whole(now), "became current: {now:?}");
    });
    // Every configuration that becomes current is sent first; each is
    // checked here as well as by the reader.
    let events = watch.events().clone();
    let checker = thread::spawn(move || {
        let mut updates = Vec::new();
        for reload in events.iter() {
            if let Reload::Updated { config, .. } = reload {
                assert!(whole(&config), "sent as current: {config:?}");
                updates.push((Instant::now(), config.seq));
            }
        }
        updates
    });

    let last = 1000;
    for n in 2..last {
        change(&path, n);
        // Now and then a pause longer than the debounce, after each kind
        // of change in turn, so that the watch reads in the middle.
        if n % 25 == 0 {
            thread::sleep(Duration::from_millis(80));
        }
    }
    // The last change is a good one.
    fs::write(&path, format!("{}{}", head(last), tail(last))).unwrap();
    let written = Instant::now();
    let deadline = written + Duration::from_secs(30);
    while watch.current().seq != last {
        assert!(
            Instant::now() < deadline,
            "never delivered: {:?}",
            watch.current()
        );
        thread::sleep(Duration::from_millis(1));
    }
    assert!(reader.stop() > 0);
    drop(watch);
    let updates = checker.join().unwrap();
    let (at, seq) = *updates.last().unwrap();
    assert_eq!(seq, last);
    let latency = at - written;
    println!(
        "{} updates for {last} changes; the last delivered {latency:?} after its write",
        updates.len()
    );
    assert!(latency < Duration::from_secs(1), "{latency:?}");

    // Nothing of the watch is left: no thread, right after the drop; no
    // open file. (This test's own threads, joined above, may take the
    // kernel a moment more to remove.)
    assert_eq!(watch_threads(), Vec::<String>::new());
    let deadline = Instant::now() + Duration::from_secs(10);
    while count("/proc/self/task") > threads && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(
        (count("/proc/self/task"), count("/proc/self/fd")),
        (threads, fds)
    );
}
