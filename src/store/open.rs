use std::fs::{File, OpenOptions};
use std::io::ErrorKind;
use std::os::fd::AsRawFd;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;

use super::{Inner, Store, StoreError};

/// Bump when the cache layout changes; an older or newer cache is moved aside.
pub const CACHE_FORMAT_VERSION: u32 = 1;
/// Bump only with a migration; a journal from a newer mops is refused.
pub const JOURNAL_FORMAT_VERSION: u32 = 1;

const FORMAT_KEY: &[u8] = b"format_version";
const CACHE_CAPACITY: u64 = 256 * 1024 * 1024;
const JOURNAL_CAPACITY: u64 = 32 * 1024 * 1024;

/// What `Store::open` had to do besides opening.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpenReport {
    /// Set when the cache was unusable and was moved aside and rebuilt empty:
    /// why, and where the old one went. Show it to the operator as a warning.
    pub cache_reset: Option<String>,
}

/// How long a held lock is retried before giving up. Short enough to still
/// fail fast, long enough to ride out a previous mops that is just exiting or
/// a descriptor briefly inherited by a child process between fork and exec.
const LOCK_PATIENCE: Duration = Duration::from_millis(300);

pub(super) fn open(data_dir: &Path) -> Result<(Store, OpenReport), StoreError> {
    let start = Instant::now();
    loop {
        match open_once(data_dir) {
            Err(StoreError::Locked { .. }) if start.elapsed() < LOCK_PATIENCE => {
                std::thread::sleep(Duration::from_millis(20));
            }
            other => return other,
        }
    }
}

fn open_once(data_dir: &Path) -> Result<(Store, OpenReport), StoreError> {
    std::fs::create_dir_all(data_dir).map_err(|source| StoreError::Io {
        action: "create data directory",
        path: data_dir.to_path_buf(),
        source,
    })?;
    let lock = lock_dir(data_dir)?;
    // The journal first: if it is broken we stop before touching the cache.
    let journal = open_journal(data_dir)?;
    let (cache, cache_reset) = open_cache(data_dir)?;
    let inner = Inner {
        data_dir: data_dir.to_path_buf(),
        snapshot: cache.open_tree("snapshot")?,
        history: cache.open_tree("history")?,
        history_recent: cache.open_tree("history_recent")?,
        history_writer: Mutex::new(()),
        session: cache.open_tree("session")?,
        cache,
        outbox: journal.open_tree("outbox")?,
        outbox_order: journal.open_tree("outbox_order")?,
        audit: journal.open_tree("audit")?,
        journal_meta: journal.open_tree("meta")?,
        journal,
        _lock: lock,
    };
    let store = Store {
        inner: Arc::new(inner),
    };
    Ok((store, OpenReport { cache_reset }))
}

/// Our own advisory lock, taken before sled's: it gives a clean error even
/// where sled's lock message is opaque, and covers both databases at once.
fn lock_dir(dir: &Path) -> Result<File, StoreError> {
    let path = dir.join("mops.lock");
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(&path)
        .map_err(|source| StoreError::Io {
            action: "open lock file",
            path: path.clone(),
            source,
        })?;
    // SAFETY: flock on a valid, open descriptor owned by `file`; no memory is shared.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if rc != 0 {
        let err = std::io::Error::last_os_error();
        if err.kind() == ErrorKind::WouldBlock {
            return Err(StoreError::Locked {
                dir: dir.to_path_buf(),
            });
        }
        return Err(StoreError::Io {
            action: "lock",
            path,
            source: err,
        });
    }
    Ok(file)
}

/// sled reports a held lock as `Io(Other, "could not acquire lock ...")`.
pub(super) fn is_lock_error(e: &sled::Error) -> bool {
    match e {
        sled::Error::Io(io) => {
            io.kind() == ErrorKind::WouldBlock || io.to_string().contains("could not acquire lock")
        }
        _ => false,
    }
}

fn open_journal(data_dir: &Path) -> Result<sled::Db, StoreError> {
    let dir = data_dir.join("journal");
    let hard = |source: sled::Error| {
        if is_lock_error(&source) {
            StoreError::Locked {
                dir: data_dir.to_path_buf(),
            }
        } else {
            StoreError::Journal {
                dir: dir.clone(),
                source,
            }
        }
    };
    let config = sled::Config::new()
        .path(&dir)
        .cache_capacity(JOURNAL_CAPACITY);
    // A panic inside sled on a damaged journal becomes the same clear error.
    let db = std::panic::catch_unwind(AssertUnwindSafe(|| config.open()))
        .unwrap_or_else(|_| {
            Err(sled::Error::ReportableBug(
                "sled panicked while opening it".into(),
            ))
        })
        .map_err(hard)?;
    let meta = db.open_tree("meta").map_err(hard)?;
    match read_version(&meta).map_err(hard)? {
        Some(Ok(v)) if v > JOURNAL_FORMAT_VERSION => {
            return Err(StoreError::JournalVersion {
                dir,
                found: v,
                supported: JOURNAL_FORMAT_VERSION,
            });
        }
        Some(Ok(_)) => {}
        Some(Err(raw)) => {
            return Err(StoreError::Journal {
                dir,
                source: sled::Error::Unsupported(format!("unreadable format_version {raw:?}")),
            });
        }
        None => {
            meta.insert(FORMAT_KEY, &JOURNAL_FORMAT_VERSION.to_be_bytes())
                .map_err(hard)?;
            db.flush().map_err(hard)?;
        }
    }
    Ok(db)
}

