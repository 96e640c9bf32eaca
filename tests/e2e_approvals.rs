//! Two consoles on one simulator: an approver signs the current step of a
//! chain in the TUI (through the confirm dialog); the simulator records the
//! decision and a second console, a viewer, sees the chain move on.

#[path = "support/tmux.rs"]
mod tmux;

use std::time::Duration;

use mops::cli::SimOpts;
use mops::domain::{ApprovalStatus, Verdict};
use mops::simulator::{self, SimConfig};
use tmux::{Tmux, mops_bin};

const WAIT: Duration = Duration::from_secs(60);

/// "Approvals 9 pending" in the view's title.
fn pending_count(screen: &str) -> Option<usize> {
    let line = screen
        .lines()
        .find(|l| l.contains("Approvals") && l.contains("pending"))?;
    let after = line.split("Approvals").nth(1)?;
    after.split_whitespace().next()?.parse().ok()
}

fn console(base: &str, data: &std::path::Path, who: &str) -> String {
    format!(
        "{who} MOPS_MARKETING_URL={base}/marketing/v1 MOPS_CRM_URL={base}/crm/v1 \
         MOPS_ERP_URL={base}/erp/v1 MOPS_TOKEN=demo-token {} --data-dir {}",
        mops_bin(),
        data.display()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approver_signs_and_a_second_console_sees_the_chain_advance() {
    let mut cfg = SimConfig::from_opts(&SimOpts {
        scenario: None,
        seed: Some(8),
        campaigns: Some(30),
        speed: Some(0.0),
        dialect: None,
    })
    .unwrap();
    cfg.speed = 0.0;
    let sim = simulator::spawn(cfg).await.unwrap();
    sim.advance(chrono::Duration::hours(7));
    let base = sim.base_url();

    let a = Tmux::start(160, 40);
    let b = Tmux::start(160, 40);
    a.run(&console(
        &base,
        &a.home().join("data"),
        "MOPS_ACTOR=alice MOPS_ROLE=approver MOPS_SCOPES=marketing,finance,legal,margin",
    ));
    b.run(&console(
        &base,
        &b.home().join("data"),
        "MOPS_ACTOR=victor MOPS_ROLE=viewer",
    ));
    for t in [&a, &b] {
        t.wait_for("every source loaded", WAIT, |s| {
            s.contains("Approvals") && !s.contains("never")
        });
        t.keys(&["6"]);
    }
    a.wait_for("the approvals view", WAIT, |s| s.contains("Next"));
    let pending_before =
        pending_count(&b.wait_for("the viewer's queue", WAIT, |s| pending_count(s).is_some()));

    // Approve the selected request's current step: a, Tab to the reason,
    // type it, Enter moves to Confirm, Enter presses it.
    a.keys(&["a"]);
    a.wait_for("the confirm dialog", WAIT, |s| {
        s.contains("Confirm command")
    });
    a.keys(&["Tab"]);
    a.type_text("budget checked");
    a.keys(&["Enter"]);
    a.keys(&["Enter"]);

    // The simulator has alice's decision, exactly once.
    let start = std::time::Instant::now();
    let signed = loop {
        let found = sim.state().with_world(|w| {
            w.approvals(true).into_iter().find(|r| {
                r.steps
                    .iter()
                    .any(|s| s.decisions.iter().any(|d| d.by == "alice"))
            })
        });
        if let Some(r) = found {
            break r;
        }
        assert!(
            start.elapsed() < WAIT,
            "no decision by alice:\n{}",
            a.capture()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let decisions: Vec<_> = signed
        .steps
        .iter()
        .flat_map(|s| &s.decisions)
        .filter(|d| d.by == "alice")
        .collect();
    assert_eq!(decisions.len(), 1);
    assert_eq!(decisions[0].verdict, Verdict::Approve);
    assert_eq!(decisions[0].reason.as_deref(), Some("budget checked"));

    // The viewer's console shows the chain moved on: the next step, or the
    // request gone from the pending queue once every step approved.
    let title: String = signed.title.chars().take(30).collect();
    match (signed.status, signed.current_step()) {
        (ApprovalStatus::Pending, Some(next)) => {
            let next_name = next.name.clone();
            b.wait_for("the next step on the second console", WAIT, |s| {
                s.lines()
                    .any(|l| l.contains(title.as_str()) && l.contains(next_name.as_str()))
            });
        }
        _ => {
            let want = pending_before.map(|n| n - 1);
            b.wait_for("the queue to shrink by one", WAIT, |s| {
                pending_count(s) == want && !s.contains(title.as_str())
            });
        }
    }
    // The viewer itself may not approve: refused before any dialog.
    b.keys(&["a"]);
    b.wait_for("the refusal", WAIT, |s| s.contains("viewer"));
    for t in [&a, &b] {
        t.keys(&["q"]);
        t.wait_for_prompt();
    }
    sim.shutdown();
}
