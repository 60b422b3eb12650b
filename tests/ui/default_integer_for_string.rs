use staid::Config;

#[derive(Config)]
struct App {
    #[config(default = 5)]
    name: String,
}

fn main() {
    let _ = App::builder().load();
}
