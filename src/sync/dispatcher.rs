//! The outbox dispatcher: the only path by which an operator command reaches
//! an API. Order of events for every command:
//! 1. written to the outbox and flushed (`Queued`), audited;
//! 2. marked `Sent` (flushed) immediately before the request goes out;
//! 3. the server's answer moves it to `Applied`, `Conflict` or `Failed`, audited.
//!
//! A command whose answer was lost (timeout, 5xx, garbled body) stays `Sent`
//! and is later *read back* by re-sending the same idempotency key, which the
//! contract answers with the first result and never applies twice. A command
//! that never left (connection refused, circuit open) stays `Queued`. Both are
//! retried in FIFO order, on restart too, so nothing is lost or reordered.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::CommandResult;
use crate::connectors::vendor::Backend;
use crate::connectors::{CommandOutcome, HttpError};
use crate::domain::{CommandKind, CommandStatus, OperatorCommand};
use crate::store::{NewAuditEntry, Store, StoreError};

/// Who is acting, for the audit trail.
#[derive(Debug, Clone)]
pub struct Actor {
    pub name: String,
    pub role: String,
}

/// What one delivery attempt concluded.
#[derive(Debug, Clone, PartialEq)]
pub enum Delivery {
    /// Final: applied, conflict or failed.
    Done(OperatorCommand),
    /// Not final; try again later (the command is durable in the outbox).
    Later(OperatorCommand, String),
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(f).await.map_err(|e| {
        StoreError::Db(sled::Error::Io(std::io::Error::other(format!(
            "store task failed: {e}"
        ))))
    })?
}

/// Durably queue a command (idempotent by key) and audit it.
pub async fn enqueue(
    store: &Store,
    actor: &Actor,
    cmd: OperatorCommand,
) -> Result<OperatorCommand, StoreError> {
    let s = store.clone();
    let c = cmd.clone();
    blocking(move || s.enqueue(&c)).await?;
    audit(store, actor, &cmd, "queued", None).await?;
    Ok(cmd)
}

/// Take a command from the UI: a locally refused one (already `Failed`) is
/// only audited; anything else is queued.
pub async fn accept(
    store: &Store,
    actor: &Actor,
    cmd: OperatorCommand,
) -> Result<OperatorCommand, StoreError> {
    if let CommandStatus::Failed { error } = &cmd.status {
        let why = error.clone();
        audit(store, actor, &cmd, "refused", Some(why)).await?;
        return Ok(cmd);
    }
    enqueue(store, actor, cmd).await
}

/// One attempt to deliver a queued or sent command. Never sends a command
/// that is already final.
pub async fn deliver(
    store: &Store,
    client: &Backend,
    actor: &Actor,
    cmd: OperatorCommand,
) -> Result<Delivery, StoreError> {
    if cmd.status.is_final() {
        return Ok(Delivery::Done(cmd));
    }
    if let CommandKind::Acknowledge { .. } = cmd.kind {
        // Acknowledgements are state of mops' own alert book: applied by the
        // state owner when it sees this result.
        let done = set_status(store, &cmd.idempotency_key, CommandStatus::Applied).await?;
        audit(store, actor, &done, "applied", None).await?;
        return Ok(Delivery::Done(done));
    }
    let was_sent = cmd.status == CommandStatus::Sent;
    let sent = set_status(store, &cmd.idempotency_key, CommandStatus::Sent).await?;
    let outcome = client.execute(&sent).await;
    let (status, note) = match outcome {
        Ok(CommandOutcome::Applied { replayed }) => {
            let note =
                (replayed || was_sent).then(|| "confirmed by idempotency read-back".to_string());
            (CommandStatus::Applied, note)
        }
        Ok(CommandOutcome::Conflict { detail }) => (CommandStatus::Conflict { detail }, None),
        Err(e) if e.is_ambiguous() => {
            return Ok(Delivery::Later(
                sent,
                format!("answer lost, will read back: {e}"),
            ));
        }
        Err(
            e @ (HttpError::Connect { .. }
            | HttpError::CircuitOpen { .. }
            | HttpError::RateLimited { .. }),
        ) => {
            // Nothing reached the server (or it refused before acting): back to queued.
            let back = if was_sent {
                sent
            } else {
                set_status(store, &cmd.idempotency_key, CommandStatus::Queued).await?
            };
            return Ok(Delivery::Later(back, e.to_string()));
        }
        Err(e) => (
            CommandStatus::Failed {
                error: e.to_string(),
            },
            None,
        ),
    };
    let done = set_status(store, &cmd.idempotency_key, status).await?;
    let outcome = done.status.as_str().to_string();
    audit(store, actor, &done, &outcome, note).await?;
    Ok(Delivery::Done(done))
}

