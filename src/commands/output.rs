//! Rendering for headless commands: aligned tables that fit 80 columns,
//! JSON arrays with stable field names, and CSV. Tables print where the data
//! came from as a header line; JSON and CSV keep stdout parseable and say it
//! on stderr instead.

use std::io::Write;

use serde::Serialize;
use serde_json::Value;

/// Default terminal width tables are fitted to.
pub const TABLE_WIDTH: usize = 80;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    #[default]
    Table,
    Json,
    Csv,
}

/// Output formats for commands that print one report, not a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ReportFormat {
    #[default]
    Table,
    Json,
}

/// One table column: header, JSON field, and the widest it may get.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub header: &'static str,
    pub field: &'static str,
    pub max: usize,
}

pub const fn col(header: &'static str, field: &'static str, max: usize) -> Column {
    Column { header, field, max }
}

/// A list and how to show it.
pub struct Listing<'a> {
    pub rows: Vec<Value>,
    pub columns: &'a [Column],
    /// Every field, in order, for CSV.
    pub csv_fields: &'a [&'a str],
    /// Said when there are no rows.
    pub empty: &'a str,
}

pub fn to_values<T: Serialize>(rows: &[T]) -> serde_json::Result<Vec<Value>> {
    rows.iter().map(serde_json::to_value).collect()
}

/// Print `listing` in `format`, with the provenance note where it belongs.
pub fn print_listing(
    out: &mut impl Write,
    listing: &Listing<'_>,
    format: Format,
    note: Option<&str>,
) -> std::io::Result<()> {
    match format {
        Format::Table => {
            if let Some(n) = note {
                writeln!(out, "# {n}")?;
            }
            if listing.rows.is_empty() {
                writeln!(out, "{}", listing.empty)?;
                return Ok(());
            }
            write!(
                out,
                "{}",
                table(&listing.rows, listing.columns, TABLE_WIDTH)
            )
        }
        Format::Json => {
            stderr_note(note);
            serde_json::to_writer_pretty(&mut *out, &listing.rows)?;
            writeln!(out)
        }
        Format::Csv => {
            stderr_note(note);
            write!(out, "{}", csv(&listing.rows, listing.csv_fields))
        }
    }
}

pub fn stderr_note(note: Option<&str>) {
    if let Some(n) = note {
        eprintln!("mops: {n}");
    }
}

/// A scalar JSON value as a cell: numbers with at most two decimals, null as "-".
pub fn cell(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => "-".into(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Number(n)) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => i.to_string(),
            (None, Some(f)) => {
                let s = format!("{f:.2}");
                s.trim_end_matches('0').trim_end_matches('.').to_string()
            }
            _ => n.to_string(),
        },
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| cell(Some(i)))
            .collect::<Vec<_>>()
            .join(","),
        Some(v @ Value::Object(_)) => v.to_string(),
    }
}

/// Like [`cell`], with timestamps shortened to "12-01 14:05Z" to save width.
fn table_cell(v: Option<&Value>) -> String {
    if let Some(Value::String(s)) = v
        && let Ok(t) = chrono::DateTime::parse_from_rfc3339(s)
    {
        return t
            .with_timezone(&chrono::Utc)
            .format("%m-%d %H:%MZ")
            .to_string();
    }
    cell(v)
}

/// Cut `s` to `width` characters, marking the cut with "…".
pub fn truncate(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n <= width {
        return s.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut t: String = s.chars().take(width - 1).collect();
    t.push('…');
    t
}

/// Columns sized to their content (capped by `max`), then narrowed widest
/// first until the table fits `width`. The last column is not padded.
pub fn table(rows: &[Value], columns: &[Column], width: usize) -> String {
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| columns.iter().map(|c| table_cell(r.get(c.field))).collect())
        .collect();
    let mut widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let content = cells
                .iter()
                .map(|r| r[i].chars().count())
                .max()
                .unwrap_or(0);
            content.max(c.header.len()).min(c.max.max(c.header.len()))
        })
        .collect();
    let gaps = 2 * columns.len().saturating_sub(1);
    while widths.iter().sum::<usize>() + gaps > width {
        let Some((i, w)) = widths.iter().copied().enumerate().max_by_key(|(_, w)| *w) else {
            break;
        };
        if w <= 4 {
            break;
        }
        widths[i] = w - 1;
    }
    let mut out = String::new();
    let headers: Vec<String> = columns.iter().map(|c| c.header.to_string()).collect();
    for row in std::iter::once(&headers).chain(cells.iter()) {
        let last = row.len().saturating_sub(1);
        let mut line = String::new();
        for (i, text) in row.iter().enumerate() {
            let t = truncate(text, widths[i]);
            if i == last {
                line.push_str(&t);
            } else {
                let pad = widths[i] - t.chars().count();
                line.push_str(&t);
                line.push_str(&" ".repeat(pad + 2));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// RFC 4180 CSV with a header line.
pub fn csv(rows: &[Value], fields: &[&str]) -> String {
    let mut out = fields.join(",");
    out.push('\n');
    for r in rows {
        let line: Vec<String> = fields
            .iter()
            .map(|f| match r.get(*f) {
                None | Some(Value::Null) => String::new(),
                v => csv_escape(&cell(v)),
            })
            .collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

fn csv_escape(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn table_fits_and_truncates() {
        let rows = vec![
            json!({"id": "c-1", "name": "x".repeat(120), "n": 1.5}),
            json!({"id": "c-22", "name": "short", "n": null}),
        ];
        let cols = [
            col("ID", "id", 10),
            col("NAME", "name", 200),
            col("N", "n", 6),
        ];
        let t = table(&rows, &cols, 40);
        for line in t.lines() {
            assert!(line.chars().count() <= 40, "{line:?}");
        }
        assert!(t.contains('…'));
        assert!(t.lines().nth(2).unwrap().ends_with('-'));
        assert!(t.starts_with("ID    NAME"));
    }

    #[test]
    fn cells_and_csv() {
        assert_eq!(cell(Some(&json!(0.5))), "0.5");
        assert_eq!(cell(Some(&json!(2.0))), "2");
        assert_eq!(cell(Some(&json!(7))), "7");
        assert_eq!(cell(Some(&json!(["a", "b"]))), "a,b");
        let rows = vec![json!({"a": "x,y", "b": "say \"hi\"", "c": null})];
        assert_eq!(
            csv(&rows, &["a", "b", "c"]),
            "a,b,c\n\"x,y\",\"say \"\"hi\"\"\",\n"
        );
    }
}
