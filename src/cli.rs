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
