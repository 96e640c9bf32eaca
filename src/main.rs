use std::path::Path;

use clap::Parser;
use color_eyre::eyre::{Result, WrapErr};
use mops::cli::{Cli, Command};
use mops::config::{self, Overrides};

fn main() -> Result<()> {
    color_eyre::install()?;
    let cli = Cli::parse();
    let overrides = Overrides {
        profile: cli.profile.clone(),
        config: cli.config.clone(),
        data_dir: cli.data_dir.clone(),
        readonly: cli.readonly,
        low_bandwidth: cli.low_bandwidth,
    };
    let interactive = matches!(cli.command, None | Some(Command::Demo(_)));
    let log_file = init_logging(interactive)?;
    tracing::info!(version = env!("CARGO_PKG_VERSION"), log = ?log_file, "mops starting");

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .wrap_err("cannot start the async runtime")?;
    runtime.block_on(async move {
        match cli.command {
            None => {
                let profile = config::resolve(&overrides, &|k| std::env::var(k).ok())?;
                mops::commands::console::run(profile).await
            }
            Some(Command::Demo(args)) => mops::commands::demo::run(args, &overrides).await,
            Some(Command::Sim(args)) => mops::commands::sim::run(args).await,
            Some(Command::Backtest(args)) => Ok(mops::commands::backtest::run(&args)?),
        }
    })
}

/// The TUI owns the screen, so logs go to a file under the XDG state dir;
/// headless commands log to stderr. `MOPS_LOG` sets the filter.
fn init_logging(to_file: bool) -> Result<Option<std::path::PathBuf>> {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("MOPS_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    if !to_file {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .with_ansi(false)
            .init();
        return Ok(None);
    }
    let dir = config::state_dir();
    std::fs::create_dir_all(&dir)
        .wrap_err_with(|| format!("cannot create log directory {}", dir.display()))?;
    let path = dir.join("mops.log");
    let file = open_log(&path)?;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::sync::Mutex::new(file))
        .with_ansi(false)
        .init();
    Ok(Some(path))
}

fn open_log(path: &Path) -> Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .wrap_err_with(|| format!("cannot open log file {}", path.display()))
}
