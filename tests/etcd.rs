//! The etcd layer against a real etcd server: each test starts its own
//! `etcd` on 127.0.0.1 with free ports and a temporary data directory, and
//! stops it when done.
//!
//! Without an `etcd` binary (Debian: `apt-get install etcd-server`; or set
//! `ETCD_BIN`), the tests say so and pass, except under CI (`CI` set), where
//! a missing etcd fails them. Waits are generous because the machine may be
//! loaded; nothing here asserts how long anything takes.

#![cfg(feature = "etcd")]

use std::fs;
use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use staid::source::Etcd;
use staid::{Config, Origin, ProblemKind};

/// Long enough for etcd to start, or a reload to arrive, on a loaded machine.
const WAIT: Duration = Duration::from_secs(30);

#[derive(Config, Debug)]
#[config(name = "myapp")]
struct App {
    #[config(default = 8080)]
    port: u16,
    #[config(default = "app")]
    name: String,
    #[config(default = "1s")]
    timeout: Duration,
    #[config(nested)]
    db: Db,
    tags: Option<Vec<String>>,
}

#[derive(Config, Debug)]
struct Db {
    #[config(default = "localhost")]
    host: String,
    #[config(default = 5432)]
    port: u16,
    #[config(default = 1)]
    pool: u32,
}

/// A real etcd server of one test.
struct Server {
    bin: PathBuf,
    dir: tempfile::TempDir,
    client_port: u16,
    peer_port: u16,
    child: Option<Child>,
    /// A client for the test's own puts and deletes.
    runtime: tokio::runtime::Runtime,
}

