//! Property-style tests of the whole engine over generated worlds: the
//! snapshot is replayed hour by hour (evaluated at :30 with a partial bucket
//! and at :60 with the complete one), as the state owner would see it.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};

use super::anomaly::{Signal, evaluate_campaign};
use super::baseline::SeasonalWindow;
use super::testkit::{Rng, Shape, bucket, campaign, hours, noisy_shape, stock, t0};
use super::{Engine, Policy};
use crate::domain::{Alert, AlertState, Snapshot, SyncJob, SyncStatus, System, ThrottleLevel};

const DAYS: i64 = 14;

/// Replay `total` hours of one campaign; returns (now, alerts) per evaluation.
fn replay(
    total: i64,
    mut shape: impl FnMut(i64, &mut Rng) -> Shape,
    seed: u64,
) -> Vec<(DateTime<Utc>, Vec<Alert>)> {
    let mut rng = Rng::new(seed);
    let mut engine = Engine::new(Policy::default());
    let mut snap = Snapshot {
        campaigns: vec![campaign("c1", &[])],
        ..Snapshot::default()
    };
    let mut out = Vec::new();
    for h in 0..total {
        let ts = t0() + hours(h);
        let s = shape(h, &mut rng);
        let series = snap.history.entry("c1".into()).or_default();
        series.push(bucket(ts, s, 0.5));
        let now = ts + Duration::minutes(30);
        out.push((now, engine.evaluate(&snap, now).alerts));
        let series = snap.history.entry("c1".into()).or_default();
        if let Some(last) = series.last_mut() {
            *last = bucket(ts, s, 1.0);
        }
        if series.len() > (DAYS * 24) as usize {
            series.remove(0);
        }
        let now = ts + hours(1);
        out.push((now, engine.evaluate(&snap, now).alerts));
    }
    out
}

fn fingerprints(run: &[(DateTime<Utc>, Vec<Alert>)]) -> BTreeSet<String> {
    run.iter()
        .flat_map(|(_, a)| a.iter().map(|a| a.fingerprint.clone()))
        .collect()
}

/// Distinct incidents (by `since`) of `fp` that reached firing.
fn incidents(run: &[(DateTime<Utc>, Vec<Alert>)], fp: &str) -> BTreeSet<DateTime<Utc>> {
    run.iter()
        .flat_map(|(_, a)| a.iter())
        .filter(|a| a.fingerprint == fp && a.state == AlertState::Firing)
        .map(|a| a.since)
        .collect()
}

fn state_at(run: &[(DateTime<Utc>, Vec<Alert>)], i: usize, fp: &str) -> Option<AlertState> {
    run[i]
        .1
        .iter()
        .find(|a| a.fingerprint == fp)
        .map(|a| a.state)
}

#[test]
fn constant_series_raise_no_alert() {
    for sends in [200.0, 2000.0, 50_000.0] {
        let shape = Shape {
            sends,
            ..Shape::default()
        };
        let run = replay(24 * 16, |_, _| shape, 0);
        assert!(fingerprints(&run).is_empty(), "sends {sends}");
    }
}

#[test]
fn stationary_noisy_series_raise_no_alert() {
    for seed in 1..=4 {
        let run = replay(24 * 16, noisy_shape, seed);
        assert!(
            fingerprints(&run).is_empty(),
            "seed {seed}: {:?}",
            fingerprints(&run)
        );
    }
}

