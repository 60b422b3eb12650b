use staid::Config;

#[derive(Config)]
struct App<T> {
    value: T,
}

fn main() {}
