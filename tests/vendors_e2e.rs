//! Each vendor connector against the simulator's dialect of it, over real
//! loopback HTTP, with injected faults.

#[path = "vendors_e2e/airbyte.rs"]
mod airbyte;
#[path = "vendors_e2e/erpnext.rs"]
mod erpnext;
#[path = "vendors_e2e/hubspot.rs"]
mod hubspot;
#[path = "vendors_e2e/mautic.rs"]
mod mautic;

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use mops::cli::SimOpts;
use mops::connectors::vendor::Backend;
use mops::connectors::{HttpClient, HttpConfig, NativeClient};
use mops::domain::{CommandKind, CommandStatus, OperatorCommand};
use mops::simulator::{self, SimConfig, SimDialect, SimHandle};

/// More than one page for every vendor that pages by 100.
pub const CAMPAIGNS: usize = 110;

pub async fn sim(campaigns: usize) -> SimHandle {
    let mut cfg = SimConfig::from_opts(&SimOpts {
        scenario: None,
        seed: Some(11),
        campaigns: Some(campaigns),
        speed: Some(0.0),
        dialect: None,
    })
    .unwrap();
    cfg.speed = 0.0;
    simulator::spawn(cfg).await.unwrap()
}

/// Few attempts and short waits, so fault tests fail fast.
pub fn http(attempts: u32) -> Arc<HttpClient> {
    Arc::new(
        HttpClient::new(HttpConfig {
            max_attempts: attempts,
            base_backoff: Duration::from_millis(5),
            max_backoff: Duration::from_millis(20),
            total_timeout: Duration::from_secs(5),
            read_timeout: Duration::from_secs(2),
            breaker_threshold: 1000,
            ..HttpConfig::default()
        })
        .unwrap(),
    )
}

pub fn backend(sim: &SimHandle, dialect: SimDialect, attempts: u32) -> Backend {
    let (ep, v) = sim.client_config(dialect);
    Backend::new(http(attempts), ep, v.flavours, v.tokens)
}

pub fn native(sim: &SimHandle) -> NativeClient {
    let (ep, _) = sim.client_config(SimDialect::Native);
    NativeClient::new(http(3), ep)
}

pub fn command(kind: CommandKind) -> OperatorCommand {
    OperatorCommand {
        idempotency_key: uuid::Uuid::new_v4().to_string(),
        kind,
        actor: "tester".into(),
        reason: Some("e2e".into()),
        created_at: Utc::now(),
        status: CommandStatus::Queued,
        updated_at: None,
    }
}

/// A vendor on one system leaves the others on the native contract.
#[tokio::test]
async fn backend_routes_each_system_to_its_own_flavour() {
    use mops::connectors::CommandOutcome;
    use mops::connectors::vendor::Supported;
    let sim = sim(20).await;
    let b = backend(&sim, SimDialect::Hubspot, 3);
    let (jobs, _) = b.sync_jobs().await.unwrap();
    assert_eq!(
        jobs.items[0].id, "crm-to-marketing-audience",
        "CRM stays native"
    );
    assert!(matches!(b.approvals().await.unwrap(), Supported::Yes(_)));
    let retry = command(CommandKind::RetrySync {
        job_id: jobs.items[0].id.clone(),
    });
    let (url, _) = b.request_for(&retry).unwrap();
    assert!(
        url.ends_with("/crm/v1/sync-jobs/crm-to-marketing-audience/retry"),
        "{url}"
    );
    assert!(matches!(
        b.execute(&retry).await.unwrap(),
        CommandOutcome::Conflict { .. }
    ));
    let fallback = command(CommandKind::Fallback {
        campaign_id: "x".into(),
        fallback: mops::domain::FallbackKind::BackupProvider,
    });
    let err = b.execute(&fallback).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("HubSpot does not provide fallback"),
        "{err}"
    );
    let gaps: Vec<_> = b.unsupported().iter().map(|u| u.capability).collect();
    assert_eq!(gaps, ["fallbacks", "campaign pause"]);
    sim.shutdown();
}
