//! A small client of etcd's v3 API: the three calls the layer makes (read a
//! prefix, watch it, log in), over tonic, each tried on the members in turn
//! until one serves it.
//!
//! Every call asks the member to refuse it when the member has no leader
//! (etcd's `hasleader` metadata, as the Go client's `WithRequireLeader`):
//! a member cut off from the others then says so at once, and cancels a
//! watch it can no longer keep current, instead of answering from a
//! minority or leaving a watch silent.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use http::uri::PathAndQuery;
use tokio_stream::StreamExt;
use tonic::client::Grpc;
use tonic::metadata::AsciiMetadataValue;
use tonic::transport::{Channel, Endpoint};
use tonic::{Code, Request, Status, Streaming};
use tonic_prost::ProstCodec;

use super::pb;
use super::source::Settings;

/// How often an open watch checks that the member is still there (HTTP/2
/// ping). etcd refuses pings more often than every 5 s by default.
const KEEP_ALIVE: Duration = Duration::from_secs(10);

/// The largest response accepted. tonic's default (4 MiB) is below what
/// etcd may send for a large prefix; etcd's own client sets no limit.
const MAX_MESSAGE: usize = 512 << 20;

/// The pause between two rounds over the members.
const BETWEEN_ROUNDS: Duration = Duration::from_millis(200);

const RANGE: &str = "/etcdserverpb.KV/Range";
const WATCH: &str = "/etcdserverpb.Watch/Watch";
const AUTHENTICATE: &str = "/etcdserverpb.Auth/Authenticate";

/// Why one member did not serve a request.
#[derive(Clone, Debug)]
pub(super) enum Failure {
    /// No connection: refused, no route, a failed TLS handshake.
    Unreachable(String),
    /// Connected, but no answer within this time.
    NoAnswer(Duration),
    /// The member answered that it cannot serve requests now: it has no
    /// leader, or the cluster did not agree in time.
    Unable(String),
    /// The request was refused for what it is (a wrong password, no
    /// permission): every member would say the same.
    Refused(String),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Unreachable(why) | Failure::Unable(why) | Failure::Refused(why) => {
                f.write_str(why)
            }
            Failure::NoAnswer(waited) => {
                write!(
                    f,
                    "no answer within {}",
                    humantime::format_duration(*waited)
                )
            }
        }
    }
}

/// Why no member served a request: each member tried, with its failure.
/// Its `Display` says what that means for the cluster, then each member.
#[derive(Clone, Debug)]
pub(super) struct Failures(Vec<(String, Failure)>);

impl Failures {
    fn one(member: &str, failure: Failure) -> Failures {
        Failures(vec![(member.to_owned(), failure)])
    }

    /// Whether a member refused the request for what it is (a wrong
    /// password, no permission), rather than failing to serve it.
    pub(super) fn refused(&self) -> bool {
        self.0.iter().any(|(_, f)| matches!(f, Failure::Refused(_)))
    }
}

impl fmt::Display for Failures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.as_slice() {
            [] => f.write_str("no member was asked"),
            [(_, failure)] => match failure {
                Failure::Unable(why) => write!(f, "{why} (the cluster has no quorum)"),
                failure => failure.fmt(f),
            },
            all => {
                let unreachable = all
                    .iter()
                    .filter(|(_, e)| matches!(e, Failure::Unreachable(_)))
                    .count();
                let summary = if unreachable == all.len() {
                    "no member can be reached"
                } else if all.iter().any(|(_, e)| matches!(e, Failure::Unable(_))) {
                    "the cluster has no quorum"
                } else if unreachable > all.len() / 2 {
                    // The others may be up, but cannot agree on anything.
                    "no quorum can be reached"
                } else {
                    "no member answered in time"
                };
                write!(f, "{summary} (")?;
                for (i, (member, failure)) in all.iter().enumerate() {
                    if i > 0 {
                        f.write_str("; ")?;
                    }
                    write!(f, "{member}: {failure}")?;
                }
                f.write_str(")")
            }
        }
    }
}

