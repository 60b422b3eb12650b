use staid::Config;

#[derive(Config)]
struct App {
    #[config(defualt = 8080)]
    port: u16,
}

fn main() {
    let _ = App::builder().load();
}
