//! Every fault knob, observable over HTTP; scenario and option errors.

use std::time::{Duration, Instant};

use mops::cli::SimOpts;
use mops::domain::System;
use mops::simulator::{Faults, Scenario, SimConfig};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{Sim, config, demo, spawn};

const LIST: &str = "/crm/v1/sync-jobs";

async fn with_crm(faults: Faults) -> Sim {
    let sim = demo().await;
    sim.h.set_faults(System::Crm, faults);
    sim
}

#[tokio::test]
async fn latency_delays_the_answer() {
    let sim = with_crm(Faults {
        latency_ms: 300,
        ..Faults::default()
    })
    .await;
    let t = Instant::now();
    assert_eq!(sim.get(LIST).await.status(), StatusCode::OK);
    assert!(t.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn error_rate_gives_500_deterministically_per_seed() {
    let sim = with_crm(Faults {
        error_rate: 1.0,
        ..Faults::default()
    })
    .await;
    let r = sim.get(LIST).await;
    assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body: Value = r.json().await.unwrap();
    assert!(body["error"]["code"].is_string());
    // Other systems are unaffected.
    assert_eq!(sim.get("/erp/v1/stock").await.status(), StatusCode::OK);

    let mut runs = Vec::new();
    for _ in 0..2 {
        let sim = with_crm(Faults {
            error_rate: 0.5,
            ..Faults::default()
        })
        .await;
        let mut statuses = Vec::new();
        for _ in 0..20 {
            statuses.push(sim.get(LIST).await.status().as_u16());
        }
        runs.push(statuses);
    }
    assert_eq!(
        runs[0], runs[1],
        "same seed, same request sequence, same faults"
    );
    assert!(
        runs[0].contains(&500) && runs[0].contains(&200),
        "{:?}",
        runs[0]
    );
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after() {
    let sim = with_crm(Faults {
        rate_limit: Some(3),
        ..Faults::default()
    })
    .await;
    let mut last = None;
    for _ in 0..5 {
        last = Some(sim.get(LIST).await);
    }
    let r = last.unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=10).contains(&retry));
    assert_eq!(r.headers()["x-ratelimit-limit"], "3");
    assert_eq!(r.headers()["x-ratelimit-remaining"], "0");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
}

#[tokio::test]
async fn outage_answers_503() {
    let sim = with_crm(Faults {
        outage: true,
        ..Faults::default()
    })
    .await;
    let r = sim.get(LIST).await;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unavailable");
}

#[tokio::test]
async fn malformed_rate_garbles_200_bodies() {
    let sim = with_crm(Faults {
        malformed_rate: 1.0,
        ..Faults::default()
    })
    .await;
    for _ in 0..2 {
        let r = sim.get(LIST).await;
        assert_eq!(r.status(), StatusCode::OK);
        let text = r.text().await.unwrap();
        assert!(serde_json::from_str::<Value>(&text).is_err(), "{text}");
    }
}

#[tokio::test]
async fn stall_sends_headers_then_holds_the_body() {
    let sim = with_crm(Faults {
        stall_ms: 400,
        ..Faults::default()
    })
    .await;
    let r = sim.get(LIST).await;
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "headers arrive before the stall"
    );
    let t = Instant::now();
    let body: Value = r.json().await.unwrap();
    assert!(t.elapsed() >= Duration::from_millis(300));
    assert!(
        body["items"].is_array(),
        "the body completes after the stall"
    );
}

