//! Operator commands from the shell: approve, reject, pause, resume,
//! fallback, ack, retry-sync. Same path as the console: refused locally in
//! read-only profiles and for viewers, confirmed in production, written to
//! the durable outbox (flushed, audited) and only then delivered, after any
//! older queued commands (FIFO).
//!
//! Exit codes: 0 applied (or dry run), 1 conflict, 2 failed or refused,
//! 4 queued but not sent.

use std::io::{BufRead, IsTerminal, Write};

use chrono::{DateTime, Utc};
use clap::Args;
use color_eyre::eyre::Result;
use serde_json::json;

use super::output::ReportFormat;
use super::world;
use crate::config::Profile;
use crate::connectors::vendor::Backend;
use crate::domain::{
    CommandKind, CommandStatus, OperatorCommand, Principal, Role, Snapshot, System, authorize,
};
use crate::store::{Store, StoreError};
use crate::sync::dispatcher::{Actor, Delivery, deliver, enqueue};

pub const EXIT_APPLIED: u8 = 0;
pub const EXIT_CONFLICT: u8 = 1;
pub const EXIT_FAILED: u8 = 2;
pub const EXIT_QUEUED: u8 = 4;

/// Options every mutating command takes.
#[derive(Debug, Args, Clone, Default)]
pub struct MutationOpts {
    /// Confirm a command in a production profile without a prompt (scripts).
    #[arg(long)]
    pub yes: bool,
    /// Print the exact request (method, URL, headers, JSON body) and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Reuse a key to make a retried script step safe (default: a new UUID v4).
    #[arg(long, value_name = "KEY")]
    pub idempotency_key: Option<String>,
    /// Resume or fall back although the audience sync is failing or the
    /// opt-out list is stale (the --reason is audited as the justification).
    #[arg(long)]
    pub override_compliance: bool,
    #[arg(long, short, value_enum, default_value_t = ReportFormat::Table)]
    pub output: ReportFormat,
}

/// A command ready to submit, with what the operator must type to confirm it.
pub struct Request {
    pub kind: CommandKind,
    pub reason: Option<String>,
    pub opts: MutationOpts,
}

/// Which system a command goes to, for "queued until X is reachable".
fn system_of(kind: &CommandKind) -> Option<System> {
    match kind {
        CommandKind::Pause { .. }
        | CommandKind::Resume { .. }
        | CommandKind::Fallback { .. }
        | CommandKind::Throttle { .. } => Some(System::Marketing),
        CommandKind::Decide { .. } => Some(System::Erp),
        CommandKind::RetrySync { .. } => Some(System::Crm),
        CommandKind::Acknowledge { .. } => None,
    }
}

/// Why this profile may not run `kind`, if it may not. Role rules come from
/// `domain::authz`; for decisions, scopes and four-eyes need the chain, which
/// the server checks authoritatively (403 or 409) when the command is sent.
pub fn refusal(profile: &Profile, kind: &CommandKind) -> Option<String> {
    let verb = kind.verb();
    if profile.readonly {
        return Some(format!(
            "refused: profile {:?} is read-only (--readonly or `readonly = true`); {verb} would change production state",
            profile.name
        ));
    }
    let Some(role) = Role::parse(&profile.role) else {
        return Some(format!(
            "refused: unknown role {:?} (MOPS_ROLE or the profile's `role`: viewer, operator, approver or admin)",
            profile.role
        ));
    };
    let who = Principal {
        role,
        ..profile.principal()
    };
    let server_decides =
        matches!(kind, CommandKind::Decide { .. }) && matches!(role, Role::Approver | Role::Admin);
    if server_decides {
        return None;
    }
    authorize(&who, kind, &Snapshot::default())
        .err()
        .map(|d| format!("refused: {d} (role from MOPS_ROLE or the profile's `role`)"))
}