#[test]
fn step_change_raises_exactly_one_alert_that_fires_then_resolves() {
    for seed in 1..=3 {
        let (start, len) = (24 * 10 + 3, 6);
        let run = replay(
            24 * 11,
            |h, rng| {
                let mut s = noisy_shape(h, rng);
                if (start..start + len).contains(&h) {
                    s.ctr *= 0.25;
                }
                s
            },
            seed,
        );
        let fps = fingerprints(&run);
        assert_eq!(fps, BTreeSet::from(["c1/ctr".to_string()]), "seed {seed}");
        assert_eq!(incidents(&run, "c1/ctr").len(), 1, "seed {seed}");
        // Evaluations are two per hour: index 2h is hour h at :30.
        let first = (start * 2) as usize;
        assert_eq!(state_at(&run, first, "c1/ctr"), Some(AlertState::Pending));
        assert_eq!(
            state_at(&run, first + 1, "c1/ctr"),
            Some(AlertState::Firing)
        );
        let back = ((start + len) * 2) as usize;
        assert_eq!(
            state_at(&run, back + 2, "c1/ctr"),
            Some(AlertState::Resolved)
        );
        let last = run.last().map(|(_, a)| a.clone()).unwrap_or_default();
        assert!(last.iter().all(|a| a.state == AlertState::Resolved));
        let alert = &run[first + 1].1[0];
        assert!(alert.summary.starts_with("CTR "), "{}", alert.summary);
        assert!(
            alert.summary.contains("hour-of-day baseline"),
            "{}",
            alert.summary
        );
        assert!(alert.observed < alert.expected_low);
    }
}

#[test]
fn single_spike_does_not_shift_the_baseline() {
    let spike = 24 * 8 + 5;
    let shape = |h: i64, rng: &mut Rng| {
        let mut s = noisy_shape(h, rng);
        if h == spike {
            s.bounce = 0.2;
        }
        s
    };
    let run = replay(24 * 11, shape, 9);
    assert_eq!(incidents(&run, "c1/bounce_rate").len(), 1);
    assert_eq!(fingerprints(&run).len(), 1, "{:?}", fingerprints(&run));

    // Compare the band one and two days later (same hour of day, so the
    // spike is inside the baseline) with the same world without the spike.
    let p = Policy::default().anomaly;
    let mut w = SeasonalWindow::new(p.baseline);
    let mut band_at = |end: i64, spiked: bool| {
        let mut rng = Rng::new(9);
        let history: Vec<_> = (0..=end)
            .map(|h| {
                let mut s = shape(h, &mut rng);
                if !spiked && h == spike {
                    s.bounce = Shape::default().bounce;
                }
                bucket(t0() + hours(h), s, 1.0)
            })
            .collect();
        let f = evaluate_campaign(&history, t0() + hours(end + 1), &p, &mut w, true);
        let f = f.into_iter().find(|f| f.signal == Signal::BounceRate);
        f.expect("bounce rate scored")
    };
    for end in [spike + 24, spike + 48] {
        let (with, without) = (band_at(end, true), band_at(end, false));
        let e = (with.expectation, without.expectation);
        assert!(
            (e.0.median - e.1.median).abs() <= 0.25 * e.1.spread,
            "{e:?}"
        );
        assert!(e.0.spread <= e.1.spread * 1.3, "{e:?}");
        assert!(with.score < 0.5);
    }
}

fn lag_job(last_success: DateTime<Utc>) -> SyncJob {
    SyncJob {
        id: "j1".into(),
        name: "CRM→Marketing audiences".into(),
        source: System::Crm,
        target: System::Marketing,
        status: SyncStatus::Ok,
        last_success: Some(last_success),
        last_attempt: Some(last_success),
        failing_since: None,
        error: None,
        retries: 0,
        next_retry: None,
    }
}

#[test]
fn stuck_sync_job_alerts_until_it_recovers() {
    let mut engine = Engine::new(Policy::default());
    let mut snap = Snapshot::default();
    let step = Duration::minutes(5);
    let mut states = Vec::new();
    // 12 h of a job succeeding every 15 min, 3 h stuck, then 2 h healthy.
    for i in 0..(17 * 12) {
        let now = t0() + step * i;
        let stuck = (12 * 12..15 * 12).contains(&i);
        let last = if stuck {
            t0() + hours(12) - Duration::minutes(15)
        } else {
            now - Duration::minutes((i * 5 % 15) as i64)
        };
        snap.sync_jobs = vec![lag_job(last)];
        let alerts = engine.evaluate(&snap, now).alerts;
        states.push(
            alerts
                .iter()
                .find(|a| a.fingerprint == "j1/sync_lag")
                .map(|a| a.state),
        );
    }
    assert!(states[..12 * 12].iter().all(Option::is_none));
    assert!(
        states[13 * 12..15 * 12]
            .iter()
            .all(|s| *s == Some(AlertState::Firing)),
        "{states:?}"
    );
    let recovered = 15 * 12;
    assert_eq!(
        states[recovered + 3],
        Some(AlertState::Resolved),
        "{states:?}"
    );
    assert_eq!(states.last(), Some(&None), "resolved alerts age out");
}

