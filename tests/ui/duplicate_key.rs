use staid::Config;

#[derive(Config)]
struct App {
    port: u16,
    #[config(rename = "port")]
    other_port: u16,
}

fn main() {
    let _ = App::builder().load();
}
