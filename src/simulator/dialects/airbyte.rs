//! `/airbyte/v1`: one connection per world sync job; its runs synthesised
//! from the job's last success, failures and current attempt; `POST /jobs`
//! retries through the world. Lists page with `limit`/`offset` and
//! absolute `next` links.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query as Q, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use super::ts;
use crate::domain::{SyncJob, SyncStatus};
use crate::simulator::http::{self, ApiError, Query};
use crate::simulator::rng::hash_bytes;
use crate::simulator::state::SimState;

pub fn router() -> Router<SimState> {
    Router::new()
        .route("/v1/connections", get(connections))
        .route("/v1/jobs", get(jobs).post(create))
}

pub fn connection_id(job_id: &str) -> String {
    let h = hash_bytes(job_id.as_bytes());
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        h >> 32,
        (h >> 16) & 0xffff,
        h & 0xfff,
        (h >> 4) & 0xfff,
        h & 0xffff_ffff_ffff
    )
}

fn paged(q: &Query, headers: &HeaderMap, path: &str, all: Vec<Value>) -> Result<Value, ApiError> {
    let num = |k: &str, d: usize| -> Result<usize, ApiError> {
        q.get(k).map_or(Ok(d), |v| {
            v.parse()
                .map_err(|_| ApiError::bad_request(format!("{k} must be a number")))
        })
    };
    let limit = num("limit", 20)?.clamp(1, 100);
    let offset = num("offset", 0)?.min(all.len());
    let end = (offset + limit).min(all.len());
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let link = |off: usize| -> Option<String> {
        let mut params: Vec<(String, String)> = q
            .iter()
            .filter(|(k, _)| k.as_str() != "offset")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        params.sort();
        params.push(("offset".into(), off.to_string()));
        reqwest::Url::parse_with_params(&format!("http://{host}/airbyte/v1/{path}"), &params)
            .ok()
            .map(|u| u.to_string())
    };
    Ok(json!({
        "next": if end < all.len() { link(end) } else { None },
        "previous": if offset > 0 { link(offset.saturating_sub(limit)) } else { None },
        "data": &all[offset..end],
    }))
}

async fn connections(
    State(sim): State<SimState>,
    headers: HeaderMap,
    Q(q): Q<Query>,
) -> Result<Response, ApiError> {
    let jobs = sim.with_world(|w| w.sync_jobs().0);
    let all: Vec<Value> = jobs
        .iter()
        .map(|j| json!({
            "connectionId": connection_id(&j.id), "name": j.name, "status": "active",
            "sourceId": connection_id(j.source.as_str()), "destinationId": connection_id(j.target.as_str()),
            "workspaceId": connection_id("workspace"),
        }))
        .collect();
    Ok(axum::Json(paged(&q, &headers, "connections", all)?).into_response())
}

fn run(
    conn: &str,
    seq: i64,
    status: &str,
    start: DateTime<Utc>,
    end: Option<DateTime<Utc>>,
) -> (DateTime<Utc>, Value) {
    let mut v = json!({
        "jobId": start.timestamp() * 10 + seq, "status": status, "jobType": "sync",
        "connectionId": conn, "startTime": ts(start),
    });
    if let Some(e) = end {
        v["lastUpdatedAt"] = json!(ts(e));
        v["duration"] = json!(format!("PT{}S", (e - start).num_seconds().max(0)));
    }
    (start, v)
}

/// A world job's runs: its last success, its failures, and the attempt in flight.
fn runs(
    job: &SyncJob,
    failures: &[crate::domain::SyncFailure],
    seq: i64,
) -> Vec<(DateTime<Utc>, Value)> {
    let conn = connection_id(&job.id);
    let mut out = Vec::new();
    if let Some(ok) = job.last_success {
        out.push(run(
            &conn,
            seq,
            "succeeded",
            ok - Duration::minutes(2),
            Some(ok),
        ));
    }
    for f in failures.iter().filter(|f| f.job_id == job.id) {
        let status = if f.error.to_lowercase().contains("timeout") {
            "incomplete"
        } else {
            "failed"
        };
        out.push(run(
            &conn,
            seq,
            status,
            f.at - Duration::minutes(1),
            Some(f.at),
        ));
    }
    if matches!(job.status, SyncStatus::Running | SyncStatus::Retrying) {
        if let Some(at) = job.last_attempt {
            out.push(run(&conn, seq, "running", at, None));
        }
    }
    out
}

async fn jobs(
    State(sim): State<SimState>,
    headers: HeaderMap,
    Q(q): Q<Query>,
) -> Result<Response, ApiError> {
    let since = http::parse_time(&q, "createdAtStart")?;
    let (jobs, failures) = sim.with_world(|w| w.sync_jobs());
    let mut all: Vec<(DateTime<Utc>, Value)> = jobs
        .iter()
        .enumerate()
        .filter(|(_, j)| {
            q.get("connectionId")
                .is_none_or(|c| *c == connection_id(&j.id))
        })
        .flat_map(|(i, j)| runs(j, &failures, i as i64))
        .filter(|(t, v)| {
            since.is_none_or(|s| *t >= s)
                && q.get("status").is_none_or(|s| v["status"] == s.as_str())
                && q.get("jobType").is_none_or(|s| v["jobType"] == s.as_str())
        })
        .collect();
    let ascending = q.get("orderBy").is_some_and(|o| o.ends_with("|ASC"));
    all.sort_by(|a, b| {
        if ascending {
            a.0.cmp(&b.0)
        } else {
            b.0.cmp(&a.0)
        }
    });
    let all: Vec<Value> = all.into_iter().map(|(_, v)| v).collect();
    Ok(axum::Json(paged(&q, &headers, "jobs", all)?).into_response())
}

async fn create(
    State(sim): State<SimState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let req: Value = http::parse_body(&body)?;
    let conn = req["connectionId"].as_str().unwrap_or_default().to_string();
    if req["jobType"].as_str() != Some("sync") {
        return Err(ApiError::bad_request(
            "the simulator only starts jobType sync",
        ));
    }
    let actor = http::actor(&headers);
    let job = sim.with_world(|w| {
        let id = w
            .sync_jobs()
            .0
            .into_iter()
            .find(|j| connection_id(&j.id) == conn)
            .map(|j| j.id)
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::NOT_FOUND,
                    "not_found",
                    format!("connection {conn} not found"),
                )
            })?;
        w.retry_job(&id, &actor).map_err(ApiError::from)
    })?;
    let start = job.last_attempt.unwrap_or_else(Utc::now);
    Ok(axum::Json(
        json!({ "jobId": start.timestamp() * 10, "status": "running", "jobType": "sync" }),
    )
    .into_response())
}

/// RFC 7807 problem bodies, as Airbyte's public API answers errors.
pub fn error(status: StatusCode, code: &str, message: &str) -> (StatusCode, Value) {
    let title = match status.as_u16() {
        401 => "unauthorized",
        404 => "resource-not-found",
        409 => "conflict",
        429 => "rate-limited",
        400 | 422 => "bad-request",
        _ => "server-error",
    };
    (
        status,
        json!({ "type": format!("https://reference.airbyte.com/reference/errors#{title}"),
                "title": title, "status": status.as_u16(), "detail": message, "code": code }),
    )
}
