//! Real etcd servers for the etcd tests: one member or a cluster of three,
//! each member an `etcd` process on 127.0.0.1 with ports of its own and a
//! temporary data directory, killed when the test ends (passing or not).
//! The tests' own writes go through `etcdctl`.
//!
//! Without an `etcd` binary (Debian: `apt-get install etcd-server
//! etcd-client`; or set `ETCD_BIN` and `ETCDCTL_BIN`), [`Cluster::start`]
//! says so and returns `None`, so the test passes, except under CI (`CI`
//! set), where a missing etcd fails it. Waits are generous because the
//! machine may be loaded.
//!
//! Also the schema that the etcd tests load, from keys under `/myapp/`.

#![allow(dead_code)]

use std::ffi::OsString;
use std::fs;
use std::io::Read;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use staid::Config;

/// The application of the etcd tests: scalars, a duration, a list and a
/// nested table, each with a key of its own under `/myapp/`.
#[derive(Config, Debug)]
#[config(name = "myapp")]
pub struct App {
    #[config(default = 8080)]
    pub port: u16,
    #[config(default = "app")]
    pub name: String,
    #[config(default = "1s")]
    pub timeout: Duration,
    #[config(nested)]
    pub db: Db,
    pub tags: Option<Vec<String>>,
}

#[derive(Config, Debug)]
pub struct Db {
    #[config(default = "localhost")]
    pub host: String,
    #[config(default = 5432)]
    pub port: u16,
    #[config(default = 1)]
    pub pool: u32,
}

/// The error of a load from etcd holding `/myapp/db.json` = `{"pool": }`
/// and `/myapp/port` = `high` (put at `port_rev`): both problems at once.
pub fn broken_db_and_bad_port(endpoint: &str, port_rev: i64) -> String {
    format!(
        "2 problems in the configuration:\n\
         \n\
         error: `db`: invalid JSON: missing value after `:`\n  \
         --> /myapp/db.json:1:10\n   \
         |\n \
         1 | {{\"pool\": }}\n   \
         |          ^\n\
         \n\
         error: `port`: expected an integer (u16), found \"high\"\n  \
         --> /myapp/port at etcd {endpoint} (revision {port_rev})"
    )
}

/// Long enough for etcd to start, or a reload to arrive, on a loaded machine.
pub const WAIT: Duration = Duration::from_secs(30);

/// A cluster of etcd processes, each member with its own ports and data.
pub struct Cluster {
    members: Vec<Member>,
    etcdctl: OsString,
    tls: Option<Tls>,
    /// `root:password` once authentication is on.
    user: std::sync::Mutex<Option<String>>,
    _dir: tempfile::TempDir,
}

/// A CA, and a certificate signed by it for 127.0.0.1 and `localhost`
/// that serves both as the members' and as the client's.
pub struct Tls {
    dir: PathBuf,
    /// PEM texts.
    pub ca: Vec<u8>,
    pub cert: Vec<u8>,
    pub key: Vec<u8>,
}

impl Tls {
    fn path(&self, name: &str) -> String {
        self.dir.join(name).to_string_lossy().into_owned()
    }

