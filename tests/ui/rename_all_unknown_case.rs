use staid::Config;

#[derive(Config)]
#[config(rename_all = "kebabcase")]
struct App {
    max_connections: u32,
}

fn main() {
    let _ = App::builder().load();
}
