//! Whole-screen snapshots of every view at fixed sizes, plus style checks
//! where style carries meaning (snapshots hold symbols only).

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

use super::fixture;
use super::render;
use super::theme::Theme;
use crate::app::{Action, AppState, View, update};
use crate::terminal::{Capabilities, ColorDepth};

fn draw(state: &AppState, theme: &Theme, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| render(f, state, theme)).unwrap();
    t
}

fn text(buf: &Buffer) -> String {
    let mut s = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            s.push_str(buf[(x, y)].symbol());
        }
        s.push('\n');
    }
    s
}

fn in_view(view: View) -> AppState {
    let mut s = fixture::state();
    s.view = view;
    if view == View::Detail {
        s.detail = Some("c-01".into());
        s.back = Some(View::Campaigns);
    }
    s
}

const SIZES: [(u16, u16); 3] = [(80, 24), (160, 48), (40, 12)];

#[test]
fn overview_snapshots() {
    let theme = Theme::default();
    for (w, h) in SIZES {
        let t = draw(&fixture::state(), &theme, w, h);
        insta::assert_snapshot!(format!("overview_{w}x{h}"), t.backend());
    }
}

#[test]
fn offline_overview_snapshot() {
    let t = draw(&fixture::offline_state(), &Theme::default(), 80, 24);
    insta::assert_snapshot!("overview_offline_80x24", t.backend());
    let screen = text(t.backend().buffer());
    assert!(screen.contains("OFFLINE"), "{screen}");
    assert!(
        screen.contains("14:48:00"),
        "names the last success: {screen}"
    );
}

const AREA_NAMES: [&str; 5] = [
    "Campaign health",
    "Alerts",
    "Sync failures",
    "Throttles",
    "Approvals",
];

#[test]
fn area_names_survive_failing_sources_at_80_columns() {
    let t = draw(&fixture::failing_state(), &Theme::default(), 80, 24);
    insta::assert_snapshot!("overview_failing_80x24", t.backend());
    for (label, state) in [
        ("failing", fixture::failing_state()),
        ("stale", fixture::offline_state()),
    ] {
        let t = draw(&state, &Theme::default(), 80, 24);
        let screen = text(t.backend().buffer());
        assert!(screen.contains("OFFLINE"), "{label}: {screen}");
        for name in AREA_NAMES {
            assert!(screen.contains(name), "{label}: {name} hidden:\n{screen}");
        }
        // Not colour alone: the state is said in words next to its symbol.
        let word = if label == "failing" {
            "failing"
        } else {
            "stale"
        };
        assert!(
            screen.matches(word).count() >= 5,
            "{label}: every area says {word}:\n{screen}"
        );
    }
}

#[test]
fn view_snapshots() {
    let theme = Theme::default();
    let views = [
        (View::Campaigns, "campaigns"),
        (View::Alerts, "alerts"),
        (View::Sync, "sync"),
        (View::Throttles, "throttles"),
        (View::Approvals, "approvals"),
        (View::Help, "help"),
        (View::Detail, "detail"),
    ];
    for (view, name) in views {
        for (w, h) in SIZES {
            let t = draw(&in_view(view), &theme, w, h);
            insta::assert_snapshot!(format!("{name}_{w}x{h}"), t.backend());
        }
    }
}

#[test]
fn tiny_terminals_do_not_panic() {
    let ascii = Theme::default().adapt(Capabilities {
        color: ColorDepth::NoColor,
        unicode: false,
    });
    for theme in [Theme::default(), ascii] {
        for view in View::TABS.iter().copied().chain([View::Detail]) {
            for (w, h) in [(20, 5), (1, 1), (0, 0), (5, 20), (200, 3)] {
                for s in [in_view(view), {
                    let mut o = fixture::offline_state();
                    o.view = view;
                    o
                }] {
                    draw(&s, &theme, w, h);
                }
            }
        }
    }
}

#[test]
fn stale_source_is_named_in_its_area_title() {
    let t = draw(&fixture::state(), &Theme::default(), 160, 48);
    let screen = text(t.backend().buffer());
    assert!(screen.contains("CRM: 14 min stale"), "{screen}");
    assert!(screen.contains("ERP 40s ago"), "{screen}");
    assert!(screen.contains("Marketing 12s ago"), "{screen}");
}

/// Find the first cell of `needle` on screen.
fn find(buf: &Buffer, needle: &str) -> Option<(u16, u16)> {
    let n = needle.chars().count() as u16;
    for y in 0..buf.area.height {
        for x in 0..buf.area.width.saturating_sub(n - 1) {
            let s: String = (0..n).map(|i| buf[(x + i, y)].symbol()).collect();
            if s == needle {
                return Some((x, y));
            }
        }
    }
    None
}

