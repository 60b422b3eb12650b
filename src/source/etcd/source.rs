//! `Etcd`: the source's settings, its client and runtime, and the builder
//! method.

use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use etcd_client::{Client, ConnectOptions, GetOptions, GetResponse};
use tokio::runtime::Runtime;

use super::follow;
use super::layer;
use crate::error::{Problem, ProblemKind};
use crate::source::{LoadCtx, Source, Subscription, Trigger};
use crate::value::Value;
use crate::{Builder, Config};

/// How long a load waits for a connection by default.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a load waits for an answer by default.
const TIMEOUT: Duration = Duration::from_secs(5);
/// The longest wait between attempts to follow etcd again, by default.
const RETRY: Duration = Duration::from_secs(2);
/// How often an open watch checks that the server is still there (HTTP/2
/// ping). etcd refuses pings more often than every 5 s by default.
const KEEP_ALIVE: Duration = Duration::from_secs(10);

/// A key prefix in etcd as a layer, for [`Builder::source`] when the
/// defaults of [`Builder::etcd`] do not fit: timeouts, user and password,
/// TLS.
///
/// Keys below the prefix map to key paths by their `/`:
/// `/myapp/db/host` sets `db.host`. Values are text, converted by the
/// target field's type like environment variables (`8080` for a `u16`,
/// `1m30s` for a `Duration`, `[1, 2]` for a list). A key ending in `.json`
/// holds a JSON document instead, typed as in a JSON file:
/// `/myapp/db.json` = `{"host": "db1", "port": 5432}` sets `db.host` and
/// `db.port`. Where both set a value, the plain key (`/myapp/db/host`) wins.
/// Origins name the key, the endpoint and the key's revision.
///
/// Under `Builder::watch`, a change below the prefix triggers a
/// reload. A lost connection is reported on the watch's channel as a
/// rejected reload (the configuration stays); staid then reconnects,
/// waiting longer each time up to [`retry`](Etcd::retry), and resumes from
/// the last revision it saw, so no change made meanwhile is lost.
///
/// ```no_run
/// use std::time::Duration;
/// use staid::source::Etcd;
/// use staid::Config;
///
/// #[derive(Config)]
/// #[config(name = "myapp")]
/// struct App {
///     #[config(default = 8080)]
///     port: u16,
/// }
///
/// let app = App::builder()
///     .file("myapp.toml")
///     .source(
///         Etcd::new(["http://10.0.0.1:2379", "http://10.0.0.2:2379"], "/myapp/")
///             .timeout(Duration::from_secs(2))
///             .user("myapp", "s3cret"),
///     )
///     .env()
///     .load()?;
/// # Ok::<(), staid::Error>(())
/// ```
pub struct Etcd {
    settings: Arc<Settings>,
    shared: Arc<Shared>,
}

/// What the source was configured with; shared with its follower.
#[derive(Clone)]
pub(super) struct Settings {
    pub(super) endpoints: Vec<String>,
    /// The endpoints as shown in messages and origins, without user info.
    pub(super) shown: String,
    pub(super) prefix: String,
    pub(super) connect_timeout: Duration,
    pub(super) timeout: Duration,
    pub(super) retry: Duration,
    pub(super) user: Option<(String, String)>,
    #[cfg(feature = "etcd-tls")]
    pub(super) tls: Option<Tls>,
}

#[cfg(feature = "etcd-tls")]
#[derive(Clone, Default)]
pub(super) struct Tls {
    ca: Vec<Vec<u8>>,
    identity: Option<(Vec<u8>, Vec<u8>)>,
    domain: Option<String>,
}

/// The runtime and the connection, made at the first load and kept for the
/// next ones.
#[derive(Default)]
pub(super) struct Shared {
    runtime: OnceLock<Result<Runtime, String>>,
    client: Mutex<Option<Client>>,
    /// The store's revision at the last successful load (0 before).
    loaded: Arc<AtomicI64>,
}

