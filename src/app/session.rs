//! Where the operator left off: the view and filter, saved whenever they
//! change (and once a minute, so a killed SSH session still restores close to
//! when it died), restored at start, and a "since you left" summary once
//! every source has answered.

use std::collections::BTreeSet;
use std::fmt;

use chrono::{DateTime, Duration, Utc};

use super::command::{self, Command};
use super::{AppState, Filter, View};
use crate::domain::{AlertState, ApprovalStatus, System};
pub use crate::store::Session;

/// How often the session is re-saved when nothing changed, so `left_at`
/// stays close to the truth when the process is killed without warning.
pub const RESAVE_EVERY: Duration = Duration::seconds(60);

/// Where sessions go (the store, in the binary). A callback rather than the
/// store itself so the app does no disk I/O of its own.
pub struct SessionSink(Box<dyn Fn(&Session) + Send>);

impl SessionSink {
    pub fn new(save: impl Fn(&Session) + Send + 'static) -> Self {
        SessionSink(Box::new(save))
    }

    pub fn save(&self, session: &Session) {
        (self.0)(session)
    }
}

impl fmt::Debug for SessionSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionSink")
    }
}

/// Saves through a sink when view or filter changed, or [`RESAVE_EVERY`].
#[derive(Debug)]
pub struct Saver {
    sink: SessionSink,
    last: Option<(String, String, DateTime<Utc>)>,
}

impl Saver {
    pub fn new(sink: SessionSink) -> Self {
        Saver { sink, last: None }
    }

    pub fn maybe_save(&mut self, state: &AppState) {
        let now = current(state);
        let due = match &self.last {
            Some((view, filter, at)) => {
                *view != now.view || *filter != now.filter || now.left_at - *at >= RESAVE_EVERY
            }
            None => true,
        };
        if due {
            self.sink.save(&now);
            self.last = Some((now.view, now.filter, now.left_at));
        }
    }
}

/// What was on screen when the operator left, to compare fresh data with.
#[derive(Debug, Clone, PartialEq)]
pub struct SinceYouLeft {
    pub left_at: DateTime<Utc>,
    /// Pending approval ids in the cached data, taken at restore.
    pub approvals_then: BTreeSet<String>,
    /// Firing alert fingerprints in the cached data, taken at the first
    /// evaluation (which always evaluates the cache); `None` until then.
    pub alerts_then: Option<BTreeSet<String>>,
    /// The summary, once every source has answered since start.
    pub summary: Option<String>,
}

/// The name a view is saved under: its `:` command. Detail is saved as the
/// list it was opened from, since the campaign may be gone next time.
pub fn view_name(state: &AppState) -> &'static str {
    let view = match state.view {
        View::Detail => state.back.unwrap_or(View::Campaigns),
        v => v,
    };
    command::COMMANDS
        .iter()
        .find(|(_, c)| *c == Command::Show(view))
        .map_or("overview", |(n, _)| n)
}

pub fn current(state: &AppState) -> Session {
    Session {
        view: view_name(state).to_string(),
        filter: state.filter_text.clone(),
        left_at: state.now,
    }
}

/// Put the operator back where they were. An unknown view or a filter that
/// no longer parses (the query language changed) is dropped, not fatal.
pub fn restore(state: &mut AppState, session: &Session) {
    if let Ok(Command::Show(view)) = command::parse(&session.view) {
        state.view = view;
        if matches!(view, View::Help | View::Outbox) {
            state.back = Some(View::Overview);
        }
    }
    if let Ok(filter) = Filter::parse(&session.filter) {
        state.filter = filter;
        state.filter_text = session.filter.trim().to_string();
    }
    // Taken now: polls may land before the first evaluation returns.
    let approvals_then = pending(state);
    state.since_you_left = Some(SinceYouLeft {
        left_at: session.left_at,
        approvals_then,
        alerts_then: None,
        summary: None,
    });
}

fn firing(state: &AppState) -> BTreeSet<String> {
    state
        .derived
        .alerts
        .iter()
        .filter(|a| a.state == AlertState::Firing)
        .map(|a| a.fingerprint.clone())
        .collect()
}

fn pending(state: &AppState) -> BTreeSet<String> {
    state
        .snapshot
        .approvals
        .iter()
        .filter(|a| a.status == ApprovalStatus::Pending)
        .map(|a| a.id.clone())
        .collect()
}

