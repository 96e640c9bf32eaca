//! Approvals: the pending requests, soonest deadline first, and for the
//! selected one its chain: who signed, who is next.

use chrono::Duration;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Wrap};

use super::lists::{ListSpec, draw};
use crate::app::{AppState, View};
use crate::domain::{ApprovalRequest, ApprovalStatus, StepRule, System, Verdict};
use crate::ui::area;
use crate::ui::format;
use crate::ui::theme::Theme;

/// "finance: bob, carol" — the current step and who still has to sign.
fn next_step(r: &ApprovalRequest) -> String {
    match r.current_step() {
        Some(s) => format!("{}: {}", s.name, s.waiting_on().join(", ")),
        None => r.status.as_str().to_string(),
    }
}

fn spec<'a>(state: &'a AppState, theme: &'a Theme, width: u16, wide_from: u16) -> ListSpec<'a> {
    let wide = width >= wide_from;
    // Under 60 columns the budget gives way to who is next and when.
    let narrow = width < 60;
    let reqs = &state.snapshot.approvals;
    let g = &theme.glyphs;
    let mut header = vec!["", "Request", "Budget", "Next", "Deadline"];
    let mut widths = vec![
        Constraint::Length(1),
        Constraint::Fill(2),
        Constraint::Length(7),
        Constraint::Fill(2),
        Constraint::Length(15),
    ];
    if narrow {
        header.remove(2);
        widths.remove(2);
    }
    if wide {
        header.extend(["Signed", "Campaign"]);
        widths.extend([Constraint::Length(6), Constraint::Fill(1)]);
    }
    ListSpec {
        name: "Approvals",
        detail: format!("{} pending", state.rows.approvals.len()),
        source: Some(System::Erp),
        header,
        widths,
        empty: "nothing waiting for approval",
        total: state.rows.approvals.len(),
        row: Box::new(move |k| {
            let r = &reqs[state.rows.approvals[k]];
            let left = r.deadline - state.world_now();
            let (sym, style) = if left < Duration::zero() {
                (g.critical, theme.crit())
            } else if left < Duration::hours(24) {
                (g.warning, theme.warn())
            } else {
                (g.pending, theme.text())
            };
            let mut cells = vec![
                Cell::from(Span::styled(sym, style)),
                Cell::from(r.title.clone()),
                Cell::from(format::money(r.budget)),
                Cell::from(next_step(r)),
                Cell::from(Span::styled(
                    format::until(state.world_now(), r.deadline),
                    style,
                )),
            ];
            if narrow {
                cells.remove(2);
            }
            if wide {
                cells.push(Cell::from(format!(
                    "{}/{}",
                    r.signed_count(),
                    r.steps.len()
                )));
                cells.push(Cell::from(super::campaign_name(state, &r.campaign_id)));
            }
            Row::new(cells)
        }),
    }
}

pub fn area(frame: &mut Frame, r: Rect, state: &AppState, theme: &Theme, compact: bool) {
    draw(
        frame,
        r,
        state,
        theme,
        compact,
        None,
        spec(state, theme, r.width, 120),
    );
}

pub fn render(frame: &mut Frame, r: Rect, state: &AppState, theme: &Theme) {
    let [list, chain] = Layout::vertical([Constraint::Fill(3), Constraint::Fill(2)]).areas(r);
    let s = spec(state, theme, r.width, 100);
    draw(frame, list, state, theme, false, Some(View::Approvals), s);
    let selected = state
        .rows
        .approvals
        .get(state.selected(View::Approvals))
        .map(|&i| &state.snapshot.approvals[i]);
    let detail = selected.map_or_else(String::new, |req| {
        format!("{}, requested by {}", req.id, req.requested_by)
    });
    let block = area::block(
        area::title("Chain", detail, theme),
        chain.width,
        None,
        state,
        theme,
        false,
    );
    let Some(req) = selected else {
        frame.render_widget(Paragraph::new("").block(block), chain);
        return;
    };
    frame.render_widget(
        Paragraph::new(chain_lines(req, state, theme))
            .wrap(Wrap { trim: false })
            .block(block),
        chain,
    );
}

fn chain_lines(req: &ApprovalRequest, state: &AppState, theme: &Theme) -> Vec<Line<'static>> {
    let g = &theme.glyphs;
    let current = req.current_step().map(|s| s.id.clone());
    req.steps
        .iter()
        .map(|s| {
            let rule = match s.rule {
                StepRule::AnyOne => "any one of",
                StepRule::All => "all of",
            };
            let signed: Vec<String> = s
                .decisions
                .iter()
                .map(|d| {
                    let verb = match d.verdict {
                        Verdict::Approve => "approved",
                        Verdict::Reject => "rejected",
                    };
                    let at =
                        d.at.with_timezone(&state.local_offset)
                            .format("%d %b %H:%M");
                    match &d.reason {
                        Some(why) => format!("{verb} by {} {at} ({why})", d.by),
                        None => format!("{verb} by {} {at}", d.by),
                    }
                })
                .collect();
            let (sym, style, state_text) = match s.status {
                ApprovalStatus::Approved => (g.signed, theme.ok(), signed.join("; ")),
                ApprovalStatus::Rejected => (g.rejected, theme.crit(), signed.join("; ")),
                ApprovalStatus::Pending if current.as_deref() == Some(s.id.as_str()) => {
                    let mut t = format!("NEXT: waiting on {}", s.waiting_on().join(", "));
                    if !signed.is_empty() {
                        t.push_str(&format!("; {}", signed.join("; ")));
                    }
                    (g.waiting, theme.warn(), t)
                }
                ApprovalStatus::Pending => (g.pending, theme.muted(), "later".to_string()),
            };
            Line::from(vec![
                Span::styled(format!("{sym} "), style),
                Span::styled(format!("{} ", s.name), theme.accent()),
                Span::styled(
                    format!("({rule} {}; scope {}) ", s.approvers.join(", "), s.scope),
                    theme.muted(),
                ),
                Span::styled(state_text, style),
            ])
        })
        .collect()
}