#[test]
fn production_label_has_words_and_style() {
    let theme = Theme::default();
    let t = draw(&fixture::state(), &theme, 80, 24);
    let buf = t.backend().buffer();
    let (x, y) = find(buf, "PRODUCTION").expect("label text is on screen");
    let cell = &buf[(x, y)];
    let want = theme.production();
    assert_eq!(cell.bg, want.bg.unwrap());
    assert!(cell.modifier.contains(Modifier::BOLD));
    assert_ne!(cell.bg, Color::Reset, "production must stand out");

    // Non-production: no label, no production style.
    let mut s = fixture::state();
    s.production = false;
    let t = draw(&s, &theme, 80, 24);
    assert!(find(t.backend().buffer(), "PRODUCTION").is_none());

    // Under NO_COLOR the label is still distinct: reverse video and bold.
    let mono = Theme::default().adapt(Capabilities {
        color: ColorDepth::NoColor,
        unicode: true,
    });
    let t = draw(&fixture::state(), &mono, 80, 24);
    let buf = t.backend().buffer();
    let (x, y) = find(buf, "PRODUCTION").unwrap();
    assert!(
        buf[(x, y)]
            .modifier
            .contains(Modifier::REVERSED | Modifier::BOLD)
    );
}

#[test]
fn no_color_uses_only_modifiers_for_selection() {
    let mono = Theme::default().adapt(Capabilities {
        color: ColorDepth::NoColor,
        unicode: true,
    });
    let mut s = in_view(View::Campaigns);
    update(&mut s, Action::Down);
    let t = draw(&s, &mono, 80, 24);
    let buf = t.backend().buffer();
    for cell in buf.content() {
        assert_eq!(cell.fg, Color::Reset, "{cell:?}");
        assert_eq!(cell.bg, Color::Reset, "{cell:?}");
    }
    // The second campaign by health is "Black Friday SMS" (score 48).
    let (x, y) = find(buf, "Black Friday SMS").expect("row on screen");
    assert!(buf[(x, y)].modifier.contains(Modifier::REVERSED));
    // The row above is not selected.
    assert!(!buf[(x, y - 1)].modifier.contains(Modifier::REVERSED));
}

#[test]
fn ascii_fallback_draws_only_ascii() {
    let ascii = Theme::default().adapt(Capabilities {
        color: ColorDepth::Ansi16,
        unicode: false,
    });
    for view in View::TABS.iter().copied().chain([View::Detail]) {
        let s = in_view(view);
        let t = draw(&s, &ascii, 160, 48);
        let screen = text(t.backend().buffer());
        // Snapshot text may contain non-ASCII only where the data does
        // ("–" in a health reason comes from the fixture, not from us).
        let foreign: String = screen
            .chars()
            .filter(|c| !c.is_ascii() && *c != '–')
            .collect();
        assert!(foreign.is_empty(), "{view:?}: {foreign:?}\n{screen}");
    }
}

#[test]
fn confirm_dialog_snapshots() {
    let mut s = in_view(View::Campaigns);
    s.readonly = false;
    update(&mut s, Action::Pause);
    let opened = text(draw(&s, &Theme::default(), 80, 24).backend().buffer());
    assert!(opened.contains("> Cancel <"), "Cancel focused:\n{opened}");
    assert!(opened.contains("Type c-01 to confirm"), "{opened}");
    use crate::app::InputEdit::{Complete, Paste};
    for edit in [
        Complete,
        Paste("c-01".into()),
        Complete,
        Paste("CTR collapse".into()),
    ] {
        update(&mut s, Action::Input(edit));
    }
    assert!(s.confirm.is_some());
    for (w, h) in SIZES {
        let t = draw(&s, &Theme::default(), w, h);
        insta::assert_snapshot!(format!("confirm_{w}x{h}"), t.backend());
    }
    for (w, h) in [(20, 5), (1, 1)] {
        draw(&s, &Theme::default(), w, h);
    }
}

