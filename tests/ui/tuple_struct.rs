use staid::Config;

#[derive(Config)]
struct App(u16, String);

fn main() {
    let _ = App::builder().load();
}
