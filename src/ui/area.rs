//! The framed, titled table every area and list view is drawn with.

use std::ops::Range;

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table};

use super::format::{self, Fresh};
use super::theme::Theme;
use crate::app::AppState;
use crate::domain::System;

/// A block titled on the left and, when the data has a source, the source's
/// freshness on the right, compacted to the room the title leaves in
/// `width` columns: the area's name always stays readable, and a failing or
/// stale source keeps at least its symbol and a word. `compact` drops the
/// borders for tiny terminals.
pub fn block<'a>(
    title: Line<'a>,
    width: u16,
    source: Option<System>,
    state: &AppState,
    theme: &Theme,
    compact: bool,
) -> Block<'a> {
    let borders = if compact { 0 } else { 2 };
    // The name (first span) is never given up; after it a failing source's
    // warning outranks the title's detail, which outranks a fresh age.
    let inner = usize::from(width).saturating_sub(borders);
    let name_w = title.spans.first().map_or(0, Span::width);
    // One column between the two titles so they never touch.
    let with_detail = inner.saturating_sub(title.width() + 1);
    let fresh = source.and_then(|system| {
        let (variants, f) = fitting_variants(state, system, theme);
        let fits = |room: usize| move |l: &Line<'static>| l.width() <= room;
        if f == Fresh::Fresh {
            return variants.into_iter().find(fits(with_detail));
        }
        // A problem keeps its source and age ("MKT 2s failing") even if the
        // detail has to be cut for it; only the long form must fit beside it.
        let mut it = variants.into_iter();
        let full = it.next().filter(fits(with_detail));
        full.or_else(|| it.find(fits(inner.saturating_sub(name_w + 1))))
    });
    let title = match &fresh {
        Some(f) => cut(title, inner.saturating_sub(f.width() + 1).max(name_w)),
        None => title,
    };
    let mut b = Block::new()
        .borders(if compact { Borders::NONE } else { Borders::ALL })
        .border_set(theme.glyphs.border)
        .border_style(theme.border())
        .title(title);
    if let Some(line) = fresh {
        b = b.title(line.right_aligned());
    }
    b
}

/// `line` cut to at most `max` columns, dropping from the end.
fn cut(line: Line<'_>, max: usize) -> Line<'_> {
    if line.width() <= max {
        return line;
    }
    let mut left = max;
    let mut spans = Vec::new();
    for span in line.spans {
        if left == 0 {
            break;
        }
        let mut text = String::new();
        for ch in span.content.chars() {
            let w = Span::raw(ch.to_string()).width();
            if w > left {
                left = 0;
                break;
            }
            left -= w;
            text.push(ch);
        }
        spans.push(Span::styled(text, span.style));
    }
    Line::from(spans)
}

/// The freshness texts for `system` as styled lines, longest first.
fn fitting_variants(
    state: &AppState,
    system: System,
    theme: &Theme,
) -> (Vec<Line<'static>>, Fresh) {
    let (variants, fresh) = format::freshness_variants(state, system);
    let g = &theme.glyphs;
    let (glyph, style) = match fresh {
        Fresh::Fresh => (None, theme.muted()),
        Fresh::Failing => (Some(g.warning), theme.warn()),
        Fresh::Stale | Fresh::Never => (Some(g.critical), theme.crit()),
    };
    let lines = variants
        .into_iter()
        .map(|text| match glyph {
            Some(sym) => format!(" {sym} {text} "),
            None => format!(" {text} "),
        })
        .map(|t| Line::from(Span::styled(t, style)))
        .collect();
    (lines, fresh)
}

pub fn title<'a>(name: &str, detail: String, theme: &Theme) -> Line<'a> {
    let mut spans = vec![Span::styled(format!(" {name} "), theme.accent())];
    if !detail.is_empty() {
        spans.push(Span::styled(format!("{detail} "), theme.muted()));
    }
    Line::from(spans)
}

/// Rows `[start, end)` to draw so that `selected` stays visible in a window
/// of `height` rows out of `total`.
pub fn window(total: usize, selected: Option<usize>, height: usize) -> Range<usize> {
    if height == 0 || total == 0 {
        return 0..0;
    }
    let sel = selected.unwrap_or(0).min(total - 1);
    let start = sel.saturating_sub(height - 1);
    start..(start + height).min(total)
}

/// Data rows that fit in `area`: below borders and a header row, or in
/// compact mode below the title line alone.
pub fn capacity(area: Rect, compact: bool) -> usize {
    let chrome = if compact { 1 } else { 3 };
    usize::from(area.height.saturating_sub(chrome))
}

/// How a table is framed.
pub struct TableSpec<'a> {
    pub header: &'a [&'a str],
    pub widths: &'a [Constraint],
    /// Shown when the list has no rows at all (not when none fit).
    pub empty: &'a str,
    pub total: usize,
    /// No header row: for the borderless tiny layout.
    pub compact: bool,
}

/// Draw a table, or `empty` in muted text when the list is empty.
pub fn table(
    frame: &mut Frame,
    area: Rect,
    block: Block<'_>,
    spec: TableSpec<'_>,
    rows: Vec<Row<'_>>,
    theme: &Theme,
) {
    let TableSpec {
        header,
        widths,
        empty,
        total,
        compact,
    } = spec;
    if total == 0 {
        let text = Line::from(vec![
            Span::styled(format!("{} ", theme.glyphs.ok), theme.ok()),
            Span::styled(empty.to_string(), theme.muted()),
        ]);
        frame.render_widget(Paragraph::new(text).block(block), area);
        return;
    }
    let mut t = Table::new(rows, widths.to_vec())
        .column_spacing(1)
        .block(block);
    if !compact {
        t = t.header(Row::new(header.iter().map(|h| h.to_string())).style(theme.muted()));
    }
    frame.render_widget(t, area);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_keeps_selection_visible() {
        assert_eq!(window(0, Some(3), 5), 0..0);
        assert_eq!(window(10, None, 5), 0..5);
        assert_eq!(window(10, Some(4), 5), 0..5);
        assert_eq!(window(10, Some(5), 5), 1..6);
        assert_eq!(window(10, Some(9), 5), 5..10);
        assert_eq!(window(3, Some(2), 5), 0..3);
        assert_eq!(window(10, Some(50), 5), 5..10);
        assert_eq!(window(10, Some(2), 0), 0..0);
    }
}
