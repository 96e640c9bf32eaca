//! Tees poll outcomes: forwards each to the state owner first (the UI never
//! waits on disk), then mirrors it into the sled cache so the next start —
//! online or not — begins from the last known state.

use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::{PollData, PollOutcome, apply_outcome};
use crate::domain::Snapshot;
use crate::domain::snapshot::HourBucket;
use crate::store::Store;

/// How often the whole (history-free) snapshot is rewritten.
const SAVE_EVERY: Duration = Duration::from_secs(5);
/// How often finished days are folded into compact rows and history older
/// than the retention is dropped (the store keeps 90 days).
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

pub fn spawn_cache_writer(
    store: Store,
    mut mirror: Snapshot,
    mut rx: mpsc::Receiver<PollOutcome>,
    tx: mpsc::Sender<PollOutcome>,
    cancel: CancellationToken,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut last_save = Instant::now();
        // First prune shortly after start, then hourly.
        let mut next_prune = Instant::now() + Duration::from_secs(60);
        let mut dirty = false;
        loop {
            let outcome = tokio::select! {
                o = rx.recv() => match o { Some(o) => o, None => break },
                () = cancel.cancelled() => break,
            };
            let touched = touched_history(&outcome);
            if tx.send(outcome.clone()).await.is_err() {
                break;
            }
            apply_outcome(&mut mirror, outcome);
            dirty = true;
            if !touched.is_empty() {
                let buckets: Vec<(String, Vec<HourBucket>)> = touched
                    .into_iter()
                    .filter_map(|(id, from)| {
                        let series = mirror.history.get(&id)?;
                        let start = series.partition_point(|b| b.ts < from);
                        Some((id, series[start..].to_vec()))
                    })
                    .collect();
                let s = store.clone();
                let res = tokio::task::spawn_blocking(move || {
                    s.append_history_many(buckets.iter().map(|(id, b)| (id.as_str(), b.as_slice())))
                })
                .await;
                log_result("history", res);
            }
            if Instant::now() >= next_prune {
                next_prune = Instant::now() + PRUNE_EVERY;
                let s = store.clone();
                // In the background: folding a day can take seconds at 10k campaigns.
                tokio::task::spawn_blocking(move || match s.prune_history(chrono::Utc::now()) {
                    Ok(n) => tracing::info!(removed = n, "history pruned"),
                    Err(e) => tracing::warn!(error = %e, "history prune failed"),
                });
            }
            if dirty && last_save.elapsed() >= SAVE_EVERY {
                save(&store, &mirror).await;
                last_save = Instant::now();
                dirty = false;
            }
        }
        if dirty {
            save(&store, &mirror).await;
        }
    })
}

/// Campaigns whose history this outcome changes, with the oldest hour touched.
fn touched_history(o: &PollOutcome) -> Vec<(String, chrono::DateTime<chrono::Utc>)> {
    let Ok(PollData::Metrics(samples)) = &o.result else {
        return Vec::new();
    };
    let mut oldest: std::collections::HashMap<&str, chrono::DateTime<chrono::Utc>> =
        std::collections::HashMap::new();
    for s in samples {
        oldest
            .entry(s.campaign_id.as_str())
            .and_modify(|t| *t = (*t).min(s.timestamp))
            .or_insert(s.timestamp);
    }
    oldest
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
}

async fn save(store: &Store, mirror: &Snapshot) {
    let mut copy = mirror.clone();
    copy.history.clear(); // history lives in its own tree
    let s = store.clone();
    let res = tokio::task::spawn_blocking(move || {
        s.save_snapshot(&copy)?;
        s.flush_cache()
    })
    .await;
    log_result("snapshot", res);
}

fn log_result<E: std::fmt::Display>(
    what: &str,
    res: Result<Result<(), E>, tokio::task::JoinError>,
) {
    match res {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::warn!(what, error = %e, "cache write failed"),
        Err(e) => tracing::warn!(what, error = %e, "cache task failed"),
    }
}
