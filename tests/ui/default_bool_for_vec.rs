use staid::Config;

#[derive(Config)]
struct App {
    #[config(default = true)]
    hosts: Vec<String>,
}

fn main() {
    let _ = App::builder().load();
}
