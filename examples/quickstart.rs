//! The README's quick start: a service configuration from defaults, a TOML
//! file, an optional JSON file and the environment, with every value's origin.
//!
//! Run it with `cargo run --example quickstart`.

use std::time::Duration;

use staid::Config;

/// A small web service.
#[derive(Config, Debug)]
#[config(name = "myapp")]
struct App {
    /// Address to listen on.
    #[config(default = "127.0.0.1")]
    host: String,
    /// Port to listen on.
    #[config(default = 8080, short = 'p')]
    port: u16,
    /// Networks allowed to connect.
    #[config(default = [])]
    allowed: Vec<String>,
    #[config(nested)]
    db: Db,
    /// API token for the upstream service.
    #[config(secret)]
    token: Option<String>,
}

/// The database connection.
#[derive(Config, Debug)]
struct Db {
    /// Database host.
    #[config(default = "localhost")]
    host: String,
    /// Connections in the pool.
    #[config(default = 8, validate = positive)]
    pool: u32,
    /// How long to wait for a connection.
    #[config(default = "5s")]
    timeout: Duration,
}

fn positive(n: &u32) -> Result<(), String> {
    if *n == 0 {
        return Err("must be at least 1".into());
    }
    Ok(())
}

fn main() {
    // Paths below are relative to the repository root.
    std::env::set_current_dir(env!("CARGO_MANIFEST_DIR")).expect("the crate directory exists");
    let loaded = App::builder()
        .file("fixtures/app.toml")
        .optional_file("fixtures/local.json")
        .env_from([("MYAPP_PORT", "9443"), ("MYAPP_TOKEN", "s3cret")])
        .load_full()
        // A failed load prints every problem, each with the place to fix it.
        .unwrap_or_else(|e| e.exit_process());
    let app = loaded.config();
    println!(
        "listening on {}:{}, allowing {:?}",
        app.host, app.port, app.allowed
    );
    println!(
        "database {} (pool {}, timeout {:?})",
        app.db.host, app.db.pool, app.db.timeout
    );
    println!("token set: {}", app.token.is_some());
    println!(
        "db.pool comes from {}",
        loaded.origin("db.pool").expect("db.pool is set")
    );
    println!("\n{}", loaded.explain());
}
