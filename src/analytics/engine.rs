//! The stateful shell around the pure analytics functions.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::alerts::{AlertBook, Observation, Silence};
use super::anomaly::{self, Baselines, Detector, Finding, Signal};
use super::baseline::SeasonalWindow;
use super::throttle::{self, Override};
use super::{Policy, health};
use crate::domain::snapshot::HourBucket;
use crate::domain::{
    Alert, CampaignStatus, Derived, Severity, Snapshot, SyncJob, System, Throttle, ThrottleLevel,
};

/// Sync lag has no history in the snapshot, so the engine samples it itself.
/// Not persisted: a restart only costs a warm-up.
#[derive(Debug, Clone)]
struct LagSeries {
    detector: Detector,
    last_sample: Option<DateTime<Utc>>,
}

/// Baselines learnt for a campaign's newest bucket; reused while neither
/// that bucket's hour nor any earlier bucket changed (most polls), so a poll
/// only costs scoring the newest point.
#[derive(Debug, Clone)]
struct CachedBaselines {
    target: DateTime<Utc>,
    checksum: u64,
    baselines: Baselines,
}

/// Alert life cycle, throttle hysteresis and overrides, plus the policy.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Engine {
    policy: Policy,
    alerts: AlertBook,
    /// Last policy level per campaign (before overrides), for hysteresis.
    throttle_levels: BTreeMap<String, ThrottleLevel>,
    overrides: BTreeMap<String, Override>,
    #[serde(skip)]
    lag: HashMap<String, LagSeries>,
    #[serde(skip)]
    baselines: HashMap<String, CachedBaselines>,
}

impl Engine {
    pub fn new(policy: Policy) -> Self {
        Self {
            policy,
            alerts: AlertBook::default(),
            throttle_levels: BTreeMap::new(),
            overrides: BTreeMap::new(),
            lag: HashMap::new(),
            baselines: HashMap::new(),
        }
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Replace the policy (config reload) keeping all life-cycle state.
    pub fn set_policy(&mut self, policy: Policy) {
        self.policy = policy;
        self.lag.clear();
        self.baselines.clear();
    }

    /// Pure given (self, snapshot, now): recompute alerts (advancing their
    /// life cycle), throttles (with hysteresis) and health.
    pub fn evaluate(&mut self, snapshot: &Snapshot, now: DateTime<Utc>) -> Derived {
        self.overrides.retain(|_, o| o.until > now);
        let throttles = self.throttles(snapshot);
        let throttle_of: HashMap<&str, &Throttle> = throttles
            .iter()
            .map(|t| (t.campaign_id.as_str(), t))
            .collect();

        let p = self.policy.anomaly;
        let (findings, mut anomalies) = self.campaign_findings(snapshot, &throttle_of, now);
        anomalies.extend(self.sync_lag(&snapshot.sync_jobs, now));
        self.alerts.advance(anomalies, now, &p.lifecycle);
        let alerts = self.alerts.visible(now);

        let failing: Vec<&SyncJob> = snapshot
            .sync_jobs
            .iter()
            .filter(|j| j.target == System::Marketing && j.status.is_failing())
            .collect();
        let mut alerts_of: HashMap<&str, Vec<&Alert>> = HashMap::new();
        for a in &alerts {
            if let Some(id) = a.campaign_id.as_deref() {
                alerts_of.entry(id).or_default().push(a);
            }
        }
        let mut health_map = HashMap::new();
        for c in &snapshot.campaigns {
            let inputs = health::Inputs {
                campaign: c,
                history: snapshot.history.get(&c.id).map_or(&[], Vec::as_slice),
                findings: findings.get(c.id.as_str()).map_or(&[], Vec::as_slice),
                alerts: alerts_of.get(c.id.as_str()).map_or(&[], Vec::as_slice),
                throttle: throttle_of.get(c.id.as_str()).copied(),
                failing_jobs: &failing,
                now,
            };
            health_map.insert(c.id.clone(), health::score(&inputs, &self.policy.health));
        }
        Derived {
            health: health_map,
            alerts,
            throttles,
        }
    }

    /// Score the newest bucket of every active campaign; returns all
    /// findings by campaign and the anomalous ones as observations.
    fn campaign_findings<'s>(
        &mut self,
        snapshot: &'s Snapshot,
        throttle_of: &HashMap<&str, &Throttle>,
        now: DateTime<Utc>,
    ) -> (HashMap<&'s str, Vec<Finding>>, Vec<Observation>) {
        let p = self.policy.anomaly;
        let mut window = SeasonalWindow::new(p.baseline);
        let mut findings = HashMap::new();
        let mut anomalies = Vec::new();
        let mut cache = std::mem::take(&mut self.baselines);
        // The partial hour is only as complete as our last marketing fetch;
        // judging it at `now` would read poll delay as a drop in volume.
        let as_of = snapshot
            .freshness
            .get(&System::Marketing)
            .and_then(|f| f.fetched_at)
            .map_or(now, |t| t.min(now));
        let active = snapshot
            .campaigns
            .iter()
            .filter(|c| c.status == CampaignStatus::Active);
        for c in active {
            let Some(history) = snapshot.history.get(&c.id) else {
                continue;
            };
            let Some((last, fraction)) = anomaly::newest(history, as_of, &p) else {
                continue;
            };
            let (current, before) = (&history[last], &history[..last]);
            let sum = checksum(before);
            let baselines = match cache
                .remove(&c.id)
                .filter(|b| b.target == current.ts && b.checksum == sum)
            {
                Some(b) => b.baselines,
                None => anomaly::baselines(before, current.ts.timestamp(), &p, &mut window),
            };
            let entry = CachedBaselines {
                target: current.ts,
                checksum: sum,
                baselines,
            };
            self.baselines.insert(c.id.clone(), entry);
            let volumes = throttle_of
                .get(c.id.as_str())
                .is_none_or(|t| t.level == ThrottleLevel::Full);
            let found = anomaly::score_newest(current, fraction, &baselines, &p, volumes);
            for f in found.iter().filter(|f| f.anomalous) {
                anomalies.push(self.observation(&c.id, f));
            }
            findings.insert(c.id.as_str(), found);
        }
        (findings, anomalies)
    }

