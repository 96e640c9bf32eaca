//! The UI never waits on the network: with every API hanging mid-body, the
//! app loop keeps ticking, drawing and answering keys.

use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures::StreamExt;
use mops::app::{self, AppContext};
use mops::cli::SimOpts;
use mops::connectors::{Endpoints, HttpClient, HttpConfig, NativeClient, Secret};
use mops::domain::System;
use mops::simulator::{self, Faults, SimConfig};
use mops::sync::{PollConfig, spawn_pollers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

fn key(code: KeyCode) -> std::io::Result<Event> {
    Ok(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loop_answers_keys_while_every_request_hangs() {
    let cfg = SimConfig::from_opts(&SimOpts {
        scenario: None,
        seed: Some(5),
        campaigns: Some(10),
        speed: Some(0.0),
        dialect: None,
    })
    .unwrap();
    let sim = simulator::spawn(cfg).await.unwrap();
    for s in System::ALL {
        sim.set_faults(
            s,
            Faults {
                stall_ms: 60_000,
                ..Faults::default()
            },
        );
    }
    // Generous HTTP deadlines: the requests stay in flight for the whole test.
    let http = Arc::new(
        HttpClient::new(HttpConfig {
            read_timeout: Duration::from_secs(120),
            total_timeout: Duration::from_secs(120),
            ..HttpConfig::default()
        })
        .unwrap(),
    );
    let client = Arc::new(mops::connectors::vendor::Backend::from(NativeClient::new(
        http,
        Endpoints {
            marketing: sim.marketing_url(),
            crm: sim.crm_url(),
            erp: sim.erp_url(),
            token: Secret::new("demo-token"),
        },
    )));
    let cancel = CancellationToken::new();
    let (poll_tx, poll_rx) = mpsc::channel(8);
    let _pollers = spawn_pollers(client, poll_tx, PollConfig::default(), None, cancel.clone());

    // Keys arrive over three seconds of wall time, while every poll hangs:
    // move between views, then quit.
    let keys = futures::stream::iter(vec![
        key(KeyCode::Char('2')),
        key(KeyCode::Char('j')),
        key(KeyCode::Char('3')),
        key(KeyCode::Char('q')),
    ])
    .then(|k| async move {
        tokio::time::sleep(Duration::from_millis(750)).await;
        k
    })
    .boxed();
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let ctx = AppContext::default();
    let started = chrono::Utc::now();
    // A bound on waiting (the loop must end at all), not a speed assertion.
    let state = tokio::time::timeout(
        Duration::from_secs(30),
        app::run(&mut terminal, keys, poll_rx, ctx, cancel.clone()),
    )
    .await
    .expect("the app loop froze while requests hung")
    .unwrap();
    cancel.cancel();
    assert!(
        state.now - started >= chrono::Duration::seconds(2),
        "the loop should have kept its clock moving"
    );
    assert_eq!(state.view, app::View::Alerts, "keys were not processed");
    for s in System::ALL {
        assert!(
            state.snapshot.freshness(s).fetched_at.is_none(),
            "{s:?} should still be hanging"
        );
    }
    sim.shutdown();
}