/// One endpoint and its connection, made when first needed.
struct Member {
    /// The endpoint as shown in messages and origins.
    shown: String,
    endpoint: Result<Endpoint, String>,
    channel: Option<Channel>,
}

/// Connections to the members of one cluster, and the login token.
pub(super) struct Client {
    members: Vec<Member>,
    /// Where the next request starts: the member that served the last one.
    next: usize,
    token: Option<AsciiMetadataValue>,
}

impl Client {
    pub(super) fn new(settings: &Settings) -> Client {
        let members = settings
            .endpoints
            .iter()
            .map(|given| Member {
                shown: super::source::without_user_info(given),
                endpoint: settings.endpoint(given),
                channel: None,
            })
            .collect();
        Client {
            members,
            next: 0,
            token: None,
        }
    }

    /// The member's endpoint as shown.
    pub(super) fn shown(&self, member: usize) -> &str {
        &self.members[member].shown
    }

    /// Reads every key under `prefix`, linearizably: the answer is at least
    /// as new as any write the cluster acknowledged before the call.
    /// Returns the response and the member that gave it.
    pub(super) async fn range(
        &mut self,
        settings: &Settings,
        prefix: &str,
    ) -> Result<(pb::RangeResponse, usize), Failures> {
        let (key, range_end) = range_of(prefix);
        self.on_members(settings, |channel, token| {
            let request = pb::RangeRequest {
                key: key.clone(),
                range_end: range_end.clone(),
                ..Default::default()
            };
            unary(channel, metadata(request, token), RANGE)
        })
        .await
    }

    /// The cluster's revision now, read linearizably (by counting the keys
    /// under `prefix`, nothing more).
    pub(super) async fn revision(
        &mut self,
        settings: &Settings,
        prefix: &str,
    ) -> Result<i64, Failures> {
        let (key, range_end) = range_of(prefix);
        let (response, _) = self
            .on_members(settings, |channel, token| {
                let request = pb::RangeRequest {
                    key: key.clone(),
                    range_end: range_end.clone(),
                    count_only: true,
                    ..Default::default()
                };
                unary::<_, pb::RangeResponse>(channel, metadata(request, token), RANGE)
            })
            .await?;
        Ok(response.header.map_or(0, |h| h.revision))
    }

    /// Starts a watch of every key under `prefix` from revision `start`
    /// (from now when 0), and returns it once etcd confirmed it, with the
    /// member that holds it.
    pub(super) async fn watch(
        &mut self,
        settings: &Settings,
        prefix: &str,
        start: i64,
    ) -> Result<((Streaming<pb::WatchResponse>, i64), usize), Failures> {
        // etcd checks the token of a watch only when creating it, and
        // refuses the watch for an expired one without the "invalid auth
        // token" that renews it: log in afresh instead. A watch is opened
        // rarely and held for long, so its token is likely old.
        self.token = None;
        let (key, range_end) = range_of(prefix);
        self.on_members(settings, |channel, token| {
            let create = pb::WatchCreateRequest {
                key: key.clone(),
                range_end: range_end.clone(),
                start_revision: start,
                ..Default::default()
            };
            async move {
                let mut grpc = grpc(channel).await?;
                let create = pb::WatchRequest {
                    request_union: Some(pb::watch_request::RequestUnion::CreateRequest(create)),
                };
                // The request side stays open: closing it would end the
                // watch.
                let requests = tokio_stream::once(create).chain(tokio_stream::pending());
                let path = PathAndQuery::from_static(WATCH);
                let mut stream: Streaming<pb::WatchResponse> = grpc
                    .streaming(metadata(requests, token), path, ProstCodec::default())
                    .await?
                    .into_inner();
                // With the store's revision as the watch began.
                match stream.message().await? {
                    Some(response) if response.created => {
                        let revision = response.header.map_or(0, |h| h.revision);
                        Ok((stream, revision))
                    }
                    Some(response) => Err(Status::failed_precondition(format!(
                        "etcd did not create the watch: {}",
                        response.cancel_reason
                    ))),
                    None => Err(Status::unavailable("etcd closed the watch")),
                }
            }
        })
        .await
    }

