use staid::Config;

#[derive(Config)]
struct App {
    #[config(short = '-')]
    port: u16,
}

fn main() {
    let _ = App::builder().load();
}
