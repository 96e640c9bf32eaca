//! Durable local state in one data directory, see docs/storage.md.
//!
//! Two sled databases with different failure policies:
//! - `cache/`: snapshot, hourly history, UI session. Rebuildable from the
//!   APIs, so an unreadable or wrong-version cache is moved aside and rebuilt.
//! - `journal/`: the outbox and the hash-chained audit log. Never rebuilt or
//!   deleted; failing to open it is a hard error. Every write is flushed
//!   before the call returns.
//!
//! One process owns a data directory at a time (`mops.lock` + sled's lock).
//! All methods block on disk I/O; async callers wrap them in `spawn_blocking`.

mod audit;
mod cache;
mod codec;
mod error;
mod history;
mod open;
mod outbox;
mod seal;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

pub use audit::{AuditVerification, GENESIS_HASH, NewAuditEntry, entry_hash};
pub use cache::{HISTORY_WINDOW_DAYS, Session};
pub use codec::{decode_bucket, encode_bucket};
pub use error::{AuditError, StoreError, Tamper};
pub use history::HISTORY_RETENTION_DAYS;
pub use open::{CACHE_FORMAT_VERSION, JOURNAL_FORMAT_VERSION, OpenReport};
pub use outbox::Enqueued;

/// Cheap to clone: every clone shares the same databases and lock.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

// Field order is drop order: both databases close before the lock is released.
struct Inner {
    data_dir: PathBuf,
    snapshot: sled::Tree,
    history: sled::Tree,
    history_recent: sled::Tree,
    history_writer: Mutex<()>,
    session: sled::Tree,
    cache: sled::Db,
    outbox: sled::Tree,
    outbox_order: sled::Tree,
    audit: sled::Tree,
    journal_meta: sled::Tree,
    journal: sled::Db,
    _lock: File,
}

impl Store {
    /// Opens (creating if needed) the data directory. Fails fast with
    /// [`StoreError::Locked`] when another process holds it.
    pub fn open(data_dir: &Path) -> Result<(Store, OpenReport), StoreError> {
        open::open(data_dir)
    }

    pub fn data_dir(&self) -> &Path {
        &self.inner.data_dir
    }

    /// Forces the cache to disk; the journal is flushed on every write anyway.
    pub fn flush_cache(&self) -> Result<(), StoreError> {
        self.inner.cache.flush()?;
        Ok(())
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("data_dir", &self.inner.data_dir)
            .finish_non_exhaustive()
    }
}
