//! The cost of the environment layer: the typical workload loaded from its
//! TOML text alone, and again with `.env()` over a process environment of
//! 1000 unrelated variables plus 10 that override keys of the struct.
//!
//! A builder reads the process environment once, on its first load, and keeps
//! it (so a watch sees one environment). `layer` measures loads of a builder
//! that has read it: the env layer's own cost. `first load` measures a fresh
//! builder each time, reading the environment from the OS included.
//!
//! Run with `cargo bench --bench env`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use staid::Config;

mod workloads;
use workloads::{Service, TYPICAL};

const OVERRIDES: [(&str, &str); 10] = [
    ("SVC_WORKERS", "16"),
    ("SVC_DEBUG", "true"),
    ("SVC_LOG_LEVEL", "debug"),
    ("SVC_FEATURES", "a,b,c"),
    ("SVC_SERVER_PORT", "9443"),
    ("SVC_SERVER_HOST", "0.0.0.0"),
    ("SVC_DATABASE_POOL_MAX", "64"),
    ("SVC_DATABASE_URL", "postgres://db2/app"),
    ("SVC_CACHE_ENABLED", "false"),
    ("SVC_TELEMETRY_SAMPLE_RATIO", "0.25"),
];

fn toml_only() -> staid::Builder<Service> {
    Service::builder().toml_str(TYPICAL)
}

fn toml_and_env() -> staid::Builder<Service> {
    Service::builder().toml_str(TYPICAL).env_prefix("SVC").env()
}

fn benches(c: &mut Criterion) {
    // The bench owns its process: the variables are set once, before any
    // measurement, the way a service's environment is.
    for i in 0..1000 {
        std::env::set_var(
            format!("UNRELATED_VARIABLE_{i:04}"),
            format!("value number {i}"),
        );
    }
    for (k, v) in OVERRIDES {
        std::env::set_var(k, v);
    }
    let with_env = toml_and_env().load().unwrap();
    assert_eq!(with_env.server.port, 9443);
    assert_eq!(with_env.features, ["a", "b", "c"]);
    assert_ne!(with_env, toml_only().load().unwrap());

    let mut group = c.benchmark_group("env");
    let plain = toml_only();
    group.bench_function("typical, toml only", |b| {
        b.iter(|| black_box(plain.load_full().unwrap()))
    });
    let layered = toml_and_env();
    group.bench_function("typical + env layer (10 of 1010 vars)", |b| {
        b.iter(|| black_box(layered.load_full().unwrap()))
    });
    group.bench_function("typical + env, first load (reads 1010 vars)", |b| {
        b.iter(|| black_box(toml_and_env().load().unwrap()))
    });
    group.finish();
}

criterion_group! {
    name = env;
    config = workloads::settings(30);
    targets = benches
}
criterion_main!(env);
