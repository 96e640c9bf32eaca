use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One line of the audit trail. `prev_hash`/`hash` chain entries together so
/// that editing, deleting or reordering is detectable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: u64,
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
    pub prev_hash: String,
    pub hash: String,
}
