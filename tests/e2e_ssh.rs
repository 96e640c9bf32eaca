//! The built binary inside a real SSH session: a private `sshd` on
//! 127.0.0.1, an `ssh -tt` client in a tmux pane (a real PTY on both sides),
//! `mops demo` driven with keys under several terminal types, a resize that
//! travels over SSH as a window-change request, and a connection killed
//! mid-session followed by a clean restart on the same data directory.

#[path = "support/sshd.rs"]
mod sshd;
#[path = "support/tmux.rs"]
mod tmux;

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use sshd::{Sshd, processes_matching};
use tmux::{Tmux, mops_bin};

const AREAS: [&str; 5] = [
    "Campaign health",
    "Sync failures",
    "Alerts",
    "Throttles",
    "Approvals",
];

/// Log in from the pane and wait until the remote shell answers. The remote
/// shell gets the same `READY$ ` prompt and a private HOME/XDG tree so the
/// shared `Tmux` helpers (`wait_for_prompt`, `is_cooked`) work unchanged,
/// and `SSH_TTY` proves we really are on the far side of sshd.
fn login(t: &Tmux, sshd: &Sshd) {
    let h = t.home().display().to_string();
    let remote = format!(
        "env HOME={h} XDG_CONFIG_HOME={h}/config XDG_DATA_HOME={h}/data \
         XDG_STATE_HOME={h}/remote-state LANG=C.UTF-8 PS1='READY$ ' bash --norc --noprofile"
    );
    static LOGINS: AtomicUsize = AtomicUsize::new(0);
    let n = LOGINS.fetch_add(1, Ordering::SeqCst);
    t.run(&sshd.ssh_command(&remote));
    t.run(&format!("echo \"login {n} tty=${{SSH_TTY:-none}}\""));
    let marker = format!("login {n} tty=/dev/pts/");
    let limit = Duration::from_secs(30);
    let start = Instant::now();
    loop {
        let screen = t.capture();
        if screen.contains(&marker) {
            break;
        }
        if start.elapsed() > limit {
            panic!(
                "no SSH session with a PTY; screen:\n{screen}\nsshd log:\n{}",
                sshd.log()
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    t.run("clear");
    t.wait_for_prompt();
}

/// Every area on screen and every source loaded ("never" is what an area
/// title says, possibly abbreviated, until its source first answers).
fn wait_for_console(t: &Tmux, what: &str) -> String {
    t.wait_for(what, Duration::from_secs(60), |s| {
        AREAS.iter().all(|a| s.contains(a))
            && s.contains("ago")
            && s.contains("pending")
            && !s.contains("never")
    })
}

/// Colour classes used in a `capture-pane -e` dump: 16-colour, 256-colour
/// and RGB foreground/background codes (defaults 39/49 are not colours).
/// crossterm writes the 16 ANSI colours as indices 0–15 (`38;5;12`), which
/// every 16-colour terminal understands, so those count as 16-colour.
#[derive(Debug, Default, PartialEq)]
struct Colours {
    ansi16: usize,
    ansi256: usize,
    rgb: usize,
}

fn colours(dump: &str) -> Colours {
    let mut c = Colours::default();
    for seq in dump.split("\x1b[").skip(1) {
        let Some(end) = seq.find(|ch: char| !(ch.is_ascii_digit() || ch == ';')) else {
            continue;
        };
        if !seq[end..].starts_with('m') {
            continue;
        }
        let params: Vec<u32> = seq[..end]
            .split(';')
            .filter_map(|p| p.parse().ok())
            .collect();
        let mut i = 0;
        while i < params.len() {
            match params[i] {
                38 | 48 if params.get(i + 1) == Some(&5) => {
                    match params.get(i + 2) {
                        Some(0..=15) => c.ansi16 += 1,
                        _ => c.ansi256 += 1,
                    }
                    i += 3;
                }
                38 | 48 if params.get(i + 1) == Some(&2) => {
                    c.rgb += 1;
                    i += 5;
                }
                30..=37 | 40..=47 | 90..=97 | 100..=107 => {
                    c.ansi16 += 1;
                    i += 1;
                }
                _ => i += 1,
            }
        }
    }
    c
}

/// Drive the views and the filter, then quit; the terminal must be cooked.
fn drive_and_quit(t: &Tmux, label: &str) {
    t.keys(&["2"]);
    t.wait_for(
        &format!("{label}: campaigns view"),
        Duration::from_secs(20),
        |s| s.contains("2 Campaigns") && s.contains("sort: health"),
    );
    t.keys(&["/"]);
    t.type_text("status=paused");
    t.keys(&["Enter"]);
    let filtered = t.wait_for(&format!("{label}: filter"), Duration::from_secs(20), |s| {
        s.contains("filter: status=paused")
    });
    let rows: Vec<&str> = filtered
        .lines()
        .filter(|l| l.contains('%') && !l.contains("Campaign"))
        .collect();
    assert!(!rows.is_empty(), "{label}: no paused rows:\n{filtered}");
    for row in &rows {
        assert!(
            row.contains("paused"),
            "{label}: unfiltered row {row:?}:\n{filtered}"
        );
    }
    t.keys(&["3"]);
    t.wait_for(
        &format!("{label}: alerts view"),
        Duration::from_secs(20),
        |s| s.contains("3 Alerts") && s.contains("Observed vs band"),
    );
    t.keys(&["1"]);
    t.wait_for(
        &format!("{label}: overview"),
        Duration::from_secs(20),
        |s| s.contains("1 Overview") && AREAS.iter().all(|a| s.contains(a)),
    );
    t.keys(&["q"]);
    t.wait_for_prompt();
    if let Err(e) = t.is_cooked() {
        panic!("{label}: terminal not sane after quitting over SSH: {e}");
    }
}

#[test]
fn demo_over_ssh_in_16_and_256_colours_and_no_color() {
    let sshd = Sshd::start();
    let t = Tmux::start(80, 24);
    login(&t, &sshd);
    let runs = [
        ("TERM=xterm", "16 colours"),
        ("TERM=xterm-256color", "256 colours"),
        ("TERM=xterm-256color NO_COLOR=1", "NO_COLOR"),
    ];
    for (n, (env, label)) in runs.into_iter().enumerate() {
        // A data dir per run: the same one would restore the last filter.
        let data = t.home().join(format!("data-colours-{n}"));
        t.run(&format!(
            "{env} {} demo --data-dir {}",
            mops_bin(),
            data.display()
        ));
        wait_for_console(&t, label);
        let used = colours(&t.capture_escapes());
        match label {
            "16 colours" => assert!(
                used.ansi16 > 0 && used.ansi256 == 0 && used.rgb == 0,
                "TERM=xterm must use only the 16 ANSI colours: {used:?}"
            ),
            "256 colours" => assert!(
                used.ansi256 > 0 && used.rgb == 0,
                "TERM=xterm-256color must use indexed colours, no RGB: {used:?}"
            ),
            _ => assert_eq!(used, Colours::default(), "NO_COLOR must emit no colour"),
        }
        drive_and_quit(&t, label);
    }
    let screen = t.capture();
    assert!(!screen.contains("panicked"), "{screen}");
    // Logging out hands the local terminal back sane too.
    t.run("exit");
    t.wait_for("the ssh client to exit", Duration::from_secs(15), |_| {
        t.children().is_empty()
    });
    t.wait_for_prompt();
    t.is_cooked().unwrap();
}

/// Lines drawn as a full-width box bottom, e.g. the approvals panel.
fn box_bottoms(screen: &str) -> Vec<usize> {
    screen
        .lines()
        .map(str::trim_end)
        .filter(|l| l.starts_with('╰') && l.ends_with('╯'))
        .map(|l| l.chars().count())
        .collect()
}

#[test]
fn resize_from_80x24_to_60x20_travels_over_ssh() {
    let sshd = Sshd::start();
    let t = Tmux::start(80, 24);
    login(&t, &sshd);
    let data = t.home().join("data-resize");
    t.run(&format!(
        "TERM=xterm-256color {} demo --data-dir {}",
        mops_bin(),
        data.display()
    ));
    let wide = wait_for_console(&t, "the console at 80x24");
    assert!(box_bottoms(&wide).contains(&80), "{wide}");

    t.resize(60, 20);
    let narrow = t.wait_for("a re-layout at 60 columns", Duration::from_secs(20), |s| {
        let widths = box_bottoms(s);
        // The areas are part of the condition: a capture can land mid-frame.
        widths.contains(&60)
            && widths.iter().all(|&w| w <= 60)
            && s.lines().count() <= 20
            && s.contains("Overview")
            && ["Alerts", "Throttles", "Approvals"]
                .iter()
                .all(|a| s.contains(a))
    });
    assert!(!narrow.contains("panicked"), "{narrow}");
    // Still alive and responsive after the resize.
    t.keys(&["2"]);
    t.wait_for("campaigns at 60x20", Duration::from_secs(20), |s| {
        s.contains("Campaigns") && box_bottoms(s).contains(&60)
    });
    t.keys(&["q"]);
    t.wait_for_prompt();
    t.is_cooked().unwrap();
    let screen = t.capture();
    assert!(!screen.contains("panicked"), "{screen}");
    // The remote side logged to its own XDG state dir, without a panic.
    let log = std::fs::read_to_string(t.home().join("remote-state/mops/mops.log"))
        .expect("the remote mops logs under XDG_STATE_HOME");
    assert!(log.contains("mops starting"), "{log}");
    assert!(!log.contains("panic"), "{log}");
}

fn wait_until_gone(needles: &[&str], what: &str) {
    let start = Instant::now();
    loop {
        let left = processes_matching(needles);
        if left.is_empty() {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{what}: still running after the SSH connection died: {left:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn console_on(data: &Path, base: &str) -> String {
    format!(
        "MOPS_MARKETING_URL={base}/marketing/v1 MOPS_CRM_URL={base}/crm/v1 \
         MOPS_ERP_URL={base}/erp/v1 MOPS_TOKEN=demo-token {} --data-dir {}",
        mops_bin(),
        data.display()
    )
}

#[test]
fn killed_connection_ends_mops_and_the_next_login_restarts_on_the_same_data() {
    let sshd = Sshd::start();
    let t = Tmux::start(80, 24);
    login(&t, &sshd);
    let data = t.home().join("data-session");
    let data_arg = data.display().to_string();
    t.run(&format!("{} demo --data-dir {data_arg}", mops_bin()));
    wait_for_console(&t, "the first session");
    // Where the operator was when the link dropped: campaigns, filtered.
    t.keys(&["2"]);
    t.keys(&["/"]);
    t.type_text("status=active");
    t.keys(&["Enter"]);
    t.wait_for("filtered campaigns", Duration::from_secs(20), |s| {
        s.contains("2 Campaigns") && s.contains("filter: status=active")
    });
    // Let the cache writer save at least once before the connection dies.
    std::thread::sleep(Duration::from_secs(6));
    let remote = processes_matching(&[mops_bin(), &data_arg]);
    assert!(!remote.is_empty(), "the remote mops should be running");

    let clients = t.children();
    assert_eq!(clients.len(), 1, "expected one ssh client: {clients:?}");
    let out = std::process::Command::new("kill")
        .args(["-KILL", &clients[0].to_string()])
        .output()
        .expect("kill");
    assert!(out.status.success(), "kill -KILL ssh: {out:?}");
    // The pane is still in the remote alternate screen and in raw mode,
    // which the killed client could not undo.
    t.wait_for("the local shell", Duration::from_secs(15), |s| {
        s.contains("READY$") && t.children().is_empty()
    });
    t.run("stty sane; printf '\\033[?1049l'; clear");
    t.wait_for_prompt();
    wait_until_gone(&[mops_bin(), &data_arg], "the remote mops");

    // Next login: every API down (nothing listens on port 9 of loopback),
    // so whatever shows comes from what the killed session left on disk.
    login(&t, &sshd);
    t.run(&console_on(&data, "http://127.0.0.1:9"));
    let offline = t.wait_for(
        "the restored session offline",
        Duration::from_secs(60),
        |s| {
            s.contains("OFFLINE")
                && s.contains("2 Campaigns")
                && s.contains("filter: status=active")
        },
    );
    let rows = offline.lines().filter(|l| l.contains(" active ")).count();
    assert!(rows > 0, "cached campaigns should show:\n{offline}");
    assert!(!offline.contains("never loaded"), "{offline}");
    // Every area has cached data: none says "never" (loaded).
    t.keys(&["1"]);
    let overview = t.wait_for("the cached overview", Duration::from_secs(20), |s| {
        s.contains("1 Overview") && s.contains("OFFLINE") && s.contains("pending")
    });
    assert!(!overview.contains("never"), "{overview}");
    t.keys(&["2"]);
    t.wait_for("campaigns again", Duration::from_secs(20), |s| {
        s.contains("2 Campaigns")
    });
    t.keys(&["q"]);
    t.wait_for_prompt();

    // Online again on the same data dir: no stale lock, no banner, the view
    // and filter back, and a summary of what happened meanwhile.
    t.run(&format!("{} demo --data-dir {data_arg}", mops_bin()));
    let online = t.wait_for(
        "the restored session online",
        Duration::from_secs(60),
        |s| {
            s.contains("2 Campaigns")
                && s.contains("filter: status=active")
                && s.contains("since you left")
        },
    );
    assert!(!online.contains("OFFLINE"), "{online}");
    t.keys(&["q"]);
    t.wait_for_prompt();
    t.is_cooked().unwrap();
}
