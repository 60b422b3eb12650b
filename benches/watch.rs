//! Reload latency: from a file write to `Reload::Updated` on the channel,
//! with the default debounce (50 ms) and a short one (10 ms), for a save by
//! rename (as editors do) and an edit in place that closes the file (as
//! `fs::write` does). The debounce is a wait by design; what the bench shows
//! is how little comes on top of it (the reload, the diff and the send).
//!
//! Before the latency, the cost of an idle watch: the wake-ups and CPU time
//! of the process over 10 s with a watch running and no file changing,
//! read from `/proc` (Linux).
//!
//! Run with `cargo bench --features watch --bench watch`.

use std::fs;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{criterion_group, Criterion, SamplingMode};
use staid::{Config, Reload, Watch, WatchOptions};

/// The threads' costs, read as the watch tests read them.
#[cfg(target_os = "linux")]
#[path = "../tests/support/proc.rs"]
mod proc;

/// A small service configuration, so the time is the watch's, not the
/// parser's.
#[derive(Config, Debug)]
#[config(name = "bench")]
struct App {
    #[config(default = "127.0.0.1")]
    host: String,
    port: u32,
    #[config(default = 4)]
    workers: u32,
    #[config(nested)]
    db: Db,
}

#[derive(Config, Debug)]
struct Db {
    #[config(default = "postgres://localhost/app")]
    url: String,
    #[config(default = "5s")]
    timeout: Duration,
}

fn text(port: u32) -> String {
    format!("port = {port}\n[db]\nurl = \"postgres://db/app\"\ntimeout = \"2s\"\n")
}

fn save_by_rename(path: &Path, port: u32) {
    let tmp = path.with_extension("toml.tmp");
    fs::write(&tmp, text(port)).unwrap();
    fs::rename(&tmp, path).unwrap();
}

fn write_in_place(path: &Path, port: u32) {
    fs::write(path, text(port)).unwrap();
}

type Save = fn(&Path, u32);

/// A watch on `bench.toml` in `dir`, first written by `save`, with this
/// debounce.
fn watched(dir: &Path, save: Save, debounce_ms: u64) -> (PathBuf, Watch<App>) {
    let path = dir.join("bench.toml");
    save(&path, 0);
    let watch = App::builder()
        .file(&path)
        .watch_with(WatchOptions::new().debounce(Duration::from_millis(debounce_ms)))
        .unwrap();
    (path, watch)
}

fn latency(c: &mut Criterion) {
    let mut group = c.benchmark_group("watch");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(20)
        .measurement_time(Duration::from_secs(12))
        .warm_up_time(Duration::from_secs(1));
    let saves: [(&str, Save); 2] = [("rename", save_by_rename), ("in_place", write_in_place)];
    for (debounce_ms, (how, save)) in [50u64, 10]
        .into_iter()
        .flat_map(|d| saves.iter().map(move |s| (d, *s)))
    {
        let dir = tempfile::tempdir().unwrap();
        let (path, watch) = watched(dir.path(), save, debounce_ms);
        let mut port = 0;
        let name = format!("{how}_to_updated/debounce_{debounce_ms}ms");
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    port += 1;
                    let start = Instant::now();
                    save(&path, port);
                    loop {
                        match watch.events().recv_timeout(Duration::from_secs(10)) {
                            Ok(Reload::Updated { config, .. }) if config.port == port => {
                                black_box((&config.host, config.workers, &config.db.url));
                                assert_eq!(config.db.timeout, Duration::from_secs(2));
                                break;
                            }
                            Ok(Reload::Updated { .. }) => continue,
                            Ok(Reload::Rejected { error }) => panic!("{error}"),
                            Ok(other) => panic!("{other:?}"),
                            Err(e) => panic!("no update for port {port}: {e}"),
                        }
                    }
                    total += start.elapsed();
                }
                total
            })
        });
    }
    group.finish();
}

/// The process's cost over 10 s of an idle watch, beside the same 10 s
/// without one. The measuring thread's own sleep is one wake-up.
#[cfg(target_os = "linux")]
fn idle() {
    let idle = Duration::from_secs(10);
    let measure = || {
        let before = proc::cost(|_| true);
        std::thread::sleep(idle);
        let after = proc::cost(|_| true);
        (after.0 - before.0, after.1 - before.1)
    };
    let (ticks, wakeups) = measure();
    println!(
        "idle/no_watch: {wakeups} wake-ups, {} ms CPU in {idle:?}",
        ticks * 10
    );
    for debounce_ms in [50u64, 1] {
        let dir = tempfile::tempdir().unwrap();
        let (_path, watch) = watched(dir.path(), save_by_rename, debounce_ms);
        std::thread::sleep(Duration::from_millis(200));
        let (ticks, wakeups) = measure();
        println!(
            "idle/debounce_{debounce_ms}ms: {wakeups} wake-ups, {} ms CPU in {idle:?}",
            ticks * 10
        );
        drop(watch);
    }
}

#[cfg(not(target_os = "linux"))]
fn idle() {}

criterion_group!(benches, latency);

fn main() {
    idle();
    benches();
    Criterion::default().configure_from_args().final_summary();
}
