//! The typed build: generated `Config::__build` code calls into `Ctx` for each
//! field, and `Ctx` collects every problem instead of stopping at the first.

mod ctx;
mod sections;
mod unknown;

pub use ctx::{leaf_item, Build, Ctx, Leaf};
