use staid::Config;

#[derive(Config)]
struct App {
    #[config(merge = "append")]
    name: String,
    #[config(default_with = base_tags, merge = "append")]
    tags: Vec<String>,
}

fn base_tags() -> Vec<String> {
    vec!["base".to_owned()]
}

fn main() {
    let _ = App::builder().load();
}
