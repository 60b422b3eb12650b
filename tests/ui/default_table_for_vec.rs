use staid::Config;

#[derive(Config)]
struct App {
    #[config(default = {})]
    tags: Vec<String>,
}

fn main() {
    let _ = App::builder().load();
}
