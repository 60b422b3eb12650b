use staid::Config;

#[derive(Config)]
struct App {
    #[config(merge = "append")]
    name: String,
}

fn main() {
    let _ = App::builder().load();
}