impl Drop for Shared {
    fn drop(&mut self) {
        // Dropping a runtime blocks until its thread ends, which panics in
        // async code; letting it end in the background does neither.
        if let Some(Ok(runtime)) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl Etcd {
    /// The keys under `prefix` on these endpoints (`http://host:2379`, or
    /// `host:2379`). A `/` is added to a prefix that does not end in one,
    /// so that `/myapp` does not also read `/myapp2/..`; an empty prefix
    /// reads every key.
    pub fn new<E: Into<String>>(
        endpoints: impl IntoIterator<Item = E>,
        prefix: impl Into<String>,
    ) -> Etcd {
        let endpoints: Vec<String> = endpoints.into_iter().map(Into::into).collect();
        let mut prefix = prefix.into();
        if !prefix.is_empty() && !prefix.ends_with('/') {
            prefix.push('/');
        }
        let shown = endpoints
            .iter()
            .map(|e| without_user_info(e))
            .collect::<Vec<_>>()
            .join(", ");
        Etcd {
            settings: Arc::new(Settings {
                endpoints,
                shown,
                prefix,
                connect_timeout: CONNECT_TIMEOUT,
                timeout: TIMEOUT,
                retry: RETRY,
                user: None,
                #[cfg(feature = "etcd-tls")]
                tls: None,
            }),
            shared: Arc::new(Shared::default()),
        }
    }

    fn settings(&mut self) -> &mut Settings {
        Arc::make_mut(&mut self.settings)
    }

    /// How long a request may take, connecting included, before the load
    /// fails naming the endpoint. Default 5 s. Under watch, also how long a
    /// silent connection is trusted before it counts as lost.
    pub fn timeout(mut self, timeout: Duration) -> Etcd {
        self.settings().timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// How long one attempt to open a connection may take. Default 5 s.
    pub fn connect_timeout(mut self, timeout: Duration) -> Etcd {
        self.settings().connect_timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// Under watch, the longest wait between attempts to reach etcd again
    /// after the connection was lost (the first is after 100 ms, then twice
    /// as long each time). Default 2 s.
    pub fn retry(mut self, longest: Duration) -> Etcd {
        self.settings().retry = longest.max(Duration::from_millis(1));
        self
    }

    /// Authenticates as this etcd user. The password never appears in
    /// messages or in `Debug` output.
    pub fn user(mut self, name: impl Into<String>, password: impl Into<String>) -> Etcd {
        self.settings().user = Some((name.into(), password.into()));
        self
    }

    /// Trusts this CA certificate (PEM) for `https://` endpoints, besides
    /// the system's trust roots. Endpoints without a scheme then use TLS.
    #[cfg(feature = "etcd-tls")]
    pub fn ca_certificate(mut self, pem: impl Into<Vec<u8>>) -> Etcd {
        let tls = self.settings().tls.get_or_insert_with(Tls::default);
        tls.ca.push(pem.into());
        self
    }

    /// Presents this client certificate and key (PEM) to etcd, for servers
    /// started with `--client-cert-auth`. Endpoints without a scheme then
    /// use TLS.
    #[cfg(feature = "etcd-tls")]
    pub fn client_identity(mut self, cert: impl Into<Vec<u8>>, key: impl Into<Vec<u8>>) -> Etcd {
        let tls = self.settings().tls.get_or_insert_with(Tls::default);
        tls.identity = Some((cert.into(), key.into()));
        self
    }

    /// Checks the server's certificate against this name instead of the
    /// endpoint's host.
    #[cfg(feature = "etcd-tls")]
    pub fn tls_domain(mut self, name: impl Into<String>) -> Etcd {
        let tls = self.settings().tls.get_or_insert_with(Tls::default);
        tls.domain = Some(name.into());
        self
    }

    /// The prefix read, with its trailing `/`.
    pub fn prefix(&self) -> &str {
        &self.settings.prefix
    }

    /// The runtime, started on first use.
    fn runtime(&self) -> Result<&Runtime, Box<Problem>> {
        let runtime = self.shared.runtime.get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .thread_name("staid-etcd")
                .enable_all()
                .build()
                .map_err(|e| e.to_string())
        });
        runtime.as_ref().map_err(|e| {
            Box::new(Problem::new(
                ProblemKind::Source,
                format!("cannot start the etcd client's runtime: {e}"),
            ))
        })
    }

    /// Reads the keys under the prefix, reusing the connection of the last
    /// load when there was one.
    fn fetch(&self) -> Result<GetResponse, Box<Problem>> {
        let runtime = self.runtime()?;
        let settings = self.settings.clone();
        let cached = lock(&self.shared.client).take();
        let (tx, rx) = std::sync::mpsc::channel();
        runtime.spawn(async move {
            let _ = tx.send(settings.get(cached).await);
        });
        // `get` bounds itself by the timeouts; the margin covers a runtime
        // too busy to say so on time.
        let limit = self.settings.connect_timeout + self.settings.timeout + Duration::from_secs(5);
        match rx.recv_timeout(limit) {
            Ok(Ok((response, client))) => {
                *lock(&self.shared.client) = Some(client);
                Ok(response)
            }
            Ok(Err(problem)) => Err(Box::new(problem)),
            Err(_) => Err(Box::new(self.settings.no_answer(limit))),
        }
    }
}

impl Clone for Etcd {
    /// A source with the same settings and a connection of its own.
    fn clone(&self) -> Etcd {
        Etcd {
            settings: self.settings.clone(),
            shared: Arc::new(Shared::default()),
        }
    }
}

impl fmt::Debug for Etcd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.settings;
        let mut d = f.debug_struct("Etcd");
        d.field("endpoints", &s.shown)
            .field("prefix", &s.prefix)
            .field("connect_timeout", &s.connect_timeout)
            .field("timeout", &s.timeout)
            .field("retry", &s.retry)
            .field("user", &s.user.as_ref().map(|(name, _)| name));
        #[cfg(feature = "etcd-tls")]
        d.field("tls", &s.tls.is_some());
        d.finish_non_exhaustive()
    }
}

