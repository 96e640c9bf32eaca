//! `mops campaigns|alerts|approvals|sync|throttles`: one list each, with the
//! TUI's filter language and table/json/csv output.

use clap::Args;
use color_eyre::eyre::{Result, eyre};

use std::io::Write;

use serde::Serialize;

use super::output::{Column, Format, Listing, col, print_listing, stderr_note, to_values};
use super::rowfilter::RowFilter;
use super::rows;
use super::world::World;
use crate::app::Filter;
use crate::config::Profile;

#[derive(Debug, Args, Clone)]
pub struct ListArgs {
    /// Filter terms, as in the console's `/`: e.g. `status=paused health<60`.
    pub filter: Vec<String>,
    /// The same filter as one option (joined with the positional terms).
    #[arg(long = "filter", value_name = "QUERY")]
    pub filter_opt: Option<String>,
    #[arg(long, short, value_enum, default_value_t = Format::Table)]
    pub output: Format,
}

impl ListArgs {
    fn query(&self) -> String {
        let mut parts = self.filter.clone();
        parts.extend(self.filter_opt.clone());
        parts.join(" ")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKind {
    Campaigns,
    Alerts,
    Approvals,
    Sync,
    Throttles,
}

const CAMPAIGN_COLS: &[Column] = &[
    col("ID", "id", 8),
    col("NAME", "name", 28),
    col("STATUS", "status", 9),
    col("CHANNEL", "channel", 7),
    col("HEALTH", "health", 6),
    col("PACING", "pacing", 6),
    col("ALERT", "alert", 8),
    col("THROTTLE", "throttle", 9),
];
const CAMPAIGN_FIELDS: &[&str] = &[
    "id",
    "name",
    "channel",
    "status",
    "owner",
    "provider",
    "fallback",
    "budget",
    "spend",
    "pacing",
    "ctr",
    "health",
    "health_reasons",
    "alert",
    "throttle",
];
const ALERT_COLS: &[Column] = &[
    col("SEVERITY", "severity", 8),
    col("STATE", "state", 8),
    col("FINGERPRINT", "fingerprint", 24),
    col("SUMMARY", "summary", 60),
];
const ALERT_FIELDS: &[&str] = &[
    "fingerprint",
    "campaign_id",
    "signal",
    "severity",
    "state",
    "observed",
    "expected_low",
    "expected_high",
    "score",
    "since",
    "summary",
    "acked_by",
];
const APPROVAL_COLS: &[Column] = &[
    col("ID", "id", 12),
    col("CAMPAIGN", "campaign_id", 8),
    col("BUDGET", "budget", 9),
    col("STEP", "current_step", 10),
    col("DEADLINE", "deadline", 12),
    col("TITLE", "title", 40),
];
const APPROVAL_FIELDS: &[&str] = &[
    "id",
    "campaign_id",
    "title",
    "requested_by",
    "budget",
    "status",
    "deadline",
    "due_in_secs",
    "overdue",
    "current_step",
    "current_step_name",
    "waiting_on",
    "steps_signed",
    "steps_total",
];
const SYNC_COLS: &[Column] = &[
    col("ID", "id", 30),
    col("STATUS", "status", 8),
    col("RETRIES", "retries", 7),
    col("FAILING SINCE", "failing_since", 13),
    col("ERROR", "error", 60),
];
const SYNC_FIELDS: &[&str] = &[
    "id",
    "name",
    "source",
    "target",
    "status",
    "failing",
    "failing_since",
    "last_success",
    "lag_secs",
    "retries",
    "next_retry",
    "error",
];
const THROTTLE_COLS: &[Column] = &[
    col("CAMPAIGN", "campaign_id", 8),
    col("LEVEL", "level", 9),
    col("FACTOR", "factor", 6),
    col("SKU", "sku", 9),
    col("COVER", "days_of_cover", 6),
    col("RULE", "rule", 60),
];
const THROTTLE_FIELDS: &[&str] = &[
    "campaign_id",
    "campaign_name",
    "level",
    "factor",
    "sku",
    "projected",
    "days_of_cover",
    "rule",
];

pub async fn run(kind: ListKind, args: &ListArgs, profile: &Profile) -> Result<u8> {
    let query = args.query();
    // Parse before any network work, so a typo fails fast.
    let campaign_filter = match kind {
        ListKind::Campaigns => Filter::parse(&query).map_err(|e| eyre!("filter: {e}"))?,
        _ => None,
    };
    let fields = fields_of(kind);
    let row_filter = match kind {
        ListKind::Campaigns => None,
        _ => RowFilter::parse(&query, fields).map_err(|e| eyre!("filter: {e}"))?,
    };
    let world = World::load(profile).await?;
    let f = row_filter.as_ref();
    let show = |columns, empty| Shape {
        columns,
        fields,
        empty,
        format: args.output,
        note: world.provenance(),
    };
    match kind {
        ListKind::Campaigns => emit(
            &rows::campaigns(&world, campaign_filter.as_ref()),
            f,
            show(CAMPAIGN_COLS, "no campaigns"),
        ),
        ListKind::Alerts => emit(&rows::alerts(&world), f, show(ALERT_COLS, "no alerts")),
        ListKind::Approvals => emit(
            &rows::approvals(&world),
            f,
            show(APPROVAL_COLS, "no pending approvals"),
        ),
        ListKind::Sync => emit(&rows::sync_jobs(&world), f, show(SYNC_COLS, "no sync jobs")),
        ListKind::Throttles => emit(
            &rows::throttles(&world),
            f,
            show(THROTTLE_COLS, "no active throttles"),
        ),
    }
}

struct Shape {
    columns: &'static [Column],
    fields: &'static [&'static str],
    empty: &'static str,
    format: Format,
    note: Option<String>,
}

/// Filter and print typed rows; JSON keeps the struct's field order.
fn emit<T: Serialize>(rows: &[T], filter: Option<&RowFilter>, shape: Shape) -> Result<u8> {
    let values = to_values(rows)?;
    let keep: Vec<bool> = values
        .iter()
        .map(|v| filter.is_none_or(|f| f.matches(v)))
        .collect();
    let mut out = std::io::stdout().lock();
    if shape.format == Format::Json {
        stderr_note(shape.note.as_deref());
        let kept: Vec<&T> = rows
            .iter()
            .zip(&keep)
            .filter(|(_, k)| **k)
            .map(|(r, _)| r)
            .collect();
        serde_json::to_writer_pretty(&mut out, &kept)?;
        writeln!(out)?;
        return Ok(0);
    }
    let listing = Listing {
        rows: values
            .into_iter()
            .zip(keep)
            .filter(|(_, k)| *k)
            .map(|(v, _)| v)
            .collect(),
        columns: shape.columns,
        csv_fields: shape.fields,
        empty: shape.empty,
    };
    print_listing(&mut out, &listing, shape.format, shape.note.as_deref())?;
    Ok(0)
}

fn fields_of(kind: ListKind) -> &'static [&'static str] {
    match kind {
        ListKind::Campaigns => CAMPAIGN_FIELDS,
        ListKind::Alerts => ALERT_FIELDS,
        ListKind::Approvals => APPROVAL_FIELDS,
        ListKind::Sync => SYNC_FIELDS,
        ListKind::Throttles => THROTTLE_FIELDS,
    }
}
