use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// mops: the marketing operations console.
#[derive(Debug, Parser)]
#[command(name = "mops", version, about, long_about = None)]
pub struct Cli {
    /// Named profile (environment) from the config file, e.g. "prod".
    #[arg(long, global = true, env = "MOPS_PROFILE")]
    pub profile: Option<String>,

    /// Config file (default: $XDG_CONFIG_HOME/mops/config.toml).
    #[arg(long, global = true, env = "MOPS_CONFIG")]
    pub config: Option<PathBuf>,

    /// Data directory for the cache, outbox and audit log.
    #[arg(long, global = true, env = "MOPS_DATA_DIR")]
    pub data_dir: Option<PathBuf>,

    /// Refuse every mutating command.
    #[arg(long, global = true)]
    pub readonly: bool,

    /// For slow links: 5 s refresh, no seconds in the clock, no animations,
    /// redraw only when data changes.
    #[arg(long, global = true, env = "MOPS_LOW_BANDWIDTH")]
    pub low_bandwidth: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the console against the embedded simulator over loopback HTTP.
    Demo(DemoArgs),
    /// Run the simulator alone, for several consoles or integration tests.
    Sim(SimArgs),
    /// Score a `timestamp,value` CSV with the anomaly detector.
    Backtest(crate::commands::backtest::BacktestArgs),
    /// Overall and per-area health; exit 0 ok, 1 warning, 2 critical, 3 unknown/stale.
    Status(crate::commands::status::StatusArgs),
    /// List campaigns, worst health first (filter: `status=paused health<60`).
    Campaigns(crate::commands::lists::ListArgs),
    /// List anomaly alerts: firing, pending, recently resolved.
    Alerts(crate::commands::lists::ListArgs),
    /// List pending approval requests, nearest deadline first.
    Approvals(crate::commands::lists::ListArgs),
    /// List sync jobs, failing first.
    Sync(crate::commands::lists::ListArgs),
    /// List active inventory throttles.
    Throttles(crate::commands::lists::ListArgs),
    /// Approve the current (or --step) step of an approval request.
    Approve(crate::commands::actions::DecideArgs),
    /// Reject a step of an approval request (ends the chain; needs --reason).
    Reject(crate::commands::actions::DecideArgs),
    /// Pause a campaign, optionally time-boxed with --until.
    Pause(crate::commands::actions::PauseArgs),
    /// Resume a paused campaign.
    Resume(crate::commands::actions::ResumeArgs),
    /// Engage a fallback on a campaign.
    Fallback(crate::commands::actions::FallbackArgs),
    /// Set a campaign's send rate to a percent of plan (100 lifts it).
    Throttle(crate::commands::actions::ThrottleArgs),
    /// Hold a campaign at a throttle level despite stock, until a time (audited).
    ThrottleOverride(crate::commands::throttle_override::ThrottleOverrideArgs),
    /// Acknowledge an alert (by fingerprint).
    Ack(crate::commands::actions::AckArgs),
    /// Retry a failing sync job.
    RetrySync(crate::commands::actions::RetryArgs),
    /// Show (list) or deliver (flush) the durable outbox of operator commands.
    Outbox(crate::commands::outbox::OutboxArgs),
    /// A Markdown shift report: alerts, actions, approvals, failures, throttles.
    Handoff(crate::commands::handoff::HandoffArgs),
    /// Verify or export the hash-chained audit log.
    Audit(crate::commands::audit::AuditArgs),
    /// Version, profile, config, data and log paths, cache and outbox state.
    Info(crate::commands::info::InfoArgs),
    /// Print a shell completion script.
    Completions(crate::commands::info::CompletionsArgs),
    /// Print the man page (roff).
    Man,
}

#[derive(Debug, Args, Clone)]
pub struct SimOpts {
    /// Scenario file (TOML) with seed, size and scripted incidents.
    #[arg(long)]
    pub scenario: Option<PathBuf>,
    /// World seed; the same seed gives the same world.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Number of campaigns to simulate (default 60, up to 10,000).
    #[arg(long)]
    pub campaigns: Option<usize>,
    /// Simulated seconds per real second.
    #[arg(long)]
    pub speed: Option<f64>,
    /// Vendor dialect to advertise and connect to (mautic, hubspot, erpnext,
    /// airbyte). Every dialect is always served; this one runs at speed 1 by
    /// default because vendor APIs do not report their clock.
    #[arg(long, value_enum)]
    pub dialect: Option<crate::simulator::SimDialect>,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub sim: SimOpts,
}

#[derive(Debug, Args)]
pub struct SimArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:7878")]
    pub listen: SocketAddr,
    #[command(flatten)]
    pub sim: SimOpts,
}
