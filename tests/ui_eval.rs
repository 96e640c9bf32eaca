//! Analytics never freeze the loop: while the first evaluation of a big
//! cached snapshot runs, keys are answered and frames drawn, and the
//! results land when the evaluation comes back.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DurationRound, TimeDelta, Utc};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use mops::app::{self, AppContext};
use mops::domain::snapshot::HourBucket;
use mops::domain::{Campaign, CampaignStatus, Channel, Snapshot};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio_util::sync::CancellationToken;

#[path = "support/recording.rs"]
mod recording;
use recording::Recording;

/// `n` active campaigns with two weeks of hourly history up to now: enough
/// that the first evaluation (cold baselines) takes a while.
fn big_snapshot(n: usize) -> Snapshot {
    let now = Utc::now().duration_trunc(TimeDelta::hours(1)).unwrap();
    let start = now - TimeDelta::days(14);
    let mut snap = Snapshot::default();
    for c in 0..n {
        let id = format!("c{c:05}");
        snap.campaigns.push(Campaign {
            id: id.clone(),
            name: format!("Campaign {c}"),
            channel: Channel::Email,
            status: CampaignStatus::Active,
            owner: "ana".into(),
            budget: 10_000.0,
            spend: 2_000.0,
            start,
            end: now + TimeDelta::days(14),
            skus: vec![],
            provider: "sendgrid".into(),
            fallback: None,
            updated_at: start,
        });
        let history = (0..14 * 24 + 1)
            .map(|h| {
                let sends = 1000.0 + ((h * 7 + c) % 50) as f64;
                HourBucket {
                    ts: start + TimeDelta::hours(h as i64),
                    values: [
                        sends,
                        sends * 0.98,
                        sends * 0.2,
                        sends * 0.02,
                        sends * 0.01,
                        1.0,
                        3.0,
                        sends * 0.01,
                    ],
                }
            })
            .collect();
        snap.history.insert(id, history);
    }
    snap
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_are_answered_while_an_evaluation_runs() {
    let n = 3_000;
    let frames = Arc::new(Mutex::new(Vec::new()));
    let mut terminal = Terminal::new(Recording {
        inner: TestBackend::new(100, 30),
        frames: frames.clone(),
    })
    .unwrap();
    let (key_tx, key_rx) = futures::channel::mpsc::unbounded();
    let (_poll_tx, poll_rx) = tokio::sync::mpsc::channel(1);
    let ctx = AppContext {
        initial: big_snapshot(n),
        ..AppContext::default()
    };
    let run = tokio::spawn(async move {
        app::run(
            &mut terminal,
            key_rx,
            poll_rx,
            ctx,
            CancellationToken::new(),
        )
        .await
    });
    let key = |c| {
        Ok::<_, std::io::Error>(Event::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::NONE,
        )))
    };
    key_tx.unbounded_send(key('2')).unwrap();

    // The Campaigns view is drawn while the header still says the first
    // evaluation is running: the key did not wait for analytics.
    let start = Instant::now();
    loop {
        let seen = frames
            .lock()
            .unwrap()
            .iter()
            .any(|f| f.contains("2 Campaigns") && f.contains("analysing"));
        if seen {
            break;
        }
        // A bound on waiting, not a performance assertion.
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no frame showed Campaigns during the evaluation; last frame:\n{}",
            frames.lock().unwrap().last().cloned().unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    key_tx.unbounded_send(key('q')).unwrap();
    let state = run.await.unwrap().unwrap();
    assert!(state.should_quit);
    assert!(!state.eval_running, "the engine came home");
    assert!(state.evaluated_at.is_some());
    assert_eq!(state.derived.health.len(), n, "results applied");
    let last = frames.lock().unwrap().last().cloned().unwrap();
    assert!(!last.contains("analysing"), "{last}");
}
