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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::testkit::{Rng, Shape, bucket, campaign, hours, t0};
    use crate::domain::{SyncStatus, System};

    fn alert(state: AlertState, severity: Severity) -> Alert {
        Alert {
            fingerprint: "c1/ctr".into(),
            campaign_id: Some("c1".into()),
            signal: "ctr".into(),
            severity,
            state,
            observed: 0.003,
            expected_low: 0.018,
            expected_high: 0.026,
            baseline: "hour-of-day baseline, 6 pts".into(),
            score: 0.99,
            since: t0(),
            summary: "CTR 0.30% vs expected 1.8%–2.6%".into(),
            acked_by: None,
        }
    }

    fn throttle(level: ThrottleLevel) -> Throttle {
        Throttle {
            campaign_id: "c1".into(),
            level,
            factor: 0.5,
            sku: "A".into(),
            projected: 10.0,
            days_of_cover: Some(1.0),
            rule: "A: cover < 2d => paused".into(),
        }
    }

    fn job(status: SyncStatus) -> SyncJob {
        SyncJob {
            id: "j1".into(),
            name: "CRM→Marketing audiences".into(),
            source: System::Crm,
            target: System::Marketing,
            status,
            last_success: None,
            last_attempt: None,
            failing_since: Some(t0()),
            error: Some("HTTP 503".into()),
            retries: 3,
            next_retry: None,
        }
    }

    /// Health of a 20-day-old campaign (a third of its 60-day flight).
    fn health(
        spend: f64,
        bounce: f64,
        alerts: &[&Alert],
        t: Option<&Throttle>,
        jobs: &[&SyncJob],
    ) -> Health {
        let mut c = campaign("c1", &[]);
        c.spend = spend;
        let shape = Shape {
            bounce,
            ..Shape::default()
        };
        let history: Vec<_> = (0..24)
            .map(|h| bucket(t0() - hours(24 - h), shape, 1.0))
            .collect();
        let i = Inputs {
            campaign: &c,
            history: &history,
            findings: &[],
            alerts,
            throttle: t,
            failing_jobs: jobs,
            now: t0(),
        };
        score(&i, &HealthPolicy::default())
    }

    #[test]
    fn penalties_table() {
        let on_pace = 100_000.0 / 3.0;
        let firing = alert(AlertState::Firing, Severity::Critical);
        let pending = alert(AlertState::Pending, Severity::Warning);
        let paused = throttle(ThrottleLevel::Paused);
        let failing = job(SyncStatus::Failed);
        // (case, health, expected score, first reason starts with)
        let cases: Vec<(&str, Health, u8, &str)> = vec![
            ("all good", health(on_pace, 0.01, &[], None, &[]), 100, ""),
            (
                "over-pacing",
                health(on_pace * 1.5, 0.01, &[], None, &[]),
                82,
                "Over-pacing",
            ),
            (
                "under-pacing",
                health(on_pace * 0.5, 0.01, &[], None, &[]),
                82,
                "Under-pacing",
            ),
            (
                "poor delivery",
                health(on_pace, 0.2, &[], None, &[]),
                70,
                "Delivery rate 80.0%",
            ),
            (
                "firing critical",
                health(on_pace, 0.01, &[&firing], None, &[]),
                75,
                "firing alert: CTR",
            ),
            (
                "pending",
                health(on_pace, 0.01, &[&pending], None, &[]),
                96,
                "pending alert",
            ),
            (
                "paused by stock",
                health(on_pace, 0.01, &[], Some(&paused), &[]),
                80,
                "Stock paused: 1.0d",
            ),
            (
                "failing feed",
                health(on_pace, 0.01, &[], None, &[&failing, &failing, &failing]),
                84,
                "Sync job CRM→Marketing",
            ),
        ];
        for (name, h, want, first) in cases {
            assert_eq!(h.score, want, "{name}: {:?}", h.reasons);
            assert_eq!(h.reasons.is_empty(), want == 100, "{name}");
            if want < 100 {
                assert!(h.reasons[0].starts_with(first), "{name}: {:?}", h.reasons);
            }
        }
    }

    #[test]
    fn acked_alerts_weigh_half_and_worst_reason_comes_first() {
        let mut acked = alert(AlertState::Firing, Severity::Critical);
        acked.acked_by = Some("ana".into());
        let paused = throttle(ThrottleLevel::Paused);
        let h = health(100_000.0 / 3.0, 0.01, &[&acked], Some(&paused), &[]);
        assert_eq!(h.score, 67);
        assert!(h.reasons[0].starts_with("Stock paused"), "{:?}", h.reasons);
    }

    #[test]
    fn reasons_never_empty_below_100() {
        let mut rng = Rng::new(7);
        let firing = alert(AlertState::Firing, Severity::Warning);
        let throttled = throttle(ThrottleLevel::Throttled);
        let failing = job(SyncStatus::Retrying);
        for _ in 0..300 {
            let spend = 100_000.0 / 3.0 * (0.5 + rng.unit());
            let bounce = rng.unit() * 0.3;
            let alerts: Vec<&Alert> = if rng.unit() < 0.3 {
                vec![&firing]
            } else {
                vec![]
            };
            let t = (rng.unit() < 0.3).then_some(&throttled);
            let jobs: Vec<&SyncJob> = if rng.unit() < 0.3 {
                vec![&failing]
            } else {
                vec![]
            };
            let h = health(spend, bounce, &alerts, t, &jobs);
            assert!(h.score <= 100);
            assert_eq!(h.score < 100, !h.reasons.is_empty(), "{h:?}");
        }
    }
}
