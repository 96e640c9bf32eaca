//! Campaign detail: facts, health reasons, alerts with their expected band,
//! throttles, approval chains, the campaign's command history, and hourly
//! sparklines of sends and CTR from the history.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::symbols::bar;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Sparkline, Wrap};

use super::health_span;
use crate::analytics::Signal;
use crate::app::AppState;
use crate::domain::{ApprovalStatus, Campaign, MetricKind, System};
use crate::ui::area;
use crate::ui::format;
use crate::ui::theme::Theme;

pub fn render(frame: &mut Frame, r: Rect, state: &AppState, theme: &Theme) {
    let campaign = state
        .detail
        .as_deref()
        .and_then(|id| state.snapshot.campaign(id));
    let Some(c) = campaign else {
        let block = area::block(
            area::title("Campaign detail", String::new(), theme),
            r.width,
            None,
            state,
            theme,
            false,
        );
        let text = format!(
            "campaign {} is no longer in the data",
            state.detail.as_deref().unwrap_or(theme.glyphs.dash)
        );
        frame.render_widget(Paragraph::new(text).style(theme.muted()).block(block), r);
        return;
    };
    // Facts first: charts shrink, then go, before the facts lose a line.
    let chart_h = match r.height {
        0..14 => 0,
        14..20 => 4,
        _ => 5,
    };
    let [info, sends, ctr] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(chart_h),
        Constraint::Length(chart_h),
    ])
    .areas(r);
    let block = area::block(
        area::title(&c.name, format!("{}, Esc back", c.id), theme),
        info.width,
        Some(System::Marketing),
        state,
        theme,
        false,
    );
    frame.render_widget(
        Paragraph::new(info_lines(c, state, theme))
            .wrap(Wrap { trim: false })
            .block(block),
        info,
    );
    let series = state
        .snapshot
        .history
        .get(&c.id)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    let width = usize::from(sends.width.saturating_sub(2));
    let recent = &series[series.len().saturating_sub(width)..];
    let sends_data: Vec<u64> = recent
        .iter()
        .map(|b| b.get(MetricKind::Sends).max(0.0) as u64)
        .collect();
    // The second chart follows the campaign's alert when it is about a
    // rate or spend (bounce rate, say); CTR otherwise.
    let mine = || {
        state
            .derived
            .alerts
            .iter()
            .filter(|a| a.campaign_id.as_deref() == Some(c.id.as_str()))
    };
    let focus = mine()
        .find_map(|a| {
            Signal::CAMPAIGN
                .into_iter()
                .find(|s| s.name() == a.signal && *s != Signal::Sends)
        })
        .unwrap_or(Signal::Ctr);
    let policy = &state.engine.policy().anomaly;
    // Rates in hundredths of a percent, spend in cents: the sparkline is
    // integer, and this keeps the detail.
    let scale = if focus == Signal::Spend {
        100.0
    } else {
        10_000.0
    };
    let focus_values: Vec<Option<f64>> = recent
        .iter()
        .map(|b| focus.read(b, policy).map(|(v, _)| v))
        .collect();
    let focus_data: Vec<u64> = focus_values
        .iter()
        .map(|v| (v.unwrap_or(0.0).max(0.0) * scale) as u64)
        .collect();
    // The alert's expected band next to the series it is about.
    let band = |signal: &str| {
        mine()
            .find(|a| a.signal == signal)
            .map(|a| {
                let dash = theme.glyphs.dash;
                let band =
                    format::band(&a.signal, a.observed, a.expected_low, a.expected_high, dash);
                format!(", {band} ({})", a.baseline)
            })
            .unwrap_or_default()
    };
    let last_sends = sends_data
        .last()
        .map_or(String::new(), |v| format!(", last {v}"));
    let last_focus = focus_values
        .iter()
        .rev()
        .find_map(|v| *v)
        .map_or(String::new(), |v| format!(", last {}", focus.format(v)));
    let sends_detail = format!("{last_sends}{}", band("sends"));
    spark(
        frame,
        sends,
        "Sends per hour",
        sends_detail,
        &sends_data,
        theme,
    );
    let focus_detail = format!("{last_focus}{}", band(focus.name()));
    let focus_title = format!("{} per hour", focus.label());
    spark(frame, ctr, &focus_title, focus_detail, &focus_data, theme);
}

/// Bars scaled from the window's minimum, not from zero: hourly counts sit
/// far from zero, and a drop from 1,400 to 1,000 must be visible.
fn spark(frame: &mut Frame, r: Rect, name: &str, extra: String, data: &[u64], theme: &Theme) {
    let s = theme.glyphs.spark;
    let set = bar::Set {
        empty: s[0],
        one_eighth: s[1],
        one_quarter: s[2],
        three_eighths: s[3],
        half: s[4],
        five_eighths: s[5],
        three_quarters: s[6],
        seven_eighths: s[7],
        full: s[8],
    };
    let floor = data.iter().min().copied().unwrap_or(0);
    // +1 keeps the minimum as the lowest bar rather than a blank.
    let shifted: Vec<u64> = data.iter().map(|v| v - floor + 1).collect();
    let detail = format!("{} hours{extra}", data.len());
    let block = Block::new()
        .borders(Borders::ALL)
        .border_set(theme.glyphs.border)
        .border_style(theme.border())
        .title(area::title(name, detail, theme));
    frame.render_widget(
        Sparkline::default()
            .block(block)
            .data(&shifted)
            .bar_set(set)
            .style(theme.accent()),
        r,
    );
}

