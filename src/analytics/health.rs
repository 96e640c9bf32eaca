//! Campaign health: 100 minus penalties, every penalty with a human reason.
//!
//! Components: delivery rate over the recent window, engagement against its
//! own baseline, pacing against a linear budget (both directions), active
//! alerts, inventory throttles and failing sync jobs that feed marketing.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::anomaly::Finding;
use crate::domain::snapshot::HourBucket;
use crate::domain::{
    Alert, AlertState, Campaign, Health, MetricKind, Severity, SyncJob, Throttle, ThrottleLevel,
};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HealthPolicy {
    /// Hours of history the delivery rate is measured over.
    pub delivery_window_hours: i64,
    /// Delivery rate at or above this costs nothing...
    pub delivery_rate_ok: f64,
    /// ...and at or below this costs the full `delivery_weight`.
    pub delivery_rate_bad: f64,
    pub delivery_weight: f64,
    /// Engagement below its baseline costs up to this (scaled by score).
    pub engagement_weight: f64,
    /// Pacing within 1 ± tolerance costs nothing.
    pub pacing_tolerance: f64,
    /// Penalty per unit of pacing deviation beyond the tolerance.
    pub pacing_slope: f64,
    pub pacing_max: f64,
    /// Pacing is ignored until this share of the flight elapsed.
    pub pacing_min_elapsed: f64,
    pub alert_critical: f64,
    pub alert_warning: f64,
    pub alert_pending: f64,
    pub throttle_paused: f64,
    pub throttle_throttled: f64,
    pub sync_failing_each: f64,
    pub sync_failing_max: f64,
}

impl Default for HealthPolicy {
    fn default() -> Self {
        Self {
            delivery_window_hours: 24,
            delivery_rate_ok: 0.97,
            delivery_rate_bad: 0.80,
            delivery_weight: 30.0,
            engagement_weight: 15.0,
            pacing_tolerance: 0.15,
            pacing_slope: 50.0,
            pacing_max: 25.0,
            pacing_min_elapsed: 0.05,
            alert_critical: 25.0,
            alert_warning: 12.0,
            alert_pending: 4.0,
            throttle_paused: 20.0,
            throttle_throttled: 8.0,
            sync_failing_each: 8.0,
            sync_failing_max: 16.0,
        }
    }
}

/// What the health of one campaign is computed from.
pub struct Inputs<'a> {
    pub campaign: &'a Campaign,
    pub history: &'a [HourBucket],
    pub findings: &'a [Finding],
    /// Visible (not silenced) alerts of this campaign.
    pub alerts: &'a [&'a Alert],
    pub throttle: Option<&'a Throttle>,
    /// Failing jobs whose target is the marketing system.
    pub failing_jobs: &'a [&'a SyncJob],
    pub now: DateTime<Utc>,
}

pub fn score(i: &Inputs<'_>, p: &HealthPolicy) -> Health {
    let mut penalties: Vec<(f64, String)> = Vec::new();
    delivery(i, p, &mut penalties);
    engagement(i, p, &mut penalties);
    pacing(i, p, &mut penalties);
    alerts(i, p, &mut penalties);
    throttle(i, p, &mut penalties);
    sync(i, p, &mut penalties);
    penalties.retain(|(w, _)| *w > 0.0);
    penalties.sort_by(|a, b| b.0.total_cmp(&a.0));
    let total: f64 = penalties.iter().map(|(w, _)| w).sum();
    // Floor, so any penalty at all shows as < 100 and always has a reason.
    let score = (100.0 - total).floor().clamp(0.0, 100.0) as u8;
    Health {
        score,
        reasons: penalties.into_iter().map(|(_, r)| r).collect(),
    }
}

