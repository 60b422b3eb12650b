use staid::Config;

#[derive(Config)]
#[config(name = "")]
struct App {
    port: u16,
}

fn main() {
    let _ = App::builder().load();
}
