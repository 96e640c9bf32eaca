//! The durable outbox: `outbox` maps idempotency key -> record, `outbox_order`
//! maps a monotonic seq -> key so FIFO order survives restarts. Both are
//! written in one transaction, and the journal is flushed before returning.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionError};

use super::{Store, StoreError};
use crate::domain::{CommandStatus, OperatorCommand};

const TREE: &str = "outbox";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enqueued {
    New,
    /// A command with this idempotency key was already there; nothing changed.
    AlreadyPresent,
}

#[derive(Serialize, Deserialize)]
struct Record {
    seq: u64,
    command: OperatorCommand,
}

fn decode(bytes: &[u8]) -> Result<Record, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::corrupt(TREE, e))
}

pub(super) fn flatten<T>(r: Result<T, TransactionError<StoreError>>) -> Result<T, StoreError> {
    r.map_err(|e| match e {
        TransactionError::Abort(e) => e,
        TransactionError::Storage(e) => StoreError::Db(e),
    })
}

impl Store {
    /// Insert-or-ignore by idempotency key, so a replayed enqueue is a no-op.
    pub fn enqueue(&self, cmd: &OperatorCommand) -> Result<Enqueued, StoreError> {
        let i = &self.inner;
        // generate_id is monotonic across crashes (sled persists a high-water
        // mark ahead of use); gaps are harmless, order is what matters.
        let seq = i.journal.generate_id()?;
        let value = serde_json::to_vec(&Record {
            seq,
            command: cmd.clone(),
        })?;
        let key = cmd.idempotency_key.as_bytes();
        let outcome = flatten((&i.outbox, &i.outbox_order).transaction(|(outbox, order)| {
            if outbox.get(key)?.is_some() {
                return Ok(Enqueued::AlreadyPresent);
            }
            outbox.insert(key, value.as_slice())?;
            order.insert(&seq.to_be_bytes(), key)?;
            Ok(Enqueued::New)
        }))?;
        // Also on AlreadyPresent: another thread's insert may not be on disk yet.
        i.journal.flush()?;
        Ok(outcome)
    }

    /// Records a status change. A command in a final state keeps it: setting
    /// the same final state again is a no-op, a different one is an error.
    pub fn set_status(
        &self,
        key: &str,
        status: CommandStatus,
        at: DateTime<Utc>,
    ) -> Result<OperatorCommand, StoreError> {
        let i = &self.inner;
        let updated = flatten(i.outbox.transaction(|outbox| {
            let Some(old) = outbox.get(key.as_bytes())? else {
                return Err(ConflictableTransactionError::Abort(
                    StoreError::UnknownCommand { key: key.into() },
                ));
            };
            let mut rec = decode(&old).map_err(ConflictableTransactionError::Abort)?;
            if rec.command.status.is_final() {
                if rec.command.status == status {
                    return Ok(rec.command);
                }
                return Err(ConflictableTransactionError::Abort(
                    StoreError::FinalStatus {
                        key: key.into(),
                        current: rec.command.status.as_str(),
                        requested: status.as_str(),
                    },
                ));
            }
            rec.command.status = status.clone();
            rec.command.updated_at = Some(at);
            let bytes = serde_json::to_vec(&rec)
                .map_err(|e| ConflictableTransactionError::Abort(StoreError::Encode(e)))?;
            outbox.insert(key.as_bytes(), bytes)?;
            Ok(rec.command)
        }))?;
        i.journal.flush()?;
        Ok(updated)
    }

    /// Commands still to be sent or read back (Queued or Sent), oldest first.
    pub fn pending(&self) -> Result<Vec<OperatorCommand>, StoreError> {
        let mut out = Vec::new();
        for cmd in self.ordered(false) {
            let cmd = cmd?;
            if !cmd.status.is_final() {
                out.push(cmd);
            }
        }
        Ok(out)
    }

    /// The latest `limit` commands in any state, newest first.
    pub fn commands(&self, limit: usize) -> Result<Vec<OperatorCommand>, StoreError> {
        self.ordered(true).take(limit).collect()
    }

    pub fn command(&self, key: &str) -> Result<Option<OperatorCommand>, StoreError> {
        match self.inner.outbox.get(key.as_bytes())? {
            Some(v) => Ok(Some(decode(&v)?.command)),
            None => Ok(None),
        }
    }

    fn ordered(
        &self,
        newest_first: bool,
    ) -> Box<dyn Iterator<Item = Result<OperatorCommand, StoreError>> + '_> {
        let iter = self.inner.outbox_order.iter();
        let iter: Box<dyn Iterator<Item = _>> = if newest_first {
            Box::new(iter.rev())
        } else {
            Box::new(iter)
        };
        Box::new(iter.map(move |item| {
            let (_, key) = item?;
            let value = self.inner.outbox.get(&key)?.ok_or_else(|| {
                StoreError::corrupt(TREE, format!("order entry for missing key {key:?}"))
            })?;
            Ok(decode(&value)?.command)
        }))
    }
}
