//! Writes `core/src/source/etcd/proto/etcdserverpb.rs` from `etcd.proto` beside
//! it, or with `--check`, fails if the file differs from what it would
//! write. Needs `protoc` (`$PROTOC`, or on `PATH`).
//!
//! ```sh
//! cargo run --manifest-path tools/etcd-proto/Cargo.toml            # write
//! cargo run --manifest-path tools/etcd-proto/Cargo.toml -- --check # compare
//! ```

use std::path::{Path, PathBuf};
use std::process::ExitCode;

const HEADER: &str = "\
// @generated from etcd.proto by tools/etcd-proto; do not edit. To regenerate
// (needs protoc): cargo run --manifest-path tools/etcd-proto/Cargo.toml

";

fn main() -> ExitCode {
    let check = std::env::args().skip(1).any(|a| a == "--check");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../core/src/source/etcd/proto");
    let target = dir.join("etcdserverpb.rs");
    let code = match generate(&dir) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("etcd-proto: cannot generate the code: {e}");
            return ExitCode::FAILURE;
        }
    };
    if check {
        let current = std::fs::read_to_string(&target).unwrap_or_default();
        if current != code {
            eprintln!(
                "etcd-proto: {} is not what etcd.proto generates; run \
                 `cargo run --manifest-path tools/etcd-proto/Cargo.toml` and commit the result",
                target.display()
            );
            return ExitCode::FAILURE;
        }
        println!("etcd-proto: {} is up to date", target.display());
        return ExitCode::SUCCESS;
    }
    if let Err(e) = std::fs::write(&target, code) {
        eprintln!("etcd-proto: cannot write {}: {e}", target.display());
        return ExitCode::FAILURE;
    }
    println!("etcd-proto: wrote {}", target.display());
    ExitCode::SUCCESS
}

/// The generated module, header included.
fn generate(dir: &Path) -> std::io::Result<String> {
    let out: PathBuf = std::env::temp_dir().join(format!("etcd-proto-{}", std::process::id()));
    std::fs::create_dir_all(&out)?;
    let result = prost_build::Config::new()
        .out_dir(&out)
        .compile_protos(&[dir.join("etcd.proto")], &[dir])
        .and_then(|()| std::fs::read_to_string(out.join("etcdserverpb.rs")));
    let _ = std::fs::remove_dir_all(&out);
    Ok(format!("{HEADER}{}", result?))
}
