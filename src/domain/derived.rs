use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::Alert;

/// A campaign's health: a score always paired with the reasons behind it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Health {
    /// 0 (broken) ..= 100 (nothing to look at).
    pub score: u8,
    /// Human-readable causes, worst first, e.g. "CTR 0.4% below band 1.8–2.6%".
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThrottleLevel {
    Full,
    Throttled,
    Paused,
}

impl ThrottleLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            ThrottleLevel::Full => "full",
            ThrottleLevel::Throttled => "throttled",
            ThrottleLevel::Paused => "paused",
        }
    }
}

/// An inventory-driven recommendation (or applied throttle) for one campaign.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Throttle {
    pub campaign_id: String,
    pub level: ThrottleLevel,
    /// Send-rate / budget factor applied at this level (1.0 = full speed).
    pub factor: f64,
    pub sku: String,
    pub projected: f64,
    pub days_of_cover: Option<f64>,
    /// The policy rule that matched, e.g. "cover < 3d => throttle 50%".
    pub rule: String,
}

/// Everything computed from a snapshot by `analytics`: recomputed by the state
/// owner after each poll, read by the views and headless commands.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Derived {
    pub health: HashMap<String, Health>,
    pub alerts: Vec<Alert>,
    pub throttles: Vec<Throttle>,
}
