//! `mops status`: one verdict per area and overall, with monitoring exit
//! codes (0 ok, 1 warning, 2 critical, 3 unknown/stale).

use chrono::{DateTime, Utc};
use clap::Args;
use color_eyre::eyre::Result;
use serde::Serialize;

use super::output::{ReportFormat, stderr_note};
use super::rows::{self, is_open};
use super::world::{SourceState, World, human_age};
use crate::config::Profile;

/// Health scores below these mark an active campaign warning / critical.
pub const HEALTH_WARNING: u8 = 70;
pub const HEALTH_CRITICAL: u8 = 40;
/// A sync job failing longer than this is critical.
pub const SYNC_CRITICAL_SECS: i64 = 3600;

#[derive(Debug, Args, Clone)]
pub struct StatusArgs {
    #[arg(long, short, value_enum, default_value_t = ReportFormat::Table)]
    pub output: ReportFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Ok,
    Warning,
    Critical,
    /// Stale or missing data: worse than critical for monitoring, because
    /// nothing else can be trusted.
    Unknown,
}

impl Level {
    pub fn exit_code(self) -> u8 {
        match self {
            Level::Ok => 0,
            Level::Warning => 1,
            Level::Critical => 2,
            Level::Unknown => 3,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Ok => "ok",
            Level::Warning => "warning",
            Level::Critical => "critical",
            Level::Unknown => "unknown",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Area {
    pub area: &'static str,
    pub level: Level,
    pub summary: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Status {
    pub overall: Level,
    pub exit_code: u8,
    pub profile: String,
    pub checked_at: chrono::DateTime<chrono::Utc>,
    pub world_now: chrono::DateTime<chrono::Utc>,
    pub areas: Vec<Area>,
    pub sources: Vec<SourceState>,
}

/// `due`: time-boxed pauses past their end, from the audit log.
pub fn assess(w: &World, profile: &str, due: &[(String, DateTime<Utc>, String)]) -> Status {
    let sources = w.sources();
    let mut areas = Vec::new();

    let active: Vec<rows::CampaignOut> = rows::campaigns(w, None)
        .into_iter()
        .filter(|c| c.status == "active")
        .collect();
    let worst = active.iter().filter_map(|c| c.health).min();
    let below = |t: u8| {
        active
            .iter()
            .filter(|c| c.health.is_some_and(|h| h < t))
            .count()
    };
    let mut level = match worst {
        _ if w.snapshot.campaigns.is_empty() => Level::Unknown,
        Some(h) if h < HEALTH_CRITICAL => Level::Critical,
        Some(h) if h < HEALTH_WARNING => Level::Warning,
        _ => Level::Ok,
    };
    let mut overdue_pauses = String::new();
    if !due.is_empty() {
        level = level.max(Level::Warning);
        let ids: Vec<&str> = due.iter().map(|(id, _, _)| id.as_str()).collect();
        overdue_pauses = format!("; pause ended, still paused: {}", ids.join(", "));
    }
    areas.push(Area {
        area: "campaigns",
        level,
        summary: format!(
            "{} active, {} below {HEALTH_WARNING}, {} below {HEALTH_CRITICAL}{}{overdue_pauses}",
            active.len(),
            below(HEALTH_WARNING),
            below(HEALTH_CRITICAL),
            worst.map(|h| format!(", worst {h}")).unwrap_or_default()
        ),
    });

    let jobs = rows::sync_jobs(w);
    let failing: Vec<&rows::SyncOut> = jobs.iter().filter(|j| j.failing).collect();
    let long = failing
        .iter()
        .filter(|j| {
            j.failing_since
                .is_some_and(|t| (w.world_now - t).num_seconds() > SYNC_CRITICAL_SECS)
        })
        .count();
    areas.push(Area {
        area: "sync",
        level: match (jobs.is_empty(), failing.len(), long) {
            (true, _, _) => Level::Unknown,
            (_, _, l) if l > 0 => Level::Critical,
            (_, f, _) if f > 0 => Level::Warning,
            _ => Level::Ok,
        },
        summary: format!(
            "{} jobs, {} failing, {long} failing over {}",
            jobs.len(),
            failing.len(),
            human_age(SYNC_CRITICAL_SECS)
        ),
    });

    let alerts = rows::alerts(w);
    let firing = |sev: &str| {
        alerts
            .iter()
            .filter(|a| a.state == "firing" && a.severity == sev && a.acked_by.is_none())
            .count()
    };
    let (crit, warn) = (firing("critical"), firing("warning"));
    let open = alerts.iter().filter(|a| is_open(a)).count();
    areas.push(Area {
        area: "alerts",
        level: match (crit, warn) {
            (c, _) if c > 0 => Level::Critical,
            (_, w) if w > 0 => Level::Warning,
            _ => Level::Ok,
        },
        summary: format!("{open} open, {crit} critical and {warn} warning firing unacknowledged"),
    });

    let throttles = rows::throttles(w);
    let paused = throttles.iter().filter(|t| t.level == "paused").count();
    areas.push(Area {
        area: "throttles",
        level: if paused > 0 {
            Level::Warning
        } else {
            Level::Ok
        },
        summary: format!(
            "{} throttled, {paused} paused for stock",
            throttles.len() - paused
        ),
    });

    let approvals = rows::approvals(w);
    let overdue = approvals.iter().filter(|a| a.overdue).count();
    let soon = approvals
        .iter()
        .filter(|a| !a.overdue && a.due_in_secs < 4 * 3600)
        .count();
    areas.push(Area {
        area: "approvals",
        level: if overdue > 0 {
            Level::Warning
        } else {
            Level::Ok
        },
        summary: format!(
            "{} pending, {overdue} overdue, {soon} due within 4 h",
            approvals.len()
        ),
    });

    let stale: Vec<&SourceState> = sources.iter().filter(|s| s.stale).collect();
    let unreachable = sources.iter().filter(|s| s.error.is_some()).count();
    areas.push(Area {
        area: "sources",
        level: match (stale.len(), unreachable) {
            (s, _) if s > 0 => Level::Unknown,
            (_, u) if u > 0 => Level::Warning,
            _ => Level::Ok,
        },
        summary: sources
            .iter()
            .map(|s| match (s.state, s.age_secs) {
                ("live", _) => format!("{} live", s.system.label()),
                (_, Some(age)) => format!(
                    "{} unreachable, cache {}{}",
                    s.system.label(),
                    human_age(age),
                    if s.stale { " (stale)" } else { "" }
                ),
                _ => format!("{} unreachable, no cache", s.system.label()),
            })
            .collect::<Vec<_>>()
            .join(", "),
    });

    let overall = areas
        .iter()
        .map(|a| a.level)
        .max()
        .unwrap_or(Level::Unknown);
    Status {
        overall,
        exit_code: overall.exit_code(),
        profile: profile.to_string(),
        checked_at: w.wall,
        world_now: w.world_now,
        areas,
        sources,
    }
}

pub async fn run(args: &StatusArgs, profile: &Profile) -> Result<u8> {
    let world = World::load(profile).await?;
    let audit = match &world.store {
        Some(s) => s.audit_entries()?,
        None => Vec::new(),
    };
    let due = super::handoff::due_resumes(&world, &audit);
    let status = assess(&world, &profile.name, &due);
    let note = world.provenance();
    match args.output {
        ReportFormat::Json => {
            stderr_note(note.as_deref());
            println!("{}", serde_json::to_string_pretty(&status)?);
        }
        ReportFormat::Table => {
            if let Some(n) = &note {
                println!("# {n}");
            }
            println!(
                "{}  profile {}  at {}",
                status.overall.as_str().to_uppercase(),
                status.profile,
                status.checked_at.format("%Y-%m-%d %H:%M:%SZ")
            );
            for a in &status.areas {
                let line = format!("{:<10} {:<8} {}", a.area, a.level.as_str(), a.summary);
                println!(
                    "{}",
                    super::output::truncate(&line, super::output::TABLE_WIDTH)
                );
            }
        }
    }
    Ok(status.exit_code)
}
