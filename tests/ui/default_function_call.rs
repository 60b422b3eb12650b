use staid::Config;

#[derive(Config)]
struct App {
    #[config(default = String::from("x"))]
    name: String,
}

fn main() {
    let _ = App::builder().load();
}
