//! Sorted, filtered row orders for the list views, computed once per change
//! so render only slices the visible window.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::domain::{
    AlertState, ApprovalStatus, Derived, MetricKind, Severity, Snapshot, ThrottleLevel,
};

use super::Filter;

/// Hours of history the CTR column sums over.
const CTR_WINDOW_HOURS: usize = 24;
/// More than any overview area can show at once.
const WORST_KEPT: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    #[default]
    Health,
    Name,
    Status,
    Pacing,
    Ctr,
}

impl SortKey {
    pub fn next(self) -> SortKey {
        match self {
            SortKey::Health => SortKey::Name,
            SortKey::Name => SortKey::Status,
            SortKey::Status => SortKey::Pacing,
            SortKey::Pacing => SortKey::Ctr,
            SortKey::Ctr => SortKey::Health,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SortKey::Health => "health",
            SortKey::Name => "name",
            SortKey::Status => "status",
            SortKey::Pacing => "pacing",
            SortKey::Ctr => "ctr",
        }
    }
}

/// Per-campaign figures the table and the filter share.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignRow {
    /// Index into `snapshot.campaigns`.
    pub idx: usize,
    pub score: Option<u8>,
    pub pacing: Option<f64>,
    pub ctr: Option<f64>,
    /// Worst firing/pending alert severity on this campaign.
    pub alert: Option<Severity>,
    pub throttle: Option<ThrottleLevel>,
}

/// Row orders, worst first. Indices point into the snapshot or `derived`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rows {
    pub campaigns: Vec<CampaignRow>,
    /// Campaigns matching before the filter, for "12 of 60".
    pub campaigns_total: usize,
    /// Indices into `snapshot.campaigns` of scored campaigns, lowest score
    /// first, ignoring filter and sort: the overview is always worst first.
    pub worst: Vec<usize>,
    pub alerts: Vec<usize>,
    /// Indices into `snapshot.sync_jobs` of failing jobs.
    pub sync: Vec<usize>,
    pub throttles: Vec<usize>,
    /// Indices into `snapshot.approvals` of pending requests.
    pub approvals: Vec<usize>,
}

/// Click-through rate over the last day of history: clicks per delivery
/// (per send when deliveries are not reported).
pub fn ctr(snapshot: &Snapshot, campaign_id: &str) -> Option<f64> {
    let series = snapshot.history.get(campaign_id)?;
    let recent = &series[series.len().saturating_sub(CTR_WINDOW_HOURS)..];
    let sum = |m: MetricKind| recent.iter().map(|b| b.get(m)).sum::<f64>();
    let clicks = sum(MetricKind::Clicks);
    let base = match sum(MetricKind::Deliveries) {
        d if d > 0.0 => d,
        _ => sum(MetricKind::Sends),
    };
    (base > 0.0).then(|| clicks / base)
}

