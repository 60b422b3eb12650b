use staid::Config;

#[derive(Config)]
struct App {
    #[config(default, default_with = eight)]
    workers: u32,
}

fn eight() -> u32 {
    8
}

fn main() {
    let _ = App::builder().load();
}
