//! A schema loaded from one TOML or JSON text, one environment or one
//! command line, over its defaults: the configuration it builds, the error
//! it gives when it must fail, or what `--print-config` prints.

#![allow(dead_code)]

use std::fmt::Debug;
use std::sync::Arc;

use staid::{Config, Error, Loaded};

/// `C` loaded from the TOML text `text`.
pub fn toml<C: Config>(text: impl Into<Arc<str>>) -> C {
    C::builder().toml_str(text).load().unwrap()
}

/// `C` loaded from the JSON text `text`.
pub fn json<C: Config>(text: impl Into<Arc<str>>) -> C {
    C::builder().json_str(text).load().unwrap()
}

/// `C` loaded with `vars` as its environment.
pub fn env<C: Config>(vars: impl IntoIterator<Item = (impl Into<String>, impl Into<String>)>) -> C {
    C::builder().env_from(vars).load().unwrap()
}

/// The error of loading `C` from the TOML text `text`.
pub fn toml_error<C: Config + Debug>(text: impl Into<Arc<str>>) -> Error {
    C::builder().toml_str(text).load().unwrap_err()
}

/// The error of loading `C` from the JSON text `text`.
pub fn json_error<C: Config + Debug>(text: impl Into<Arc<str>>) -> Error {
    C::builder().json_str(text).load().unwrap_err()
}

/// The error of loading `C` with `vars` as its environment.
pub fn env_error<C: Config + Debug>(
    vars: impl IntoIterator<Item = (impl Into<String>, impl Into<String>)>,
) -> Error {
    C::builder().env_from(vars).load().unwrap_err()
}

/// `C` loaded from the TOML text `text`, with its origins and warnings.
pub fn toml_loaded<C: Config>(text: impl Into<Arc<str>>) -> Loaded<C> {
    C::builder().toml_str(text).load_full().unwrap()
}

/// `C` loaded from the JSON text `text`, with its origins and warnings.
pub fn json_loaded<C: Config>(text: impl Into<Arc<str>>) -> Loaded<C> {
    C::builder().json_str(text).load_full().unwrap()
}

/// `C` loaded with `vars` as its environment, with its origins and
/// warnings.
pub fn env_loaded<C: Config>(
    vars: impl IntoIterator<Item = (impl Into<String>, impl Into<String>)>,
) -> Loaded<C> {
    C::builder().env_from(vars).load_full().unwrap()
}

/// `C` loaded from the command line `args` (the program's name first).
#[cfg(feature = "cli")]
pub fn args<C: Config>(args: impl IntoIterator<Item = impl Into<std::ffi::OsString>>) -> C {
    C::builder().args(args).load().unwrap()
}

/// The error of loading `C` from the command line `args`.
#[cfg(feature = "cli")]
pub fn args_error<C: Config + Debug>(
    args: impl IntoIterator<Item = impl Into<std::ffi::OsString>>,
) -> Error {
    C::builder().args(args).load().unwrap_err()
}

/// What `--print-config` prints for the load of `builder`, which must end
/// in it.
#[cfg(feature = "cli")]
pub fn printed_config<C: Config + Debug>(builder: staid::Builder<C>) -> String {
    let err = builder.load().unwrap_err();
    match err.as_exit() {
        Some(staid::Exit::PrintConfig(text)) => text.clone(),
        _ => panic!("not --print-config: {err}"),
    }
}
