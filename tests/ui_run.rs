//! Drive the real app loop with scripted terminal events and poll outcomes
//! on a TestBackend, and check the state it returns.

use chrono::{TimeZone, Utc};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures::stream;
use mops::app::{self, AppContext, View};
use mops::domain::{Campaign, CampaignStatus, Channel, System};
use mops::sync::{PollData, PollOutcome};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio_util::sync::CancellationToken;

fn key(c: char) -> std::io::Result<Event> {
    Ok(Event::Key(KeyEvent::new(
        KeyCode::Char(c),
        KeyModifiers::NONE,
    )))
}

fn code(k: KeyCode) -> std::io::Result<Event> {
    Ok(Event::Key(KeyEvent::new(k, KeyModifiers::NONE)))
}

fn campaign(id: &str, name: &str) -> Campaign {
    let t = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
    Campaign {
        id: id.into(),
        name: name.into(),
        channel: Channel::Email,
        status: CampaignStatus::Active,
        owner: "ana".into(),
        budget: 1000.0,
        spend: 10.0,
        start: t,
        end: t + chrono::Duration::days(60),
        skus: vec![],
        provider: "sendgrid".into(),
        fallback: None,
        updated_at: t,
    }
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

#[tokio::test]
async fn keys_and_polls_drive_the_loop_until_q() {
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let (tx, rx) = tokio::sync::mpsc::channel(8);
    let polled_at = Utc::now();
    tx.send(PollOutcome {
        system: System::Marketing,
        at: polled_at,
        server_time: None,
        result: Ok(PollData::Campaigns(vec![
            campaign("c-1", "Winter Sale"),
            campaign("c-2", "Spring Teaser"),
        ])),
    })
    .await
    .unwrap();
    tx.send(PollOutcome {
        system: System::Crm,
        at: polled_at,
        server_time: None,
        result: Err("connection refused".into()),
    })
    .await
    .unwrap();
    let events = stream::iter(vec![
        key('2'),             // Campaigns view
        key('j'),             // second row: unscored campaigns sort by name
        code(KeyCode::Enter), // detail of Winter Sale
        key('x'),             // unbound: ignored
        key('q'),
        key('j'), // after quit: never read
    ]);
    let ctx = AppContext {
        profile: "staging".into(),
        ..AppContext::default()
    };
    let state = app::run(&mut terminal, events, rx, ctx, CancellationToken::new())
        .await
        .unwrap();
    assert!(state.should_quit, "q ends the loop");
    assert_eq!(state.snapshot.campaigns.len(), 2, "poll data applied");
    let crm = state.snapshot.freshness(System::Crm);
    assert_eq!(crm.failures, 1);
    assert_eq!(state.view, View::Detail);
    assert_eq!(state.detail.as_deref(), Some("c-1"));
    let s = screen(&terminal);
    assert!(s.contains("Winter Sale"), "{s}");
    assert!(s.contains("profile: staging"), "{s}");
}

#[tokio::test]
async fn cancellation_stops_the_loop() {
    let mut terminal = Terminal::new(TestBackend::new(40, 12)).unwrap();
    let (_tx, rx) = tokio::sync::mpsc::channel(1);
    let cancel = CancellationToken::new();
    cancel.cancel();
    // A stream that never yields: only the token can end the loop.
    let events = stream::pending::<std::io::Result<Event>>();
    let state = app::run(&mut terminal, events, rx, AppContext::default(), cancel)
        .await
        .unwrap();
    assert!(!state.should_quit);
}

#[tokio::test]
async fn command_line_and_filter() {
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let (tx, rx) = tokio::sync::mpsc::channel(8);
    tx.send(PollOutcome {
        system: System::Marketing,
        at: Utc::now(),
        server_time: None,
        result: Ok(PollData::Campaigns(vec![
            campaign("c-1", "Winter Sale"),
            campaign("c-2", "Spring Teaser"),
        ])),
    })
    .await
    .unwrap();
    let mut events = vec![
        key(':'),
        key('a'),
        key('l'),
        code(KeyCode::Tab),
        code(KeyCode::Enter),
    ];
    events.extend([key('/'), key('s'), key('p'), key('r'), code(KeyCode::Enter)]);
    let mut quit: Vec<_> = ":q".chars().map(key).collect();
    quit.push(code(KeyCode::Enter));
    events.extend(quit);
    let state = app::run(
        &mut terminal,
        stream::iter(events),
        rx,
        AppContext::default(),
        CancellationToken::new(),
    )
    .await
    .unwrap();
    assert!(state.should_quit);
    // ":al<Tab>" completed to alerts, then "/spr" switched to the filtered campaigns.
    assert_eq!(state.view, View::Campaigns);
    assert_eq!(state.filter_text, "spr");
    assert_eq!(state.rows.campaigns.len(), 1);
    assert_eq!(
        state.snapshot.campaigns[state.rows.campaigns[0].idx].id,
        "c-2"
    );
}

#[tokio::test]
async fn confirmed_command_reaches_the_dispatcher_channel() {
    use mops::domain::{CommandKind, CommandStatus, OperatorCommand};
    use mops::sync::CommandResult;

    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let (tx, rx) = tokio::sync::mpsc::channel(8);
    tx.send(PollOutcome {
        system: System::Marketing,
        at: Utc::now(),
        server_time: None,
        result: Ok(PollData::Campaigns(vec![campaign("c-1", "Winter Sale")])),
    })
    .await
    .unwrap();
    let (cmd_tx, mut cmd_rx) = tokio::sync::mpsc::channel::<OperatorCommand>(4);
    let (res_tx, res_rx) = tokio::sync::mpsc::channel::<CommandResult>(4);
    // A report about an earlier command (e.g. replayed from the outbox).
    res_tx
        .send(CommandResult {
            command: OperatorCommand {
                idempotency_key: "earlier".into(),
                kind: CommandKind::RetrySync {
                    job_id: "j-9".into(),
                },
                actor: "ana".into(),
                reason: None,
                created_at: Utc::now(),
                status: CommandStatus::Applied,
                updated_at: None,
            },
        })
        .await
        .unwrap();
    // Cancel has the focus: Tab to the reason, Enter on to Confirm, Enter.
    let mut events = vec![key('2'), key('p'), code(KeyCode::Tab)];
    events.extend("testing".chars().map(key));
    events.push(code(KeyCode::Enter));
    events.push(code(KeyCode::Enter));
    events.push(key('q'));
    let ctx = AppContext {
        actor: "ana".into(),
        commands: Some(cmd_tx),
        results: Some(res_rx),
        ..AppContext::default()
    };
    let state = app::run(
        &mut terminal,
        stream::iter(events),
        rx,
        ctx,
        CancellationToken::new(),
    )
    .await
    .unwrap();
    let sent = cmd_rx.try_recv().expect("one command submitted");
    assert_eq!(
        sent.kind,
        CommandKind::Pause {
            campaign_id: "c-1".into()
        }
    );
    assert_eq!(sent.reason.as_deref(), Some("testing"));
    assert_eq!(sent.actor, "ana");
    assert!(cmd_rx.try_recv().is_err(), "exactly one");
    let keys: Vec<&str> = state
        .recent_commands
        .iter()
        .map(|c| c.idempotency_key.as_str())
        .collect();
    assert_eq!(keys, vec!["earlier", sent.idempotency_key.as_str()]);
    assert!(state.should_quit);
}
