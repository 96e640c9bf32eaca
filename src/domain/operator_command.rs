use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Verdict;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FallbackKind {
    BackupProvider,
    LastKnownGoodInventory,
    FallbackContent,
}

impl FallbackKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FallbackKind::BackupProvider => "backup_provider",
            FallbackKind::LastKnownGoodInventory => "last_known_good_inventory",
            FallbackKind::FallbackContent => "fallback_content",
        }
    }
}

/// What the operator asked for. Each variant maps to exactly one API call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CommandKind {
    Pause {
        campaign_id: String,
    },
    Resume {
        campaign_id: String,
    },
    Fallback {
        campaign_id: String,
        fallback: FallbackKind,
    },
    /// Inventory-driven send-rate limit: `percent` of normal speed (100 lifts it).
    Throttle {
        campaign_id: String,
        percent: u8,
    },
    Decide {
        request_id: String,
        step_id: String,
        verdict: Verdict,
    },
    RetrySync {
        job_id: String,
    },
    Acknowledge {
        fingerprint: String,
    },
}

impl CommandKind {
    pub fn verb(&self) -> &'static str {
        match self {
            CommandKind::Pause { .. } => "pause",
            CommandKind::Resume { .. } => "resume",
            CommandKind::Fallback { .. } => "fallback",
            CommandKind::Throttle { .. } => "throttle",
            CommandKind::Decide {
                verdict: Verdict::Approve,
                ..
            } => "approve",
            CommandKind::Decide {
                verdict: Verdict::Reject,
                ..
            } => "reject",
            CommandKind::RetrySync { .. } => "retry-sync",
            CommandKind::Acknowledge { .. } => "acknowledge",
        }
    }

    /// The object acted upon, for audit lines and toasts.
    pub fn target(&self) -> String {
        match self {
            CommandKind::Pause { campaign_id }
            | CommandKind::Resume { campaign_id }
            | CommandKind::Fallback { campaign_id, .. }
            | CommandKind::Throttle { campaign_id, .. } => campaign_id.clone(),
            CommandKind::Decide {
                request_id,
                step_id,
                ..
            } => format!("{request_id}/{step_id}"),
            CommandKind::RetrySync { job_id } => job_id.clone(),
            CommandKind::Acknowledge { fingerprint } => fingerprint.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum CommandStatus {
    /// Durably in the outbox, not yet sent.
    Queued,
    /// Sent; the answer was lost (timeout). Must be read back before any resend.
    Sent,
    Applied,
    /// The server refused because the world changed; carries who/when.
    Conflict {
        detail: String,
    },
    Failed {
        error: String,
    },
}

impl CommandStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            CommandStatus::Queued => "queued",
            CommandStatus::Sent => "sent",
            CommandStatus::Applied => "applied",
            CommandStatus::Conflict { .. } => "conflict",
            CommandStatus::Failed { .. } => "failed",
        }
    }

    pub fn is_final(&self) -> bool {
        matches!(
            self,
            CommandStatus::Applied | CommandStatus::Conflict { .. } | CommandStatus::Failed { .. }
        )
    }
}

/// A durable, idempotent, audited mutation requested by an operator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OperatorCommand {
    /// Client-generated; sent as the `Idempotency-Key` header.
    pub idempotency_key: String,
    pub kind: CommandKind,
    pub actor: String,
    pub reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub status: CommandStatus,
    #[serde(default)]
    pub updated_at: Option<DateTime<Utc>>,
}
