use staid::Config;

#[derive(Config)]
struct App {
    tls: Option<Tls>,
    routes: Vec<Tls>,
}

#[derive(Config)]
struct Tls {
    cert: String,
}

#[derive(Config)]
struct Wrapped {
    #[config(nested)]
    boxed: Box<Tls>,
    #[config(nested)]
    lists: Option<Vec<Tls>>,
}

#[derive(Config)]
enum Never {}

fn main() {
    let _ = App::builder().load();
    let _ = Wrapped::builder().load();
}
