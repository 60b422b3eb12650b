use staid::Config;

#[derive(Config)]
#[config(prefix = "APP")]
struct App {
    port: u16,
}

fn main() {
    let _ = App::builder().load();
}
