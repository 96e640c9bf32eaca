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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::testkit::{Rng, campaign, stock};
    use ThrottleLevel::{Full, Paused, Throttled};

    #[test]
    fn next_level_table() {
        let p = ThrottlePolicy::default();
        // (cover, previous level, expected level)
        let cases = [
            (Some(10.0), Full, Full),
            (Some(4.9), Full, Throttled),
            (Some(1.9), Full, Paused),
            (Some(1.9), Throttled, Paused),
            (Some(2.5), Paused, Paused), // needs >= 3 to leave paused
            (Some(3.0), Paused, Throttled),
            (Some(5.5), Throttled, Throttled), // needs >= 6 to leave throttled
            (Some(6.0), Throttled, Full),
            (Some(6.5), Paused, Full),
            (Some(5.5), Paused, Throttled),
            (None, Paused, Full), // nothing selling: unbounded cover
        ];
        for (cover, prev, want) in cases {
            assert_eq!(
                p.next_level(cover, prev),
                want,
                "cover {cover:?} from {prev:?}"
            );
        }
    }

    #[test]
    fn oscillating_cover_does_not_flap() {
        let p = ThrottlePolicy::default();
        for (threshold, settled) in [
            (p.pause_below_days, Paused),
            (p.throttle_below_days, Throttled),
        ] {
            let mut rng = Rng::new(threshold as u64);
            let mut level = if settled == Paused { Throttled } else { Full };
            let mut changes = 0;
            for i in 0..500 {
                // First dip is below the threshold, then wobble within the margin.
                let cover = if i == 0 {
                    threshold - 0.5
                } else {
                    threshold + rng.noise(0.9)
                };
                let next = p.next_level(Some(cover), level);
                changes += usize::from(next != level);
                level = next;
            }
            assert_eq!((changes, level), (1, settled), "around {threshold}d");
        }
    }

    #[test]
    fn worst_sku_summed_over_warehouses_decides() {
        let p = ThrottlePolicy::default();
        let levels = vec![
            stock("A", "AMS", 30.0, 5.0),
            stock("A", "BER", 30.0, 5.0), // A: 60 / 10 = 6 days
            stock("B", "AMS", 9.0, 6.0),  // B: 1.5 days
            stock("C", "AMS", 0.0, 0.0),  // C: not selling
        ];
        let idx = stock_by_sku(&levels);
        let t = decide(&campaign("c1", &["A", "B", "C", "Z"]), &idx, Full, &p).expect("has stock");
        assert_eq!((t.level, t.sku.as_str(), t.factor), (Paused, "B", 0.0));
        assert_eq!(t.days_of_cover, Some(1.5));
        assert_eq!(t.rule, "B: cover < 2d => paused");
        let only_a = decide(&campaign("c2", &["A"]), &idx, Full, &p).expect("has stock");
        assert_eq!((only_a.level, only_a.factor), (Full, 1.0));
        let held = decide(&campaign("c2", &["A"]), &idx, Throttled, &p).expect("has stock");
        assert_eq!(held.level, Full, "6d clears 5d + 1d");
        assert!(decide(&campaign("c3", &["Z"]), &idx, Full, &p).is_none());
    }

    #[test]
    fn rule_text_mentions_hysteresis_when_held() {
        let p = ThrottlePolicy::default();
        let levels = vec![stock("A", "AMS", 55.0, 10.0)];
        let idx = stock_by_sku(&levels);
        let t = decide(&campaign("c1", &["A"]), &idx, Throttled, &p).expect("has stock");
        assert_eq!(t.level, Throttled);
        assert_eq!(
            t.rule,
            "A: cover < 5d + 1d hysteresis => stays throttled 50%"
        );
    }
}
