use chrono::{DateTime, Utc};

use crate::domain::{
    ApprovalRequest, Campaign, InventoryLevel, MetricSample, OperatorCommand, SyncFailure, SyncJob,
    System,
};

/// What one poll of one source produced, sent by value to the state owner.
#[derive(Debug, Clone)]
pub struct PollOutcome {
    pub system: System,
    /// When the poll finished (wall clock, UTC).
    pub at: DateTime<Utc>,
    /// The source's clock (`as_of`) when it answered, if it said.
    pub server_time: Option<DateTime<Utc>>,
    pub result: Result<PollData, String>,
}

#[derive(Debug, Clone)]
pub enum PollData {
    Campaigns(Vec<Campaign>),
    /// Samples newer than the cursor the poller was given.
    Metrics(Vec<MetricSample>),
    SyncJobs {
        jobs: Vec<SyncJob>,
        failures: Vec<SyncFailure>,
    },
    Stock(Vec<InventoryLevel>),
    Approvals(Vec<ApprovalRequest>),
}

/// The outbox dispatcher's report on one command after an attempt.
#[derive(Debug, Clone)]
pub struct CommandResult {
    pub command: OperatorCommand,
}
