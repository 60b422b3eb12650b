use std::collections::HashMap;

use staid::Config;

#[derive(Config)]
struct App {
    #[config(nested)]
    shards: HashMap<u32, Shard>,
}

#[derive(Config)]
struct Shard {
    url: String,
}

fn main() {
    let _ = App::builder().load();
}
