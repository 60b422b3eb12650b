//! Leaf field types: any `serde::de::DeserializeOwned` type, read from typed
//! file values and from environment text alike.

use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;
#[path = "support/load.rs"]
mod load;

use staid::Config;

#[derive(Deserialize, Debug, PartialEq, Eq, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum Level {
    Debug,
    Info,
    Warn,
}

#[derive(Config, Debug)]
#[config(name = "t")]
struct Types {
    maybe: Option<u16>,
    list: Option<Vec<String>>,
    hash: Option<HashMap<String, u32>>,
    tree: Option<BTreeMap<String, f64>>,
    level: Option<Level>,
    path: Option<PathBuf>,
    socket: Option<SocketAddr>,
    ip: Option<IpAddr>,
    wait: Option<Duration>,
    ratio: Option<f64>,
    big: Option<u64>,
    small: Option<i8>,
    flag: Option<bool>,
    name: Option<String>,
}

fn toml(text: &str) -> Types {
    load::toml::<Types>(text)
}

fn toml_err(text: &str) -> staid::Error {
    load::toml_error::<Types>(text)
}

fn json(text: &str) -> Types {
    load::json::<Types>(text)
}

fn json_err(text: &str) -> staid::Error {
    load::json_error::<Types>(text)
}

fn env(var: &str, value: &str) -> Types {
    load::env::<Types>([(var, value)])
}

fn env_err(var: &str, value: &str) -> staid::Error {
    load::env_error::<Types>([(var, value)])
}

/// The message of the first problem of `err`.
fn first_message(err: staid::Error) -> String {
    err.problems()[0].message().to_owned()
}

#[test]
fn option_is_none_when_nothing_sets_it() {
    let t = Types::builder().load().unwrap();
    assert_eq!(t.maybe, None);
    assert_eq!(t.list, None);
    assert_eq!(t.wait, None);
    assert_eq!(toml("maybe = 7").maybe, Some(7));
}

