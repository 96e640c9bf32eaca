//! Headless commands' view of the world: fetched once from the APIs, or —
//! when a source is unreachable — taken from the cache and labelled stale.
//! The result is mirrored back into the cache (when the data directory is
//! free) so the next offline run starts from it.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use color_eyre::eyre::{Result, WrapErr};
use serde::Serialize;

use crate::analytics::{Engine, Policy};
use crate::config::Profile;
use crate::connectors::vendor::{Backend, Supported};
use crate::connectors::{HttpClient, HttpConfig, HttpError};
use crate::domain::{Derived, Snapshot, System};
use crate::store::{Store, StoreError};
use crate::sync::{PollData, PollOutcome, apply_outcome};

/// How far back the first metrics fetch reaches when the cache is empty.
const BACKFILL: Duration = Duration::days(7);

/// A one-shot command should answer within seconds, not wait out a breaker:
/// fewer attempts, shorter deadlines, and no circuit opening mid-run.
pub fn headless_http() -> HttpConfig {
    HttpConfig {
        connect_timeout: StdDuration::from_secs(3),
        read_timeout: StdDuration::from_secs(10),
        total_timeout: StdDuration::from_secs(15),
        max_attempts: 2,
        base_backoff: StdDuration::from_millis(100),
        max_backoff: StdDuration::from_secs(1),
        breaker_threshold: 1000,
        max_rate_limit_wait: StdDuration::from_secs(10),
        ..HttpConfig::default()
    }
}

pub fn client(profile: &Profile) -> Result<Backend> {
    let http = Arc::new(HttpClient::new(headless_http())?);
    Ok(Backend::new(
        http,
        profile.endpoints.clone(),
        profile.vendors.flavours,
        profile.vendors.tokens.clone(),
    ))
}

/// Create the data directory and open the store there; a reset cache is
/// logged. The inner error is the store's, for callers that treat a lock
/// differently (headless reads go on without the cache).
pub fn try_open_store(profile: &Profile) -> Result<Result<Store, StoreError>> {
    std::fs::create_dir_all(&profile.data_dir).wrap_err_with(|| {
        format!(
            "cannot create data directory {}",
            profile.data_dir.display()
        )
    })?;
    Ok(Store::open(&profile.data_dir).map(|(store, report)| {
        if let Some(why) = report.cache_reset {
            tracing::warn!(%why, "cache was reset and will be rebuilt from the APIs");
        }
        store
    }))
}

/// The data directory, or `None` (with the reason) while a console holds it.
pub fn open_store(profile: &Profile) -> Result<(Option<Store>, Option<String>)> {
    match try_open_store(profile)? {
        Ok(store) => Ok((Some(store), None)),
        Err(StoreError::Locked { dir }) => Ok((
            None,
            Some(format!(
                "another mops (usually a running console) holds {}; answering from the APIs only, without cache",
                dir.display()
            )),
        )),
        Err(e) => Err(e.into()),
    }
}

/// Where one source's data came from in this run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceState {
    pub system: System,
    /// `live` (fetched now), `cached` (unreachable, last known state shown)
    /// or `none` (unreachable and nothing cached).
    pub state: &'static str,
    pub fetched_at: Option<DateTime<Utc>>,
    pub age_secs: Option<i64>,
    pub stale: bool,
    pub error: Option<String>,
}

/// Everything a read command needs, computed once.
pub struct World {
    pub snapshot: Snapshot,
    pub derived: Derived,
    pub engine: Engine,
    pub failed: Vec<(System, String)>,
    /// Wall clock of this run: ages are measured on it.
    pub wall: DateTime<Utc>,
    /// The sources' clock: deadlines, alert times and pacing are judged on it.
    pub world_now: DateTime<Utc>,
    pub stale_after: Duration,
    pub store: Option<Store>,
    /// Why there is no cache this run, if there is none.
    pub store_note: Option<String>,
}

