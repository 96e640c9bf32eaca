//! Alerts, sync failures and throttles: each drawn as an overview area
//! (`*_area`) and as a full view with a cursor (`alerts`, `sync`, `throttles`).

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Cell, Row};

use super::campaign_name;
use crate::app::{AppState, View};
use crate::domain::{AlertState, Severity, System, ThrottleLevel};
use crate::ui::area;
use crate::ui::format;
use crate::ui::theme::Theme;

/// How one list is drawn; `row(k)` builds the row for position `k` of the
/// sorted list, and is only called for visible rows.
pub struct ListSpec<'a> {
    pub name: &'static str,
    pub detail: String,
    pub source: Option<System>,
    pub header: Vec<&'static str>,
    pub widths: Vec<Constraint>,
    pub empty: &'static str,
    pub total: usize,
    pub row: Box<dyn Fn(usize) -> Row<'a> + 'a>,
}

/// `view` set: a full view with the cursor kept visible; unset: an overview
/// area showing the first rows that fit.
pub fn draw(
    frame: &mut Frame,
    r: Rect,
    state: &AppState,
    theme: &Theme,
    compact: bool,
    view: Option<View>,
    spec: ListSpec<'_>,
) {
    let block = area::block(
        area::title(spec.name, spec.detail, theme),
        r.width,
        spec.source,
        state,
        theme,
        compact,
    );
    let cap = area::capacity(r, compact);
    let selected = view.map(|v| state.selected(v));
    let window = area::window(spec.total, selected, cap);
    let rows = window
        .clone()
        .map(|k| {
            let row = (spec.row)(k);
            if Some(k) == selected {
                row.style(theme.selection())
            } else {
                row
            }
        })
        .collect();
    let table = area::TableSpec {
        header: &spec.header,
        widths: &spec.widths,
        empty: spec.empty,
        total: spec.total,
        compact,
    };
    area::table(frame, r, block, table, rows, theme);
}

fn alert_spec<'a>(state: &'a AppState, theme: &'a Theme, wide: bool) -> ListSpec<'a> {
    let alerts = &state.derived.alerts;
    let firing = alerts
        .iter()
        .filter(|a| a.state == AlertState::Firing)
        .count();
    let pending = alerts
        .iter()
        .filter(|a| a.state == AlertState::Pending)
        .count();
    let g = &theme.glyphs;
    let mut header = vec!["", "Campaign", "Signal", "Observed vs band"];
    let mut widths = vec![
        Constraint::Length(1),
        Constraint::Fill(3),
        Constraint::Fill(2),
        Constraint::Length(19),
    ];
    if wide {
        header.extend(["Severity", "Since", "Acked by", "Baseline"]);
        widths.extend([
            Constraint::Length(8),
            Constraint::Length(7),
            Constraint::Length(10),
            Constraint::Fill(1),
        ]);
    }
    ListSpec {
        name: "Alerts",
        detail: format!("{firing} firing, {pending} pending"),
        source: Some(System::Marketing),
        header,
        widths,
        empty: "no alerts",
        total: state.rows.alerts.len(),
        row: Box::new(move |k| {
            let a = &alerts[state.rows.alerts[k]];
            let style = match a.severity {
                _ if a.acked_by.is_some() => theme.muted(),
                Severity::Critical => theme.crit(),
                Severity::Warning => theme.warn(),
                Severity::Info => theme.text(),
            };
            let sym = match a.state {
                AlertState::Firing => g.firing,
                AlertState::Pending => g.pending,
                AlertState::Resolved => g.resolved,
            };
            let who = a
                .campaign_id
                .as_deref()
                .map_or_else(|| g.dash.to_string(), |id| campaign_name(state, id));
            let mut cells = vec![
                Cell::from(Span::styled(sym, style)),
                Cell::from(who),
                Cell::from(a.signal.clone()),
                Cell::from(format::band(
                    &a.signal,
                    a.observed,
                    a.expected_low,
                    a.expected_high,
                    g.dash,
                )),
            ];
            if wide {
                cells.push(Cell::from(Span::styled(a.severity.as_str(), style)));
                cells.push(Cell::from(format::age(state.world_now() - a.since)));
                cells.push(Cell::from(a.acked_by.clone().unwrap_or_default()));
                cells.push(Cell::from(a.baseline.clone()));
            }
            Row::new(cells)
        }),
    }
}

pub fn alerts_area(frame: &mut Frame, r: Rect, state: &AppState, theme: &Theme, compact: bool) {
    draw(
        frame,
        r,
        state,
        theme,
        compact,
        None,
        alert_spec(state, theme, false),
    );
}

pub fn alerts(frame: &mut Frame, r: Rect, state: &AppState, theme: &Theme) {
    let spec = alert_spec(state, theme, r.width >= 100);
    draw(frame, r, state, theme, false, Some(View::Alerts), spec);
}

