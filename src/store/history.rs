//! Hourly buckets per campaign, in two cache trees:
//!
//! - `history_recent`: one item per campaign-hour, key = campaign id, 0x00,
//!   hours since the Unix epoch (u32 BE); value = one bucket (see `codec`).
//!   Every append lands here: a plain upsert, no read-modify-write.
//! - `history`: one row per campaign-day, key = campaign id, 0x00, days since
//!   the epoch (u32 BE); value = that day's buckets. `prune_history` folds
//!   completed days from `history_recent` into rows ("sealing").
//!
//! Why: sled 0.34 costs ~150-180 bytes on disk per small item and keeps old
//! versions of rewritten pages until it cleans segments. Sealed rows are
//! written about once per day and amortise the per-item cost over 24 hours;
//! the hourly churn stays in a tree holding about one day of items. Readers
//! merge both, the recent item winning for the same hour, so a crash midway
//! through sealing loses nothing (the next seal folds the same items again).

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::codec::{DayRow, decode_bucket, decode_day, encode_bucket, encode_day};
use super::{Store, StoreError};
use crate::domain::snapshot::HourBucket;

/// Hourly buckets older than this are removed by `prune_history`.
pub const HISTORY_RETENTION_DAYS: i64 = 90;
const TREE: &str = "history";

pub(super) fn hour_of(ts: DateTime<Utc>) -> u32 {
    ts.timestamp()
        .div_euclid(3600)
        .clamp(0, i64::from(u32::MAX)) as u32
}

fn hour_start(hour: u64) -> Result<DateTime<Utc>, StoreError> {
    i64::try_from(hour * 3600)
        .ok()
        .and_then(|secs| Utc.timestamp_opt(secs, 0).single())
        .ok_or_else(|| StoreError::corrupt(TREE, format!("hour {hour} out of range")))
}

fn check_id(id: &str) -> Result<(), StoreError> {
    if id.is_empty() || id.as_bytes().contains(&0) {
        return Err(StoreError::InvalidId { id: id.into() });
    }
    Ok(())
}

/// `unit` is a day for rows and an hour for recent items.
pub(super) fn key(id: &[u8], unit: u32) -> Vec<u8> {
    let mut k = Vec::with_capacity(id.len() + 5);
    k.extend_from_slice(id);
    k.push(0);
    k.extend_from_slice(&unit.to_be_bytes());
    k
}

pub(super) fn split_key(k: &[u8]) -> Option<(&[u8], u32)> {
    let (id, rest) = k.split_at(k.len().checked_sub(5)?);
    if rest[0] != 0 {
        return None;
    }
    let day = u32::from_be_bytes(rest[1..].try_into().ok()?);
    Some((id, day))
}

pub(super) fn unit_of(k: &[u8]) -> Result<u32, StoreError> {
    split_key(k)
        .map(|(_, unit)| unit)
        .ok_or_else(|| StoreError::corrupt(TREE, format!("malformed key {k:?}")))
}

pub(super) fn bucket_of(v: &[u8]) -> Result<[f64; 8], StoreError> {
    decode_bucket(v).ok_or_else(|| StoreError::corrupt(TREE, format!("malformed bucket {v:?}")))
}

pub(super) fn row_of(v: &[u8]) -> Result<DayRow, StoreError> {
    decode_day(v).ok_or_else(|| StoreError::corrupt(TREE, format!("malformed row {v:?}")))
}

impl Store {
    /// Upserts buckets by hour: a bucket's timestamp is truncated to the
    /// start of its hour and replaces whatever that hour held.
    pub fn append_history(
        &self,
        campaign_id: &str,
        buckets: &[HourBucket],
    ) -> Result<(), StoreError> {
        self.append_history_many([(campaign_id, buckets)])
    }

