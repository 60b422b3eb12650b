//! Following the prefix under watch: an etcd watch whose events trigger
//! reloads, reopened after a lost connection from the last revision seen.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use etcd_client::{Client, WatchOptions, WatchStream};
use tokio::task::AbortHandle;

use super::source::{describe_error, Settings, Shared};
use crate::error::{Problem, ProblemKind};
use crate::source::Trigger;

/// The first wait before reconnecting; each failed attempt doubles it, up
/// to [`Etcd::retry`](super::Etcd::retry).
const FIRST_RETRY: Duration = Duration::from_millis(100);

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

/// Follows the prefix until aborted. `loaded` is the store's revision at
/// the last load, which a watch need not replay.
pub(super) async fn follow(settings: Arc<Settings>, loaded: Arc<AtomicI64>, trigger: Trigger) {
    // The last revision whose changes triggered a reload.
    let mut seen = 0;
    let mut lost = false;
    let mut wait = FIRST_RETRY;
    loop {
        let from = seen.max(loaded.load(Ordering::SeqCst));
        let why = match open(&settings, from).await {
            Ok((client, mut stream)) => {
                wait = FIRST_RETRY;
                // Without a revision to start from, a change may have come
                // between the load and this watch; after an outage, a reload
                // may have failed meanwhile. One reload covers both.
                if from == 0 || lost {
                    lost = false;
                    trigger.reload();
                }
                let ended = read(&mut stream, &mut seen, &trigger).await;
                drop(client);
                match ended {
                    Some(why) => why,
                    None => continue,
                }
            }
            Err(why) => why,
        };
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
                    "the current configuration stays; staid reconnects and applies the \
                     changes made meanwhile",
                ),
            );
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(settings.retry);
    }
}

/// Connects and starts a watch of the prefix after revision `from` (from
/// now when it is 0), returning once etcd has confirmed it.
async fn open(settings: &Settings, from: i64) -> Result<(Client, WatchStream), String> {
    let within = settings.connect_timeout + settings.timeout;
    let opening = async {
        let mut client = settings.connect().await.map_err(|e| describe_error(&e))?;
        let mut options = WatchOptions::new().with_prefix();
        if from > 0 {
            options = options.with_start_revision(from + 1);
        }
        let mut stream = client
            .watch(settings.prefix.as_bytes(), Some(options))
            .await
            .map_err(|e| describe_error(&e))?;
        match stream.message().await {
            Ok(Some(response)) if response.created() => Ok((client, stream)),
            Ok(Some(response)) => Err(format!(
                "the watch was not created: {}",
                response.cancel_reason()
            )),
            Ok(None) => Err("etcd closed the watch".to_owned()),
            Err(e) => Err(describe_error(&e)),
        }
    };
    match tokio::time::timeout(within, opening).await {
        Ok(opened) => opened,
        Err(_) => Err(format!(
            "no answer within {}",
            humantime::format_duration(within)
        )),
    }
}

/// Reads the watch until it ends, triggering a reload for each batch of
/// changes. Returns why it failed, or `None` when it is to be reopened at
/// once.
async fn read(stream: &mut WatchStream, seen: &mut i64, trigger: &Trigger) -> Option<String> {
    loop {
        let response = match stream.message().await {
            Ok(Some(response)) => response,
            Ok(None) => return Some("etcd closed the watch".to_owned()),
            Err(e) => return Some(describe_error(&e)),
        };
        if response.compact_revision() > 0 {
            // The history after `seen` is gone: read everything again, and
            // watch from the oldest revision etcd still has.
            *seen = (*seen).max(response.compact_revision() - 1);
            trigger.reload();
            return None;
        }
        if response.canceled() {
            return Some(format!(
                "etcd canceled the watch: {}",
                response.cancel_reason()
            ));
        }
        let newest = response
            .events()
            .iter()
            .filter_map(|event| event.kv().map(|kv| kv.mod_revision()))
            .max();
        if let Some(revision) = newest {
            *seen = (*seen).max(revision);
            trigger.reload();
        }
    }
}
