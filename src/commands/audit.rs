//! `mops audit verify|export`: check the hash chain, export JSON lines.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use color_eyre::eyre::{Result, WrapErr, eyre};

use super::world;
use crate::config::Profile;
use crate::store::AuditError;

#[derive(Debug, Args, Clone)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub action: AuditAction,
}

#[derive(Debug, Subcommand, Clone)]
pub enum AuditAction {
    /// Check that no entry was edited, deleted or reordered (exit 0 intact,
    /// 2 tampered).
    Verify,
    /// Every entry as one JSON object per line, oldest first.
    Export {
        /// Write to this file instead of stdout.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

pub fn run(args: &AuditArgs, profile: &Profile) -> Result<u8> {
    let (store, note) = world::open_store(profile)?;
    let store = store.ok_or_else(|| eyre!("{}", note.unwrap_or_default()))?;
    match &args.action {
        AuditAction::Verify => match store.verify_audit() {
            Ok(v) => {
                println!(
                    "audit log intact: {} entries, head {}",
                    v.entries, v.head_hash
                );
                Ok(0)
            }
            Err(e @ AuditError::Tampered { .. }) => {
                println!("{e}");
                Ok(2)
            }
            Err(e) => Err(e.into()),
        },
        AuditAction::Export { output: Some(path) } => {
            let file = std::fs::File::create(path)
                .wrap_err_with(|| format!("cannot create {}", path.display()))?;
            let mut w = std::io::BufWriter::new(file);
            let n = store.export_audit_jsonl(&mut w)?;
            std::io::Write::flush(&mut w)?;
            eprintln!("mops: exported {n} audit entries to {}", path.display());
            Ok(0)
        }
        AuditAction::Export { output: None } => {
            let mut w = std::io::BufWriter::new(std::io::stdout().lock());
            store.export_audit_jsonl(&mut w)?;
            std::io::Write::flush(&mut w)?;
            Ok(0)
        }
    }
}
