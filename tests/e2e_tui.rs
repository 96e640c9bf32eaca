//! The built binary in tmux against a standalone simulator: navigate with
//! `:` and `/`, pause a campaign through the production confirm dialog and
//! see it paused in the simulator, under the default terminal, TERM=xterm
//! (16 colours) and NO_COLOR; and a hostile campaign name reaches the
//! terminal harmlessly, checked on the raw bytes the program wrote.

#[path = "support/tmux.rs"]
mod tmux;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use mops::cli::SimOpts;
use mops::connectors::{Endpoints, HttpClient, HttpConfig, NativeClient, Secret};
use mops::domain::{CampaignStatus, Channel};
use mops::simulator::{self, SimConfig};
use tmux::{Tmux, mops_bin};

const WAIT: Duration = Duration::from_secs(60);

async fn start_sim() -> simulator::SimHandle {
    let cfg = SimConfig::from_opts(&SimOpts {
        scenario: None,
        seed: Some(11),
        campaigns: Some(40),
        speed: Some(60.0),
        dialect: None,
    })
    .unwrap();
    simulator::spawn(cfg).await.unwrap()
}

fn client(base: &str) -> NativeClient {
    let http = Arc::new(HttpClient::new(HttpConfig::default()).unwrap());
    NativeClient::new(
        http,
        Endpoints {
            marketing: format!("{base}/marketing/v1"),
            crm: format!("{base}/crm/v1"),
            erp: format!("{base}/erp/v1"),
            token: Secret::new("demo-token"),
        },
    )
}

/// The console on a production profile, pointed at the simulator.
fn console_cmd(env: &str, base: &str, home: &Path, data: &str) -> String {
    let config = home.join("config.toml");
    std::fs::write(
        &config,
        "[profiles.prod]\nproduction = true\nactor = \"e2e\"\n",
    )
    .unwrap();
    format!(
        "{env} MOPS_MARKETING_URL={base}/marketing/v1 MOPS_CRM_URL={base}/crm/v1 \
         MOPS_ERP_URL={base}/erp/v1 MOPS_TOKEN=demo-token {} --config {} --profile prod \
         --data-dir {}",
        mops_bin(),
        config.display(),
        home.join(data).display()
    )
}

/// The id in the dialog's "Type cmp-0003 to confirm:" line.
fn id_to_type(screen: &str) -> String {
    let at = screen.find("Type ").expect("the dialog asks for the id") + 5;
    screen[at..]
        .split_whitespace()
        .next()
        .expect("an id after Type")
        .to_string()
}

