//! Contract plumbing shared by the three systems: the error envelope, list
//! envelopes with ETags, pagination and request parsing.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::rng::hash_bytes;
use super::world::WorldError;

pub type Query = HashMap<String, String>;
pub const DEFAULT_LIMIT: usize = 500;
pub const MAX_LIMIT: usize = 1000;

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub details: Option<Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            details: None,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn with_details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut error = json!({ "code": self.code, "message": self.message });
        if let Some(d) = self.details {
            error["details"] = d;
        }
        (self.status, axum::Json(json!({ "error": error }))).into_response()
    }
}

impl From<WorldError> for ApiError {
    fn from(e: WorldError) -> Self {
        match e {
            WorldError::NotFound(m) => ApiError::new(StatusCode::NOT_FOUND, "not_found", m),
            WorldError::Conflict {
                message,
                current,
                by,
                at,
            } => ApiError::new(StatusCode::CONFLICT, "conflict", message)
                .with_details(json!({ "current": current, "by": by, "at": at })),
            WorldError::Invalid { message, details } => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message)
                    .with_details(details)
            }
            WorldError::Forbidden(m) => ApiError::new(StatusCode::FORBIDDEN, "forbidden", m),
        }
    }
}

pub type ApiResult = Result<Response, ApiError>;

/// `limit` (clamped to `max`) and an offset `cursor`.
pub fn page(q: &Query, max: usize) -> Result<(usize, usize), ApiError> {
    let limit = match q.get("limit") {
        None => DEFAULT_LIMIT.min(max),
        Some(s) => match s.parse::<usize>() {
            Ok(0) | Err(_) => {
                return Err(ApiError::bad_request(format!(
                    "limit must be a positive integer, got {s:?}"
                )));
            }
            Ok(n) => n.min(max),
        },
    };
    let offset = match q.get("cursor") {
        None => 0,
        Some(c) => c
            .parse()
            .map_err(|_| ApiError::bad_request(format!("invalid cursor {c:?}")))?,
    };
    Ok((offset, limit))
}

/// Slice an in-memory list by offset pagination.
pub fn slice<T: Clone>(all: &[T], offset: usize, limit: usize) -> (Vec<T>, Option<String>) {
    let end = offset.saturating_add(limit).min(all.len());
    let items = all
        .get(offset.min(all.len())..end)
        .unwrap_or_default()
        .to_vec();
    let next = (end < all.len()).then(|| end.to_string());
    (items, next)
}

pub fn parse_time(q: &Query, name: &str) -> Result<Option<DateTime<Utc>>, ApiError> {
    q.get(name)
        .map(|s| {
            DateTime::parse_from_rfc3339(s)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| {
                    ApiError::bad_request(format!(
                        "{name} must be an RFC 3339 timestamp, got {s:?}"
                    ))
                })
        })
        .transpose()
}

pub fn parse_body<T: DeserializeOwned>(body: &Bytes) -> Result<T, ApiError> {
    let bytes: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        body
    };
    serde_json::from_slice(bytes)
        .map_err(|e| ApiError::bad_request(format!("invalid request body: {e}")))
}

pub fn actor(headers: &HeaderMap) -> String {
    headers
        .get("x-mops-actor")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .unwrap_or("unknown")
        .to_string()
}

#[derive(Serialize)]
struct Envelope<'a, T> {
    items: &'a [T],
    next_cursor: &'a Option<String>,
    as_of: DateTime<Utc>,
}

/// A list answer with an ETag over the items and cursor (not `as_of`, which
/// moves with the clock), honouring `If-None-Match`.
pub fn list<T: Serialize>(
    headers: &HeaderMap,
    items: &[T],
    next_cursor: Option<String>,
    as_of: DateTime<Utc>,
) -> ApiResult {
    let env = Envelope {
        items,
        next_cursor: &next_cursor,
        as_of,
    };
    let body = serde_json::to_vec(&env)
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))?;
    let tag_src = serde_json::to_vec(&(items, &next_cursor)).unwrap_or_default();
    let etag = format!("\"{:016x}\"", hash_bytes(&tag_src));
    let etag_value =
        HeaderValue::from_str(&etag).expect("a quoted hex string is a valid header value");
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .map(str::trim)
                .any(|t| t == "*" || t.trim_start_matches("W/") == etag)
        });
    if matches {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag_value)]).into_response());
    }
    Ok((
        StatusCode::OK,
        [
            (header::ETAG, etag_value),
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
        ],
        body,
    )
        .into_response())
}

pub fn json_ok<T: Serialize>(status: StatusCode, value: &T) -> ApiResult {
    Ok((status, axum::Json(value)).into_response())
}