    pub fn acknowledge(&mut self, fingerprint: &str, by: &str, _now: DateTime<Utc>) -> bool {
        self.alerts.acknowledge(fingerprint, by)
    }

    pub fn silence(
        &mut self,
        fingerprint: &str,
        by: &str,
        reason: &str,
        until: DateTime<Utc>,
    ) -> bool {
        self.alerts.silence(fingerprint, by, reason, until)
    }

    /// Alerts hidden by a silence, with who silenced them, why and until when.
    pub fn silenced(&self, now: DateTime<Utc>) -> Vec<(Alert, Silence)> {
        self.alerts.silenced(now)
    }

    pub fn override_throttle(
        &mut self,
        campaign_id: &str,
        level: ThrottleLevel,
        by: &str,
        reason: &str,
        until: DateTime<Utc>,
    ) {
        let o = Override {
            level,
            by: by.to_string(),
            reason: reason.to_string(),
            until,
        };
        self.overrides.insert(campaign_id.to_string(), o);
    }

    /// One throttle per campaign whose SKUs have stock data or that has an
    /// override; `Full` entries mean "no action".
    fn throttles(&mut self, snapshot: &Snapshot) -> Vec<Throttle> {
        let stock = throttle::stock_by_sku(&snapshot.stock);
        let tp = self.policy.throttle;
        let mut out = Vec::new();
        let mut live = BTreeMap::new();
        for c in &snapshot.campaigns {
            if matches!(c.status, CampaignStatus::Completed | CampaignStatus::Draft) {
                continue;
            }
            let prev = self
                .throttle_levels
                .get(&c.id)
                .copied()
                .unwrap_or(ThrottleLevel::Full);
            let mut t = throttle::decide(c, &stock, prev, &tp);
            if let Some(t) = &t {
                live.insert(c.id.clone(), t.level);
            }
            if let Some(o) = self.overrides.get(&c.id) {
                let t = t.get_or_insert_with(|| Throttle {
                    campaign_id: c.id.clone(),
                    level: o.level,
                    factor: tp.factor(o.level),
                    sku: String::new(),
                    projected: 0.0,
                    days_of_cover: None,
                    rule: String::new(),
                });
                throttle::apply_override(t, o, &tp);
            }
            out.extend(t);
        }
        self.throttle_levels = live;
        out
    }

    fn observation(&self, campaign_id: &str, f: &Finding) -> Observation {
        Observation {
            fingerprint: format!("{campaign_id}/{}", f.signal.name()),
            campaign_id: Some(campaign_id.to_string()),
            signal: f.signal.name().to_string(),
            severity: self.severity(f.score),
            observed: f.observed,
            expected_low: f.low,
            expected_high: f.high,
            baseline: f.expectation.describe(),
            score: f.score,
            summary: f.summary(),
        }
    }

    fn severity(&self, score: f64) -> Severity {
        if score >= self.policy.anomaly.critical_score {
            Severity::Critical
        } else {
            Severity::Warning
        }
    }

    /// Score each job's minutes since last success against its own recent
    /// lags. Anomalous lags are not learnt, so a stuck job keeps alerting.
    fn sync_lag(&mut self, jobs: &[SyncJob], now: DateTime<Utc>) -> Vec<Observation> {
        let p = self.policy.anomaly;
        self.lag.retain(|id, _| jobs.iter().any(|j| &j.id == id));
        let mut out = Vec::new();
        for j in jobs {
            let Some(lag) = j.lag(now) else {
                continue;
            };
            let minutes = lag.num_seconds().max(0) as f64 / 60.0;
            let series = self.lag.entry(j.id.clone()).or_insert_with(|| LagSeries {
                detector: Detector::new(p, Signal::SyncLag.abs_floor()),
                last_sample: None,
            });
            let scored = series.detector.score(now.timestamp(), minutes);
            let anomalous = scored.is_some_and(|s| s.z >= p.z_threshold);
            let due = series
                .last_sample
                .is_none_or(|t| now - t >= Duration::minutes(p.lag_sample_minutes.max(1)));
            if !anomalous && due {
                series.detector.learn(now.timestamp(), minutes);
                series.last_sample = Some(now);
            }
            let Some(s) = scored.filter(|_| anomalous) else {
                continue;
            };
            let (low, high) = s.expectation.band(p.z_threshold);
            let low = low.max(0.0);
            let sig = Signal::SyncLag;
            out.push(Observation {
                fingerprint: format!("{}/{}", j.id, sig.name()),
                campaign_id: None,
                signal: sig.name().to_string(),
                severity: self.severity(s.score),
                observed: minutes,
                expected_low: low,
                expected_high: high,
                baseline: s.expectation.describe(),
                score: s.score,
                summary: format!(
                    "Sync lag of {} {} vs expected {}–{} ({})",
                    j.name,
                    sig.format(minutes),
                    sig.format(low),
                    sig.format(high),
                    s.expectation.describe()
                ),
            });
        }
        out
    }
}

/// FNV-1a over timestamps and values: any re-reported bucket changes it.
fn checksum(buckets: &[HourBucket]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut mix = |x: u64| h = (h ^ x).wrapping_mul(0x0000_0100_0000_01b3);
    for b in buckets {
        mix(b.ts.timestamp() as u64);
        for v in b.values {
            mix(v.to_bits());
        }
    }
    h
}