pub async fn submit(req: Request, profile: &Profile) -> Result<u8> {
    let verb = req.kind.verb();
    let target = req.kind.target();
    if let Some(why) = refusal(profile, &req.kind) {
        eprintln!("mops: {why}");
        audit_refusal(profile, &req.kind, req.reason.as_deref(), &why);
        return Ok(EXIT_FAILED);
    }
    let cmd = OperatorCommand {
        idempotency_key: req
            .opts
            .idempotency_key
            .clone()
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
        kind: req.kind,
        actor: profile.actor.clone(),
        reason: req.reason,
        created_at: Utc::now(),
        status: CommandStatus::Queued,
        updated_at: None,
    };
    if req.opts.dry_run {
        return dry_run(&cmd, profile, req.opts.output);
    }
    if profile.production && !req.opts.yes && !confirm_on_tty(&profile.name, verb, &target)? {
        let why = format!(
            "refused: profile {:?} is production; pass --yes (or run in a terminal and type {target:?} to confirm)",
            profile.name
        );
        eprintln!("mops: {why}");
        audit_refusal(profile, &cmd.kind, cmd.reason.as_deref(), &why);
        return Ok(EXIT_FAILED);
    }
    let (store, note) = world::open_store(profile)?;
    let Some(store) = store else {
        eprintln!(
            "mops: refused: {}; commands must go through that console's outbox (use the console, or quit it and retry)",
            note.unwrap_or_default()
        );
        return Ok(EXIT_FAILED);
    };
    let actor = Actor {
        name: profile.actor.clone(),
        role: profile.role.clone(),
    };
    let cmd = match reuse(&store, &cmd)? {
        Ok(c) => c,
        Err(why) => {
            eprintln!("mops: refused: {why}");
            return Ok(EXIT_FAILED);
        }
    };
    if let CommandKind::Acknowledge { fingerprint } = &cmd.kind
        && !cmd.status.is_final()
        && !acknowledge(&store, fingerprint, &profile.actor)?
    {
        eprintln!("mops: failed: no alert with fingerprint {fingerprint:?} (see `mops alerts`)");
        return Ok(EXIT_FAILED);
    }
    let key = cmd.idempotency_key.clone();
    let client = world::client(profile)?;
    if !cmd.status.is_final()
        && let Some(why) = decision_refusal(profile, &cmd.kind, &client).await
    {
        eprintln!("mops: {why}");
        audit_refusal_in(&store, profile, &cmd.kind, cmd.reason.as_deref(), &why);
        return Ok(EXIT_FAILED);
    }
    if !cmd.status.is_final() {
        let guards = compliance_guards(&cmd.kind, &client, &store).await;
        if !guards.is_empty() {
            let reason = cmd.reason.as_deref().map(str::trim).unwrap_or_default();
            if !req.opts.override_compliance || reason.is_empty() {
                let why = format!(
                    "refused: compliance override needed: {}; pass --override-compliance with a --reason (both are audited)",
                    guards.join("; ")
                );
                eprintln!("mops: {why}");
                audit_refusal_in(&store, profile, &cmd.kind, cmd.reason.as_deref(), &why);
                return Ok(EXIT_FAILED);
            }
            eprintln!("mops: compliance override recorded: {}", guards.join("; "));
        }
    }
    enqueue(&store, &actor, cmd.clone()).await?;
    let flushed = flush(&store, &client, &actor, Some(&key)).await?;
    if let Some((c, why)) = &flushed.blocked {
        eprintln!(
            "mops: cannot send {} {} yet: {why}",
            c.kind.verb(),
            c.kind.target()
        );
    }
    let ours = match flushed.ours {
        Some(c) => c,
        None => store.command(&key)?.unwrap_or(cmd),
    };
    Ok(report(&ours, req.opts.output))
}

/// Four-eyes, scope and chain-order rules for a decision, checked on the
/// chain as the ERP has it now. When the ERP cannot be read the server's own
/// check (403/409) still stands.
async fn decision_refusal(
    profile: &Profile,
    kind: &CommandKind,
    client: &Backend,
) -> Option<String> {
    if !matches!(kind, CommandKind::Decide { .. }) {
        return None;
    }
    let Ok(crate::connectors::vendor::Supported::Yes(listed)) = client.approvals().await else {
        return None;
    };
    let snapshot = Snapshot {
        approvals: listed.items,
        ..Snapshot::default()
    };
    authorize(&profile.principal(), kind, &snapshot)
        .err()
        .map(|d| format!("refused: {d}"))
}

/// A refused command is audited too (who tried what, and why not), when the
/// data directory is free; a console holding it keeps its own trail.
fn audit_refusal(profile: &Profile, kind: &CommandKind, reason: Option<&str>, why: &str) {
    if let Ok((Some(store), _)) = world::open_store(profile) {
        audit_refusal_in(&store, profile, kind, reason, why);
    }
}

