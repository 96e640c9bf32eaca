//! The native contract, round-tripped: our real client against the real
//! simulator over loopback HTTP, including its fault knobs.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use mops::cli::SimOpts;
use mops::connectors::{
    CommandOutcome, Endpoints, HttpClient, HttpConfig, HttpError, NativeClient, Secret,
};
use mops::domain::{CommandKind, CommandStatus, FallbackKind, OperatorCommand, System, Verdict};
use mops::simulator::{self, Faults, SimConfig, SimHandle};

async fn sim(campaigns: usize) -> SimHandle {
    let mut cfg = SimConfig::from_opts(&SimOpts {
        scenario: None,
        seed: Some(7),
        campaigns: Some(campaigns),
        speed: Some(0.0),
        dialect: None,
    })
    .unwrap();
    cfg.speed = 0.0;
    simulator::spawn(cfg).await.unwrap()
}

fn quick_http() -> HttpConfig {
    HttpConfig {
        connect_timeout: Duration::from_millis(500),
        read_timeout: Duration::from_millis(500),
        total_timeout: Duration::from_secs(3),
        max_attempts: 2,
        base_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(50),
        breaker_threshold: 50,
        ..HttpConfig::default()
    }
}

fn client(sim: &SimHandle) -> NativeClient {
    let http = Arc::new(HttpClient::new(quick_http()).unwrap());
    NativeClient::new(
        http,
        Endpoints {
            marketing: sim.marketing_url(),
            crm: sim.crm_url(),
            erp: sim.erp_url(),
            token: Secret::new("demo-token"),
        },
    )
}

fn cmd(kind: CommandKind) -> OperatorCommand {
    OperatorCommand {
        idempotency_key: uuid::Uuid::new_v4().to_string(),
        kind,
        actor: "tester".into(),
        reason: Some("contract test".into()),
        created_at: Utc::now(),
        status: CommandStatus::Queued,
        updated_at: None,
    }
}

#[tokio::test]
async fn every_read_endpoint_round_trips_and_is_sanitised() {
    let sim = sim(60).await;
    let c = client(&sim);
    let campaigns = c.campaigns().await.unwrap();
    assert_eq!(campaigns.items.len(), 60);
    assert!(campaigns.as_of.is_some());
    for camp in &campaigns.items {
        assert!(!camp.name.contains('\u{1b}'), "{:?}", camp.name);
        assert!(!camp.name.contains('\u{202e}'), "{:?}", camp.name);
        assert!(camp.budget > 0.0);
    }
    let since = sim.now() - chrono::Duration::hours(3);
    let metrics = c.metrics_since(since).await.unwrap();
    assert!(!metrics.items.is_empty());
    assert!(metrics.items.iter().all(|m| m.timestamp > since));
    let (jobs, _failures) = c.sync_jobs().await.unwrap();
    assert!(!jobs.items.is_empty());
    let stock = c.stock().await.unwrap();
    assert!(!stock.items.is_empty());
    assert!(stock.items.iter().all(|l| !l.sku.is_empty()));
    let _approvals = c.approvals().await.unwrap();
    sim.shutdown();
}

#[tokio::test]
async fn large_world_paginates_completely() {
    let sim = sim(10_000).await;
    let c = client(&sim);
    let campaigns = c.campaigns().await.unwrap();
    assert_eq!(campaigns.items.len(), 10_000);
    let mut ids: Vec<_> = campaigns.items.iter().map(|c| c.id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 10_000, "pages overlapped or skipped");
    sim.shutdown();
}

