//! The simulated world: a pure-ish, synchronous model behind one mutex.
//! Everything is a function of (seed, start, simulated now, commands applied);
//! handlers call [`World::advance_to`] and then read or mutate.

pub mod approvals;
mod campaigns;
pub mod catalog;
pub mod incidents;
pub mod metrics;
pub mod stock;
pub mod sync_jobs;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::domain::{
    ApprovalRequest, FallbackKind, InventoryLevel, MetricKind, MetricSample, SyncFailure, SyncJob,
    SyncStatus, Verdict,
};
use crate::simulator::scenario::Incident;
use approvals::Approvals;
use catalog::Catalog;
use incidents::Incidents;
use metrics::{Ctx, Pause, hour_floor};
use stock::Stock;
use sync_jobs::{JOBS, Retry};

/// How far back metric history reaches before the start.
pub const HISTORY: Duration = Duration::days(7);

#[derive(Debug, Clone, PartialEq)]
pub enum WorldError {
    NotFound(String),
    Conflict {
        message: String,
        current: String,
        by: Option<String>,
        at: Option<DateTime<Utc>>,
    },
    Invalid {
        message: String,
        details: serde_json::Value,
    },
    /// The actor may not do this (four-eyes), whatever the state.
    Forbidden(String),
}

impl WorldError {
    pub fn conflict(
        message: String,
        current: &str,
        by_at: Option<(String, DateTime<Utc>)>,
    ) -> Self {
        let (by, at) = by_at.map_or((None, None), |(b, a)| (Some(b), Some(a)));
        WorldError::Conflict {
            message,
            current: current.into(),
            by,
            at,
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ProviderStatus {
    pub name: String,
    pub status: String,
    pub since: DateTime<Utc>,
}

#[derive(Debug, Clone, Default)]
struct CampaignState {
    pauses: Vec<Pause>,
    /// Send-rate limits in force from a time on: (from, percent, by).
    throttles: Vec<(DateTime<Utc>, u8, String)>,
    fallback: Option<(FallbackKind, DateTime<Utc>, String)>,
    switch_at: Option<DateTime<Utc>>,
    updated_at: Option<DateTime<Utc>>,
}

/// Position of the next metric sample: (hour, campaign, metric index).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetricPos {
    pub hour: DateTime<Utc>,
    pub campaign: usize,
    pub metric: usize,
}

pub struct World {
    pub seed: u64,
    pub start: DateTime<Utc>,
    pub catalog: Catalog,
    pub incidents: Incidents,
    now: DateTime<Utc>,
    states: Vec<CampaignState>,
    /// Per campaign: spend summed over closed hours before the given hour.
    spend_cache: Vec<(DateTime<Utc>, f64)>,
    stock: Option<Stock>,
    approvals: Approvals,
    finance_added: usize,
    retries: Vec<Vec<Retry>>,
}

fn ctx<'a>(w: (&'a Catalog, &'a [CampaignState], &'a Incidents, u64), i: usize) -> Ctx<'a> {
    let (catalog, states, incidents, seed) = w;
    Ctx {
        seed,
        index: i,
        spec: &catalog.campaigns[i],
        pauses: &states[i].pauses,
        throttles: &states[i].throttles,
        switch_at: states[i].switch_at,
        incidents,
    }
}

impl World {
    pub fn new(
        seed: u64,
        count: usize,
        start: DateTime<Utc>,
        list: &[Incident],
    ) -> Result<World, String> {
        let catalog = Catalog::generate(seed, count, start);
        let incidents = incidents::resolve(list, &catalog, start)?;
        let states = catalog
            .campaigns
            .iter()
            .map(|c| CampaignState {
                pauses: c
                    .initial_pause
                    .iter()
                    .map(|(at, by)| Pause {
                        from: *at,
                        by: by.to_string(),
                        to: None,
                    })
                    .collect(),
                updated_at: c.initial_pause.map(|(at, _)| at),
                ..CampaignState::default()
            })
            .collect();
        let spend_cache = catalog
            .campaigns
            .iter()
            .map(|c| (hour_floor(c.start), 0.0))
            .collect();
        let mut world = World {
            seed,
            start,
            approvals: Approvals::new(seed, start - Duration::days(2)),
            catalog,
            incidents,
            now: start,
            states,
            spend_cache,
            stock: None,
            finance_added: 0,
            retries: vec![Vec::new(); JOBS.len()],
        };
        world.advance_to(start);
        Ok(world)
    }