#[tokio::test]
async fn control_endpoints_set_faults_and_move_the_clock() {
    let sim = demo().await;
    let r = sim
        .c
        .post(sim.url("/_sim/faults"))
        .json(&json!({"system": "erp", "outage": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        sim.get("/erp/v1/stock").await.status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    let r = sim
        .c
        .post(sim.url("/_sim/faults"))
        .json(&json!({"system": "erp"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(sim.get("/erp/v1/stock").await.status(), StatusCode::OK);
    let r = sim
        .c
        .post(sim.url("/_sim/faults"))
        .json(&json!({"system": "erp", "error_rat": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);

    let r = sim
        .c
        .post(sim.url("/_sim/advance"))
        .json(&json!({"seconds": 90}))
        .send()
        .await
        .unwrap();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["now"], "2026-12-01T10:01:30Z");
    let clock: Value = sim
        .c
        .get(sim.url("/_sim/clock"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(clock["now"], "2026-12-01T10:01:30Z");
    assert_eq!(sim.h.now().to_rfc3339(), "2026-12-01T10:01:30+00:00");
}

#[tokio::test]
async fn scenario_faults_apply_from_the_start() {
    let scenario = Scenario::parse("[faults.marketing]\noutage = true\n").unwrap();
    let sim = spawn(config(scenario)).await;
    assert_eq!(
        sim.get("/marketing/v1/campaigns").await.status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(sim.get("/crm/v1/sync-jobs").await.status(), StatusCode::OK);
}

fn opts(file: Option<&std::path::Path>) -> SimOpts {
    SimOpts {
        scenario: file.map(|p| p.to_path_buf()),
        seed: None,
        campaigns: None,
        speed: None,
        dialect: None,
    }
}

fn error_for(toml: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.toml");
    std::fs::write(&path, toml).unwrap();
    let err = SimConfig::from_opts(&opts(Some(&path)))
        .unwrap_err()
        .to_string();
    assert!(err.contains("s.toml"), "errors name the file: {err}");
    err
}

#[test]
fn scenario_errors_are_clear() {
    let err =
        SimConfig::from_opts(&opts(Some(std::path::Path::new("/no/such/file.toml")))).unwrap_err();
    assert!(err.to_string().contains("/no/such/file.toml"), "{err}");
    let cases = [
        ("seed = \"x\"", "seed"),
        ("spede = 3.0", "spede"),
        ("[[incident]]\nkind = \"meteor\"\nat = \"1m\"", "meteor"),
        (
            "[[incident]]\nkind = \"ctr_collapse\"\nat = \"soon\"",
            "invalid duration",
        ),
        (
            "[[incident]]\nkind = \"ctr_collapse\"\nat = \"1m\"\ncampaign = \"cmp-0999\"",
            "unknown campaign \"cmp-0999\"",
        ),
        (
            "[[incident]]\nkind = \"stock_out\"\nat = \"1m\"\nsku = \"SKU-1\"",
            "unknown sku",
        ),
        (
            "[[incident]]\nkind = \"sync_failure\"\nat = \"1m\"\njob = \"nope\"",
            "unknown job \"nope\"",
        ),
        (
            "[[incident]]\nkind = \"provider_outage\"\nat = \"1m\"\nprovider = \"mailgun\"",
            "unknown provider",
        ),
        ("[faults.crm]\nerror_rate = 2.0", "error_rate"),
        ("campaigns = 0", "campaigns must be"),
    ];
    for (toml, needle) in cases {
        let err = error_for(toml);
        assert!(err.contains(needle), "{toml:?} -> {err}");
    }
    assert!(
        error_for("[[incident]]\nkind = \"stock_out\"\nat = \"1m\"\nsku = \"SKU-1\"")
            .contains("incident #1")
    );
}

#[test]
fn options_override_the_file_and_defaults_hold() {
    let c = SimConfig::from_opts(&opts(None)).unwrap();
    assert_eq!(
        (c.seed, c.campaigns, c.speed, c.token.as_str()),
        (42, 60, 60.0, "demo-token")
    );
    assert_eq!(c.scenario.incidents.len(), 6);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("calm.toml");
    std::fs::write(&path, include_str!("../../examples/scenarios/calm.toml")).unwrap();
    let mut o = opts(Some(&path));
    o.seed = Some(9);
    o.campaigns = Some(200);
    o.speed = Some(0.0);
    let c = SimConfig::from_opts(&o).unwrap();
    assert_eq!((c.seed, c.campaigns, c.speed), (9, 200, 0.0));
    assert!(c.scenario.incidents.is_empty());
}