fn delivery(i: &Inputs<'_>, p: &HealthPolicy, out: &mut Vec<(f64, String)>) {
    let since = i.now - Duration::hours(p.delivery_window_hours.max(1));
    let (mut sends, mut delivered) = (0.0, 0.0);
    for b in i.history.iter().filter(|b| b.ts >= since && b.ts <= i.now) {
        sends += b.get(MetricKind::Sends);
        delivered += b.get(MetricKind::Deliveries);
    }
    if sends < 1.0 {
        return;
    }
    let rate = (delivered / sends).min(1.0);
    let span = (p.delivery_rate_ok - p.delivery_rate_bad).max(f64::EPSILON);
    let share = ((p.delivery_rate_ok - rate) / span).clamp(0.0, 1.0);
    if share > 0.0 {
        out.push((
            share * p.delivery_weight,
            format!(
                "Delivery rate {:.1}% over {}h (expected ≥ {:.0}%)",
                rate * 100.0,
                p.delivery_window_hours,
                p.delivery_rate_ok * 100.0
            ),
        ));
    }
}

fn engagement(i: &Inputs<'_>, p: &HealthPolicy, out: &mut Vec<(f64, String)>) {
    for f in i.findings.iter().filter(|f| f.signal.is_engagement()) {
        if f.z >= 0.0 || f.score < 0.05 {
            continue;
        }
        let s = f.signal;
        out.push((
            p.engagement_weight * f.score,
            format!(
                "{} {} below baseline {}–{}",
                s.label(),
                s.format(f.observed),
                s.format(f.low),
                s.format(f.high)
            ),
        ));
    }
}

fn pacing(i: &Inputs<'_>, p: &HealthPolicy, out: &mut Vec<(f64, String)>) {
    let c = i.campaign;
    if c.elapsed_fraction(i.now) < p.pacing_min_elapsed {
        return;
    }
    let Some(pace) = c.pacing(i.now) else {
        return;
    };
    let dev = (pace - 1.0).abs() - p.pacing_tolerance;
    if dev <= 0.0 {
        return;
    }
    let expected = c.budget * c.elapsed_fraction(i.now);
    let word = if pace > 1.0 {
        "Over-pacing"
    } else {
        "Under-pacing"
    };
    out.push((
        (dev * p.pacing_slope).min(p.pacing_max),
        format!(
            "{word}: spend {:.0} vs {:.0} expected by now ({:.0}% of pace)",
            c.spend,
            expected,
            pace * 100.0
        ),
    ));
}

fn alerts(i: &Inputs<'_>, p: &HealthPolicy, out: &mut Vec<(f64, String)>) {
    for a in i.alerts {
        let mut w = match (a.state, a.severity) {
            (AlertState::Resolved, _) => continue,
            (AlertState::Pending, _) => p.alert_pending,
            (AlertState::Firing, Severity::Critical) => p.alert_critical,
            (AlertState::Firing, _) => p.alert_warning,
        };
        // Someone is on it: it still counts, but less.
        if a.acked_by.is_some() {
            w /= 2.0;
        }
        out.push((w, format!("{} alert: {}", a.state.as_str(), a.summary)));
    }
}

fn throttle(i: &Inputs<'_>, p: &HealthPolicy, out: &mut Vec<(f64, String)>) {
    let Some(t) = i.throttle else {
        return;
    };
    let w = match t.level {
        ThrottleLevel::Full => return,
        ThrottleLevel::Throttled => p.throttle_throttled,
        ThrottleLevel::Paused => p.throttle_paused,
    };
    let cover = t
        .days_of_cover
        .map_or_else(|| "unknown".to_string(), |d| format!("{d:.1}d"));
    out.push((
        w,
        format!("Stock {}: {} cover ({})", t.level.as_str(), cover, t.rule),
    ));
}

fn sync(i: &Inputs<'_>, p: &HealthPolicy, out: &mut Vec<(f64, String)>) {
    let mut budget = p.sync_failing_max;
    for j in i.failing_jobs {
        let w = p.sync_failing_each.min(budget);
        if w <= 0.0 {
            break;
        }
        budget -= w;
        let since = j
            .failing_since
            .map(|t| format!(" since {}", t.format("%H:%M")))
            .unwrap_or_default();
        let err = j
            .error
            .as_deref()
            .map(|e| format!(": {e}"))
            .unwrap_or_default();
        out.push((
            w,
            format!("Sync job {} {}{since}{err}", j.name, j.status.as_str()),
        ));
    }
}