async fn set_status(
    store: &Store,
    key: &str,
    status: CommandStatus,
) -> Result<OperatorCommand, StoreError> {
    let s = store.clone();
    let key = key.to_string();
    blocking(move || s.set_status(&key, status, Utc::now())).await
}

async fn audit(
    store: &Store,
    actor: &Actor,
    cmd: &OperatorCommand,
    outcome: &str,
    note: Option<String>,
) -> Result<(), StoreError> {
    let detail = match &cmd.status {
        CommandStatus::Conflict { detail } => Some(detail.clone()),
        CommandStatus::Failed { error } => Some(error.clone()),
        _ => note,
    };
    let entry = NewAuditEntry {
        at: Utc::now(),
        actor: cmd.actor.clone(),
        role: actor.role.clone(),
        action: cmd.kind.verb().to_string(),
        target: cmd.kind.target(),
        before: None,
        after: detail,
        reason: cmd.reason.clone(),
        idempotency_key: Some(cmd.idempotency_key.clone()),
        outcome: outcome.to_string(),
    };
    let s = store.clone();
    blocking(move || s.audit(entry).map(|_| ())).await
}

/// The long-running dispatcher: takes new commands from `rx`, queues them
/// durably, and delivers the outbox in order, reporting every state change.
pub fn spawn_dispatcher(
    store: Store,
    client: Arc<Backend>,
    actor: Actor,
    mut rx: mpsc::Receiver<OperatorCommand>,
    tx: mpsc::Sender<CommandResult>,
    cancel: CancellationToken,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut backoff = Duration::from_millis(500);
        loop {
            // Make every submitted command durable before any network work.
            while let Ok(cmd) = rx.try_recv() {
                report(&tx, accept(&store, &actor, cmd).await).await;
            }
            let s = store.clone();
            let pending = match blocking(move || s.pending()).await {
                Ok(p) => p,
                Err(e) => {
                    tracing::error!(error = %e, "cannot read outbox");
                    Vec::new()
                }
            };
            let mut blocked = false;
            for cmd in pending {
                match deliver(&store, &client, &actor, cmd).await {
                    Ok(Delivery::Done(done)) => {
                        backoff = Duration::from_millis(500);
                        report(&tx, Ok(done)).await;
                    }
                    Ok(Delivery::Later(cmd, why)) => {
                        tracing::info!(key = %cmd.idempotency_key, %why, "command deferred");
                        report(&tx, Ok(cmd)).await;
                        blocked = true;
                        break; // keep FIFO order: later commands wait for this one
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "outbox write failed");
                        blocked = true;
                        break;
                    }
                }
            }
            let wait = if blocked {
                let w = backoff;
                backoff = (backoff * 2).min(Duration::from_secs(30));
                w
            } else {
                Duration::from_secs(3600)
            };
            tokio::select! {
                () = cancel.cancelled() => return,
                () = tokio::time::sleep(wait) => {}
                cmd = rx.recv() => match cmd {
                    Some(cmd) => report(&tx, accept(&store, &actor, cmd).await).await,
                    None => return,
                },
            }
        }
    })
}

async fn report(tx: &mpsc::Sender<CommandResult>, r: Result<OperatorCommand, StoreError>) {
    match r {
        Ok(command) => {
            let _ = tx.send(CommandResult { command }).await;
        }
        Err(e) => tracing::error!(error = %e, "outbox write failed"),
    }
}
