//! The generated TOML template, compared as a whole, and loaded back.

// Sample structs exist to be rendered; not every field is read back.
#![allow(dead_code)]

#[path = "support/load.rs"]
mod load;

use staid::Config;

/// A small web service.
///
/// Every key is optional unless marked required.
#[derive(Config, Debug)]
#[config(name = "web")]
struct Web {
    /// Address to listen on.
    #[config(default = "127.0.0.1")]
    host: String,
    /// Port to listen on.
    #[config(default = 8080)]
    port: u16,
    /// Upstream URL.
    upstream: String,
    /// API token.
    #[config(secret, default = "dev-token")]
    token: String,
    #[config(skip)]
    cache: Vec<u8>,
    /// The database.
    #[config(nested)]
    db: Db,
}

#[derive(Config, Debug)]
struct Db {
    /// Hosts to try, in order.
    #[config(default = ["db1", "db2"])]
    hosts: Vec<String>,
    /// Seconds before giving up.
    #[config(default = 2.5)]
    timeout: f64,
}

const EXPECTED: &str = "\
# A small web service.
#
# Every key is optional unless marked required.

# Address to listen on.
host = \"127.0.0.1\"

# Port to listen on.
port = 8080

# Upstream URL.
# upstream =   (String, required)

# API token.
# token =   (String, secret)

# The database.
[db]
# Hosts to try, in order.
hosts = [\"db1\", \"db2\"]

# Seconds before giving up.
timeout = 2.5
";

#[test]
fn template_lists_every_key_with_docs_and_defaults() {
    assert_eq!(Web::builder().toml_template(), EXPECTED);
}

#[test]
fn the_template_loads_once_required_keys_are_filled_in() {
    let text = EXPECTED.replace(
        "# upstream =   (String, required)",
        "upstream = \"http://up\"",
    );
    let web = load::toml::<Web>(text);
    assert_eq!(web.upstream, "http://up");
    assert_eq!(web.db.hosts, ["db1", "db2"]);
    assert_eq!(web.token, "dev-token");
}

/// A service made of sections.
#[derive(Config, Debug)]
#[config(name = "gw")]
struct Sections {
    /// Worker threads.
    #[config(default_with = workers)]
    workers: u32,
    /// The routes, first match wins.
    #[config(nested)]
    routes: Vec<Route>,
    /// Backends by name.
    #[config(nested)]
    upstreams: std::collections::BTreeMap<String, Upstream>,
    /// TLS, when terminated here.
    #[config(nested)]
    tls: Option<Tls>,
    /// Where logs go.
    #[config(nested)]
    logs: Option<Logs>,
    /// Limits.
    #[config(nested)]
    limits: Limits,
}

fn workers() -> u32 {
    4
}

#[derive(Config, Debug)]
struct Route {
    /// The path prefix.
    path: String,
    /// Milliseconds to wait.
    #[config(default = 1000)]
    timeout_ms: u64,
}

#[derive(Config, Debug)]
struct Upstream {
    /// Base URL.
    url: String,
}

#[derive(Config, Debug)]
struct Tls {
    /// Certificate file.
    cert: String,
}

/// Kinds of log sinks.
#[derive(Config, Debug)]
enum Logs {
    /// Standard error.
    Stderr,
    /// A file.
    File(LogFile),
}

#[derive(Config, Debug)]
struct LogFile {
    /// Where.
    path: String,
    /// Rotate at this size.
    #[config(default = 10)]
    max_mb: u32,
}

#[derive(Config, Debug)]
struct Limits {
    /// Requests per second.
    #[config(default = 100)]
    rps: u32,
}

#[test]
fn sections_in_the_template() {
    let template = Sections::builder().toml_template();
    assert_eq!(
        template,
        "# A service made of sections.\n\
         \n\
         # Worker threads.\n\
         # workers =   (u32, default workers())\n\
         \n\
         # The routes, first match wins.\n\
         # (a list: repeat the table for each entry)\n\
         # [[routes]]\n\
         # The path prefix.\n\
         # path =   (String, required)\n\
         \n\
         # Milliseconds to wait.\n\
         # timeout_ms = 1000\n\
         \n\
         # Backends by name.\n\
         # (a map: one table per entry, named as you like)\n\
         # [upstreams.<name>]\n\
         # Base URL.\n\
         # url =   (String, required)\n\
         \n\
         # TLS, when terminated here.\n\
         # (optional: absent unless some key of it is set)\n\
         # [tls]\n\
         # Certificate file.\n\
         # cert =   (String, required)\n\
         \n\
         # Where logs go.\n\
         # (optional: absent unless some key of it is set)\n\
         # [logs]\n\
         # Standard error.\n\
         # kind = \"stderr\"\n\
         \n\
         # A file.\n\
         # kind = \"file\"\n\
         # Where.\n\
         # path =   (String, required)\n\
         \n\
         # Rotate at this size.\n\
         # max_mb = 10\n\
         \n\
         # Limits.\n\
         [limits]\n\
         # Requests per second.\n\
         rps = 100\n"
    );
    // It loads as it is: everything required lies in commented sections.
    let loaded = load::toml::<Sections>(template);
    assert_eq!(loaded.limits.rps, 100);
    assert!(loaded.routes.is_empty() && loaded.tls.is_none() && loaded.logs.is_none());
}

/// A required enum section keeps its first variant that needs no value in
/// force, so that the template loads as it is; the others stay commented.
#[test]
fn a_required_enum_section_keeps_one_variant_in_force() {
    #[derive(Config, Debug)]
    #[allow(dead_code)]
    enum Storage {
        S3(S3),
        Vault(Vault),
        Disk(Disk),
    }
    #[derive(Config, Debug)]
    #[allow(dead_code)]
    struct S3 {
        bucket: String,
    }
    #[derive(Config, Debug)]
    #[allow(dead_code)]
    struct Vault {
        #[config(nested)]
        creds: Creds,
    }
    #[derive(Config, Debug)]
    #[allow(dead_code)]
    struct Creds {
        key: String,
    }
    #[derive(Config, Debug)]
    #[allow(dead_code)]
    struct Disk {
        #[config(default = "/var/lib/app")]
        dir: String,
        #[config(nested)]
        limits: Limits,
    }
    #[derive(Config, Debug)]
    #[allow(dead_code)]
    struct App {
        #[config(nested)]
        storage: Storage,
    }
    let template = App::builder().toml_template();
    assert!(
        template.contains("[storage]\n# kind = \"s3\"\n# bucket =   (String, required)\n"),
        "{template}"
    );
    // A variant whose nested section needs a value is not chosen either.
    assert!(template.contains("# kind = \"vault\"\n"), "{template}");
    // The chosen variant comes last, its own table after the others.
    assert!(
        template.ends_with(
            "\nkind = \"disk\"\ndir = \"/var/lib/app\"\n\n\
             [storage.limits]\n# Requests per second.\nrps = 100\n"
        ),
        "{template}"
    );
    let loaded = load::toml::<App>(template);
    assert!(matches!(loaded.storage, Storage::Disk(Disk { ref dir, .. }) if dir == "/var/lib/app"));
}
