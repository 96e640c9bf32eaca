//! Hourly buckets per campaign in the cache's `history` tree.
//!
//! Key: campaign id, 0x00, hours since the Unix epoch as big-endian u32, so
//! one campaign's buckets are contiguous and sorted by time. Value: the 8
//! counters in a compact encoding (see [`encode_bucket`]), ~20-30 bytes for
//! typical integral counters instead of 64.

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::{Store, StoreError};
use crate::domain::snapshot::HourBucket;

/// Hourly buckets older than this are removed by `prune_history`.
pub const HISTORY_RETENTION_DAYS: i64 = 90;
const TREE: &str = "history";
/// Largest integral value stored as a varint; beyond it f64 is exact only as f64.
const MAX_EXACT: f64 = 9_007_199_254_740_992.0;
const PRUNE_BATCH: usize = 10_000;

fn hour_of(ts: DateTime<Utc>) -> u32 {
    ts.timestamp()
        .div_euclid(3600)
        .clamp(0, i64::from(u32::MAX)) as u32
}

fn hour_start(hour: u32) -> Result<DateTime<Utc>, StoreError> {
    Utc.timestamp_opt(i64::from(hour) * 3600, 0)
        .single()
        .ok_or_else(|| StoreError::corrupt(TREE, format!("hour {hour} out of range")))
}

fn check_id(id: &str) -> Result<(), StoreError> {
    if id.is_empty() || id.as_bytes().contains(&0) {
        return Err(StoreError::InvalidId { id: id.into() });
    }
    Ok(())
}

fn key(id: &[u8], hour: u32) -> Vec<u8> {
    let mut k = Vec::with_capacity(id.len() + 5);
    k.extend_from_slice(id);
    k.push(0);
    k.extend_from_slice(&hour.to_be_bytes());
    k
}

fn split_key(k: &[u8]) -> Option<(&[u8], u32)> {
    let (id, rest) = k.split_at(k.len().checked_sub(5)?);
    if rest[0] != 0 {
        return None;
    }
    let hour = u32::from_be_bytes(rest[1..].try_into().ok()?);
    Some((id, hour))
}

/// Encoding: a byte with one bit per non-zero counter, a byte marking which
/// of those are small non-negative integers (LEB128 varint), then the
/// present values in counter order (varint or f64 little-endian). Exact for
/// every f64, including -0.0 and NaN.
pub fn encode_bucket(values: &[f64; 8]) -> Vec<u8> {
    let mut present = 0u8;
    let mut integral = 0u8;
    let mut body = Vec::with_capacity(24);
    for (i, &v) in values.iter().enumerate() {
        if v.to_bits() == 0 {
            continue;
        }
        present |= 1 << i;
        if v.is_sign_positive() && v.fract() == 0.0 && v < MAX_EXACT {
            integral |= 1 << i;
            let mut n = v as u64;
            loop {
                let byte = (n & 0x7f) as u8;
                n >>= 7;
                if n == 0 {
                    body.push(byte);
                    break;
                }
                body.push(byte | 0x80);
            }
        } else {
            body.extend_from_slice(&v.to_le_bytes());
        }
    }
    let mut out = Vec::with_capacity(body.len() + 2);
    out.push(present);
    out.push(integral);
    out.extend_from_slice(&body);
    out
}

pub fn decode_bucket(bytes: &[u8]) -> Option<[f64; 8]> {
    let (&present, rest) = bytes.split_first()?;
    let (&integral, mut body) = rest.split_first()?;
    let mut values = [0.0; 8];
    for (i, v) in values.iter_mut().enumerate() {
        if present & (1 << i) == 0 {
            continue;
        }
        if integral & (1 << i) != 0 {
            let mut n = 0u64;
            let mut shift = 0;
            loop {
                let (&b, tail) = body.split_first()?;
                body = tail;
                n |= u64::from(b & 0x7f).checked_shl(shift)?;
                if b & 0x80 == 0 {
                    break;
                }
                shift += 7;
                if shift > 63 {
                    return None;
                }
            }
            *v = n as f64;
        } else {
            let (raw, tail) = body.split_first_chunk::<8>()?;
            body = tail;
            *v = f64::from_le_bytes(*raw);
        }
    }
    body.is_empty().then_some(values)
}

