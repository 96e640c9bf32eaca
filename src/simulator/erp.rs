//! `/erp/v1`: stock levels and approval chains.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query as Q, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::json;

use super::http::{self, ApiError, ApiResult, Query};
use super::state::SimState;
use super::world::catalog;
use crate::domain::Verdict;

pub fn router() -> Router<SimState> {
    Router::new()
        .route("/stock", get(stock))
        .route("/approvals", get(approvals))
        .route("/approvals/{id}/amend", post(amend))
        .route("/approvals/{id}/steps/{step}/decision", post(decide))
}

async fn stock(State(sim): State<SimState>, headers: HeaderMap, Q(q): Q<Query>) -> ApiResult {
    let (offset, limit) = http::page(&q, http::MAX_LIMIT)?;
    let only = q.get("sku").map(|s| catalog::sku_index(s));
    let (all, now) = sim.with_world(|w| match only {
        // An unknown SKU filters everything out rather than erroring, like any list filter.
        Some(None) => (Vec::new(), w.now()),
        Some(Some(s)) => (w.stock(Some(s)), w.now()),
        None => (w.stock(None), w.now()),
    });
    let (items, next) = http::slice(&all, offset, limit);
    http::list(&headers, &items, next, now)
}

async fn approvals(State(sim): State<SimState>, headers: HeaderMap, Q(q): Q<Query>) -> ApiResult {
    let (offset, limit) = http::page(&q, http::MAX_LIMIT)?;
    let all = match q.get("status").map(String::as_str) {
        None | Some("pending") => false,
        Some("all") => true,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "status must be \"pending\" or \"all\", got {other:?}"
            )));
        }
    };
    let (list, now) = sim.with_world(|w| (w.approvals(all), w.now()));
    let (items, next) = http::slice(&list, offset, limit);
    http::list(&headers, &items, next, now)
}

#[derive(Deserialize)]
struct AmendBody {
    budget: f64,
    #[allow(dead_code)]
    reason: Option<String>,
}

/// The ERP-side change of a request (e.g. a budget top-up): earlier
/// sign-offs are void and the chain is rebuilt.
async fn amend(State(sim): State<SimState>, Path(id): Path<String>, body: Bytes) -> ApiResult {
    let req: AmendBody = http::parse_body(&body)?;
    let request = sim.with_world(|w| w.amend_request(&id, req.budget))?;
    http::json_ok(StatusCode::OK, &json!({ "request": request }))
}

#[derive(Deserialize)]
struct DecisionBody {
    verdict: Verdict,
    reason: Option<String>,
}

async fn decide(
    State(sim): State<SimState>,
    Path((id, step)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let req: DecisionBody = http::parse_body(&body)?;
    let actor = http::actor(&headers);
    let request = sim.with_world(|w| w.decide(&id, &step, req.verdict, &actor, req.reason))?;
    http::json_ok(StatusCode::OK, &json!({ "request": request }))
}