#[test]
fn ten_thousand_campaigns_scroll_to_the_last() {
    let mut s = in_view(View::Campaigns);
    let template = s.snapshot.campaigns[0].clone();
    std::sync::Arc::make_mut(&mut s.snapshot).campaigns = (0..10_000)
        .map(|i| {
            let mut c = template.clone();
            c.id = format!("c-{i:05}");
            c.name = format!("Campaign {i:05}");
            c
        })
        .collect();
    s.derived = Default::default();
    crate::app::refresh_rows(&mut s);
    s.page_rows = crate::ui::body_rows(24);
    update(&mut s, Action::Bottom);
    let t = draw(&s, &Theme::default(), 80, 24);
    let screen = text(t.backend().buffer());
    assert!(screen.contains("Campaign 09999"), "{screen}");
    assert!(!screen.contains("Campaign 00000"), "{screen}");
    update(&mut s, Action::PageUp);
    assert_eq!(s.selected(View::Campaigns), 9999 - s.page_rows);
}

#[test]
fn help_scrolls_to_the_syntax_notes() {
    let mut s = in_view(View::Help);
    let t = draw(&s, &Theme::default(), 80, 24);
    assert!(!text(t.backend().buffer()).contains("/status=paused"));
    update(&mut s, Action::Bottom);
    let t = draw(&s, &Theme::default(), 80, 24);
    let screen = text(t.backend().buffer());
    assert!(screen.contains("/status=paused health<60"), "{screen}");
    assert!(
        screen.contains("acknowledge the selected alert"),
        "{screen}"
    );
}

#[test]
fn outbox_snapshots() {
    use crate::domain::{CommandKind, CommandStatus, OperatorCommand, Verdict};
    let mut s = fixture::state();
    let cmd = |key: &str, kind: CommandKind, status: CommandStatus, mins: i64| OperatorCommand {
        idempotency_key: key.into(),
        kind,
        actor: "ana".into(),
        reason: Some("CTR collapse".into()),
        created_at: fixture::now() - chrono::Duration::minutes(mins),
        status,
        updated_at: None,
    };
    s.recent_commands = vec![
        cmd(
            "k1",
            CommandKind::Pause {
                campaign_id: "c-01".into(),
            },
            CommandStatus::Applied,
            12,
        ),
        cmd(
            "k2",
            CommandKind::Decide {
                request_id: "ar-101".into(),
                step_id: "finance".into(),
                verdict: Verdict::Approve,
            },
            CommandStatus::Conflict {
                detail: "already decided by dan".into(),
            },
            5,
        ),
        cmd(
            "k3",
            CommandKind::RetrySync {
                job_id: "j-1".into(),
            },
            CommandStatus::Sent,
            1,
        ),
    ];
    update(&mut s, Action::CommandMode);
    for c in "outbox".chars() {
        update(&mut s, Action::Input(crate::app::InputEdit::Char(c)));
    }
    update(&mut s, Action::Input(crate::app::InputEdit::Submit));
    assert_eq!(s.view, View::Outbox);
    for (w, h) in SIZES {
        let t = draw(&s, &Theme::default(), w, h);
        insta::assert_snapshot!(format!("outbox_{w}x{h}"), t.backend());
    }
    update(&mut s, Action::Back);
    assert_eq!(s.view, View::Overview);
}

#[test]
fn footer_offers_the_views_commands_unless_readonly() {
    let mut s = in_view(View::Approvals);
    let footer = |s: &AppState| {
        let t = draw(s, &Theme::default(), 120, 24);
        text(t.backend().buffer())
            .lines()
            .last()
            .unwrap_or("")
            .to_string()
    };
    assert!(!footer(&s).contains("approve"), "readonly: {}", footer(&s));
    s.readonly = false;
    assert!(footer(&s).contains("a approve  x reject"), "{}", footer(&s));
    s.view = View::Campaigns;
    assert!(footer(&s).contains("p pause"), "{}", footer(&s));
}

#[test]
fn detail_shows_the_approval_chain_and_the_command_history() {
    let mut s = fixture::state();
    s.view = View::Detail;
    s.detail = Some("c-05".into());
    s.back = Some(View::Campaigns);
    s.audit = vec![crate::domain::AuditEntry {
        seq: 1,
        at: s.now - chrono::Duration::minutes(20),
        actor: "dora".into(),
        role: "operator".into(),
        action: "pause".into(),
        target: "c-05".into(),
        before: None,
        after: None,
        reason: Some("stock check".into()),
        idempotency_key: Some("k".into()),
        outcome: "applied".into(),
        prev_hash: String::new(),
        hash: String::new(),
    }];
    let t = draw(&s, &Theme::default(), 160, 48);
    let screen = text(t.backend().buffer());
    assert!(screen.contains("approval  ar-101 pending"), "{screen}");
    assert!(
        screen.contains("[every request]"),
        "why each step is there: {screen}"
    );
    assert!(screen.contains("waiting on"), "{screen}");
    assert!(
        screen.contains("pause applied by dora: stock check"),
        "{screen}"
    );
}