#[test]
fn throttle_hysteresis_and_expiring_overrides() {
    let mut engine = Engine::new(Policy::default());
    let mut snap = Snapshot {
        campaigns: vec![campaign("c1", &["A"])],
        ..Snapshot::default()
    };
    let mut rng = Rng::new(3);
    let mut levels = Vec::new();
    for i in 0..200 {
        let cover = if i == 0 { 1.5 } else { 2.0 + rng.noise(0.9) };
        snap.stock = vec![stock("A", "AMS", cover * 10.0, 10.0)];
        let now = t0() + Duration::minutes(i);
        levels.push(engine.evaluate(&snap, now).throttles[0].level);
    }
    assert!(levels.iter().all(|l| *l == ThrottleLevel::Paused));

    let until = t0() + hours(5);
    engine.override_throttle("c1", ThrottleLevel::Full, "ana", "restock arriving", until);
    let t = engine
        .evaluate(&snap, until - Duration::minutes(1))
        .throttles;
    assert_eq!(t[0].level, ThrottleLevel::Full);
    assert!(
        t[0].rule.starts_with("override full by ana until"),
        "{}",
        t[0].rule
    );
    let t = engine.evaluate(&snap, until).throttles;
    assert_eq!(t[0].level, ThrottleLevel::Paused, "override expired");
    // An override also covers a campaign with no stock data.
    snap.stock.clear();
    engine.override_throttle(
        "c1",
        ThrottleLevel::Throttled,
        "ana",
        "manual",
        until + hours(1),
    );
    let t = engine.evaluate(&snap, until).throttles;
    assert_eq!((t[0].level, t[0].factor), (ThrottleLevel::Throttled, 0.5));
}

#[test]
fn ack_and_silence_survive_a_restart() {
    let mut engine = Engine::new(Policy::default());
    let mut snap = Snapshot::default();
    let last = t0();
    for i in 0..40 {
        let now = t0() + Duration::minutes(5 * i);
        let ok = now - Duration::minutes(5 * i % 15);
        snap.sync_jobs = vec![lag_job(if i < 30 { ok } else { last })];
        engine.evaluate(&snap, now);
    }
    let now = t0() + Duration::minutes(200);
    snap.sync_jobs = vec![lag_job(t0() + Duration::minutes(145))];
    let alerts = engine.evaluate(&snap, now).alerts;
    assert_eq!(alerts[0].state, AlertState::Firing, "{alerts:?}");
    assert!(engine.acknowledge("j1/sync_lag", "ana", now));
    assert!(!engine.acknowledge("nope/ctr", "ana", now));
    assert!(engine.silence("j1/sync_lag", "bob", "maintenance", now + hours(2)));

    let saved = serde_json::to_string(&engine).expect("engine serialises");
    let mut engine: Engine = serde_json::from_str(&saved).expect("engine deserialises");
    let d = engine.evaluate(&snap, now + Duration::minutes(5));
    assert!(d.alerts.is_empty(), "silenced: {:?}", d.alerts);
    let hidden = engine.silenced(now);
    assert_eq!(hidden[0].0.acked_by.as_deref(), Some("ana"));
    assert_eq!(hidden[0].1.reason, "maintenance");
}

