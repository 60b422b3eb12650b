use staid::Config;

#[derive(Config)]
struct App {
    #[config(nested, env = "DB")]
    db: Db,
}

#[derive(Config)]
struct Db {
    host: String,
}

fn main() {
    let _ = App::builder().load();
}
