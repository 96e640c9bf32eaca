//! Offline start: after one online session has filled the cache, the console
//! starts with every API down, shows every area from the cache with its age,
//! and says plainly that it is offline, at 80x24 where failing sources once
//! pushed the area names out of their titles.

#[path = "support/tmux.rs"]
mod tmux;

use std::time::Duration;

use mops::cli::SimOpts;
use mops::simulator::{self, SimConfig};
use tmux::{Tmux, mops_bin};

const AREAS: [&str; 5] = [
    "Campaign health",
    "Sync failures",
    "Alerts",
    "Throttles",
    "Approvals",
];

fn console_cmd(base: &str, data: &std::path::Path) -> String {
    format!(
        "MOPS_MARKETING_URL={base}/marketing/v1 MOPS_CRM_URL={base}/crm/v1 \
         MOPS_ERP_URL={base}/erp/v1 MOPS_TOKEN=demo-token {} --data-dir {}",
        mops_bin(),
        data.display()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starts_from_cache_with_every_api_down() {
    let cfg = SimConfig::from_opts(&SimOpts {
        scenario: None,
        seed: Some(3),
        campaigns: Some(40),
        speed: Some(60.0),
        dialect: None,
    })
    .unwrap();
    let sim = simulator::spawn(cfg).await.unwrap();
    let base = sim.base_url();
    let t = Tmux::start(80, 24);
    let data = t.home().join("data-offline");

    t.run(&console_cmd(&base, &data));
    let online = t.wait_for("an online console", Duration::from_secs(60), |s| {
        AREAS.iter().all(|a| s.contains(a)) && s.contains("pending") && s.contains("ago")
    });
    assert!(!online.contains("OFFLINE"), "{online}");
    // Give the cache writer a save cycle, then leave.
    std::thread::sleep(Duration::from_secs(6));
    t.keys(&["q"]);
    t.wait_for_prompt();

    sim.shutdown();
    // Nothing listens there any more: every poll fails.
    t.run(&console_cmd(&base, &data));
    let offline = t.wait_for("the offline banner", Duration::from_secs(30), |s| {
        s.contains("OFFLINE")
    });
    for area in AREAS {
        assert!(offline.contains(area), "{area} missing offline:\n{offline}");
    }
    assert!(
        offline.contains("pending"),
        "cached approvals should still show:\n{offline}"
    );
    assert!(
        !offline.contains("never loaded"),
        "every area should come from the cache:\n{offline}"
    );
    t.keys(&["q"]);
    t.wait_for_prompt();
    t.is_cooked().unwrap();
}
