use staid::Config;

#[derive(Config)]
struct App {
    #[config(skip, default = 1)]
    cache: u32,
}

fn main() {
    let _ = App::builder().load();
}
