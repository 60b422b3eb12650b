//! A `Duration` default that does not read as one, and a flag, short or
//! variable given to two fields, are mistakes of the attributes.
use std::time::Duration;

use staid::Config;

#[derive(Config)]
struct App {
    #[config(default = "5 parsecs")]
    timeout: Duration,
    #[config(flag = "listen", short = 'l', env = "APP_LISTEN")]
    port: Option<u16>,
    #[config(flag = "listen", short = 'l', env = "APP_LISTEN")]
    other: Option<u16>,
}

fn main() {}
