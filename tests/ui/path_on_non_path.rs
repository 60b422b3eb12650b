use staid::Config;

#[derive(Config)]
struct App {
    #[config(path)]
    cert: String,
}

fn main() {
    let _ = App::builder().load();
}
