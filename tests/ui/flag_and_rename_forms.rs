//! A flag is named without its dashes; a key is one level, without `.`.
use staid::Config;

#[derive(Config)]
struct App {
    #[config(flag = "--port")]
    port: Option<u16>,
    #[config(flag = "")]
    empty_flag: Option<u16>,
    #[config(flag = "two words")]
    spaced: Option<u16>,
    #[config(rename = "a.b")]
    dotted: Option<u16>,
    #[config(rename = "")]
    empty_key: Option<u16>,
}

fn main() {}
