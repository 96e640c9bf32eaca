//! `mops outbox [list|flush]`: what is waiting to be sent, and sending it.

use clap::{Args, Subcommand};
use color_eyre::eyre::Result;
use serde::Serialize;

use super::mutate::{EXIT_FAILED, EXIT_QUEUED, flush};
use super::output::{Format, Listing, col, print_listing, to_values};
use super::world;
use crate::config::Profile;
use crate::domain::OperatorCommand;
use crate::store::Store;
use crate::sync::dispatcher::Actor;

#[derive(Debug, Args, Clone)]
pub struct OutboxArgs {
    #[command(subcommand)]
    pub action: Option<OutboxAction>,
}

#[derive(Debug, Subcommand, Clone)]
pub enum OutboxAction {
    /// Recent commands (newest first) with their status; pending ones are
    /// `queued` (never sent) or `sent` (answer lost, to be read back).
    List {
        /// How many commands to show.
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[arg(long, short, value_enum, default_value_t = Format::Table)]
        output: Format,
    },
    /// Deliver pending commands in order; exit 0 when none is left, 4 when
    /// some are still waiting for their system.
    Flush,
}

#[derive(Debug, Serialize)]
struct CommandOut<'a> {
    idempotency_key: &'a str,
    action: &'static str,
    target: String,
    actor: &'a str,
    reason: Option<&'a str>,
    status: &'static str,
    detail: Option<&'a str>,
    created_at: chrono::DateTime<chrono::Utc>,
    updated_at: Option<chrono::DateTime<chrono::Utc>>,
}

fn out(c: &OperatorCommand) -> CommandOut<'_> {
    use crate::domain::CommandStatus;
    CommandOut {
        idempotency_key: &c.idempotency_key,
        action: c.kind.verb(),
        target: c.kind.target(),
        actor: &c.actor,
        reason: c.reason.as_deref(),
        status: c.status.as_str(),
        detail: match &c.status {
            CommandStatus::Conflict { detail } => Some(detail),
            CommandStatus::Failed { error } => Some(error),
            _ => None,
        },
        created_at: c.created_at,
        updated_at: c.updated_at,
    }
}

const FIELDS: &[&str] = &[
    "idempotency_key",
    "action",
    "target",
    "actor",
    "reason",
    "status",
    "detail",
    "created_at",
    "updated_at",
];

fn store_or_refuse(profile: &Profile) -> Result<Option<Store>> {
    let (store, note) = world::open_store(profile)?;
    if store.is_none() {
        eprintln!(
            "mops: {}; the console delivers its own outbox",
            note.unwrap_or_default()
        );
    }
    Ok(store)
}

pub async fn run(args: &OutboxArgs, profile: &Profile) -> Result<u8> {
    let Some(store) = store_or_refuse(profile)? else {
        return Ok(EXIT_FAILED);
    };
    match args.action.clone().unwrap_or(OutboxAction::List {
        limit: 50,
        output: Format::Table,
    }) {
        OutboxAction::List { limit, output } => {
            let cmds = store.commands(limit)?;
            let rows: Vec<CommandOut> = cmds.iter().map(out).collect();
            let listing = Listing {
                rows: to_values(&rows)?,
                columns: &[
                    col("STATUS", "status", 8),
                    col("ACTION", "action", 10),
                    col("TARGET", "target", 24),
                    col("ACTOR", "actor", 10),
                    col("CREATED", "created_at", 12),
                    col("KEY", "idempotency_key", 36),
                ],
                csv_fields: FIELDS,
                empty: "the outbox is empty",
            };
            print_listing(&mut std::io::stdout().lock(), &listing, output, None)?;
            Ok(0)
        }
        OutboxAction::Flush => {
            if profile.readonly {
                eprintln!(
                    "mops: refused: profile {:?} is read-only; flushing would send commands",
                    profile.name
                );
                return Ok(EXIT_FAILED);
            }
            let actor = Actor {
                name: profile.actor.clone(),
                role: profile.role.clone(),
            };
            let client = world::client(profile)?;
            let flushed = flush(&store, &client, &actor, None).await?;
            let done = flushed.done;
            for c in &done {
                println!(
                    "{}: {} {} ({})",
                    c.status.as_str(),
                    c.kind.verb(),
                    c.kind.target(),
                    c.idempotency_key
                );
            }
            if let Some((c, why)) = &flushed.blocked {
                eprintln!(
                    "mops: still queued: {} {}: {why}",
                    c.kind.verb(),
                    c.kind.target()
                );
            }
            let left = store.pending()?;
            if left.is_empty() {
                println!("outbox: {} delivered, nothing pending", done.len());
                Ok(0)
            } else {
                println!(
                    "outbox: {} delivered, {} still queued (their system is unreachable)",
                    done.len(),
                    left.len()
                );
                Ok(EXIT_QUEUED)
            }
        }
    }
}
