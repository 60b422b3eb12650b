//! A nested struct takes no attribute that belongs to a value; each misuse
//! is reported, all in one build.
use staid::Config;

#[derive(Config)]
struct Db {
    host: String,
}

#[derive(Config)]
struct App {
    #[config(nested, default = "x")]
    with_default: Db,
    #[config(nested, env = "DB")]
    with_env: Db,
    #[config(nested, required)]
    required: Db,
}

fn main() {}