fn audit_refusal_in(
    store: &Store,
    profile: &Profile,
    kind: &CommandKind,
    reason: Option<&str>,
    why: &str,
) {
    let entry = crate::store::NewAuditEntry {
        at: Utc::now(),
        actor: profile.actor.clone(),
        role: profile.role.clone(),
        action: kind.verb().to_string(),
        target: kind.target(),
        before: None,
        after: Some(why.to_string()),
        reason: reason.map(String::from),
        idempotency_key: None,
        outcome: "refused".into(),
    };
    if let Err(e) = store.audit(entry) {
        tracing::warn!(error = %e, "cannot audit a refusal");
    }
}

/// Consent guards before a resume or fallback, judged on the CRM's sync jobs
/// now, or on the cached ones when the CRM cannot be reached.
async fn compliance_guards(kind: &CommandKind, client: &Backend, store: &Store) -> Vec<String> {
    if !matches!(
        kind,
        CommandKind::Resume { .. } | CommandKind::Fallback { .. }
    ) {
        return Vec::new();
    }
    let mut snapshot = match client.sync_jobs().await {
        Ok((jobs, _)) => Snapshot {
            sync_jobs: jobs.items,
            ..Snapshot::default()
        },
        Err(_) => store.load_snapshot().ok().flatten().unwrap_or_default(),
    };
    snapshot.history.clear();
    crate::domain::authz::consent_guards(kind, &snapshot, Utc::now(), chrono::Duration::hours(24))
}

/// An explicit idempotency key already in the outbox names the same command
/// or is an error; otherwise the new command is used.
fn reuse(
    store: &Store,
    cmd: &OperatorCommand,
) -> Result<Result<OperatorCommand, String>, StoreError> {
    Ok(match store.command(&cmd.idempotency_key)? {
        Some(old) if old.kind != cmd.kind => Err(format!(
            "idempotency key {:?} was already used for {} {}",
            cmd.idempotency_key,
            old.kind.verb(),
            old.kind.target()
        )),
        Some(old) => Ok(old),
        None => Ok(cmd.clone()),
    })
}

/// Acknowledgements live in mops' own alert book (the persisted engine).
fn acknowledge(store: &Store, fingerprint: &str, by: &str) -> Result<bool, StoreError> {
    let mut engine = super::console::load_engine(store);
    if !engine.acknowledge(fingerprint, by, Utc::now()) {
        return Ok(false);
    }
    super::console::save_engine_state(store, &engine)?;
    store.flush_cache()?;
    Ok(true)
}

/// What one pass over the outbox did.
#[derive(Debug, Default)]
pub struct Flushed {
    /// The latest state of the command asked about, if it was reached.
    pub ours: Option<OperatorCommand>,
    /// Commands that reached a final state, in order.
    pub done: Vec<OperatorCommand>,
    /// The command that could not be sent yet, and why; later ones wait.
    pub blocked: Option<(OperatorCommand, String)>,
}

/// Deliver every pending command, oldest first, stopping at the first one
/// that cannot be sent yet (later ones must not overtake it).
pub async fn flush(
    store: &Store,
    client: &crate::connectors::vendor::Backend,
    actor: &Actor,
    ours: Option<&str>,
) -> Result<Flushed, StoreError> {
    let mut mine = None;
    let mut done = Vec::new();
    let mut blocked = None;
    for cmd in store.pending()? {
        let is_ours = Some(cmd.idempotency_key.as_str()) == ours;
        let earlier = !is_ours && ours.is_some();
        match deliver(store, client, actor, cmd).await? {
            Delivery::Done(c) => {
                if earlier {
                    eprintln!(
                        "mops: delivered an earlier queued command first: {} {}: {}",
                        c.kind.verb(),
                        c.kind.target(),
                        c.status.as_str()
                    );
                }
                if is_ours {
                    mine = Some(c.clone());
                }
                done.push(c);
            }
            Delivery::Later(c, why) => {
                tracing::info!(key = %c.idempotency_key, %why, "command deferred");
                if is_ours {
                    mine = Some(c.clone());
                }
                blocked = Some((c, why));
                break;
            }
        }
    }
    Ok(Flushed {
        ours: mine,
        done,
        blocked,
    })
}

