//! A deterministic world for view tests: fixed clock, every area populated,
//! one stale source, and an offline variant.

use std::collections::HashMap;

use chrono::{DateTime, Duration, FixedOffset, TimeZone, Utc};

use crate::app::{AppContext, AppState, refresh_rows};
use crate::domain::snapshot::HourBucket;
use crate::domain::*;

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 14, 0, 0).unwrap()
}

fn campaign(
    id: &str,
    name: &str,
    channel: Channel,
    status: CampaignStatus,
    spend: f64,
) -> Campaign {
    let start = now() - Duration::days(10);
    Campaign {
        id: id.into(),
        name: name.into(),
        channel,
        status,
        owner: "ana".into(),
        budget: 20_000.0,
        spend,
        start,
        end: start + Duration::days(20),
        skus: vec![],
        provider: "sendgrid".into(),
        fallback: None,
        updated_at: now() - Duration::minutes(3),
    }
}

fn health(score: u8, reason: &str) -> Health {
    Health {
        score,
        reasons: if reason.is_empty() {
            vec![]
        } else {
            vec![reason.into()]
        },
    }
}

fn alert(
    id: &str,
    signal: &str,
    sev: Severity,
    state: AlertState,
    obs: f64,
    lo: f64,
    hi: f64,
) -> Alert {
    Alert {
        fingerprint: format!("{id}/{signal}"),
        campaign_id: Some(id.into()),
        signal: signal.into(),
        severity: sev,
        state,
        observed: obs,
        expected_low: lo,
        expected_high: hi,
        baseline: "Tue 14:00 baseline, 6 weeks".into(),
        score: 4.2,
        since: now() - Duration::minutes(25),
        summary: format!("{signal} outside band"),
        acked_by: None,
    }
}

#[allow(clippy::too_many_arguments)]
fn job(
    id: &str,
    name: &str,
    src: System,
    dst: System,
    status: SyncStatus,
    err: Option<&str>,
    mins: i64,
    retries: u32,
) -> SyncJob {
    SyncJob {
        id: id.into(),
        name: name.into(),
        source: src,
        target: dst,
        status,
        last_success: Some(now() - Duration::minutes(mins + 5)),
        last_attempt: Some(now() - Duration::minutes(1)),
        failing_since: status.is_failing().then(|| now() - Duration::minutes(mins)),
        error: err.map(Into::into),
        retries,
        next_retry: status.is_failing().then(|| now() + Duration::minutes(2)),
    }
}

fn step(
    id: &str,
    approvers: &[&str],
    rule: StepRule,
    status: ApprovalStatus,
    signed_by: Option<&str>,
) -> ApprovalStep {
    ApprovalStep {
        id: id.into(),
        name: id.into(),
        scope: format!("approve:{id}"),
        approvers: approvers.iter().map(|s| s.to_string()).collect(),
        rule,
        status,
        decisions: signed_by
            .map(|by| Decision {
                by: by.into(),
                at: now() - Duration::hours(2),
                verdict: Verdict::Approve,
                reason: None,
            })
            .into_iter()
            .collect(),
    }
}

fn request(
    id: &str,
    campaign: &str,
    title: &str,
    budget: f64,
    deadline_h: i64,
    steps: Vec<ApprovalStep>,
) -> ApprovalRequest {
    ApprovalRequest {
        id: id.into(),
        campaign_id: campaign.into(),
        title: title.into(),
        requested_by: "ben".into(),
        budget,
        created_at: now() - Duration::days(1),
        deadline: now() + Duration::hours(deadline_h),
        status: ApprovalStatus::Pending,
        steps,
    }
}

fn history() -> Vec<HourBucket> {
    (0..48)
        .map(|h| {
            let mut values = [0.0; 8];
            let sends = 1000.0 + 400.0 * ((h % 24) as f64 / 4.0).sin().abs();
            values[MetricKind::Sends.index()] = sends.round();
            values[MetricKind::Deliveries.index()] = (sends * 0.98).round();
            let rate = if h >= 44 { 0.004 } else { 0.021 };
            values[MetricKind::Clicks.index()] = (sends * 0.98 * rate).round();
            HourBucket {
                ts: now() - Duration::hours(48 - h),
                values,
            }
        })
        .collect()
}

fn fresh(mins_ago: i64, failures: u32) -> Freshness {
    Freshness {
        fetched_at: Some(now() - Duration::seconds(mins_ago)),
        last_attempt: Some(now() - Duration::seconds(5)),
        last_error: (failures > 0).then(|| "connection refused".into()),
        failures,
        server_time: None,
    }
}

