//! Text formats: TOML and JSON text turned into a [`Value`](crate::Value)
//! tree with the position of every value. Files, in-memory text, inline JSON
//! in env values and flags, and etcd's `.json` keys all read through here.

mod json;
pub(crate) mod parse;
pub(crate) mod scan;
mod toml;

pub(crate) use json::{inline as inline_json, InlineError};

/// The text after its byte-order mark, when it starts with exactly one: the
/// parsers skip one mark themselves, so a second must reach them to be
/// refused.
pub(crate) fn without_bom(text: &str) -> Option<&str> {
    text.strip_prefix('\u{feff}')
        .filter(|rest| !rest.starts_with('\u{feff}'))
}

/// For the parsers' tests: each problem of a text that must not be read, as
/// `message at origin`.
#[cfg(test)]
fn located(text: &str, read: Result<crate::Value, Vec<crate::Problem>>) -> Vec<String> {
    read.map(|v| panic!("{text:?} was read: {v:?}"))
        .unwrap_err()
        .iter()
        .map(|p| format!("{} at {}", p.message(), p.origin().unwrap()))
        .collect()
}
pub use parse::{parse, parse_json_value, Format, MAX_DEPTH};
