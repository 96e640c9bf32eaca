use clap::Parser;

fn main() -> color_eyre::Result<()> {
    color_eyre::install()?;
    let cli = mops::cli::Cli::parse();
    if let Some(mops::cli::Command::Backtest(args)) = &cli.command {
        mops::commands::backtest::run(args)?;
    }
    Ok(())
}
