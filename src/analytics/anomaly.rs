//! Anomaly scoring of campaign signals against their own history.
//!
//! Every point gets a score in [0, 1]: a logistic of the robust z-score
//! centred on `z_threshold`, so 0.5 means "exactly on the edge of the band".
//! The same [`Detector`] serves `mops backtest` and the sync-lag series, and
//! [`evaluate_campaign`] scores the newest hourly bucket of each campaign.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::alerts::LifecyclePolicy;
use super::baseline::{BaselineConfig, Expectation, SeasonalWindow, Slot};
pub use super::signal::{Direction, Signal};
use crate::domain::snapshot::HourBucket;

/// Detector settings; the same for every series (no per-series tuning).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AnomalyPolicy {
    pub baseline: BaselineConfig,
    /// |robust z| at which a point leaves the expected band (score 0.5).
    pub z_threshold: f64,
    /// Steepness of the logistic that maps |z| to a score.
    pub score_slope: f64,
    /// Score from which an anomaly is critical rather than a warning.
    pub critical_score: f64,
    /// Rates on fewer sends/deliveries than this are neither scored nor learnt.
    pub min_rate_denominator: f64,
    /// Conversion rate (per click) needs at least this many clicks.
    pub min_conversion_clicks: f64,
    /// Volumes in a partial hour are only compared once this share elapsed.
    pub min_partial_fraction: f64,
    /// A campaign whose newest bucket is older than this is not scored.
    pub stale_after_hours: i64,
    /// Sync lag is sampled into its baseline at most this often.
    pub lag_sample_minutes: i64,
    pub lifecycle: LifecyclePolicy,
}

impl Default for AnomalyPolicy {
    fn default() -> Self {
        Self {
            baseline: BaselineConfig::default(),
            z_threshold: 3.5,
            score_slope: 1.5,
            critical_score: 0.98,
            min_rate_denominator: 200.0,
            min_conversion_clicks: 30.0,
            min_partial_fraction: 0.25,
            stale_after_hours: 2,
            lag_sample_minutes: 5,
            lifecycle: LifecyclePolicy::default(),
        }
    }
}

impl AnomalyPolicy {
    /// Logistic map of |z| to [0, 1]; 0.5 at `z_threshold`.
    pub fn score(&self, z: f64) -> f64 {
        if z.is_nan() {
            return 0.0;
        }
        let x = self.score_slope * (z.abs() - self.z_threshold);
        (1.0 / (1.0 + (-x).exp())).clamp(0.0, 1.0)
    }
}

/// One scored point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scored {
    pub expectation: Expectation,
    pub z: f64,
    pub score: f64,
}

/// A streaming detector over one series: scores each point against the
/// points before it only.
#[derive(Debug, Clone)]
pub struct Detector {
    window: SeasonalWindow,
    policy: AnomalyPolicy,
    abs_floor: f64,
}

impl Detector {
    pub fn new(policy: AnomalyPolicy, abs_floor: f64) -> Self {
        Self {
            window: SeasonalWindow::new(policy.baseline),
            policy,
            abs_floor,
        }
    }

    /// Score `v` at `ts` (seconds since the epoch) without learning from it.
    pub fn score(&mut self, ts: i64, v: f64) -> Option<Scored> {
        let e = self.window.expectation(ts, self.abs_floor)?;
        let z = e.z(v);
        Some(Scored {
            expectation: e,
            z,
            score: self.policy.score(z),
        })
    }

    pub fn learn(&mut self, ts: i64, v: f64) {
        self.window.push(ts, v);
    }

    /// Score then learn: the usual streaming step.
    pub fn observe(&mut self, ts: i64, v: f64) -> Option<Scored> {
        let s = self.score(ts, v);
        self.learn(ts, v);
        s
    }
}

/// The newest point of one campaign signal, compared with its baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub signal: Signal,
    pub observed: f64,
    /// Already pro-rata for partial hours and widened for small volumes.
    pub expectation: Expectation,
    pub low: f64,
    pub high: f64,
    pub z: f64,
    pub score: f64,
    /// Outside the band on the side that hurts.
    pub anomalous: bool,
    /// Share of the bucket's hour elapsed (1.0 for a complete hour).
    pub fraction: f64,
}

