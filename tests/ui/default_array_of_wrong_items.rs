use staid::Config;

#[derive(Config)]
struct App {
    #[config(default = [1, 2])]
    hosts: Option<Vec<String>>,
}

fn main() {
    let _ = App::builder().load();
}
