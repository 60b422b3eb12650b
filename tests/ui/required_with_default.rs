use staid::Config;

#[derive(Config)]
struct App {
    #[config(required, default = 8080)]
    port: u16,
}

fn main() {
    let _ = App::builder().load();
}