impl Finding {
    /// e.g. "CTR 0.31% vs expected 1.8%–2.6% (hour-of-day baseline, 12 pts)".
    pub fn summary(&self) -> String {
        let s = self.signal;
        let partial = if self.fraction < 1.0 && !s.is_rate() {
            format!("; {:.0}% of hour so far", self.fraction * 100.0)
        } else {
            String::new()
        };
        format!(
            "{} {} vs expected {}–{} ({}{partial})",
            s.label(),
            s.format(self.observed),
            s.format(self.low),
            s.format(self.high),
            self.expectation.describe(),
        )
    }
}

/// Expectations of the seven campaign signals (in [`Signal::CAMPAIGN`] order)
/// for one target bucket; `None` while a signal is warming up.
pub type Baselines = [Option<Expectation>; 7];

/// Index of the bucket to score at `now` and the share of its hour elapsed,
/// or `None` when there is no bucket yet or the newest one is stale.
pub fn newest(
    history: &[HourBucket],
    now: DateTime<Utc>,
    policy: &AnomalyPolicy,
) -> Option<(usize, f64)> {
    let last = history.iter().rposition(|b| b.ts <= now)?;
    let age = (now - history[last].ts).num_seconds();
    if age >= (policy.stale_after_hours.max(0) + 1) * 3600 {
        return None;
    }
    Some((last, (age as f64 / 3600.0).clamp(0.0, 1.0)))
}

/// Learn each signal's baseline from `before` (oldest first) for a bucket
/// starting at `target` (seconds since the epoch). `window` is scratch space.
pub fn baselines(
    before: &[HourBucket],
    target: i64,
    policy: &AnomalyPolicy,
    window: &mut SeasonalWindow,
) -> Baselines {
    let slot = Slot::of(target);
    Signal::CAMPAIGN.map(|signal| {
        window.clear();
        for b in before {
            if let Some((v, _)) = signal.read(b, policy) {
                window.push_toward(b.ts.timestamp(), v, &slot);
            }
        }
        window.expectation(target, signal.abs_floor())
    })
}

/// Score the newest bucket against its baselines. `fraction` is the share
/// of its hour elapsed; `volumes: false` skips sends and spend (e.g. while
/// a throttle deliberately lowers them).
pub fn score_newest(
    current: &HourBucket,
    fraction: f64,
    baselines: &Baselines,
    policy: &AnomalyPolicy,
    volumes: bool,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for (signal, base) in Signal::CAMPAIGN.into_iter().zip(baselines) {
        if !signal.is_rate() && (!volumes || fraction < policy.min_partial_fraction) {
            continue;
        }
        let (Some((observed, volume)), Some(mut e)) = (signal.read(current, policy), *base) else {
            continue;
        };
        if signal.is_rate() {
            let p = e.median.clamp(0.0, 1.0);
            e = e.widened((p * (1.0 - p) / volume).sqrt());
        } else {
            e = e.pro_rata(fraction);
        }
        let z = e.z(observed);
        let (mut low, mut high) = e.band(policy.z_threshold);
        low = low.max(0.0);
        if signal.is_rate() {
            high = high.min(1.0);
        }
        out.push(Finding {
            signal,
            observed,
            expectation: e,
            low,
            high,
            z,
            score: policy.score(z),
            anomalous: z.abs() >= policy.z_threshold && signal.bad_direction().matches(z),
            fraction,
        });
    }
    out
}