    /// Drops the connection to a member whose watch broke, and starts the
    /// next request with another member.
    pub(super) fn forget(&mut self, member: usize) {
        self.members[member].channel = None;
        self.next = (member + 1) % self.members.len();
    }

    /// Starts the next request with another member than this one, which
    /// another client found lost, if it was to be asked first.
    pub(super) fn avoid(&mut self, member: usize) {
        if self.next == member && member < self.members.len() {
            self.forget(member);
        }
    }

    /// Runs `call` on each member in turn, starting with the one that
    /// served the last request, until one serves it. While a member was up
    /// but could not serve (no leader yet: an election after the leader
    /// died), the members are asked again, for up to
    /// [`Settings::rounds_within`] in all.
    async fn on_members<T, F, Fut>(
        &mut self,
        settings: &Settings,
        mut call: F,
    ) -> Result<(T, usize), Failures>
    where
        F: FnMut(Channel, Option<AsciiMetadataValue>) -> Fut,
        Fut: Future<Output = Result<T, Status>>,
    {
        let started = tokio::time::Instant::now();
        loop {
            let failures = match self.round(settings, &mut call).await {
                Ok(found) => return Ok(found),
                Err(failures) => failures,
            };
            let electing = failures
                .0
                .iter()
                .any(|(_, e)| matches!(e, Failure::Unable(_) | Failure::NoAnswer(_)));
            if !electing || started.elapsed() >= settings.rounds_within() {
                return Err(failures);
            }
            tokio::time::sleep(BETWEEN_ROUNDS).await;
        }
    }

    /// Each member once.
    async fn round<T, F, Fut>(
        &mut self,
        settings: &Settings,
        call: &mut F,
    ) -> Result<(T, usize), Failures>
    where
        F: FnMut(Channel, Option<AsciiMetadataValue>) -> Fut,
        Fut: Future<Output = Result<T, Status>>,
    {
        let count = self.members.len();
        let mut failures = Vec::new();
        for k in 0..count {
            let member = (self.next + k) % count;
            // tonic bounds each step; this bounds them all, on a runtime too
            // busy to notice.
            let within = settings.attempt_within();
            let attempt = self.attempt(member, settings, call);
            let failure = match tokio::time::timeout(within, attempt).await {
                Ok(Ok(found)) => {
                    self.next = member;
                    return Ok((found, member));
                }
                Ok(Err(failure)) => failure,
                Err(_) => Failure::NoAnswer(within),
            };
            if !matches!(failure, Failure::Unable(_)) {
                self.members[member].channel = None;
            }
            let shown = self.members[member].shown.clone();
            if let Failure::Refused(_) = failure {
                return Err(Failures::one(&shown, failure));
            }
            failures.push((shown, failure));
        }
        Err(Failures(failures))
    }

    /// One member: connects (or reuses the connection), logs in when a user
    /// is set and no token is held, and calls. A token etcd no longer knows
    /// (they expire) is renewed once.
    async fn attempt<T, F, Fut>(
        &mut self,
        member: usize,
        settings: &Settings,
        call: &mut F,
    ) -> Result<T, Failure>
    where
        F: FnMut(Channel, Option<AsciiMetadataValue>) -> Fut,
        Fut: Future<Output = Result<T, Status>>,
    {
        let channel = self.channel(member).await?;
        let mut renewed = false;
        loop {
            if let (Some((name, password)), None) = (&settings.user, &self.token) {
                let token = authenticate(channel.clone(), name, password)
                    .await
                    .map_err(|status| classify(&status, settings.timeout))?;
                self.token = Some(token);
            }
            match call(channel.clone(), self.token.clone()).await {
                Ok(found) => return Ok(found),
                Err(status) if !renewed && self.token.is_some() && invalid_token(&status) => {
                    self.token = None;
                    renewed = true;
                }
                Err(status) => return Err(classify(&status, settings.timeout)),
            }
        }
    }

