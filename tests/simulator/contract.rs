//! The common rules of docs/http-contract.md, one test per rule.

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{TOKEN, bucket, demo, start};

fn assert_error(body: &Value, code: &str) {
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );
}

#[tokio::test]
async fn bearer_auth_is_required_and_errors_use_the_envelope() {
    let sim = demo().await;
    let url = sim.url("/marketing/v1/campaigns");
    for req in [sim.c.get(&url), sim.c.get(&url).bearer_auth("wrong")] {
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert!(r.headers().contains_key("x-ratelimit-limit"));
        assert_error(&r.json().await.unwrap(), "unauthorized");
    }
    let r = sim.get("/marketing/v1/campaigns/cmp-9999/nothing").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(r.headers().contains_key("x-ratelimit-remaining"));
    assert_error(&r.json().await.unwrap(), "not_found");
    let r = sim
        .post("/marketing/v1/campaigns/cmp-9999/pause", "k-404", json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_error(&r.json().await.unwrap(), "not_found");
    let r = sim
        .c
        .delete(sim.url("/erp/v1/stock"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(r.headers().contains_key("x-ratelimit-remaining"));
    assert_error(&r.json().await.unwrap(), "bad_request");
    let r = sim.get("/marketing/v1/metrics?since=yesterday").await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_error(&r.json().await.unwrap(), "bad_request");
}

#[tokio::test]
async fn every_response_has_rate_limit_headers_and_lists_have_as_of() {
    let sim = demo().await;
    sim.advance_minutes(3);
    for p in [
        "/marketing/v1/campaigns",
        "/crm/v1/sync-jobs",
        "/erp/v1/approvals",
    ] {
        let r = sim.get(p).await;
        for h in [
            "x-ratelimit-limit",
            "x-ratelimit-remaining",
            "x-ratelimit-reset",
        ] {
            let v: u64 = r.headers()[h].to_str().unwrap().parse().unwrap();
            assert!(h != "x-ratelimit-limit" || v > 0);
        }
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["as_of"], "2026-12-01T10:03:00Z", "{p}");
        assert!(body.get("next_cursor").is_some());
    }
}

#[tokio::test]
async fn post_needs_an_idempotency_key_and_replays_the_first_answer() {
    let sim = demo().await;
    let path = "/marketing/v1/campaigns/cmp-0001/pause";
    let r = sim
        .c
        .post(sim.url(path))
        .bearer_auth(TOKEN)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_error(&r.json().await.unwrap(), "missing_idempotency_key");

    let first = sim.post(path, "key-1", json!({"reason": "test"})).await;
    assert_eq!(first.status(), StatusCode::OK);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first_body = first.bytes().await.unwrap();
    sim.advance_minutes(5);
    let again = sim.post(path, "key-1", json!({"reason": "test"})).await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(
        again.bytes().await.unwrap(),
        first_body,
        "the first answer, not a new one"
    );

    let other = sim
        .post(path, "key-1", json!({"reason": "different"}))
        .await;
    assert_eq!(other.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_error(&other.json().await.unwrap(), "idempotency_key_reused");

    // A fresh key shows it was applied exactly once: the campaign is paused.
    let fresh = sim.post(path, "key-2", json!({"reason": "test"})).await;
    assert_eq!(fresh.status(), StatusCode::CONFLICT);
    let body: Value = fresh.json().await.unwrap();
    assert_error(&body, "conflict");
    assert_eq!(body["error"]["details"]["current"], "paused");
    assert_eq!(body["error"]["details"]["by"], "tester");
    assert_eq!(body["error"]["details"]["at"], "2026-12-01T10:00:00Z");
    // A failed answer is stored too: replaying key-2 gives the same 409.
    let replay = sim.post(path, "key-2", json!({"reason": "test"})).await;
    assert_eq!(replay.status(), StatusCode::CONFLICT);
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
}

#[tokio::test]
async fn pause_resume_conflicts_and_paused_campaigns_stop_sending() {
    let sim = demo().await;
    let r = sim
        .post("/marketing/v1/campaigns/cmp-0004/resume", "r-1", json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["details"]["current"], "active");

    sim.advance_minutes(30);
    let r = sim
        .post(
            "/marketing/v1/campaigns/cmp-0004/pause",
            "p-1",
            json!({"reason": "x"}),
        )
        .await;
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["campaign"]["status"], "paused");
    sim.advance_minutes(150);
    let m = sim.metrics("cmp-0004").await;
    let h = |n| start() + Duration::hours(n);
    assert!(bucket(&m, h(-1), "sends") > 0.0);
    assert!(
        bucket(&m, h(0), "sends") > 0.0,
        "sent before the pause at 10:30"
    );
    assert_eq!(bucket(&m, h(1), "sends"), 0.0, "nothing after the pause");
    assert_eq!(bucket(&m, h(1), "spend"), 0.0);
    let spend_paused = sim.items("/marketing/v1/campaigns?limit=5").await[4]["spend"]
        .as_f64()
        .unwrap();

    let r = sim
        .post("/marketing/v1/campaigns/cmp-0004/resume", "r-2", json!({}))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["campaign"]["status"], "active");
    sim.advance_minutes(60);
    let spend_later = sim.items("/marketing/v1/campaigns?limit=5").await[4]["spend"]
        .as_f64()
        .unwrap();
    assert!(
        spend_later > spend_paused,
        "spend accumulates again after resume"
    );
}

#[tokio::test]
async fn etag_and_if_none_match_give_304() {
    let sim = demo().await;
    for p in [
        "/marketing/v1/campaigns",
        "/marketing/v1/metrics",
        "/erp/v1/stock",
        "/crm/v1/sync-jobs",
    ] {
        let r = sim.get(p).await;
        let etag = r.headers()["etag"].to_str().unwrap().to_string();
        let r = sim
            .c
            .get(sim.url(p))
            .bearer_auth(TOKEN)
            .header("If-None-Match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_MODIFIED, "{p}");
        assert!(r.bytes().await.unwrap().is_empty());
        let r = sim
            .c
            .get(sim.url(p))
            .bearer_auth(TOKEN)
            .header("If-None-Match", "\"other\"")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{p}");
    }
}

#[tokio::test]
async fn metrics_paginate_in_order_with_history_and_a_growing_open_hour() {
    let sim = demo().await;
    sim.advance_minutes(20);
    let first = sim.json("/marketing/v1/metrics?limit=999999").await;
    let items = first["items"].as_array().unwrap();
    assert_eq!(items.len(), 5000, "metrics limit is capped at 5000");
    assert_eq!(
        items[0]["timestamp"], "2026-11-24T10:00:00Z",
        "history starts 7 days back"
    );
    let mut all = items.clone();
    let mut cursor = first["next_cursor"].as_str().map(String::from);
    while let Some(c) = cursor {
        let page = sim
            .json(&format!("/marketing/v1/metrics?limit=5000&cursor={c}"))
            .await;
        all.extend(page["items"].as_array().unwrap().iter().cloned());
        cursor = page["next_cursor"].as_str().map(String::from);
    }
    let key = |s: &Value| {
        (
            s["timestamp"].as_str().unwrap().to_string(),
            s["campaign_id"].as_str().unwrap().to_string(),
        )
    };
    assert!(
        all.windows(2).all(|w| key(&w[0]) <= key(&w[1])),
        "ordered by timestamp then campaign"
    );
    assert_eq!(all.last().unwrap()["timestamp"], "2026-12-01T10:00:00Z");
    for chunk in all.chunks(8) {
        let v = |i: usize| chunk[i]["value"].as_f64().unwrap();
        assert!(
            v(1) <= v(0) && v(2) <= v(1) && v(3) <= v(2),
            "funnel order in {chunk:?}"
        );
        assert_eq!(v(4), v(0) - v(1), "bounces are undelivered sends");
    }

    let since = "2026-12-01T09:30:00Z";
    let open = sim
        .items(&format!(
            "/marketing/v1/metrics?since={since}&campaign=cmp-0001"
        ))
        .await;
    assert_eq!(open.len(), 8, "only the open 10:00 bucket is after {since}");
    sim.advance_minutes(20);
    let later = sim
        .items(&format!(
            "/marketing/v1/metrics?since={since}&campaign=cmp-0001"
        ))
        .await;
    assert_eq!(
        later[0]["timestamp"], open[0]["timestamp"],
        "the open bucket is re-sent"
    );
    assert!(
        later[0]["value"].as_f64() > open[0]["value"].as_f64(),
        "with its value so far"
    );
}

#[tokio::test]
async fn approval_steps_are_ordered_first_decision_wins_and_reject_ends_the_chain() {
    let sim = demo().await;
    sim.advance_minutes(4);
    let pending = sim.items("/erp/v1/approvals").await;
    let fin = pending
        .iter()
        .find(|r| r["id"] == "apr-fin-1")
        .expect("finance incident request");
    assert_eq!(fin["steps"][0]["status"], "approved");
    assert_eq!(fin["steps"][1]["id"], "finance");
    assert_eq!(
        fin["steps"][1]["rule"], "all",
        "120k needs every finance approver"
    );

    let path = |step: &str| format!("/erp/v1/approvals/apr-fin-1/steps/{step}/decision");
    let r = sim
        .post_as(&path("legal"), "lena.s", json!({"verdict": "approve"}))
        .await;
    assert_eq!(
        r.status(),
        StatusCode::NOT_FOUND,
        "no legal step on a non-regulated request"
    );
    let r = sim
        .post_as(&path("marketing"), "tom.b", json!({"verdict": "approve"}))
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["details"]["by"], "maria.k");

    let r = sim
        .post_as(
            &path("finance"),
            "fiona.c",
            json!({"verdict": "approve", "reason": "ok"}),
        )
        .await;
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        body["request"]["status"], "pending",
        "All rule: frank.d still has to sign"
    );
    let r = sim
        .post_as(&path("finance"), "fiona.c", json!({"verdict": "approve"}))
        .await;
    assert_eq!(
        r.status(),
        StatusCode::CONFLICT,
        "one signature per approver"
    );
    let r = sim
        .post_as(&path("finance"), "frank.d", json!({"verdict": "approve"}))
        .await;
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["request"]["status"], "approved");
    assert_eq!(body["request"]["steps"][1]["decisions"][1]["by"], "frank.d");

    // A regular request with several steps: deciding out of order is 422, reject ends it.
    sim.advance_minutes(24 * 60);
    let all = sim.items("/erp/v1/approvals?status=pending").await;
    let multi = all.iter().find(|r| {
        r["steps"].as_array().unwrap().len() >= 2 && r["steps"][0]["status"] == "pending"
    });
    let multi = multi.expect("a pending multi-step request within a day");
    let id = multi["id"].as_str().unwrap();
    let second = multi["steps"][1]["id"].as_str().unwrap();
    let p = |s: &str| format!("/erp/v1/approvals/{id}/steps/{s}/decision");
    let r = sim
        .post_as(&p(second), "x", json!({"verdict": "approve"}))
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid");
    let r = sim
        .post_as(
            &p("marketing"),
            "ops",
            json!({"verdict": "reject", "reason": "no"}),
        )
        .await;
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["request"]["status"], "rejected");
    let r = sim
        .post_as(&p(second), "x", json!({"verdict": "approve"}))
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["details"]["current"], "rejected");
    assert_eq!(body["error"]["details"]["by"], "ops");
    let r = sim.get("/erp/v1/approvals?status=bogus").await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
}
