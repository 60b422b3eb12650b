//! The entry points of the fuzz targets, one per input staid reads, on a
//! struct with every kind of field. `tests/fuzz_corpus.rs` in the main crate
//! includes this file to replay the committed corpus on stable Rust, so the
//! entry points use nothing but staid and serde.
//!
//! Each one loads, then renders what came out (the error, or the
//! configuration and its explanation), since rendering reads spans and
//! snippets that a bad input could have got wrong. None may panic, hang or
//! overflow the stack.
#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap};
use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;
use staid::{Config, Error, Loaded, Secret};

/// Every kind of field the derive handles.
#[derive(Config, Debug)]
#[config(name = "fz", validate = check_every)]
pub struct Every {
    #[config(default = "x")]
    text: String,
    #[config(default = true)]
    yes: bool,
    #[config(default = 1, short = 'n')]
    small: u8,
    #[config(default = -1)]
    signed: i8,
    #[config(default = 8080)]
    port: u16,
    #[config(default = 0)]
    wide: i128,
    #[config(default = 0)]
    unsigned: u64,
    #[config(default = 1.5)]
    ratio: f32,
    #[config(default = 2.5)]
    precise: f64,
    #[config(default = "c")]
    letter: char,
    #[config(default = "1m30s")]
    timeout: Duration,
    #[config(default = "/tmp")]
    path: PathBuf,
    maybe: Option<u32>,
    #[config(default = [])]
    ports: Vec<u16>,
    #[config(default = ["a", "b"], merge = "append")]
    names: Vec<String>,
    weights: Option<HashMap<String, u32>>,
    limits: Option<BTreeMap<u16, String>>,
    mode: Option<Mode>,
    #[config(secret)]
    token: Option<String>,
    password: Option<Secret<String>>,
    #[config(secret)]
    keys: Option<HashMap<String, u32>>,
    #[config(env = "FZ_EXACT_URL", rename = "url-name", flag = "url")]
    url: Option<String>,
    addr: Option<SocketAddr>,
    #[config(from_str)]
    level: Option<Level>,
    #[config(nested)]
    db: Db,
    routes: Option<Vec<Route>>,
    #[config(skip)]
    skipped: u32,
    #[config(default = 1, validate = positive)]
    checked: u32,
}

#[derive(Config, Debug)]
pub struct Db {
    #[config(default = "localhost")]
    host: String,
    #[config(default = 4)]
    pool: u32,
    #[config(secret, default = "changeme")]
    password: String,
    #[config(nested)]
    replica: Replica,
}

#[derive(Config, Debug)]
pub struct Replica {
    lag: Option<Duration>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Fast,
    Safe,
}

#[derive(Debug, Deserialize)]
pub struct Route {
    path: String,
    port: Option<u16>,
}

#[derive(Debug)]
pub struct Level(u8);

impl std::str::FromStr for Level {
    type Err = String;
    fn from_str(s: &str) -> Result<Level, String> {
        s.parse().map(Level).map_err(|e| format!("{e}"))
    }
}

fn positive(n: &u32) -> Result<(), &'static str> {
    if *n == 0 {
        return Err("must be at least 1");
    }
    Ok(())
}

fn check_every(every: &Every) -> Result<(), &'static str> {
    if every.small > 200 && every.yes {
        return Err("small above 200 needs yes = false");
    }
    Ok(())
}

fn render(result: Result<Loaded<Every>, Error>) {
    match result {
        Ok(loaded) => {
            let _ = format!("{:?}\n{}", loaded.config(), loaded.explain());
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
}

/// A TOML file.
pub fn toml(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        render(Every::builder().toml_str(text).load_full());
    }
}

/// A JSON file.
pub fn json(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        render(Every::builder().json_str(text).load_full());
    }
}

/// The variables `env` sets: each line of input is one, its first byte
/// choosing the name and the rest, any bytes, the value. The `_FILE` forms
/// and `FZ_CONFIG` are left out: they name files to read.
const VARS: &[&str] = &[
    "FZ_TEXT",
    "FZ_YES",
    "FZ_SMALL",
    "FZ_SIGNED",
    "FZ_PORT",
    "FZ_WIDE",
    "FZ_UNSIGNED",
    "FZ_RATIO",
    "FZ_PRECISE",
    "FZ_LETTER",
    "FZ_TIMEOUT",
    "FZ_PATH",
    "FZ_MAYBE",
    "FZ_PORTS",
    "FZ_NAMES",
    "FZ_WEIGHTS",
    "FZ_LIMITS",
    "FZ_MODE",
    "FZ_TOKEN",
    "FZ_PASSWORD",
    "FZ_KEYS",
    "FZ_EXACT_URL",
    "FZ_ADDR",
    "FZ_LEVEL",
    "FZ_DB_HOST",
    "FZ_DB_POOL",
    "FZ_DB_PASSWORD",
    "FZ_DB_REPLICA_LAG",
    "FZ_ROUTES",
    "FZ_SKIPPED",
    "FZ_CHECKED",
    "FZ_UNKNOWN",
];

