//! Text formats: TOML and JSON text turned into a [`Value`](crate::Value)
//! tree with the position of every value. Files, in-memory text, inline JSON
//! in env values and flags, and etcd's `.json` keys all read through here.

mod json;
pub(crate) mod parse;
pub(crate) mod scan;
mod toml;

pub(crate) use json::inline as inline_json;
pub use parse::{parse, parse_json_value, Format, MAX_DEPTH};