#[test]
fn vec_from_a_toml_array_and_from_comma_separated_text() {
    assert_eq!(toml("list = [\"a\", \"b\"]").list.unwrap(), ["a", "b"]);
    assert_eq!(env("T_LIST", "a, b,c").list.unwrap(), ["a", "b", "c"]);
    assert_eq!(env("T_LIST", r"a\,b,c").list.unwrap(), ["a,b", "c"]);
    assert_eq!(env("T_LIST", r#"["x", "y"]"#).list.unwrap(), ["x", "y"]);
}

#[test]
fn maps_with_string_keys() {
    let t = toml("hash = { a = 1, b = 2 }\n[tree]\nx = 0.5\ny = 2\n");
    let hash = t.hash.unwrap();
    assert_eq!((hash["a"], hash["b"], hash.len()), (1, 2, 2));
    let tree = t.tree.unwrap();
    assert_eq!(
        tree.into_iter().collect::<Vec<_>>(),
        [("x".into(), 0.5), ("y".into(), 2.0)]
    );
    let hash = env("T_HASH", "a:1,b:2").hash.unwrap();
    assert_eq!((hash["a"], hash["b"]), (1, 2));
    let hash = env("T_HASH", r#"{"c": 3}"#).hash.unwrap();
    assert_eq!(hash["c"], 3);
}

#[test]
fn unit_enums_from_strings() {
    assert_eq!(toml("level = \"warn\"").level, Some(Level::Warn));
    assert_eq!(env("T_LEVEL", "debug").level, Some(Level::Debug));
    let err = toml_err("level = \"loud\"");
    assert_eq!(
        err.to_string(),
        "error: `level`: unknown variant `loud`, expected one of `debug`, `info`, `warn`
  --> <toml>:1:9
   |
 1 | level = \"loud\"
   |         ^^^^^^"
    );
}

#[test]
fn paths_and_addresses() {
    let t = toml("path = \"/etc/app.toml\"\nsocket = \"127.0.0.1:8080\"\nip = \"::1\"\n");
    assert_eq!(t.path, Some(PathBuf::from("/etc/app.toml")));
    assert_eq!(
        t.socket,
        Some(SocketAddr::from((Ipv4Addr::LOCALHOST, 8080)))
    );
    assert_eq!(t.ip, Some(IpAddr::V6(Ipv6Addr::LOCALHOST)));
    assert_eq!(
        env("T_SOCKET", "[::1]:443").socket,
        Some(SocketAddr::from((Ipv6Addr::LOCALHOST, 443)))
    );
    let err = toml_err("ip = \"10.0.0.300\"");
    assert_eq!(err.problems()[0].key(), Some("ip"));
    assert_eq!(err.problems()[0].message(), "invalid IP address syntax");
}

#[test]
fn durations_in_humantime_forms() {
    assert_eq!(toml("wait = \"1m30s\"").wait, Some(Duration::from_secs(90)));
    assert_eq!(
        toml("wait = \"250ms\"").wait,
        Some(Duration::from_millis(250))
    );
    assert_eq!(
        toml("wait = \"2h 5m\"").wait,
        Some(Duration::from_secs(7500))
    );
    assert_eq!(env("T_WAIT", "1day").wait, Some(Duration::from_secs(86400)));
    assert_eq!(
        first_message(toml_err("wait = \"soon\"")),
        "expected a duration such as \"1m30s\" or \"250ms\", found \"soon\" (expected number at 0)"
    );
}

#[test]
fn floats_from_integers() {
    assert_eq!(toml("ratio = 2").ratio, Some(2.0));
    assert_eq!(toml("ratio = 0.25").ratio, Some(0.25));
    assert_eq!(env("T_RATIO", "1e3").ratio, Some(1000.0));
    assert_eq!(json(r#"{"ratio": 3}"#).ratio, Some(3.0));
}

#[test]
fn integers_are_not_floats() {
    assert_eq!(
        first_message(toml_err("maybe = 1.0")),
        "expected an integer (u16), found float 1"
    );
}

#[test]
fn u64_above_i64_max_from_json_and_env() {
    assert_eq!(json(r#"{"big": 18446744073709551615}"#).big, Some(u64::MAX));
    assert_eq!(env("T_BIG", "18446744073709551615").big, Some(u64::MAX));
    assert_eq!(
        first_message(json_err(r#"{"big": 18446744073709551616}"#)),
        "18446744073709551616 is out of range for u64 (0 to 18446744073709551615)"
    );
}

#[test]
fn env_integers_in_every_base_and_range_checked() {
    assert_eq!(env("T_SMALL", "-0x10").small, Some(-16));
    let err = env_err("T_SMALL", "200");
    assert_eq!(
        err.to_string(),
        "error: `small`: 200 is out of range for i8 (-128 to 127)\n  --> env T_SMALL"
    );
    // Past every type staid reads: said so, not "expected an integer" alone.
    assert_eq!(
        first_message(env_err(
            "T_SMALL",
            "340282366920938463463374607431768211455"
        )),
        "expected an integer (i8), found \"340282366920938463463374607431768211455\" (it is past \
         the range of i128, the largest integer staid reads)"
    );
}

#[test]
fn text_stays_text_for_strings_and_becomes_bool_for_bools() {
    assert_eq!(env("T_NAME", "123").name.as_deref(), Some("123"));
    assert_eq!(env("T_FLAG", "T").flag, Some(true));
    assert_eq!(env("T_FLAG", "0").flag, Some(false));
    assert_eq!(
        first_message(env_err("T_FLAG", "yes")),
        "expected a boolean (true/false, 1/0, t/f), found \"yes\""
    );
}

#[test]
fn file_strings_are_not_guessed_into_numbers() {
    let err = toml_err("maybe = \"8080\"\nname = 5\n");
    let messages: Vec<&str> = err.problems().iter().map(|p| p.message()).collect();
    assert_eq!(
        messages,
        [
            "expected an integer (u16), found string \"8080\"",
            "expected a string, found integer 5"
        ]
    );
}

#[test]
fn toml_datetimes_read_as_strings() {
    #[derive(Config)]
    struct When {
        at: String,
    }
    let when = load::toml::<When>("at = 1979-05-27T07:32:00Z");
    assert_eq!(when.at, "1979-05-27T07:32:00Z");
}

/// Env text for a list is inline JSON only when it reads as JSON: a list of
/// addresses or of words in brackets is split at commas, and
/// `--print-config` shows the list the build read.
#[test]
fn a_list_of_bracketed_addresses_is_a_list_not_json() {
    #[derive(Config, Debug)]
    #[config(name = "l")]
    struct Lists {
        #[config(default = [])]
        listen: Vec<SocketAddr>,
        #[config(default = [])]
        words: Vec<String>,
    }
    let app = load::env::<Lists>([
        ("L_LISTEN", "[::1]:8080,0.0.0.0:80,[2001:db8::1]:443"),
        ("L_WORDS", "[WARN] x,y"),
    ]);
    assert_eq!(
        app.listen,
        [
            "[::1]:8080".parse::<SocketAddr>().unwrap(),
            "0.0.0.0:80".parse().unwrap(),
            "[2001:db8::1]:443".parse().unwrap()
        ]
    );
    assert_eq!(app.words, ["[WARN] x", "y"]);

    let printed = |value: &str| {
        load::printed_config(
            Lists::builder()
                .env_from([("L_WORDS", value)])
                .args(["l", "--print-config=toml"]),
        )
    };
    let app = load::env::<Lists>([("L_WORDS", "[\"a,b\", \"c\"]")]);
    assert_eq!(app.words, ["a,b", "c"]);
    assert!(
        printed("[\"a,b\", \"c\"]").contains("words = [\"a,b\", \"c\"]"),
        "{}",
        printed("[\"a,b\", \"c\"]")
    );
    assert!(printed("[WARN] x,y").contains("words = [\"[WARN] x\", \"y\"]"));
}