impl Server {
    /// Starts etcd, or returns `None` after saying why when there is no
    /// etcd binary outside CI. Under CI a missing binary fails the test.
    fn start() -> Option<Server> {
        let bin = PathBuf::from(std::env::var_os("ETCD_BIN").unwrap_or_else(|| "etcd".into()));
        let found = Command::new(&bin)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok();
        if !found {
            if std::env::var_os("CI").is_some() {
                panic!(
                    "etcd is missing: `{}` cannot be run, and CI must run the etcd tests \
                     (apt-get install etcd-server)",
                    bin.display()
                );
            }
            eprintln!(
                "etcd is missing (`{}` cannot be run): skipping this test. Install it \
                 (apt-get install etcd-server) or set ETCD_BIN to run it.",
                bin.display()
            );
            return None;
        }
        let mut server = Server {
            bin,
            dir: tempfile::tempdir().unwrap(),
            client_port: free_port(),
            peer_port: free_port(),
            child: None,
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
        };
        server.run();
        Some(server)
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.client_port)
    }

    /// Starts the process on the same ports and data, and waits until it
    /// answers.
    fn run(&mut self) {
        let peer = format!("http://127.0.0.1:{}", self.peer_port);
        let log = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join("etcd.log"))
            .unwrap();
        let child = Command::new(&self.bin)
            .args(["--name", "staid-test", "--data-dir"])
            .arg(self.dir.path().join("data"))
            .args(["--listen-client-urls", &self.endpoint()])
            .args(["--advertise-client-urls", &self.endpoint()])
            .args(["--listen-peer-urls", &peer])
            .args(["--initial-advertise-peer-urls", &peer])
            .args(["--initial-cluster", &format!("staid-test={peer}")])
            .args(["--logger", "zap", "--log-level", "error"])
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("etcd starts");
        self.child = Some(child);
        let start = Instant::now();
        while start.elapsed() < WAIT {
            if self.try_put("/health-check", "ok").is_ok() {
                return;
            }
            thread::sleep(Duration::from_millis(100));
        }
        panic!("etcd did not answer in {WAIT:?}; its log:\n{}", self.log());
    }

    /// Kills the process (as a crash would) and waits for it to end.
    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn log(&self) -> String {
        let mut text = String::new();
        if let Ok(mut f) = fs::File::open(self.dir.path().join("etcd.log")) {
            let _ = f.read_to_string(&mut text);
        }
        text
    }

    fn client(&self) -> Result<etcd_client::Client, etcd_client::Error> {
        let options = etcd_client::ConnectOptions::new()
            .with_connect_timeout(Duration::from_secs(2))
            .with_timeout(Duration::from_secs(5));
        self.runtime.block_on(etcd_client::Client::connect(
            [self.endpoint()],
            Some(options),
        ))
    }

    fn try_put(&self, key: &str, value: &str) -> Result<i64, String> {
        let mut client = self.client().map_err(|e| e.to_string())?;
        let put = client.put(key, value, None);
        match self
            .runtime
            .block_on(async { tokio::time::timeout(Duration::from_secs(5), put).await })
        {
            Ok(Ok(response)) => Ok(response.header().unwrap().revision()),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err("timed out".to_owned()),
        }
    }

    /// Puts a key and returns the revision it got.
    fn put(&self, key: &str, value: &str) -> i64 {
        self.try_put(key, value)
            .unwrap_or_else(|e| panic!("put {key}: {e}\netcd's log:\n{}", self.log()))
    }

    fn delete(&self, key: &str) {
        let mut client = self.client().unwrap();
        self.runtime.block_on(client.delete(key, None)).unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn remote(server: &Server, key: &str, revision: i64, text: bool) -> Origin {
    Origin::Remote {
        endpoint: server.endpoint(),
        key: key.to_owned(),
        revision,
        text,
    }
}

#[test]
fn loads_the_keys_under_the_prefix() {
    let Some(etcd) = Server::start() else { return };
    etcd.put("/myapp/port", "9000");
    etcd.put("/myapp/name", "123");
    etcd.put("/myapp/timeout", "1m30s");
    etcd.put("/myapp/db/host", "db1");
    etcd.put("/myapp/db.json", r#"{"port": 6432, "pool": 8}"#);
    etcd.put("/myapp/tags", r#"["a", "b"]"#);
    // Neither is under `/myapp/`.
    etcd.put("/myapp2/port", "1");
    etcd.put("/other/port", "2");

    let app = App::builder()
        .etcd([etcd.endpoint()], "/myapp")
        .load()
        .unwrap();
    assert_eq!(app.port, 9000);
    assert_eq!(app.name, "123", "text stays text for a String field");
    assert_eq!(app.timeout, Duration::from_secs(90));
    assert_eq!(app.db.host, "db1");
    assert_eq!(app.db.port, 6432);
    assert_eq!(app.db.pool, 8);
    assert_eq!(app.tags.unwrap(), ["a", "b"]);
}

#[test]
fn origins_name_endpoint_key_and_revision() {
    let Some(etcd) = Server::start() else { return };
    let port_rev = etcd.put("/myapp/port", "9000");
    let db_rev = etcd.put("/myapp/db.json", r#"{"host": "db1"}"#);
    etcd.put("/myapp/name", "second");
    let name_rev = etcd.put("/myapp/name", "third");

    let loaded = App::builder()
        .etcd([etcd.endpoint()], "/myapp/")
        .load_full()
        .unwrap();
    assert_eq!(
        loaded.origin("port"),
        Some(&remote(&etcd, "/myapp/port", port_rev, true))
    );
    assert_eq!(
        loaded.origin("db.host"),
        Some(&remote(&etcd, "/myapp/db.json", db_rev, false))
    );
    assert_eq!(
        loaded.origin("name"),
        Some(&remote(&etcd, "/myapp/name", name_rev, true)),
        "the revision is the key's last change"
    );
    assert_eq!(loaded.origin("db.port"), Some(&Origin::Default));
    let explain = loaded.explain().to_string();
    let line = format!("/myapp/port at {} (revision {port_rev})", etcd.endpoint());
    assert!(explain.contains(&line), "{explain}");
}

#[test]
fn its_place_in_the_stack_is_the_builders_order() {
    let Some(etcd) = Server::start() else { return };
    etcd.put("/myapp/port", "9000");
    etcd.put("/myapp/name", "from-etcd");
    etcd.put("/myapp/db/host", "etcd-db");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("myapp.toml");
    fs::write(
        &file,
        "port = 7000\nname = \"from-file\"\n[db]\nhost = \"file-db\"\npool = 3\n",
    )
    .unwrap();

    // file < etcd < env
    let app = App::builder()
        .file(&file)
        .etcd([etcd.endpoint()], "/myapp/")
        .env_from([("MYAPP_NAME", "from-env")])
        .load()
        .unwrap();
    assert_eq!(app.port, 9000);
    assert_eq!(app.name, "from-env");
    assert_eq!(app.db.host, "etcd-db");
    assert_eq!(app.db.pool, 3, "tables merge deeply");

    // etcd < file
    let app = App::builder()
        .etcd([etcd.endpoint()], "/myapp/")
        .file(&file)
        .load()
        .unwrap();
    assert_eq!(app.port, 7000);
    assert_eq!(app.name, "from-file");
    assert_eq!(app.db.host, "file-db");
}

#[test]
fn bad_values_and_keys_are_reported_together() {
    let Some(etcd) = Server::start() else { return };
    let port_rev = etcd.put("/myapp/port", "high");
    let db_rev = etcd.put("/myapp/db.json", r#"{"port": "6432"}"#);
    let typo_rev = etcd.put("/myapp/nmae", "x");

    let err = App::builder()
        .etcd([etcd.endpoint()], "/myapp/")
        .load()
        .unwrap_err();
    let ep = etcd.endpoint();
    assert_eq!(
        err.to_string(),
        format!(
            "3 problems in the configuration:\n\
             \n\
             error: `port`: expected an integer (u16), found \"high\"\n  \
             --> /myapp/port at {ep} (revision {port_rev})\n\
             \n\
             error: `db.port`: expected an integer (u16), found string \"6432\"\n  \
             --> /myapp/db.json at {ep} (revision {db_rev})\n\
             \n\
             error: `nmae`: unknown key\n  \
             --> /myapp/nmae at {ep} (revision {typo_rev})\n  \
             = help: did you mean `name`?"
        )
    );
}

#[test]
fn an_unreachable_etcd_is_a_load_error_naming_the_endpoint() {
    // A port where nothing listens.
    let port = free_port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let err = App::builder()
        .source(Etcd::new([endpoint.clone()], "/myapp/").timeout(Duration::from_secs(2)))
        .load()
        .unwrap_err();
    assert_eq!(err.len(), 1, "{err}");
    let problem = &err.problems()[0];
    assert_eq!(problem.kind(), ProblemKind::Source);
    let message = problem.message();
    let expected = format!("cannot read /myapp/ from etcd at {endpoint}: ");
    assert!(message.starts_with(&expected), "{message}");
    assert!(message.contains("onnection refused"), "{message}");
    eprintln!("{err}");
}

#[test]
fn timeouts_are_the_configured_ones() {
    // Accepts connections and never answers.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", silent.local_addr().unwrap());
    let held = thread::spawn(move || {
        let mut held: Vec<TcpStream> = Vec::new();
        for stream in silent.incoming().take(8).flatten() {
            held.push(stream);
        }
        held
    });
    let err = App::builder()
        .source(
            Etcd::new([endpoint.clone()], "/myapp/")
                .connect_timeout(Duration::from_millis(200))
                .timeout(Duration::from_millis(300)),
        )
        .load()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "error: cannot read /myapp/ from etcd at {endpoint}: no answer within 300ms\n  \
             = help: check that etcd is running and reachable from here; Etcd::timeout and \
             Etcd::connect_timeout set how long to wait"
        )
    );
    drop(held);
}
