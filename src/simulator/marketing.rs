//! `/marketing/v1`: campaigns, hourly metrics, providers and the campaign mutations.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query as Q, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use serde_json::json;

use super::http::{self, ApiError, ApiResult, Query};
use super::state::SimState;
use super::world::MetricPos;
use super::world::metrics::hour_floor;
use crate::domain::FallbackKind;

pub const METRICS_MAX_LIMIT: usize = 5000;

pub fn router() -> Router<SimState> {
    Router::new()
        .route("/campaigns", get(campaigns))
        .route("/metrics", get(metrics))
        .route("/providers", get(providers))
        .route("/campaigns/{id}/pause", post(pause))
        .route("/campaigns/{id}/resume", post(resume))
        .route("/campaigns/{id}/fallback", post(fallback))
        .route("/campaigns/{id}/throttle", post(throttle))
}

async fn campaigns(State(sim): State<SimState>, headers: HeaderMap, Q(q): Q<Query>) -> ApiResult {
    let (offset, limit) = http::page(&q, http::MAX_LIMIT)?;
    let (items, next, now) = sim.with_world(|w| {
        let n = w.campaign_count();
        let end = offset.saturating_add(limit).min(n);
        let items: Vec<_> = (offset.min(n)..end).map(|i| w.campaign(i)).collect();
        (items, (end < n).then(|| end.to_string()), w.now())
    });
    http::list(&headers, &items, next, now)
}

fn parse_pos(c: &str) -> Option<MetricPos> {
    let mut it = c.split('.');
    let secs: i64 = it.next()?.parse().ok()?;
    let campaign = it.next()?.parse().ok()?;
    let metric = it.next()?.parse().ok()?;
    let hour = DateTime::<Utc>::from_timestamp(secs, 0)?;
    (it.next().is_none() && metric < 8 && hour_floor(hour) == hour).then_some(MetricPos {
        hour,
        campaign,
        metric,
    })
}

async fn metrics(State(sim): State<SimState>, headers: HeaderMap, Q(q): Q<Query>) -> ApiResult {
    let since = http::parse_time(&q, "since")?;
    let mut page_q = q.clone();
    let cursor = page_q.remove("cursor");
    let (_, limit) = http::page(&page_q, METRICS_MAX_LIMIT)?;
    let start = match &cursor {
        Some(c) => {
            parse_pos(c).ok_or_else(|| ApiError::bad_request(format!("invalid cursor {c:?}")))?
        }
        None => MetricPos {
            // Buckets are hour-aligned; the first one strictly after `since`.
            hour: since.map_or(DateTime::<Utc>::MIN_UTC, |s| {
                hour_floor(s) + Duration::hours(1)
            }),
            campaign: 0,
            metric: 0,
        },
    };
    let (items, next, now) = sim.with_world(|w| {
        let only = match q.get("campaign") {
            Some(id) => w.catalog.find(id).map(Some),
            None => Some(None),
        };
        match only {
            Some(only) => {
                let (items, next) = w.metric_page(start, only, limit);
                (items, next, w.now())
            }
            None => (Vec::new(), None, w.now()),
        }
    });
    let next = next.map(|p| format!("{}.{}.{}", p.hour.timestamp(), p.campaign, p.metric));
    http::list(&headers, &items, next, now)
}

async fn providers(State(sim): State<SimState>, headers: HeaderMap, Q(q): Q<Query>) -> ApiResult {
    let (offset, limit) = http::page(&q, http::MAX_LIMIT)?;
    let (all, now) = sim.with_world(|w| (w.providers(), w.now()));
    let (items, next) = http::slice(&all, offset, limit);
    http::list(&headers, &items, next, now)
}

#[derive(Deserialize)]
struct ReasonBody {
    #[allow(dead_code)]
    reason: Option<String>,
}

#[derive(Deserialize)]
struct ThrottleBody {
    percent: u8,
    #[allow(dead_code)]
    reason: Option<String>,
}

#[derive(Deserialize)]
struct FallbackBody {
    kind: FallbackKind,
    #[allow(dead_code)]
    reason: Option<String>,
}

async fn pause(
    State(sim): State<SimState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let _: ReasonBody = http::parse_body(&body)?;
    let actor = http::actor(&headers);
    let campaign = sim.with_world(|w| w.pause(&id, &actor))?;
    http::json_ok(StatusCode::OK, &json!({ "campaign": campaign }))
}

async fn resume(
    State(sim): State<SimState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let _: ReasonBody = http::parse_body(&body)?;
    let actor = http::actor(&headers);
    let campaign = sim.with_world(|w| w.resume(&id, &actor))?;
    http::json_ok(StatusCode::OK, &json!({ "campaign": campaign }))
}

async fn fallback(
    State(sim): State<SimState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let req: FallbackBody = http::parse_body(&body)?;
    let actor = http::actor(&headers);
    let campaign = sim.with_world(|w| w.fallback(&id, req.kind, &actor))?;
    http::json_ok(StatusCode::OK, &json!({ "campaign": campaign }))
}

async fn throttle(
    State(sim): State<SimState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let req: ThrottleBody = http::parse_body(&body)?;
    let actor = http::actor(&headers);
    let campaign = sim.with_world(|w| w.throttle(&id, req.percent, &actor))?;
    http::json_ok(StatusCode::OK, &json!({ "campaign": campaign }))
}