impl Store {
    /// Upserts buckets by hour: a bucket's timestamp is truncated to the
    /// start of its hour and replaces whatever that hour held.
    pub fn append_history(
        &self,
        campaign_id: &str,
        buckets: &[HourBucket],
    ) -> Result<(), StoreError> {
        check_id(campaign_id)?;
        let mut batch = sled::Batch::default();
        for b in buckets {
            batch.insert(
                key(campaign_id.as_bytes(), hour_of(b.ts)),
                encode_bucket(&b.values),
            );
        }
        self.inner.history.apply_batch(batch)?;
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
        let range = key(id, hour_of(since))..=key(id, u32::MAX);
        let mut out = Vec::new();
        for item in self.inner.history.range(range) {
            let (k, v) = item?;
            let (_, hour) = split_key(&k)
                .ok_or_else(|| StoreError::corrupt(TREE, format!("malformed key {k:?}")))?;
            let values = decode_bucket(&v)
                .ok_or_else(|| StoreError::corrupt(TREE, format!("malformed bucket {v:?}")))?;
            out.push(HourBucket {
                ts: hour_start(hour)?,
                values,
            });
        }
        Ok(out)
    }

    /// Deletes buckets older than the retention window; returns how many.
    /// Visits each campaign's range once instead of scanning every bucket.
    pub fn prune_history(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        let tree = &self.inner.history;
        let cutoff = hour_of(now - Duration::days(HISTORY_RETENTION_DAYS));
        let mut removed = 0;
        let mut from: Vec<u8> = Vec::new();
        while let Some(item) = tree.range(from.as_slice()..).next() {
            let (k, _) = item?;
            let Some((id, _)) = split_key(&k) else {
                // Not ours: drop it rather than let it stall the walk.
                tree.remove(&k)?;
                removed += 1;
                continue;
            };
            let mut batch = sled::Batch::default();
            let mut in_batch = 0;
            for old in tree.range(key(id, 0)..key(id, cutoff)).keys() {
                batch.remove(old?);
                in_batch += 1;
                if in_batch == PRUNE_BATCH {
                    tree.apply_batch(std::mem::take(&mut batch))?;
                    removed += in_batch;
                    in_batch = 0;
                }
            }
            tree.apply_batch(batch)?;
            removed += in_batch;
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
    fn bucket_codec_is_exact() {
        let cases: [[f64; 8]; 4] = [
            [0.0; 8],
            [1.0, 2.0, 300.0, 40_000.0, 0.0, 0.0, 7.0, 12.34],
            [
                -0.0,
                f64::NAN,
                -5.0,
                0.5,
                MAX_EXACT,
                1e300,
                f64::INFINITY,
                1.0,
            ],
            [u32::MAX as f64; 8],
        ];
        for values in cases {
            let enc = encode_bucket(&values);
            let dec = decode_bucket(&enc).expect("decodes");
            for (a, b) in values.iter().zip(dec.iter()) {
                assert_eq!(a.to_bits(), b.to_bits(), "{values:?} -> {dec:?}");
            }
        }
        assert_eq!(encode_bucket(&[0.0; 8]).len(), 2);
        assert!(encode_bucket(&[1000.0, 990.0, 300.0, 40.0, 5.0, 1.0, 3.0, 12.5]).len() <= 20);
    }

    #[test]
    fn bucket_codec_rejects_garbage() {
        assert_eq!(decode_bucket(&[]), None);
        assert_eq!(decode_bucket(&[1, 1]), None);
        assert_eq!(decode_bucket(&[1, 0, 1, 2, 3]), None);
        assert_eq!(decode_bucket(&[1, 1, 0x80, 0x80]), None);
        assert_eq!(decode_bucket(&[0, 0, 9]), None);
    }

    #[test]
    fn keys_sort_by_campaign_then_hour() {
        assert!(key(b"c1", 5) < key(b"c1", 6));
        assert!(key(b"c1", u32::MAX) < key(b"c10", 0));
        assert_eq!(split_key(&key(b"c1", 77)), Some((&b"c1"[..], 77)));
        assert_eq!(split_key(b"ab"), None);
    }
}
