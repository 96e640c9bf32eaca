//! `mops demo`: the embedded simulator on loopback plus the console talking
//! to it over real HTTP, with a throwaway data directory.

use color_eyre::eyre::{Result, WrapErr};

use crate::cli::DemoArgs;
use crate::config::{Overrides, Profile};
use crate::simulator::{self, SimConfig};
use crate::sync::PollConfig;

pub async fn run(args: DemoArgs, overrides: &Overrides) -> Result<()> {
    let config = SimConfig::from_opts(&args.sim)?;
    let dialect = args.sim.dialect.unwrap_or_default();
    let sim = simulator::spawn(config)
        .await
        .wrap_err("cannot start the embedded simulator on 127.0.0.1")?;
    // Kept until the console exits; a fresh demo starts from an empty cache.
    let tmp = tempfile::Builder::new()
        .prefix("mops-demo-")
        .tempdir()
        .wrap_err("cannot create a temporary data directory")?;
    let data_dir = overrides
        .data_dir
        .clone()
        .unwrap_or_else(|| tmp.path().to_path_buf());
    let (endpoints, vendors) = sim.client_config(dialect);
    let profile = Profile {
        name: "demo".into(),
        endpoints,
        actor: std::env::var("MOPS_ACTOR").unwrap_or_else(|_| "demo-operator".into()),
        role: std::env::var("MOPS_ROLE").unwrap_or_else(|_| "admin".into()),
        scopes: std::env::var("MOPS_SCOPES")
            .map(|v| v.split(',').map(|s| s.trim().to_string()).collect())
            .unwrap_or_default(),
        production: false,
        readonly: overrides.readonly,
        theme: std::env::var("MOPS_THEME").unwrap_or_else(|_| "dark".into()),
        poll: PollConfig {
            marketing_every: std::time::Duration::from_secs(2),
            crm_every: std::time::Duration::from_secs(3),
            erp_every: std::time::Duration::from_secs(3),
            ..PollConfig::default()
        },
        stale_after: chrono::Duration::seconds(30),
        data_dir,
        vendors,
        low_bandwidth: overrides.low_bandwidth,
        keys: Default::default(),
        policy: demo_policy(),
        chain: Default::default(),
    };
    tracing::info!(url = %sim.base_url(), "demo simulator started");
    let result = super::console::run(profile).await;
    sim.shutdown();
    result
}

/// The demo recommends throttles like a default profile; `MOPS_THROTTLE_MODE=auto`
/// lets the console apply them itself.
fn demo_policy() -> crate::analytics::Policy {
    let mut policy = crate::analytics::Policy::default();
    if std::env::var("MOPS_THROTTLE_MODE").is_ok_and(|m| m.eq_ignore_ascii_case("auto")) {
        policy.throttle.mode = crate::analytics::throttle::ThrottleMode::Auto;
    }
    policy
}
