//! The generated TOML template, compared as a whole, and loaded back.

// Sample structs exist to be rendered; not every field is read back.
#![allow(dead_code)]

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
    let web = Web::builder().toml_str(text).load().unwrap();
    assert_eq!(web.upstream, "http://up");
    assert_eq!(web.db.hosts, ["db1", "db2"]);
    assert_eq!(web.token, "dev-token");
}
