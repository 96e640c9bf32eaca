//! Rendering: a pure read of `AppState`.
//!
//! ```text
//! ┌ header: mops │ PRODUCTION prod │ READONLY │ FROZEN │ view      clock ┐
//! │ OFFLINE banner (only when every source's last poll failed)          │
//! │ body: the current view                                              │
//! └ footer: key hints, or the : / input line, or a message             ┘
//! ```

pub mod area;
pub mod format;
pub mod glyphs;
pub mod theme;
pub mod views;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::{Action, AppState, InputKind, View, command};
use theme::Theme;

/// Rows left for a list's data lines at terminal height `h` (header,
/// footer, two borders and a table header).
pub fn body_rows(h: u16) -> usize {
    usize::from(h.saturating_sub(5)).max(1)
}

pub fn render(frame: &mut Frame, state: &AppState, theme: &Theme) {
    let offline = format::offline(state);
    let [header, banner, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(u16::from(offline)),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    render_header(frame, header, state, theme);
    if offline {
        render_offline(frame, banner, state, theme);
    }
    match state.view {
        View::Overview => views::overview::render(frame, body, state, theme),
        View::Campaigns => views::campaigns::render(frame, body, state, theme),
        View::Alerts => views::lists::alerts(frame, body, state, theme),
        View::Sync => views::lists::sync(frame, body, state, theme),
        View::Throttles => views::lists::throttles(frame, body, state, theme),
        View::Approvals => views::approvals::render(frame, body, state, theme),
        View::Help => views::help::render(frame, body, state, theme),
        View::Detail => views::detail::render(frame, body, state, theme),
        View::Outbox => views::outbox::render(frame, body, state, theme),
    }
    if let Some(c) = &state.confirm {
        views::confirm::render(frame, body, state, c, theme);
    }
    render_footer(frame, footer, state, theme);
}

fn render_header(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let g = &theme.glyphs;
    let sep = || Span::styled(format!(" {} ", g.sep), theme.border());
    // Narrow: the brand and view name go (block titles name the view), so
    // the profile and read-only markers stay whole.
    let narrow = area.width < 60;
    let mut left = if narrow {
        vec![]
    } else {
        vec![Span::styled(" mops", theme.accent()), sep()]
    };
    // The production label is words plus style, never colour alone.
    if state.production {
        left.push(Span::styled(
            format!(" PRODUCTION: {} ", state.profile),
            theme.production(),
        ));
    } else {
        left.push(Span::styled(
            format!("profile: {}", state.profile),
            theme.text(),
        ));
    }
    if state.readonly {
        left.push(sep());
        left.push(Span::styled("READONLY", theme.marker()));
    }
    if let Some(at) = state.frozen_at {
        left.push(sep());
        let local = at.with_timezone(&state.local_offset);
        left.push(Span::styled(
            format!(
                "FROZEN {} ({} held)",
                local.format("%H:%M:%S"),
                state.held_updates
            ),
            theme.marker(),
        ));
    }
    // Until the first evaluation returns, health and alerts are not known
    // yet: say so rather than show an all-clear.
    if state.eval_running && state.evaluated_at.is_none() {
        left.push(sep());
        left.push(Span::styled(
            format!("analysing{}", g.waiting),
            theme.muted(),
        ));
    }
    if !narrow {
        left.push(sep());
        let title = match state.view.tab_index() {
            Some(i) => format!("{} {}", i + 1, state.view.title()),
            None => state.view.title().to_string(),
        };
        left.push(Span::styled(title, theme.accent()));
    }
    // The profile label outranks the clock when space runs out.
    let clock_format = match (narrow, state.low_bandwidth) {
        (true, _) => "%H:%M ",
        // Seconds would repaint the header every second over a slow link.
        (false, true) => "%a %H:%M %:z ",
        (false, false) => "%a %H:%M:%S %:z ",
    };
    let clock = state
        .now
        .with_timezone(&state.local_offset)
        .format(clock_format)
        .to_string();
    let clock_w = clock.chars().count() as u16;
    let [l, r] = Layout::horizontal([Constraint::Fill(1), Constraint::Length(clock_w)])
        .spacing(1)
        .areas(area);
    frame.render_widget(Paragraph::new(Line::from(left)), l);
    frame.render_widget(Paragraph::new(Span::styled(clock, theme.muted())), r);
}

fn render_offline(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let when = match format::last_success(state) {
        Some(t) => format!(
            "last success {} ({} ago)",
            t.with_timezone(&state.local_offset).format("%H:%M:%S"),
            format::age(state.now - t)
        ),
        None => "no poll has ever succeeded".to_string(),
    };
    // Most important words first: narrow terminals cut the tail.
    let text = format!(
        " {} OFFLINE: all sources failing, {when}, showing cached data ",
        theme.glyphs.critical
    );
    frame.render_widget(Paragraph::new(Line::from(text)).style(theme.banner()), area);
}

fn render_footer(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    if let Some(input) = &state.input {
        let (prefix, hint) = match input.kind {
            InputKind::Command => (":", command::candidates(&input.text).join(" ")),
            InputKind::Filter => (
                "/",
                "status= channel= health< owner= pacing> ctr<  words match name/id".into(),
            ),
        };
        let mut spans = vec![
            Span::styled(prefix, theme.accent()),
            // A prefilled filter is muted: typing replaces it.
            Span::styled(
                input.text.clone(),
                if input.prefilled {
                    theme.muted()
                } else {
                    theme.text()
                },
            ),
            Span::styled(theme.glyphs.cursor, theme.text()),
            Span::raw("  "),
            Span::styled(hint, theme.muted()),
        ];
        if let Some(m) = &state.message {
            spans.insert(4, Span::styled(format!("{m}  "), theme.warn()));
        }
        frame.render_widget(Paragraph::new(Line::from(spans)), area);
        return;
    }
    if let Some(m) = &state.message {
        frame.render_widget(Paragraph::new(Span::styled(m.clone(), theme.warn())), area);
        return;
    }
    if state.confirm.is_some() {
        let hint = Line::from(vec![
            Span::styled(" Tab", theme.accent()),
            Span::styled(" next field/button, ", theme.muted()),
            Span::styled("Enter", theme.accent()),
            Span::styled(" press, ", theme.muted()),
            Span::styled("Esc", theme.accent()),
            Span::styled(" cancel", theme.muted()),
        ]);
        frame.render_widget(Paragraph::new(hint), area);
        return;
    }
    let freeze = if state.is_frozen() {
        "unfreeze"
    } else {
        "freeze"
    };
    // What can be done here comes first: the footer is cut on the right.
    let here: &[(Action, &str)] = match state.view {
        _ if state.readonly => &[],
        View::Campaigns | View::Detail => &[
            (Action::Pause, "pause"),
            (Action::Resume, "resume"),
            (Action::Fallback, "fallback"),
        ],
        View::Approvals => &[(Action::Approve, "approve"), (Action::Reject, "reject")],
        View::Sync => &[(Action::RetrySync, "retry")],
        View::Alerts => &[(Action::Acknowledge, "ack")],
        View::Overview | View::Throttles | View::Help | View::Outbox => &[],
    };
    let mut hints: Vec<(&Action, &str)> = vec![(&Action::Quit, "quit"), (&Action::Help, "help")];
    hints.extend(here.iter().map(|(a, l)| (a, *l)));
    hints.extend([
        (&Action::NextView, "views"),
        (&Action::Down, "move"),
        (&Action::Detail, "detail"),
        (&Action::FilterMode, "filter"),
        (&Action::CommandMode, "command"),
        (&Action::Freeze, freeze),
    ]);
    let mut spans = Vec::new();
    for (action, label) in hints {
        let key = state.keymap.hint(action);
        if key.is_empty() {
            continue;
        }
        spans.push(Span::styled(format!(" {key}"), theme.accent()));
        spans.push(Span::styled(format!(" {label} "), theme.muted()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

#[cfg(test)]
pub(crate) mod fixture;
#[cfg(test)]
mod snapshot_tests;
