use staid::Config;

#[derive(Config)]
struct App {
    #[config(default = 1)]
    #[config(env = "PORT", default = 2)]
    port: u16,
}

fn main() {
    let _ = App::builder().load();
}
