//! Sections: a list of routes (`[[routes]]`), a map of upstreams
//! (`[upstreams.eu]`), an optional `[tls]` and a `[storage]` that is one of
//! several kinds, from fixtures/sections/gateway.toml and the environment.
//!
//! Run it with `cargo run --example sections`.

use std::collections::BTreeMap;
use std::time::Duration;

use staid::Config;

/// An HTTP gateway.
#[derive(Config, Debug)]
#[config(name = "gateway")]
pub struct Gateway {
    /// The gateway's name in logs and metrics.
    pub name: String,
    /// Where requests go, first match wins.
    #[config(nested)]
    pub routes: Vec<Route>,
    /// The backends routes send requests to, by name.
    #[config(nested)]
    pub upstreams: BTreeMap<String, Upstream>,
    /// TLS, when the gateway terminates it.
    #[config(nested)]
    pub tls: Option<Tls>,
    /// Where access logs are kept.
    #[config(nested)]
    pub storage: Storage,
}

/// One route.
#[derive(Config, Debug)]
pub struct Route {
    /// The path prefix it matches.
    pub path: String,
    /// The upstream it sends requests to.
    pub upstream: String,
    /// How long to wait for the upstream.
    #[config(default = "5s")]
    pub timeout: Duration,
    /// The methods it accepts.
    #[config(default = ["GET", "POST"])]
    pub methods: Vec<String>,
}

/// One backend.
#[derive(Config, Debug)]
pub struct Upstream {
    /// Its base URL.
    pub url: String,
    /// Its share of the traffic.
    #[config(default = 1)]
    pub weight: u16,
}

/// TLS settings.
#[derive(Config, Debug)]
pub struct Tls {
    /// The certificate chain, PEM.
    pub cert: String,
    /// The private key, PEM.
    #[config(default = "/etc/gateway/key.pem")]
    pub key: String,
}

/// Where access logs are kept, chosen by `kind`.
#[derive(Config, Debug)]
pub enum Storage {
    /// In memory only, lost on restart.
    Memory,
    /// An S3 bucket.
    S3(S3),
}

/// An S3 bucket.
#[derive(Config, Debug)]
pub struct S3 {
    /// The bucket's name.
    pub bucket: String,
    /// Its region.
    #[config(default = "eu-west-1")]
    pub region: String,
}

fn main() {
    // Paths below are relative to the repository root.
    std::env::set_current_dir(env!("CARGO_MANIFEST_DIR")).expect("the crate directory exists");
    let loaded = Gateway::builder()
        .file("fixtures/sections/gateway.toml")
        // A map entry field by field, and a whole list as inline JSON would
        // be `GATEWAY_ROUTES='[{"path": "/", "upstream": "eu"}]'`.
        .env_from([("GATEWAY_UPSTREAMS_EU_WEIGHT", "2")])
        .load_full()
        .unwrap_or_else(|e| e.exit_process());
    let gateway = loaded.config();
    for route in &gateway.routes {
        let upstream = &gateway.upstreams[&route.upstream];
        println!(
            "{} -> {} (weight {}, timeout {:?}, {:?})",
            route.path, upstream.url, upstream.weight, route.timeout, route.methods
        );
    }
    println!("tls: {:?}", gateway.tls);
    println!("storage: {:?}", gateway.storage);
    println!("\n{}", loaded.explain());
}
