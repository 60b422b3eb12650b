//! etcd as a layer: the keys under a prefix, read with the etcd v3 API and,
//! under watch, followed so that a change triggers a reload.
//!
//! The client is async (tonic); staid's API is sync. Each [`Etcd`] source
//! runs its client on a small runtime of its own (one worker thread, started
//! at the first load), so the caller only ever blocks on a channel, never
//! inside a runtime: calling `load` from async code does not panic, though
//! it blocks the calling thread like any other load (use
//! `tokio::task::spawn_blocking` there).

mod client;
mod follow;
mod layer;
mod source;

/// etcd's messages, generated from `proto/etcd.proto`.
#[allow(dead_code, missing_docs, clippy::all, clippy::pedantic)]
// Kept as generated: `cargo fmt` would make it differ from the check.
#[rustfmt::skip]
#[path = "proto/etcdserverpb.rs"]
mod pb;

pub use source::Etcd;
