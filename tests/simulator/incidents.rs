//! Every scripted incident kind of the demo scenario, seen through the API
//! after moving the simulated clock.

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{Sim, bucket, config, demo, spawn, start};
use mops::simulator::Scenario;

fn h(n: i64) -> chrono::DateTime<chrono::Utc> {
    start() + Duration::hours(n)
}

async fn campaign(sim: &Sim, id: &str) -> Value {
    let all = sim.items("/marketing/v1/campaigns").await;
    all.into_iter().find(|c| c["id"] == id).unwrap()
}

#[tokio::test]
async fn provider_outage_collapses_email_until_backup_provider() {
    let sim = demo().await;
    let providers = sim.items("/marketing/v1/providers").await;
    assert!(providers.iter().all(|p| p["status"] == "up"));
    sim.advance_minutes(60);
    let providers = sim.items("/marketing/v1/providers").await;
    let sendgrid = providers.iter().find(|p| p["name"] == "sendgrid").unwrap();
    assert_eq!(sendgrid["status"], "down");
    assert_eq!(sendgrid["since"], "2026-12-01T10:05:00Z");

    // cmp-0000 and cmp-0006 are email on sendgrid; only cmp-0000 falls back.
    let r = sim
        .post(
            "/marketing/v1/campaigns/cmp-0000/fallback",
            "f-1",
            json!({"kind": "backup_provider", "reason": "outage"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["campaign"]["fallback"], "backup_provider");
    assert_eq!(body["campaign"]["provider"], "backup-ses");
    let r = sim
        .post(
            "/marketing/v1/campaigns/cmp-0000/fallback",
            "f-2",
            json!({"kind": "backup_provider"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);

    sim.advance_minutes(60);
    let rate = |m: &[Value], hour, metric| bucket(m, hour, metric) / bucket(m, hour, "sends");
    let stuck = sim.metrics("cmp-0006").await;
    assert!(rate(&stuck, h(-1), "deliveries") > 0.9);
    assert!(
        rate(&stuck, h(1), "deliveries") < 0.1,
        "deliveries collapse during the outage"
    );
    assert!(rate(&stuck, h(1), "bounces") > 0.9, "bounces spike");
    let saved = sim.metrics("cmp-0000").await;
    assert!(
        rate(&saved, h(0), "deliveries") < 0.9,
        "outage hit before the fallback"
    );
    assert!(
        rate(&saved, h(1), "deliveries") > 0.9,
        "backup provider restores deliveries"
    );
    // Other channels are untouched.
    let sms = sim.metrics("cmp-0001").await;
    assert!(rate(&sms, h(1), "deliveries") > 0.9);
}

#[tokio::test]
async fn ctr_collapse_and_budget_overpace_show_in_hourly_metrics() {
    let sim = demo().await;
    sim.advance_minutes(180);
    let m = sim.metrics("cmp-0003").await;
    let ctr = |hour| bucket(&m, hour, "clicks") / bucket(&m, hour, "opens");
    assert!(
        ctr(h(1)) < ctr(h(-1)) * 0.2,
        "clicks collapse: {} vs {}",
        ctr(h(1)),
        ctr(h(-1))
    );
    let m = sim.metrics("cmp-0005").await;
    let cost = |hour| bucket(&m, hour, "spend") / bucket(&m, hour, "sends");
    assert!(
        cost(h(1)) > cost(h(-1)) * 4.0,
        "spend runs at a multiple of plan"
    );
    let before = campaign(&sim, "cmp-0005").await["spend"].as_f64().unwrap();
    sim.advance_minutes(60);
    let after = campaign(&sim, "cmp-0005").await["spend"].as_f64().unwrap();
    let hour_spend = bucket(&sim.metrics("cmp-0005").await, h(3), "spend");
    assert!(
        (after - before - hour_spend).abs() < 0.05,
        "Campaign.spend accumulates the hourly spend"
    );
}

#[tokio::test]
async fn sync_failure_fails_the_job_until_an_operator_retries() {
    let sim = demo().await;
    let jobs = sim.items("/crm/v1/sync-jobs").await;
    assert_eq!(jobs.len(), 6);
    let path = "/crm/v1/sync-jobs/crm-to-marketing-audience/retry";
    let r = sim.post(path, "s-0", json!({"reason": "early"})).await;
    assert_eq!(r.status(), StatusCode::CONFLICT, "not failing yet");
    sim.advance_minutes(20);
    let jobs = sim.items("/crm/v1/sync-jobs").await;
    let job = jobs
        .iter()
        .find(|j| j["id"] == "crm-to-marketing-audience")
        .unwrap();
    assert_eq!(job["status"], "failed");
    assert_eq!(
        job["error"],
        "HTTP 502 Bad Gateway from marketing audience API"
    );
    assert!(job["retries"].as_u64().unwrap() >= 1);
    assert!(job["next_retry"].is_string() && job["failing_since"].is_string());
    let failures = sim
        .items("/crm/v1/sync-jobs/failures?since=2026-12-01T10:00:00Z")
        .await;
    assert!(
        failures
            .iter()
            .any(|f| f["job_id"] == "crm-to-marketing-audience")
    );
    let ats: Vec<&str> = failures.iter().map(|f| f["at"].as_str().unwrap()).collect();
    assert!(ats.windows(2).all(|w| w[0] >= w[1]), "newest first");

    let r = sim
        .post(path, "s-1", json!({"reason": "fixed upstream"}))
        .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["job"]["status"], "retrying");
    sim.advance_minutes(2);
    let jobs = sim.items("/crm/v1/sync-jobs").await;
    let job = jobs
        .iter()
        .find(|j| j["id"] == "crm-to-marketing-audience")
        .unwrap();
    assert_eq!(job["status"], "ok");
    assert!(job["error"].is_null());
}

#[tokio::test]
async fn stock_out_empties_the_sku_and_stock_draws_down() {
    let sim = demo().await;
    let levels = sim.items("/erp/v1/stock?sku=SKU-1005").await;
    assert_eq!(levels.len(), 2, "two warehouses");
    assert!(levels.iter().all(|l| l["on_hand"].as_f64().unwrap() > 0.0));
    sim.advance_minutes(40);
    let levels = sim.items("/erp/v1/stock?sku=SKU-1005").await;
    assert!(levels.iter().all(|l| l["on_hand"] == 0.0), "{levels:?}");
    assert!(
        levels
            .iter()
            .all(|l| l["daily_sell_through"].as_f64().unwrap() > 0.0)
    );
    assert!(sim.items("/erp/v1/stock?sku=SKU-9999").await.is_empty());

    let calm = spawn(config(Scenario::parse("").unwrap())).await;
    let total = |levels: &[Value]| {
        levels
            .iter()
            .map(|l| l["on_hand"].as_f64().unwrap())
            .sum::<f64>()
    };
    let before = calm.items("/erp/v1/stock").await;
    assert_eq!(before.len(), 80);
    calm.advance_minutes(4 * 60);
    let after = calm.items("/erp/v1/stock").await;
    let drawn = before
        .iter()
        .zip(&after)
        .filter(|(b, a)| a["on_hand"].as_f64() < b["on_hand"].as_f64())
        .count();
    assert!(
        drawn >= 20,
        "conversions draw stock down ({drawn} of 80 levels fell)"
    );
    assert!(total(&after) < total(&before));
}

#[tokio::test]
async fn hostile_campaign_name_reaches_the_wire_unchanged() {
    let sim = demo().await;
    let c = campaign(&sim, "cmp-0007").await;
    let name = c["name"].as_str().unwrap();
    assert!(
        name.contains("\u{1b}]0;pwned\u{7}")
            && name.contains("\u{1b}[31m")
            && name.contains('\u{202e}')
    );
}
