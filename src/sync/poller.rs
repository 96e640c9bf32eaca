//! One generic poll loop per system. Each loop owns its schedule and cursor,
//! sends owned `PollOutcome`s to the state owner, and never blocks the UI.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::{PollData, PollOutcome};
use crate::connectors::HttpError;
use crate::connectors::vendor::{Backend, Supported};
use crate::domain::System;

#[derive(Debug, Clone)]
pub struct PollConfig {
    pub marketing_every: Duration,
    pub crm_every: Duration,
    pub erp_every: Duration,
    /// Longest pause between polls of a failing source.
    pub max_backoff: Duration,
    /// How far back the first metrics fetch reaches when the cache is empty.
    pub backfill: chrono::Duration,
}

impl Default for PollConfig {
    fn default() -> Self {
        PollConfig {
            marketing_every: Duration::from_secs(5),
            crm_every: Duration::from_secs(10),
            erp_every: Duration::from_secs(10),
            max_backoff: Duration::from_secs(60),
            backfill: chrono::Duration::days(7),
        }
    }
}

/// Start the three pollers. `metrics_cursor` is the newest bucket already
/// cached, so a restart fetches only what is new.
pub fn spawn_pollers(
    client: Arc<Backend>,
    tx: mpsc::Sender<PollOutcome>,
    cfg: PollConfig,
    metrics_cursor: Option<DateTime<Utc>>,
    cancel: CancellationToken,
) -> Vec<JoinHandle<()>> {
    let mut handles = Vec::new();
    {
        let client = client.clone();
        // Shared by the fetch and map halves of the marketing loop.
        let since = Arc::new(std::sync::Mutex::new(metrics_cursor));
        let since_w = since.clone();
        let early_tx = tx.clone();
        let backfill = cfg.backfill;
        handles.push(spawn_loop(
            System::Marketing,
            cfg.marketing_every,
            cfg.max_backoff,
            tx.clone(),
            cancel.clone(),
            move || {
                let client = client.clone();
                let early = early_tx.clone();
                let from = *since.lock().unwrap_or_else(|p| p.into_inner());
                async move {
                    let campaigns = client.campaigns().await?;
                    let as_of = campaigns.as_of;
                    let start = from.unwrap_or_else(|| as_of.unwrap_or_else(Utc::now) - backfill);
                    // Campaigns go to the screen now: the first metrics
                    // backfill can take a while, and a failure there is
                    // reported as a failed marketing poll all the same.
                    let _ = early
                        .send(PollOutcome {
                            system: System::Marketing,
                            at: Utc::now(),
                            server_time: as_of,
                            result: Ok(PollData::Campaigns(campaigns.items)),
                        })
                        .await;
                    let metrics = client.metrics_since(start).await?;
                    Ok((as_of, metrics))
                }
            },
            move |(as_of, metrics)| {
                // Re-ask for the newest bucket next time: it is partial until its hour closes.
                if let Some(max) = metrics.items.iter().map(|m| m.timestamp).max() {
                    *since_w.lock().unwrap_or_else(|p| p.into_inner()) =
                        Some(max - chrono::Duration::seconds(1));
                }
                (as_of, vec![PollData::Metrics(metrics.items)])
            },
        ));
    }
    {
        let client = client.clone();
        handles.push(spawn_loop(
            System::Crm,
            cfg.crm_every,
            cfg.max_backoff,
            tx.clone(),
            cancel.clone(),
            move || {
                let client = client.clone();
                async move { client.sync_jobs().await }
            },
            |(jobs, failures)| {
                (
                    jobs.as_of,
                    vec![PollData::SyncJobs {
                        jobs: jobs.items,
                        failures,
                    }],
                )
            },
        ));
    }
    handles.push(spawn_loop(
        System::Erp,
        cfg.erp_every,
        cfg.max_backoff,
        tx,
        cancel,
        move || {
            let client = client.clone();
            async move {
                let stock = client.stock().await?;
                let approvals = client.approvals().await?;
                Ok((stock, approvals))
            }
        },
        |(stock, approvals)| {
            let mut parts = vec![PollData::Stock(stock.items)];
            // An ERP without approval chains reports nothing rather than an
            // empty list; `Backend::unsupported` tells the UI why.
            if let Supported::Yes(a) = approvals {
                parts.push(PollData::Approvals(a.items));
            }
            (stock.as_of, parts)
        },
    ));
    handles
}

/// The loop shared by every source: fetch, report, wait (longer while failing).
/// A source's parts are fetched together and reported only together (the
/// marketing campaign list excepted, which goes ahead of its metrics), so
/// freshness never claims more than what actually arrived: a failure in any
/// part marks the source's poll as failed.
fn spawn_loop<T, Fut, F, M>(
    system: System,
    every: Duration,
    max_backoff: Duration,
    tx: mpsc::Sender<PollOutcome>,
    cancel: CancellationToken,
    mut fetch: F,
    mut map: M,
) -> JoinHandle<()>
where
    T: Send + 'static,
    Fut: std::future::Future<Output = Result<T, HttpError>> + Send + 'static,
    F: FnMut() -> Fut + Send + 'static,
    M: FnMut(T) -> (Option<DateTime<Utc>>, Vec<PollData>) + Send + 'static,
{
    tokio::spawn(async move {
        let mut failures: u32 = 0;
        loop {
            let result = tokio::select! {
                r = fetch() => r,
                () = cancel.cancelled() => return,
            };
            let at = Utc::now();
            let outcomes = match result {
                Ok(data) => {
                    failures = 0;
                    let (server_time, parts) = map(data);
                    parts
                        .into_iter()
                        .map(|p| PollOutcome {
                            system,
                            at,
                            server_time,
                            result: Ok(p),
                        })
                        .collect()
                }
                Err(e) => {
                    failures = failures.saturating_add(1);
                    tracing::warn!(system = system.as_str(), error = %e, "poll failed");
                    vec![PollOutcome {
                        system,
                        at,
                        server_time: None,
                        result: Err(e.to_string()),
                    }]
                }
            };
            for o in outcomes {
                if tx.send(o).await.is_err() {
                    return;
                }
            }
            let wait = if failures == 0 {
                every
            } else {
                let exp = every.saturating_mul(1u32 << failures.min(6));
                exp.min(max_backoff).max(every)
            };
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = cancel.cancelled() => return,
            }
        }
    })
}
