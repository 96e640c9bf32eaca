use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum System {
    Marketing,
    Crm,
    Erp,
}

impl System {
    pub const ALL: [System; 3] = [System::Marketing, System::Crm, System::Erp];

    pub fn as_str(self) -> &'static str {
        match self {
            System::Marketing => "marketing",
            System::Crm => "crm",
            System::Erp => "erp",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            System::Marketing => "Marketing",
            System::Crm => "CRM",
            System::Erp => "ERP",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncStatus {
    Ok,
    Running,
    Failed,
    Retrying,
}

impl SyncStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SyncStatus::Ok => "ok",
            SyncStatus::Running => "running",
            SyncStatus::Failed => "failed",
            SyncStatus::Retrying => "retrying",
        }
    }

    pub fn is_failing(self) -> bool {
        matches!(self, SyncStatus::Failed | SyncStatus::Retrying)
    }
}

/// A recurring integration job moving data between two systems.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncJob {
    pub id: String,
    pub name: String,
    pub source: System,
    pub target: System,
    pub status: SyncStatus,
    pub last_success: Option<DateTime<Utc>>,
    pub last_attempt: Option<DateTime<Utc>>,
    /// First failure of the current failing streak.
    pub failing_since: Option<DateTime<Utc>>,
    pub error: Option<String>,
    pub retries: u32,
    pub next_retry: Option<DateTime<Utc>>,
}

impl SyncJob {
    /// Time since the last successful run; what an operator calls "sync lag".
    pub fn lag(&self, now: DateTime<Utc>) -> Option<chrono::Duration> {
        self.last_success.map(|t| now - t)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncFailure {
    pub job_id: String,
    pub at: DateTime<Utc>,
    pub error: String,
    pub attempt: u32,
}
