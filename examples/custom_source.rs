//! A source written outside staid, with public items only: Java-style
//! `.properties` files, as a legacy admin console writes them.
//!
//! It shows what a third-party source needs: values that are text and are
//! converted by each field's type (`Value::text`), positions for every value
//! (`Origin::File`) and the file's text for snippets (`LoadCtx::add_text`),
//! problems with a caret (`Problem::with_span`), warnings
//! (`LoadCtx::warning`), the file to watch (`Source::watch_paths`), and a
//! unit test without a builder (`source::Harness`, in
//! `tests/custom_source.rs`).
//!
//! Run it with `cargo run --example custom_source`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use staid::source::{LoadCtx, Source};
use staid::{Config, Origin, Problem, ProblemKind, Value};

/// A `.properties` file as a layer: `a.b = value` (or `a.b: value`) lines,
/// `#` and `!` comments. Dotted keys are key paths.
pub struct Properties {
    path: PathBuf,
}

impl Properties {
    /// The file at `path`, which must exist.
    pub fn file(path: impl Into<PathBuf>) -> Properties {
        Properties { path: path.into() }
    }
}

impl Source for Properties {
    fn describe(&self) -> String {
        format!("properties file {}", self.path.display())
    }

    fn load(&self, ctx: &mut LoadCtx<'_>) -> Result<Option<Value>, Vec<Problem>> {
        let text = std::fs::read_to_string(&self.path).map_err(|e| {
            vec![Problem::new(
                ProblemKind::Io,
                format!("cannot read {}: {e}", self.path.display()),
            )]
        })?;
        let text: Arc<str> = Arc::from(text);
        let name: Arc<Path> = Arc::from(self.path.as_path());
        let layer = parse(ctx, &name, &text);
        // Later problems (a value of the wrong type) show the line too.
        ctx.add_text(name, text);
        Ok(layer)
    }

    fn watch_paths(&self) -> Vec<PathBuf> {
        vec![self.path.clone()]
    }
}

/// Reads every line; reports each bad one and goes on, so one load shows
/// every problem in the file.
fn parse(ctx: &mut LoadCtx<'_>, name: &Arc<Path>, text: &str) -> Option<Value> {
    let mut layer = Value::table(Origin::Default);
    let mut seen: Vec<(String, usize)> = Vec::new();
    let mut offset = 0;
    for (index, line) in text.split_inclusive('\n').enumerate() {
        let start = offset;
        offset += line.len();
        let body = line.trim_end_matches(['\n', '\r']);
        let trimmed = body.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with('!') {
            continue;
        }
        let indent = body.len() - trimmed.len();
        let Some(at) = trimmed.find(['=', ':']) else {
            let span = start + indent..start + body.len();
            ctx.problem(
                Problem::new(ProblemKind::Syntax, "expected `key = value`")
                    .with_span(name, text, span),
            );
            continue;
        };
        let key = trimmed[..at].trim_end();
        let value = trimmed[at + 1..].trim_start();
        if key.is_empty() || key.split('.').any(str::is_empty) {
            let span = start + indent..start + indent + at.max(1);
            ctx.problem(
                Problem::new(ProblemKind::Syntax, "a key needs a name in every part")
                    .with_span(name, text, span),
            );
            continue;
        }
        if let Some((_, first)) = seen.iter().find(|(k, _)| k == key) {
            ctx.warning(
                Problem::new(
                    ProblemKind::Syntax,
                    format!("`{key}` is set again (first on line {first}); the later one wins"),
                )
                .with_key(key),
            );
        }
        seen.push((key.to_owned(), index + 1));
        let column = body.len() - value.len() + 1;
        let origin = Origin::File {
            path: name.clone(),
            line: index + 1,
            column,
        };
        layer.insert_at(key, Value::text(value, origin));
    }
    (!seen.is_empty()).then_some(layer)
}

/// A service that is moving off the legacy console.
#[derive(Config, Debug)]
#[config(name = "legacy")]
pub struct App {
    /// Where to listen.
    #[config(nested)]
    pub server: Server,
    /// The database pool.
    #[config(nested)]
    pub db: Db,
    /// Networks allowed to connect.
    #[config(default = [])]
    pub allowed: Vec<String>,
}

/// Where to listen.
#[derive(Config, Debug)]
pub struct Server {
    /// Address to listen on.
    #[config(default = "127.0.0.1")]
    pub host: String,
    /// Port to listen on.
    #[config(default = 8080)]
    pub port: u16,
}

/// The database pool.
#[derive(Config, Debug)]
pub struct Db {
    /// Connections in the pool.
    #[config(default = 4)]
    pub pool: u32,
    /// How long to wait for a connection.
    #[config(default = "30s")]
    pub timeout: Duration,
}

/// Loads the fixture with the environment above it and prints the result.
pub fn main() -> Result<(), staid::Error> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/custom/legacy.properties");
    // The properties file sits where a TOML file would; the environment
    // still wins over it.
    let loaded = App::builder()
        .source(Properties::file(&path))
        .env_from([("LEGACY_DB_POOL", "32")])
        .load_full()?;
    let app = loaded.config();
    println!(
        "listening on {}:{}, pool {} ({:?}), allowed {:?}",
        app.server.host, app.server.port, app.db.pool, app.db.timeout, app.allowed
    );
    print!("{}", loaded.explain());
    Ok(())
}
