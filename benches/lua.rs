//! What a Lua layer costs: a load with a small script layer (ten assignments
//! and one validate hook) against the same load without it, a script that
//! does nothing (the fixed cost of a sandboxed state on its own thread), a
//! large script (ten thousand assignments, each value given its line), and
//! a bare thread spawn for reference.
//!
//! Run with `cargo bench --features lua --bench lua`.

use std::hint::black_box;
use std::time::Duration;

use std::collections::BTreeMap;

use criterion::{criterion_group, criterion_main, Criterion};
use staid::source::Lua;
use staid::Config;

/// A service with ten keys for the script to set.
#[derive(Config, Debug)]
#[allow(dead_code)] // built to be measured; only `workers` is read, as a check
#[config(name = "svc")]
struct Svc {
    #[config(default = "orders")]
    name: String,
    #[config(default = "eu-west")]
    region: String,
    workers: u32,
    threads: u32,
    queue: u32,
    url: String,
    cache_url: String,
    timeout_ms: u64,
    ratio: f64,
    debug: bool,
    tags: Vec<String>,
    label: String,
}

const TOML: &str = r#"
workers = 4
threads = 8
queue = 64
url = "postgres://db1/orders"
cache_url = "redis://cache1"
timeout_ms = 2500
ratio = 0.5
debug = false
tags = ["a", "b"]
label = "orders@eu-west"
"#;

const SCRIPT: &str = r#"
local cpus = host.cpus
validate(function(cfg)
  if cfg.workers > 64 then error("at most 64 workers") end
end)
return {
  workers = cpus * 2,
  threads = cpus * 4,
  queue = cpus * 32,
  url = "postgres://db1:5432/" .. config.name,
  cache_url = "redis://cache1/" .. config.region,
  timeout_ms = 2500,
  ratio = 0.75,
  debug = false,
  tags = { config.name, config.region },
  label = config.name .. "@" .. config.region,
}
"#;

/// A table of labels, for the large script.
#[derive(Config, Debug)]
#[allow(dead_code)] // built to be measured
struct Labels {
    labels: BTreeMap<String, String>,
}

/// Ten thousand assignments: the cost of giving each value its line.
fn large_script() -> String {
    let mut script = String::from("local out = { labels = {} }\n");
    for i in 0..10_000 {
        script.push_str(&format!("out.labels.k{i} = 'v{i}'\n"));
    }
    script.push_str("return out\n");
    script
}

/// The script layer of the service, with its host value.
fn plugin() -> Lua {
    Lua::text("plugin.lua", SCRIPT).host("cpus", 4)
}

/// `Svc` loaded from the TOML text, then `lua` over it.
fn over_toml(lua: Lua) -> Svc {
    Svc::builder().toml_str(TOML).source(lua).load().unwrap()
}

fn bench(c: &mut Criterion) {
    let large = large_script();
    let svc = over_toml(plugin());
    assert_eq!(svc.workers, 8, "the script layer must have run");
    let mut group = c.benchmark_group("lua");
    group.measurement_time(Duration::from_secs(5));
    group.bench_function("toml only", |b| {
        b.iter(|| black_box(Svc::builder().toml_str(TOML).load().unwrap()))
    });
    group.bench_function("toml + script layer (10 assignments, 1 hook)", |b| {
        b.iter(|| black_box(over_toml(plugin())))
    });
    group.bench_function("toml + empty script (sandbox on its thread)", |b| {
        b.iter(|| black_box(over_toml(Lua::text("empty.lua", ""))))
    });
    group.bench_function("large script (10,000 assignments)", |b| {
        b.iter(|| {
            let labels = Labels::builder()
                .source(Lua::text("large.lua", large.as_str()))
                .load()
                .unwrap();
            black_box(labels)
        })
    });
    group.bench_function("thread spawn and join (reference)", |b| {
        b.iter(|| std::thread::spawn(|| black_box(1)).join().unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