fn sync_spec<'a>(state: &'a AppState, theme: &'a Theme, wide: bool) -> ListSpec<'a> {
    let jobs = &state.snapshot.sync_jobs;
    let g = &theme.glyphs;
    let mut header = vec!["", "Job", "Route", "Since", "Try", "Error"];
    let route_w = if wide {
        16
    } else {
        3 + 3 + g.arrow.chars().count() as u16
    };
    let mut widths = vec![
        Constraint::Length(1),
        Constraint::Fill(2),
        Constraint::Length(route_w),
        Constraint::Length(6),
        Constraint::Length(3),
        Constraint::Fill(3),
    ];
    if wide {
        header.push("Next retry");
        widths.push(Constraint::Length(11));
    }
    // Three-letter system codes where space is short: "CRM→MKT".
    let system = move |s: System| {
        if wide {
            s.label().to_string()
        } else {
            match s {
                System::Marketing => "MKT",
                System::Crm => "CRM",
                System::Erp => "ERP",
            }
            .to_string()
        }
    };
    ListSpec {
        name: "Sync failures",
        detail: format!("{} of {} jobs", state.rows.sync.len(), jobs.len()),
        source: Some(System::Crm),
        header,
        widths,
        empty: "no failing sync jobs",
        total: state.rows.sync.len(),
        row: Box::new(move |k| {
            let j = &jobs[state.rows.sync[k]];
            let mut cells = vec![
                Cell::from(Span::styled(g.critical, theme.crit())),
                Cell::from(j.name.clone()),
                Cell::from(format!(
                    "{}{}{}",
                    system(j.source),
                    g.arrow,
                    system(j.target)
                )),
                Cell::from(format::since(state.world_now(), j.failing_since, g.dash)),
                Cell::from(format!("x{}", j.retries)),
                Cell::from(j.error.clone().unwrap_or_else(|| j.status.as_str().into())),
            ];
            if wide {
                cells.push(Cell::from(j.next_retry.map_or_else(
                    || g.dash.to_string(),
                    |t| format::until(state.world_now(), t),
                )));
            }
            Row::new(cells)
        }),
    }
}

pub fn sync_area(frame: &mut Frame, r: Rect, state: &AppState, theme: &Theme, compact: bool) {
    draw(
        frame,
        r,
        state,
        theme,
        compact,
        None,
        sync_spec(state, theme, false),
    );
}

pub fn sync(frame: &mut Frame, r: Rect, state: &AppState, theme: &Theme) {
    let spec = sync_spec(state, theme, r.width >= 100);
    draw(frame, r, state, theme, false, Some(View::Sync), spec);
}

fn throttle_spec<'a>(state: &'a AppState, theme: &'a Theme, wide: bool) -> ListSpec<'a> {
    let throttles = &state.derived.throttles;
    let g = &theme.glyphs;
    let mut header = vec!["", "Campaign", "SKU", "Cover", "Level"];
    let mut widths = vec![
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(10),
        Constraint::Length(6),
        Constraint::Length(9),
    ];
    if wide {
        header.extend(["Factor", "Rule"]);
        widths.extend([Constraint::Length(6), Constraint::Fill(1)]);
    }
    ListSpec {
        name: "Throttles",
        detail: format!("{}", state.rows.throttles.len()),
        source: Some(System::Erp),
        header,
        widths,
        empty: "no throttles",
        total: state.rows.throttles.len(),
        row: Box::new(move |k| {
            let t = &throttles[state.rows.throttles[k]];
            let (sym, style) = match t.level {
                ThrottleLevel::Paused => (g.paused, theme.crit()),
                ThrottleLevel::Throttled => (g.throttled, theme.warn()),
                ThrottleLevel::Full => (g.ok, theme.ok()),
            };
            let cover = t
                .days_of_cover
                .map_or_else(|| g.infinity.to_string(), |d| format!("{d:.1}d"));
            let mut cells = vec![
                Cell::from(Span::styled(sym, style)),
                Cell::from(campaign_name(state, &t.campaign_id)),
                Cell::from(t.sku.clone()),
                Cell::from(cover),
                Cell::from(Span::styled(t.level.as_str(), style)),
            ];
            if wide {
                cells.push(Cell::from(format!("{:.0}%", t.factor * 100.0)));
                cells.push(Cell::from(t.rule.clone()));
            }
            Row::new(cells)
        }),
    }
}

pub fn throttles_area(frame: &mut Frame, r: Rect, state: &AppState, theme: &Theme, compact: bool) {
    draw(
        frame,
        r,
        state,
        theme,
        compact,
        None,
        throttle_spec(state, theme, false),
    );
}

pub fn throttles(frame: &mut Frame, r: Rect, state: &AppState, theme: &Theme) {
    let spec = throttle_spec(state, theme, r.width >= 100);
    draw(frame, r, state, theme, false, Some(View::Throttles), spec);
}
