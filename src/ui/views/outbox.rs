//! Commands this console submitted, newest first, with their latest status
//! from the outbox dispatcher.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Cell, Row};

use super::lists::{ListSpec, draw};
use crate::app::{AppState, View};
use crate::domain::CommandStatus;
use crate::ui::format;
use crate::ui::theme::Theme;

pub fn render(frame: &mut Frame, r: Rect, state: &AppState, theme: &Theme) {
    let cmds = &state.recent_commands;
    let g = &theme.glyphs;
    let n = cmds.len();
    let spec = ListSpec {
        name: "Outbox",
        detail: format!("{n} this session"),
        source: None,
        header: vec!["", "Command", "Target", "Status", "Age", "Reason"],
        widths: vec![
            Constraint::Length(1),
            Constraint::Length(11),
            Constraint::Fill(2),
            Constraint::Fill(2),
            Constraint::Length(7),
            Constraint::Fill(2),
        ],
        empty: "no commands submitted in this session",
        total: n,
        row: Box::new(move |k| {
            let c = &cmds[n - 1 - k];
            let (sym, style, status) = match &c.status {
                CommandStatus::Queued => (g.pending, theme.text(), "queued".to_string()),
                CommandStatus::Sent => (g.waiting, theme.warn(), "sent, awaiting answer".into()),
                CommandStatus::Applied => (g.ok, theme.ok(), "applied".into()),
                CommandStatus::Conflict { detail } => {
                    (g.warning, theme.warn(), format!("conflict: {detail}"))
                }
                CommandStatus::Failed { error } => {
                    (g.critical, theme.crit(), format!("failed: {error}"))
                }
            };
            Row::new(vec![
                Cell::from(Span::styled(sym, style)),
                Cell::from(c.kind.verb()),
                Cell::from(c.kind.target()),
                Cell::from(Span::styled(status, style)),
                Cell::from(format::age(state.now - c.created_at)),
                Cell::from(c.reason.clone().unwrap_or_default()),
            ])
        }),
    };
    draw(frame, r, state, theme, false, Some(View::Outbox), spec);
}
