use staid::Config;

#[derive(Config)]
struct App {
    #[config(env = "PORT=1")]
    port: u16,
}

fn main() {
    let _ = App::builder().load();
}
