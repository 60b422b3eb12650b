use staid::Config;

#[derive(Config)]
struct App {
    #[config(default = "8080")]
    port: u16,
}

fn main() {
    let _ = App::builder().load();
}
