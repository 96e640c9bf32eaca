//! The confirmation dialog for operator commands: what will happen, where
//! (production named in words), and the reason typed so far.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::app::{AppState, Confirm};
use crate::ui::theme::Theme;

pub fn render(frame: &mut Frame, area: Rect, state: &AppState, confirm: &Confirm, theme: &Theme) {
    let width = area.width.saturating_sub(4).min(72);
    let [row] = Layout::vertical([Constraint::Length(8)])
        .flex(Flex::Center)
        .areas(area);
    let [dialog] = Layout::horizontal([Constraint::Length(width)])
        .flex(Flex::Center)
        .areas(row);
    let target = if state.production {
        Span::styled(
            format!(" PRODUCTION: {} ", state.profile),
            theme.production(),
        )
    } else {
        Span::styled(format!("profile {}", state.profile), theme.text())
    };
    let reason_label = if state.production {
        "Reason (required): "
    } else {
        "Reason (optional): "
    };
    let lines = vec![
        Line::from(Span::styled(confirm.summary.clone(), theme.accent())),
        Line::from(vec![Span::styled("on ", theme.muted()), target]),
        Line::from(vec![
            Span::styled(reason_label, theme.muted()),
            Span::styled(confirm.reason.clone(), theme.text()),
            Span::styled(theme.glyphs.cursor, theme.text()),
        ]),
        Line::from(""),
        Line::from(vec![
            Span::styled("Enter", theme.accent()),
            Span::styled(" confirm   ", theme.muted()),
            Span::styled("Esc", theme.accent()),
            Span::styled(" cancel", theme.muted()),
        ]),
    ];
    let block = Block::new()
        .borders(Borders::ALL)
        .border_set(theme.glyphs.border)
        .border_style(theme.marker())
        .title(Line::from(Span::styled(
            " Confirm command ",
            theme.accent(),
        )));
    frame.render_widget(Clear, dialog);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        dialog,
    );
}
