use staid::Config;

#[derive(Config)]
#[config(tag = "kind")]
struct App {
    port: u16,
}

fn main() {
    let _ = App::builder().load();
}
