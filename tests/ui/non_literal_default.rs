use staid::Config;

const PORT: u16 = 8080;

#[derive(Config)]
struct App {
    #[config(default = PORT)]
    port: u16,
}

fn main() {
    let _ = App::builder().load();
}
