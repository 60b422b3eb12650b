//! `Etcd`: the source's settings, its client and runtime, and the builder
//! method.

use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use tokio::runtime::Runtime;

use super::client::{Client, Failures};
use super::follow;
use super::layer;
use super::pb;
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
/// The longest any of the waits may be set to: an answer later than this is
/// none, and deadlines built from the waits (summed over the members, added
/// to the clock by hyper's keep-alive) must stay within what a clock holds.
const LONGEST: Duration = Duration::from_secs(3600);

/// A wait as set, between 1 ms and [`LONGEST`] (`Duration::MAX` is an hour).
fn bounded(wait: Duration) -> Duration {
    wait.clamp(Duration::from_millis(1), LONGEST)
}

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
/// Origins name the key, the member that served the read and the key's
/// revision.
///
/// Give every member of the cluster: a request goes to the member that
/// served the last one and, when that member is down or cut off from the
/// others, to the next, so a load succeeds while a quorum is up. Reads are
/// linearizable: a member answers only once it has caught up with the
/// leader, so a load never sees a value older than one the cluster has
/// already acknowledged. With no quorum, a load fails, naming the
/// endpoints and what each said.
///
/// Under `Builder::watch`, a change below the prefix triggers a reload.
/// When the member holding the watch dies, the watch moves to another
/// member and resumes after the last revision it saw, so no change is
/// lost and nothing is reported. When no member can hold it (no quorum,
/// or none reachable), that is reported once on the watch's channel as a
/// rejected reload (the configuration stays); staid keeps trying, waiting
/// longer each time up to [`retry`](Etcd::retry), and reloads when it is
/// back. If etcd compacted the history it was to resume from meanwhile,
/// the whole prefix is read again and the reload carries a warning that
/// says so.
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

/// What the follower tells the loads: how far the store had got, and a
/// compaction it had to skip over.
#[derive(Default)]
pub(super) struct Progress {
    /// The store's revision at the last successful load (0 before).
    pub(super) loaded: AtomicI64,
    /// The revision the watch was to resume after, and the one etcd had
    /// compacted up to, until the next load says so.
    pub(super) compacted: Mutex<Option<(i64, i64)>>,
    /// The member whose watch broke last, which the next load does not ask
    /// first: a hung member would cost it a `timeout`.
    pub(super) lost_member: Mutex<Option<usize>>,
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
    progress: Arc<Progress>,
}

impl Drop for Shared {
    fn drop(&mut self) {
        // The runtime's thread is gone when this returns (a stopped watch
        // leaves no thread behind), waiting at most a second for a task
        // stuck in a socket call. Waiting panics in async code: there, the
        // thread ends in the background, soon after.
        if let Some(Ok(runtime)) = self.runtime.take() {
            match tokio::runtime::Handle::try_current() {
                Ok(_) => runtime.shutdown_background(),
                Err(_) => runtime.shutdown_timeout(std::time::Duration::from_secs(1)),
            }
        }
    }
}

impl Etcd {
    /// The keys under `prefix` on these endpoints (`http://host:2379`, or
    /// `host:2379`), every member of the cluster. A `/` is added to a
    /// prefix that does not end in one, so that `/myapp` does not also read
    /// `/myapp2/..`. An empty prefix fails the load: it would read every
    /// key in etcd.
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

    /// How long a member may take to answer before the next one is asked
    /// (and, when none answers, the load fails naming the endpoints).
    /// Default 5 s. Under watch, also how long a silent connection is
    /// trusted before it counts as lost. At least 1 ms and at most an hour:
    /// a longer one, such as `Duration::MAX`, is an hour.
    pub fn timeout(mut self, timeout: Duration) -> Etcd {
        self.settings().timeout = bounded(timeout);
        self
    }

    /// How long one attempt to open a connection to a member may take.
    /// Default 5 s; at least 1 ms and at most an hour, as for
    /// [`timeout`](Etcd::timeout).
    pub fn connect_timeout(mut self, timeout: Duration) -> Etcd {
        self.settings().connect_timeout = bounded(timeout);
        self
    }