impl World {
    /// Open the store (if free), fetch every source once, evaluate analytics
    /// and mirror the result back into the cache.
    pub async fn load(profile: &Profile) -> Result<World> {
        let (store, store_note) = open_store(profile)?;
        let mut snapshot = cached(store.as_ref());
        let mut engine = store.as_ref().map_or_else(
            || Engine::new(Policy::default()),
            super::console::load_engine,
        );
        let client = client(profile)?;
        let (failed, touched) = refresh(&client, &mut snapshot).await;
        let wall = Utc::now();
        let world_now = snapshot.world_now(wall);
        let derived = engine.evaluate(&snapshot, world_now);
        if let Some(s) = &store {
            persist(s, &snapshot, &touched, &engine);
        }
        Ok(World {
            snapshot,
            derived,
            engine,
            failed,
            wall,
            world_now,
            stale_after: profile.stale_after,
            store,
            store_note,
        })
    }

    pub fn sources(&self) -> Vec<SourceState> {
        System::ALL
            .iter()
            .map(|&system| {
                let f = self.snapshot.freshness(system);
                let error = self
                    .failed
                    .iter()
                    .find(|(s, _)| *s == system)
                    .map(|(_, e)| e.clone());
                let state = match (&error, f.fetched_at) {
                    (None, _) => "live",
                    (Some(_), Some(_)) => "cached",
                    (Some(_), None) => "none",
                };
                SourceState {
                    system,
                    state,
                    fetched_at: f.fetched_at,
                    age_secs: f.age(self.wall).map(|a| a.num_seconds()),
                    stale: error.is_some() && f.is_stale(self.wall, self.stale_after),
                    error,
                }
            })
            .collect()
    }

    /// One line saying where the data came from, or `None` when every source
    /// answered just now.
    pub fn provenance(&self) -> Option<String> {
        let sources = self.sources();
        let degraded: Vec<String> = sources
            .iter()
            .filter(|s| s.state != "live")
            .map(|s| match s.age_secs {
                Some(age) => format!(
                    "{}: unreachable, from cache, {}{}",
                    s.system.label(),
                    human_age(age),
                    if s.stale { " stale" } else { " old" }
                ),
                None => format!("{}: unreachable, no cached data", s.system.label()),
            })
            .collect();
        if degraded.is_empty() && self.store_note.is_none() {
            return None;
        }
        let mut parts = degraded;
        if let Some(n) = &self.store_note {
            parts.push(n.clone());
        }
        Some(format!("data: {}", parts.join("; ")))
    }
}

pub fn human_age(secs: i64) -> String {
    match secs {
        s if s < 120 => format!("{s} s"),
        s if s < 7200 => format!("{} min", s / 60),
        s if s < 172_800 => format!("{} h", s / 3600),
        s => format!("{} d", s / 86_400),
    }
}

/// Campaigns whose history a fetch touched, with the oldest hour touched.
type Touched = HashMap<String, DateTime<Utc>>;

/// Fetch every source once into `snapshot` (which may hold cached data).
/// Returns the systems that could not be reached, with the reason.
pub async fn refresh(
    client: &Backend,
    snapshot: &mut Snapshot,
) -> (Vec<(System, String)>, Touched) {
    let cursor = snapshot.metrics_cursor;
    let (m, c, e) = tokio::join!(
        async {
            let campaigns = client.campaigns().await?;
            // Re-ask for the newest bucket: it is partial until its hour closes.
            let since = cursor.map_or_else(
                || campaigns.as_of.unwrap_or_else(Utc::now) - BACKFILL,
                |t| t - Duration::seconds(1),
            );
            let metrics = client.metrics_since(since).await?;
            Ok::<_, HttpError>((campaigns, metrics))
        },
        client.sync_jobs(),
        async {
            let stock = client.stock().await?;
            let approvals = client.approvals().await?;
            Ok::<_, HttpError>((stock, approvals))
        },
    );
    let mut touched = Touched::new();
    if let Ok((_, metrics)) = &m {
        for s in &metrics.items {
            touched
                .entry(s.campaign_id.clone())
                .and_modify(|t| *t = (*t).min(s.timestamp))
                .or_insert(s.timestamp);
        }
    }
    let at = Utc::now();
    let mut failed = Vec::new();
    let mut put = |system: System, r: Result<(Option<DateTime<Utc>>, Vec<PollData>), String>| {
        let (server_time, result) = match r {
            Ok((server_time, parts)) => (server_time, Ok(parts)),
            Err(e) => (None, Err(e)),
        };
        match result {
            Ok(parts) => {
                for p in parts {
                    apply_outcome(
                        snapshot,
                        PollOutcome {
                            system,
                            at,
                            server_time,
                            result: Ok(p),
                        },
                    );
                }
            }
            Err(e) => {
                failed.push((system, e.clone()));
                apply_outcome(
                    snapshot,
                    PollOutcome {
                        system,
                        at,
                        server_time: None,
                        result: Err(e),
                    },
                );
            }
        }
    };
    put(
        System::Marketing,
        m.map(|(c, m)| {
            (
                c.as_of,
                vec![PollData::Campaigns(c.items), PollData::Metrics(m.items)],
            )
        })
        .map_err(|e| e.to_string()),
    );
    put(
        System::Crm,
        c.map(|(j, f)| {
            (
                j.as_of,
                vec![PollData::SyncJobs {
                    jobs: j.items,
                    failures: f,
                }],
            )
        })
        .map_err(|e| e.to_string()),
    );
    put(
        System::Erp,
        e.map(|(s, a)| {
            (s.as_of, {
                let mut parts = vec![PollData::Stock(s.items)];
                if let Supported::Yes(a) = a {
                    parts.push(PollData::Approvals(a.items));
                }
                parts
            })
        })
        .map_err(|e| e.to_string()),
    );
    (failed, touched)
}

