//! The committed fuzz corpus (`fuzz/corpus/<target>/`), replayed through the
//! fuzz targets' own entry points on stable Rust, so that every input the
//! fuzzers found interesting keeps being run by `cargo test`.

#[path = "../fuzz/src/lib.rs"]
mod entry;

use std::path::Path;

fn replay(target: &str, run: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut inputs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty(), "no corpus in {}", dir.display());
    for input in inputs {
        let data = std::fs::read(&input).unwrap();
        // A panic names the input that caused it.
        let result = std::panic::catch_unwind(|| run(&data));
        assert!(result.is_ok(), "{target}: {} panicked", input.display());
    }
}

#[test]
fn toml_corpus() {
    replay("toml", entry::toml);
}

#[test]
fn json_corpus() {
    replay("json", entry::json);
}

#[test]
fn env_corpus() {
    replay("env", entry::env);
}

#[test]
fn args_corpus() {
    replay("args", entry::args);
}

#[test]
fn typed_build_corpus() {
    replay("typed_build", entry::typed_build);
}
