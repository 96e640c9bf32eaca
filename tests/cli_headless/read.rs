use mops::domain::System;
use serde_json::Value;

use super::support;

const CAMPAIGN_FIELDS: &[&str] = &[
    "id",
    "name",
    "channel",
    "status",
    "owner",
    "provider",
    "fallback",
    "budget",
    "spend",
    "pacing",
    "ctr",
    "health",
    "health_reasons",
    "alert",
    "throttle",
];

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

fn sorted(fields: &[&str]) -> Vec<String> {
    let mut k: Vec<String> = fields.iter().map(|s| s.to_string()).collect();
    k.sort();
    k
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_is_ok_when_calm_and_unknown_when_a_source_is_down_and_stale() {
    let mut env = support::start(true).await;
    // Any cached data counts as stale, so the outage below is "unknown".
    env.with_config("stale_after_secs = 0");
    let run = env.mops(&["status", "-o", "json"]).await;
    let s = run.json();
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(s["overall"], "ok");
    assert_eq!(s["exit_code"], 0);
    assert_eq!(s["profile"], "default");
    let areas: Vec<&str> = s["areas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["area"].as_str().unwrap())
        .collect();
    assert_eq!(
        areas,
        [
            "campaigns",
            "sync",
            "alerts",
            "throttles",
            "approvals",
            "sources"
        ]
    );
    for src in s["sources"].as_array().unwrap() {
        assert_eq!(src["state"], "live", "{src}");
        assert_eq!(src["stale"], false);
        assert!(src["fetched_at"].is_string());
    }
    assert!(run.stderr.is_empty(), "{run:?}");

    env.outage(System::Crm);
    let run = env.mops(&["status", "-o", "json"]).await;
    assert_eq!(run.code, 3, "{run:?}");
    let s = run.json();
    assert_eq!(s["overall"], "unknown");
    let crm = &s["sources"][1];
    assert_eq!(crm["system"], "crm");
    assert_eq!(crm["state"], "cached");
    assert_eq!(crm["stale"], true);
    assert!(crm["error"].as_str().unwrap().contains("503"), "{crm}");
    assert_eq!(s["sources"][0]["state"], "live");
    // JSON stays parseable; the provenance note goes to stderr.
    assert!(
        run.stderr.contains("CRM: unreachable, from cache"),
        "{run:?}"
    );

    let table = env.mops(&["status"]).await;
    assert_eq!(table.code, 3);
    assert!(
        table.stdout.starts_with("# data: CRM: unreachable"),
        "{table:?}"
    );
    assert!(table.stdout.contains("UNKNOWN"), "{table:?}");
    // Sync jobs still come from the cache.
    let sync = env.mops(&["sync", "-o", "json"]).await;
    assert_eq!(sync.code, 0);
    assert_eq!(sync.json().as_array().unwrap().len(), 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn campaigns_in_every_format_with_the_tui_filter() {
    let env = support::start(true).await;
    let run = env.mops(&["campaigns", "-o", "json"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    let all = run.json();
    let all = all.as_array().unwrap();
    assert_eq!(all.len(), 60);
    for c in all {
        assert_eq!(keys(c), sorted(CAMPAIGN_FIELDS), "{c}");
        assert!(c["id"].as_str().unwrap().starts_with("cmp-"));
        assert!(c["budget"].is_f64());
        assert!(c["health_reasons"].is_array());
        assert!(
            ["draft", "scheduled", "active", "paused", "completed"]
                .contains(&c["status"].as_str().unwrap())
        );
    }
    let c0 = all.iter().find(|c| c["id"] == "cmp-0000").unwrap();
    assert_eq!(c0["channel"], "email");
    assert_eq!(c0["status"], "active");
    assert_eq!(c0["provider"], "sendgrid");
    assert!(c0["health"].as_u64().unwrap() <= 100);

    let paused = env
        .mops(&["campaigns", "status=paused", "-o", "json"])
        .await;
    let paused = paused.json();
    let paused = paused.as_array().unwrap();
    let expected = all.iter().filter(|c| c["status"] == "paused").count();
    assert!(expected > 0);
    assert_eq!(paused.len(), expected);
    let both = env
        .mops(&[
            "campaigns",
            "channel=email",
            "--filter",
            "status=active",
            "-o",
            "json",
        ])
        .await
        .json();
    for c in both.as_array().unwrap() {
        assert_eq!(
            (c["channel"].as_str(), c["status"].as_str()),
            (Some("email"), Some("active"))
        );
    }

    let csv = env.mops(&["campaigns", "-o", "csv"]).await;
    assert_eq!(csv.code, 0);
    let mut lines = csv.stdout.lines();
    assert_eq!(lines.next().unwrap(), CAMPAIGN_FIELDS.join(","));
    assert_eq!(lines.count(), 60);

    let table = env.mops(&["campaigns"]).await;
    assert_eq!(table.code, 0);
    assert!(table.stdout.starts_with("ID "), "{table:?}");
    assert_eq!(table.stdout.lines().count(), 61);
    for line in table.stdout.lines() {
        assert!(line.chars().count() <= 80, "{line:?}");
    }

    let bad = env.mops(&["campaigns", "colour=red"]).await;
    assert_ne!(bad.code, 0);
    assert!(bad.stderr.contains("unknown field"), "{bad:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_approvals_sync_and_throttles_after_the_demo_incidents() {
    let env = support::start(false).await;
    // Fill the cache and teach the engine the pre-incident world.
    assert_eq!(env.mops(&["status"]).await.code, 0);
    env.sim.advance(chrono::Duration::minutes(40));

    let approvals = env.mops(&["approvals", "-o", "json"]).await;
    assert_eq!(approvals.code, 0, "{approvals:?}");
    let approvals = approvals.json();
    let fin = approvals
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == "apr-fin-1")
        .expect("the finance approval incident")
        .clone();
    assert_eq!(fin["campaign_id"], "cmp-0002");
    assert_eq!(fin["budget"], 120000.0);
    assert_eq!(fin["status"], "pending");
    assert_eq!(fin["current_step"], "finance");
    assert_eq!(fin["waiting_on"], serde_json::json!(["fiona.c", "frank.d"]));
    assert_eq!(fin["steps_signed"], 1);
    assert_eq!(fin["overdue"], false);
    assert!(fin["due_in_secs"].as_i64().unwrap() > 0);
    let only = env
        .mops(&[
            "approvals",
            "current_step=finance",
            "budget>=100000",
            "-o",
            "json",
        ])
        .await;
    assert!(
        only.json()
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["current_step"] == "finance")
    );

    let sync = env
        .mops(&["sync", "status=failed", "-o", "json"])
        .await
        .json();
    let failing = sync.as_array().unwrap();
    let job = failing
        .iter()
        .find(|j| j["id"] == "crm-to-marketing-audience")
        .unwrap_or_else(|| panic!("{sync}"));
    assert_eq!(job["failing"], true);
    assert_eq!(job["source"], "crm");
    assert_eq!(job["target"], "marketing");
    assert!(job["error"].as_str().unwrap().contains("502"));
    assert!(job["failing_since"].is_string());

    let throttles = env.mops(&["throttles", "-o", "json"]).await;
    assert_eq!(throttles.code, 0);
    let t = throttles.json();
    let t = t.as_array().unwrap();
    assert!(t.iter().any(|t| t["sku"] == "SKU-1005"), "{t:?}");
    for row in t {
        assert!(["throttled", "paused"].contains(&row["level"].as_str().unwrap()));
        assert!(row["rule"].is_string() && row["campaign_id"].is_string());
    }
    let csv = env.mops(&["throttles", "-o", "csv"]).await;
    assert!(
        csv.stdout
            .starts_with("campaign_id,campaign_name,level,factor,sku,")
    );

    // Alerts: the engine needs a few evaluations to move pending -> firing.
    for _ in 0..2 {
        env.sim.advance(chrono::Duration::minutes(10));
        assert!(env.mops(&["status"]).await.code <= 2);
    }
    let alerts = env.mops(&["alerts", "-o", "json"]).await;
    assert_eq!(alerts.code, 0);
    let alerts = alerts.json();
    let alerts = alerts.as_array().unwrap();
    assert!(!alerts.is_empty(), "no alerts after the demo incidents");
    for a in alerts {
        assert!(a["fingerprint"].is_string());
        assert!(["info", "warning", "critical"].contains(&a["severity"].as_str().unwrap()));
        assert!(["pending", "firing", "resolved"].contains(&a["state"].as_str().unwrap()));
        assert!(a["since"].is_string() && a["summary"].is_string());
        assert!(a["observed"].is_number() && a["score"].is_number());
    }
    let firing = env.mops(&["alerts", "state=firing", "-o", "csv"]).await;
    assert_eq!(firing.code, 0);
    assert!(
        firing
            .stdout
            .starts_with("fingerprint,campaign_id,signal,severity,state,")
    );
    let table = env.mops(&["alerts"]).await;
    assert!(table.stdout.starts_with("SEVERITY"), "{table:?}");

    // CSV columns and JSON fields are the same set, for every list.
    for list in ["campaigns", "alerts", "approvals", "sync", "throttles"] {
        let csv = env.mops(&[list, "-o", "csv"]).await;
        let mut header: Vec<String> = csv
            .stdout
            .lines()
            .next()
            .unwrap()
            .split(',')
            .map(String::from)
            .collect();
        header.sort();
        let json = env.mops(&[list, "-o", "json"]).await.json();
        let first = &json.as_array().unwrap()[0];
        assert_eq!(keys(first), header, "{list}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_a_console_holds_the_data_dir_reads_work_online_and_mutations_refuse() {
    let env = support::start(true).await;
    std::fs::create_dir_all(env.data_dir()).unwrap();
    let (held, _) = mops::store::Store::open(&env.data_dir()).expect("first opener wins");

    let run = env.mops(&["campaigns", "-o", "json"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json().as_array().unwrap().len(), 60);
    assert!(run.stderr.contains("without cache"), "{run:?}");

    let pause = env.mops(&["pause", "cmp-0001", "--reason", "x"]).await;
    assert_eq!(pause.code, 2, "{pause:?}");
    assert!(pause.stderr.contains("console's outbox"), "{pause:?}");
    let flush = env.mops(&["outbox", "flush"]).await;
    assert_eq!(flush.code, 2, "{flush:?}");
    drop(held);
    assert_eq!(
        support::campaign(&env, "cmp-0001").await["status"],
        "active"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn info_shows_paths_and_state_but_never_the_token() {
    let env = support::start(true).await;
    let empty = env.mops(&["info", "-o", "json"]).await;
    assert_eq!(empty.code, 0, "{empty:?}");
    assert_eq!(empty.json()["cache"]["state"], "empty");

    assert_eq!(env.mops(&["status"]).await.code, 0);
    let run = env.mops(&["info", "-o", "json"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(!run.stdout.contains("demo-token"));
    let i = run.json();
    assert_eq!(i["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(i["profile"], "default");
    assert_eq!(i["config_exists"], false);
    assert_eq!(i["data_dir"], env.data_dir().to_str().unwrap());
    assert!(i["log_file"].as_str().unwrap().ends_with("mops/mops.log"));
    assert_eq!(i["marketing_url"], env.sim.marketing_url());
    assert_eq!(i["token_set"], true);
    assert_eq!(i["actor"], "ana");
    assert_eq!(i["role"], "operator");
    assert_eq!(i["production"], false);
    assert_eq!(i["cache"]["state"], "ok");
    assert_eq!(i["cache"]["campaigns"], 60);
    assert_eq!(i["cache"]["outbox_pending"], 0);
    assert_eq!(i["cache"]["audit_entries"], 0);
    let table = env.mops(&["info"]).await;
    assert!(
        table.stdout.contains("token        set (hidden)"),
        "{table:?}"
    );
    assert!(!table.stdout.contains("demo-token"));

    // The other output forms of the outbox and audit log.
    env.mops(&["pause", "cmp-0001", "--reason", "x"]).await;
    let csv = env.mops(&["outbox", "list", "-o", "csv"]).await;
    assert!(
        csv.stdout
            .starts_with("idempotency_key,action,target,actor,reason,status,")
    );
    assert!(
        csv.stdout.contains(",pause,cmp-0001,ana,x,applied,"),
        "{csv:?}"
    );
    let table = env.mops(&["outbox"]).await;
    assert!(table.stdout.starts_with("STATUS"), "{table:?}");
    let file = env.home.path().join("audit.jsonl");
    let export = env
        .mops(&["audit", "export", "--output", file.to_str().unwrap()])
        .await;
    assert_eq!(export.code, 0);
    let lines = std::fs::read_to_string(&file).unwrap();
    assert_eq!(lines.lines().count(), 2);
    let status = env.mops(&["status"]).await;
    assert!(
        status.stdout.starts_with("OK  profile default"),
        "{status:?}"
    );
    assert_eq!(status.stdout.lines().count(), 7);
}