/// After each evaluation: the first one fixes the baseline (the cache as it
/// was left); the first one after every source answered says what changed.
pub fn after_evaluation(state: &mut AppState) {
    let Some(since) = state.since_you_left.as_ref() else {
        return;
    };
    if since.summary.is_some() {
        return;
    }
    let Some(alerts_then) = since.alerts_then.clone() else {
        let alerts = firing(state);
        if let Some(s) = state.since_you_left.as_mut() {
            s.alerts_then = Some(alerts);
        }
        return;
    };
    let approvals_then = since.approvals_then.clone();
    let all_fresh = System::ALL.iter().all(|s| {
        state
            .snapshot
            .freshness(*s)
            .fetched_at
            .is_some_and(|t| t >= state.started_at)
    });
    if !all_fresh {
        return;
    }
    let (alerts_now, approvals_now) = (firing(state), pending(state));
    let fired = alerts_now.difference(&alerts_then).count();
    let resolved = alerts_then.difference(&alerts_now).count();
    let arrived = approvals_now.difference(&approvals_then).count();
    let left_at = since.left_at;
    let text = summary_text(state.now - left_at, fired, resolved, arrived);
    state.message = Some(text.clone());
    if let Some(s) = state.since_you_left.as_mut() {
        s.summary = Some(text);
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// "since you left 14 min ago: 3 alerts fired, 1 resolved, 2 approvals arrived".
pub fn summary_text(away: Duration, fired: usize, resolved: usize, arrived: usize) -> String {
    let ago = crate::ui::format::age(away);
    if fired + resolved + arrived == 0 {
        return format!("since you left {ago} ago: nothing new");
    }
    format!(
        "since you left {ago} ago: {} fired, {} resolved, {} arrived",
        plural(fired, "alert", "alerts"),
        resolved,
        plural(arrived, "approval", "approvals"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::{Action, update};
    use crate::sync::{PollData, PollOutcome};
    use crate::ui::fixture;

    fn left(view: &str, filter: &str) -> Session {
        Session {
            view: view.into(),
            filter: filter.into(),
            left_at: fixture::now() - Duration::minutes(14),
        }
    }

    #[test]
    fn view_and_filter_round_trip() {
        let mut s = fixture::state();
        update(&mut s, Action::ShowAlerts);
        update(&mut s, Action::Detail);
        s.filter_text = "status=active".into();
        let saved = current(&s);
        assert_eq!(saved.view, "alerts", "Detail saves the list under it");
        assert_eq!(saved.filter, "status=active");

        let mut fresh = fixture::state();
        restore(&mut fresh, &left("approvals", "channel=email health<60"));
        assert_eq!(fresh.view, View::Approvals);
        assert_eq!(fresh.filter_text, "channel=email health<60");
        assert!(fresh.filter.is_some());

        let mut odd = fixture::state();
        restore(&mut odd, &left("nonsense", "health<<"));
        assert_eq!(odd.view, View::Overview, "unknown view ignored");
        assert!(odd.filter.is_none(), "broken filter dropped");
    }

    #[test]
    fn summary_waits_for_every_source_then_counts_changes() {
        let mut s = fixture::state();
        restore(&mut s, &left("overview", ""));
        s.started_at = fixture::now();
        after_evaluation(&mut s);
        let base = s.since_you_left.clone().unwrap();
        assert!(base.alerts_then.is_some() && base.summary.is_none());
        assert_eq!(base.approvals_then.len(), 3, "the cached pending requests");

        // Fresh data: one firing alert resolved, one approval gone, one new.
        s.derived.alerts.retain(|a| a.fingerprint != "c-01/ctr");
        let mut extra = s.snapshot.approvals[0].clone();
        extra.id = "ar-new".into();
        let mut approvals = s.snapshot.approvals.clone();
        approvals.push(extra);
        let mut seen = Vec::new();
        for (system, data) in [
            (System::Erp, PollData::Approvals(approvals)),
            (
                System::Crm,
                PollData::SyncJobs {
                    jobs: s.snapshot.sync_jobs.clone(),
                    failures: s.snapshot.sync_failures.clone(),
                },
            ),
            (
                System::Marketing,
                PollData::Campaigns(s.snapshot.campaigns.clone()),
            ),
        ] {
            crate::sync::apply_outcome(
                std::sync::Arc::make_mut(&mut s.snapshot),
                PollOutcome {
                    system,
                    at: fixture::now(),
                    server_time: None,
                    result: Ok(data),
                },
            );
            after_evaluation(&mut s);
            seen.push(s.since_you_left.as_ref().unwrap().summary.clone());
        }
        assert_eq!(seen[0], None, "CRM and marketing not yet heard from");
        assert_eq!(seen[1], None);
        let text = seen[2].clone().expect("all sources answered");
        assert_eq!(
            text,
            "since you left 14 min ago: 0 alerts fired, 1 resolved, 1 approval arrived"
        );
        assert_eq!(s.message.as_deref(), Some(text.as_str()));
    }

    #[test]
    fn no_session_no_summary() {
        let mut s = fixture::state();
        after_evaluation(&mut s);
        assert!(s.since_you_left.is_none());
        assert_eq!(
            summary_text(Duration::minutes(3), 0, 0, 0),
            "since you left 3 min ago: nothing new"
        );
    }
}
