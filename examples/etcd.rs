//! A service whose shared configuration lives in etcd, kept current as the
//! keys under its prefix change.
//!
//! ```text
//! etcd --data-dir /tmp/etcd-demo &        # or any etcd you can reach
//! cargo run --example etcd --features etcd,watch -- http://127.0.0.1:2379
//! ```
//!
//! Then, in another terminal:
//!
//! ```text
//! etcdctl put /etcd_demo/greeting hi
//! etcdctl put /etcd_demo/pool.json '{"size": 8, "hosts": ["db1", "db2"]}'
//! etcdctl put /etcd_demo/every nonsense     # rejected, the old value stays
//! ```
//!
//! Stop etcd and start it again: the program says it lost the watch, goes on
//! with the configuration it had, and catches up once etcd is back. Values
//! in `etcd_demo.toml` (optional) lie below etcd's, `ETCD_DEMO_*` variables
//! above them. Stop it with Ctrl-C.

use std::time::Duration;

use staid::source::Etcd;
use staid::{Config, Reload};

/// Says hello now and then, to the hosts of its pool.
#[derive(Config, Debug)]
#[config(name = "etcd_demo")]
struct App {
    /// What to say.
    #[config(default = "hello")]
    greeting: String,
    /// How often to say it.
    #[config(default = "2s")]
    every: Duration,
    #[config(nested)]
    pool: Pool,
}

/// Where to say it.
#[derive(Config, Debug)]
struct Pool {
    /// How many at once.
    #[config(default = 1)]
    size: u32,
    /// To whom.
    #[config(default = ["localhost"])]
    hosts: Vec<String>,
}

fn main() {
    let endpoint = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "http://127.0.0.1:2379".to_owned());
    let watch = App::builder()
        .optional_file("etcd_demo.toml")
        .source(Etcd::new([endpoint], "/etcd_demo/").timeout(Duration::from_secs(3)))
        .env()
        .watch()
        .unwrap_or_else(|error| error.exit_process());
    let watch = std::sync::Arc::new(watch);

    let worker = watch.clone();
    std::thread::spawn(move || loop {
        let app = worker.current();
        println!(
            "{} to {} ({} at once)",
            app.greeting,
            app.pool.hosts.join(", "),
            app.pool.size
        );
        std::thread::sleep(app.every);
    });

    for reload in watch.events().iter() {
        match reload {
            Reload::Updated { changed, .. } => println!("reloaded: {}", changed.join(", ")),
            Reload::Rejected { error } => eprintln!("kept the configuration:\n{error}"),
            _ => {}
        }
    }
}
