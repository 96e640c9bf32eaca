//! `mops info`, `mops completions SHELL` and `mops man`.

use std::path::PathBuf;

use clap::{Args, CommandFactory};
use color_eyre::eyre::Result;
use serde::Serialize;

use super::output::ReportFormat;
use super::world;
use crate::config::{self, Overrides, Profile};
use crate::domain::System;

#[derive(Debug, Args, Clone)]
pub struct InfoArgs {
    #[arg(long, short, value_enum, default_value_t = ReportFormat::Table)]
    pub output: ReportFormat,
}

#[derive(Debug, Args, Clone)]
pub struct CompletionsArgs {
    /// bash, zsh, fish, elvish or powershell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Serialize)]
struct CacheInfo {
    /// `ok`, `empty` or `locked` (a console holds the data directory).
    state: &'static str,
    fetched_at: Vec<(System, Option<chrono::DateTime<chrono::Utc>>)>,
    campaigns: usize,
    outbox_pending: usize,
    outbox_recent: usize,
    audit_entries: usize,
}

#[derive(Debug, Serialize)]
struct Info {
    version: &'static str,
    profile: String,
    config_file: Option<PathBuf>,
    config_exists: bool,
    data_dir: PathBuf,
    log_file: PathBuf,
    marketing_url: String,
    crm_url: String,
    erp_url: String,
    /// Whether a token is configured; the token itself is never shown.
    token_set: bool,
    actor: String,
    role: String,
    production: bool,
    readonly: bool,
    cache: CacheInfo,
}

pub fn run(args: &InfoArgs, overrides: &Overrides, profile: &Profile) -> Result<u8> {
    let config_file = overrides
        .config
        .clone()
        .or_else(config::default_config_file);
    let (store, _) = world::open_store(profile)?;
    let cache = match &store {
        None => CacheInfo {
            state: "locked",
            fetched_at: Vec::new(),
            campaigns: 0,
            outbox_pending: 0,
            outbox_recent: 0,
            audit_entries: 0,
        },
        Some(s) => {
            let snap = s.load_snapshot()?;
            CacheInfo {
                state: if snap.is_some() { "ok" } else { "empty" },
                fetched_at: System::ALL
                    .iter()
                    .map(|&sys| {
                        let f = snap.as_ref().and_then(|x| x.freshness(sys).fetched_at);
                        (sys, f)
                    })
                    .collect(),
                campaigns: snap.as_ref().map_or(0, |x| x.campaigns.len()),
                outbox_pending: s.pending()?.len(),
                outbox_recent: s.commands(10_000)?.len(),
                audit_entries: s.audit_entries()?.len(),
            }
        }
    };
    let info = Info {
        version: env!("CARGO_PKG_VERSION"),
        profile: profile.name.clone(),
        config_exists: config_file.as_ref().is_some_and(|p| p.exists()),
        config_file,
        data_dir: profile.data_dir.clone(),
        log_file: config::state_dir().join("mops.log"),
        marketing_url: profile.endpoints.marketing.clone(),
        crm_url: profile.endpoints.crm.clone(),
        erp_url: profile.endpoints.erp.clone(),
        token_set: !profile.endpoints.token.expose().is_empty(),
        actor: profile.actor.clone(),
        role: profile.role.clone(),
        production: profile.production,
        readonly: profile.readonly,
        cache,
    };
    match args.output {
        ReportFormat::Json => println!("{}", serde_json::to_string_pretty(&info)?),
        ReportFormat::Table => print_table(&info),
    }
    Ok(0)
}

fn print_table(i: &Info) {
    let path = |p: &Option<PathBuf>| p.as_ref().map_or("-".into(), |p| p.display().to_string());
    println!("mops {}", i.version);
    println!(
        "profile      {}{}{}",
        i.profile,
        if i.production { " (production)" } else { "" },
        if i.readonly { " (read-only)" } else { "" }
    );
    println!(
        "config       {} ({})",
        path(&i.config_file),
        if i.config_exists {
            "exists"
        } else {
            "not found"
        }
    );
    println!("data dir     {}", i.data_dir.display());
    println!("log file     {} (console only)", i.log_file.display());
    println!("marketing    {}", i.marketing_url);
    println!("crm          {}", i.crm_url);
    println!("erp          {}", i.erp_url);
    println!(
        "token        {}",
        if i.token_set {
            "set (hidden)"
        } else {
            "not set"
        }
    );
    println!("actor        {} (role {})", i.actor, i.role);
    println!(
        "cache        {}, {} campaigns",
        i.cache.state, i.cache.campaigns
    );
    for (sys, at) in &i.cache.fetched_at {
        let at = at.map_or("never".into(), |t| t.to_rfc3339());
        println!("  {:<10} fetched {at}", sys.as_str());
    }
    println!(
        "outbox       {} pending, {} in total",
        i.cache.outbox_pending, i.cache.outbox_recent
    );
    println!("audit log    {} entries", i.cache.audit_entries);
}

pub fn completions(args: &CompletionsArgs) -> Result<u8> {
    let mut cmd = crate::cli::Cli::command();
    clap_complete::generate(args.shell, &mut cmd, "mops", &mut std::io::stdout());
    Ok(0)
}

pub fn man() -> Result<u8> {
    let cmd = crate::cli::Cli::command();
    clap_mangen::Man::new(cmd).render(&mut std::io::stdout())?;
    Ok(0)
}
