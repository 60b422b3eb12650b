//! Loading the same TOML text into the same typed struct with staid, figment,
//! config-rs and a bare `toml::from_str` (the floor: parsing and
//! deserializing with no layers and no origins).
//!
//! Two workloads: `typical`, a ~1.8 KB service configuration of 62 keys in 5
//! nested tables (fixtures/bench/typical.toml), and `large`, 1000
//! `[routes.rNNNN]` tables of 6 keys each (~190 KB), generated below, read
//! as a map of sections and, for comparison, as one serde leaf.
//!
//! `staid + env` is a fresh `builder().toml_str(..).env().load()`, as a
//! `main` would build it: the plan and the read of the process environment
//! are part of every iteration.
//!
//! Run with `cargo bench --bench load`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use staid::Config;

mod workloads;
use workloads::large::large_text;
use workloads::{Gateway, GatewayLeaf, Service, TYPICAL};

fn with_staid<T: Config>(text: &str) -> T {
    T::builder().toml_str(text).load().unwrap()
}

/// A fresh builder with the environment as a layer, as `main` builds one:
/// planning and reading the process environment included.
fn with_staid_env<T: Config>(text: &str) -> T {
    T::builder().toml_str(text).env().load().unwrap()
}

fn with_figment<T: serde::de::DeserializeOwned>(text: &str) -> T {
    use figment::providers::{Format, Toml};
    figment::Figment::new()
        .merge(Toml::string(text))
        .extract()
        .unwrap()
}

fn with_config_rs<T: serde::de::DeserializeOwned>(text: &str) -> T {
    config::Config::builder()
        .add_source(config::File::from_str(text, config::FileFormat::Toml))
        .build()
        .unwrap()
        .try_deserialize()
        .unwrap()
}

fn with_toml<T: serde::de::DeserializeOwned>(text: &str) -> T {
    toml::from_str(text).unwrap()
}

fn workload<T>(c: &mut Criterion, name: &str, text: &str)
where
    T: Config + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    // Every loader must build the same value, or the comparison means nothing.
    let floor: T = with_toml(text);
    assert_eq!(with_staid::<T>(text), floor);
    assert_eq!(with_figment::<T>(text), floor);
    assert_eq!(with_config_rs::<T>(text), floor);

    let mut group = c.benchmark_group(name);
    group.throughput(criterion::Throughput::Bytes(text.len() as u64));
    group.bench_function("staid", |b| b.iter(|| with_staid::<T>(black_box(text))));
    group.bench_function("staid + env", |b| {
        b.iter(|| with_staid_env::<T>(black_box(text)))
    });
    group.bench_function("figment", |b| b.iter(|| with_figment::<T>(black_box(text))));
    group.bench_function("config-rs", |b| {
        b.iter(|| with_config_rs::<T>(black_box(text)))
    });
    group.bench_function("toml (floor)", |b| {
        b.iter(|| with_toml::<T>(black_box(text)))
    });
    group.finish();
}

fn benches(c: &mut Criterion) {
    workload::<Service>(c, "typical", TYPICAL);
    workload::<Gateway>(c, "large", &large_text());
    workload::<GatewayLeaf>(c, "large (routes as one leaf)", &large_text());
}

criterion_group! {
    name = load;
    config = workloads::settings(30);
    targets = benches
}
criterion_main!(load);
