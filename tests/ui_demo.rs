//! End to end without a terminal: the in-process simulator on loopback, the
//! real HTTP client and pollers, and the app loop on a TestBackend.

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use mops::app::{self, AppContext};
use mops::connectors::{Endpoints, HttpClient, HttpConfig, NativeClient, Secret};
use mops::domain::System;
use mops::simulator::{self, Scenario, SimConfig};
use mops::sync::{PollConfig, spawn_pollers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

fn key(c: char) -> std::io::Result<Event> {
    Ok(Event::Key(KeyEvent::new(
        KeyCode::Char(c),
        KeyModifiers::NONE,
    )))
}

fn screen(t: &Terminal<TestBackend>) -> String {
    let buf = t.backend().buffer();
    let mut s = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            s.push_str(buf[(x, y)].symbol());
        }
        s.push('\n');
    }
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simulator_data_reaches_the_overview() {
    let scenario = Scenario::demo();
    let config = SimConfig {
        seed: 42,
        campaigns: 24,
        speed: 0.0,
        start: Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap(),
        token: "ui-token".into(),
        faults: scenario.faults.clone(),
        scenario,
    };
    let sim = simulator::spawn(config).await.unwrap();
    let http = Arc::new(HttpClient::new(HttpConfig::default()).unwrap());
    let client = Arc::new(mops::connectors::vendor::Backend::from(NativeClient::new(
        http,
        Endpoints {
            marketing: sim.marketing_url(),
            crm: sim.crm_url(),
            erp: sim.erp_url(),
            token: Secret::new("ui-token"),
        },
    )));
    let cancel = CancellationToken::new();
    let (poll_tx, mut poll_rx) = mpsc::channel(64);
    let every = Duration::from_millis(50);
    let cfg = PollConfig {
        marketing_every: every,
        crm_every: every,
        erp_every: every,
        ..PollConfig::default()
    };
    let pollers = spawn_pollers(client, poll_tx, cfg, None, cancel.clone());

    // Relay polls to the app, and press q once every source has answered.
    let (app_tx, app_rx) = mpsc::channel(64);
    let (key_tx, key_rx) = futures::channel::mpsc::unbounded();
    let relay = tokio::spawn(async move {
        let mut answered = std::collections::BTreeSet::new();
        while let Some(outcome) = poll_rx.recv().await {
            if outcome.result.is_ok() {
                answered.insert(outcome.system);
            }
            if app_tx.send(outcome).await.is_err() {
                break;
            }
            if answered.len() == System::ALL.len() {
                let _ = key_tx.unbounded_send(key('q'));
                break;
            }
        }
    });

    let mut terminal = Terminal::new(TestBackend::new(120, 36)).unwrap();
    let ctx = AppContext {
        profile: "demo".into(),
        ..AppContext::default()
    };
    let run = app::run(&mut terminal, key_rx, app_rx, ctx, cancel.clone());
    // A bound so a broken pipeline fails instead of hanging; not a timing check.
    let state = tokio::time::timeout(Duration::from_secs(60), run)
        .await
        .expect("the loop ends once q is pressed")
        .unwrap();
    cancel.cancel();
    for p in pollers {
        let _ = p.await;
    }
    let _ = relay.await;
    sim.shutdown();

    assert!(state.should_quit);
    assert_eq!(state.snapshot.campaigns.len(), 24);
    for s in System::ALL {
        assert!(
            state.snapshot.freshness(s).fetched_at.is_some(),
            "{s:?} loaded"
        );
    }
    assert_eq!(state.derived.health.len(), 24, "analytics ran on the data");
    let s = screen(&terminal);
    assert!(!s.contains("never loaded"), "{s}");
    let worst = &state.snapshot.campaigns[state.rows.worst[0]];
    let shown: String = worst.name.chars().take(12).collect();
    assert!(
        s.contains(&shown),
        "worst campaign {shown:?} on screen:\n{s}"
    );
}