impl Source for Etcd {
    fn describe(&self) -> String {
        format!("etcd {} at {}", self.settings.prefix, self.settings.shown)
    }

    fn load(&self, _ctx: &mut LoadCtx<'_>) -> Result<Option<Value>, Vec<Problem>> {
        let mut response = self.fetch().map_err(|p| vec![*p])?;
        if let Some(header) = response.take_header() {
            self.shared
                .loaded
                .fetch_max(header.revision(), Ordering::SeqCst);
        }
        let entries = response.kvs().iter().map(|kv| layer::Entry {
            key: kv.key(),
            value: kv.value(),
            mod_revision: kv.mod_revision(),
        });
        let (layer, problems) = layer::build(&self.settings.prefix, &self.settings.shown, entries);
        match problems.is_empty() {
            true => Ok(layer),
            false => Err(problems),
        }
    }

    fn subscribe(&self, trigger: Trigger) -> Option<Subscription> {
        let runtime = match self.runtime() {
            Ok(runtime) => runtime,
            Err(problem) => {
                trigger.problem(*problem);
                return None;
            }
        };
        let task = runtime.spawn(follow::follow(
            self.settings.clone(),
            self.shared.loaded.clone(),
            trigger,
        ));
        Some(Subscription::new(follow::Guard::new(
            task.abort_handle(),
            self.shared.clone(),
        )))
    }
}

impl Settings {
    /// Connects (or reuses `cached`) and reads the keys under the prefix.
    async fn get(&self, cached: Option<Client>) -> Result<(GetResponse, Client), Problem> {
        let within = self.connect_timeout + self.timeout;
        let read = async {
            let mut client = match cached {
                Some(client) => client,
                None => self.connect().await?,
            };
            let options = GetOptions::new().with_prefix();
            let response = client.get(self.prefix.as_bytes(), Some(options)).await?;
            Ok::<_, etcd_client::Error>((response, client))
        };
        match tokio::time::timeout(within, read).await {
            Ok(Ok(found)) => Ok(found),
            Ok(Err(e)) if timed_out(&e) => Err(self.no_answer(self.timeout)),
            Ok(Err(e)) => Err(self.failed(&e)),
            Err(_) => Err(self.no_answer(within)),
        }
    }

    pub(super) async fn connect(&self) -> Result<Client, etcd_client::Error> {
        if self.endpoints.is_empty() {
            return Err(etcd_client::Error::InvalidArgs(
                "no endpoint was given".to_owned(),
            ));
        }
        Client::connect(&self.endpoints, Some(self.options())).await
    }

    fn options(&self) -> ConnectOptions {
        let mut options = ConnectOptions::new()
            .with_connect_timeout(self.connect_timeout)
            .with_timeout(self.timeout)
            .with_keep_alive(KEEP_ALIVE, self.timeout);
        if let Some((name, password)) = &self.user {
            options = options.with_user(name, password);
        }
        #[cfg(feature = "etcd-tls")]
        {
            // Without TLS settings, `https://` endpoints still get the
            // system's trust roots.
            let https = self.endpoints.iter().any(|e| e.starts_with("https://"));
            match &self.tls {
                Some(tls) => options = options.with_tls(tls.options()),
                None if https => options = options.with_tls(Tls::default().options()),
                None => {}
            }
        }
        options
    }

    /// The problem of a request that failed.
    fn failed(&self, error: &etcd_client::Error) -> Problem {
        Problem::new(
            ProblemKind::Source,
            format!(
                "cannot read {} from etcd at {}: {}",
                self.prefix,
                self.shown,
                describe_error(error)
            ),
        )
        .with_help(HELP)
    }

    /// The problem of a request that got no answer within `waited`.
    fn no_answer(&self, waited: Duration) -> Problem {
        Problem::new(
            ProblemKind::Source,
            format!(
                "cannot read {} from etcd at {}: no answer within {}",
                self.prefix,
                self.shown,
                humantime::format_duration(waited)
            ),
        )
        .with_help(HELP)
    }
}