#[tokio::test]
async fn pause_is_applied_once_conflicts_after_and_replays_by_key() {
    let sim = sim(60).await;
    let c = client(&sim);
    let target = c
        .campaigns()
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|c| c.status == mops::domain::CampaignStatus::Active)
        .expect("an active campaign");
    let pause = cmd(CommandKind::Pause {
        campaign_id: target.id.clone(),
    });
    assert_eq!(
        c.execute(&pause).await.unwrap(),
        CommandOutcome::Applied { replayed: false }
    );
    // Same key again: the server's first answer, not a second pause.
    assert_eq!(
        c.execute(&pause).await.unwrap(),
        CommandOutcome::Applied { replayed: true }
    );
    // A different operator's pause of the same campaign is a conflict naming who.
    let mut other = cmd(CommandKind::Pause {
        campaign_id: target.id.clone(),
    });
    other.actor = "someone-else".into();
    match c.execute(&other).await.unwrap() {
        CommandOutcome::Conflict { detail } => {
            assert!(
                detail.contains("tester"),
                "conflict should say who: {detail}"
            )
        }
        o => panic!("expected conflict, got {o:?}"),
    }
    let now = c.campaigns().await.unwrap();
    let paused = now.items.iter().find(|x| x.id == target.id).unwrap();
    assert_eq!(paused.status, mops::domain::CampaignStatus::Paused);

    let resume = cmd(CommandKind::Resume {
        campaign_id: target.id.clone(),
    });
    assert!(matches!(
        c.execute(&resume).await.unwrap(),
        CommandOutcome::Applied { .. }
    ));
    let fb = cmd(CommandKind::Fallback {
        campaign_id: target.id.clone(),
        fallback: FallbackKind::FallbackContent,
    });
    assert!(matches!(
        c.execute(&fb).await.unwrap(),
        CommandOutcome::Applied { .. }
    ));
    let after = c.campaigns().await.unwrap();
    let t = after.items.iter().find(|x| x.id == target.id).unwrap();
    assert_eq!(t.status, mops::domain::CampaignStatus::Active);
    assert!(t.fallback.is_some());
    sim.shutdown();
}

#[tokio::test]
async fn approval_decision_and_sync_retry_round_trip() {
    let sim = sim(60).await;
    sim.advance(chrono::Duration::hours(6));
    let c = client(&sim);
    let approvals = c.approvals().await.unwrap();
    let req = approvals.items.first().expect("approvals arrive within 6h");
    let step = req.current_step().expect("a pending step").id.clone();
    let decide = cmd(CommandKind::Decide {
        request_id: req.id.clone(),
        step_id: step.clone(),
        verdict: Verdict::Approve,
    });
    assert!(matches!(
        c.execute(&decide).await.unwrap(),
        CommandOutcome::Applied { .. }
    ));
    let again = cmd(CommandKind::Decide {
        request_id: req.id.clone(),
        step_id: step,
        verdict: Verdict::Reject,
    });
    match c.execute(&again).await {
        Ok(CommandOutcome::Conflict { detail }) => assert!(detail.contains("tester"), "{detail}"),
        Err(HttpError::Api { status: 422, .. }) => {} // the chain moved on: not the current step
        other => panic!("second decision must not apply: {other:?}"),
    }

    let (jobs, _) = c.sync_jobs().await.unwrap();
    if let Some(failing) = jobs.items.iter().find(|j| j.status.is_failing()) {
        let retry = cmd(CommandKind::RetrySync {
            job_id: failing.id.clone(),
        });
        assert!(matches!(
            c.execute(&retry).await.unwrap(),
            CommandOutcome::Applied { .. }
        ));
    }
    sim.shutdown();
}

#[tokio::test]
async fn fault_knobs_are_observed_by_the_client() {
    let sim = sim(60).await;
    let c = client(&sim);

    sim.set_faults(
        System::Crm,
        Faults {
            outage: true,
            ..Faults::default()
        },
    );
    let err = c.sync_jobs().await.unwrap_err();
    assert_eq!(err.status(), Some(503), "{err}");

    sim.set_faults(
        System::Erp,
        Faults {
            rate_limit: Some(0),
            ..Faults::default()
        },
    );
    let err = c.stock().await.unwrap_err();
    assert!(matches!(err, HttpError::RateLimited { .. }), "{err:?}");

    sim.set_faults(
        System::Marketing,
        Faults {
            malformed_rate: 1.0,
            ..Faults::default()
        },
    );
    let err = c.campaigns().await.unwrap_err();
    assert!(matches!(err, HttpError::Malformed { .. }), "{err:?}");

    sim.set_faults(
        System::Marketing,
        Faults {
            error_rate: 1.0,
            ..Faults::default()
        },
    );
    let err = c.campaigns().await.unwrap_err();
    assert_eq!(err.status(), Some(500), "{err}");

    sim.set_faults(
        System::Marketing,
        Faults {
            stall_ms: 5_000,
            ..Faults::default()
        },
    );
    let err = c.campaigns().await.unwrap_err();
    assert!(matches!(err, HttpError::Timeout { .. }), "{err:?}");

    sim.set_faults(
        System::Marketing,
        Faults {
            latency_ms: 2_000,
            ..Faults::default()
        },
    );
    let err = c.campaigns().await.unwrap_err();
    assert!(matches!(err, HttpError::Timeout { .. }), "{err:?}");

    sim.set_faults(System::Marketing, Faults::default());
    sim.set_faults(System::Crm, Faults::default());
    assert_eq!(c.campaigns().await.unwrap().items.len(), 60);
    assert!(c.sync_jobs().await.is_ok());
    sim.shutdown();
}

