//! Reload latency: from a file write to `Reload::Updated` on the channel,
//! with the default debounce (50 ms) and a short one (10 ms). The debounce is
//! a wait by design; what the bench shows is how little comes on top of it
//! (the watcher's tick, the reload, the diff and the send).
//!
//! Each iteration saves the file by rename, as editors do, with a new value,
//! and waits for the update. Run with
//! `cargo bench --features watch --bench watch`.

use std::fs;
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode};
use staid::{Config, Reload, WatchOptions};

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

fn save(path: &Path, port: u32) {
    let tmp = path.with_extension("toml.tmp");
    let text = format!("port = {port}\n[db]\nurl = \"postgres://db/app\"\ntimeout = \"2s\"\n");
    fs::write(&tmp, text).unwrap();
    fs::rename(&tmp, path).unwrap();
}

fn latency(c: &mut Criterion) {
    let mut group = c.benchmark_group("watch");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(20)
        .measurement_time(Duration::from_secs(12))
        .warm_up_time(Duration::from_secs(1));
    for debounce_ms in [50u64, 10] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bench.toml");
        save(&path, 0);
        let watch = App::builder()
            .file(&path)
            .watch_with(WatchOptions::new().debounce(Duration::from_millis(debounce_ms)))
            .unwrap();
        let mut port = 0;
        let name = format!("write_to_updated/debounce_{debounce_ms}ms");
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

criterion_group!(benches, latency);
criterion_main!(benches);