/// `Some(Err(raw))` when the stored value is not a 4-byte version.
fn read_version(meta: &sled::Tree) -> Result<Option<Result<u32, Vec<u8>>>, sled::Error> {
    Ok(meta.get(FORMAT_KEY)?.map(|v| {
        <[u8; 4]>::try_from(v.as_ref())
            .map(u32::from_be_bytes)
            .map_err(|_| v.to_vec())
    }))
}

fn open_cache(data_dir: &Path) -> Result<(sled::Db, Option<String>), StoreError> {
    let path = data_dir.join("cache");
    let why = match try_open_cache(&path) {
        Ok(db) => return Ok((db, None)),
        Err(CacheProblem::Locked) => {
            return Err(StoreError::Locked {
                dir: data_dir.to_path_buf(),
            });
        }
        Err(CacheProblem::Unusable(why)) => why,
    };
    let aside = move_aside(&path)?;
    let db = fresh_cache(&path)?;
    let msg = format!(
        "the offline cache was unusable ({why}); moved it to {} and started empty",
        aside.display()
    );
    tracing::warn!("{msg}");
    Ok((db, Some(msg)))
}

enum CacheProblem {
    Locked,
    Unusable(String),
}

fn cache_config(path: &Path) -> sled::Config {
    sled::Config::new()
        .path(path)
        .cache_capacity(CACHE_CAPACITY)
}

fn try_open_cache(path: &Path) -> Result<sled::Db, CacheProblem> {
    if path.exists() && !path.is_dir() {
        return Err(CacheProblem::Unusable("it is not a directory".into()));
    }
    // sled 0.34 can panic instead of erroring on some damaged files; the
    // cache is disposable, so treat that like any other unreadable cache.
    let opened = std::panic::catch_unwind(AssertUnwindSafe(|| cache_config(path).open()));
    let db = match opened {
        Ok(Ok(db)) => db,
        Ok(Err(e)) if is_lock_error(&e) => return Err(CacheProblem::Locked),
        Ok(Err(e)) => return Err(CacheProblem::Unusable(format!("cannot open: {e}"))),
        Err(_) => return Err(CacheProblem::Unusable("sled panicked opening it".into())),
    };
    let meta = db
        .open_tree("meta")
        .map_err(|e| CacheProblem::Unusable(format!("cannot open meta: {e}")))?;
    match read_version(&meta) {
        Err(e) => Err(CacheProblem::Unusable(format!("cannot read meta: {e}"))),
        Ok(Some(Ok(CACHE_FORMAT_VERSION))) => Ok(db),
        Ok(Some(Ok(v))) => Err(CacheProblem::Unusable(format!(
            "format version {v}, expected {CACHE_FORMAT_VERSION}"
        ))),
        Ok(Some(Err(raw))) => Err(CacheProblem::Unusable(format!(
            "unreadable format version {raw:?}"
        ))),
        Ok(None) if !db.was_recovered() => {
            write_cache_version(&db).map_err(|e| CacheProblem::Unusable(e.to_string()))?;
            Ok(db)
        }
        Ok(None) => Err(CacheProblem::Unusable("no format version".into())),
    }
}

fn fresh_cache(path: &Path) -> Result<sled::Db, StoreError> {
    let db = cache_config(path).open()?;
    write_cache_version(&db)?;
    Ok(db)
}

fn write_cache_version(db: &sled::Db) -> Result<(), sled::Error> {
    db.open_tree("meta")?
        .insert(FORMAT_KEY, &CACHE_FORMAT_VERSION.to_be_bytes())?;
    db.flush()?;
    Ok(())
}

/// Renames `path` to `<name>.corrupt-<UTC timestamp>[-n]` so nothing is lost
/// and the operator can inspect it.
fn move_aside(path: &Path) -> Result<PathBuf, StoreError> {
    let stamp = Utc::now().format("%Y%m%dT%H%M%SZ");
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "cache".into());
    let mut target = path.with_file_name(format!("{name}.corrupt-{stamp}"));
    let mut n = 1;
    while target.exists() {
        target = path.with_file_name(format!("{name}.corrupt-{stamp}-{n}"));
        n += 1;
    }
    std::fs::rename(path, &target).map_err(|source| StoreError::Io {
        action: "move aside unusable cache",
        path: path.to_path_buf(),
        source,
    })?;
    Ok(target)
}
