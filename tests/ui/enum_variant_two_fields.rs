use staid::Config;

#[derive(Config)]
enum Storage {
    Memory,
    S3(Bucket, Region),
}

#[derive(Config)]
struct Bucket {
    name: String,
}

#[derive(Config)]
struct Region {
    name: String,
}

fn main() {
    let _ = Storage::builder().load();
}