    async fn channel(&mut self, member: usize) -> Result<Channel, Failure> {
        let member = &mut self.members[member];
        if let Some(channel) = &member.channel {
            return Ok(channel.clone());
        }
        let endpoint = member.endpoint.clone().map_err(Failure::Unreachable)?;
        let channel = endpoint.connect().await.map_err(|e| {
            let why = describe(&e);
            match why.contains("timed out") {
                true => Failure::NoAnswer(endpoint.get_connect_timeout().unwrap_or_default()),
                false => Failure::Unreachable(why),
            }
        })?;
        member.channel = Some(channel.clone());
        Ok(channel)
    }
}

impl Settings {
    /// The longest one member is given: connecting, logging in, the call.
    pub(super) fn attempt_within(&self) -> Duration {
        self.connect_timeout + self.timeout * 2
    }

    /// How long rounds over the members start: one connection and one
    /// answer's time, enough for an election (about two election timeouts
    /// with etcd's defaults, 1 s each).
    pub(super) fn rounds_within(&self) -> Duration {
        self.connect_timeout + self.timeout
    }

    /// The longest a request over every member may take.
    pub(super) fn request_within(&self) -> Duration {
        let members = self.endpoints.len().max(1) as u32;
        self.rounds_within() + BETWEEN_ROUNDS + self.attempt_within() * members
    }

    /// The tonic endpoint for one of the given endpoints: `http://` added
    /// to one without a scheme (`https://` when TLS is set up).
    fn endpoint(&self, given: &str) -> Result<Endpoint, String> {
        let uri = match given.contains("://") {
            true => given.to_owned(),
            false if self.tls_set() => format!("https://{given}"),
            false => format!("http://{given}"),
        };
        let invalid = |e: &dyn std::error::Error| format!("not a valid endpoint: {e}");
        let endpoint = Endpoint::from_shared(uri.clone())
            .map_err(|e| invalid(&e))?
            .connect_timeout(self.connect_timeout)
            .timeout(self.timeout)
            .http2_keep_alive_interval(KEEP_ALIVE)
            .keep_alive_timeout(self.timeout)
            // etcd counts pings on an idle connection against the client.
            .keep_alive_while_idle(false);
        #[cfg(feature = "etcd-tls")]
        if uri.starts_with("https://") {
            return endpoint
                .tls_config(self.tls_config())
                .map_err(|e| invalid(&e));
        }
        Ok(endpoint)
    }
}

/// The range of keys under `prefix`, as etcd takes it: its first key and
/// the end.
fn range_of(prefix: &str) -> (Vec<u8>, Vec<u8>) {
    let key = prefix.as_bytes().to_vec();
    let end = prefix_end(&key);
    (key, end)
}

/// The end of the range of keys that start with `prefix`: the prefix with
/// its last byte below 0xff increased, as etcd's clients compute it.
fn prefix_end(prefix: &[u8]) -> Vec<u8> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xff {
            end.push(last + 1);
            return end;
        }
    }
    // Only 0xff bytes (or none): every key from the prefix on.
    vec![0]
}

/// A request with the login token and the demand for a leader.
fn metadata<T>(message: T, token: Option<AsciiMetadataValue>) -> Request<T> {
    let mut request = Request::new(message);
    let metadata = request.metadata_mut();
    metadata.insert("hasleader", AsciiMetadataValue::from_static("true"));
    if let Some(token) = token {
        metadata.insert("token", token);
    }
    request
}

async fn grpc(channel: Channel) -> Result<Grpc<Channel>, Status> {
    let mut grpc = Grpc::new(channel).max_decoding_message_size(MAX_MESSAGE);
    grpc.ready()
        .await
        .map_err(|e| Status::unavailable(describe(&e)))?;
    Ok(grpc)
}