    /// Under watch, the longest wait between rounds of attempts to hold the
    /// watch again once no member could (the first after 100 ms, then twice
    /// as long each time). A watch whose member is lost moves to another at
    /// once, without waiting. Default 2 s; at least 1 ms and at most an
    /// hour, as for [`timeout`](Etcd::timeout).
    pub fn retry(mut self, longest: Duration) -> Etcd {
        self.settings().retry = bounded(longest);
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

    /// Reads the keys under the prefix, reusing the connections of the
    /// last load when there was one. Returns the response and the member
    /// that gave it.
    fn fetch(&self) -> Result<(pb::RangeResponse, String), Box<Problem>> {
        let settings = &self.settings;
        if let Some(problem) = unreadable(settings) {
            return Err(Box::new(problem));
        }
        let runtime = self.runtime()?;
        let task_settings = settings.clone();
        let mut client = lock(&self.shared.client)
            .take()
            .unwrap_or_else(|| Client::new(settings));
        if let Some(member) = lock(&self.shared.progress.lost_member).take() {
            client.avoid(member);
        }
        let (tx, rx) = std::sync::mpsc::channel();
        runtime.spawn(async move {
            let read = client.range(&task_settings, &task_settings.prefix).await;
            let read = read.map(|(response, member)| (response, client.shown(member).to_owned()));
            let _ = tx.send((read, client));
        });
        // `range` bounds itself; the margin covers a runtime too busy to
        // say so on time.
        let limit = settings.request_within() + Duration::from_secs(5);
        match rx.recv_timeout(limit) {
            Ok((read, client)) => {
                *lock(&self.shared.client) = Some(client);
                read.map_err(|failures| Box::new(settings.failed(&failures)))
            }
            Err(_) => Err(Box::new(settings.no_answer(limit))),
        }
    }
}

/// Why nothing can be read with `settings`, if so: an empty prefix (it
/// would read every key in etcd) or no endpoint.
fn unreadable(settings: &Settings) -> Option<Problem> {
    let (message, help) = if settings.prefix.is_empty() {
        (
            format!(
                "the etcd prefix is empty: it would read every key in etcd at {}",
                settings.shown
            ),
            "give the prefix of the application's keys, such as \"/myapp/\"",
        )
    } else if settings.endpoints.is_empty() {
        (
            format!(
                "cannot read {} from etcd: no endpoint was given",
                settings.prefix
            ),
            "give the client URL of every member, such as \"http://10.0.0.1:2379\"",
        )
    } else {
        return None;
    };
    Some(Problem::new(ProblemKind::Source, message).with_help(help))
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

    fn load(&self, ctx: &mut LoadCtx<'_>) -> Result<Option<Value>, Vec<Problem>> {
        let (response, member) = self.fetch().map_err(|p| vec![*p])?;
        let progress = &self.shared.progress;
        if let Some(header) = &response.header {
            // A read is linearizable: a revision lower than the last load's
            // is a store that went back (wiped, or restored from a
            // snapshot), which the watch must follow from where it now is.
            progress.loaded.store(header.revision, Ordering::SeqCst);
        }
        if let Some((after, compacted)) = lock(&progress.compacted).take() {
            ctx.warning(Problem::new(
                ProblemKind::Source,
                format!(
                    "the watch on {} at etcd {} could not resume after revision {after}: \
                     etcd has compacted its history up to revision {compacted}, so the \
                     whole prefix was read again",
                    self.settings.prefix, self.settings.shown
                ),
            ));
        }
        let entries = response.kvs.iter().map(|kv| layer::Entry {
            key: &kv.key,
            value: &kv.value,
            mod_revision: kv.mod_revision,
        });
        let built = layer::build(ctx.schema(), &self.settings.prefix, &member, entries);
        // Like a file's, a bad key's problems are reported and the other
        // keys kept, so that one load shows every problem.
        ctx.sink.unparsed.extend(built.unparsed);
        for problem in built.problems {
            ctx.problem(problem);
        }
        Ok(built.layer)
    }

    fn subscribe(&self, trigger: Trigger) -> Option<Subscription> {
        // Nothing to follow: the load fails, and says why.
        if self.settings.prefix.is_empty() || self.settings.endpoints.is_empty() {
            return None;
        }
        let runtime = match self.runtime() {
            Ok(runtime) => runtime,
            Err(problem) => {
                trigger.problem(*problem);
                return None;
            }
        };
        let task = runtime.spawn(follow::follow(
            self.settings.clone(),
            self.shared.progress.clone(),
            trigger,
        ));
        Some(Subscription::new(follow::Guard::new(
            task.abort_handle(),
            self.shared.clone(),
        )))
    }
}

impl Settings {
    /// Whether any TLS setting was given.
    pub(super) fn tls_set(&self) -> bool {
        #[cfg(feature = "etcd-tls")]
        return self.tls.is_some();
        #[cfg(not(feature = "etcd-tls"))]
        false
    }

    /// The TLS settings for `https://` endpoints: the system's trust roots,
    /// and what was given.
    #[cfg(feature = "etcd-tls")]
    pub(super) fn tls_config(&self) -> tonic::transport::ClientTlsConfig {
        use tonic::transport::{Certificate, ClientTlsConfig, Identity};
        let mut config = ClientTlsConfig::new().with_native_roots();
        let Some(tls) = &self.tls else { return config };
        for ca in &tls.ca {
            config = config.ca_certificate(Certificate::from_pem(ca));
        }
        if let Some((cert, key)) = &tls.identity {
            config = config.identity(Identity::from_pem(cert, key));
        }
        if let Some(domain) = &tls.domain {
            config = config.domain_name(domain);
        }
        config
    }

    /// The problem of a read no member served. A refusal is no matter of
    /// reaching etcd or of waiting longer.
    fn failed(&self, failures: &Failures) -> Problem {
        let problem = Problem::new(
            ProblemKind::Source,
            format!(
                "cannot read {} from etcd at {}: {failures}",
                self.prefix, self.shown,
            ),
        );
        match failures.refused() {
            true => problem.with_help(format!(
                "check the user and password given with Etcd::user, and that the user \
                 may read {}",
                self.prefix
            )),
            false => problem.with_help(HELP),
        }
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

/// An endpoint without `user:password@`, for messages.
pub(super) fn without_user_info(endpoint: &str) -> String {
    let (scheme, rest) = match endpoint.find("://") {
        Some(i) => endpoint.split_at(i + 3),
        None => ("", endpoint),
    };
    // Up to the last `@` at all: a password written unescaped may hold a
    // `/`, and an etcd endpoint has no path that could hold an `@`.
    match rest.rfind('@') {
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
            without_user_info("http://admin:hun/ter2@10.0.0.1:2379"),
            "http://10.0.0.1:2379"
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
