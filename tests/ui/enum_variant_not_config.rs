use staid::Config;

#[derive(Config)]
enum Storage {
    Memory,
    S3(String),
}

fn main() {
    let _ = Storage::builder().load();
}
