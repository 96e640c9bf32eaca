//! `/crm/v1`: integration sync jobs, their failures and operator retries.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query as Q, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::json;

use super::http::{self, ApiResult, Query};
use super::state::SimState;

pub fn router() -> Router<SimState> {
    Router::new()
        .route("/sync-jobs", get(jobs))
        .route("/sync-jobs/failures", get(failures))
        .route("/sync-jobs/{id}/retry", post(retry))
}

async fn jobs(State(sim): State<SimState>, headers: HeaderMap, Q(q): Q<Query>) -> ApiResult {
    let (offset, limit) = http::page(&q, http::MAX_LIMIT)?;
    let (all, now) = sim.with_world(|w| (w.sync_jobs().0, w.now()));
    let (items, next) = http::slice(&all, offset, limit);
    http::list(&headers, &items, next, now)
}

async fn failures(State(sim): State<SimState>, headers: HeaderMap, Q(q): Q<Query>) -> ApiResult {
    let (offset, limit) = http::page(&q, http::MAX_LIMIT)?;
    let since = http::parse_time(&q, "since")?;
    let (mut all, now) = sim.with_world(|w| (w.sync_jobs().1, w.now()));
    if let Some(since) = since {
        all.retain(|f| f.at > since);
    }
    let (items, next) = http::slice(&all, offset, limit);
    http::list(&headers, &items, next, now)
}

#[derive(Deserialize)]
struct RetryBody {
    #[allow(dead_code)]
    reason: Option<String>,
}

async fn retry(
    State(sim): State<SimState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let _: RetryBody = http::parse_body(&body)?;
    let actor = http::actor(&headers);
    let job = sim.with_world(|w| w.retry_job(&id, &actor))?;
    http::json_ok(StatusCode::ACCEPTED, &json!({ "job": job }))
}
