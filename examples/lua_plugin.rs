//! A Lua plugin layer: values computed from others (workers from the CPU
//! count the host passes in, a database URL built from its parts) and
//! validation rules the types alone cannot express, on top of a TOML file
//! and under the environment.
//!
//! Run it from the repository root with
//! `cargo run --example lua_plugin --features lua`, then try
//! `SVC_WORKERS=1000 cargo run --example lua_plugin --features lua` to see
//! the plugin's validate hook reject the environment's value.

use staid::source::Lua;
use staid::Config;

/// An order service.
#[derive(Config, Debug)]
#[config(name = "svc")]
pub struct Svc {
    /// Worker threads; the plugin derives them from the CPU count.
    pub workers: u32,
    /// Deployment region (the plugin reads `DEPLOY_REGION`).
    pub region: String,
    /// The orders database.
    #[config(nested)]
    pub db: Db,
}

/// The database connection.
#[derive(Config, Debug)]
pub struct Db {
    /// User name.
    pub user: String,
    /// Server host name.
    pub host: String,
    /// Server port.
    #[config(default = 5432)]
    pub port: u16,
    /// Database name.
    pub name: String,
    /// Connection URL; the plugin builds it from the parts above.
    pub url: Option<String>,
    /// Connections in the pool.
    #[config(default = 4)]
    pub pool: u32,
}

fn main() {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let loaded = Svc::builder()
        .file("fixtures/lua/svc.toml")
        .source(Lua::file("fixtures/lua/plugin.lua").host("cpus", cpus))
        .env()
        .load_full();
    match loaded {
        Ok(loaded) => {
            let svc = loaded.config();
            let db = &svc.db;
            println!(
                "{} workers in {}; {} connections to {} on {}:{} as {}: {}\n",
                svc.workers,
                svc.region,
                db.pool,
                db.name,
                db.host,
                db.port,
                db.user,
                db.url.as_deref().unwrap_or("no URL"),
            );
            print!("{}", loaded.explain());
        }
        Err(error) => error.exit_process(),
    }
}
