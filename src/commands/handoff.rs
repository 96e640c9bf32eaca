//! `mops handoff --since 8h`: a Markdown shift report from the live (or
//! cached) world, the analytics engine's alerts and the audit log.

use std::fmt::Write as _;
use std::path::PathBuf;

use chrono::{DateTime, Duration, Utc};
use clap::Args;
use color_eyre::eyre::{Result, WrapErr, eyre};

use super::actions::pause_until;
use super::rows;
use super::world::{World, human_age};
use crate::config::Profile;
use crate::domain::{AuditEntry, CampaignStatus};

#[derive(Debug, Args, Clone)]
pub struct HandoffArgs {
    /// How far back the report reaches: 30m, 8h, 1d, ...
    #[arg(long, default_value = "8h")]
    pub since: String,
    /// Write the report to this file instead of stdout.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

pub async fn run(args: &HandoffArgs, profile: &Profile) -> Result<u8> {
    let window = crate::simulator::scenario::parse_duration(&args.since).map_err(|e| eyre!(e))?;
    let world = World::load(profile).await?;
    let audit = match &world.store {
        Some(s) => s.audit_entries()?,
        None => Vec::new(),
    };
    let md = report(&world, &audit, window, &profile.name);
    match &args.output {
        Some(path) => {
            std::fs::write(path, &md)
                .wrap_err_with(|| format!("cannot write {}", path.display()))?;
            eprintln!("mops: handoff written to {}", path.display());
        }
        None => print!("{md}"),
    }
    Ok(0)
}

fn ts(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%MZ").to_string()
}

/// Table cells must not break the Markdown table.
fn md(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

pub fn report(w: &World, audit: &[AuditEntry], window: Duration, profile: &str) -> String {
    let mut o = String::new();
    let from_wall = w.wall - window;
    let from_world = w.world_now - window;
    let _ = writeln!(o, "# Shift handoff — profile {profile}\n");
    let _ = writeln!(
        o,
        "Window: the last {} (since {}), written {}.\n",
        human_age(window.num_seconds()),
        ts(from_wall),
        ts(w.wall)
    );
    if let Some(n) = w.provenance() {
        let _ = writeln!(o, "> **Warning:** {n}\n");
    }

    let _ = writeln!(o, "## Data freshness\n");
    let _ = writeln!(
        o,
        "| Source | State | Last fetched | Age |\n|---|---|---|---|"
    );
    for s in w.sources() {
        let _ = writeln!(
            o,
            "| {} | {}{} | {} | {} |",
            s.system.label(),
            s.state,
            if s.stale { " (stale)" } else { "" },
            s.fetched_at.map_or("never".into(), ts),
            s.age_secs.map_or("-".into(), human_age)
        );
    }

    let alerts = rows::alerts(w);
    let firing: Vec<&rows::AlertOut> = alerts.iter().filter(|a| a.state == "firing").collect();
    let fired: Vec<&rows::AlertOut> = alerts
        .iter()
        .filter(|a| a.state != "resolved" && a.since >= from_world)
        .collect();
    let resolved: Vec<&rows::AlertOut> = alerts.iter().filter(|a| a.state == "resolved").collect();
    let _ = writeln!(o, "\n## Alerts\n");
    let _ = writeln!(
        o,
        "{} firing now, {} started in the window, {} resolved recently.\n",
        firing.len(),
        fired.len(),
        resolved.len()
    );
    for (title, list) in [
        ("Firing", &firing),
        ("Started in the window", &fired),
        ("Resolved", &resolved),
    ] {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(o, "### {title}\n");
        for a in list.iter() {
            let _ = writeln!(
                o,
                "- **{}** `{}` since {}: {}{}",
                a.severity,
                a.fingerprint,
                ts(a.since),
                md(&a.summary),
                a.acked_by
                    .as_ref()
                    .map(|b| format!(" (acknowledged by {b})"))
                    .unwrap_or_default()
            );
        }
        o.push('\n');
    }

    let actions: Vec<&AuditEntry> = audit
        .iter()
        .filter(|e| e.at >= from_wall && e.outcome != "queued")
        .collect();
    let _ = writeln!(o, "## Actions taken ({})\n", actions.len());
    if actions.is_empty() {
        let _ = writeln!(o, "None recorded in this data directory.\n");
    } else {
        let _ = writeln!(
            o,
            "| When | Who | Action | Target | Outcome | Reason |\n|---|---|---|---|---|---|"
        );
        for e in &actions {
            let outcome = match &e.after {
                Some(d) if e.outcome != "applied" => format!("{}: {}", e.outcome, d),
                _ => e.outcome.clone(),
            };
            let _ = writeln!(
                o,
                "| {} | {} ({}) | {} | `{}` | {} | {} |",
                ts(e.at),
                md(&e.actor),
                md(&e.role),
                e.action,
                md(&e.target),
                md(&outcome),
                md(e.reason.as_deref().unwrap_or("-"))
            );
        }
        o.push('\n');
    }
    let due = due_resumes(w, audit);
    if !due.is_empty() {
        let _ = writeln!(o, "### Time-boxed pauses past their end\n");
        for (id, until, by) in due {
            let _ = writeln!(
                o,
                "- `{id}` was paused by {by} until {}; it is still paused: resume it or extend the pause",
                ts(until)
            );
        }
        o.push('\n');
    }

    let approvals = rows::approvals(w);
    let _ = writeln!(o, "## Pending approvals ({})\n", approvals.len());
    for a in &approvals {
        let _ = writeln!(
            o,
            "- `{}` {} (campaign `{}`, budget {:.0}): step {} waiting on {}; deadline {}{}",
            a.id,
            md(&a.title),
            a.campaign_id,
            a.budget,
            a.current_step.as_deref().unwrap_or("-"),
            if a.waiting_on.is_empty() {
                "-".into()
            } else {
                a.waiting_on.join(", ")
            },
            ts(a.deadline),
            if a.overdue { " **OVERDUE**" } else { "" }
        );
    }

    let jobs: Vec<rows::SyncOut> = rows::sync_jobs(w)
        .into_iter()
        .filter(|j| j.failing)
        .collect();
    let _ = writeln!(o, "\n## Open sync failures ({})\n", jobs.len());
    for j in &jobs {
        let _ = writeln!(
            o,
            "- `{}` {} since {}, {} retries: {}",
            j.id,
            j.status,
            j.failing_since.map_or("-".into(), ts),
            j.retries,
            md(j.error.as_deref().unwrap_or("-"))
        );
    }

    let throttles = rows::throttles(w);
    let _ = writeln!(o, "\n## Active throttles ({})\n", throttles.len());
    for t in &throttles {
        let _ = writeln!(
            o,
            "- `{}` {} (x{}) on {}: {}",
            t.campaign_id,
            t.level,
            t.factor,
            t.sku,
            md(&t.rule)
        );
    }
    o
}

/// Pauses applied with `--until` that have ended while the campaign is still
/// paused: (campaign, until, who).
pub fn due_resumes(w: &World, audit: &[AuditEntry]) -> Vec<(String, DateTime<Utc>, String)> {
    let mut out: Vec<(String, DateTime<Utc>, String)> = Vec::new();
    for e in audit
        .iter()
        .filter(|e| e.action == "pause" && e.outcome == "applied")
    {
        let Some(until) = e.reason.as_deref().and_then(pause_until) else {
            continue;
        };
        let paused = w
            .snapshot
            .campaign(&e.target)
            .is_some_and(|c| c.status == CampaignStatus::Paused);
        if paused && until <= w.wall {
            out.retain(|(id, _, _)| *id != e.target);
            out.push((e.target.clone(), until, e.actor.clone()));
        }
    }
    out
}