    /// Makes the files with `openssl` in `dir`, or returns `None` after
    /// saying why it cannot (a panic under CI).
    fn make(dir: &std::path::Path) -> Option<Tls> {
        let openssl = |args: &[&str]| {
            Command::new("openssl")
                .args(args)
                .current_dir(dir)
                .stdin(Stdio::null())
                .output()
        };
        if openssl(&["version"]).is_err() {
            if std::env::var_os("CI").is_some() {
                panic!("openssl is missing, and CI must run the etcd TLS tests");
            }
            eprintln!("openssl is missing: skipping this test.");
            return None;
        }
        fs::write(
            dir.join("ext.cnf"),
            "subjectAltName=IP:127.0.0.1,DNS:localhost\n\
             extendedKeyUsage=serverAuth,clientAuth\n",
        )
        .unwrap();
        let ec = [
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
        ];
        let steps: [Vec<&str>; 3] = [
            [
                &["req", "-x509"][..],
                &ec,
                &["-keyout", "ca.key", "-out", "ca.pem"],
            ]
            .concat(),
            [
                &["req"][..],
                &ec,
                &["-keyout", "member.key", "-out", "member.csr"],
            ]
            .concat(),
            vec![
                "x509",
                "-req",
                "-in",
                "member.csr",
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                "member.pem",
                "-days",
                "2",
                "-extfile",
                "ext.cnf",
            ],
        ];
        for (i, step) in steps.iter().enumerate() {
            let mut args = step.clone();
            if i < 2 {
                args.extend(["-days", "2", "-subj"]);
                args.push(if i == 0 {
                    "/CN=staid test CA"
                } else {
                    "/CN=root"
                });
            }
            let out = openssl(&args).unwrap();
            assert!(
                out.status.success(),
                "openssl {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let read = |name: &str| fs::read(dir.join(name)).unwrap();
        Some(Tls {
            dir: dir.to_owned(),
            ca: read("ca.pem"),
            cert: read("member.pem"),
            key: read("member.key"),
        })
    }
}

struct Member {
    bin: OsString,
    args: Vec<OsString>,
    log: PathBuf,
    client_port: u16,
    child: Option<Child>,
}

/// The etcd binaries, or `None` after saying why they are missing (a
/// panic under CI).
fn binaries() -> Option<(OsString, OsString)> {
    let bin = std::env::var_os("ETCD_BIN").unwrap_or_else(|| "etcd".into());
    let ctl = std::env::var_os("ETCDCTL_BIN").unwrap_or_else(|| "etcdctl".into());
    let runs = |program: &OsString| {
        Command::new(program)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok()
    };
    let missing: Vec<String> = [&bin, &ctl]
        .into_iter()
        .filter(|program| !runs(program))
        .map(|program| format!("`{}`", program.to_string_lossy()))
        .collect();
    if missing.is_empty() {
        return Some((bin, ctl));
    }
    let missing = missing.join(" and ");
    if std::env::var_os("CI").is_some() {
        panic!(
            "etcd is missing: {missing} cannot be run, and CI must run the etcd tests \
             (apt-get install etcd-server etcd-client)"
        );
    }
    eprintln!(
        "etcd is missing ({missing} cannot be run): skipping this test. Install it \
         (apt-get install etcd-server etcd-client) or set ETCD_BIN and ETCDCTL_BIN to run it."
    );
    None
}

impl Cluster {
    /// Starts a cluster of `size` members and waits until each answers, or
    /// returns `None` when there is no etcd outside CI.
    pub fn start(size: usize) -> Option<Cluster> {
        Cluster::start_with(size, false, &[])
    }

    /// [`Cluster::start`], then puts `keys` (key and value).
    pub fn start_holding(size: usize, keys: &[(&str, &str)]) -> Option<Cluster> {
        let cluster = Cluster::start(size)?;
        for (key, value) in keys {
            cluster.put(key, value);
        }
        Some(cluster)
    }

    /// A cluster whose members get these flags besides the usual ones.
    pub fn start_with_flags(size: usize, flags: &[&str]) -> Option<Cluster> {
        Cluster::start_with(size, false, flags)
    }

    /// One member that serves clients over TLS only and wants their
    /// certificate (`--client-cert-auth`): see [`Cluster::tls`].
    pub fn start_tls() -> Option<Cluster> {
        Cluster::start_with(1, true, &[])
    }

    /// The certificates of a cluster started with [`Cluster::start_tls`].
    pub fn tls(&self) -> &Tls {
        self.tls.as_ref().expect("a cluster with TLS")
    }

    fn start_with(size: usize, tls: bool, flags: &[&str]) -> Option<Cluster> {
        let (bin, etcdctl) = binaries()?;
        let dir = tempfile::tempdir().unwrap();
        let tls = match tls {
            true => Some(Tls::make(dir.path())?),
            false => None,
        };
        let scheme = if tls.is_some() { "https" } else { "http" };
        let ports: Vec<(u16, u16)> = (0..size).map(|_| (free_port(), free_port())).collect();
        let peer = |port: u16| format!("http://127.0.0.1:{port}");
        let initial = ports
            .iter()
            .enumerate()
            .map(|(i, (_, p))| format!("m{}={}", i + 1, peer(*p)))
            .collect::<Vec<_>>()
            .join(",");
        // Unique per cluster, so that members of two tests' clusters never
        // take each other for peers.
        let token = format!("staid-{}-{}", std::process::id(), ports[0].0);
        let members = ports
            .iter()
            .enumerate()
            .map(|(i, &(client_port, peer_port))| {
                let name = format!("m{}", i + 1);
                let client = format!("{scheme}://127.0.0.1:{client_port}");
                let mut args: Vec<OsString> = [
                    "--name",
                    &name,
                    "--data-dir",
                    &dir.path().join(&name).to_string_lossy(),
                    "--listen-client-urls",
                    &client,
                    "--advertise-client-urls",
                    &client,
                    "--listen-peer-urls",
                    &peer(peer_port),
                    "--initial-advertise-peer-urls",
                    &peer(peer_port),
                    "--initial-cluster",
                    &initial,
                    "--initial-cluster-token",
                    &token,
                    "--logger",
                    "zap",
                    "--log-level",
                    "error",
                ]
                .into_iter()
                .map(OsString::from)
                .collect();
                args.extend(flags.iter().map(OsString::from));
                if let Some(tls) = &tls {
                    for (flag, file) in [
                        ("--cert-file", "member.pem"),
                        ("--key-file", "member.key"),
                        ("--trusted-ca-file", "ca.pem"),
                    ] {
                        args.extend([flag.into(), tls.path(file).into()]);
                    }
                    args.push("--client-cert-auth".into());
                }
                Member {
                    bin: bin.clone(),
                    args,
                    log: dir.path().join(format!("{name}.log")),
                    client_port,
                    child: None,
                }
            })
            .collect();
        let mut cluster = Cluster {
            members,
            etcdctl,
            tls,
            user: Default::default(),
            _dir: dir,
        };
        for member in &mut cluster.members {
            member.spawn();
        }
        for i in 0..size {
            cluster.wait_until_member_answers(i);
        }
        Some(cluster)
    }

    /// The client endpoint of member `i` (from 0).
    pub fn endpoint(&self, i: usize) -> String {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        format!("{scheme}://127.0.0.1:{}", self.members[i].client_port)
    }

    pub fn client_port(&self, i: usize) -> u16 {
        self.members[i].client_port
    }

    /// Every member's endpoint, in order.
    pub fn endpoints(&self) -> Vec<String> {
        (0..self.members.len()).map(|i| self.endpoint(i)).collect()
    }

    /// Kills member `i` with SIGKILL, as a crash would, and waits for it to
    /// end.
    pub fn kill(&mut self, i: usize) {
        if let Some(mut child) = self.members[i].child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Sends member `i` a signal by name (`STOP`, `CONT`), with kill(1).
    pub fn signal(&self, i: usize, signal: &str) {
        let child = self.members[i].child.as_ref().expect("a running member");
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(child.id().to_string())
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -{signal} m{}", i + 1);
    }

    /// Starts member `i` again on its ports and data, and waits until it
    /// answers.
    pub fn restart(&mut self, i: usize) {
        self.members[i].spawn();
        self.wait_until_member_answers(i);
    }

    /// Kills member `i`, removes its data and starts it again: a single
    /// member's store starts over at revision 1, as after a wipe.
    pub fn wipe(&mut self, i: usize) {
        self.kill(i);
        fs::remove_dir_all(self._dir.path().join(format!("m{}", i + 1))).unwrap();
        self.restart(i);
    }

    /// Starts member `i` again without waiting for it (it cannot answer
    /// alone when the others are down).
    pub fn restart_in_background(&mut self, i: usize) {
        self.members[i].spawn();
    }

    /// Every member's log, for failure messages.
    pub fn logs(&self) -> String {
        let mut text = String::new();
        for (i, member) in self.members.iter().enumerate() {
            text.push_str(&format!("--- m{} ---\n", i + 1));
            if let Ok(mut f) = fs::File::open(&member.log) {
                let _ = f.read_to_string(&mut text);
            }
        }
        text
    }

    /// Runs etcdctl against the members that are up.
    fn etcdctl(&self, members: &[usize], args: &[&str]) -> Output {
        let endpoints = members
            .iter()
            .map(|&i| self.endpoint(i))
            .collect::<Vec<_>>()
            .join(",");
        let mut command = Command::new(&self.etcdctl);
        if let Some(tls) = &self.tls {
            command.args([
                format!("--cacert={}", tls.path("ca.pem")),
                format!("--cert={}", tls.path("member.pem")),
                format!("--key={}", tls.path("member.key")),
            ]);
        }
        if let Some(user) = &*self.user.lock().unwrap() {
            command.arg(format!("--user={user}"));
        }
        command
            .env("ETCDCTL_API", "3")
            .arg(format!("--endpoints={endpoints}"))
            .args(["--dial-timeout=2s", "--command-timeout=5s"])
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("etcdctl runs")
    }

    fn up(&self) -> Vec<usize> {
        (0..self.members.len())
            .filter(|&i| self.members[i].child.is_some())
            .collect()
    }

    /// etcdctl on the members that are up, returning its output or why it
    /// failed.
    fn try_etcdctl(&self, members: &[usize], args: &[&str]) -> Result<String, String> {
        let out = self.etcdctl(members, args);
        match out.status.success() {
            true => Ok(String::from_utf8_lossy(&out.stdout).into_owned()),
            false => Err(String::from_utf8_lossy(&out.stderr).into_owned()),
        }
    }

    /// etcdctl, tried again until it succeeds: right after a member dies,
    /// a write can fail until the others have elected a leader.
    fn etcdctl_ok(&self, members: &[usize], args: &[&str]) -> String {
        let start = Instant::now();
        loop {
            match self.try_etcdctl(members, args) {
                Ok(out) => return out,
                Err(e) if start.elapsed() > WAIT => {
                    panic!("etcdctl {args:?}: {e}\netcd's logs:\n{}", self.logs())
                }
                Err(_) => thread::sleep(Duration::from_millis(100)),
            }
        }
    }

    /// Puts a key through the members that are up and returns the revision
    /// it got.
    pub fn put(&self, key: &str, value: &str) -> i64 {
        self.put_via(&self.up(), key, value)
    }

    /// Puts a key after `delay`, from a child process started now: a file
    /// the test opens for writing meanwhile stays out of the child, whose
    /// start would close its copy of the file, which inotify reports as
    /// the writer closing it. Wait for the returned child.
    pub fn put_after(&self, delay: Duration, key: &str, value: &str) -> Child {
        assert!(self.tls.is_none() && self.user.lock().unwrap().is_none());
        Command::new("sh")
            .arg("-c")
            .arg(format!("sleep {}; exec \"$0\" \"$@\"", delay.as_secs_f64()))
            .arg(&self.etcdctl)
            .arg(format!("--endpoints={}", self.endpoint(0)))
            .args(["put", "--", key, value])
            .env("ETCDCTL_API", "3")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .expect("sh runs")
    }

    /// Puts a key through these members only.
    pub fn put_via(&self, members: &[usize], key: &str, value: &str) -> i64 {
        let out = self.etcdctl_ok(members, &["put", "-w", "json", "--", key, value]);
        revision(&out)
    }

    pub fn delete(&self, key: &str) -> i64 {
        let out = self.etcdctl_ok(&self.up(), &["del", "-w", "json", "--", key]);
        revision(&out)
    }

    /// Compacts etcd's history up to `revision`.
    pub fn compact(&self, revision: i64) {
        self.etcdctl_ok(&self.up(), &["compact", &revision.to_string()]);
    }

    /// Creates user `root` with this password and turns authentication on.
    pub fn enable_auth(&self, password: &str) {
        let up = self.up();
        // The root role exists from the start on some versions.
        let _ = self.try_etcdctl(&up, &["role", "add", "root"]);
        self.etcdctl_ok(
            &up,
            &[
                "user",
                "add",
                "root",
                &format!("--new-user-password={password}"),
            ],
        );
        self.etcdctl_ok(&up, &["user", "grant-role", "root", "root"]);
        self.etcdctl_ok(&up, &["auth", "enable"]);
        *self.user.lock().unwrap() = Some(format!("root:{password}"));
    }

    /// Waits until a write through member `i` alone succeeds: it is up and
    /// part of a cluster with a quorum.
    pub fn wait_until_member_answers(&self, i: usize) {
        let start = Instant::now();
        let mut last = String::new();
        while start.elapsed() < WAIT {
            match self.try_etcdctl(&[i], &["put", "/health-check", "ok"]) {
                Ok(_) => return,
                Err(e) => last = e,
            }
            thread::sleep(Duration::from_millis(100));
        }
        panic!(
            "etcd member m{} did not answer in {WAIT:?} ({last}); logs:\n{}",
            i + 1,
            self.logs()
        );
    }
}

impl Member {
    fn spawn(&mut self) {
        let log = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .unwrap();
        let child = Command::new(&self.bin)
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("etcd starts");
        self.child = Some(child);
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for i in 0..self.members.len() {
            self.kill(i);
        }
    }
}

/// The revision in etcdctl's JSON output (`"revision":12`).
fn revision(json: &str) -> i64 {
    let at = json.find("\"revision\":").expect("a revision") + "\"revision\":".len();
    json[at..]
        .trim_start()
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .and_then(|digits| digits.parse().ok())
        .unwrap_or_else(|| panic!("no revision in {json}"))
}

/// A port free now and never handed out before in this process: tests run in
/// parallel, and a port one server freed must not go to another's etcd.
pub fn free_port() -> u16 {
    static GIVEN: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    let mut given = GIVEN.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        if !given.contains(&port) {
            given.push(port);
            return port;
        }
    }
}
