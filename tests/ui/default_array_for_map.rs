use std::collections::HashMap;

use staid::Config;

#[derive(Config)]
struct App {
    #[config(default = [])]
    labels: HashMap<String, String>,
}

fn main() {
    let _ = App::builder().load();
}