const HELP: &str = "check that etcd is running and reachable from here; Etcd::timeout and \
                    Etcd::connect_timeout set how long to wait";

#[cfg(feature = "etcd-tls")]
impl Tls {
    fn options(&self) -> etcd_client::TlsOptions {
        use etcd_client::{Certificate, Identity, TlsOptions};
        let mut options = TlsOptions::new().with_native_roots();
        for ca in &self.ca {
            options = options.ca_certificate(Certificate::from_pem(ca));
        }
        if let Some((cert, key)) = &self.identity {
            options = options.identity(Identity::from_pem(cert, key));
        }
        if let Some(domain) = &self.domain {
            options = options.domain_name(domain);
        }
        options
    }
}

/// The error's message: for a gRPC status its own message and the causes
/// below it, which tonic keeps apart ("tcp connect error" alone says
/// little).
pub(super) fn describe_error(error: &etcd_client::Error) -> String {
    let (mut text, mut source) = match error {
        etcd_client::Error::GRpcStatus(status) if !status.message().is_empty() => (
            status.message().to_owned(),
            std::error::Error::source(status),
        ),
        _ => (error.to_string(), std::error::Error::source(error)),
    };
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// Whether the request failed on the client's own timeout. tonic's
/// `TimeoutExpired` is not reachable through etcd-client, only its text.
fn timed_out(error: &etcd_client::Error) -> bool {
    let mut source = match error {
        etcd_client::Error::GRpcStatus(status) => {
            if status.message() == "Timeout expired" {
                return true;
            }
            std::error::Error::source(status)
        }
        _ => std::error::Error::source(error),
    };
    while let Some(cause) = source {
        if cause.to_string() == "Timeout expired" {
            return true;
        }
        source = cause.source();
    }
    false
}

/// An endpoint without `user:password@`, for messages.
fn without_user_info(endpoint: &str) -> String {
    let (scheme, rest) = match endpoint.find("://") {
        Some(i) => endpoint.split_at(i + 3),
        None => ("", endpoint),
    };
    let host_end = rest.find('/').unwrap_or(rest.len());
    match rest[..host_end].rfind('@') {
        Some(at) => format!("{scheme}{}", &rest[at + 1..]),
        None => endpoint.to_owned(),
    }
}

pub(super) fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl<T: Config> Builder<T> {
    /// Adds the keys under `prefix` in etcd as a layer, read from these
    /// endpoints with the default timeouts (see [`Etcd`] for the key
    /// mapping, origins, watch, and for timeouts, auth and TLS).
    ///
    /// ```no_run
    /// use staid::Config;
    ///
    /// #[derive(Config)]
    /// #[config(name = "myapp")]
    /// struct App {
    ///     #[config(default = 8080)]
    ///     port: u16,
    /// }
    ///
    /// // `etcdctl put /myapp/port 9000` sets `port`.
    /// let app = App::builder()
    ///     .file("myapp.toml")
    ///     .etcd(["http://127.0.0.1:2379"], "/myapp/")
    ///     .env()
    ///     .load()?;
    /// # Ok::<(), staid::Error>(())
    /// ```
    pub fn etcd<E: Into<String>>(
        self,
        endpoints: impl IntoIterator<Item = E>,
        prefix: impl Into<String>,
    ) -> Self {
        self.source(Etcd::new(endpoints, prefix))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_info_is_left_out_of_endpoints() {
        assert_eq!(
            without_user_info("http://me:pw@10.0.0.1:2379"),
            "http://10.0.0.1:2379"
        );
        assert_eq!(without_user_info("me:pw@host:2379"), "host:2379");
        assert_eq!(
            without_user_info("http://host:2379/a@b"),
            "http://host:2379/a@b"
        );
        let etcd = Etcd::new(["http://me:pw@h:1", "h2:2"], "/app").user("u", "secret-pw");
        assert_eq!(etcd.describe(), "etcd /app/ at http://h:1, h2:2");
        let debug = format!("{etcd:?}");
        assert!(!debug.contains("pw"), "{debug}");
        assert!(debug.contains("\"u\""), "{debug}");
    }

    #[test]
    fn prefix_gets_its_slash() {
        assert_eq!(Etcd::new(["h:1"], "/app").prefix(), "/app/");
        assert_eq!(Etcd::new(["h:1"], "/app/").prefix(), "/app/");
        assert_eq!(Etcd::new(["h:1"], "").prefix(), "");
    }
}
