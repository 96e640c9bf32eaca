//! Inventory throttles: slow down or pause campaigns whose promoted stock is
//! about to run out.
//!
//! Per SKU, stock is summed over warehouses and days of cover is projected
//! stock over daily sell-through. The SKU with the least cover decides. To
//! avoid a campaign flapping between levels while cover hovers around a
//! threshold, leaving a level needs cover above the threshold plus a margin.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{Campaign, InventoryLevel, Throttle, ThrottleLevel};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThrottleMode {
    /// Throttles are shown as recommendations for an operator to apply.
    #[default]
    Recommend,
    /// The state owner turns level changes into operator commands itself.
    Auto,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ThrottlePolicy {
    pub mode: ThrottleMode,
    /// Cover below this many days pauses the campaign.
    pub pause_below_days: f64,
    /// Cover below this many days throttles the campaign.
    pub throttle_below_days: f64,
    /// Send-rate / budget factor while throttled.
    pub throttle_factor: f64,
    /// Extra days of cover needed to step back down a level.
    pub hysteresis_days: f64,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self {
            mode: ThrottleMode::Recommend,
            pause_below_days: 2.0,
            throttle_below_days: 5.0,
            throttle_factor: 0.5,
            hysteresis_days: 1.0,
        }
    }
}

impl ThrottlePolicy {
    pub fn factor(&self, level: ThrottleLevel) -> f64 {
        match level {
            ThrottleLevel::Full => 1.0,
            ThrottleLevel::Throttled => self.throttle_factor,
            ThrottleLevel::Paused => 0.0,
        }
    }

    fn level_for(&self, cover: f64, margin: f64) -> ThrottleLevel {
        if cover < self.pause_below_days + margin {
            ThrottleLevel::Paused
        } else if cover < self.throttle_below_days + margin {
            ThrottleLevel::Throttled
        } else {
            ThrottleLevel::Full
        }
    }

    /// Next level given the previous one: worsening is immediate, improving
    /// needs the thresholds cleared by `hysteresis_days`.
    pub fn next_level(&self, cover: Option<f64>, prev: ThrottleLevel) -> ThrottleLevel {
        let Some(cover) = cover else {
            return ThrottleLevel::Full;
        };
        let raw = self.level_for(cover, 0.0);
        if raw >= prev {
            return raw;
        }
        self.level_for(cover, self.hysteresis_days.max(0.0))
            .min(prev)
    }

    fn rule_text(&self, level: ThrottleLevel, cover: Option<f64>, prev: ThrottleLevel) -> String {
        let h = self.hysteresis_days;
        let Some(c) = cover else {
            return "no sell-through => full".to_string();
        };
        let raw = self.level_for(c, 0.0);
        let held = level > raw && level == prev;
        match (level, held) {
            (ThrottleLevel::Paused, false) => {
                format!("cover < {}d => paused", self.pause_below_days)
            }
            (ThrottleLevel::Paused, true) => {
                format!(
                    "cover < {}d + {h}d hysteresis => stays paused",
                    self.pause_below_days
                )
            }
            (ThrottleLevel::Throttled, false) => format!(
                "cover < {}d => throttle {:.0}%",
                self.throttle_below_days,
                self.throttle_factor * 100.0
            ),
            (ThrottleLevel::Throttled, true) => format!(
                "cover < {}d + {h}d hysteresis => stays throttled {:.0}%",
                self.throttle_below_days,
                self.throttle_factor * 100.0
            ),
            (ThrottleLevel::Full, _) => format!("cover >= {}d => full", self.throttle_below_days),
        }
    }
}

/// A manual throttle level that wins over the policy until it expires.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Override {
    pub level: ThrottleLevel,
    pub by: String,
    pub reason: String,
    pub until: DateTime<Utc>,
}

/// Stock per SKU summed over warehouses: (projected, daily sell-through).
pub fn stock_by_sku(stock: &[InventoryLevel]) -> HashMap<&str, (f64, f64)> {
    let mut m: HashMap<&str, (f64, f64)> = HashMap::new();
    for l in stock {
        let e = m.entry(l.sku.as_str()).or_default();
        e.0 += l.projected;
        e.1 += l.daily_sell_through;
    }
    m
}

fn cover(projected: f64, sell: f64) -> Option<f64> {
    (sell > f64::EPSILON).then(|| projected.max(0.0) / sell)
}

/// The throttle for one campaign, or `None` if none of its SKUs has stock
/// data. `prev` is the level decided last time (for hysteresis).
pub fn decide(
    campaign: &Campaign,
    stock: &HashMap<&str, (f64, f64)>,
    prev: ThrottleLevel,
    policy: &ThrottlePolicy,
) -> Option<Throttle> {
    // Worst SKU: least cover; unbounded cover (None) sorts last.
    let worst = campaign
        .skus
        .iter()
        .filter_map(|sku| stock.get(sku.as_str()).map(|&(p, s)| (sku, p, cover(p, s))))
        .min_by(|a, b| match (a.2, b.2) {
            (Some(x), Some(y)) => x.total_cmp(&y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => a.0.cmp(b.0),
        })?;
    let (sku, projected, days) = worst;
    let level = policy.next_level(days, prev);
    let rule = format!("{sku}: {}", policy.rule_text(level, days, prev));
    Some(Throttle {
        campaign_id: campaign.id.clone(),
        level,
        factor: policy.factor(level),
        sku: sku.clone(),
        projected,
        days_of_cover: days,
        rule,
    })
}

/// Replace the policy's decision by an operator override.
pub fn apply_override(t: &mut Throttle, o: &Override, policy: &ThrottlePolicy) {
    t.level = o.level;
    t.factor = policy.factor(o.level);
    t.rule = format!(
        "override {} by {} until {}: {}",
        o.level.as_str(),
        o.by,
        o.until.format("%Y-%m-%d %H:%M UTC"),
        o.reason
    );
}
