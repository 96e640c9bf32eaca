//! Campaign health (overview area) and the Campaigns table.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row};

use super::health_span;
use crate::app::{AppState, View};
use crate::domain::{CampaignStatus, Severity, System, ThrottleLevel};
use crate::ui::area;
use crate::ui::format;
use crate::ui::theme::Theme;

/// "active 12, paused 3, scheduled 1".
fn status_counts(state: &AppState) -> String {
    let order = [
        CampaignStatus::Active,
        CampaignStatus::Paused,
        CampaignStatus::Scheduled,
        CampaignStatus::Draft,
        CampaignStatus::Completed,
    ];
    order
        .iter()
        .filter_map(|s| {
            let n = state
                .snapshot
                .campaigns
                .iter()
                .filter(|c| c.status == *s)
                .count();
            (n > 0).then(|| format!("{} {n}", s.as_str()))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn health_area(frame: &mut Frame, r: Rect, state: &AppState, theme: &Theme, compact: bool) {
    // The counts go on the bottom border where there is one: the top border
    // is shared with the freshness, and both must stay readable at 80 columns.
    let counts = status_counts(state);
    let title = area::title(
        "Campaign health",
        if compact {
            counts.clone()
        } else {
            String::new()
        },
        theme,
    );
    let mut block = area::block(
        title,
        r.width,
        Some(System::Marketing),
        state,
        theme,
        compact,
    );
    if !compact && !counts.is_empty() {
        block = block.title_bottom(Line::from(Span::styled(
            format!(" {counts} "),
            theme.muted(),
        )));
    }
    let cap = area::capacity(r, compact);
    let rows: Vec<Row> = state
        .rows
        .worst
        .iter()
        .take(cap)
        .map(|&i| {
            let c = &state.snapshot.campaigns[i];
            let h = state.derived.health.get(&c.id);
            let reason = h
                .and_then(|h| h.reasons.first().cloned())
                .unwrap_or_default();
            Row::new(vec![
                Cell::from(health_span(h.map(|h| h.score), theme)),
                Cell::from(c.name.clone()),
                Cell::from(Span::styled(reason, theme.text())),
            ])
        })
        .collect();
    let empty = if state.snapshot.campaigns.is_empty() {
        "no campaigns loaded"
    } else {
        "no health scores yet"
    };
    let spec = area::TableSpec {
        header: &["Health", "Campaign", "Why"],
        widths: &[
            Constraint::Length(6),
            Constraint::Fill(2),
            Constraint::Fill(3),
        ],
        empty,
        total: state.rows.worst.len(),
        compact,
    };
    area::table(frame, r, block, spec, rows, theme);
}

fn markers(
    alert: Option<Severity>,
    throttle: Option<ThrottleLevel>,
    theme: &Theme,
) -> Line<'static> {
    let g = &theme.glyphs;
    let a = match alert {
        Some(Severity::Critical) => Span::styled(g.critical, theme.crit()),
        Some(Severity::Warning) => Span::styled(g.warning, theme.warn()),
        Some(Severity::Info) => Span::styled("i", theme.text()),
        None => Span::raw(" "),
    };
    let t = match throttle {
        Some(ThrottleLevel::Paused) => Span::styled(g.paused, theme.crit()),
        Some(ThrottleLevel::Throttled) => Span::styled(g.throttled, theme.warn()),
        Some(ThrottleLevel::Full) | None => Span::raw(" "),
    };
    Line::from(vec![a, Span::raw(" "), t])
}

pub fn render(frame: &mut Frame, r: Rect, state: &AppState, theme: &Theme) {
    let rows_all = &state.rows.campaigns;
    let mut detail = if state.filter.is_some() {
        format!(
            "{} of {}, filter: {}",
            rows_all.len(),
            state.rows.campaigns_total,
            state.filter_text
        )
    } else {
        format!("{}", rows_all.len())
    };
    detail.push_str(&format!(
        ", sort: {}{}",
        state.sort.as_str(),
        theme.glyphs.sort
    ));
    let block = area::block(
        area::title("Campaigns", detail, theme),
        r.width,
        Some(System::Marketing),
        state,
        theme,
        false,
    );
    let selected = state.selected(View::Campaigns);
    let window = area::window(rows_all.len(), Some(selected), area::capacity(r, false));
    let wide = r.width >= 120;
    // Below 60 columns the name matters more than channel, pacing and CTR.
    let narrow = r.width < 60;
    let dash = theme.glyphs.dash;
    // Only the visible window is turned into rows: 10,000 campaigns cost
    // the same to draw as 20.
    let rows: Vec<Row> = rows_all[window.clone()]
        .iter()
        .enumerate()
        .map(|(k, row)| {
            let c = &state.snapshot.campaigns[row.idx];
            let mut cells = vec![
                Cell::from(markers(row.alert, row.throttle, theme)),
                Cell::from(health_span(row.score, theme)),
                Cell::from(c.name.clone()),
                Cell::from(c.status.as_str()),
                Cell::from(c.channel.as_str()),
                Cell::from(
                    row.pacing
                        .map_or(dash.to_string(), |p| format!("{:.0}%", p * 100.0)),
                ),
                Cell::from(row.ctr.map_or(dash.to_string(), format::percent)),
            ];
            if narrow {
                cells.truncate(4);
            }
            if wide {
                cells.push(Cell::from(format!(
                    "{} / {}",
                    format::money(c.spend),
                    format::money(c.budget)
                )));
                cells.push(Cell::from(c.owner.clone()));
                cells.push(Cell::from(match &c.fallback {
                    Some(f) => format!("{} ({f})", c.provider),
                    None => c.provider.clone(),
                }));
            }
            let mut row = Row::new(cells);
            if window.start + k == selected {
                row = row.style(theme.selection());
            }
            row
        })
        .collect();
    let mut header = vec![
        "A T", "Health", "Campaign", "Status", "Channel", "Pacing", "CTR",
    ];
    let mut widths = vec![
        Constraint::Length(3),
        Constraint::Length(6),
        Constraint::Fill(1),
        Constraint::Length(9),
        Constraint::Length(7),
        Constraint::Length(6),
        Constraint::Length(6),
    ];
    if narrow {
        header.truncate(4);
        widths.truncate(4);
    }
    if wide {
        header.extend(["Spend / budget", "Owner", "Provider"]);
        widths.extend([
            Constraint::Length(15),
            Constraint::Length(12),
            Constraint::Length(24),
        ]);
    }
    let empty = if state.filter.is_some() {
        "no campaign matches the filter (Esc clears it)"
    } else {
        "no campaigns loaded"
    };
    let spec = area::TableSpec {
        header: &header,
        widths: &widths,
        empty,
        total: rows_all.len(),
        compact: false,
    };
    area::table(frame, r, block, spec, rows, theme);
}