impl Rows {
    pub fn build(
        snapshot: &Snapshot,
        derived: &Derived,
        now: DateTime<Utc>,
        filter: Option<&Filter>,
        sort: SortKey,
    ) -> Rows {
        // One pass over alerts and throttles, not one per campaign: with
        // 10,000 campaigns the nested scan would dominate every refresh.
        let mut alert_of: HashMap<&str, Severity> = HashMap::new();
        for a in derived
            .alerts
            .iter()
            .filter(|a| a.state != AlertState::Resolved)
        {
            if let Some(id) = a.campaign_id.as_deref() {
                let worst = alert_of.entry(id).or_insert(a.severity);
                *worst = (*worst).max(a.severity);
            }
        }
        let mut throttle_of: HashMap<&str, ThrottleLevel> = HashMap::new();
        for t in &derived.throttles {
            let worst = throttle_of.entry(t.campaign_id.as_str()).or_insert(t.level);
            *worst = (*worst).max(t.level);
        }
        let all: Vec<CampaignRow> = snapshot
            .campaigns
            .iter()
            .enumerate()
            .map(|(idx, c)| CampaignRow {
                idx,
                score: derived.health.get(&c.id).map(|h| h.score),
                pacing: c.pacing(now),
                ctr: ctr(snapshot, &c.id),
                alert: alert_of.get(c.id.as_str()).copied(),
                throttle: throttle_of.get(c.id.as_str()).copied(),
            })
            .collect();
        let campaigns_total = all.len();
        let mut scored: Vec<&CampaignRow> = all.iter().filter(|r| r.score.is_some()).collect();
        scored.sort_by_key(|r| (r.score, &snapshot.campaigns[r.idx].name));
        let worst = scored.iter().take(WORST_KEPT).map(|r| r.idx).collect();
        let mut campaigns: Vec<CampaignRow> = match filter {
            Some(f) => all
                .into_iter()
                .filter(|r| f.matches(&snapshot.campaigns[r.idx], r))
                .collect(),
            None => all,
        };
        let name = |r: &CampaignRow| snapshot.campaigns[r.idx].name.to_lowercase();
        // Unknown values sort last in every key: an operator scanning "worst
        // first" should not have to skip a block of blanks.
        match sort {
            SortKey::Health => {
                campaigns.sort_by_cached_key(|r| (r.score.unwrap_or(u8::MAX), name(r)))
            }
            SortKey::Name => campaigns.sort_by_cached_key(name),
            SortKey::Status => {
                campaigns.sort_by_cached_key(|r| (snapshot.campaigns[r.idx].status, name(r)))
            }
            SortKey::Pacing => campaigns.sort_by(|a, b| {
                let dev = |r: &CampaignRow| r.pacing.map(|p| -(p - 1.0).abs());
                cmp_opt(dev(a), dev(b))
            }),
            SortKey::Ctr => campaigns.sort_by(|a, b| cmp_opt(a.ctr, b.ctr)),
        }

        let mut alerts: Vec<usize> = (0..derived.alerts.len()).collect();
        alerts.sort_by(|&a, &b| {
            let (a, b) = (&derived.alerts[a], &derived.alerts[b]);
            let rank = |s: AlertState| match s {
                AlertState::Firing => 0,
                AlertState::Pending => 1,
                AlertState::Resolved => 2,
            };
            // Acknowledged alerts drop below the ones nobody has looked at.
            rank(a.state)
                .cmp(&rank(b.state))
                .then(a.acked_by.is_some().cmp(&b.acked_by.is_some()))
                .then(b.severity.cmp(&a.severity))
                .then(b.score.total_cmp(&a.score))
                .then(a.fingerprint.cmp(&b.fingerprint))
        });

        let mut sync: Vec<usize> = (0..snapshot.sync_jobs.len())
            .filter(|&i| snapshot.sync_jobs[i].status.is_failing())
            .collect();
        // Longest-failing first; a job without a start of streak is newest.
        sync.sort_by_key(|&i| {
            let j = &snapshot.sync_jobs[i];
            (j.failing_since.unwrap_or(now), j.id.clone())
        });

        let mut throttles: Vec<usize> = (0..derived.throttles.len())
            .filter(|&i| derived.throttles[i].level != ThrottleLevel::Full)
            .collect();
        throttles.sort_by(|&a, &b| {
            let (a, b) = (&derived.throttles[a], &derived.throttles[b]);
            b.level
                .cmp(&a.level)
                .then(cmp_opt(a.days_of_cover, b.days_of_cover))
                .then(a.campaign_id.cmp(&b.campaign_id))
        });

        let mut approvals: Vec<usize> = (0..snapshot.approvals.len())
            .filter(|&i| snapshot.approvals[i].status == ApprovalStatus::Pending)
            .collect();
        approvals.sort_by_key(|&i| {
            (
                snapshot.approvals[i].deadline,
                snapshot.approvals[i].id.clone(),
            )
        });

        Rows {
            campaigns,
            campaigns_total,
            worst,
            alerts,
            sync,
            throttles,
            approvals,
        }
    }
}

/// Ascending with `None` last.
fn cmp_opt(a: Option<f64>, b: Option<f64>) -> std::cmp::Ordering {
    match (a, b) {
        (Some(a), Some(b)) => a.total_cmp(&b),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::fixture;

    #[test]
    fn orders_are_worst_first_and_markers_take_the_worst() {
        let snap = fixture::snapshot();
        let derived = fixture::derived();
        let rows = Rows::build(&snap, &derived, fixture::now(), None, SortKey::Health);
        let id = |i: usize| snap.campaigns[i].id.as_str();
        let worst: Vec<&str> = rows.worst.iter().map(|&i| id(i)).collect();
        assert_eq!(worst, ["c-01", "c-02", "c-03", "c-05", "c-04", "c-07"]);
        // Unscored campaigns are listed, after the scored ones.
        assert_eq!(rows.campaigns.len(), 8);
        assert_eq!(rows.campaigns[6].score, None);
        let c05 = rows.campaigns.iter().find(|r| id(r.idx) == "c-05").unwrap();
        assert_eq!(c05.alert, Some(Severity::Warning));
        assert_eq!(c05.throttle, Some(ThrottleLevel::Throttled));
        // Firing before pending; critical before warning.
        let alerts: Vec<&str> = rows
            .alerts
            .iter()
            .map(|&i| derived.alerts[i].fingerprint.as_str())
            .collect();
        assert_eq!(alerts, ["c-01/ctr", "c-02/bounce_rate", "c-05/sends"]);
        // Full-speed throttles are not problems; paused before throttled.
        let throttles: Vec<&str> = rows
            .throttles
            .iter()
            .map(|&i| derived.throttles[i].campaign_id.as_str())
            .collect();
        assert_eq!(throttles, ["c-03", "c-05"]);
        // Failing jobs, longest failing first; pending approvals by deadline.
        let sync: Vec<&str> = rows
            .sync
            .iter()
            .map(|&i| snap.sync_jobs[i].id.as_str())
            .collect();
        assert_eq!(sync, ["j-1", "j-2"]);
        let approvals: Vec<&str> = rows
            .approvals
            .iter()
            .map(|&i| snap.approvals[i].id.as_str())
            .collect();
        assert_eq!(approvals, ["ar-100", "ar-101", "ar-102"]);
    }

    #[test]
    fn ctr_uses_the_last_day() {
        let snap = fixture::snapshot();
        let v = ctr(&snap, "c-01").unwrap();
        // 20 hours at 2.1 % and the last 4 at 0.4 %.
        assert!((0.017..0.019).contains(&v), "{v}");
        assert_eq!(ctr(&snap, "c-02"), None);
    }
}