    /// Move to `t` (never backwards) and let scheduled events happen.
    pub fn advance_to(&mut self, t: DateTime<Utc>) -> DateTime<Utc> {
        self.now = self.now.max(t);
        while let Some(&(c, at, budget)) = self.incidents.finance.get(self.finance_added)
            && at <= self.now
        {
            self.approvals
                .add_incident(self.finance_added, &self.catalog, c, at, budget);
            self.finance_added += 1;
        }
        self.approvals.advance(self.now, &self.catalog);
        self.now
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// How many pauses were applied to a campaign, ever: lets tests prove a
    /// command was applied exactly once.
    pub fn pause_count(&self, index: usize) -> usize {
        self.states.get(index).map_or(0, |s| s.pauses.len())
    }

    pub fn campaign_count(&self) -> usize {
        self.catalog.campaigns.len()
    }

    fn parts(&self) -> (&Catalog, &[CampaignState], &Incidents, u64) {
        (&self.catalog, &self.states, &self.incidents, self.seed)
    }

    pub fn history_start(&self) -> DateTime<Utc> {
        hour_floor(self.start) - HISTORY
    }

    /// Up to `limit` samples from `pos` on, and where the next page starts.
    pub fn metric_page(
        &self,
        mut pos: MetricPos,
        only: Option<usize>,
        limit: usize,
    ) -> (Vec<MetricSample>, Option<MetricPos>) {
        let (now, last_hour) = (self.now, hour_floor(self.now));
        let n = self.catalog.campaigns.len();
        let mut out = Vec::new();
        pos.hour = pos.hour.max(self.history_start());
        while pos.hour <= last_hour {
            let end = pos.hour + Duration::hours(1);
            let (first, stop) = match only {
                Some(c) => (pos.campaign.max(c), (c + 1).min(n)),
                None => (pos.campaign, n),
            };
            for i in first..stop {
                if !self.catalog.campaigns[i].overlaps(pos.hour, end) {
                    continue;
                }
                if out.len() >= limit {
                    return (
                        out,
                        Some(MetricPos {
                            hour: pos.hour,
                            campaign: i,
                            metric: pos.metric,
                        }),
                    );
                }
                let values = ctx(self.parts(), i).bucket(pos.hour, now);
                for (m, (kind, value)) in MetricKind::ALL
                    .iter()
                    .zip(values)
                    .enumerate()
                    .skip(pos.metric)
                {
                    if out.len() >= limit {
                        return (
                            out,
                            Some(MetricPos {
                                hour: pos.hour,
                                campaign: i,
                                metric: m,
                            }),
                        );
                    }
                    out.push(MetricSample {
                        campaign_id: self.catalog.campaigns[i].id.clone(),
                        metric: *kind,
                        timestamp: pos.hour,
                        value,
                    });
                }
                pos.metric = 0;
            }
            pos = MetricPos {
                hour: end,
                campaign: 0,
                metric: 0,
            };
        }
        (out, None)
    }

    pub fn sync_jobs(&self) -> (Vec<SyncJob>, Vec<SyncFailure>) {
        let mut jobs = Vec::new();
        let mut failures = Vec::new();
        for j in 0..JOBS.len() {
            let (job, f) = sync_jobs::compute(
                self.seed,
                self.start,
                &self.incidents,
                j,
                &self.retries[j],
                self.now,
            );
            jobs.push(job);
            failures.extend(f);
        }
        failures.sort_by(|a, b| (b.at, &b.job_id).cmp(&(a.at, &a.job_id)));
        (jobs, failures)
    }

    pub fn retry_job(&mut self, id: &str, actor: &str) -> Result<SyncJob, WorldError> {
        let j = sync_jobs::job_index(id)
            .ok_or_else(|| WorldError::NotFound(format!("no sync job {id}")))?;
        let job = |w: &World| {
            sync_jobs::compute(w.seed, w.start, &w.incidents, j, &w.retries[j], w.now).0
        };
        let before = job(self);
        match before.status {
            SyncStatus::Failed => {}
            SyncStatus::Retrying => {
                let last = self.retries[j].last().map(|r| (r.by.clone(), r.at));
                return Err(WorldError::conflict(
                    format!("job {id} is already retrying"),
                    "retrying",
                    last,
                ));
            }
            s => {
                let by_at = before.last_success.map(|at| ("scheduler".to_string(), at));
                return Err(WorldError::conflict(
                    format!("job {id} is not failing"),
                    s.as_str(),
                    by_at,
                ));
            }
        }
        self.retries[j].push(Retry {
            at: self.now,
            by: actor.into(),
        });
        Ok(job(self))
    }

    pub fn stock(&mut self, only: Option<usize>) -> Vec<InventoryLevel> {
        let (catalog, states, incidents, seed) =
            (&self.catalog, &self.states, &self.incidents, self.seed);
        let sales = |hour, a, b| -> Vec<f64> {
            let mut per_sku = vec![0.0; catalog::SKU_COUNT];
            for (c, spec) in catalog.campaigns.iter().enumerate() {
                if spec.skus.is_empty() || !spec.overlaps(a, b) {
                    continue;
                }
                let conv = ctx((catalog, states, incidents, seed), c).raw(hour, a, b)
                    [MetricKind::Conversions.index()];
                for &s in &spec.skus {
                    per_sku[s] += conv / spec.skus.len() as f64;
                }
            }
            per_sku
        };
        let epoch = self.start - Duration::days(1);
        let stock = self
            .stock
            .get_or_insert_with(|| Stock::new(seed, epoch, &sales));
        stock.advance(self.now, incidents, &sales);
        stock.levels(self.now, only, incidents, &sales)
    }

    pub fn approvals(&self, all: bool) -> Vec<ApprovalRequest> {
        self.approvals.list(all)
    }

    pub fn decide(
        &mut self,
        id: &str,
        step: &str,
        verdict: Verdict,
        actor: &str,
        reason: Option<String>,
    ) -> Result<ApprovalRequest, WorldError> {
        self.approvals
            .decide(id, step, verdict, actor, reason, self.now)
    }

    /// The chain policy the ERP applies to requests from now on.
    pub fn set_chain_policy(&mut self, policy: crate::domain::approval_policy::ChainPolicy) {
        self.approvals.policy = policy;
    }

    pub fn amend_request(&mut self, id: &str, budget: f64) -> Result<ApprovalRequest, WorldError> {
        self.approvals.amend(id, budget, self.now)
    }
}
