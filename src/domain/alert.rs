use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertState {
    Pending,
    Firing,
    Resolved,
}

impl AlertState {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertState::Pending => "pending",
            AlertState::Firing => "firing",
            AlertState::Resolved => "resolved",
        }
    }
}

/// An anomaly against a metric's own history. The expected band is carried
/// with the alert so no screen ever shows a bare "anomaly" without context.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// Stable identity for de-duplication: "<campaign>/<signal>".
    pub fingerprint: String,
    pub campaign_id: Option<String>,
    /// What is measured, e.g. "ctr", "bounce_rate", "sends", "sync_lag".
    pub signal: String,
    pub severity: Severity,
    pub state: AlertState,
    pub observed: f64,
    pub expected_low: f64,
    pub expected_high: f64,
    /// Which history the band came from, e.g. "Tue 14:00 baseline, 6 weeks".
    pub baseline: String,
    pub score: f64,
    pub since: DateTime<Utc>,
    pub summary: String,
    #[serde(default)]
    pub acked_by: Option<String>,
}
