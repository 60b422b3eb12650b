//! Failing on 100 KB of garbage: how long staid takes to read a file that is
//! nothing but errors and give up, against `toml` and `serde_json`, which
//! stop at the first error. staid reports up to 100 syntax errors a file and
//! counts the rest, so its cost stays that of one pass over the text.
//!
//! Five files: `=\n` repeated (three syntax errors a line, ~150,000 in
//! all), one line of 100 KB of `=`, a JSON object with the same key 10,000
//! times (a problem for each repeat), minified JSON with 9,410 unknown
//! keys on its one line (every one reported: the report must stay linear
//! when its problems share a line), and printable noise.
//!
//! Run with `cargo bench --bench errors`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use staid::Config;

#[path = "../tests/support/rng.rs"]
mod rng;
mod workloads;

use rng::Rng;

const SIZE: usize = 100 * 1024;

#[derive(Config, Debug)]
#[allow(dead_code)] // only ever loaded to fail
struct App {
    #[config(default = 1)]
    a: u32,
}

fn lines_of_equals() -> String {
    "=\n".repeat(SIZE / 2)
}

fn one_line_of_equals() -> String {
    "=".repeat(SIZE)
}

fn duplicate_keys() -> String {
    let mut text = String::from("{");
    while text.len() < SIZE {
        text.push_str("\"a\": 1, ");
    }
    text + "\"a\": 1}"
}

/// `{"k0": 1,"k1": 1,..}` on one line: each key unknown.
fn one_line_of_unknown_keys() -> String {
    let mut text = String::from("{");
    let mut i = 0;
    while text.len() < SIZE {
        text.push_str(&format!("\"k{i}\": 1,"));
        i += 1;
    }
    text + "\"a\": 1}"
}

/// Printable ASCII and line breaks from a fixed-seed xorshift.
fn noise() -> String {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    (0..SIZE)
        .map(|_| match rng.next() % 97 {
            95 | 96 => '\n',
            n => char::from(b' ' + n as u8),
        })
        .collect()
}

fn toml_garbage(c: &mut Criterion, name: &str, text: &str) {
    assert!(toml::from_str::<toml::Table>(text).is_err());
    let toml = |text: &str| toml::from_str::<toml::Table>(text).unwrap_err();
    garbage(
        c,
        name,
        text,
        |text| App::builder().toml_str(text),
        ("toml (first error)", toml),
    );
}

fn json_garbage(c: &mut Criterion, name: &str, text: &str) {
    // serde_json takes the last of the repeated keys: the floor of one pass.
    let serde_json = |text: &str| serde_json::from_str::<serde_json::Value>(text).ok();
    garbage(
        c,
        name,
        text,
        |text| App::builder().json_str(text),
        ("serde_json (one pass)", serde_json),
    );
}

/// A group `name` over `text`: staid failing to load the builder that
/// `builder` makes of it, and the other parser, under its label.
fn garbage<R>(
    c: &mut Criterion,
    name: &str,
    text: &str,
    builder: impl Fn(&str) -> staid::Builder<App>,
    (label, other): (&str, impl Fn(&str) -> R),
) {
    let mut group = c.benchmark_group(name);
    group.throughput(criterion::Throughput::Bytes(text.len() as u64));
    group.bench_function("staid", |b| {
        b.iter(|| builder(black_box(text)).load().unwrap_err())
    });
    group.bench_function(label, |b| b.iter(|| other(black_box(text))));
    group.finish();
}

fn benches(c: &mut Criterion) {
    toml_garbage(c, "toml_lines_of_equals", &lines_of_equals());
    toml_garbage(c, "toml_one_line_of_equals", &one_line_of_equals());
    toml_garbage(c, "toml_noise", &noise());
    json_garbage(c, "json_duplicate_keys", &duplicate_keys());
    json_garbage(c, "json_one_line_unknown_keys", &one_line_of_unknown_keys());
    json_garbage(c, "json_noise", &noise());
}

criterion_group! {
    name = errors;
    config = workloads::settings(20);
    targets = benches
}
criterion_main!(errors);