async fn unary<Q, A>(channel: Channel, request: Request<Q>, path: &'static str) -> Result<A, Status>
where
    Q: prost::Message + Send + Sync + 'static,
    A: prost::Message + Default + Send + Sync + 'static,
{
    let path = PathAndQuery::from_static(path);
    let response = grpc(channel)
        .await?
        .unary(request, path, ProstCodec::default())
        .await?;
    Ok(response.into_inner())
}

/// Logs in; the token is good on every member.
async fn authenticate(
    channel: Channel,
    name: &str,
    password: &str,
) -> Result<AsciiMetadataValue, Status> {
    let request = pb::AuthenticateRequest {
        name: name.to_owned(),
        password: password.to_owned(),
    };
    let response: pb::AuthenticateResponse =
        unary(channel, metadata(request, None), AUTHENTICATE).await?;
    AsciiMetadataValue::try_from(response.token)
        .map_err(|_| Status::internal("etcd gave a login token that is not ASCII"))
}

fn invalid_token(status: &Status) -> bool {
    status.code() == Code::Unauthenticated && status.message().contains("invalid auth token")
}

/// What a failed call means: whether to try another member, and what to
/// say.
fn classify(status: &Status, timeout: Duration) -> Failure {
    let message = status.message();
    if status.code() == Code::Cancelled && message == "Timeout expired" {
        return Failure::NoAnswer(timeout);
    }
    match status.code() {
        // etcd's own "no leader", "request timed out", "leader changed".
        Code::Unavailable | Code::DeadlineExceeded if message.starts_with("etcdserver:") => {
            Failure::Unable(message.to_owned())
        }
        Code::DeadlineExceeded => Failure::NoAnswer(timeout),
        Code::Unavailable | Code::Unknown | Code::Cancelled | Code::Internal => {
            Failure::Unreachable(describe_status(status))
        }
        _ => Failure::Refused(describe_status(status)),
    }
}

/// A status's message and the causes below it, which tonic keeps apart
/// ("transport error" alone says little).
fn describe_status(status: &Status) -> String {
    let mut text = status.message().to_owned();
    if text.is_empty() {
        text = format!("{:?}", status.code());
    }
    append_causes(&mut text, std::error::Error::source(status));
    text
}

/// An error's message and the causes below it.
fn describe(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    append_causes(&mut text, error.source());
    text
}

fn append_causes(text: &mut String, mut source: Option<&(dyn std::error::Error + 'static)>) {
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prefix_end_is_the_next_key_after_every_key_with_the_prefix() {
        assert_eq!(prefix_end(b"/app/"), b"/app0");
        assert_eq!(prefix_end(b"a\xff"), b"b");
        assert_eq!(prefix_end(b"\xff\xff"), [0]);
    }

    #[test]
    fn failures_say_what_they_mean_for_the_cluster() {
        let refused = || Failure::Unreachable("connection refused".to_owned());
        let two = Failures(vec![("a".into(), refused()), ("b".into(), refused())]);
        assert_eq!(
            two.to_string(),
            "no member can be reached (a: connection refused; b: connection refused)"
        );
        let no_leader = Failure::Unable("etcdserver: no leader".to_owned());
        let quorum = Failures(vec![
            ("a".into(), refused()),
            ("b".into(), no_leader.clone()),
        ]);
        assert_eq!(
            quorum.to_string(),
            "the cluster has no quorum (a: connection refused; b: etcdserver: no leader)"
        );
        assert_eq!(
            Failures::one("a", no_leader).to_string(),
            "etcdserver: no leader (the cluster has no quorum)"
        );
        let silent = || Failure::NoAnswer(Duration::from_secs(2));
        let minority = Failures(vec![
            ("a".into(), refused()),
            ("b".into(), refused()),
            ("c".into(), silent()),
        ]);
        assert_eq!(
            minority.to_string(),
            "no quorum can be reached (a: connection refused; b: connection refused; \
             c: no answer within 2s)"
        );
        let slow = Failures(vec![("a".into(), refused()), ("b".into(), silent())]);
        assert_eq!(
            slow.to_string(),
            "no member answered in time (a: connection refused; b: no answer within 2s)"
        );
    }
}
