use mops::connectors::{CommandOutcome, HttpError};
use mops::domain::{CommandKind, System};
use mops::simulator::{Faults, SimDialect};
use serde_json::Value;

use super::{backend, command, native, sim};

#[tokio::test]
async fn connections_become_sync_jobs_like_the_native_ones() {
    let sim = sim(20).await;
    let b = backend(&sim, SimDialect::Airbyte, 3);
    sim.advance(chrono::Duration::minutes(20));
    let (jobs, failures) = b.sync_jobs().await.unwrap();
    let (want, want_failures) = native(&sim).sync_jobs().await.unwrap();
    assert_eq!(jobs.items.len(), want.items.len());
    for w in &want.items {
        let g = jobs.items.iter().find(|j| j.name == w.name).expect(&w.name);
        assert_eq!((g.source, g.target), (w.source, w.target), "{}", w.name);
        assert_eq!(
            g.status.is_failing(),
            w.status.is_failing(),
            "{}: {:?} vs {:?}",
            w.name,
            g,
            w
        );
    }
    let recent = want_failures
        .iter()
        .filter(|f| f.at > chrono::Utc::now() - chrono::Duration::hours(24))
        .count();
    assert!(recent > 0, "the demo scenario fails a job 8 minutes in");
    assert_eq!(failures.len(), recent);
    sim.shutdown();
}

#[tokio::test]
async fn next_links_are_absolute_and_page() {
    let sim = sim(20).await;
    let c = reqwest::Client::new();
    let token = sim.state().config().token.clone();
    let url = format!(
        "{}/v1/connections?limit=4",
        sim.dialect_url(SimDialect::Airbyte)
    );
    let first: Value = c
        .get(&url)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(first["data"].as_array().unwrap().len(), 4);
    let next = first["next"].as_str().unwrap();
    assert!(
        next.starts_with("http://127.0.0.1:") && next.contains("offset=4"),
        "{next}"
    );
    let second: Value = c
        .get(next)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(second["previous"].is_string());
    assert!(!second["data"].as_array().unwrap().is_empty());
    sim.shutdown();
}

#[tokio::test]
async fn retry_starts_a_sync_and_a_second_retry_conflicts() {
    let sim = sim(20).await;
    let b = backend(&sim, SimDialect::Airbyte, 3);
    // The demo scenario breaks the audience sync 8 minutes in.
    sim.advance(chrono::Duration::minutes(20));
    let (jobs, failures) = b.sync_jobs().await.unwrap();
    let Some(failing) = jobs
        .items
        .iter()
        .find(|j| j.status == mops::domain::SyncStatus::Failed)
    else {
        panic!("expected a failed job in {:?}", jobs.items);
    };
    assert!(
        failing.error.as_deref().unwrap_or("").contains("failed"),
        "{failing:?}"
    );
    assert!(failures.iter().any(|f| f.job_id == failing.id));
    let retry = command(CommandKind::RetrySync {
        job_id: failing.id.clone(),
    });
    let (line, body) = b.request_for(&retry).unwrap();
    assert!(line.starts_with("POST ") && line.ends_with("/v1/jobs"));
    assert_eq!(
        (body["connectionId"].as_str(), body["jobType"].as_str()),
        (Some(failing.id.as_str()), Some("sync"))
    );
    assert!(matches!(
        b.execute(&retry).await.unwrap(),
        CommandOutcome::Applied { .. }
    ));
    let (after, _) = b.sync_jobs().await.unwrap();
    let now = after.items.iter().find(|j| j.id == failing.id).unwrap();
    assert_ne!(now.status, mops::domain::SyncStatus::Failed, "{now:?}");
    let again = command(CommandKind::RetrySync {
        job_id: failing.id.clone(),
    });
    assert!(matches!(
        b.execute(&again).await.unwrap(),
        CommandOutcome::Conflict { .. }
    ));
    sim.shutdown();
}

#[tokio::test]
async fn faults_come_back_as_problems() {
    let sim = sim(20).await;
    let b = backend(&sim, SimDialect::Airbyte, 1);
    sim.set_faults(
        System::Crm,
        Faults {
            outage: true,
            ..Faults::default()
        },
    );
    match b.sync_jobs().await.unwrap_err() {
        HttpError::Api {
            status: 503,
            code,
            message,
            ..
        } => {
            assert_eq!(code, "server-error");
            assert!(message.contains("unavailable"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    sim.set_faults(
        System::Crm,
        Faults {
            malformed_rate: 1.0,
            ..Faults::default()
        },
    );
    assert!(matches!(
        b.sync_jobs().await.unwrap_err(),
        HttpError::Malformed { .. }
    ));
    sim.shutdown();
}
