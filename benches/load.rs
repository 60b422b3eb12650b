//! Loading the same TOML text into the same typed struct with staid, figment,
//! config-rs and a bare `toml::from_str` (the floor: parsing and
//! deserializing with no layers and no origins).
//!
//! Two workloads: `typical`, a ~1.8 KB service configuration of 62 keys in 5
//! nested tables (fixtures/bench/typical.toml), and `large`, 1000
//! `[routes.rNNNN]` tables of 6 keys each (~190 KB), generated below.
//!
//! Run with `cargo bench --bench load`.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use serde::Deserialize;
use staid::Config;

/// The typical workload's struct: top-level keys and five nested tables.
#[derive(Config, Deserialize, Debug, PartialEq)]
struct Service {
    name: String,
    environment: String,
    debug: bool,
    workers: u32,
    log_level: String,
    log_format: String,
    data_dir: String,
    pid_file: String,
    shutdown_grace_secs: u64,
    features: Vec<String>,
    #[config(nested)]
    server: Server,
    #[config(nested)]
    database: Database,
    #[config(nested)]
    cache: Cache,
    #[config(nested)]
    auth: Auth,
    #[config(nested)]
    telemetry: Telemetry,
}

#[derive(Config, Deserialize, Debug, PartialEq)]
struct Server {
    host: String,
    port: u16,
    tls: bool,
    cert: String,
    key: String,
    max_connections: u32,
    keep_alive_secs: u64,
    request_timeout_ms: u64,
    max_body_bytes: u64,
    compression: bool,
    cors_origins: Vec<String>,
    http2: bool,
}

#[derive(Config, Deserialize, Debug, PartialEq)]
struct Database {
    url: String,
    pool_min: u32,
    pool_max: u32,
    connect_timeout_ms: u64,
    idle_timeout_secs: u64,
    statement_timeout_ms: u64,
    ssl_mode: String,
    replica_urls: Vec<String>,
    migrate_on_start: bool,
    schema: String,
    application_name: String,
    slow_query_ms: u64,
}

#[derive(Config, Deserialize, Debug, PartialEq)]
struct Cache {
    enabled: bool,
    backend: String,
    url: String,
    ttl_secs: u64,
    max_entries: u64,
    namespace: String,
    compression_threshold: u32,
    hit_ratio_alarm: f64,
    warm_on_start: bool,
    pool_size: u32,
}

#[derive(Config, Deserialize, Debug, PartialEq)]
struct Auth {
    issuer: String,
    audience: String,
    jwks_url: String,
    leeway_secs: u64,
    required_scopes: Vec<String>,
    session_ttl_secs: u64,
    cookie_name: String,
    cookie_secure: bool,
    max_failed_logins: u32,
    lockout_secs: u64,
}

#[derive(Config, Deserialize, Debug, PartialEq)]
struct Telemetry {
    enabled: bool,
    endpoint: String,
    service_name: String,
    sample_ratio: f64,
    export_interval_ms: u64,
    metrics_port: u16,
    traces: bool,
    resource_attributes: Vec<String>,
}

/// The large workload's struct: a map of route tables.
#[derive(Config, Deserialize, Debug, PartialEq)]
struct Gateway {
    routes: BTreeMap<String, Route>,
}

#[derive(Deserialize, Debug, PartialEq)]
struct Route {
    path: String,
    upstream: String,
    timeout_ms: u64,
    retries: u32,
    methods: Vec<String>,
    enabled: bool,
}

const TYPICAL: &str = include_str!("../fixtures/bench/typical.toml");

fn large_text() -> String {
    let mut text = String::with_capacity(200_000);
    for i in 0..1000 {
        text.push_str(&format!(
            "[routes.r{i:04}]\n\
             path = \"/api/v1/customers/{i:04}/orders/items\"\n\
             upstream = \"http://orders-backend-{}.internal.example.com:8080/v1\"\n\
             timeout_ms = {}\n\
             retries = {}\n\
             methods = [\"GET\", \"POST\", \"PUT\", \"DELETE\"]\n\
             enabled = {}\n\n",
            i % 16,
            1000 + i * 7 % 9000,
            i % 5,
            i % 3 != 0
        ));
    }
    text
}

fn with_staid<T: Config>(text: &str) -> T {
    T::builder().toml_str(text).load().unwrap()
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
}

criterion_group! {
    name = load;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .sample_size(30);
    targets = benches
}
criterion_main!(load);