#[tokio::test]
async fn wrong_token_is_unauthorized() {
    let sim = sim(10).await;
    let http = Arc::new(HttpClient::new(quick_http()).unwrap());
    let c = NativeClient::new(
        http,
        Endpoints {
            marketing: sim.marketing_url(),
            crm: sim.crm_url(),
            erp: sim.erp_url(),
            token: Secret::new("wrong"),
        },
    );
    let err = c.campaigns().await.unwrap_err();
    assert_eq!(err.status(), Some(401));
    sim.shutdown();
}

#[tokio::test]
async fn throttle_slows_sends_and_conflicts_when_repeated() {
    let start = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 12, 2, 9, 0, 0).unwrap();
    let mk = || {
        let mut cfg = SimConfig::from_opts(&SimOpts {
            scenario: None,
            seed: Some(21),
            campaigns: Some(12),
            speed: Some(0.0),
            dialect: None,
        })
        .unwrap();
        cfg.speed = 0.0;
        cfg.start = start;
        cfg
    };
    let throttled = simulator::spawn(mk()).await.unwrap();
    let control = simulator::spawn(mk()).await.unwrap();
    let c = client(&throttled);
    let target = "cmp-0001".to_string();
    let t = cmd(CommandKind::Throttle {
        campaign_id: target.clone(),
        percent: 25,
    });
    assert_eq!(
        c.execute(&t).await.unwrap(),
        CommandOutcome::Applied { replayed: false }
    );
    let again = cmd(CommandKind::Throttle {
        campaign_id: target.clone(),
        percent: 25,
    });
    assert!(matches!(
        c.execute(&again).await.unwrap(),
        CommandOutcome::Conflict { .. }
    ));
    for s in [&throttled, &control] {
        s.advance(chrono::Duration::hours(4));
    }
    let sends = |samples: Vec<mops::domain::MetricSample>| -> f64 {
        samples
            .iter()
            .filter(|m| m.campaign_id == target && m.metric == mops::domain::MetricKind::Sends)
            .map(|m| m.value)
            .sum()
    };
    let a = sends(c.metrics_since(start).await.unwrap().items);
    let b = sends(client(&control).metrics_since(start).await.unwrap().items);
    assert!(b > 0.0, "control campaign should send");
    let ratio = a / b;
    assert!(
        (0.2..0.3).contains(&ratio),
        "throttled sends should be ~25% of the control: {a} vs {b}"
    );
    throttled.shutdown();
    control.shutdown();
}

#[tokio::test]
async fn concurrent_decisions_first_wins_and_four_eyes_is_enforced() {
    let sim = sim(60).await;
    sim.advance(chrono::Duration::hours(9));
    let a = client(&sim);
    let b = client(&sim);
    let approvals = a.approvals().await.unwrap().items;
    let req = approvals
        .iter()
        .find(|r| {
            r.current_step()
                .is_some_and(|s| s.rule == mops::domain::StepRule::AnyOne)
        })
        .expect("a request whose next step needs any one approver");
    let step = req.current_step().unwrap().id.clone();
    let decide = |actor: &str, verdict| {
        let mut c = cmd(CommandKind::Decide {
            request_id: req.id.clone(),
            step_id: step.clone(),
            verdict,
        });
        c.actor = actor.into();
        c
    };
    // The requester may never decide their own request.
    let own = a
        .execute(&decide(&req.requested_by, Verdict::Approve))
        .await;
    assert!(
        matches!(own, Err(HttpError::Api { status: 403, .. })),
        "{own:?}"
    );
    let (da, db) = (
        decide("console-a", Verdict::Approve),
        decide("console-b", Verdict::Reject),
    );
    let (ra, rb) = tokio::join!(a.execute(&da), b.execute(&db));
    let outcomes = [ra.unwrap(), rb.unwrap()];
    let applied = outcomes
        .iter()
        .filter(|o| matches!(o, CommandOutcome::Applied { .. }))
        .count();
    assert_eq!(applied, 1, "exactly one decision wins: {outcomes:?}");
    let loser = outcomes
        .iter()
        .find_map(|o| match o {
            CommandOutcome::Conflict { detail } => Some(detail.clone()),
            _ => None,
        })
        .expect("the other sees a conflict");
    assert!(
        loser.contains("console-a") || loser.contains("console-b"),
        "the loser is told who decided: {loser}"
    );
    sim.shutdown();
}

