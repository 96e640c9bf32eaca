use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Counters reported per campaign per hour bucket. Rates (CTR, bounce rate)
/// are derived from these, never sent over the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetricKind {
    Sends,
    Deliveries,
    Opens,
    Clicks,
    Bounces,
    Unsubscribes,
    Conversions,
    Spend,
}

impl MetricKind {
    pub const ALL: [MetricKind; 8] = [
        MetricKind::Sends,
        MetricKind::Deliveries,
        MetricKind::Opens,
        MetricKind::Clicks,
        MetricKind::Bounces,
        MetricKind::Unsubscribes,
        MetricKind::Conversions,
        MetricKind::Spend,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MetricKind::Sends => "sends",
            MetricKind::Deliveries => "deliveries",
            MetricKind::Opens => "opens",
            MetricKind::Clicks => "clicks",
            MetricKind::Bounces => "bounces",
            MetricKind::Unsubscribes => "unsubscribes",
            MetricKind::Conversions => "conversions",
            MetricKind::Spend => "spend",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// One hourly bucket: `value` is the count (or spend) within
/// `[timestamp, timestamp + 1h)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricSample {
    pub campaign_id: String,
    pub metric: MetricKind,
    pub timestamp: DateTime<Utc>,
    pub value: f64,
}
