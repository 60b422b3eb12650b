//! The workloads of the load benchmarks, shared by the bench files: the
//! typical service configuration and the large routing table.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::time::Duration;

use criterion::Criterion;

use serde::Deserialize;
use staid::Config;

/// The typical workload's struct: top-level keys and five nested tables.
#[derive(Config, Deserialize, Debug, PartialEq)]
pub struct Service {
    pub name: String,
    pub environment: String,
    pub debug: bool,
    pub workers: u32,
    pub log_level: String,
    pub log_format: String,
    pub data_dir: String,
    pub pid_file: String,
    pub shutdown_grace_secs: u64,
    pub features: Vec<String>,
    #[config(nested)]
    pub server: Server,
    #[config(nested)]
    pub database: Database,
    #[config(nested)]
    pub cache: Cache,
    #[config(nested)]
    pub auth: Auth,
    #[config(nested)]
    pub telemetry: Telemetry,
}

#[derive(Config, Deserialize, Debug, PartialEq)]
pub struct Server {
    pub host: String,
    pub port: u16,
    pub tls: bool,
    pub cert: String,
    pub key: String,
    pub max_connections: u32,
    pub keep_alive_secs: u64,
    pub request_timeout_ms: u64,
    pub max_body_bytes: u64,
    pub compression: bool,
    pub cors_origins: Vec<String>,
    pub http2: bool,
}

#[derive(Config, Deserialize, Debug, PartialEq)]
pub struct Database {
    pub url: String,
    pub pool_min: u32,
    pub pool_max: u32,
    pub connect_timeout_ms: u64,
    pub idle_timeout_secs: u64,
    pub statement_timeout_ms: u64,
    pub ssl_mode: String,
    pub replica_urls: Vec<String>,
    pub migrate_on_start: bool,
    pub schema: String,
    pub application_name: String,
    pub slow_query_ms: u64,
}

#[derive(Config, Deserialize, Debug, PartialEq)]
pub struct Cache {
    pub enabled: bool,
    pub backend: String,
    pub url: String,
    pub ttl_secs: u64,
    pub max_entries: u64,
    pub namespace: String,
    pub compression_threshold: u32,
    pub hit_ratio_alarm: f64,
    pub warm_on_start: bool,
    pub pool_size: u32,
}

#[derive(Config, Deserialize, Debug, PartialEq)]
pub struct Auth {
    pub issuer: String,
    pub audience: String,
    pub jwks_url: String,
    pub leeway_secs: u64,
    pub required_scopes: Vec<String>,
    pub session_ttl_secs: u64,
    pub cookie_name: String,
    pub cookie_secure: bool,
    pub max_failed_logins: u32,
    pub lockout_secs: u64,
}

#[derive(Config, Deserialize, Debug, PartialEq)]
pub struct Telemetry {
    pub enabled: bool,
    pub endpoint: String,
    pub service_name: String,
    pub sample_ratio: f64,
    pub export_interval_ms: u64,
    pub metrics_port: u16,
    pub traces: bool,
    pub resource_attributes: Vec<String>,
}

/// The large workload's struct: a map of route sections, each built and
/// checked by staid (unknown keys, origins per value).
#[derive(Config, Deserialize, Debug, PartialEq)]
pub struct Gateway {
    #[config(nested)]
    pub routes: BTreeMap<String, Route>,
}

#[derive(Config, Deserialize, Debug, PartialEq)]
pub struct Route {
    pub path: String,
    pub upstream: String,
    pub timeout_ms: u64,
    pub retries: u32,
    pub methods: Vec<String>,
    pub enabled: bool,
}

/// The same text with the routes as one leaf value, read by serde in one
/// go through `Route`'s `Deserialize` (what 0.1 could do): the cost of
/// sections is the difference.
#[derive(Config, Deserialize, Debug, PartialEq)]
pub struct GatewayLeaf {
    pub routes: BTreeMap<String, Route>,
}

pub const TYPICAL: &str = include_str!("../../fixtures/bench/typical.toml");

pub mod large;

/// The measurement settings of the load, env and error benchmarks: short
/// runs, so that the whole set stays quick.
pub fn settings(sample_size: usize) -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .sample_size(sample_size)
}