fn info_lines(c: &Campaign, state: &AppState, theme: &Theme) -> Vec<Line<'static>> {
    let g = &theme.glyphs;
    let dash = g.dash;
    let kv = |k: &str, v: String| {
        Line::from(vec![
            Span::styled(format!("{k:<10}"), theme.muted()),
            Span::styled(v, theme.text()),
        ])
    };
    let health = state.derived.health.get(&c.id);
    let mut lines = vec![
        kv(
            "status",
            format!(
                "{}, {}, owner {}",
                c.status.as_str(),
                c.channel.as_str(),
                c.owner
            ),
        ),
        kv(
            "budget",
            format!(
                "{} of {} spent, pacing {}",
                format::money(c.spend),
                format::money(c.budget),
                c.pacing(state.world_now())
                    .map_or(dash.to_string(), |p| format!("{:.0}%", p * 100.0))
            ),
        ),
        kv(
            "provider",
            match &c.fallback {
                Some(f) => format!("{} (fallback engaged: {f})", c.provider),
                None => c.provider.clone(),
            },
        ),
        Line::from(vec![
            Span::styled(format!("{:<10}", "health"), theme.muted()),
            health_span(health.map(|h| h.score), theme),
        ]),
    ];
    for reason in health.map(|h| h.reasons.as_slice()).unwrap_or(&[]) {
        lines.push(Line::from(Span::styled(
            format!("{:<10}{} {reason}", "", g.arrow),
            theme.text(),
        )));
    }
    for a in state
        .derived
        .alerts
        .iter()
        .filter(|a| a.campaign_id.as_deref() == Some(c.id.as_str()))
    {
        lines.push(kv(
            "alert",
            format!(
                "{} {} {} {}, {}, since {}",
                a.severity.as_str(),
                a.state.as_str(),
                a.signal,
                format::band(&a.signal, a.observed, a.expected_low, a.expected_high, dash),
                a.baseline,
                format::age(state.world_now() - a.since)
            ),
        ));
    }
    for t in state
        .derived
        .throttles
        .iter()
        .filter(|t| t.campaign_id == c.id)
    {
        lines.push(kv(
            "throttle",
            format!(
                "{} {:.0}%, {} cover {}, {}",
                t.level.as_str(),
                t.factor * 100.0,
                t.sku,
                t.days_of_cover
                    .map_or(g.infinity.to_string(), |d| format!("{d:.1}d")),
                t.rule
            ),
        ));
    }
    approval_lines(c, state, theme, &mut lines);
    history_lines(c, state, theme, &mut lines);
    lines
}

fn kv_line(k: &str, v: String, theme: &Theme) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{k:<10}"), theme.muted()),
        Span::styled(v, theme.text()),
    ])
}

/// Each approval chain for the campaign: who signed, who is next, deadline.
fn approval_lines(c: &Campaign, state: &AppState, theme: &Theme, lines: &mut Vec<Line<'static>>) {
    let g = &theme.glyphs;
    for r in state
        .snapshot
        .approvals
        .iter()
        .filter(|r| r.campaign_id == c.id)
    {
        let steps: Vec<String> = r
            .steps
            .iter()
            .map(|s| {
                let by: Vec<&str> = s.decisions.iter().map(|d| d.by.as_str()).collect();
                let why = state.chain_policy.explain(&s.id, r.budget);
                let step = if why.is_empty() {
                    s.id.clone()
                } else {
                    format!("{} [{why}]", s.id)
                };
                let s_id = &step;
                match s.status {
                    ApprovalStatus::Approved => format!("{s_id} {} {}", g.ok, by.join(",")),
                    ApprovalStatus::Rejected => {
                        format!("{s_id} {} {}", g.critical, by.join(","))
                    }
                    ApprovalStatus::Pending => {
                        format!("{s_id} (waiting on {})", s.waiting_on().join(", "))
                    }
                }
            })
            .collect();
        lines.push(kv_line(
            "approval",
            format!(
                "{} {}: {}; deadline in {}",
                r.id,
                r.status.as_str(),
                steps.join(&format!(" {} ", g.arrow)),
                format::age(r.deadline - state.world_now())
            ),
            theme,
        ));
    }
}

/// What was done to this campaign: the audit log at start, then this session.
fn history_lines(c: &Campaign, state: &AppState, theme: &Theme, lines: &mut Vec<Line<'static>>) {
    let mut history: Vec<(chrono::DateTime<chrono::Utc>, String)> = state
        .audit
        .iter()
        .filter(|e| e.target == c.id)
        .map(|e| {
            let reason = e.reason.as_deref().unwrap_or("");
            (
                e.at,
                format!("{} {} by {}: {reason}", e.action, e.outcome, e.actor),
            )
        })
        .collect();
    history.extend(
        state
            .recent_commands
            .iter()
            .filter(|cmd| cmd.kind.target() == c.id)
            .map(|cmd| {
                (
                    cmd.updated_at.unwrap_or(cmd.created_at),
                    format!(
                        "{} {} by {} (this session)",
                        cmd.kind.verb(),
                        cmd.status.as_str(),
                        cmd.actor
                    ),
                )
            }),
    );
    history.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
    for (at, what) in history.into_iter().take(5) {
        lines.push(kv_line(
            "history",
            format!("{} ago {what}", format::age(state.now - at)),
            theme,
        ));
    }
}
