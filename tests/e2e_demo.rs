//! The built binary in a real terminal (tmux): `mops demo` shows the five
//! areas with live values at 80x24, and `q` hands back a sane terminal.

#[path = "support/tmux.rs"]
mod tmux;

use std::time::Duration;

use tmux::{Tmux, mops_bin};

const AREAS: [&str; 5] = [
    "Campaign health",
    "Sync failures",
    "Alerts",
    "Throttles",
    "Approvals",
];

#[test]
fn demo_shows_five_live_areas_and_quits_to_a_cooked_terminal() {
    let t = Tmux::start(80, 24);
    t.run(&format!("{} demo", mops_bin()));
    // Every source loaded: no area says "never", and data is on screen.
    let screen = t.wait_for("the five areas with data", Duration::from_secs(60), |s| {
        AREAS.iter().all(|a| s.contains(a))
            && !s.contains("never")
            && s.contains("pending")
            && s.contains("active")
    });
    // Each area's title carries its source and age (short forms at 80 columns).
    assert!(
        screen.contains("MKT") || screen.contains("Marketing"),
        "{screen}"
    );
    assert!(screen.contains("CRM"), "{screen}");
    assert!(screen.contains("ERP"), "{screen}");
    let first = screen.clone();
    let moved = t.wait_for("values to change", Duration::from_secs(30), |s| {
        s.lines().skip(1).collect::<Vec<_>>() != first.lines().skip(1).collect::<Vec<_>>()
    });
    assert!(AREAS.iter().all(|a| moved.contains(a)));

    t.keys(&["q"]);
    t.wait_for_prompt();
    t.is_cooked().unwrap();
    // Logs went to the XDG state dir, not the screen.
    let log = std::fs::read_to_string(t.log_file()).expect("log file under XDG_STATE_HOME");
    assert!(log.contains("mops starting"), "{log}");
}

#[test]
fn sigterm_and_sighup_restore_the_terminal() {
    for signal in ["TERM", "HUP"] {
        let t = Tmux::start(80, 24);
        t.run(&format!("{} demo", mops_bin()));
        t.wait_for("the console", Duration::from_secs(60), |s| {
            AREAS.iter().all(|a| s.contains(a))
        });
        let pids = t.children();
        assert_eq!(pids.len(), 1, "expected one mops under the shell: {pids:?}");
        let out = std::process::Command::new("kill")
            .args([&format!("-{signal}"), &pids[0].to_string()])
            .output()
            .expect("kill");
        assert!(out.status.success(), "kill -{signal}: {out:?}");
        t.wait_for_prompt();
        if let Err(e) = t.is_cooked() {
            panic!("SIG{signal}: {e}");
        }
    }
}