/// The cached snapshot, or an empty one.
pub fn cached(store: Option<&Store>) -> Snapshot {
    store
        .and_then(|s| match s.load_snapshot() {
            Ok(snap) => snap,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the cached snapshot; starting empty");
                None
            }
        })
        .unwrap_or_default()
}

/// Best effort: a cache write failing must not fail a read command.
fn persist(store: &Store, snapshot: &Snapshot, touched: &Touched, engine: &Engine) {
    let mut result: Result<(), StoreError> = touched.iter().try_for_each(|(id, from)| {
        let Some(series) = snapshot.history.get(id) else {
            return Ok(());
        };
        let start = series.partition_point(|b| b.ts < *from);
        store.append_history(id, &series[start..])
    });
    if result.is_ok() {
        let mut copy = snapshot.clone();
        copy.history.clear(); // history lives in its own tree
        result = store.save_snapshot(&copy);
    }
    if result.is_ok() {
        result = super::console::save_engine_state(store, engine);
    }
    if let Err(e) = result.and_then(|()| store.flush_cache()) {
        tracing::warn!(error = %e, "cannot update the cache");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Freshness;

    fn world(failed: Vec<(System, String)>, fetched: &[(System, i64)]) -> World {
        let wall = Utc::now();
        let mut snapshot = Snapshot::default();
        for (s, age) in fetched {
            snapshot.freshness.insert(
                *s,
                Freshness {
                    fetched_at: Some(wall - Duration::seconds(*age)),
                    ..Freshness::default()
                },
            );
        }
        World {
            snapshot,
            derived: Derived::default(),
            engine: Engine::new(Policy::default()),
            failed,
            wall,
            world_now: wall,
            stale_after: Duration::seconds(120),
            store: None,
            store_note: None,
        }
    }

    #[test]
    fn sources_say_live_cached_or_none_and_when_stale() {
        let w = world(
            vec![
                (System::Crm, "HTTP 503".into()),
                (System::Erp, "refused".into()),
            ],
            &[(System::Marketing, 0), (System::Crm, 840)],
        );
        let s = w.sources();
        assert_eq!(
            s.iter().map(|s| (s.state, s.stale)).collect::<Vec<_>>(),
            [("live", false), ("cached", true), ("none", true)]
        );
        assert_eq!(s[1].age_secs, Some(840));
        assert_eq!(
            w.provenance().as_deref(),
            Some(
                "data: CRM: unreachable, from cache, 14 min stale; ERP: unreachable, no cached data"
            )
        );
    }

    #[test]
    fn a_recent_cache_is_old_not_stale_and_all_live_says_nothing() {
        let w = world(vec![(System::Crm, "x".into())], &[(System::Crm, 30)]);
        assert!(!w.sources()[1].stale);
        assert!(
            w.provenance()
                .unwrap()
                .contains("CRM: unreachable, from cache, 30 s old")
        );
        let live = world(vec![], &[(System::Marketing, 0)]);
        assert_eq!(live.provenance(), None);
    }
}
