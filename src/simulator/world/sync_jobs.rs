//! CRM integration jobs. A job's state at T is recomputed by walking its
//! attempts (scheduled runs plus operator retries) from the epoch, so it is
//! a pure function of (seed, incidents, retry commands, T).

use chrono::{DateTime, Duration, Utc};

use super::incidents::Incidents;
use crate::domain::{SyncFailure, SyncJob, SyncStatus, System};
use crate::simulator::rng::{self, tag};

pub struct JobDef {
    pub id: &'static str,
    pub name: &'static str,
    pub source: System,
    pub target: System,
    pub period_secs: i64,
}

const fn job(
    id: &'static str,
    name: &'static str,
    source: System,
    target: System,
    period_secs: i64,
) -> JobDef {
    JobDef {
        id,
        name,
        source,
        target,
        period_secs,
    }
}

pub const JOBS: [JobDef; 6] = [
    job(
        "crm-to-marketing-audience",
        "CRM → Marketing audience sync",
        System::Crm,
        System::Marketing,
        300,
    ),
    job(
        "marketing-to-crm-engagement",
        "Marketing → CRM engagement",
        System::Marketing,
        System::Crm,
        600,
    ),
    job(
        "erp-to-marketing-stock-feed",
        "ERP → Marketing stock feed",
        System::Erp,
        System::Marketing,
        180,
    ),
    job(
        "crm-to-erp-orders",
        "CRM → ERP orders",
        System::Crm,
        System::Erp,
        240,
    ),
    job(
        "erp-to-crm-invoices",
        "ERP → CRM invoices",
        System::Erp,
        System::Crm,
        900,
    ),
    job(
        "marketing-to-erp-spend",
        "Marketing → ERP spend ledger",
        System::Marketing,
        System::Erp,
        1800,
    ),
];

/// Chance that one scheduled run fails on its own (transient errors).
const TRANSIENT_FAILURE: f64 = 0.01;
const TRANSIENT_ERRORS: [&str; 4] = [
    "timeout after 30s waiting for upstream",
    "HTTP 429 Too Many Requests from target",
    "connection reset by peer",
    "schema mismatch: field 'email' missing in 3 records",
];
/// An operator retry runs this long after it is requested.
pub const RETRY_DELAY: Duration = Duration::seconds(60);

/// An operator-requested retry.
#[derive(Debug, Clone, PartialEq)]
pub struct Retry {
    pub at: DateTime<Utc>,
    pub by: String,
}

pub fn job_index(id: &str) -> Option<usize> {
    JOBS.iter().position(|j| j.id == id)
}

/// The state of job `j` at `now`, and its failures (oldest first).
pub fn compute(
    seed: u64,
    start: DateTime<Utc>,
    incidents: &Incidents,
    j: usize,
    retries: &[Retry],
    now: DateTime<Utc>,
) -> (SyncJob, Vec<SyncFailure>) {
    let def = &JOBS[j];
    let period = Duration::seconds(def.period_secs);
    let offset = (rng::hash(seed, &[tag::SYNC, j as u64]) % def.period_secs as u64) as i64;
    let mut next_run = start - Duration::hours(1) + Duration::seconds(offset);
    let mut out = SyncJob {
        id: def.id.into(),
        name: def.name.into(),
        source: def.source,
        target: def.target,
        status: SyncStatus::Ok,
        last_success: None,
        last_attempt: None,
        failing_since: None,
        error: None,
        retries: 0,
        next_retry: None,
    };
    let mut failures = Vec::new();
    let mut streak = 0u32;
    let mut manual = retries.iter().map(|r| r.at + RETRY_DELAY).peekable();
    // An operator retry after an incident began counts as the fix for it.
    let mut fixed_from: Option<DateTime<Utc>> = None;
    loop {
        let next_manual = manual.peek().copied();
        let (t, is_manual) = match next_manual {
            Some(m) if m <= next_run => (m, true),
            _ => (next_run, false),
        };
        if t > now {
            break;
        }
        if is_manual {
            manual.next();
            fixed_from = Some(t);
        } else {
            next_run += period;
        }
        let incident = incidents.sync.iter().find(|i| {
            i.job == j && i.window.contains(t) && fixed_from.is_none_or(|f| f < i.window.from)
        });
        let roll = rng::unit(seed, &[tag::SYNC, j as u64, t.timestamp() as u64]);
        let error = match incident {
            Some(i) => Some(i.error.clone()),
            None if !is_manual && roll < TRANSIENT_FAILURE => {
                let k = (roll / TRANSIENT_FAILURE * TRANSIENT_ERRORS.len() as f64) as usize;
                Some(TRANSIENT_ERRORS[k.min(TRANSIENT_ERRORS.len() - 1)].to_string())
            }
            None => None,
        };
        out.last_attempt = Some(t);
        match error {
            Some(e) => {
                streak += 1;
                failures.push(SyncFailure {
                    job_id: def.id.into(),
                    at: t,
                    error: e.clone(),
                    attempt: streak,
                });
                out.status = SyncStatus::Failed;
                out.failing_since.get_or_insert(t);
                out.error = Some(e);
                out.retries = streak - 1;
            }
            None => {
                streak = 0;
                out.status = SyncStatus::Ok;
                out.last_success = Some(t);
                out.failing_since = None;
                out.error = None;
                out.retries = 0;
            }
        }
    }
    if out.status == SyncStatus::Failed {
        out.next_retry = Some(next_run);
    }
    if let Some(pending) = manual.next() {
        out.status = SyncStatus::Retrying;
        out.next_retry = Some(pending);
    }
    (out, failures)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulator::world::incidents::{SyncIncident, Window};
    use chrono::TimeZone;

    #[test]
    fn an_incident_fails_the_job_until_an_operator_retry() {
        let start = Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap();
        let incidents = Incidents {
            sync: vec![SyncIncident {
                job: 0,
                window: Window {
                    from: start,
                    to: None,
                },
                error: "boom".into(),
            }],
            ..Incidents::default()
        };
        let at = start + Duration::minutes(30);
        let (job, failures) = compute(1, start, &incidents, 0, &[], at);
        assert_eq!(job.status, SyncStatus::Failed);
        assert_eq!(job.error.as_deref(), Some("boom"));
        assert_eq!(job.retries as usize + 1, failures.len());
        assert!(
            job.failing_since.is_some_and(|t| t >= start) && job.next_retry.is_some_and(|t| t > at)
        );
        assert!(job.last_success.is_some_and(|t| t < start));

        let retry = [Retry {
            at,
            by: "op".into(),
        }];
        let (job, _) = compute(1, start, &incidents, 0, &retry, at);
        assert_eq!(job.status, SyncStatus::Retrying);
        assert_eq!(job.next_retry, Some(at + RETRY_DELAY));
        let (job, _) = compute(1, start, &incidents, 0, &retry, at + Duration::minutes(2));
        assert_eq!(job.status, SyncStatus::Ok);
        assert_eq!(job.last_success, Some(at + RETRY_DELAY));
        let (job, _) = compute(1, start, &incidents, 0, &retry, at + Duration::hours(3));
        assert_eq!(
            job.status,
            SyncStatus::Ok,
            "fixed for good, apart from rare transient errors"
        );
    }
}
