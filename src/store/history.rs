//! Hourly buckets per campaign in the cache's `history` tree.
//!
//! Key: campaign id, 0x00, the UTC day (days since the Unix epoch) as a
//! big-endian u32, so one campaign's rows are contiguous and sorted by time.
//! Value: that day's hourly buckets (see `codec`). A bucket is addressed by
//! its hour; rows are an on-disk detail that keeps 10,000 campaigns x 90
//! days x 24 hours within reach of sled (see docs/storage.md for figures).

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::codec::{DayRow, decode_day, encode_day};
use super::{Store, StoreError};
use crate::domain::snapshot::HourBucket;

/// Hourly buckets older than this are removed by `prune_history`.
pub const HISTORY_RETENTION_DAYS: i64 = 90;
const TREE: &str = "history";

fn hour_of(ts: DateTime<Utc>) -> u32 {
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

fn key(id: &[u8], day: u32) -> Vec<u8> {
    let mut k = Vec::with_capacity(id.len() + 5);
    k.extend_from_slice(id);
    k.push(0);
    k.extend_from_slice(&day.to_be_bytes());
    k
}

fn split_key(k: &[u8]) -> Option<(&[u8], u32)> {
    let (id, rest) = k.split_at(k.len().checked_sub(5)?);
    if rest[0] != 0 {
        return None;
    }
    let day = u32::from_be_bytes(rest[1..].try_into().ok()?);
    Some((id, day))
}

fn row_of(v: &[u8]) -> Result<DayRow, StoreError> {
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
        let tree = &self.inner.history;
        // Rows are read-modify-write: serialise writers so none is lost.
        let _writer = self
            .inner
            .history_writer
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let mut rows: BTreeMap<Vec<u8>, DayRow> = BTreeMap::new();
        for (campaign_id, buckets) in items {
            check_id(campaign_id)?;
            for b in buckets {
                let hour = hour_of(b.ts);
                let k = key(campaign_id.as_bytes(), hour / 24);
                let row = match rows.entry(k) {
                    std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
                    std::collections::btree_map::Entry::Vacant(e) => {
                        let existing = match tree.get(e.key())? {
                            Some(v) => row_of(&v)?,
                            None => [None; 24],
                        };
                        e.insert(existing)
                    }
                };
                row[(hour % 24) as usize] = Some(b.values);
            }
        }
        let mut batch = sled::Batch::default();
        for (k, row) in &rows {
            batch.insert(k.as_slice(), encode_day(row));
        }
        tree.apply_batch(batch)?;
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
        let since = u64::from(hour_of(since));
        let mut out = Vec::new();
        for item in self.inner.history.range(key(id, (since / 24) as u32)..) {
            let (k, v) = item?;
            match split_key(&k) {
                Some((kid, _)) if kid != id => break,
                Some((_, day)) => {
                    for (h, values) in row_of(&v)?.iter().enumerate() {
                        let hour = u64::from(day) * 24 + h as u64;
                        if let Some(values) = values.filter(|_| hour >= since) {
                            out.push(HourBucket {
                                ts: hour_start(hour)?,
                                values,
                            });
                        }
                    }
                }
                None => return Err(StoreError::corrupt(TREE, format!("malformed key {k:?}"))),
            }
        }
        Ok(out)
    }

    /// Deletes buckets older than the retention window; returns how many.
    /// Visits each campaign's old rows only, not every row in the tree.
    pub fn prune_history(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        let tree = &self.inner.history;
        let _writer = self
            .inner
            .history_writer
            .lock()
            .unwrap_or_else(|p| p.into_inner());
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
                let whole_day = split_key(&k).is_some_and(|(_, day)| day < cut_day);
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
