//! Arguments of the mutating subcommands and their translation into
//! `OperatorCommand` kinds; delivery is in `mutate`.

use chrono::Utc;
use clap::{Args, ValueEnum};
use color_eyre::eyre::{Result, eyre};

use super::mutate::{self, MutationOpts, Request};
use crate::config::Profile;
use crate::domain::{CommandKind, FallbackKind, Verdict};

#[derive(Debug, Args, Clone)]
pub struct DecideArgs {
    /// Approval request id, e.g. apr-fin-1.
    pub request: String,
    /// Step id (default: the request's current step, looked up online).
    #[arg(long)]
    pub step: Option<String>,
    /// Why; required for reject.
    #[arg(long)]
    pub reason: Option<String>,
    #[command(flatten)]
    pub opts: MutationOpts,
}

#[derive(Debug, Args, Clone)]
pub struct PauseArgs {
    /// Campaign id, e.g. cmp-0003.
    pub campaign: String,
    /// Why (recorded in the audit log and sent to marketing).
    #[arg(long)]
    pub reason: String,
    /// Time-box the pause: RFC 3339 or a duration (90m, 2h). Recorded in the
    /// reason and the audit log; `mops status` and `mops handoff` flag pauses
    /// past their end (nothing resumes automatically).
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    #[command(flatten)]
    pub opts: MutationOpts,
}

#[derive(Debug, Args, Clone)]
pub struct ResumeArgs {
    /// Campaign id.
    pub campaign: String,
    #[arg(long)]
    pub reason: String,
    #[command(flatten)]
    pub opts: MutationOpts,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FallbackArg {
    BackupProvider,
    LastKnownGoodInventory,
    FallbackContent,
}

impl From<FallbackArg> for FallbackKind {
    fn from(a: FallbackArg) -> Self {
        match a {
            FallbackArg::BackupProvider => FallbackKind::BackupProvider,
            FallbackArg::LastKnownGoodInventory => FallbackKind::LastKnownGoodInventory,
            FallbackArg::FallbackContent => FallbackKind::FallbackContent,
        }
    }
}

#[derive(Debug, Args, Clone)]
pub struct FallbackArgs {
    /// Campaign id.
    pub campaign: String,
    #[arg(long, value_enum)]
    pub kind: FallbackArg,
    #[arg(long)]
    pub reason: String,
    #[command(flatten)]
    pub opts: MutationOpts,
}

#[derive(Debug, Args, Clone)]
pub struct ThrottleArgs {
    /// Campaign id.
    pub campaign: String,
    /// Send rate as a percent of plan, 0 to 100 (100 lifts the throttle).
    #[arg(long, value_parser = clap::value_parser!(u8).range(0..=100))]
    pub percent: u8,
    #[arg(long)]
    pub reason: String,
    #[command(flatten)]
    pub opts: MutationOpts,
}

#[derive(Debug, Args, Clone)]
pub struct AckArgs {
    /// Alert fingerprint, as `mops alerts` shows it (e.g. cmp-0003/ctr).
    pub alert: String,
    #[arg(long)]
    pub reason: Option<String>,
    #[command(flatten)]
    pub opts: MutationOpts,
}

#[derive(Debug, Args, Clone)]
pub struct RetryArgs {
    /// Sync job id, e.g. crm-to-marketing-audience.
    pub job: String,
    #[arg(long)]
    pub reason: Option<String>,
    #[command(flatten)]
    pub opts: MutationOpts,
}

/// The suffix `--until` adds to a pause reason; `pause_until` reads it back.
pub const UNTIL_MARK: &str = " [until ";

pub async fn decide(args: DecideArgs, approve: bool, profile: &Profile) -> Result<u8> {
    if !approve && args.reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
        return Err(eyre!("reject needs --reason (it ends the chain)"));
    }
    let step = match args.step {
        Some(s) => s,
        None => current_step(&args.request, profile).await?,
    };
    let kind = CommandKind::Decide {
        request_id: args.request,
        step_id: step,
        verdict: if approve {
            Verdict::Approve
        } else {
            Verdict::Reject
        },
    };
    submit(kind, args.reason, args.opts, profile).await
}

async fn current_step(request: &str, profile: &Profile) -> Result<String> {
    let client = super::world::client(profile)?;
    let listed = client
        .approvals()
        .await
        .map_err(|e| eyre!("cannot look up the current step of {request} (pass --step): {e}"))?;
    let listed = match listed {
        crate::connectors::vendor::Supported::Yes(l) => l,
        crate::connectors::vendor::Supported::No(why) => return Err(eyre!("{why}")),
    };
    let req = listed
        .items
        .iter()
        .find(|r| r.id == request)
        .ok_or_else(|| eyre!("no pending approval request {request:?}"))?;
    req.current_step()
        .map(|s| s.id.clone())
        .ok_or_else(|| eyre!("{request} has no pending step"))
}

pub async fn pause(args: PauseArgs, profile: &Profile) -> Result<u8> {
    let mut reason = args.reason;
    if let Some(until) = &args.until {
        let t = mutate::parse_time(until, Utc::now()).map_err(|e| eyre!(e))?;
        reason.push_str(&format!(
            "{UNTIL_MARK}{}]",
            t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ));
    }
    let kind = CommandKind::Pause {
        campaign_id: args.campaign,
    };
    submit(kind, Some(reason), args.opts, profile).await
}

pub async fn resume(args: ResumeArgs, profile: &Profile) -> Result<u8> {
    let kind = CommandKind::Resume {
        campaign_id: args.campaign,
    };
    submit(kind, Some(args.reason), args.opts, profile).await
}

pub async fn fallback(args: FallbackArgs, profile: &Profile) -> Result<u8> {
    let kind = CommandKind::Fallback {
        campaign_id: args.campaign,
        fallback: args.kind.into(),
    };
    submit(kind, Some(args.reason), args.opts, profile).await
}

pub async fn throttle(args: ThrottleArgs, profile: &Profile) -> Result<u8> {
    let kind = CommandKind::Throttle {
        campaign_id: args.campaign,
        percent: args.percent,
    };
    submit(kind, Some(args.reason), args.opts, profile).await
}

pub async fn ack(args: AckArgs, profile: &Profile) -> Result<u8> {
    let kind = CommandKind::Acknowledge {
        fingerprint: args.alert,
    };
    submit(kind, args.reason, args.opts, profile).await
}

pub async fn retry_sync(args: RetryArgs, profile: &Profile) -> Result<u8> {
    let kind = CommandKind::RetrySync { job_id: args.job };
    submit(kind, args.reason, args.opts, profile).await
}

async fn submit(
    kind: CommandKind,
    reason: Option<String>,
    opts: MutationOpts,
    profile: &Profile,
) -> Result<u8> {
    mutate::submit(Request { kind, reason, opts }, profile).await
}

/// The end of a time-boxed pause, read back from its reason.
pub fn pause_until(reason: &str) -> Option<chrono::DateTime<Utc>> {
    let start = reason.rfind(UNTIL_MARK)? + UNTIL_MARK.len();
    let end = reason[start..].find(']')? + start;
    chrono::DateTime::parse_from_rfc3339(&reason[start..end])
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn until_round_trips_through_the_reason() {
        let r = "provider down [until 2026-12-01T18:00:00Z]";
        assert_eq!(
            pause_until(r).map(|t| t.to_rfc3339()),
            Some("2026-12-01T18:00:00+00:00".into())
        );
        assert_eq!(pause_until("no end"), None);
    }
}
