//! The rows headless commands print, with stable field names (documented in
//! docs/commands.md; renaming one is a breaking change for scripts).

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::world::World;
use crate::app::{Filter, Rows, SortKey};
use crate::domain::{AlertState, Severity, ThrottleLevel};

#[derive(Debug, Clone, Serialize)]
pub struct CampaignOut {
    pub id: String,
    pub name: String,
    pub channel: &'static str,
    pub status: &'static str,
    pub owner: String,
    pub provider: String,
    pub fallback: Option<String>,
    pub budget: f64,
    pub spend: f64,
    pub pacing: Option<f64>,
    pub ctr: Option<f64>,
    pub health: Option<u8>,
    pub health_reasons: Vec<String>,
    /// Worst pending/firing alert severity on the campaign.
    pub alert: Option<&'static str>,
    pub throttle: Option<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AlertOut {
    pub fingerprint: String,
    pub campaign_id: Option<String>,
    pub signal: String,
    pub severity: &'static str,
    pub state: &'static str,
    pub observed: f64,
    pub expected_low: f64,
    pub expected_high: f64,
    pub score: f64,
    pub since: DateTime<Utc>,
    pub summary: String,
    pub acked_by: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ApprovalOut {
    pub id: String,
    pub campaign_id: String,
    pub title: String,
    pub requested_by: String,
    pub budget: f64,
    pub status: &'static str,
    pub deadline: DateTime<Utc>,
    /// Seconds until the deadline on the sources' clock; negative when overdue.
    pub due_in_secs: i64,
    pub overdue: bool,
    pub current_step: Option<String>,
    pub current_step_name: Option<String>,
    pub waiting_on: Vec<String>,
    pub steps_signed: usize,
    pub steps_total: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct SyncOut {
    pub id: String,
    pub name: String,
    pub source: &'static str,
    pub target: &'static str,
    pub status: &'static str,
    pub failing: bool,
    pub failing_since: Option<DateTime<Utc>>,
    pub last_success: Option<DateTime<Utc>>,
    pub lag_secs: Option<i64>,
    pub retries: u32,
    pub next_retry: Option<DateTime<Utc>>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ThrottleOut {
    pub campaign_id: String,
    pub campaign_name: Option<String>,
    pub level: &'static str,
    pub factor: f64,
    pub sku: String,
    pub projected: f64,
    pub days_of_cover: Option<f64>,
    pub rule: String,
}

fn rows(w: &World, filter: Option<&Filter>) -> Rows {
    Rows::build(
        &w.snapshot,
        &w.derived,
        w.world_now,
        filter,
        SortKey::Health,
    )
}

/// Campaigns, worst health first, filtered by the TUI's own filter.
pub fn campaigns(w: &World, filter: Option<&Filter>) -> Vec<CampaignOut> {
    rows(w, filter)
        .campaigns
        .iter()
        .map(|r| {
            let c = &w.snapshot.campaigns[r.idx];
            let reasons = w
                .derived
                .health
                .get(&c.id)
                .map(|h| h.reasons.clone())
                .unwrap_or_default();
            CampaignOut {
                id: c.id.clone(),
                name: c.name.clone(),
                channel: c.channel.as_str(),
                status: c.status.as_str(),
                owner: c.owner.clone(),
                provider: c.provider.clone(),
                fallback: c.fallback.clone(),
                budget: c.budget,
                spend: c.spend,
                pacing: r.pacing.map(round3),
                ctr: r.ctr.map(|v| (v * 1e5).round() / 1e5),
                health: r.score,
                health_reasons: reasons,
                alert: r.alert.map(Severity::as_str),
                throttle: r.throttle.map(ThrottleLevel::as_str),
            }
        })
        .collect()
}

/// Every visible alert: firing, then pending, then recently resolved.
pub fn alerts(w: &World) -> Vec<AlertOut> {
    rows(w, None)
        .alerts
        .iter()
        .map(|&i| {
            let a = &w.derived.alerts[i];
            AlertOut {
                fingerprint: a.fingerprint.clone(),
                campaign_id: a.campaign_id.clone(),
                signal: a.signal.clone(),
                severity: a.severity.as_str(),
                state: a.state.as_str(),
                observed: round3(a.observed),
                expected_low: round3(a.expected_low),
                expected_high: round3(a.expected_high),
                score: round3(a.score),
                since: a.since,
                summary: a.summary.clone(),
                acked_by: a.acked_by.clone(),
            }
        })
        .collect()
}

pub fn is_open(a: &AlertOut) -> bool {
    a.state != AlertState::Resolved.as_str()
}

/// Pending approval requests, nearest deadline first.
pub fn approvals(w: &World) -> Vec<ApprovalOut> {
    rows(w, None)
        .approvals
        .iter()
        .map(|&i| {
            let r = &w.snapshot.approvals[i];
            let step = r.current_step();
            let due = (r.deadline - w.world_now).num_seconds();
            ApprovalOut {
                id: r.id.clone(),
                campaign_id: r.campaign_id.clone(),
                title: r.title.clone(),
                requested_by: r.requested_by.clone(),
                budget: r.budget,
                status: r.status.as_str(),
                deadline: r.deadline,
                due_in_secs: due,
                overdue: due < 0,
                current_step: step.map(|s| s.id.clone()),
                current_step_name: step.map(|s| s.name.clone()),
                waiting_on: step
                    .map(|s| s.waiting_on().into_iter().map(String::from).collect())
                    .unwrap_or_default(),
                steps_signed: r.signed_count(),
                steps_total: r.steps.len(),
            }
        })
        .collect()
}

/// Every sync job, failing ones first (longest-failing first).
pub fn sync_jobs(w: &World) -> Vec<SyncOut> {
    let mut jobs: Vec<&crate::domain::SyncJob> = w.snapshot.sync_jobs.iter().collect();
    jobs.sort_by_key(|j| {
        (
            !j.status.is_failing(),
            j.failing_since.unwrap_or(w.world_now),
            j.id.clone(),
        )
    });
    jobs.into_iter()
        .map(|j| SyncOut {
            id: j.id.clone(),
            name: j.name.clone(),
            source: j.source.as_str(),
            target: j.target.as_str(),
            status: j.status.as_str(),
            failing: j.status.is_failing(),
            failing_since: j.failing_since,
            last_success: j.last_success,
            lag_secs: j.lag(w.world_now).map(|d| d.num_seconds()),
            retries: j.retries,
            next_retry: j.next_retry,
            error: j.error.clone(),
        })
        .collect()
}

/// Active throttles (below full), paused first, least cover first.
pub fn throttles(w: &World) -> Vec<ThrottleOut> {
    rows(w, None)
        .throttles
        .iter()
        .map(|&i| {
            let t = &w.derived.throttles[i];
            ThrottleOut {
                campaign_id: t.campaign_id.clone(),
                campaign_name: w.snapshot.campaign(&t.campaign_id).map(|c| c.name.clone()),
                level: t.level.as_str(),
                factor: round3(t.factor),
                sku: t.sku.clone(),
                projected: round3(t.projected),
                days_of_cover: t.days_of_cover.map(round3),
                rule: t.rule.clone(),
            }
        })
        .collect()
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}
