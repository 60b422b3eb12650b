//! Loads that must fail: a schema built from one TOML or JSON text alone,
//! and the error it gives, for the tests that compare what a user sees.

#![allow(dead_code)]

use std::fmt::Debug;
use std::sync::Arc;

use staid::{Config, Error};

/// The error of loading `C` from the TOML text `text` (over its defaults).
pub fn toml_error<C: Config + Debug>(text: impl Into<Arc<str>>) -> Error {
    C::builder().toml_str(text).load().unwrap_err()
}

/// The error of loading `C` from the JSON text `text` (over its defaults).
pub fn json_error<C: Config + Debug>(text: impl Into<Arc<str>>) -> Error {
    C::builder().json_str(text).load().unwrap_err()
}

/// The error of loading `C` with `vars` as its environment.
pub fn env_error<C: Config + Debug>(
    vars: impl IntoIterator<Item = (impl Into<String>, impl Into<String>)>,
) -> Error {
    C::builder().env_from(vars).load().unwrap_err()
}
