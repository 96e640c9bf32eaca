//! The simulator over real loopback HTTP: determinism, every contract rule,
//! every fault knob, scenario errors and every incident kind.

#[path = "simulator/contract.rs"]
mod contract;
#[path = "simulator/faults.rs"]
mod faults;
#[path = "simulator/incidents.rs"]
mod incidents;

use chrono::{DateTime, TimeZone, Utc};
use mops::simulator::{self, Scenario, SimConfig, SimHandle};
use reqwest::{Response, StatusCode};
use serde_json::Value;

pub const TOKEN: &str = "test-token";

/// 2026-12-01 (a Tuesday) 10:00 UTC: a fixed start so hour buckets line up.
pub fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap()
}

pub fn config(scenario: Scenario) -> SimConfig {
    SimConfig {
        seed: scenario.seed.unwrap_or(42),
        campaigns: scenario.campaigns.unwrap_or(60),
        speed: 0.0,
        start: start(),
        token: TOKEN.into(),
        faults: scenario.faults.clone(),
        scenario,
    }
}

pub struct Sim {
    pub h: SimHandle,
    pub c: reqwest::Client,
}

pub async fn spawn(config: SimConfig) -> Sim {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let h = simulator::spawn(config).await.unwrap();
    Sim {
        h,
        c: reqwest::Client::new(),
    }
}

pub async fn demo() -> Sim {
    spawn(config(Scenario::demo())).await
}

impl Sim {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.h.base_url())
    }

    pub async fn get(&self, path: &str) -> Response {
        self.c
            .get(self.url(path))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap()
    }

    pub async fn json(&self, path: &str) -> Value {
        let r = self.get(path).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        r.json().await.unwrap()
    }

    pub async fn items(&self, path: &str) -> Vec<Value> {
        self.json(path).await["items"].as_array().unwrap().clone()
    }

    pub async fn post(&self, path: &str, key: &str, body: Value) -> Response {
        self.c
            .post(self.url(path))
            .bearer_auth(TOKEN)
            .header("Idempotency-Key", key)
            .header("X-Mops-Actor", "tester")
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub async fn post_as(&self, path: &str, actor: &str, body: Value) -> Response {
        self.c
            .post(self.url(path))
            .bearer_auth(TOKEN)
            .header("Idempotency-Key", uuid::Uuid::new_v4().to_string())
            .header("X-Mops-Actor", actor)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub fn advance_minutes(&self, m: i64) {
        self.h.advance(chrono::Duration::minutes(m));
    }

    /// All metric samples of one campaign, as (timestamp, metric) -> value.
    pub async fn metrics(&self, campaign: &str) -> Vec<Value> {
        self.items(&format!(
            "/marketing/v1/metrics?campaign={campaign}&limit=5000"
        ))
        .await
    }
}

/// The value of `metric` in the bucket at `hour` from a metrics list.
pub fn bucket(samples: &[Value], hour: DateTime<Utc>, metric: &str) -> f64 {
    let ts = hour.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    samples
        .iter()
        .find(|s| s["timestamp"] == ts.as_str() && s["metric"] == metric)
        .unwrap_or_else(|| panic!("no {metric} at {ts}"))["value"]
        .as_f64()
        .unwrap()
}

#[tokio::test]
async fn same_seed_same_world_and_other_seed_differs() {
    let paths = [
        "/marketing/v1/campaigns",
        "/marketing/v1/metrics?limit=5000",
        "/marketing/v1/providers",
        "/crm/v1/sync-jobs",
        "/erp/v1/stock",
        "/erp/v1/approvals?status=all",
    ];
    let a = demo().await;
    let b = demo().await;
    let mut other = config(Scenario::demo());
    other.seed = 7;
    let c = spawn(other).await;
    for sim in [&a, &b, &c] {
        sim.advance_minutes(90);
    }
    let mut differs = 0;
    for p in paths {
        let body = |s: &Sim| {
            let url = s.url(p);
            let client = s.c.clone();
            async move {
                client
                    .get(url)
                    .bearer_auth(TOKEN)
                    .send()
                    .await
                    .unwrap()
                    .bytes()
                    .await
                    .unwrap()
            }
        };
        let (x, y, z) = (body(&a).await, body(&b).await, body(&c).await);
        assert_eq!(x, y, "{p} differs between two sims with one seed");
        differs += usize::from(x != z);
    }
    assert!(
        differs >= 4,
        "another seed should give another world ({differs} of {} differ)",
        paths.len()
    );
}

#[tokio::test]
async fn healthz_answers_ok_without_auth() {
    let sim = demo().await;
    let r = sim.c.get(sim.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.text().await.unwrap(), "ok");
}

#[tokio::test]
async fn ten_thousand_campaigns_paginate_fully() {
    let mut cfg = config(Scenario::parse("").unwrap());
    cfg.campaigns = 10_000;
    let sim = spawn(cfg).await;
    let mut ids = std::collections::HashSet::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let q = cursor.map(|c| format!("&cursor={c}")).unwrap_or_default();
        let page = sim
            .json(&format!("/marketing/v1/campaigns?limit=5000{q}"))
            .await;
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 1000, "campaign pages are capped at 1000");
        for c in items {
            assert!(
                ids.insert(c["id"].as_str().unwrap().to_string()),
                "duplicate {}",
                c["id"]
            );
        }
        pages += 1;
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    assert_eq!(ids.len(), 10_000);
    assert_eq!(pages, 10);
}

#[tokio::test]
async fn run_serves_until_cancelled_and_the_clock_runs_at_speed() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let cancel = tokio_util::sync::CancellationToken::new();
    let cfg = SimConfig {
        speed: 60.0,
        ..config(Scenario::demo())
    };
    let task = tokio::spawn(simulator::run(listener, cfg, cancel.clone()));
    let c = reqwest::Client::new();
    let clock = |c: reqwest::Client, base: String| async move {
        let v: Value = c
            .get(format!("{base}/_sim/clock"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        DateTime::parse_from_rfc3339(v["now"].as_str().unwrap()).unwrap()
    };
    let t0 = clock(c.clone(), base.clone()).await;
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let t1 = clock(c.clone(), base.clone()).await;
    assert!(
        t1 - t0 >= chrono::Duration::seconds(6),
        "100 ms real is at least 6 s simulated"
    );
    cancel.cancel();
    task.await.unwrap().unwrap();
    assert!(
        c.get(format!("{base}/healthz")).send().await.is_err(),
        "stopped serving"
    );
}
