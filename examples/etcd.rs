//! A service whose shared configuration lives in etcd, kept current as the
//! keys under its prefix change.
//!
//! ```text
//! etcd --data-dir /tmp/etcd-demo &        # or any etcd you can reach
//! cargo run --example etcd --features etcd,watch -- http://127.0.0.1:2379
//! ```
//!
//! Give every member of a cluster (`-- http://10.0.0.1:2379
//! http://10.0.0.2:2379 http://10.0.0.3:2379`): with one of them down the
//! program goes on as if nothing happened.
//!
//! Then, in another terminal:
//!
//! ```text
//! etcdctl put /etcd_demo/greeting hi
//! etcdctl put /etcd_demo/pool.json '{"size": 8, "hosts": ["db1", "db2"]}'
//! etcdctl put /etcd_demo/every nonsense     # rejected, the old value stays
//! ```
//!
//! Stop etcd (or a majority of the cluster) and start it again: the program
//! says it lost the watch, goes on with the configuration it had, and
//! catches up once etcd is back. Values
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
    let mut endpoints: Vec<String> = std::env::args().skip(1).collect();
    if endpoints.is_empty() {
        endpoints.push("http://127.0.0.1:2379".to_owned());
    }
    let watch = App::builder()
        .optional_file("etcd_demo.toml")
        .source(Etcd::new(endpoints, "/etcd_demo/").timeout(Duration::from_secs(3)))
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
            Reload::Updated {
                changed, warnings, ..
            } => {
                println!("reloaded: {}", changed.join(", "));
                for warning in warnings {
                    eprintln!("{warning}");
                }
            }
            Reload::Rejected { error } => eprintln!("kept the configuration:\n{error}"),
            _ => {}
        }
    }
}
