use staid::Config;

#[derive(Config)]
struct App {
    #[config(required)]
    token: Option<String>,
}

fn main() {
    let _ = App::builder().load();
}
