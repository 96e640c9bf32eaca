//! Pure analytics over a [`Snapshot`]: anomaly alerts against each series' own
//! history, inventory throttles and campaign health scores.
//!
//! Nothing here does I/O. The state owner keeps one [`Engine`], calls
//! [`Engine::evaluate`] after every poll and persists the engine (serde) so
//! acknowledgements, silences, overrides and hysteresis survive restarts.
//!
//! [`Snapshot`]: crate::domain::Snapshot

pub mod alerts;
pub mod anomaly;
pub mod auto_throttle;
pub mod baseline;
mod engine;
pub mod health;
pub mod signal;
#[cfg(test)]
mod testkit;
#[cfg(test)]
mod tests;
pub mod throttle;

use serde::{Deserialize, Serialize};

pub use alerts::{LifecyclePolicy, Silence};
pub use anomaly::{AnomalyPolicy, Detector, Signal};
pub use engine::Engine;
pub use health::HealthPolicy;
pub use throttle::{Override, ThrottleMode, ThrottlePolicy};

/// Every analytics knob, read from the `[analytics]` table of the config
/// file; anything left out keeps its default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Policy {
    pub anomaly: AnomalyPolicy,
    pub throttle: ThrottlePolicy,
    pub health: HealthPolicy,
}
