use serde_json::Value;

use super::support::{self, campaign};

fn audit(env_out: &str) -> Vec<Value> {
    env_out
        .lines()
        .map(|l| serde_json::from_str(l).expect("audit line is JSON"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_applies_then_a_second_pause_conflicts_naming_who() {
    let env = support::start(true).await;
    assert_eq!(campaign(&env, "cmp-0001").await["status"], "active");

    let dry = env
        .mops(&[
            "pause",
            "cmp-0001",
            "--reason",
            "test",
            "--dry-run",
            "-o",
            "json",
        ])
        .await;
    assert_eq!(dry.code, 0, "{dry:?}");
    let d = dry.json();
    assert_eq!(d["dry_run"], true);
    assert_eq!(d["method"], "POST");
    assert_eq!(
        d["url"],
        format!("{}/campaigns/cmp-0001/pause", env.sim.marketing_url())
    );
    assert_eq!(d["headers"]["Authorization"], "Bearer ***");
    assert_eq!(d["headers"]["X-Mops-Actor"], "ana");
    assert!(d["headers"]["Idempotency-Key"].as_str().unwrap().len() == 36);
    assert_eq!(d["body"], serde_json::json!({"reason": "test"}));
    assert!(!dry.stdout.contains("demo-token"));
    // Nothing changed, nothing queued.
    assert_eq!(campaign(&env, "cmp-0001").await["status"], "active");
    let outbox = env.mops(&["outbox", "list", "-o", "json"]).await;
    assert_eq!(outbox.json(), serde_json::json!([]));

    let run = env
        .mops(&[
            "pause",
            "cmp-0001",
            "--reason",
            "provider down",
            "--until",
            "2h",
        ])
        .await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.starts_with("applied: pause cmp-0001"), "{run:?}");
    assert_eq!(campaign(&env, "cmp-0001").await["status"], "paused");

    let again = env
        .mops_as(
            "bo",
            "operator",
            &["pause", "cmp-0001", "--reason", "me too", "-o", "json"],
        )
        .await;
    assert_eq!(again.code, 1, "{again:?}");
    let a = again.json();
    assert_eq!(a["outcome"], "conflict");
    assert!(a["message"].as_str().unwrap().contains("by ana"), "{a}");
    assert_eq!(a["command"]["actor"], "bo");

    let log = env.mops(&["audit", "export"]).await;
    let entries = audit(&log.stdout);
    let outcomes: Vec<(&str, &str, &str)> = entries
        .iter()
        .map(|e| {
            (
                e["actor"].as_str().unwrap(),
                e["action"].as_str().unwrap(),
                e["outcome"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        [
            ("ana", "pause", "queued"),
            ("ana", "pause", "applied"),
            ("bo", "pause", "queued"),
            ("bo", "pause", "conflict"),
        ]
    );
    assert!(
        entries[1]["reason"]
            .as_str()
            .unwrap()
            .starts_with("provider down [until ")
    );
    let verify = env.mops(&["audit", "verify"]).await;
    assert_eq!(verify.code, 0, "{verify:?}");
    assert!(verify.stdout.contains("intact: 4 entries"), "{verify:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readonly_viewer_and_production_refusals_change_nothing() {
    let mut env = support::start(true).await;
    let ro = env
        .mops(&["--readonly", "pause", "cmp-0001", "--reason", "x"])
        .await;
    assert_eq!(ro.code, 2, "{ro:?}");
    assert!(ro.stderr.contains("read-only"), "{ro:?}");
    let viewer = env
        .mops_as("vic", "viewer", &["resume", "cmp-0001", "--reason", "x"])
        .await;
    assert_eq!(viewer.code, 2, "{viewer:?}");
    assert!(viewer.stderr.contains("vic is a viewer"), "{viewer:?}");
    let operator = env.mops(&["approve", "apr-0005", "--step", "legal"]).await;
    assert_eq!(operator.code, 2, "{operator:?}");
    assert!(
        operator.stderr.contains("needs the approver role"),
        "{operator:?}"
    );

    env.with_config("production = true");
    let prod = env.mops(&["pause", "cmp-0001", "--reason", "x"]).await;
    assert_eq!(prod.code, 2, "{prod:?}");
    assert!(prod.stderr.contains("--yes"), "{prod:?}");
    assert_eq!(campaign(&env, "cmp-0001").await["status"], "active");
    // Nothing was queued, but every refusal is in the audit trail.
    let outbox = env.mops(&["outbox", "list", "-o", "json"]).await;
    assert_eq!(outbox.json(), serde_json::json!([]), "{outbox:?}");
    let trail = audit(&env.mops(&["audit", "export"]).await.stdout);
    let refused: Vec<(&str, &str)> = trail
        .iter()
        .map(|e| (e["actor"].as_str().unwrap(), e["outcome"].as_str().unwrap()))
        .collect();
    assert_eq!(
        refused,
        vec![
            ("ana", "refused"),
            ("vic", "refused"),
            ("ana", "refused"),
            ("ana", "refused")
        ],
        "{trail:?}"
    );

    let yes = env
        .mops(&[
            "pause",
            "cmp-0001",
            "--reason",
            "x",
            "--yes",
            "--until",
            "2020-01-01T00:00:00Z",
        ])
        .await;
    assert_eq!(yes.code, 0, "{yes:?}");
    assert_eq!(campaign(&env, "cmp-0001").await["status"], "paused");
    // The time box has passed and nobody resumed it: status says so.
    let status = env.mops(&["status", "-o", "json"]).await;
    assert!(status.code >= 1, "{status:?}");
    let s = status.json();
    assert_eq!(s["areas"][0]["level"], "warning", "{s}");
    assert!(
        s["areas"][0]["summary"]
            .as_str()
            .unwrap()
            .contains("pause ended, still paused: cmp-0001")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_pause_queues_and_flush_delivers_it_exactly_once() {
    let mut env = support::start(true).await;
    // Fill the cache, then lose every vendor system.
    assert_eq!(env.mops(&["status"]).await.code, 0);
    support::stop_sim(&env).await;
    let run = env
        .mops(&[
            "pause",
            "cmp-0004",
            "--reason",
            "offline",
            "--idempotency-key",
            "11111111-2222-4333-8444-555555555555",
        ])
        .await;
    assert_eq!(run.code, 4, "{run:?}");
    assert!(
        run.stdout
            .contains("queued in the outbox; it will be sent when marketing is reachable"),
        "{run:?}"
    );
    let list = env.mops(&["outbox", "-o", "json"]).await;
    let _ = list; // default action is list, in table form
    let list = env.mops(&["outbox", "list", "-o", "json"]).await.json();
    assert_eq!(list[0]["status"], "queued");
    assert_eq!(list[0]["action"], "pause");
    assert_eq!(list[0]["target"], "cmp-0004");
    // Still offline: flush keeps it.
    let still = env.mops(&["outbox", "flush"]).await;
    assert_eq!(still.code, 4, "{still:?}");

    // Reads still answer, from the cache, saying so.
    let cached = env.mops(&["campaigns", "cmp-0004", "-o", "json"]).await;
    assert_eq!(cached.code, 0, "{cached:?}");
    assert_eq!(cached.json()[0]["status"], "active");
    assert!(
        cached.stderr.contains("Marketing: unreachable, from cache"),
        "{cached:?}"
    );

    support::restart_sim(&mut env, true).await;
    assert_eq!(campaign(&env, "cmp-0004").await["status"], "active");
    let flush = env.mops(&["outbox", "flush"]).await;
    assert_eq!(flush.code, 0, "{flush:?}");
    assert!(
        flush.stdout.contains("applied: pause cmp-0004"),
        "{flush:?}"
    );
    assert_eq!(campaign(&env, "cmp-0004").await["status"], "paused");
    let second = env.mops(&["outbox", "flush"]).await;
    assert_eq!(second.code, 0);
    assert!(
        second.stdout.contains("0 delivered, nothing pending"),
        "{second:?}"
    );

    // A script retrying with the same key gets the recorded answer, not a
    // second pause (which would be a conflict).
    let retry = env
        .mops(&[
            "pause",
            "cmp-0004",
            "--reason",
            "offline",
            "--idempotency-key",
            "11111111-2222-4333-8444-555555555555",
        ])
        .await;
    assert_eq!(retry.code, 0, "{retry:?}");
    let entries = audit(&env.mops(&["audit", "export"]).await.stdout);
    let applied = entries
        .iter()
        .filter(|e| e["outcome"] == "applied" && e["target"] == "cmp-0004")
        .count();
    assert_eq!(applied, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approve_fallback_retry_and_ack_go_through_the_outbox() {
    let env = support::start(false).await;
    assert_eq!(env.mops(&["status"]).await.code, 0);
    env.sim.advance(chrono::Duration::minutes(20));

    let approve = env
        .mops_as(
            "fiona.c",
            "approver",
            &["approve", "apr-fin-1", "--reason", "budget ok"],
        )
        .await;
    assert_eq!(approve.code, 0, "{approve:?}");
    assert!(
        approve
            .stdout
            .starts_with("applied: approve apr-fin-1/finance"),
        "{approve:?}"
    );
    let reject = env
        .mops(&["reject", "apr-fin-1", "--step", "finance"])
        .await;
    assert_ne!(reject.code, 0, "reject without a reason: {reject:?}");

    let fb = env
        .mops(&[
            "fallback",
            "cmp-0000",
            "--kind",
            "backup-provider",
            "--reason",
            "sendgrid down",
            // The demo's audience sync is failing too: the override is explicit.
            "--override-compliance",
        ])
        .await;
    assert_eq!(fb.code, 0, "{fb:?}");
    let c = campaign(&env, "cmp-0000").await;
    assert_eq!(c["provider"], "backup-ses");

    let throttle = env
        .mops(&[
            "throttle",
            "cmp-0005",
            "--percent",
            "25",
            "--reason",
            "overpacing",
        ])
        .await;
    assert_eq!(throttle.code, 0, "{throttle:?}");
    let same = env
        .mops(&[
            "throttle",
            "cmp-0005",
            "--percent",
            "25",
            "--reason",
            "again",
        ])
        .await;
    assert_eq!(same.code, 1, "already at 25%: {same:?}");
    let too_much = env
        .mops(&["throttle", "cmp-0005", "--percent", "101", "--reason", "x"])
        .await;
    assert_eq!(too_much.code, 2, "usage error: {too_much:?}");

    let retry = env
        .mops(&[
            "retry-sync",
            "crm-to-marketing-audience",
            "--reason",
            "upstream fixed",
        ])
        .await;
    assert_eq!(retry.code, 0, "{retry:?}");
    let again = env.mops(&["retry-sync", "crm-to-marketing-audience"]).await;
    assert_eq!(again.code, 1, "already retrying: {again:?}");

    let unknown = env.mops(&["ack", "no-such/alert"]).await;
    assert_eq!(unknown.code, 2, "{unknown:?}");
    let ack_dry = env.mops(&["ack", "x", "--dry-run"]).await;
    assert_eq!(ack_dry.code, 0);
    assert!(ack_dry.stdout.contains("no request is sent"));

    for _ in 0..3 {
        env.sim.advance(chrono::Duration::minutes(10));
        env.mops(&["status"]).await;
    }
    let alerts = env.mops(&["alerts", "-o", "json"]).await.json();
    let fp = alerts[0]["fingerprint"]
        .as_str()
        .expect("an alert")
        .to_string();
    let ack = env.mops(&["ack", &fp]).await;
    assert_eq!(ack.code, 0, "{ack:?}");
    let alerts = env.mops(&["alerts", "-o", "json"]).await.json();
    let acked = alerts
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["fingerprint"] == fp.as_str())
        .unwrap();
    assert_eq!(acked["acked_by"], "ana");
    assert_eq!(env.mops(&["audit", "verify"]).await.code, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_during_a_failing_audience_sync_needs_an_explicit_override() {
    let env = support::start(false).await;
    // The demo scenario fails the CRM -> marketing audience sync from 8 min on.
    env.sim.advance(chrono::Duration::minutes(10));
    let pause = env.mops(&["pause", "cmp-0002", "--reason", "test"]).await;
    assert_eq!(pause.code, 0, "{pause:?}");
    let refused = env
        .mops(&["resume", "cmp-0002", "--reason", "looks fine"])
        .await;
    assert_eq!(refused.code, 2, "{refused:?}");
    assert!(
        refused.stderr.contains("compliance override needed")
            && refused.stderr.contains("crm-to-marketing-audience")
                | refused.stderr.contains("audience"),
        "{refused:?}"
    );
    assert_eq!(campaign(&env, "cmp-0002").await["status"], "paused");
    let overridden = env
        .mops(&[
            "resume",
            "cmp-0002",
            "--reason",
            "opt-outs checked by hand with the CRM team",
            "--override-compliance",
        ])
        .await;
    assert_eq!(overridden.code, 0, "{overridden:?}");
    assert!(
        overridden.stderr.contains("compliance override recorded"),
        "{overridden:?}"
    );
    assert_eq!(campaign(&env, "cmp-0002").await["status"], "active");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttle_override_holds_a_level_until_it_expires_and_is_audited() {
    let env = support::start(false).await;
    assert_eq!(env.mops(&["status"]).await.code, 0);
    env.sim.advance(chrono::Duration::minutes(40)); // SKU-1005 runs out
    let before = env.mops(&["throttles", "-o", "json"]).await.json();
    let target = before
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["sku"] == "SKU-1005")
        .and_then(|t| t["campaign_id"].as_str())
        .expect("a SKU-1005 throttle")
        .to_string();
    let refused = env
        .mops_as(
            "vic",
            "viewer",
            &[
                "throttle-override",
                &target,
                "--level",
                "full",
                "--until",
                "6h",
                "--reason",
                "x",
            ],
        )
        .await;
    assert_eq!(refused.code, 2, "{refused:?}");
    let ok = env
        .mops(&[
            "throttle-override",
            &target,
            "--level",
            "full",
            "--until",
            "6h",
            "--reason",
            "restock lands tonight",
        ])
        .await;
    assert_eq!(ok.code, 0, "{ok:?}");
    let after = env.mops(&["throttles", "-o", "json"]).await.json();
    assert!(
        !after
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["campaign_id"] == target.as_str()),
        "the override holds {target} at full speed: {after}"
    );
    let exported = env.mops(&["audit", "export"]).await;
    let lines = audit(&exported.stdout);
    assert!(
        lines
            .iter()
            .any(|e| e["action"] == "throttle-override" && e["target"] == target.as_str()),
        "{lines:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decisions_are_checked_locally_against_the_live_chain() {
    let env = support::start(false).await;
    env.sim.advance(chrono::Duration::minutes(20));
    // apr-fin-1 waits on finance; an approver with only the legal scope is
    // refused before anything is queued, and the refusal is audited.
    let wrong_scope = env
        .mops_scoped(
            "lena.s",
            "approver",
            "legal",
            &["approve", "apr-fin-1", "--reason", "ok"],
        )
        .await;
    assert_eq!(wrong_scope.code, 2, "{wrong_scope:?}");
    assert!(
        wrong_scope
            .stderr
            .contains("finance.approve approval scope"),
        "{wrong_scope:?}"
    );
    // maria.k signed the marketing step: four-eyes forbids a second step.
    let second_step = env
        .mops_as(
            "maria.k",
            "approver",
            &["approve", "apr-fin-1", "--reason", "ok"],
        )
        .await;
    assert_eq!(second_step.code, 2, "{second_step:?}");
    assert!(second_step.stderr.contains("four-eyes"), "{second_step:?}");
    let trail = audit(&env.mops(&["audit", "export"]).await.stdout);
    assert_eq!(
        trail.iter().filter(|e| e["outcome"] == "refused").count(),
        2,
        "{trail:?}"
    );
    let pending = env.mops(&["outbox", "list", "-o", "json"]).await;
    assert_eq!(pending.json(), serde_json::json!([]), "{pending:?}");
}
