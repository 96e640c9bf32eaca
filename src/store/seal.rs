//! Sealing: folding completed days of `history_recent` into `history` rows.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use super::codec::{DayRow, encode_day};
use super::history::{bucket_of, key, row_of, split_key};
use super::{Store, StoreError};

/// Recent items folded per locked step: appends wait at most one step.
const SEAL_CHUNK: usize = 20_000;

impl Store {
    /// Folds recent items of days before `today` into their day rows (and
    /// drops malformed items). Works in chunks, each under the history lock
    /// and re-reading its items there, so appends are never blocked for long
    /// and never lost. Rows are written before items are deleted: a crash in
    /// between leaves items that the next seal folds again, to the same rows.
    pub(super) fn seal(&self, today: u32) -> Result<(), StoreError> {
        let mut due = Vec::with_capacity(SEAL_CHUNK);
        for k in self.inner.history_recent.iter().keys() {
            let k = k?;
            if split_key(&k).is_none_or(|(_, hour)| hour / 24 < today) {
                due.push(k);
                if due.len() == SEAL_CHUNK {
                    self.seal_chunk(&due)?;
                    due.clear();
                }
            }
        }
        if !due.is_empty() {
            self.seal_chunk(&due)?;
        }
        Ok(())
    }

    fn seal_chunk(&self, keys: &[sled::IVec]) -> Result<(), StoreError> {
        let (rows_tree, recent) = (&self.inner.history, &self.inner.history_recent);
        let _writer = self.history_lock();
        let mut rows: BTreeMap<Vec<u8>, DayRow> = BTreeMap::new();
        let mut gone = sled::Batch::default();
        for k in keys {
            gone.remove(k.clone());
            let (Some((id, hour)), Some(v)) = (split_key(k), recent.get(k)?) else {
                continue;
            };
            let row = match rows.entry(key(id, hour / 24)) {
                Entry::Occupied(e) => e.into_mut(),
                Entry::Vacant(e) => {
                    let existing = match rows_tree.get(e.key())? {
                        Some(v) => row_of(&v)?,
                        None => [None; 24],
                    };
                    e.insert(existing)
                }
            };
            row[(hour % 24) as usize] = Some(bucket_of(&v)?);
        }
        let mut batch = sled::Batch::default();
        for (k, row) in rows {
            batch.insert(k, encode_day(&row));
        }
        rows_tree.apply_batch(batch)?;
        recent.apply_batch(gone)?;
        Ok(())
    }
}
