use staid::Config;

#[derive(Config)]
struct Token {
    kind: String,
}

#[derive(Config)]
enum Auth {
    None,
    Token(Token),
}

#[derive(Config)]
struct X {
    x: u8,
}

#[derive(Config)]
#[config(tag = "sub")]
enum Inner {
    X(X),
    Y,
}

#[derive(Config)]
enum Outer {
    A(Inner),
    B,
}

fn main() {
    let _ = Auth::builder().load();
    let _ = Outer::builder().load();
}
