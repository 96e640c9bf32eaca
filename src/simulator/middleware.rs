//! One layer per system for everything the contract says about every
//! request: outage, bearer auth, rate limits, injected latency / errors /
//! malformed bodies / stalls, and POST idempotency. Fault decisions hash the
//! seed and a per-system request counter, so they are reproducible.

use std::convert::Infallible;
use std::time::Duration;

use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use serde_json::json;

use super::http::ApiError;
use super::rng::{self, tag};
use super::scenario::Faults;
use super::state::{IdemBegin, RateInfo, SimState, StoredResponse};
use crate::domain::System;

const MAX_BODY: usize = 1 << 20;

pub async fn gate(
    State((sim, system)): State<(SimState, System)>,
    req: Request,
    next: Next,
) -> Response {
    let faults = sim.faults(system);
    let rate = sim.rate_check(system, faults.rate_limit);
    let mut resp = guarded(&sim, system, &faults, rate, req, next).await;
    let h = resp.headers_mut();
    h.insert("x-ratelimit-limit", HeaderValue::from(rate.limit));
    h.insert("x-ratelimit-remaining", HeaderValue::from(rate.remaining));
    h.insert("x-ratelimit-reset", HeaderValue::from(rate.reset_secs));
    resp
}

async fn guarded(
    sim: &SimState,
    system: System,
    faults: &Faults,
    rate: RateInfo,
    req: Request,
    next: Next,
) -> Response {
    if faults.outage {
        let msg = format!("{} is unavailable (simulated outage)", system.label());
        return ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", msg).into_response();
    }
    let expected = format!("Bearer {}", sim.config().token);
    let authorised = req
        .headers()
        .get(header::AUTHORIZATION)
        .is_some_and(|v| v.as_bytes() == expected.as_bytes());
    if !authorised {
        return ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "missing or wrong bearer token",
        )
        .into_response();
    }
    if !rate.allowed {
        let mut resp = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "rate limit exceeded",
        )
        .with_details(json!({ "limit": rate.limit, "window_seconds": 10 }))
        .into_response();
        resp.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from(rate.reset_secs.max(1)),
        );
        return resp;
    }
    if faults.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(faults.latency_ms)).await;
    }
    let n = sim.next_request(system);
    let seed = sim.config().seed;
    let roll = |t: u64| rng::unit(seed, &[t, system as u64, n]);
    if roll(tag::FAULT_ERROR) < faults.error_rate {
        return ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "injected server error",
        )
        .into_response();
    }
    let resp = if req.method() == Method::POST {
        idempotent(sim, req, next).await
    } else {
        next.run(req).await
    };
    let garble =
        resp.status() == StatusCode::OK && roll(tag::FAULT_MALFORMED) < faults.malformed_rate;
    if !garble && faults.stall_ms == 0 {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let Ok(mut bytes) = to_bytes(body, usize::MAX).await else {
        return ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "body lost",
        )
        .into_response();
    };
    if garble {
        bytes = malform(&bytes, n);
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    let body = if faults.stall_ms > 0 && !bytes.is_empty() {
        stall(bytes, Duration::from_millis(faults.stall_ms))
    } else {
        Body::from(bytes)
    };
    Response::from_parts(parts, body)
}

/// Truncated or bracket-swapped JSON: never parses.
fn malform(bytes: &Bytes, n: u64) -> Bytes {
    if n % 2 == 0 {
        bytes.slice(..bytes.len() / 2)
    } else {
        let swapped: Vec<u8> = bytes
            .iter()
            .map(|b| match b {
                b'{' => b'[',
                b'[' => b'{',
                b'}' => b']',
                b']' => b'}',
                b => *b,
            })
            .collect();
        Bytes::from(swapped)
    }
}

/// Half the body now, the rest after `d`: headers are out, the body hangs.
fn stall(bytes: Bytes, d: Duration) -> Body {
    let half = bytes.len() / 2;
    let (first, rest) = (bytes.slice(..half), bytes.slice(half..));
    let tail = futures::stream::once(async move {
        tokio::time::sleep(d).await;
        Ok::<_, Infallible>(rest)
    });
    Body::from_stream(futures::stream::iter([Ok::<_, Infallible>(first)]).chain(tail))
}

async fn idempotent(sim: &SimState, req: Request, next: Next) -> Response {
    let key = req
        .headers()
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(String::from);
    let Some(key) = key else {
        return ApiError::new(
            StatusCode::BAD_REQUEST,
            "missing_idempotency_key",
            "POST requires an Idempotency-Key header",
        )
        .into_response();
    };
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_BODY).await else {
        return ApiError::bad_request("request body unreadable or over 1 MiB").into_response();
    };
    let mut print = format!("{} {}\n", parts.method, parts.uri.path()).into_bytes();
    print.extend_from_slice(&bytes);
    let fingerprint = rng::hash_bytes(&print);
    match sim.idem_begin(&key, fingerprint) {
        IdemBegin::Replay(stored) => {
            let mut resp = stored_response(&stored);
            resp.headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
            resp
        }
        IdemBegin::Mismatch => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            "this Idempotency-Key was used for a different request",
        )
        .into_response(),
        IdemBegin::InFlight => ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            "a request with this Idempotency-Key is in progress",
        )
        .with_details(json!({ "current": "in_progress" }))
        .into_response(),
        IdemBegin::New => {
            let resp = next
                .run(Request::from_parts(parts, Body::from(bytes)))
                .await;
            let (rparts, rbody) = resp.into_parts();
            match to_bytes(rbody, usize::MAX).await {
                Ok(body) => {
                    let stored = StoredResponse {
                        status: rparts.status,
                        body,
                    };
                    sim.idem_finish(&key, fingerprint, Some(stored.clone()));
                    stored_response(&stored)
                }
                Err(_) => {
                    sim.idem_finish(&key, fingerprint, None);
                    ApiError::new(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "internal_error",
                        "response lost",
                    )
                    .into_response()
                }
            }
        }
    }
}

fn stored_response(stored: &StoredResponse) -> Response {
    (
        stored.status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        stored.body.clone(),
    )
        .into_response()
}