/// Print the outcome and return the exit code.
pub fn report(cmd: &OperatorCommand, format: ReportFormat) -> u8 {
    let what = format!("{} {}", cmd.kind.verb(), cmd.kind.target());
    let (outcome, code, text) = match &cmd.status {
        CommandStatus::Applied => ("applied", EXIT_APPLIED, format!("applied: {what}")),
        CommandStatus::Conflict { detail } => (
            "conflict",
            EXIT_CONFLICT,
            format!("conflict: {what} was not applied: {detail}"),
        ),
        CommandStatus::Failed { error } => {
            ("failed", EXIT_FAILED, format!("failed: {what}: {error}"))
        }
        CommandStatus::Sent => (
            "queued",
            EXIT_QUEUED,
            format!(
                "queued: {what}: sent but the answer was lost; it stays in the outbox and will be read back with its idempotency key, never applied twice (mops outbox flush or the console)"
            ),
        ),
        CommandStatus::Queued => {
            let system = system_of(&cmd.kind).map_or("the API", System::as_str);
            (
                "queued",
                EXIT_QUEUED,
                format!(
                    "queued: {what}: queued in the outbox; it will be sent when {system} is reachable (mops outbox flush or the console)"
                ),
            )
        }
    };
    match format {
        ReportFormat::Table => println!("{text} (idempotency key {})", cmd.idempotency_key),
        ReportFormat::Json => println!(
            "{}",
            json!({
                "outcome": outcome,
                "exit_code": code,
                "message": text,
                "command": cmd,
            })
        ),
    }
    code
}

fn dry_run(cmd: &OperatorCommand, profile: &Profile, format: ReportFormat) -> Result<u8> {
    if let CommandKind::Acknowledge { fingerprint } = &cmd.kind {
        let text = format!(
            "dry run: acknowledge {fingerprint} is recorded in mops' own alert book in {}; no request is sent",
            profile.data_dir.display()
        );
        match format {
            ReportFormat::Table => println!("{text}"),
            ReportFormat::Json => println!(
                "{}",
                json!({"dry_run": true, "method": null, "url": null, "message": text, "command": cmd})
            ),
        }
        return Ok(EXIT_APPLIED);
    }
    let (url, body) = world::client(profile)?.request_for(cmd)?;
    let headers = [
        ("Authorization", "Bearer ***".to_string()),
        ("Content-Type", "application/json".to_string()),
        ("Idempotency-Key", cmd.idempotency_key.clone()),
        ("X-Mops-Actor", cmd.actor.clone()),
    ];
    match format {
        ReportFormat::Table => {
            println!("# dry run: nothing was sent or queued");
            println!("POST {url}");
            for (k, v) in &headers {
                println!("{k}: {v}");
            }
            println!();
            println!("{}", serde_json::to_string_pretty(&body)?);
        }
        ReportFormat::Json => {
            let h: serde_json::Map<String, serde_json::Value> = headers
                .iter()
                .map(|(k, v)| (k.to_string(), json!(v)))
                .collect();
            println!(
                "{}",
                json!({"dry_run": true, "method": "POST", "url": url, "headers": h, "body": body})
            );
        }
    }
    Ok(EXIT_APPLIED)
}

/// In production without --yes: ask on a terminal for the target id.
fn confirm_on_tty(profile: &str, verb: &str, target: &str) -> Result<bool> {
    if !std::io::stdin().is_terminal() {
        return Ok(false);
    }
    eprint!("PRODUCTION profile {profile:?}: {verb} {target}. Type {target:?} to confirm: ");
    std::io::stderr().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim() == target)
}

/// `--until 2h` or `--until 2026-12-01T18:00:00Z`.
pub fn parse_time(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    crate::simulator::scenario::parse_duration(text)
        .map(|d| now + d)
        .map_err(|_| {
            format!("invalid time {text:?}: use RFC 3339 (2026-12-01T18:00:00Z) or a duration (90m, 2h, 1d)")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        let now = Utc::now();
        assert_eq!(parse_time("2h", now), Ok(now + chrono::Duration::hours(2)));
        assert_eq!(
            parse_time("2026-12-01T18:00:00Z", now).map(|t| t.to_rfc3339()),
            Ok("2026-12-01T18:00:00+00:00".to_string())
        );
        assert!(parse_time("tomorrow", now).is_err());
    }
}