#[test]
fn generated_worlds_have_reasons_whenever_health_drops() {
    let mut rng = Rng::new(11);
    let policy: Policy =
        toml::from_str("[throttle]\nmode = \"auto\"\n").expect("partial policy parses");
    assert_eq!(policy.throttle.mode, super::ThrottleMode::Auto);
    let mut engine = Engine::new(policy);
    for round in 0..20 {
        let mut snap = Snapshot::default();
        for c in 0..8 {
            let id = format!("c{c}");
            let mut camp = campaign(&id, &["A", "B"]);
            camp.spend = camp.budget * (rng.unit() * 0.7);
            snap.history.insert(
                id.clone(),
                (0..24 * 3)
                    .map(|h| bucket(t0() + hours(h), noisy_shape(h, &mut rng), 1.0))
                    .collect(),
            );
            snap.campaigns.push(camp);
        }
        snap.stock = vec![
            stock("A", "AMS", rng.unit() * 100.0, 10.0),
            stock("B", "AMS", rng.unit() * 100.0, 10.0),
        ];
        let now = t0() + hours(24 * 3);
        let mut job = lag_job(now);
        job.status = if round % 3 == 0 {
            SyncStatus::Failed
        } else {
            SyncStatus::Ok
        };
        snap.sync_jobs = vec![job];
        let d = engine.evaluate(&snap, now);
        assert_eq!(d.health.len(), 8);
        for (id, h) in &d.health {
            assert_eq!(h.score < 100, !h.reasons.is_empty(), "{id}: {h:?}");
        }
    }
}

#[test]
fn re_reported_history_invalidates_cached_baselines() {
    let mut engine = Engine::new(Policy::default());
    let low = Shape {
        ctr: 0.004,
        ..Shape::default()
    };
    let mut history: Vec<_> = (0..24 * 5)
        .map(|h| bucket(t0() + hours(h), Shape::default(), 1.0))
        .collect();
    history.push(bucket(t0() + hours(24 * 5), low, 0.5));
    let mut snap = Snapshot {
        campaigns: vec![campaign("c1", &[])],
        ..Snapshot::default()
    };
    snap.history.insert("c1".into(), history.clone());
    let now = t0() + hours(24 * 5) + Duration::minutes(30);
    let first = engine.evaluate(&snap, now).alerts;
    assert_eq!(first.len(), 1, "{first:?}");
    assert_eq!(first[0].state, AlertState::Pending);

    // The source re-reports the past: CTR was always this low.
    for b in history.iter_mut().take(24 * 5) {
        *b = bucket(b.ts, low, 1.0);
    }
    snap.history.insert("c1".into(), history);
    let second = engine.evaluate(&snap, now + Duration::minutes(1)).alerts;
    assert!(second.is_empty(), "stale baseline reused: {second:?}");
}

#[test]
fn partial_hour_is_judged_as_of_the_last_marketing_fetch() {
    let mut engine = Engine::new(Policy::default());
    let mut history: Vec<_> = (0..24 * 5)
        .map(|h| bucket(t0() + hours(h), Shape::default(), 1.0))
        .collect();
    let ts = t0() + hours(24 * 5);
    // Fetched 20 minutes into the hour: a third of an hour of sends.
    history.push(bucket(ts, Shape::default(), 1.0 / 3.0));
    let mut snap = Snapshot {
        campaigns: vec![campaign("c1", &[])],
        ..Snapshot::default()
    };
    snap.history.insert("c1".into(), history);
    let fetched = crate::domain::Freshness {
        fetched_at: Some(ts + Duration::minutes(20)),
        ..Default::default()
    };
    snap.freshness.insert(System::Marketing, fetched);
    // Polled again at :50 with the marketing fetch still at :20.
    for m in [40, 50] {
        let d = engine.evaluate(&snap, ts + Duration::minutes(m));
        assert!(
            d.alerts.is_empty(),
            "poll delay read as a drop: {:?}",
            d.alerts
        );
    }
    // Without freshness the same data at :50 is a real shortfall.
    snap.freshness.clear();
    let d = engine.evaluate(&snap, ts + Duration::minutes(50));
    assert!(
        d.alerts.iter().any(|a| a.fingerprint == "c1/sends"),
        "{:?}",
        d.alerts
    );
}
