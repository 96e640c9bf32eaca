//! The session goes through a real store: the loop restores the view and
//! filter saved last time and saves the new ones as they change.

use chrono::{Duration, Utc};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures::stream;
use mops::app::{self, AppContext, Session, SessionSink, View};
use mops::store::Store;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio_util::sync::CancellationToken;

fn key(c: char) -> std::io::Result<Event> {
    Ok(Event::Key(KeyEvent::new(
        KeyCode::Char(c),
        KeyModifiers::NONE,
    )))
}

fn enter() -> std::io::Result<Event> {
    Ok(Event::Key(KeyEvent::new(
        KeyCode::Enter,
        KeyModifiers::NONE,
    )))
}

fn sink(store: &Store) -> SessionSink {
    let store = store.clone();
    SessionSink::new(move |s| store.save_session(s).expect("save session"))
}

#[tokio::test]
async fn view_and_filter_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = Store::open(dir.path()).unwrap();
    let left_at = Utc::now() - Duration::minutes(14);
    store
        .save_session(&Session {
            view: "approvals".into(),
            filter: "status=active channel=email".into(),
            left_at,
        })
        .unwrap();

    // Start: back on Approvals with the filter; then switch to :alerts.
    let session = store.load_session().unwrap();
    let mut events: Vec<_> = ":alerts".chars().map(key).collect();
    events.push(enter());
    events.push(key('q'));
    let (_tx, rx) = tokio::sync::mpsc::channel(1);
    let ctx = AppContext {
        session,
        session_sink: Some(sink(&store)),
        ..AppContext::default()
    };
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let (started, _) = app::AppState::new(
        AppContext {
            session: store.load_session().unwrap(),
            ..AppContext::default()
        },
        Utc::now(),
    );
    assert_eq!(started.view, View::Approvals, "view restored");
    assert_eq!(started.filter_text, "status=active channel=email");
    assert!(started.filter.is_some(), "filter restored and parsed");

    let state = app::run(
        &mut terminal,
        stream::iter(events),
        rx,
        ctx,
        CancellationToken::new(),
    )
    .await
    .unwrap();
    assert_eq!(state.view, View::Alerts);
    assert_eq!(state.filter_text, "status=active channel=email");
    let saved = store.load_session().unwrap().expect("saved while running");
    assert_eq!(saved.view, "alerts", "saved on view change, before exit");
    assert_eq!(saved.filter, "status=active channel=email");
    assert!(saved.left_at > left_at);
}