/// Score the newest bucket (complete or partial) of every campaign signal
/// against the buckets before it.
pub fn evaluate_campaign(
    history: &[HourBucket],
    now: DateTime<Utc>,
    policy: &AnomalyPolicy,
    window: &mut SeasonalWindow,
    volumes: bool,
) -> Vec<Finding> {
    let Some((last, fraction)) = newest(history, now, policy) else {
        return Vec::new();
    };
    let current = &history[last];
    let b = baselines(&history[..last], current.ts.timestamp(), policy, window);
    score_newest(current, fraction, &b, policy, volumes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::testkit::{Shape, bucket, hours, t0};
    use chrono::Duration;

    fn history(n: i64, shape: Shape) -> Vec<HourBucket> {
        (0..n)
            .map(|h| bucket(t0() + hours(h), shape, 1.0))
            .collect()
    }

    fn find(fs: &[Finding], s: Signal) -> Option<&Finding> {
        fs.iter().find(|f| f.signal == s)
    }

    #[test]
    fn score_is_logistic_in_unit_interval() {
        let p = AnomalyPolicy::default();
        let cases = [
            (0.0, 0.0, 0.01),
            (3.5, 0.5, 0.5),
            (-3.5, 0.5, 0.5),
            (8.0, 0.99, 1.0),
            (f64::NAN, 0.0, 0.0),
            (f64::INFINITY, 1.0, 1.0),
        ];
        for (z, lo, hi) in cases {
            let s = p.score(z);
            assert!((lo..=hi).contains(&s), "z {z} => {s}");
        }
    }

    /// (case, newest bucket's shape, minutes into its hour, signals flagged).
    #[test]
    fn newest_bucket_table() {
        let base = Shape::default();
        let cases: &[(&str, Shape, i64, &[Signal])] = &[
            ("steady", base, 60, &[]),
            (
                "ctr collapse",
                Shape { ctr: 0.004, ..base },
                60,
                &[Signal::Ctr],
            ),
            (
                "ctr surge is not a problem",
                Shape { ctr: 0.08, ..base },
                60,
                &[],
            ),
            (
                "bounce spike",
                Shape {
                    bounce: 0.08,
                    ..base
                },
                60,
                &[Signal::BounceRate],
            ),
            (
                "sends drop",
                Shape {
                    sends: 300.0,
                    ..base
                },
                60,
                &[Signal::Sends, Signal::Spend],
            ),
            ("partial hour on pace", base, 30, &[]),
            (
                "partial hour twice the pace",
                Shape {
                    sends: 4000.0,
                    ..base
                },
                30,
                &[Signal::Sends, Signal::Spend],
            ),
            (
                "too early in the hour for volumes",
                Shape {
                    sends: 4000.0,
                    ..base
                },
                5,
                &[],
            ),
        ];
        let p = AnomalyPolicy::default();
        let mut w = SeasonalWindow::new(p.baseline);
        for (name, shape, minutes, want) in cases {
            let mut h = history(24 * 6, base);
            let ts = t0() + hours(24 * 6);
            let fraction = *minutes as f64 / 60.0;
            h.push(bucket(ts, *shape, fraction));
            let now = ts + Duration::minutes(*minutes);
            let fs = evaluate_campaign(&h, now, &p, &mut w, true);
            let flagged: Vec<Signal> = fs
                .iter()
                .filter(|f| f.anomalous)
                .map(|f| f.signal)
                .collect();
            assert_eq!(flagged, want.to_vec(), "{name}");
            assert!(fs.iter().all(|f| (0.0..=1.0).contains(&f.score)), "{name}");
        }
    }

    #[test]
    fn summary_names_band_and_baseline() {
        let p = AnomalyPolicy::default();
        let mut h = history(24 * 6, Shape::default());
        let ts = t0() + hours(24 * 6);
        h.push(bucket(
            ts,
            Shape {
                ctr: 0.003,
                ..Shape::default()
            },
            1.0,
        ));
        let fs = evaluate_campaign(
            &h,
            ts + hours(1),
            &p,
            &mut SeasonalWindow::new(p.baseline),
            true,
        );
        let f = find(&fs, Signal::Ctr).expect("ctr scored");
        assert_eq!(
            f.expectation.kind,
            crate::analytics::baseline::BaselineKind::HourOfDay
        );
        assert_eq!(f.expectation.points, 6);
        assert!(
            f.summary().starts_with("CTR 0.30% vs expected "),
            "{}",
            f.summary()
        );
        assert!(
            f.summary().ends_with("(hour-of-day baseline, 6 pts)"),
            "{}",
            f.summary()
        );
        assert!(f.low < 0.02 && 0.02 < f.high);
    }

    #[test]
    fn tiny_denominators_never_alarm() {
        let p = AnomalyPolicy::default();
        let mut h = history(48, Shape::default());
        let ts = t0() + hours(48);
        // 50 sends with zero clicks and a 40% bounce rate: too small to judge.
        h.push(bucket(
            ts,
            Shape {
                sends: 50.0,
                ctr: 0.0,
                bounce: 0.4,
            },
            1.0,
        ));
        let fs = evaluate_campaign(
            &h,
            ts + hours(1),
            &p,
            &mut SeasonalWindow::new(p.baseline),
            false,
        );
        assert!(fs.is_empty(), "{fs:?}");
    }

    #[test]
    fn warm_up_and_stale_data_give_no_findings() {
        let p = AnomalyPolicy::default();
        let mut w = SeasonalWindow::new(p.baseline);
        let short = history(5, Shape::default());
        assert!(evaluate_campaign(&short, t0() + hours(5), &p, &mut w, true).is_empty());
        let long = history(48, Shape::default());
        assert!(!evaluate_campaign(&long, t0() + hours(48), &p, &mut w, true).is_empty());
        assert!(evaluate_campaign(&long, t0() + hours(51), &p, &mut w, true).is_empty());
    }
}
