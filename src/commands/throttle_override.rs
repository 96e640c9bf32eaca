//! `mops throttle-override CAMPAIGN --level full --until 6h --reason R`:
//! overrule the inventory throttle recommendation for a while. The override
//! lives in mops' own analytics state (like acknowledgements), is audited,
//! and expires by itself.

use chrono::Utc;
use clap::{Args, ValueEnum};
use color_eyre::eyre::{Result, eyre};

use super::mutate::{EXIT_FAILED, parse_time, refusal};
use super::world;
use crate::config::Profile;
use crate::domain::{CommandKind, ThrottleLevel};
use crate::store::NewAuditEntry;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Level {
    Full,
    Throttled,
    Paused,
}

impl From<Level> for ThrottleLevel {
    fn from(l: Level) -> Self {
        match l {
            Level::Full => ThrottleLevel::Full,
            Level::Throttled => ThrottleLevel::Throttled,
            Level::Paused => ThrottleLevel::Paused,
        }
    }
}

#[derive(Debug, Args)]
pub struct ThrottleOverrideArgs {
    /// Campaign id.
    pub campaign: String,
    /// Level to hold regardless of stock.
    #[arg(long, value_enum)]
    pub level: Level,
    /// When the override ends: RFC 3339 time or a duration such as 6h or 2d.
    #[arg(long)]
    pub until: String,
    /// Why (kept in the audit log).
    #[arg(long)]
    pub reason: String,
}

pub fn run(args: &ThrottleOverrideArgs, profile: &Profile) -> Result<u8> {
    // The same role rules as the throttle command it overrules.
    let kind = CommandKind::Throttle {
        campaign_id: args.campaign.clone(),
        percent: 100,
    };
    if let Some(why) = refusal(profile, &kind) {
        eprintln!("mops: {why}");
        return Ok(EXIT_FAILED);
    }
    if args.reason.trim().is_empty() {
        return Err(eyre!("throttle-override needs a --reason"));
    }
    let now = Utc::now();
    let until = parse_time(&args.until, now).map_err(|e| eyre!(e))?;
    if until <= now {
        return Err(eyre!("--until {} is in the past", args.until));
    }
    let (store, note) = world::open_store(profile)?;
    let Some(store) = store else {
        eprintln!(
            "mops: refused: {}; override from that console or quit it first",
            note.unwrap_or_default()
        );
        return Ok(EXIT_FAILED);
    };
    let mut engine = super::console::load_engine(&store);
    let level: ThrottleLevel = args.level.into();
    engine.override_throttle(&args.campaign, level, &profile.actor, &args.reason, until);
    super::console::save_engine_state(&store, &engine)?;
    store.flush_cache()?;
    store.audit(NewAuditEntry {
        at: now,
        actor: profile.actor.clone(),
        role: profile.role.clone(),
        action: "throttle-override".into(),
        target: args.campaign.clone(),
        before: None,
        after: Some(format!("{} until {}", level.as_str(), until.to_rfc3339())),
        reason: Some(args.reason.clone()),
        idempotency_key: None,
        outcome: "applied".into(),
    })?;
    println!(
        "throttle override: {} held at {} until {} (by {})",
        args.campaign,
        level.as_str(),
        until.format("%Y-%m-%d %H:%M UTC"),
        profile.actor
    );
    Ok(0)
}
