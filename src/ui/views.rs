//! One file per screen. Each `render` reads `AppState` and draws into `area`.

pub mod approvals;
pub mod campaigns;
pub mod confirm;
pub mod detail;
pub mod help;
pub mod lists;
pub mod outbox;
pub mod overview;

use ratatui::text::Span;

use super::theme::Theme;
use crate::app::AppState;

/// The campaign's name, or its id when the campaign is not (yet) known.
pub fn campaign_name(state: &AppState, id: &str) -> String {
    state
        .snapshot
        .campaign(id)
        .map_or_else(|| id.to_string(), |c| c.name.clone())
}

/// Health symbol and score: shape and text carry the meaning, colour repeats it.
pub fn health_span(score: Option<u8>, theme: &Theme) -> Span<'static> {
    let g = &theme.glyphs;
    match score {
        None => Span::styled(format!("{} --", g.dash), theme.muted()),
        Some(s) if s < 50 => Span::styled(format!("{} {s:>2}", g.critical), theme.crit()),
        Some(s) if s < 75 => Span::styled(format!("{} {s:>2}", g.warning), theme.warn()),
        Some(s) => Span::styled(format!("{} {s:>2}", g.ok), theme.ok()),
    }
}
