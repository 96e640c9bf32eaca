//! Help, generated from the live keymap so it never disagrees with it.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::{Cell, Row};

use crate::app::{Action, AppState};
use crate::ui::area;
use crate::ui::theme::Theme;

pub fn render(frame: &mut Frame, r: Rect, state: &AppState, theme: &Theme) {
    let g = &theme.glyphs;
    let rows: Vec<Row> = Action::BINDABLE
        .iter()
        .map(|a| {
            let keys: Vec<String> = state
                .keymap
                .keys_for(a)
                .iter()
                .map(ToString::to_string)
                .collect();
            let keys = if keys.is_empty() {
                format!("{} (unbound)", g.dash)
            } else {
                keys.join(", ")
            };
            Row::new(vec![
                Cell::from(keys).style(theme.accent()),
                Cell::from(a.describe()).style(theme.text()),
            ])
        })
        .collect();
    let block = area::block(
        area::title(
            "Help",
            "keys from your keymap, Esc or ? to close".into(),
            theme,
        ),
        None,
        state,
        theme,
        false,
    );
    let spec = area::TableSpec {
        header: &["Keys", "Action"],
        widths: &[Constraint::Length(22), Constraint::Fill(1)],
        empty: "no keys bound",
        total: rows.len(),
        compact: false,
    };
    area::table(frame, r, block, spec, rows, theme);
}
