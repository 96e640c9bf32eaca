//! Alert life cycle: pending -> firing -> resolved, de-duplicated by
//! fingerprint, with flapping suppression, acknowledgement and silences.
//!
//! The book is advanced once per evaluation. A series that is not observed
//! in an evaluation (warm-up, low volume, campaign gone) counts as clean, so
//! alerts on vanished series resolve instead of firing forever.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{Alert, AlertState, Severity};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LifecyclePolicy {
    /// Consecutive anomalous evaluations before pending turns firing.
    pub hold_evaluations: u32,
    /// ...or this long since the first anomalous evaluation, whichever first.
    pub hold_minutes: i64,
    /// Consecutive clean evaluations before firing turns resolved.
    pub resolve_evaluations: u32,
    /// Window in which state changes are counted for flapping.
    pub flap_window_minutes: i64,
    /// State changes within the window that mark an alert as flapping; a
    /// flapping alert stays firing until a whole window passes clean.
    pub flap_max_transitions: usize,
    /// How long a resolved alert stays listed.
    pub resolved_retention_minutes: i64,
}

impl Default for LifecyclePolicy {
    fn default() -> Self {
        Self {
            hold_evaluations: 2,
            hold_minutes: 10,
            resolve_evaluations: 3,
            flap_window_minutes: 60,
            flap_max_transitions: 4,
            resolved_retention_minutes: 60,
        }
    }
}

/// What one evaluation saw for one anomalous series.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    pub fingerprint: String,
    pub campaign_id: Option<String>,
    pub signal: String,
    pub severity: Severity,
    pub observed: f64,
    pub expected_low: f64,
    pub expected_high: f64,
    pub baseline: String,
    pub score: f64,
    pub summary: String,
}

/// Who silenced an alert, why, and until when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Silence {
    pub by: String,
    pub reason: String,
    pub until: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Tracked {
    alert: Alert,
    anomalous_streak: u32,
    clean_streak: u32,
    last_anomalous: DateTime<Utc>,
    resolved_at: Option<DateTime<Utc>>,
    /// Times of state changes inside the flap window.
    transitions: Vec<DateTime<Utc>>,
    flapping: bool,
    /// The summary as observed, before life-cycle decorations.
    base_summary: String,
}

/// All alerts known to the engine, keyed by fingerprint.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AlertBook {
    tracked: BTreeMap<String, Tracked>,
    silences: BTreeMap<String, Silence>,
}

impl AlertBook {
    /// Advance every alert by one evaluation. `anomalies` holds only the
    /// series that are anomalous now; every other tracked series is clean.
    pub fn advance(
        &mut self,
        anomalies: Vec<Observation>,
        now: DateTime<Utc>,
        p: &LifecyclePolicy,
    ) {
        let mut seen: HashMap<String, Observation> = anomalies
            .into_iter()
            .map(|o| (o.fingerprint.clone(), o))
            .collect();
        let window = Duration::minutes(p.flap_window_minutes.max(0));
        for (fp, t) in self.tracked.iter_mut() {
            t.transitions.retain(|&at| now - at <= window);
            match seen.remove(fp) {
                Some(obs) => t.anomalous(obs, now, p),
                None => t.clean(now, p),
            }
            t.flapping = t.transitions.len() >= p.flap_max_transitions.max(2);
            t.decorate();
        }
        for (fp, obs) in seen {
            let mut t = Tracked::new(obs, now);
            t.promote_if_held(now, p);
            t.decorate();
            self.tracked.insert(fp, t);
        }
        let retention = Duration::minutes(p.resolved_retention_minutes.max(0));
        self.tracked.retain(|_, t| match t.alert.state {
            // A pending alert that went clean never fired: drop it quietly.
            AlertState::Pending => t.clean_streak == 0,
            AlertState::Firing => true,
            AlertState::Resolved => t.resolved_at.is_some_and(|r| now - r <= retention),
        });
        self.silences.retain(|_, s| s.until > now);
    }

    /// Visible alerts (not silenced), firing first, then worst first.
    pub fn visible(&self, now: DateTime<Utc>) -> Vec<Alert> {
        let mut out: Vec<Alert> = self
            .tracked
            .iter()
            .filter(|(fp, _)| !self.is_silenced(fp, now))
            .map(|(_, t)| t.alert.clone())
            .collect();
        out.sort_by(|a, b| {
            state_rank(b.state)
                .cmp(&state_rank(a.state))
                .then(b.severity.cmp(&a.severity))
                .then(b.score.total_cmp(&a.score))
                .then(a.fingerprint.cmp(&b.fingerprint))
        });
        out
    }

    /// Silenced alerts with their silence, for a "silenced" view.
    pub fn silenced(&self, now: DateTime<Utc>) -> Vec<(Alert, Silence)> {
        self.tracked
            .iter()
            .filter_map(|(fp, t)| {
                let s = self.silences.get(fp).filter(|s| s.until > now)?;
                Some((t.alert.clone(), s.clone()))
            })
            .collect()
    }

