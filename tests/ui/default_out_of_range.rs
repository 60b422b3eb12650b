use staid::Config;

#[derive(Config)]
struct App {
    #[config(default = 70000)]
    port: u16,
    #[config(default = [1, -2])]
    masks: Vec<u8>,
    #[config(default = 300)]
    level: Option<i8>,
}

fn main() {
    let _ = App::builder().load();
}