#[tokio::test]
async fn a_changed_request_voids_sign_offs_and_overdue_steps_escalate() {
    let sim = sim(60).await;
    sim.advance(chrono::Duration::hours(9));
    let c = client(&sim);
    let req = c
        .approvals()
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|r| {
            r.steps.len() > 1 // stays pending after marketing signs
                && r.current_step().is_some_and(|s| s.id == "marketing")
                && r.requested_by != "tester"
        })
        .expect("a multi-step request waiting on marketing");
    let decide = cmd(CommandKind::Decide {
        request_id: req.id.clone(),
        step_id: "marketing".into(),
        verdict: Verdict::Approve,
    });
    assert!(matches!(
        c.execute(&decide).await.unwrap(),
        CommandOutcome::Applied { .. }
    ));
    // The ERP raises the budget past the finance threshold.
    let http = reqwest::Client::new();
    let resp = http
        .post(format!("{}/approvals/{}/amend", sim.erp_url(), req.id))
        .bearer_auth("demo-token")
        .header("Idempotency-Key", uuid::Uuid::new_v4().to_string())
        .json(&serde_json::json!({"budget": 150_000.0, "reason": "top-up"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let after = c
        .approvals()
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|r| r.id == req.id)
        .expect("still pending");
    let finance = after.steps.iter().find(|s| s.id == "finance");
    assert!(
        finance.is_some_and(|s| s.rule == mops::domain::StepRule::All),
        "150k needs every finance approver: {:?}",
        after.steps
    );
    assert!(
        after.steps.iter().all(|s| s.decisions.is_empty()),
        "earlier sign-offs are void: {:?}",
        after.steps
    );
    assert_eq!(
        after.current_step().map(|s| s.id.as_str()),
        Some("marketing")
    );

    // Past the deadline nobody signed: the step escalates to its head.
    sim.advance(after.deadline - sim.now() + chrono::Duration::minutes(1));
    let late = c.approvals().await.unwrap().items;
    if let Some(r) = late.iter().find(|r| r.id == req.id) {
        let step = r.current_step().expect("pending step");
        assert!(
            step.approvers
                .iter()
                .any(|a| a == &format!("head-of-{}", step.id)),
            "{:?}",
            step.approvers
        );
    }
    let overdue: Vec<_> = late.iter().filter(|r| r.deadline < sim.now()).collect();
    assert!(
        !overdue.is_empty(),
        "the scripted finance request waits for a human"
    );
    assert!(
        overdue.iter().all(|r| r
            .current_step()
            .is_some_and(|s| s.approvers.iter().any(|a| a.starts_with("head-of-")))),
        "every overdue request is escalated: {overdue:?}"
    );
    sim.shutdown();
}

#[tokio::test]
async fn the_scenario_sets_the_erp_chain_policy() {
    let scenario = mops::simulator::Scenario::parse(
        "[approvals]\nfinance_threshold = 1.0\nfinance_all_threshold = 1e12\n",
    )
    .unwrap();
    let mut cfg = SimConfig::from_opts(&SimOpts {
        scenario: None,
        seed: Some(4),
        campaigns: Some(20),
        speed: Some(0.0),
        dialect: None,
    })
    .unwrap();
    cfg.speed = 0.0;
    cfg.scenario = scenario;
    let sim = simulator::spawn(cfg).await.unwrap();
    sim.advance(chrono::Duration::hours(12));
    let all = client(&sim).approvals().await.unwrap().items;
    assert!(!all.is_empty());
    for r in &all {
        assert!(
            r.steps.iter().any(|s| s.id == "finance"),
            "every budget is at or above 1: {r:?}"
        );
    }
    sim.shutdown();
}
