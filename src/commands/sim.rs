//! `mops sim`: the simulator alone, shared by several consoles or tests.

use color_eyre::eyre::{Result, WrapErr};
use tokio_util::sync::CancellationToken;

use crate::cli::SimArgs;
use crate::simulator::{self, SimConfig};

pub async fn run(args: SimArgs) -> Result<()> {
    let config = SimConfig::from_opts(&args.sim)?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .wrap_err_with(|| format!("cannot listen on {}", args.listen))?;
    let addr = listener.local_addr()?;
    println!("mops simulator listening on http://{addr}");
    println!("  marketing: http://{addr}/marketing/v1");
    println!("  crm:       http://{addr}/crm/v1");
    println!("  erp:       http://{addr}/erp/v1");
    println!("  token:     {}", config.token);
    let cancel = CancellationToken::new();
    let stop = cancel.clone();
    tokio::spawn(async move {
        let _ = tokio::signal::ctrl_c().await;
        stop.cancel();
    });
    simulator::run(listener, config, cancel).await?;
    Ok(())
}
