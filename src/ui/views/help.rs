//! Help, generated from the live keymap so it never disagrees with it.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::{Cell, Row};

use crate::app::command::HELP_NOTES;
use crate::app::{Action, AppState, View};
use crate::ui::area;
use crate::ui::theme::Theme;

pub fn render(frame: &mut Frame, r: Rect, state: &AppState, theme: &Theme) {
    let g = &theme.glyphs;
    let mut all: Vec<(String, String)> = Action::BINDABLE
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
            (keys, a.describe().to_string())
        })
        .collect();
    all.extend(
        HELP_NOTES
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string())),
    );
    let selected = state.selected(View::Help);
    let window = area::window(all.len(), Some(selected), area::capacity(r, false));
    // Only the visible rows; j/k scroll when the keymap outgrows the screen.
    let rows: Vec<Row> = all[window.clone()]
        .iter()
        .enumerate()
        .map(|(k, (keys, what))| {
            let row = Row::new(vec![
                Cell::from(keys.clone()).style(theme.accent()),
                Cell::from(what.clone()).style(theme.text()),
            ]);
            if window.start + k == selected {
                row.style(theme.selection())
            } else {
                row
            }
        })
        .collect();
    let block = area::block(
        area::title(
            "Help",
            "keys from your keymap, Esc or ? to close".into(),
            theme,
        ),
        r.width,
        None,
        state,
        theme,
        false,
    );
    let spec = area::TableSpec {
        header: &["Keys", "Action"],
        widths: &[Constraint::Length(28), Constraint::Fill(1)],
        empty: "no keys bound",
        total: all.len(),
        compact: false,
    };
    area::table(frame, r, block, spec, rows, theme);
}