fn os_string(bytes: &[u8]) -> OsString {
    #[cfg(unix)]
    return std::os::unix::ffi::OsStringExt::from_vec(bytes.to_vec());
    #[cfg(not(unix))]
    return String::from_utf8_lossy(bytes).into_owned().into();
}

/// Env values for typed fields, through `env_from_os`.
pub fn env(data: &[u8]) {
    let vars = data.split(|&b| b == b'\n').filter_map(|line| {
        let (&pick, value) = line.split_first()?;
        Some((VARS[usize::from(pick) % VARS.len()], os_string(value)))
    });
    render(Every::builder().env_from_os(vars).load_full());
}

/// Command-line arguments, split at NUL bytes. `--config` names a file to
/// read, so it is left out (clap takes long flags only whole).
pub fn args(data: &[u8]) {
    let args = data
        .split(|&b| b == 0)
        .filter(|arg| *arg != b"--config" && !arg.starts_with(b"--config="))
        .map(os_string);
    let argv = std::iter::once(OsString::from("fz")).chain(args);
    render(Every::builder().args(argv).load_full());
}

/// Keys of `Every`, some misspelt or unknown, for `typed_build`.
const KEYS: &[&str] = &[
    "text",
    "yes",
    "small",
    "signed",
    "port",
    "wide",
    "unsigned",
    "ratio",
    "precise",
    "letter",
    "timeout",
    "path",
    "maybe",
    "ports",
    "names",
    "weights",
    "limits",
    "mode",
    "token",
    "password",
    "keys",
    "url-name",
    "addr",
    "level",
    "db.host",
    "db.pool",
    "db.password",
    "db.replica.lag",
    "db.replica",
    "db",
    "routes",
    "skipped",
    "checked",
    "prot",
    "db.hots",
    "x.y.z",
];

/// Values of every kind, at and past the edges of the fields' types.
const VALUES: &[&str] = &[
    "0",
    "1",
    "-1",
    "127",
    "128",
    "255",
    "256",
    "-129",
    "65535",
    "65536",
    "4294967296",
    "9223372036854775807",
    "18446744073709551615",
    "-9223372036854775808",
    "0x7f",
    "1.5",
    "-0.0",
    "1e300",
    "1e-50",
    "3.5e38",
    "inf",
    "-inf",
    "nan",
    "true",
    "false",
    "'x'",
    "''",
    "'ab'",
    "'é'",
    "'1m30s'",
    "'250ms'",
    "'2h 30m'",
    "'bad'",
    "'18446744073709551616s'",
    "'/etc'",
    "'127.0.0.1:80'",
    "'[::1]:8080'",
    "'fast'",
    "'safe'",
    "'Fast'",
    "'7'",
    "'300'",
    "1979-05-27",
    "07:32:00",
    "1979-05-27T07:32:00Z",
    "[]",
    "[1, 2]",
    "[0, 65536]",
    "['a', 'b']",
    "[[1]]",
    "[true, 'x']",
    "{}",
    "{ a = 1 }",
    "{ a = 'x' }",
    "{ 80 = 'http' }",
    "{ x = 1 }",
    "[{ path = '/' }]",
    "[{ path = '/', port = 70000 }]",
    "[{ port = 1 }]",
    "{ host = 'h' }",
];

/// The derive-facing build: a document of known keys and values of every
/// kind, two bytes a line choosing each, so that nearly every input reaches
/// the typed build rather than the parser's errors.
pub fn typed_build(data: &[u8]) {
    let mut text = String::new();
    let mut used: Vec<&str> = Vec::new();
    for pair in data.chunks(2) {
        let key = KEYS[usize::from(pair[0]) % KEYS.len()];
        // A key set twice, or a table and a key under it both set, is a
        // TOML error that would stop the load before the build.
        let clash = |other: &&str| {
            let (a, b) = if key.len() < other.len() {
                (key, *other)
            } else {
                (*other, key)
            };
            b == a || b.strip_prefix(a).is_some_and(|rest| rest.starts_with('.'))
        };
        if used.iter().any(clash) {
            continue;
        }
        used.push(key);
        let value = VALUES[usize::from(*pair.get(1).unwrap_or(&0)) % VALUES.len()];
        text.push_str(&format!("{key} = {value}\n"));
    }
    render(Every::builder().toml_str(text).load_full());
}
