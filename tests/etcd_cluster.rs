//! The etcd layer against a real three-member cluster (see
//! `support/etcd.rs`): members killed with SIGKILL and started again while
//! loads and a watch go on. A missing etcd skips these tests, except under
//! CI. Times are printed (`--nocapture`), never asserted, beyond the
//! generous waits.

#![cfg(feature = "etcd")]

#[cfg(feature = "watch")]
#[path = "support/reload.rs"]
mod reload;
#[path = "support/etcd.rs"]
mod support;

use std::time::Duration;

use staid::source::Etcd;
use staid::{Config, Origin};
use support::{App, Cluster};

/// A source on every member, with timeouts short enough for tests.
fn source(cluster: &Cluster) -> Etcd {
    Etcd::new(cluster.endpoints(), "/myapp/")
        .timeout(Duration::from_secs(2))
        .connect_timeout(Duration::from_secs(1))
        .retry(Duration::from_millis(500))
}

fn origin_member(loaded: &staid::Loaded<App>, key: &str) -> String {
    match loaded.origin(key) {
        Some(Origin::Remote { source, .. }) => source.clone(),
        other => panic!("{key} comes from {other:?}"),
    }
}

#[test]
fn a_load_succeeds_with_any_one_member_down() {
    let Some(mut cluster) = Cluster::start_holding(3, &[("/myapp/port", "9000")]) else {
        return;
    };
    for down in 0..3 {
        cluster.kill(down);
        let started = std::time::Instant::now();
        let loaded = App::builder()
            .source(source(&cluster))
            .load_full()
            .unwrap_or_else(|e| panic!("with m{} down: {e}", down + 1));
        eprintln!("load with m{} down: {:?}", down + 1, started.elapsed());
        assert_eq!(loaded.config().port, 9000);
        // The origin names the member that served the read, a live one.
        let member = origin_member(&loaded, "port");
        assert_ne!(member, format!("etcd {}", cluster.endpoint(down)));
        cluster.restart(down);
    }
}

#[test]
fn a_load_never_sees_a_value_older_than_an_acknowledged_write() {
    let Some(cluster) = Cluster::start(3) else {
        return;
    };
    // Written through one member, read at once through another: a
    // serializable read could still see the old value there.
    for round in 0..10u16 {
        let (writer, reader) = (round as usize % 3, (round as usize + 1) % 3);
        cluster.put_via(&[writer], "/myapp/port", &(9000 + round).to_string());
        let app = App::builder()
            .source(Etcd::new([cluster.endpoint(reader)], "/myapp/"))
            .load()
            .unwrap();
        assert_eq!(app.port, 9000 + round, "read through m{}", reader + 1);
    }
}

#[test]
fn with_no_quorum_a_load_fails_naming_the_endpoints() {
    let Some(mut cluster) = Cluster::start_holding(3, &[("/myapp/port", "9000")]) else {
        return;
    };
    cluster.kill(0);
    cluster.kill(1);
    let err = App::builder().source(source(&cluster)).load().unwrap_err();
    let text = err.to_string();
    eprintln!("{text}");
    let endpoints = cluster.endpoints().join(", ");
    assert!(
        text.starts_with(&format!(
            "error: cannot read /myapp/ from etcd at {endpoints}: "
        )),
        "{text}"
    );
    assert!(
        text.contains("the cluster has no quorum (") || text.contains("no quorum can be reached ("),
        "{text}"
    );
    for endpoint in cluster.endpoints() {
        assert!(text.contains(&format!("{endpoint}: ")), "{text}");
    }
}

#[test]
fn with_every_endpoint_unreachable_a_load_says_so() {
    // Privileged, unused ports: nothing listens there.
    let endpoints = [
        "http://127.0.0.1:1",
        "http://127.0.0.1:3",
        "http://127.0.0.1:4",
    ];
    let err = App::builder()
        .source(Etcd::new(endpoints, "/myapp/").timeout(Duration::from_secs(2)))
        .load()
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with(
            "error: cannot read /myapp/ from etcd at http://127.0.0.1:1, http://127.0.0.1:3, \
             http://127.0.0.1:4: no member can be reached (http://127.0.0.1:1: "
        ),
        "{text}"
    );
    assert_eq!(text.matches("onnection refused").count(), 3, "{text}");
}

#[test]
fn one_unreachable_endpoint_among_good_members_is_skipped() {
    let Some(cluster) = Cluster::start_holding(3, &[("/myapp/port", "9000")]) else {
        return;
    };
    let mut endpoints = vec!["http://127.0.0.1:1".to_owned()];
    endpoints.extend(cluster.endpoints().into_iter().take(2));
    let app = App::builder()
        .source(Etcd::new(endpoints, "/myapp/").timeout(Duration::from_secs(2)))
        .load()
        .unwrap();
    assert_eq!(app.port, 9000);
}

