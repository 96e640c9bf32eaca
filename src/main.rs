use clap::Parser;

fn main() -> color_eyre::Result<()> {
    color_eyre::install()?;
    let _cli = mops::cli::Cli::parse();
    Ok(())
}
