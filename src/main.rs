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
    // One-shot commands print answers; only problems belong on stderr.
    let quiet = !interactive && !matches!(cli.command, Some(Command::Sim(_)));
    let log_file = init_logging(interactive, quiet)?;
    tracing::info!(version = env!("CARGO_PKG_VERSION"), log = ?log_file, "mops starting");

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .wrap_err("cannot start the async runtime")?;
    let code = runtime.block_on(async move {
        let profile = || config::resolve(&overrides, &|k| std::env::var(k).ok());
        use mops::commands::lists::{self, ListKind};
        use mops::commands::{actions, info};
        match cli.command {
            None => {
                mops::commands::console::run(profile()?).await?;
                Ok(0)
            }
            Some(Command::Demo(args)) => mops::commands::demo::run(args, &overrides)
                .await
                .map(|()| 0),
            Some(Command::Sim(args)) => mops::commands::sim::run(args).await.map(|()| 0),
            Some(Command::Backtest(args)) => Ok(mops::commands::backtest::run(&args).map(|()| 0)?),
            Some(Command::Status(args)) => mops::commands::status::run(&args, &profile()?).await,
            Some(Command::Campaigns(args)) => {
                lists::run(ListKind::Campaigns, &args, &profile()?).await
            }
            Some(Command::Alerts(args)) => lists::run(ListKind::Alerts, &args, &profile()?).await,
            Some(Command::Approvals(args)) => {
                lists::run(ListKind::Approvals, &args, &profile()?).await
            }
            Some(Command::Sync(args)) => lists::run(ListKind::Sync, &args, &profile()?).await,
            Some(Command::Throttles(args)) => {
                lists::run(ListKind::Throttles, &args, &profile()?).await
            }
            Some(Command::Approve(args)) => actions::decide(args, true, &profile()?).await,
            Some(Command::Reject(args)) => actions::decide(args, false, &profile()?).await,
            Some(Command::Pause(args)) => actions::pause(args, &profile()?).await,
            Some(Command::Resume(args)) => actions::resume(args, &profile()?).await,
            Some(Command::Fallback(args)) => actions::fallback(args, &profile()?).await,
            Some(Command::Throttle(args)) => actions::throttle(args, &profile()?).await,
            Some(Command::ThrottleOverride(args)) => {
                mops::commands::throttle_override::run(&args, &profile()?)
            }
            Some(Command::Ack(args)) => actions::ack(args, &profile()?).await,
            Some(Command::RetrySync(args)) => actions::retry_sync(args, &profile()?).await,
            Some(Command::Outbox(args)) => mops::commands::outbox::run(&args, &profile()?).await,
            Some(Command::Handoff(args)) => mops::commands::handoff::run(&args, &profile()?).await,
            Some(Command::Audit(args)) => mops::commands::audit::run(&args, &profile()?),
            Some(Command::Info(args)) => info::run(&args, &overrides, &profile()?),
            Some(Command::Completions(args)) => info::completions(&args),
            Some(Command::Man) => info::man(),
        }
    });
    // Let the runtime's tasks wind down (closing sockets and the store)
    // before the process exits with the command's code.
    drop(runtime);
    match code {
        Ok(0) => Ok(()),
        Ok(code) => std::process::exit(i32::from(code)),
        Err(e) => Err(e),
    }
}

/// The TUI owns the screen, so logs go to a file under the XDG state dir;
/// headless commands log to stderr. `MOPS_LOG` sets the filter.
fn init_logging(to_file: bool, quiet: bool) -> Result<Option<std::path::PathBuf>> {
    use tracing_subscriber::EnvFilter;
    let default = if quiet { "warn" } else { "info" };
    let filter = EnvFilter::try_from_env("MOPS_LOG").unwrap_or_else(|_| EnvFilter::new(default));
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
