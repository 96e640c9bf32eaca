use crate::domain::{Freshness, Snapshot};

use super::{PollData, PollOutcome};

/// Hourly buckets kept in memory per campaign (14 days); longer history lives
/// in the store.
pub const MEMORY_RETENTION_HOURS: usize = 14 * 24;

/// Fold one poll result into the snapshot. A failed poll keeps the last known
/// data and only updates freshness, so stale data is shown as stale, never
/// dropped.
pub fn apply_outcome(snapshot: &mut Snapshot, outcome: PollOutcome) {
    let entry = snapshot.freshness.entry(outcome.system).or_default();
    entry.last_attempt = Some(outcome.at);
    match outcome.result {
        Ok(data) => {
            *entry = Freshness {
                fetched_at: Some(outcome.at),
                last_attempt: Some(outcome.at),
                last_error: None,
                failures: 0,
                server_time: outcome.server_time,
            };
            match data {
                PollData::Campaigns(c) => snapshot.campaigns = c,
                PollData::Metrics(samples) => {
                    snapshot.merge_samples(&samples, MEMORY_RETENTION_HOURS)
                }
                PollData::SyncJobs { jobs, failures } => {
                    snapshot.sync_jobs = jobs;
                    snapshot.sync_failures = failures;
                }
                PollData::Stock(s) => snapshot.stock = s,
                PollData::Approvals(a) => snapshot.approvals = a,
            }
        }
        Err(e) => {
            entry.last_error = Some(e);
            entry.failures = entry.failures.saturating_add(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::System;
    use chrono::Utc;

    #[test]
    fn failure_keeps_data_and_marks_freshness() {
        let mut s = Snapshot::default();
        let t0 = Utc::now();
        apply_outcome(
            &mut s,
            PollOutcome {
                system: System::Erp,
                at: t0,
                server_time: None,
                result: Ok(PollData::Stock(vec![])),
            },
        );
        let t1 = t0 + chrono::Duration::seconds(30);
        apply_outcome(
            &mut s,
            PollOutcome {
                system: System::Erp,
                at: t1,
                server_time: None,
                result: Err("connection refused".into()),
            },
        );
        let f = s.freshness(System::Erp);
        assert_eq!(f.fetched_at, Some(t0));
        assert_eq!(f.last_attempt, Some(t1));
        assert_eq!(f.failures, 1);
        assert_eq!(f.last_error.as_deref(), Some("connection refused"));
    }
}