#[cfg(feature = "watch")]
mod watch {
    use super::reload::{next, updated};
    use super::*;
    use staid::{Reload, Watch, WatchOptions};
    use std::time::Instant;

    fn watch(cluster: &Cluster) -> Watch<App> {
        App::builder()
            .source(source(cluster))
            .watch_with(WatchOptions::new().sighup(false))
            .unwrap()
    }

    #[test]
    fn killing_the_member_the_watch_is_on_loses_no_change() {
        let Some(mut cluster) = Cluster::start_holding(3, &[("/myapp/port", "9000")]) else {
            return;
        };
        let watch = watch(&cluster);
        assert_eq!(watch.current().port, 9000);
        // The watch is on m1, the first member listed that answers: make
        // sure it is open before killing m1.
        cluster.put("/myapp/name", "before");
        assert_eq!(updated(&watch).0.name, "before");

        cluster.kill(0);
        let killed = Instant::now();
        // Made while staid moves the watch to another member.
        cluster.put_via(&[1, 2], "/myapp/port", "9001");
        let acknowledged = Instant::now();
        // The change made after the kill.
        let (config, changed) = updated(&watch);
        assert_eq!(config.port, 9001);
        assert_eq!(changed, ["port"]);
        eprintln!(
            "from the watch's member killed to the next change delivered: {:?} \
             ({:?} after etcdctl returned)",
            killed.elapsed(),
            acknowledged.elapsed()
        );

        // The watch itself is on a live member now, not only one reload.
        let put = Instant::now();
        cluster.put_via(&[2], "/myapp/name", "after");
        assert_eq!(updated(&watch).0.name, "after");
        eprintln!("a change after the move: {:?}", put.elapsed());
        // Losing one member of three is not worth a report.
        assert!(watch.events().try_recv().is_err());
    }

    #[test]
    fn a_hung_member_under_the_watch_is_given_up_after_an_unanswered_ping() {
        let Some(cluster) = Cluster::start_holding(3, &[("/myapp/port", "9000")]) else {
            return;
        };
        let watch = watch(&cluster);
        cluster.put("/myapp/name", "before");
        assert_eq!(updated(&watch).0.name, "before");

        // Stopped, m1 keeps its connections open and answers nothing.
        cluster.signal(0, "STOP");
        let hung = Instant::now();
        cluster.put_via(&[1, 2], "/myapp/port", "9001");
        let result = next(&watch);
        cluster.signal(0, "CONT");
        match result {
            Reload::Updated { config, .. } => assert_eq!(config.port, 9001),
            other => panic!("expected the change made while m1 hung: {other:?}"),
        }
        eprintln!(
            "from the watch's member hung to the next change delivered: {:?}",
            hung.elapsed()
        );
    }

    #[test]
    fn no_quorum_is_rejected_once_and_the_watch_recovers_by_itself() {
        let Some(mut cluster) = Cluster::start_holding(3, &[("/myapp/port", "9000")]) else {
            return;
        };
        let watch = watch(&cluster);
        // The watch is open once a change arrives through it.
        cluster.put("/myapp/name", "before");
        assert_eq!(updated(&watch).0.name, "before");

        cluster.kill(0);
        cluster.kill(1);
        let lost = Instant::now();
        let error = match next(&watch) {
            Reload::Rejected { error } => error,
            other => panic!("expected the lost watch to be reported: {other:?}"),
        };
        eprintln!("no quorum reported after {:?}:\n{error}", lost.elapsed());
        let text = error.to_string();
        let endpoints = cluster.endpoints().join(", ");
        assert!(
            text.starts_with(&format!(
                "error: lost the watch on /myapp/ at etcd {endpoints}: "
            )),
            "{text}"
        );
        assert_eq!(watch.current().port, 9000, "the configuration stays");
        // Once: staid keeps trying (every 500 ms here) without saying so
        // again.
        assert!(
            watch.events().recv_timeout(Duration::from_secs(4)).is_err(),
            "a second report"
        );

        cluster.restart_in_background(1);
        cluster.wait_until_member_answers(1);
        let back = Instant::now();
        cluster.put("/myapp/port", "9001");
        // The watch is back: had it reopened before the put, its reload
        // found nothing new and said so, as the first good one after the
        // loss.
        let (config, changed) = loop {
            match next(&watch) {
                Reload::Unchanged { .. } => continue,
                Reload::Updated {
                    config, changed, ..
                } => break (config, changed),
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(config.port, 9001);
        assert_eq!(changed, ["port"]);
        eprintln!("a change after quorum came back: {:?}", back.elapsed());
    }
}
