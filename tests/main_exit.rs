//! What `App::load()` does for `main` when the command line asks for a
//! check: the process itself prints and exits, with status 0 for a good
//! configuration and 2 for a bad one. Run as a program of its own (no test
//! harness): it runs itself as the child that calls `App::load()`.

use std::process::Command;

use staid::Config;

#[derive(Config, Debug)]
#[config(name = "exitapp")]
#[allow(dead_code)] // loaded only to be checked
struct App {
    #[config(default = 8080)]
    port: u16,
}

fn main() {
    if std::env::var_os("EXITAPP_AS_MAIN").is_some() {
        // The child: a `main` as an application writes it.
        let app = App::load();
        println!("loaded: {app:?}");
        return;
    }
    let run = |port: &str| {
        Command::new(std::env::current_exe().unwrap())
            .arg("--check-config")
            .env("EXITAPP_AS_MAIN", "1")
            .env("EXITAPP_PORT", port)
            .output()
            .unwrap()
    };

    // `--print-config` prints the listing on stdout and the load's
    // warnings on stderr, as a plain run would.
    let printed = Command::new(std::env::current_exe().unwrap())
        .arg("--print-config")
        .env("EXITAPP_AS_MAIN", "1")
        .env("EXITAPP_PROT", "1")
        .output()
        .unwrap();
    assert_eq!(printed.status.code(), Some(0), "{printed:?}");
    assert!(String::from_utf8_lossy(&printed.stdout).starts_with("port = 8080"));
    let stderr = String::from_utf8_lossy(&printed.stderr);
    assert!(
        stderr.contains("warning: unknown environment variable EXITAPP_PROT"),
        "{stderr}"
    );

    // A reader that closed its end (`myapp --help | head -1`) ends the
    // output, not the process with a panic.
    let mut child = Command::new(std::env::current_exe().unwrap())
        .arg("--help")
        .env("EXITAPP_AS_MAIN", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let closed = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&closed.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(closed.status.code(), Some(0), "{closed:?}");

    // A stdout that cannot take the listing (a full disk) is an error, not
    // an empty file and success.
    if let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") {
        let failed = Command::new(std::env::current_exe().unwrap())
            .arg("--print-config=toml")
            .env("EXITAPP_AS_MAIN", "1")
            .stdout(full)
            .output()
            .unwrap();
        assert_eq!(failed.status.code(), Some(1), "{failed:?}");
        let stderr = String::from_utf8_lossy(&failed.stderr);
        assert!(stderr.contains("cannot write to stdout"), "{stderr}");
    }

    let good = run("9000");
    assert_eq!(good.status.code(), Some(0), "{good:?}");
    let stdout = String::from_utf8_lossy(&good.stdout);
    assert!(stdout.starts_with("configuration OK"), "{stdout}");

    let bad = run("high");
    assert_eq!(bad.status.code(), Some(2), "{bad:?}");
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(stderr.contains("`port`"), "{stderr}");
    assert!(stderr.contains("EXITAPP_PORT"), "{stderr}");
    assert!(!String::from_utf8_lossy(&bad.stdout).contains("loaded"));
    println!(
        "main_exit: --check-config exits 0 when good and 2 when bad; --print-config \
         warns on stderr; a closed stdout is no panic"
    );
}
