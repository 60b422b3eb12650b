//! Lua scripts as layers, run in a sandbox (feature `lua`).

mod convert;
mod layer;
mod lines;
mod meter;
mod parse_guard;
mod pattern;
mod prelude;
mod report;
mod sandbox;
mod worker;

pub(crate) use layer::load_text;
pub use layer::{HostValue, Lua};
