use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::{
    ApprovalRequest, Campaign, InventoryLevel, MetricKind, MetricSample, SyncFailure, SyncJob,
    System,
};

/// Where a piece of state comes from; freshness is tracked per source so a
/// stale CRM never hides behind a fresh marketing poll.
pub type Source = System;

/// How fresh the last known state of one source is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Freshness {
    pub fetched_at: Option<DateTime<Utc>>,
    pub last_attempt: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    /// Consecutive failed polls since the last success.
    pub failures: u32,
    /// The source's own clock at the last success (`as_of`). Differs from
    /// `fetched_at` when the source runs accelerated or its clock is skewed.
    #[serde(default)]
    pub server_time: Option<DateTime<Utc>>,
}

impl Freshness {
    pub fn age(&self, now: DateTime<Utc>) -> Option<Duration> {
        self.fetched_at.map(|t| now - t)
    }

    /// A source is stale once its data is older than `limit` or it never loaded.
    pub fn is_stale(&self, now: DateTime<Utc>, limit: Duration) -> bool {
        self.age(now).is_none_or(|a| a > limit)
    }
}

/// One hour of counters for one campaign, indexed by `MetricKind::index`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HourBucket {
    pub ts: DateTime<Utc>,
    pub values: [f64; 8],
}

impl HourBucket {
    pub fn get(&self, m: MetricKind) -> f64 {
        self.values[m.index()]
    }
}

/// Everything mops knows about the outside world at one moment. Owned by the
/// state owner; the UI and headless commands only read it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub campaigns: Vec<Campaign>,
    /// Hourly history per campaign id, oldest first.
    pub history: HashMap<String, Vec<HourBucket>>,
    pub sync_jobs: Vec<SyncJob>,
    pub sync_failures: Vec<SyncFailure>,
    pub stock: Vec<InventoryLevel>,
    pub approvals: Vec<ApprovalRequest>,
    pub freshness: BTreeMap<System, Freshness>,
    /// High-water mark for incremental metric fetches ("metrics since T").
    pub metrics_cursor: Option<DateTime<Utc>>,
}

impl Snapshot {
    /// Merge samples into the hourly history, keeping buckets sorted and
    /// replacing a bucket's value when the source re-reports it.
    pub fn merge_samples(&mut self, samples: &[MetricSample], retain: usize) {
        for s in samples {
            let series = self.history.entry(s.campaign_id.clone()).or_default();
            match series.binary_search_by(|b| b.ts.cmp(&s.timestamp)) {
                Ok(i) => series[i].values[s.metric.index()] = s.value,
                Err(i) => {
                    let mut values = [0.0; 8];
                    values[s.metric.index()] = s.value;
                    series.insert(
                        i,
                        HourBucket {
                            ts: s.timestamp,
                            values,
                        },
                    );
                }
            }
            if let Some(max) = self.metrics_cursor {
                if s.timestamp > max {
                    self.metrics_cursor = Some(s.timestamp);
                }
            } else {
                self.metrics_cursor = Some(s.timestamp);
            }
        }
        for series in self.history.values_mut() {
            if series.len() > retain {
                let cut = series.len() - retain;
                series.drain(..cut);
            }
        }
    }

    pub fn campaign(&self, id: &str) -> Option<&Campaign> {
        self.campaigns.iter().find(|c| c.id == id)
    }

    /// "Now" in the world the sources describe: the newest server clock seen,
    /// moved on by the wall time since, or `wall` when no source told us.
    /// Pacing and partial buckets are judged on this clock, ages on the wall clock.
    pub fn world_now(&self, wall: DateTime<Utc>) -> DateTime<Utc> {
        self.freshness
            .values()
            .filter_map(|f| Some((f.server_time?, f.fetched_at?)))
            .max_by_key(|(server, _)| *server)
            .map_or(wall, |(server, fetched)| {
                server + (wall - fetched).max(Duration::zero())
            })
    }

    pub fn freshness(&self, s: System) -> Freshness {
        self.freshness.get(&s).cloned().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn sample(h: u32, m: MetricKind, v: f64) -> MetricSample {
        MetricSample {
            campaign_id: "c1".into(),
            metric: m,
            timestamp: Utc.with_ymd_and_hms(2026, 11, 1, h, 0, 0).unwrap(),
            value: v,
        }
    }

    #[test]
    fn merge_sorts_dedups_and_retains() {
        let mut s = Snapshot::default();
        s.merge_samples(
            &[
                sample(3, MetricKind::Sends, 30.0),
                sample(1, MetricKind::Sends, 10.0),
                sample(1, MetricKind::Clicks, 1.0),
                sample(2, MetricKind::Sends, 20.0),
                sample(1, MetricKind::Sends, 11.0),
            ],
            2,
        );
        let series = &s.history["c1"];
        assert_eq!(series.len(), 2);
        assert_eq!(series[0].get(MetricKind::Sends), 20.0);
        assert_eq!(series[1].get(MetricKind::Sends), 30.0);
        assert_eq!(
            s.metrics_cursor,
            Some(Utc.with_ymd_and_hms(2026, 11, 1, 3, 0, 0).unwrap())
        );
    }
}
