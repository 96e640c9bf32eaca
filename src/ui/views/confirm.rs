//! The confirmation dialog for operator commands: what will happen, where
//! (production named in words), the id to type on production, the reason
//! typed so far, and Cancel / Confirm with the focus marked by `> <` as
//! well as by style.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::app::confirm::Focus;
use crate::app::{AppState, Confirm};
use crate::ui::theme::Theme;

pub fn render(frame: &mut Frame, area: Rect, state: &AppState, confirm: &Confirm, theme: &Theme) {
    let width = area.width.saturating_sub(4).min(72);
    // Detail lines wrap inside the borders; count the rows they take.
    let inner = usize::from(width.saturating_sub(2)).max(1);
    let detail_rows: usize = confirm
        .details
        .iter()
        .map(|d| d.chars().count().div_ceil(inner).max(1))
        .sum();
    let height = (8 + u16::from(confirm.expect_name.is_some()))
        .saturating_add(u16::try_from(detail_rows).unwrap_or(u16::MAX))
        .min(area.height);
    let [row] = Layout::vertical([Constraint::Length(height)])
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
    let reason_label = if state.production || confirm.needs_reason {
        "Reason (required): "
    } else {
        "Reason (optional): "
    };
    let field = |label: String, text: &str, focus: Focus| {
        let here = confirm.focus == focus;
        let mut spans = vec![
            Span::styled(label, if here { theme.accent() } else { theme.muted() }),
            Span::styled(text.to_string(), theme.text()),
        ];
        if here {
            spans.push(Span::styled(theme.glyphs.cursor, theme.text()));
        }
        Line::from(spans)
    };
    let mut lines = vec![Line::from(Span::styled(
        confirm.summary.clone(),
        theme.accent(),
    ))];
    for d in &confirm.details {
        let style = if d.starts_with("COMPLIANCE") {
            theme.warn()
        } else {
            theme.muted()
        };
        lines.push(Line::from(Span::styled(d.clone(), style)));
    }
    lines.push(Line::from(vec![Span::styled("on ", theme.muted()), target]));
    if let Some(want) = &confirm.expect_name {
        lines.push(field(
            format!("Type {want} to confirm: "),
            &confirm.name,
            Focus::Name,
        ));
    }
    lines.push(field(reason_label.into(), &confirm.reason, Focus::Reason));
    lines.push(Line::from(""));
    let button = |label: &str, focus: Focus| {
        if confirm.focus == focus {
            Span::styled(format!("> {label} <"), theme.selection())
        } else {
            Span::styled(format!("  {label}  "), theme.muted())
        }
    };
    lines.push(Line::from(vec![
        button("Cancel", Focus::Cancel),
        Span::raw(" "),
        button("Confirm", Focus::Confirm),
    ]));
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
