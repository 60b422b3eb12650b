//! TOML files, built into a [`Value`](crate::value::Value) tree straight from
//! `toml_parser`'s events, in one pass, with every value's line and column.

mod document;
mod position;
mod scalar;
mod tables;
#[cfg(test)]
mod tests;

pub(crate) use document::{more_syntax_errors, parse, MAX_SYNTAX_ERRORS};