pub fn snapshot() -> Snapshot {
    use CampaignStatus::*;
    use Channel::*;
    let campaigns = vec![
        campaign("c-01", "Winter Sale Newsletter", Email, Active, 11_500.0),
        campaign("c-02", "Black Friday SMS", Sms, Active, 9_000.0),
        campaign("c-03", "App Reengagement Push", Push, Paused, 4_000.0),
        campaign("c-04", "Brand Search Q4", Search, Active, 10_100.0),
        campaign(
            "c-05",
            "Holiday Display Retargeting",
            Display,
            Active,
            15_000.0,
        ),
        campaign("c-06", "Loyalty Social", Social, Scheduled, 0.0),
        campaign("c-07", "Cyber Monday Email", Email, Completed, 19_800.0),
        campaign("c-08", "Gift Guide Email", Email, Draft, 0.0),
    ];
    let mut snap = Snapshot {
        campaigns,
        history: HashMap::from([("c-01".to_string(), history())]),
        sync_jobs: vec![
            job(
                "j-1",
                "contacts crm->mkt",
                System::Crm,
                System::Marketing,
                SyncStatus::Failed,
                Some("401 unauthorized: token expired"),
                42,
                5,
            ),
            job(
                "j-2",
                "orders erp->crm",
                System::Erp,
                System::Crm,
                SyncStatus::Retrying,
                Some("timeout after 30s"),
                9,
                2,
            ),
            job(
                "j-3",
                "segments crm->mkt",
                System::Crm,
                System::Marketing,
                SyncStatus::Ok,
                None,
                0,
                0,
            ),
            job(
                "j-4",
                "stock erp->mkt",
                System::Erp,
                System::Marketing,
                SyncStatus::Running,
                None,
                0,
                0,
            ),
        ],
        sync_failures: vec![],
        stock: vec![],
        approvals: vec![
            request(
                "ar-101",
                "c-05",
                "Holiday retargeting +30k",
                30_000.0,
                5,
                vec![
                    step(
                        "marketing",
                        &["ana", "ben"],
                        StepRule::AnyOne,
                        ApprovalStatus::Approved,
                        Some("ana"),
                    ),
                    step(
                        "finance",
                        &["carol", "dan"],
                        StepRule::All,
                        ApprovalStatus::Pending,
                        Some("dan"),
                    ),
                    step(
                        "legal",
                        &["erin"],
                        StepRule::AnyOne,
                        ApprovalStatus::Pending,
                        None,
                    ),
                ],
            ),
            request(
                "ar-102",
                "c-06",
                "Loyalty launch budget",
                8_000.0,
                72,
                vec![step(
                    "marketing",
                    &["ana"],
                    StepRule::AnyOne,
                    ApprovalStatus::Pending,
                    None,
                )],
            ),
            request(
                "ar-100",
                "c-02",
                "SMS top-up",
                2_500.0,
                -3,
                vec![step(
                    "finance",
                    &["carol"],
                    StepRule::AnyOne,
                    ApprovalStatus::Pending,
                    None,
                )],
            ),
        ],
        freshness: Default::default(),
        metrics_cursor: None,
    };
    snap.freshness.insert(System::Marketing, fresh(12, 0));
    snap.freshness.insert(System::Crm, fresh(14 * 60, 3));
    snap.freshness.insert(System::Erp, fresh(40, 0));
    snap
}

pub fn derived() -> Derived {
    Derived {
        health: HashMap::from([
            (
                "c-01".to_string(),
                health(23, "CTR 0.40% below band 1.80–2.60%"),
            ),
            (
                "c-02".to_string(),
                health(48, "sync contacts crm->mkt failing 42 min"),
            ),
            (
                "c-03".to_string(),
                health(61, "paused by stock: SKU-RED-M cover 0.5d"),
            ),
            ("c-04".to_string(), health(88, "")),
            (
                "c-05".to_string(),
                health(70, "pacing 131% of budget curve"),
            ),
            ("c-07".to_string(), health(95, "")),
        ]),
        alerts: vec![
            alert(
                "c-05",
                "sends",
                Severity::Warning,
                AlertState::Pending,
                5200.0,
                2000.0,
                3500.0,
            ),
            alert(
                "c-01",
                "ctr",
                Severity::Critical,
                AlertState::Firing,
                0.004,
                0.018,
                0.026,
            ),
            alert(
                "c-02",
                "bounce_rate",
                Severity::Warning,
                AlertState::Firing,
                0.081,
                0.01,
                0.03,
            ),
        ],
        throttles: vec![
            Throttle {
                campaign_id: "c-03".into(),
                level: ThrottleLevel::Paused,
                factor: 0.0,
                sku: "SKU-RED-M".into(),
                projected: 12.0,
                days_of_cover: Some(0.5),
                rule: "cover < 1d => pause".into(),
            },
            Throttle {
                campaign_id: "c-05".into(),
                level: ThrottleLevel::Throttled,
                factor: 0.5,
                sku: "SKU-GIFT-2".into(),
                projected: 240.0,
                days_of_cover: Some(2.4),
                rule: "cover < 3d => throttle 50%".into(),
            },
            Throttle {
                campaign_id: "c-04".into(),
                level: ThrottleLevel::Full,
                factor: 1.0,
                sku: "SKU-BLUE".into(),
                projected: 4000.0,
                days_of_cover: None,
                rule: "cover >= 3d => full".into(),
            },
        ],
    }
}

/// The state views are tested with: production profile, readonly, fixed clock.
pub fn state() -> AppState {
    let ctx = AppContext {
        profile: "prod-eu".into(),
        production: true,
        readonly: true,
        actor: "ana".into(),
        initial: snapshot(),
        ..AppContext::default()
    };
    let (mut s, _) = AppState::new(ctx, now());
    s.local_offset = FixedOffset::east_opt(3600).unwrap();
    s.derived = derived();
    refresh_rows(&mut s);
    s
}

/// Every source's last poll failed; the last success was 12 minutes ago.
pub fn offline_state() -> AppState {
    let mut s = state();
    std::sync::Arc::make_mut(&mut s.snapshot)
        .freshness
        .insert(System::Marketing, fresh(12 * 60, 4));
    std::sync::Arc::make_mut(&mut s.snapshot)
        .freshness
        .insert(System::Crm, fresh(30 * 60, 9));
    std::sync::Arc::make_mut(&mut s.snapshot)
        .freshness
        .insert(System::Erp, fresh(13 * 60, 4));
    s
}

/// Every source's last poll failed seconds ago, after recent successes:
/// the longest freshness texts, the case that hid area names at 80 columns.
pub fn failing_state() -> AppState {
    let mut s = state();
    for system in System::ALL {
        std::sync::Arc::make_mut(&mut s.snapshot)
            .freshness
            .insert(system, fresh(2, 1));
    }
    s
}