    pub fn is_silenced(&self, fingerprint: &str, now: DateTime<Utc>) -> bool {
        self.silences
            .get(fingerprint)
            .is_some_and(|s| s.until > now)
    }

    pub fn is_flapping(&self, fingerprint: &str) -> bool {
        self.tracked.get(fingerprint).is_some_and(|t| t.flapping)
    }

    /// Acknowledge an unresolved alert; false if there is none.
    pub fn acknowledge(&mut self, fingerprint: &str, by: &str) -> bool {
        match self.tracked.get_mut(fingerprint) {
            Some(t) if t.alert.state != AlertState::Resolved => {
                t.alert.acked_by = Some(by.to_string());
                true
            }
            _ => false,
        }
    }

    /// Silence a known alert until `until` (survives resolve and re-fire).
    pub fn silence(
        &mut self,
        fingerprint: &str,
        by: &str,
        reason: &str,
        until: DateTime<Utc>,
    ) -> bool {
        if !self.tracked.contains_key(fingerprint) {
            return false;
        }
        let s = Silence {
            by: by.to_string(),
            reason: reason.to_string(),
            until,
        };
        self.silences.insert(fingerprint.to_string(), s);
        true
    }
}

fn state_rank(s: AlertState) -> u8 {
    match s {
        AlertState::Firing => 2,
        AlertState::Pending => 1,
        AlertState::Resolved => 0,
    }
}

impl Tracked {
    fn new(o: Observation, now: DateTime<Utc>) -> Self {
        let base_summary = o.summary.clone();
        Tracked {
            alert: Alert {
                fingerprint: o.fingerprint,
                campaign_id: o.campaign_id,
                signal: o.signal,
                severity: o.severity,
                state: AlertState::Pending,
                observed: o.observed,
                expected_low: o.expected_low,
                expected_high: o.expected_high,
                baseline: o.baseline,
                score: o.score,
                since: now,
                summary: o.summary,
                acked_by: None,
            },
            anomalous_streak: 1,
            clean_streak: 0,
            last_anomalous: now,
            resolved_at: None,
            transitions: Vec::new(),
            flapping: false,
            base_summary,
        }
    }

    fn set_state(&mut self, s: AlertState, now: DateTime<Utc>) {
        if self.alert.state != s {
            self.alert.state = s;
            self.transitions.push(now);
        }
    }

    fn anomalous(&mut self, o: Observation, now: DateTime<Utc>, p: &LifecyclePolicy) {
        self.clean_streak = 0;
        self.anomalous_streak = self.anomalous_streak.saturating_add(1);
        self.last_anomalous = now;
        if self.alert.state == AlertState::Resolved {
            // A new incident on the same series: fresh since, fresh ack.
            self.set_state(AlertState::Pending, now);
            self.anomalous_streak = 1;
            self.alert.since = now;
            self.alert.acked_by = None;
            self.alert.severity = o.severity;
            self.resolved_at = None;
        }
        self.alert.severity = self.alert.severity.max(o.severity);
        self.alert.observed = o.observed;
        self.alert.expected_low = o.expected_low;
        self.alert.expected_high = o.expected_high;
        self.alert.baseline = o.baseline;
        self.alert.score = o.score;
        self.base_summary = o.summary;
        self.promote_if_held(now, p);
    }

    fn promote_if_held(&mut self, now: DateTime<Utc>, p: &LifecyclePolicy) {
        let held = self.anomalous_streak >= p.hold_evaluations
            || now - self.alert.since >= Duration::minutes(p.hold_minutes.max(0));
        if self.alert.state == AlertState::Pending && held {
            self.set_state(AlertState::Firing, now);
        }
    }

    fn clean(&mut self, now: DateTime<Utc>, p: &LifecyclePolicy) {
        self.anomalous_streak = 0;
        self.clean_streak = self.clean_streak.saturating_add(1);
        if self.alert.state != AlertState::Firing {
            return;
        }
        let quiet_enough = if self.flapping {
            now - self.last_anomalous >= Duration::minutes(p.flap_window_minutes.max(0))
        } else {
            true
        };
        if self.clean_streak >= p.resolve_evaluations.max(1) && quiet_enough {
            self.set_state(AlertState::Resolved, now);
            self.resolved_at = Some(now);
        }
    }

