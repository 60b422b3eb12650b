//! A long-running program that keeps its configuration current.
//!
//! ```text
//! cargo run --example hot_reload --features watch -- hot_reload.toml
//! ```
//!
//! Then, in another terminal, edit the file (any editor, any way of saving),
//! or change something only the environment would see and send SIGHUP:
//!
//! ```text
//! echo 'greeting = "hi"' >> hot_reload.toml
//! kill -HUP <pid>
//! ```
//!
//! Each reload that changes something prints one line per changed key, old
//! and new value with their origins, and which changes take a restart
//! (`threads`); a SIGHUP that changes nothing prints so; a file that does
//! not load prints every problem and the program goes on with the
//! configuration it had. Stop it with Ctrl-C.

use std::path::PathBuf;
use std::time::Duration;

use staid::{Config, Reload};

/// Says hello now and then.
#[derive(Config, Debug)]
#[config(name = "hot_reload")]
struct App {
    /// Threads for the greetings: read once, at start.
    #[config(default = 1, restart)]
    threads: u16,
    /// What to say.
    #[config(default = "hello")]
    greeting: String,
    /// How often to say it.
    #[config(default = "2s")]
    every: Duration,
    /// Who to say it to.
    #[config(default = ["world"])]
    names: Vec<String>,
    /// Never printed by staid.
    #[config(secret)]
    token: Option<String>,
}

fn main() {
    let path = std::env::args_os()
        .nth(1)
        .map_or_else(|| PathBuf::from("hot_reload.toml"), PathBuf::from);
    let watch = App::builder()
        .optional_file(&path)
        .env()
        .watch()
        .unwrap_or_else(|error| error.exit_process());
    let watch = std::sync::Arc::new(watch);
    let threads = watch.current().threads;
    println!(
        "pid {}: edit {} or run `kill -HUP {}`",
        std::process::id(),
        path.display(),
        std::process::id()
    );

    // The work: reads the current configuration each time round, without a
    // lock, so a reload takes effect on the next greeting.
    let worker = watch.clone();
    std::thread::spawn(move || loop {
        let app = worker.current();
        let signed = if app.token.is_some() { " (signed)" } else { "" };
        for name in &app.names {
            println!("{}, {name}!{signed}", app.greeting);
        }
        std::thread::sleep(app.every);
    });

    // The reloads, as they come: one line per changed key, old and new
    // value with where each was set (the token masked).
    for reload in watch.events().iter() {
        match reload {
            Reload::Updated {
                changes,
                restart_required,
                warnings,
                ..
            } => {
                println!("reloaded:");
                for change in &changes {
                    println!("  {change}");
                }
                if !restart_required.is_empty() {
                    println!(
                        "  restart to apply: {} (still running with {} threads)",
                        restart_required.join(", "),
                        threads
                    );
                }
                for warning in &warnings {
                    eprintln!("warning: {warning}");
                }
            }
            Reload::Rejected { error } => {
                eprintln!("kept the previous configuration:\n{error}");
            }
            Reload::Unchanged { warnings, .. } => {
                println!("reloaded, nothing changed");
                for warning in &warnings {
                    eprintln!("warning: {warning}");
                }
            }
            _ => {}
        }
    }
}
