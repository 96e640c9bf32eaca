//! Hash-chained audit log. Entries live under their big-endian seq in the
//! `audit` tree; the head (last seq and hash) lives in journal `meta` and is
//! updated in the same transaction, so losing the tail is detectable too.
//!
//! The chain detects accidental damage and naive edits. Anyone with write
//! access can recompute every hash, so for tamper evidence against a
//! determined editor the head hash must also be kept elsewhere (export it).

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sled::Transactional;
use sled::transaction::ConflictableTransactionError;

use super::outbox::flatten;
use super::{AuditError, Store, StoreError, Tamper};
use crate::domain::AuditEntry;

const TREE: &str = "audit";
const HEAD_KEY: &[u8] = b"audit_head";
/// `prev_hash` of the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An audit entry before the store assigns its place in the chain.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAuditEntry {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub role: String,
    pub action: String,
    pub target: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub reason: Option<String>,
    pub idempotency_key: Option<String>,
    pub outcome: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditVerification {
    /// Number of entries checked (the whole chain).
    pub entries: u64,
    /// Hash of the last entry, or [`GENESIS_HASH`] for an empty log.
    pub head_hash: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct Head {
    seq: u64,
    hash: String,
}

/// SHA-256 (hex) over a length-prefixed encoding of every field except
/// `hash`. Length prefixes make the encoding unambiguous: no two different
/// entries serialise to the same bytes.
pub fn entry_hash(e: &AuditEntry) -> String {
    fn field(h: &mut Sha256, bytes: &[u8]) {
        h.update((bytes.len() as u64).to_be_bytes());
        h.update(bytes);
    }
    fn opt(h: &mut Sha256, v: &Option<String>) {
        match v {
            None => h.update([0u8]),
            Some(s) => {
                h.update([1u8]);
                field(h, s.as_bytes());
            }
        }
    }
    let mut h = Sha256::new();
    h.update(b"mops-audit-v1\n");
    h.update(e.seq.to_be_bytes());
    field(
        &mut h,
        e.at.to_rfc3339_opts(SecondsFormat::Nanos, true).as_bytes(),
    );
    for s in [&e.actor, &e.role, &e.action, &e.target] {
        field(&mut h, s.as_bytes());
    }
    for o in [&e.before, &e.after, &e.reason, &e.idempotency_key] {
        opt(&mut h, o);
    }
    field(&mut h, e.outcome.as_bytes());
    field(&mut h, e.prev_hash.as_bytes());
    hex::encode(h.finalize())
}

fn abort(e: StoreError) -> ConflictableTransactionError<StoreError> {
    ConflictableTransactionError::Abort(e)
}

impl Store {
    /// Appends an entry to the chain and flushes before returning.
    pub fn audit(&self, new: NewAuditEntry) -> Result<AuditEntry, StoreError> {
        let i = &self.inner;
        let entry = flatten((&i.audit, &i.journal_meta).transaction(|(audit, meta)| {
            let head = match meta.get(HEAD_KEY)? {
                Some(raw) => serde_json::from_slice::<Head>(&raw)
                    .map_err(|e| abort(StoreError::corrupt("meta", e)))?,
                None => Head {
                    seq: 0,
                    hash: GENESIS_HASH.into(),
                },
            };
            let mut entry = AuditEntry {
                seq: head.seq + 1,
                at: new.at,
                actor: new.actor.clone(),
                role: new.role.clone(),
                action: new.action.clone(),
                target: new.target.clone(),
                before: new.before.clone(),
                after: new.after.clone(),
                reason: new.reason.clone(),
                idempotency_key: new.idempotency_key.clone(),
                outcome: new.outcome.clone(),
                prev_hash: head.hash,
                hash: String::new(),
            };
            entry.hash = entry_hash(&entry);
            let head = Head {
                seq: entry.seq,
                hash: entry.hash.clone(),
            };
            let value = serde_json::to_vec(&entry).map_err(|e| abort(e.into()))?;
            let head = serde_json::to_vec(&head).map_err(|e| abort(e.into()))?;
            audit.insert(&entry.seq.to_be_bytes(), value)?;
            meta.insert(HEAD_KEY, head)?;
            Ok(entry)
        }))?;
        i.journal.flush()?;
        Ok(entry)
    }

    /// All entries in seq order, without checking the chain.
    pub fn audit_entries(&self) -> Result<Vec<AuditEntry>, StoreError> {
        self.inner
            .audit
            .iter()
            .values()
            .map(|v| serde_json::from_slice(&v?).map_err(|e| StoreError::corrupt(TREE, e)))
            .collect()
    }

    /// Walks the whole chain and checks seq continuity, each hash, each link
    /// and the recorded head. Reports the first problem found.
    pub fn verify_audit(&self) -> Result<AuditVerification, AuditError> {
        let i = &self.inner;
        let mut expected = 1u64;
        let mut prev = GENESIS_HASH.to_string();
        for item in i.audit.iter() {
            let (key, value) = item.map_err(StoreError::from)?;
            let Ok(raw_seq) = <[u8; 8]>::try_from(key.as_ref()) else {
                return Err(AuditError::tampered(
                    expected,
                    Tamper::Edited,
                    "malformed key",
                ));
            };
            let key_seq = u64::from_be_bytes(raw_seq);
            if key_seq > expected {
                return Err(AuditError::tampered(
                    expected,
                    Tamper::Missing,
                    format!("next entry found is {key_seq}"),
                ));
            }
            let entry: AuditEntry = serde_json::from_slice(&value).map_err(|e| {
                AuditError::tampered(key_seq, Tamper::Edited, format!("unreadable: {e}"))
            })?;
            if entry.seq != key_seq {
                return Err(AuditError::tampered(
                    key_seq,
                    Tamper::Reordered,
                    format!("holds entry {}", entry.seq),
                ));
            }
            if entry_hash(&entry) != entry.hash {
                return Err(AuditError::tampered(
                    key_seq,
                    Tamper::Edited,
                    "content does not match its hash",
                ));
            }
            if entry.prev_hash != prev {
                return Err(AuditError::tampered(
                    key_seq,
                    Tamper::Reordered,
                    "does not link to the previous entry",
                ));
            }
            prev = entry.hash;
            expected += 1;
        }
        let count = expected - 1;
        let head: Option<Head> = match i.journal_meta.get(HEAD_KEY).map_err(StoreError::from)? {
            Some(raw) => Some(serde_json::from_slice(&raw).map_err(|e| {
                AuditError::tampered(count, Tamper::Edited, format!("unreadable head: {e}"))
            })?),
            None => None,
        };
        match head {
            None if count == 0 => {}
            None => {
                return Err(AuditError::tampered(
                    count,
                    Tamper::Truncated,
                    "the head record is missing",
                ));
            }
            Some(h) if h.seq > count => {
                return Err(AuditError::tampered(
                    count + 1,
                    Tamper::Truncated,
                    format!("head says {} entries, found {count}", h.seq),
                ));
            }
            Some(h) if h.seq < count => {
                return Err(AuditError::tampered(
                    h.seq + 1,
                    Tamper::Edited,
                    format!("entries beyond the recorded head {}", h.seq),
                ));
            }
            Some(h) if h.hash != prev => {
                return Err(AuditError::tampered(
                    count,
                    Tamper::Edited,
                    "last entry does not match the recorded head",
                ));
            }
            Some(_) => {}
        }
        Ok(AuditVerification {
            entries: count,
            head_hash: prev,
        })
    }

    /// Writes every entry as one JSON object per line, in seq order.
    pub fn export_audit_jsonl(&self, w: &mut impl std::io::Write) -> Result<usize, StoreError> {
        let mut n = 0;
        for value in self.inner.audit.iter().values() {
            let entry: AuditEntry =
                serde_json::from_slice(&value?).map_err(|e| StoreError::corrupt(TREE, e))?;
            serde_json::to_writer(&mut *w, &entry)
                .map_err(|e| StoreError::Export(std::io::Error::other(e)))?;
            w.write_all(b"\n").map_err(StoreError::Export)?;
            n += 1;
        }
        w.flush().map_err(StoreError::Export)?;
        Ok(n)
    }
}
