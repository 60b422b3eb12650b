use staid::Config;

#[derive(Config)]
#[serde(rename_all = "kebab-case")]
struct App {
    #[serde(default)]
    max_connections: u32,
}

fn main() {
    let _ = App::builder().load();
}
