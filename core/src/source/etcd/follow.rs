//! Following the prefix under watch: an etcd watch whose events trigger
//! reloads, moved to another member when its member is lost, and reopened
//! after the last revision seen.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::task::AbortHandle;
use tonic::Streaming;

use super::client::Client;
use super::pb;
use super::source::{lock, Progress, Settings, Shared};
use crate::error::{Problem, ProblemKind};
use crate::source::Trigger;

/// The first wait before trying again when no member could hold the
/// watch; each failed round doubles it, up to
/// [`Etcd::retry`](super::Etcd::retry).
const FIRST_RETRY: Duration = Duration::from_millis(100);

/// How long a reload owed after an outage waits for the watch's first
/// response.
const SETTLE: Duration = Duration::from_millis(500);

/// A watch that ends sooner than this after it opened is reopened after a
/// wait, so that a member that keeps ending it is not asked in a busy loop.
const SHORT_LIVED: Duration = Duration::from_secs(1);

/// Stops following when dropped. Keeps the source's runtime alive until
/// then.
pub(super) struct Guard {
    task: AbortHandle,
    _shared: Arc<Shared>,
}

impl Guard {
    pub(super) fn new(task: AbortHandle, shared: Arc<Shared>) -> Guard {
        Guard {
            task,
            _shared: shared,
        }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Follows the prefix until aborted. `progress.loaded` is the store's
/// revision at the last load, which a watch need not replay.
pub(super) async fn follow(settings: Arc<Settings>, progress: Arc<Progress>, trigger: Trigger) {
    let mut client = Client::new(&settings);
    // The last revision whose changes triggered a reload.
    let mut seen = 0;
    let mut lost = false;
    let mut wait = FIRST_RETRY;
    loop {
        let from = seen.max(progress.loaded.load(Ordering::SeqCst));
        // Watching starts after `from`; from now when nothing was seen.
        let start = if from > 0 { from + 1 } else { 0 };
        match client.watch(&settings, &settings.prefix, start).await {
            Ok(((mut stream, now), member)) => {
                if now < from {
                    if let Some(now) = went_back(&mut client, &settings, from).await {
                        // A watch from `from` would wait, silent, until the
                        // store caught up with it: read the whole prefix
                        // again, and follow the store from where it is.
                        progress.loaded.store(now, Ordering::SeqCst);
                        seen = now;
                        lost = false;
                        trigger.reload();
                        wait = FIRST_RETRY;
                        continue;
                    }
                }
                let opened = Instant::now();
                seen = from;
                // Without a revision to start from, a change may have come
                // between the load and this watch: reload now. After an
                // outage, a reload may have failed meanwhile: `read` owes
                // one, and makes it the one that says what etcd compacted.
                if from == 0 {
                    trigger.reload();
                }
                let owed = std::mem::take(&mut lost);
                read(&mut stream, &mut seen, &progress, &trigger, owed).await;
                // The member is gone, cut off or compacted past `seen`: try
                // again, starting with another member.
                client.forget(member);
                *lock(&progress.lost_member) = Some(member);
                if opened.elapsed() >= SHORT_LIVED {
                    wait = FIRST_RETRY;
                    continue;
                }
            }
            Err(why) => {
                if !lost {
                    lost = true;
                    trigger.problem(
                        Problem::new(
                            ProblemKind::Source,
                            format!(
                                "lost the watch on {} at etcd {}: {why}",
                                settings.prefix, settings.shown
                            ),
                        )
                        .with_help(
                            "the current configuration stays; staid keeps trying and applies \
                             the changes made meanwhile",
                        ),
                    );
                }
            }
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(settings.retry);
    }
}

/// The cluster's revision, when it is behind `from`, the revision the watch
/// had seen: the store's data was wiped, or restored from an older
/// snapshot. A member that answers a watch from behind `from` may only be
/// catching up with the others; the cluster's revision, read linearizably,
/// tells the two apart. `None` when it cannot be read: the watch goes on.
async fn went_back(client: &mut Client, settings: &Settings, from: i64) -> Option<i64> {
    match client.revision(settings, &settings.prefix).await {
        Ok(now) if now < from => Some(now),
        _ => None,
    }
}

/// Reads the watch until it ends, triggering a reload for each batch of
/// changes. A reload `owed` is made with the first response, or after
/// [`SETTLE`] without one, so that a compaction etcd reports first is part
/// of it.
async fn read(
    stream: &mut Streaming<pb::WatchResponse>,
    seen: &mut i64,
    progress: &Progress,
    trigger: &Trigger,
    mut owed: bool,
) {
    loop {
        let message = match owed {
            true => match tokio::time::timeout(SETTLE, stream.message()).await {
                Ok(message) => message,
                Err(_) => {
                    owed = false;
                    trigger.reload();
                    continue;
                }
            },
            false => stream.message().await,
        };
        let Ok(Some(response)) = message else {
            if owed {
                trigger.reload();
            }
            return;
        };
        if response.compact_revision > 0 {
            // The history after `seen` is gone: read everything again, say
            // so, and watch from the oldest revision etcd still has.
            *lock(&progress.compacted) = Some((*seen, response.compact_revision));
            *seen = (*seen).max(response.compact_revision - 1);
            trigger.reload();
            return;
        }
        let newest = response
            .events
            .iter()
            .filter_map(|event| event.kv.as_ref().map(|kv| kv.mod_revision))
            .max();
        if let Some(revision) = newest {
            *seen = (*seen).max(revision);
        }
        if newest.is_some() || std::mem::take(&mut owed) {
            trigger.reload();
        }
        if response.canceled {
            return;
        }
    }
}
