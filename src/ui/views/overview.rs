//! The overview: five areas, each worst first, each titled with the
//! freshness of the source it comes from.
//!
//! ```text
//! ┌ Campaign health ─────────┐┌ Alerts ──────────────────┐
//! └──────────────────────────┘└──────────────────────────┘
//! ┌ Sync failures ───────────┐┌ Throttles ───────────────┐
//! └──────────────────────────┘└──────────────────────────┘
//! ┌ Approvals ──────────────────────────────────────────┐
//! └─────────────────────────────────────────────────────┘
//! ```
//! Below 60 columns the areas stack without borders, one worst line each.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};

use super::{approvals, campaigns, lists};
use crate::app::AppState;
use crate::ui::theme::Theme;

pub fn render(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    if area.width < 60 {
        let areas = Layout::vertical([Constraint::Fill(1); 5]).split(area);
        campaigns::health_area(frame, areas[0], state, theme, true);
        lists::alerts_area(frame, areas[1], state, theme, true);
        lists::sync_area(frame, areas[2], state, theme, true);
        lists::throttles_area(frame, areas[3], state, theme, true);
        approvals::area(frame, areas[4], state, theme, true);
        return;
    }
    let [top, middle, bottom] = Layout::vertical([
        Constraint::Fill(3),
        Constraint::Fill(2),
        Constraint::Fill(2),
    ])
    .areas(area);
    let halves = |r: Rect| -> [Rect; 2] {
        Layout::horizontal([Constraint::Fill(1), Constraint::Fill(1)]).areas(r)
    };
    let [health, alerts] = halves(top);
    let [sync, throttles] = halves(middle);
    campaigns::health_area(frame, health, state, theme, false);
    lists::alerts_area(frame, alerts, state, theme, false);
    lists::sync_area(frame, sync, state, theme, false);
    lists::throttles_area(frame, throttles, state, theme, false);
    approvals::area(frame, bottom, state, theme, false);
}
