use super::support;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handoff_after_the_demo_incident_names_the_facts() {
    let env = support::start(false).await;
    assert_eq!(env.mops(&["status"]).await.code, 0);
    for _ in 0..4 {
        env.sim.advance(chrono::Duration::minutes(10));
        env.mops(&["status"]).await;
    }
    let pause = env
        .mops_as(
            "night.owl",
            "operator",
            &["pause", "cmp-0003", "--reason", "CTR collapsed"],
        )
        .await;
    assert_eq!(pause.code, 0, "{pause:?}");

    let out = env.home.path().join("handoff.md");
    let run = env
        .mops(&[
            "handoff",
            "--since",
            "8h",
            "--output",
            out.to_str().unwrap(),
        ])
        .await;
    assert_eq!(run.code, 0, "{run:?}");
    let md = std::fs::read_to_string(&out).unwrap();
    assert!(md.starts_with("# Shift handoff — profile default"), "{md}");
    for needle in [
        "## Data freshness",
        "| Marketing | live |",
        "## Alerts",
        "## Actions taken (1)",
        "night.owl (operator) | pause | `cmp-0003` | applied | CTR collapsed |",
        "## Pending approvals",
        "`apr-fin-1`",
        "waiting on fiona.c, frank.d",
        "## Open sync failures",
        "`crm-to-marketing-audience` failed",
        "HTTP 502 Bad Gateway",
        "## Active throttles",
        "SKU-1005",
        // The sendgrid outage: bounces spike on email campaigns.
        "bounce_rate",
    ] {
        assert!(md.contains(needle), "missing {needle:?} in\n{md}");
    }
    let stdout = env.mops(&["handoff"]).await;
    assert_eq!(stdout.code, 0);
    assert!(stdout.stdout.contains("firing now"), "{stdout:?}");
}
