//! `/_sim`: unauthenticated control endpoints for tests and the tmux demo
//! (fault injection and the simulated clock) when the simulator runs in
//! another process.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use chrono::Duration;
use serde::Deserialize;
use serde_json::{Value, json};

use super::http::{self, ApiError, ApiResult};
use super::scenario::Faults;
use super::state::SimState;
use crate::domain::System;

pub fn router() -> Router<SimState> {
    Router::new()
        .route("/faults", post(set_faults).get(get_faults))
        .route("/advance", post(advance))
        .route("/clock", get(clock))
}

async fn set_faults(State(sim): State<SimState>, body: Bytes) -> ApiResult {
    let mut v: Value = http::parse_body(&body)?;
    let system = v
        .as_object_mut()
        .and_then(|o| o.remove("system"))
        .ok_or_else(|| {
            ApiError::bad_request("body needs \"system\": \"marketing\" | \"crm\" | \"erp\"")
        })?;
    let system: System = serde_json::from_value(system)
        .map_err(|e| ApiError::bad_request(format!("system: {e}")))?;
    let faults: Faults =
        serde_json::from_value(v).map_err(|e| ApiError::bad_request(format!("faults: {e}")))?;
    faults.validate().map_err(ApiError::bad_request)?;
    sim.set_faults(system, faults.clone());
    http::json_ok(
        StatusCode::OK,
        &json!({ "system": system, "faults": faults }),
    )
}

async fn get_faults(State(sim): State<SimState>) -> ApiResult {
    let all: Vec<Value> = System::ALL
        .iter()
        .map(|s| json!({ "system": s, "faults": sim.faults(*s) }))
        .collect();
    http::json_ok(StatusCode::OK, &json!({ "items": all }))
}

#[derive(Deserialize)]
struct AdvanceBody {
    seconds: f64,
}

async fn advance(State(sim): State<SimState>, body: Bytes) -> ApiResult {
    let req: AdvanceBody = http::parse_body(&body)?;
    if !(req.seconds.is_finite() && req.seconds >= 0.0) {
        return Err(ApiError::bad_request(
            "seconds must be a non-negative number",
        ));
    }
    sim.advance(Duration::milliseconds((req.seconds * 1000.0) as i64));
    clock(State(sim)).await
}

async fn clock(State(sim): State<SimState>) -> ApiResult {
    let c = sim.config();
    http::json_ok(
        StatusCode::OK,
        &json!({ "now": sim.now(), "start": c.start, "speed": c.speed, "seed": c.seed }),
    )
}
