use mops::connectors::mautic::MauticClient;
use mops::connectors::{CommandOutcome, HttpError, Secret};
use mops::domain::{CampaignStatus, CommandKind, MetricKind, System};
use mops::simulator::{Faults, SimDialect};

use super::{CAMPAIGNS, backend, command, http, native, sim};

#[tokio::test]
async fn campaigns_page_and_match_the_world() {
    let sim = sim(CAMPAIGNS).await;
    let b = backend(&sim, SimDialect::Mautic, 3);
    let got = b.campaigns().await.unwrap().items;
    let world = native(&sim).campaigns().await.unwrap().items;
    assert_eq!(got.len(), CAMPAIGNS, "two pages of 100");
    for (i, (m, w)) in got.iter().zip(&world).enumerate() {
        assert_eq!(m.id, (i + 1).to_string());
        assert_eq!(m.name, w.name, "names are sanitised the same way");
        let expect = match w.status {
            CampaignStatus::Paused | CampaignStatus::Draft => CampaignStatus::Paused,
            s => s,
        };
        assert_eq!(m.status, expect, "{}", w.id);
    }
    sim.shutdown();
}

#[tokio::test]
async fn metrics_come_from_counter_deltas_between_polls() {
    let sim = sim(20).await;
    let b = backend(&sim, SimDialect::Mautic, 3);
    let since = chrono::Utc::now() - chrono::Duration::days(1);
    assert!(
        b.metrics_since(since).await.unwrap().items.is_empty(),
        "first poll is the baseline"
    );
    sim.advance(chrono::Duration::minutes(30));
    let samples = b.metrics_since(since).await.unwrap().items;
    let sum = |k: MetricKind| -> f64 {
        samples
            .iter()
            .filter(|s| s.metric == k)
            .map(|s| s.value)
            .sum()
    };
    assert!(sum(MetricKind::Deliveries) > 0.0, "{samples:?}");
    assert!(sum(MetricKind::Opens) <= sum(MetricKind::Deliveries));
    assert!(
        samples.iter().all(|s| s.metric != MetricKind::Sends),
        "Mautic knows no failed attempts, so no sends"
    );
    assert!(
        samples
            .iter()
            .all(|s| s.timestamp > since && s.value >= 0.0)
    );
    sim.shutdown();
}

#[tokio::test]
async fn pause_and_resume_toggle_is_published() {
    let sim = sim(20).await;
    let b = backend(&sim, SimDialect::Mautic, 3);
    let active = b
        .campaigns()
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|c| c.status == CampaignStatus::Active)
        .expect("an active campaign");
    let pause = command(CommandKind::Pause {
        campaign_id: active.id.clone(),
    });
    let (line, body) = b.request_for(&pause).unwrap();
    assert!(
        line.starts_with("PATCH ") && line.ends_with(&format!("/api/campaigns/{}/edit", active.id))
    );
    assert_eq!(body["isPublished"], 0);
    assert_eq!(
        b.execute(&pause).await.unwrap(),
        CommandOutcome::Applied { replayed: false }
    );
    let status = |items: Vec<mops::domain::Campaign>| {
        items
            .into_iter()
            .find(|c| c.id == active.id)
            .unwrap()
            .status
    };
    assert_eq!(
        status(b.campaigns().await.unwrap().items),
        CampaignStatus::Paused
    );
    let resume = command(CommandKind::Resume {
        campaign_id: active.id.clone(),
    });
    b.execute(&resume).await.unwrap();
    assert_eq!(
        status(b.campaigns().await.unwrap().items),
        CampaignStatus::Active
    );
    let fallback = command(CommandKind::Fallback {
        campaign_id: active.id.clone(),
        fallback: mops::domain::FallbackKind::BackupProvider,
    });
    let err = b.execute(&fallback).await.unwrap_err();
    assert!(
        err.to_string().contains("Mautic does not provide fallback"),
        "{err}"
    );
    sim.shutdown();
}

#[tokio::test]
async fn basic_and_bearer_auth_and_mautic_errors() {
    let sim = sim(20).await;
    let base = sim.dialect_url(SimDialect::Mautic);
    let token = sim.state().config().token.clone();
    let bearer = MauticClient::new(http(1), &base, &Secret::new(token.clone()));
    assert_eq!(bearer.campaigns().await.unwrap().items.len(), 20);
    let basic = MauticClient::new(http(1), &base, &Secret::new(format!("api-user:{token}")));
    assert_eq!(basic.campaigns().await.unwrap().items.len(), 20);
    let wrong = MauticClient::new(http(1), &base, &Secret::new("api-user:nope"));
    match wrong.campaigns().await.unwrap_err() {
        HttpError::Api {
            status: 401,
            code,
            message,
            ..
        } => {
            assert_eq!(code, "unauthorized");
            assert!(message.contains("bearer token"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    sim.shutdown();
}

#[tokio::test]
async fn faults_surface_as_typed_errors() {
    let sim = sim(20).await;
    let b = backend(&sim, SimDialect::Mautic, 1);
    sim.set_faults(
        System::Marketing,
        Faults {
            outage: true,
            ..Faults::default()
        },
    );
    match b.campaigns().await.unwrap_err() {
        HttpError::Api {
            status: 503,
            message,
            ..
        } => assert!(message.contains("unavailable")),
        other => panic!("{other:?}"),
    }
    sim.set_faults(
        System::Marketing,
        Faults {
            malformed_rate: 1.0,
            ..Faults::default()
        },
    );
    assert!(matches!(
        b.campaigns().await.unwrap_err(),
        HttpError::Malformed { .. }
    ));
    sim.set_faults(
        System::Marketing,
        Faults {
            rate_limit: Some(1),
            ..Faults::default()
        },
    );
    let fresh = backend(&sim, SimDialect::Mautic, 1);
    let mut saw = None;
    for _ in 0..3 {
        if let Err(e) = fresh.campaigns().await {
            saw = Some(e);
            break;
        }
    }
    match saw {
        Some(HttpError::RateLimited { retry_after, .. }) => assert!(retry_after.as_secs() <= 10),
        other => panic!("expected a rate limit, got {other:?}"),
    }
    // Retries ride out injected 500s on reads.
    sim.set_faults(
        System::Marketing,
        Faults {
            error_rate: 0.5,
            ..Faults::default()
        },
    );
    let patient = backend(&sim, SimDialect::Mautic, 12);
    assert_eq!(patient.campaigns().await.unwrap().items.len(), 20);
    sim.shutdown();
}
