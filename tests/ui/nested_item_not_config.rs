use staid::Config;

#[derive(Config)]
struct App {
    #[config(nested)]
    routes: Vec<Route>,
}

struct Route {
    path: String,
}

fn main() {
    let _ = App::builder().load();
}
