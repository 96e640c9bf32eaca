use std::path::PathBuf;

use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error(
        "another mops is already using data directory {} (close it or pass --data-dir)",
        dir.display()
    )]
    Locked { dir: PathBuf },

    #[error(
        "cannot open the journal (outbox and audit log) at {}: {source}; it was left untouched, \
         fix or move it by hand",
        dir.display()
    )]
    Journal { dir: PathBuf, source: sled::Error },

    #[error(
        "the journal at {} has format version {found}, this mops understands up to {supported}; \
         use a newer mops",
        dir.display()
    )]
    JournalVersion {
        dir: PathBuf,
        found: u32,
        supported: u32,
    },

    #[error("{action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("storage error: {0}")]
    Db(#[from] sled::Error),

    #[error("unreadable record in tree {tree}: {detail}")]
    Corrupt { tree: &'static str, detail: String },

    #[error("no command with idempotency key {key:?} in the outbox")]
    UnknownCommand { key: String },

    #[error("command {key:?} is already {current}; refusing to set it to {requested}")]
    FinalStatus {
        key: String,
        current: &'static str,
        requested: &'static str,
    },

    #[error("cannot write the audit export: {0}")]
    Export(std::io::Error),

    #[error("invalid campaign id {id:?}: must be non-empty and contain no NUL byte")]
    InvalidId { id: String },

    #[error("cannot encode record: {0}")]
    Encode(#[from] serde_json::Error),
}

impl StoreError {
    pub(crate) fn corrupt(tree: &'static str, detail: impl std::fmt::Display) -> Self {
        StoreError::Corrupt {
            tree,
            detail: detail.to_string(),
        }
    }
}

/// What is wrong with the audit chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tamper {
    /// The entry's content no longer matches its hash (or cannot be read).
    Edited,
    /// The entry with this seq is gone while later ones remain.
    Missing,
    /// An entry sits under the wrong seq or does not link to its predecessor.
    Reordered,
    /// Entries from this seq to the recorded head are gone.
    Truncated,
}

impl Tamper {
    pub fn as_str(self) -> &'static str {
        match self {
            Tamper::Edited => "edited",
            Tamper::Missing => "missing",
            Tamper::Reordered => "reordered",
            Tamper::Truncated => "truncated",
        }
    }
}

#[derive(Debug, Error)]
pub enum AuditError {
    #[error("audit log tampered at seq {seq}: {} ({detail})", problem.as_str())]
    Tampered {
        seq: u64,
        problem: Tamper,
        detail: String,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl AuditError {
    pub(crate) fn tampered(seq: u64, problem: Tamper, detail: impl Into<String>) -> Self {
        AuditError::Tampered {
            seq,
            problem,
            detail: detail.into(),
        }
    }
}
