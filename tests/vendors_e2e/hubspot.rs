use mops::connectors::hubspot::HubSpotClient;
use mops::connectors::{CommandOutcome, HttpError, Secret};
use mops::domain::{CampaignStatus, CommandKind, MetricKind, System};
use mops::simulator::{Faults, SimDialect};

use super::{CAMPAIGNS, backend, command, http, native, sim};

#[tokio::test]
async fn campaigns_and_hourly_email_statistics() {
    let sim = sim(CAMPAIGNS).await;
    let b = backend(&sim, SimDialect::Hubspot, 3);
    let got = b.campaigns().await.unwrap().items;
    let world = native(&sim).campaigns().await.unwrap().items;
    assert_eq!(got.len(), CAMPAIGNS, "two pages through paging.next.after");
    for (h, w) in got.iter().zip(&world) {
        assert_eq!(
            (h.name.as_str(), h.budget, h.spend),
            (w.name.as_str(), w.budget, w.spend)
        );
    }
    let since = sim.now() - chrono::Duration::hours(6);
    let samples = b.metrics_since(since).await.unwrap().items;
    assert!(samples.iter().all(|s| s.timestamp > since));
    let sum = |k: MetricKind| -> f64 {
        samples
            .iter()
            .filter(|s| s.metric == k)
            .map(|s| s.value)
            .sum()
    };
    assert!(sum(MetricKind::Sends) > 0.0);
    assert!(sum(MetricKind::Deliveries) <= sum(MetricKind::Sends));
    assert!(sum(MetricKind::Opens) > 0.0 && sum(MetricKind::Clicks) > 0.0);
    // The same hours through the native contract agree (rounded counts).
    let native_sends: f64 = native(&sim)
        .metrics_since(since)
        .await
        .unwrap()
        .items
        .iter()
        .filter(|s| s.metric == MetricKind::Sends)
        .map(|s| s.value)
        .sum();
    assert!((native_sends - sum(MetricKind::Sends)).abs() <= CAMPAIGNS as f64 * 7.0);
    sim.shutdown();
}

#[tokio::test]
async fn pause_unpublishes_automated_emails_and_says_so() {
    let sim = sim(20).await;
    let b = backend(&sim, SimDialect::Hubspot, 3);
    let probe = command(CommandKind::Pause {
        campaign_id: "x".into(),
    });
    let err = b.request_for(&probe).unwrap_err();
    assert!(err.to_string().contains("wait for the next poll"), "{err}");
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
    let (calls, body) = b.request_for(&pause).unwrap();
    assert!(
        calls.starts_with("POST ") && calls.ends_with("/unpublish"),
        "{calls}"
    );
    let note = body["capability_note"].as_str().unwrap();
    assert!(
        note.contains("cannot be paused") && note.contains("unpublish 1 automated email"),
        "{note}"
    );
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
    let again = command(CommandKind::Pause {
        campaign_id: active.id.clone(),
    });
    match b.execute(&again).await.unwrap() {
        CommandOutcome::Conflict { detail } => {
            assert!(detail.contains("already paused"), "{detail}")
        }
        other => panic!("{other:?}"),
    }
    let resume = command(CommandKind::Resume {
        campaign_id: active.id.clone(),
    });
    b.execute(&resume).await.unwrap();
    assert_eq!(
        status(b.campaigns().await.unwrap().items),
        CampaignStatus::Active
    );
    assert!(
        b.unsupported()
            .iter()
            .any(|u| u.capability == "campaign pause")
    );
    sim.shutdown();
}

#[tokio::test]
async fn crm_objects_page_and_search_incrementally() {
    let sim = sim(20).await;
    let c = HubSpotClient::new(
        http(3),
        &sim.dialect_url(SimDialect::Hubspot),
        &Secret::new(sim.state().config().token.clone()),
    );
    let contacts = c.list_objects("contacts").await.unwrap();
    assert_eq!(contacts.len(), 150, "two pages of 100");
    let deals = c.list_objects("deals").await.unwrap();
    assert_eq!(deals.len(), 40);
    let mid = contacts[120].modified_at.unwrap();
    let newer = c.modified_since("contacts", mid).await.unwrap();
    assert_eq!(newer.len(), 29);
    assert!(
        newer
            .windows(2)
            .all(|w| w[0].modified_at <= w[1].modified_at)
    );
    assert!(newer.iter().all(|r| r.modified_at.unwrap() > mid));
    let all = c
        .modified_since("contacts", mid - chrono::Duration::days(30))
        .await
        .unwrap();
    assert_eq!(all.len(), 150, "search pages with after");
    sim.shutdown();
}

#[tokio::test]
async fn errors_and_rate_limits_in_hubspot_shape() {
    let sim = sim(20).await;
    let url = sim.dialect_url(SimDialect::Hubspot);
    let wrong = HubSpotClient::new(http(1), &url, &Secret::new("nope"));
    match wrong.campaigns().await.unwrap_err() {
        HttpError::Api {
            status: 401,
            code,
            message,
            details,
            ..
        } => {
            assert_eq!(code, "INVALID_AUTHENTICATION");
            assert!(message.contains("correlationId"), "{message}");
            assert!(details.unwrap()["correlationId"].is_string());
        }
        other => panic!("{other:?}"),
    }
    sim.set_faults(
        System::Marketing,
        Faults {
            rate_limit: Some(1),
            ..Faults::default()
        },
    );
    let b = backend(&sim, SimDialect::Hubspot, 1);
    match b.campaigns().await.unwrap_err() {
        HttpError::RateLimited { retry_after, .. } => assert!(retry_after.as_secs() <= 10),
        other => panic!("{other:?}"),
    }
    sim.set_faults(
        System::Marketing,
        Faults {
            malformed_rate: 1.0,
            ..Faults::default()
        },
    );
    let b = backend(&sim, SimDialect::Hubspot, 2);
    assert!(matches!(
        b.campaigns().await.unwrap_err(),
        HttpError::Malformed { .. }
    ));
    sim.shutdown();
}
