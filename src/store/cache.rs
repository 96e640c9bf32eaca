//! The last known snapshot, the UI session and the analytics engine's state.
//! All of it is rebuildable, so these writes are not flushed one by one
//! (sled flushes in the background and on close).

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::{Store, StoreError};
use crate::domain::{
    ApprovalRequest, Campaign, Freshness, InventoryLevel, Snapshot, SyncFailure, SyncJob, System,
};

/// How much history `load_snapshot` brings back, counted back from the
/// snapshot's metrics cursor.
pub const HISTORY_WINDOW_DAYS: i64 = 14;

const SNAPSHOT_KEY: &[u8] = b"whole";
const SESSION_KEY: &[u8] = b"last";
const ENGINE_KEY: &[u8] = b"engine_state";

/// Where the operator was when they left, restored on the next start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub view: String,
    pub filter: String,
    pub left_at: DateTime<Utc>,
}

/// `Snapshot` minus `history`, borrowed so saving 10,000 campaigns does not
/// clone them. Field names match `Snapshot` so the stored JSON reads alike.
#[derive(Serialize)]
struct SnapshotRef<'a> {
    campaigns: &'a [Campaign],
    sync_jobs: &'a [SyncJob],
    sync_failures: &'a [SyncFailure],
    stock: &'a [InventoryLevel],
    approvals: &'a [ApprovalRequest],
    freshness: &'a BTreeMap<System, Freshness>,
    metrics_cursor: Option<DateTime<Utc>>,
}

#[derive(Deserialize)]
struct SnapshotRecord {
    campaigns: Vec<Campaign>,
    sync_jobs: Vec<SyncJob>,
    sync_failures: Vec<SyncFailure>,
    stock: Vec<InventoryLevel>,
    approvals: Vec<ApprovalRequest>,
    freshness: BTreeMap<System, Freshness>,
    metrics_cursor: Option<DateTime<Utc>>,
}

impl Store {
    /// Saves everything but `history`; history is written bucket by bucket
    /// with [`Store::append_history`] as polls bring it in.
    pub fn save_snapshot(&self, s: &Snapshot) -> Result<(), StoreError> {
        let record = SnapshotRef {
            campaigns: &s.campaigns,
            sync_jobs: &s.sync_jobs,
            sync_failures: &s.sync_failures,
            stock: &s.stock,
            approvals: &s.approvals,
            freshness: &s.freshness,
            metrics_cursor: s.metrics_cursor,
        };
        let bytes = serde_json::to_vec(&record)?;
        self.inner.snapshot.insert(SNAPSHOT_KEY, bytes)?;
        Ok(())
    }

    /// The last saved snapshot with the last [`HISTORY_WINDOW_DAYS`] of
    /// history for each of its campaigns. The window ends at the metrics
    /// cursor (the newest data we had), not at the wall clock, so a console
    /// reopened after a week off still has a full baseline to show.
    pub fn load_snapshot(&self) -> Result<Option<Snapshot>, StoreError> {
        let Some(raw) = self.inner.snapshot.get(SNAPSHOT_KEY)? else {
            return Ok(None);
        };
        let r: SnapshotRecord =
            serde_json::from_slice(&raw).map_err(|e| StoreError::corrupt("snapshot", e))?;
        let anchor = r.metrics_cursor.unwrap_or_else(Utc::now);
        let since = anchor - Duration::days(HISTORY_WINDOW_DAYS);
        let mut history = std::collections::HashMap::with_capacity(r.campaigns.len());
        for c in &r.campaigns {
            if c.id.is_empty() || c.id.contains('\0') {
                continue;
            }
            let series = self.history(&c.id, since)?;
            if !series.is_empty() {
                history.insert(c.id.clone(), series);
            }
        }
        Ok(Some(Snapshot {
            campaigns: r.campaigns,
            history,
            sync_jobs: r.sync_jobs,
            sync_failures: r.sync_failures,
            stock: r.stock,
            approvals: r.approvals,
            freshness: r.freshness,
            metrics_cursor: r.metrics_cursor,
        }))
    }

    pub fn save_session(&self, s: &Session) -> Result<(), StoreError> {
        self.inner
            .session
            .insert(SESSION_KEY, serde_json::to_vec(s)?)?;
        // Saved on the way out; make sure it is there for the next start.
        self.inner.cache.flush()?;
        Ok(())
    }

    pub fn load_session(&self) -> Result<Option<Session>, StoreError> {
        match self.inner.session.get(SESSION_KEY)? {
            Some(raw) => serde_json::from_slice(&raw)
                .map(Some)
                .map_err(|e| StoreError::corrupt("session", e)),
            None => Ok(None),
        }
    }

    /// An opaque blob owned by the analytics engine (its baselines etc.).
    pub fn save_engine_state(&self, blob: &[u8]) -> Result<(), StoreError> {
        self.inner.session.insert(ENGINE_KEY, blob)?;
        Ok(())
    }

    pub fn load_engine_state(&self) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.inner.session.get(ENGINE_KEY)?.map(|v| v.to_vec()))
    }
}