    /// Like [`Store::append_history`] for many campaigns in one atomic batch,
    /// e.g. everything one metrics poll brought in.
    pub fn append_history_many<'a>(
        &self,
        items: impl IntoIterator<Item = (&'a str, &'a [HourBucket])>,
    ) -> Result<(), StoreError> {
        let mut batch = sled::Batch::default();
        for (campaign_id, buckets) in items {
            check_id(campaign_id)?;
            for b in buckets {
                batch.insert(
                    key(campaign_id.as_bytes(), hour_of(b.ts)),
                    encode_bucket(&b.values),
                );
            }
        }
        // Sealing reads then deletes recent items; an append in between
        // would be deleted with them.
        let _writer = self.history_lock();
        self.inner.history_recent.apply_batch(batch)?;
        Ok(())
    }

    /// Buckets of one campaign from the hour containing `since` on, oldest first.
    pub fn history(
        &self,
        campaign_id: &str,
        since: DateTime<Utc>,
    ) -> Result<Vec<HourBucket>, StoreError> {
        check_id(campaign_id)?;
        let id = campaign_id.as_bytes();
        let since = hour_of(since);
        let mut hours: BTreeMap<u64, [f64; 8]> = BTreeMap::new();
        for item in self
            .inner
            .history
            .range(key(id, since / 24)..=key(id, u32::MAX))
        {
            let (k, v) = item?;
            let day = u64::from(unit_of(&k)?);
            for (h, values) in row_of(&v)?.iter().enumerate() {
                let hour = day * 24 + h as u64;
                if let Some(values) = values.filter(|_| hour >= u64::from(since)) {
                    hours.insert(hour, values);
                }
            }
        }
        for item in self
            .inner
            .history_recent
            .range(key(id, since)..=key(id, u32::MAX))
        {
            let (k, v) = item?;
            hours.insert(u64::from(unit_of(&k)?), bucket_of(&v)?);
        }
        hours
            .into_iter()
            .map(|(hour, values)| {
                Ok(HourBucket {
                    ts: hour_start(hour)?,
                    values,
                })
            })
            .collect()
    }

    /// Seals completed days into rows, then deletes buckets older than the
    /// retention window and returns how many it deleted. Call it hourly (or
    /// at least daily): until it runs, history stays in the larger per-hour form.
    pub fn prune_history(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        self.seal(hour_of(now) / 24)?;
        // Sealing also rewrites rows; keep it out while trimming them.
        let _writer = self.history_lock();
        let tree = &self.inner.history;
        let cutoff = hour_of(now - Duration::days(HISTORY_RETENTION_DAYS));
        let (cut_day, cut_hour) = (cutoff / 24, (cutoff % 24) as usize);
        let mut removed = 0;
        let mut from: Vec<u8> = Vec::new();
        while let Some(item) = tree.range(from.as_slice()..).next() {
            let (k, _) = item?;
            let Some((id, _)) = split_key(&k) else {
                // Not ours: drop it rather than let it stall the walk.
                tree.remove(&k)?;
                continue;
            };
            let mut batch = sled::Batch::default();
            for old in tree.range(key(id, 0)..=key(id, cut_day)) {
                let (k, v) = old?;
                let mut row = row_of(&v)?;
                let whole_day = unit_of(&k)? < cut_day;
                let drop_hours = if whole_day { 24 } else { cut_hour };
                removed += row[..drop_hours].iter().flatten().count();
                row[..drop_hours].fill(None);
                if row.iter().all(Option::is_none) {
                    batch.remove(k);
                } else if drop_hours > 0 {
                    batch.insert(k, encode_day(&row));
                }
            }
            tree.apply_batch(batch)?;
            // The smallest key after every "<id>\0..." key.
            from = id.to_vec();
            from.push(1);
        }
        Ok(removed)
    }

    pub(super) fn history_lock(&self) -> std::sync::MutexGuard<'_, ()> {
        // The guarded data is `()`: a panic elsewhere cannot leave it inconsistent.
        self.inner
            .history_writer
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_sort_by_campaign_then_day() {
        assert!(key(b"c1", 5) < key(b"c1", 6));
        assert!(key(b"c1", u32::MAX) < key(b"c10", 0));
        assert_eq!(split_key(&key(b"c1", 77)), Some((&b"c1"[..], 77)));
        assert_eq!(split_key(b"ab"), None);
    }
}