    fn decorate(&mut self) {
        self.alert.summary = if self.flapping {
            format!("{} — flapping", self.base_summary)
        } else {
            self.base_summary.clone()
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::testkit::t0;

    fn obs(score: f64) -> Observation {
        Observation {
            fingerprint: "c1/ctr".into(),
            campaign_id: Some("c1".into()),
            signal: "ctr".into(),
            severity: Severity::Warning,
            observed: 0.003,
            expected_low: 0.018,
            expected_high: 0.026,
            baseline: "hour-of-day baseline, 6 pts".into(),
            score,
            summary: "CTR 0.30% vs expected 1.8%–2.6% (hour-of-day baseline, 6 pts)".into(),
        }
    }

    /// Feed anomalous (A) / clean (.) evaluations one minute apart and
    /// return the state letter after each: P(ending) F(iring) R(esolved) -(none).
    fn run(steps: &str, p: &LifecyclePolicy) -> String {
        let mut book = AlertBook::default();
        let mut out = String::new();
        for (i, c) in steps.chars().enumerate() {
            let now = t0() + Duration::minutes(i as i64);
            let anomalies = if c == 'A' { vec![obs(0.9)] } else { vec![] };
            book.advance(anomalies, now, p);
            out.push(match book.tracked.get("c1/ctr").map(|t| t.alert.state) {
                None => '-',
                Some(AlertState::Pending) => 'P',
                Some(AlertState::Firing) => 'F',
                Some(AlertState::Resolved) => 'R',
            });
        }
        out
    }

    #[test]
    fn life_cycle_table() {
        let d = LifecyclePolicy::default();
        let cases = [
            ("blip is dropped", "A..", "P--"),
            (
                "fires after hold, resolves after 3 clean",
                "AAA...A",
                "PFFFFRP",
            ),
            ("clean streak broken keeps firing", "AA..A...", "PFFFFFFR"),
            ("quiet", "....", "----"),
        ];
        for (name, steps, want) in cases {
            assert_eq!(run(steps, &d), want, "{name}");
        }
    }

    #[test]
    fn hold_by_minutes_fires_slow_evaluations() {
        let p = LifecyclePolicy {
            hold_evaluations: 100,
            hold_minutes: 3,
            ..LifecyclePolicy::default()
        };
        assert_eq!(run("AAAA", &p), "PPPF");
    }

    #[test]
    fn flapping_keeps_firing_and_says_so() {
        let p = LifecyclePolicy {
            hold_evaluations: 1,
            resolve_evaluations: 1,
            flap_max_transitions: 4,
            flap_window_minutes: 30,
            ..LifecyclePolicy::default()
        };
        // Without suppression this would go F R F R F R ...
        let got = run("A.A.A.A.A.", &p);
        assert_eq!(got, "FRFFFFFFFF", "{got}");
        let mut book = AlertBook::default();
        for (i, c) in "A.A.A.".chars().enumerate() {
            let a = if c == 'A' { vec![obs(0.9)] } else { vec![] };
            book.advance(a, t0() + Duration::minutes(i as i64), &p);
        }
        assert!(book.is_flapping("c1/ctr"));
        assert!(book.visible(t0())[0].summary.ends_with("— flapping"));
        // A whole window of calm resolves it.
        for m in 6..40 {
            book.advance(vec![], t0() + Duration::minutes(m), &p);
        }
        assert_eq!(
            book.tracked.get("c1/ctr").map(|t| t.alert.state),
            Some(AlertState::Resolved)
        );
    }

    #[test]
    fn acknowledge_and_silence() {
        let p = LifecyclePolicy::default();
        let mut book = AlertBook::default();
        assert!(!book.acknowledge("c1/ctr", "ana"));
        assert!(!book.silence("c1/ctr", "ana", "known", t0()));
        book.advance(vec![obs(0.9)], t0(), &p);
        book.advance(vec![obs(0.9)], t0() + Duration::minutes(1), &p);
        assert!(book.acknowledge("c1/ctr", "ana"));
        assert_eq!(book.visible(t0())[0].acked_by.as_deref(), Some("ana"));
        let until = t0() + Duration::hours(1);
        assert!(book.silence("c1/ctr", "bob", "vendor incident", until));
        assert!(book.visible(t0()).is_empty());
        let silenced = book.silenced(t0());
        assert_eq!(silenced[0].1.by, "bob");
        assert_eq!(silenced[0].1.reason, "vendor incident");
        // The silence ends on its own.
        assert_eq!(book.visible(until).len(), 1);
        // Resolve then re-fire: the new incident needs a new ack.
        for m in 2..6 {
            book.advance(vec![], t0() + Duration::minutes(m), &p);
        }
        book.advance(vec![obs(0.9)], t0() + Duration::minutes(7), &p);
        let a = &book.visible(until)[0];
        assert_eq!(a.state, AlertState::Pending);
        assert_eq!(a.acked_by, None);
        assert_eq!(a.since, t0() + Duration::minutes(7));
    }

    #[test]
    fn resolved_alerts_age_out() {
        let p = LifecyclePolicy::default();
        let mut book = AlertBook::default();
        for m in 0..2 {
            book.advance(vec![obs(0.9)], t0() + Duration::minutes(m), &p);
        }
        for m in 2..5 {
            book.advance(vec![], t0() + Duration::minutes(m), &p);
        }
        assert_eq!(book.visible(t0())[0].state, AlertState::Resolved);
        book.advance(
            vec![],
            t0() + Duration::minutes(5 + p.resolved_retention_minutes),
            &p,
        );
        assert!(book.visible(t0()).is_empty());
    }
}
