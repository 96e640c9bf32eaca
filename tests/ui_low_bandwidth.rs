//! Low-bandwidth mode: over the same few seconds with no new data, the
//! normal loop repaints every second for its clock and ages; the
//! low-bandwidth loop does not repaint until something changes. (Frame
//! counts, not durations: the bounds hold however slow the machine is.)

use std::time::Duration;

use crossterm::event::Event;
use futures::stream;
use mops::app::{self, AppContext};
use ratatui::Terminal;
use tokio_util::sync::CancellationToken;

#[path = "support/recording.rs"]
mod recording;
use recording::Recording;

/// Frames drawn in 5.5 s with no input and no polls.
async fn frames_while_idle(low_bandwidth: bool) -> Vec<String> {
    let (backend, frames) = Recording::new(80, 24);
    let mut terminal = Terminal::new(backend).unwrap();
    let (_tx, rx) = tokio::sync::mpsc::channel(1);
    let cancel = CancellationToken::new();
    let stop = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(5_500)).await;
        stop.cancel();
    });
    let ctx = AppContext {
        low_bandwidth,
        ..AppContext::default()
    };
    let events = stream::pending::<std::io::Result<Event>>();
    app::run(&mut terminal, events, rx, ctx, cancel)
        .await
        .unwrap();
    frames.lock().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn low_bandwidth_redraws_only_on_change() {
    let (normal, low) = tokio::join!(frames_while_idle(false), frames_while_idle(true));
    // First frame, analytics result, and a tick at 1 s at the very least.
    assert!(
        normal.len() >= 3,
        "normal mode ticks the clock: {}",
        normal.len()
    );
    // The first frame, the first analytics result, at most one new minute.
    assert!(low.len() <= 3, "low bandwidth drew {} frames", low.len());
    let header = low[0].lines().next().unwrap().to_string();
    let clock = header.split_whitespace().rev().nth(1).unwrap();
    assert_eq!(clock.matches(':').count(), 1, "no seconds: {header}");
}
