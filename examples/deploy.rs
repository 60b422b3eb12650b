//! The way operations deploy a service: a packaged default in
//! `/etc/myapp/myapp.toml`, per-host drop-ins in `/etc/myapp/myapp.d/`, the
//! database password as a systemd credential (`LoadCredential=`), a `.env`
//! for local runs, and a certificate path relative to the file that names
//! it. Everything comes from fixtures/deploy/, standing in for `/etc` and
//! `$CREDENTIALS_DIRECTORY`.
//!
//! Run it with `cargo run --example deploy`; the output names the origin of
//! every value, the password masked.

use std::path::{Path, PathBuf};

use staid::source::Discover;
use staid::{Config, Error, Loaded};

/// A service as it runs under systemd.
#[derive(Config, Debug)]
#[config(name = "myapp")]
pub struct Service {
    /// Address to listen on.
    #[config(default = "127.0.0.1:8080")]
    pub listen: String,
    /// The TLS certificate, relative to the file that sets it.
    #[config(path)]
    pub cert: PathBuf,
    /// Worker threads.
    #[config(default = 4)]
    pub workers: u32,
    /// Log level.
    #[config(default = "info")]
    pub log: String,
    /// The database.
    #[config(nested)]
    pub db: Db,
}

/// The database.
#[derive(Config, Debug)]
pub struct Db {
    /// Host name.
    #[config(default = "localhost")]
    pub host: String,
    /// Connections kept open.
    #[config(default = 8)]
    pub pool: u32,
    /// From the credential `db.password`.
    #[config(secret)]
    pub password: String,
}

/// The stack of `Service::load()`, rooted at `root` instead of `/`, with
/// `env` as the process environment, plus a `.env` for local runs.
pub fn load(root: &Path, env: &[(&str, &str)]) -> Result<Loaded<Service>, Error> {
    let credentials = root.join("credentials").display().to_string();
    let mut vars = vec![("CREDENTIALS_DIRECTORY", credentials.as_str())];
    vars.extend_from_slice(env);
    Service::builder()
        .source(Discover::in_dirs([root.join("etc/myapp")]))
        .optional_dotenv(root.join("local.env"))
        .credentials()
        .env_from(vars)
        .load_full()
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/deploy");
    let loaded = match load(&root, &[("MYAPP_WORKERS", "24")]) {
        Ok(loaded) => loaded,
        Err(error) => error.exit_process(),
    };
    for warning in loaded.warnings() {
        eprintln!("warning: {warning}");
    }
    let service = loaded.config();
    println!(
        "listening on {} with {} workers, certificate {}",
        service.listen,
        service.workers,
        service.cert.display()
    );
    println!("\n{}", loaded.explain());
}