async fn status_of(client: &NativeClient, id: &str) -> (CampaignStatus, Channel) {
    let listed = client.campaigns().await.unwrap();
    let c = listed
        .items
        .iter()
        .find(|c| c.id == id)
        .expect("campaign listed");
    (c.status, c.channel)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn navigate_filter_and_pause_under_three_terminals() {
    let sim = start_sim().await;
    let base = sim.base_url();
    let api = client(&base);
    for (n, env) in ["", "TERM=xterm", "NO_COLOR=1"].into_iter().enumerate() {
        let t = Tmux::start(80, 24);
        t.run(&console_cmd(env, &base, t.home(), &format!("data-{n}")));
        // Every source loaded: no title says "never" any more.
        let screen = t.wait_for("the overview", WAIT, |s| {
            s.contains("Campaign health") && s.contains("pending") && !s.contains("never")
        });
        assert!(screen.contains("PRODUCTION: prod"), "{env}: {screen}");

        t.type_text(":approvals");
        t.keys(&["Enter"]);
        t.wait_for(":approvals", WAIT, |s| s.contains("6 Approvals"));
        t.type_text(":campaigns");
        t.keys(&["Enter"]);
        t.wait_for(":campaigns", WAIT, |s| s.contains("2 Campaigns"));
        t.type_text("/status=active channel=email");
        t.keys(&["Enter"]);
        t.wait_for("the filter", WAIT, |s| {
            s.contains("filter: status=active channel=email") && s.contains(" of 40")
        });

        t.keys(&["p"]);
        let dialog = t.wait_for(&format!("the confirm dialog ({env})"), WAIT, |s| {
            s.contains("Confirm command") && s.contains("to confirm")
        });
        assert!(
            dialog.contains("> Cancel <"),
            "{env}: Cancel focused:\n{dialog}"
        );
        let id = id_to_type(&dialog);
        assert_eq!(
            status_of(&api, &id).await,
            (CampaignStatus::Active, Channel::Email),
            "{env}: the filtered row is an active email campaign"
        );
        // Tab to the id, type it, Enter to the reason, Enter to Confirm, Enter.
        t.keys(&["Tab"]);
        t.type_text(&id);
        t.keys(&["Enter"]);
        t.type_text("e2e: pausing for the test");
        t.keys(&["Enter"]);
        t.keys(&["Enter"]);
        t.wait_for("the command applied", WAIT, |s| {
            s.contains(&format!("pause {id}: applied"))
        });
        assert_eq!(
            status_of(&api, &id).await.0,
            CampaignStatus::Paused,
            "{env}: paused in the simulator"
        );

        t.keys(&["q"]);
        t.wait_for_prompt();
        t.is_cooked().unwrap();
    }
    sim.shutdown();
}

/// Every escape sequence in `bytes`: ESC must start a CSI (ratatui and
/// crossterm drawing) or a keypad-mode switch (readline); never an OSC,
/// DCS, APC, PM or SOS, which could set titles or talk to the terminal.
fn foreign_escapes(bytes: &[u8]) -> Vec<String> {
    let mut bad = Vec::new();
    for (i, w) in bytes.windows(2).enumerate() {
        if w[0] == 0x1b && !matches!(w[1], b'[' | b'=' | b'>' | b'7' | b'8') {
            let end = (i + 24).min(bytes.len());
            bad.push(String::from_utf8_lossy(&bytes[i..end]).into_owned());
        }
    }
    bad
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_campaign_name_is_shown_harmlessly() {
    let sim = start_sim().await;
    let base = sim.base_url();
    let t = Tmux::start(100, 30);
    let raw = t.home().join("pane.bytes");
    let pipe = format!("cat >> {}", raw.display());
    let out = t.tmux(&["pipe-pane", "-o", "-t", "t", &pipe]);
    assert!(out.status.success(), "pipe-pane: {out:?}");
    t.run(&console_cmd("", &base, t.home(), "data"));
    t.wait_for("the overview", WAIT, |s| {
        s.contains("Campaign health") && s.contains("ago")
    });
    t.type_text("/cmp-0007");
    t.keys(&["Enter"]);
    t.wait_for("the hostile campaign's row", WAIT, |s| {
        s.contains("1 of 40") && s.contains("Spring")
    });
    t.keys(&["Enter"]);
    let detail = t.wait_for("its detail", WAIT, |s| s.contains("cmp-0007, Esc back"));
    assert!(detail.contains("Spring"), "{detail}");
    t.keys(&["q"]);
    t.wait_for_prompt();
    sim.shutdown();

    let bytes = std::fs::read(&raw).expect("pipe-pane wrote the pane's output");
    assert!(bytes.len() > 1000, "captured {} bytes", bytes.len());
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("Spring"), "the name was drawn");
    assert!(!text.contains("\x1b]"), "an OSC reached the terminal");
    assert!(!text.contains("\x1b]0;"), "a title was set");
    assert!(
        !bytes.windows(3).any(|w| w == [0xe2, 0x80, 0xae]),
        "U+202E reached the terminal"
    );
    assert!(
        !text.contains("\x1b[31m\u{202e}"),
        "the name's own colour escape reached the terminal"
    );
    assert_eq!(foreign_escapes(&bytes), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn view_and_filter_come_back_after_sigterm_with_a_summary() {
    let sim = start_sim().await;
    let base = sim.base_url();
    let t = Tmux::start(80, 24);
    let cmd = console_cmd("", &base, t.home(), "data");
    t.run(&cmd);
    t.wait_for("the overview", WAIT, |s| {
        s.contains("Campaign health") && !s.contains("never")
    });
    t.type_text("/channel=email");
    t.keys(&["Enter"]);
    t.wait_for("the filter", WAIT, |s| s.contains("filter: channel=email"));
    t.type_text(":approvals");
    t.keys(&["Enter"]);
    t.wait_for(":approvals", WAIT, |s| s.contains("6 Approvals"));

    // Leave the way a dropped SSH session's supervisor would.
    let pids = t.children();
    assert_eq!(pids.len(), 1, "one mops under the shell: {pids:?}");
    let out = std::process::Command::new("kill")
        .args(["-TERM", &pids[0].to_string()])
        .output()
        .expect("kill");
    assert!(out.status.success(), "{out:?}");
    t.wait_for_prompt();

    t.run(&cmd);
    let back = t.wait_for("the summary", WAIT, |s| s.contains("since you left"));
    assert!(back.contains("6 Approvals"), "view restored:\n{back}");
    assert!(back.contains(" ago: "), "{back}");
    t.keys(&["2"]);
    t.wait_for("the restored filter", WAIT, |s| {
        s.contains("filter: channel=email")
    });
    t.keys(&["q"]);
    t.wait_for_prompt();
    sim.shutdown();
}
