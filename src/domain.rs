//! Plain domain types shared by every layer.
//!
//! Nothing here does I/O: no tokio, reqwest, sled or ratatui. The native HTTP
//! contract serialises these types directly (see docs/http-contract.md), so a
//! field rename here is a wire change.

pub mod alert;
pub mod approval;
pub mod approval_policy;
pub mod audit;
pub mod authz;
pub mod campaign;
pub mod derived;
pub mod inventory;
pub mod metric;
pub mod operator_command;
pub mod sanitize;
pub mod snapshot;
pub mod sync;

pub use alert::{Alert, AlertState, Severity};
pub use approval::{ApprovalRequest, ApprovalStatus, ApprovalStep, Decision, StepRule, Verdict};
pub use audit::AuditEntry;
pub use authz::{Denied, Principal, Role, authorize};
pub use campaign::{Campaign, CampaignStatus, Channel};
pub use derived::{Derived, Health, Throttle, ThrottleLevel};
pub use inventory::InventoryLevel;
pub use metric::{MetricKind, MetricSample};
pub use operator_command::{CommandKind, CommandStatus, FallbackKind, OperatorCommand};
pub use snapshot::{Freshness, Snapshot, Source};
pub use sync::{SyncFailure, SyncJob, SyncStatus, System};
