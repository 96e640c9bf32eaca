//! `/hubspot`: marketing campaigns v3, marketing emails v3 (one automated
//! email per campaign; publish/unpublish = resume/pause in the world), the
//! hourly statistics histogram, and CRM v3 contacts/deals (synthetic,
//! appearing as simulated time passes) with list and search.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query as Q, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use super::{hourly, ts};
use crate::domain::{Campaign, CampaignStatus, MetricKind};
use crate::simulator::http::{self, ApiError, Query};
use crate::simulator::rng::hash_bytes;
use crate::simulator::state::SimState;
use crate::simulator::world::{World, WorldError};

const EMAIL_BASE: usize = 100_000;
const CONTACTS: usize = 150;
const DEALS: usize = 40;
const COUNTERS: [(&str, MetricKind); 6] = [
    ("sent", MetricKind::Sends),
    ("delivered", MetricKind::Deliveries),
    ("open", MetricKind::Opens),
    ("click", MetricKind::Clicks),
    ("bounce", MetricKind::Bounces),
    ("unsubscribed", MetricKind::Unsubscribes),
];

pub fn router() -> Router<SimState> {
    Router::new()
        .route("/marketing/v3/campaigns", get(campaigns))
        .route("/marketing/v3/emails", get(emails))
        .route("/marketing/v3/emails/statistics/histogram", get(histogram))
        .route("/marketing/v3/emails/{id}/publish", post(publish))
        .route("/marketing/v3/emails/{id}/unpublish", post(unpublish))
        .route("/crm/v3/objects/{kind}", get(objects))
        .route("/crm/v3/objects/{kind}/search", post(search))
}

fn guid(i: usize) -> String {
    format!("00000000-0000-4000-8000-{i:012}")
}

/// `after` as an offset, `limit` clamped like HubSpot (max 100).
fn page(q: &Query, n: usize) -> Result<(usize, usize, Option<String>), ApiError> {
    let limit = match q.get("limit") {
        None => 10,
        Some(s) => s
            .parse::<usize>()
            .map_err(|_| ApiError::bad_request("limit must be a number"))?
            .clamp(1, 100),
    };
    let start = match q.get("after") {
        None => 0,
        Some(a) => a
            .parse::<usize>()
            .map_err(|_| ApiError::bad_request(format!("invalid after {a:?}")))?,
    }
    .min(n);
    let end = (start + limit).min(n);
    Ok((start, end, (end < n).then(|| end.to_string())))
}

fn paging(next: Option<String>, path: &str) -> Value {
    match next {
        Some(a) => json!({ "next": { "after": a, "link": format!("{path}?after={a}") } }),
        None => Value::Null,
    }
}

fn campaign_json(i: usize, c: &Campaign) -> Value {
    let status = match c.status {
        CampaignStatus::Completed => "completed",
        CampaignStatus::Draft | CampaignStatus::Scheduled => "planned",
        _ => "active",
    };
    json!({
        "id": guid(i),
        "properties": {
            "hs_name": c.name, "hs_start_date": ts(c.start), "hs_end_date": ts(c.end),
            "hs_owner": c.owner, "hs_campaign_status": status,
            "hs_budget_items_sum_amount": format!("{:.2}", c.budget),
            "hs_spend_items_sum_amount": format!("{:.2}", c.spend),
        },
        "createdAt": ts(c.start - Duration::days(7)),
        "updatedAt": ts(c.updated_at),
    })
}

fn email_json(i: usize, c: &Campaign) -> Value {
    let published = c.status != CampaignStatus::Paused && c.status != CampaignStatus::Draft;
    json!({
        "id": (EMAIL_BASE + i).to_string(),
        "name": format!("{} – automated", c.name),
        "subject": c.name,
        "type": "AUTOMATED_EMAIL",
        "subcategory": "automated",
        "state": if published { "AUTOMATED" } else { "AUTOMATED_DRAFT" },
        "isPublished": published,
        "campaign": guid(i),
        "archived": false,
        "updatedAt": ts(c.updated_at),
    })
}

async fn campaigns(State(sim): State<SimState>, Q(q): Q<Query>) -> Result<Response, ApiError> {
    let body = sim.with_world(|w| {
        let n = w.campaign_count();
        page(&q, n).map(|(a, b, next)| {
            let results: Vec<Value> = (a..b).map(|i| campaign_json(i, &w.campaign(i))).collect();
            json!({ "total": n, "results": results, "paging": paging(next, "/marketing/v3/campaigns") })
        })
    })?;
    Ok(axum::Json(body).into_response())
}

async fn emails(State(sim): State<SimState>, Q(q): Q<Query>) -> Result<Response, ApiError> {
    let body = sim.with_world(|w| {
        let n = w.campaign_count();
        page(&q, n).map(|(a, b, next)| {
            let results: Vec<Value> = (a..b).map(|i| email_json(i, &w.campaign(i))).collect();
            json!({ "total": n, "results": results, "paging": paging(next, "/marketing/v3/emails") })
        })
    })?;
    Ok(axum::Json(body).into_response())
}

fn time_param(q: &[(String, String)], k: &str) -> Result<Option<DateTime<Utc>>, ApiError> {
    q.iter()
        .find(|(name, _)| name == k)
        .map(|(_, v)| {
            DateTime::parse_from_rfc3339(v)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| ApiError::bad_request(format!("{k} must be ISO 8601, got {v:?}")))
        })
        .transpose()
}

async fn histogram(
    State(sim): State<SimState>,
    Q(q): Q<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    match q
        .iter()
        .find(|(k, _)| k == "interval")
        .map(|(_, v)| v.as_str())
    {
        Some("HOUR") | None => {}
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "the simulator only serves interval=HOUR, got {other}"
            )));
        }
    }
    let from = time_param(&q, "startTimestamp")?;
    let to = time_param(&q, "endTimestamp")?;
    let ids: Vec<usize> = q
        .iter()
        .filter(|(k, _)| k == "emailIds")
        .filter_map(|(_, v)| v.parse::<usize>().ok()?.checked_sub(EMAIL_BASE))
        .collect();
    let kinds: Vec<MetricKind> = COUNTERS.iter().map(|(_, k)| *k).collect();
    let results = sim.with_world(|w| {
        let from = from.unwrap_or(w.history_start());
        let to = to.unwrap_or(w.now()).min(w.now());
        let mut buckets: std::collections::BTreeMap<DateTime<Utc>, Vec<f64>> = Default::default();
        for i in ids.into_iter().filter(|i| *i < w.campaign_count()) {
            for (t, v) in hourly(w, i, &kinds, from, to) {
                let b = buckets.entry(t).or_insert_with(|| vec![0.0; kinds.len()]);
                b.iter_mut().zip(v).for_each(|(a, x)| *a += x);
            }
        }
        buckets
            .into_iter()
            .map(|(t, v)| {
                let counters: serde_json::Map<String, Value> = COUNTERS
                    .iter()
                    .zip(v)
                    .map(|((name, _), x)| (name.to_string(), json!(x.round())))
                    .collect();
                json!({
                    "aggregations": { "counters": counters, "deviceBreakdown": {}, "qualifierStats": {}, "ratios": {} },
                    "interval": { "start": ts(t), "end": ts(t + Duration::hours(1)) }
                })
            })
            .collect::<Vec<_>>()
    });
    Ok(axum::Json(json!({ "total": results.len(), "results": results })).into_response())
}

fn email_index(w: &World, id: &str) -> Result<usize, ApiError> {
    id.parse::<usize>()
        .ok()
        .and_then(|n| n.checked_sub(EMAIL_BASE))
        .filter(|i| *i < w.campaign_count())
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("email {id} not found"),
            )
        })
}

async fn set_published(
    sim: SimState,
    id: String,
    headers: HeaderMap,
    publish: bool,
) -> Result<Response, ApiError> {
    let actor = http::actor(&headers);
    sim.with_world(|w| {
        let i = email_index(w, &id)?;
        let world_id = w.campaign(i).id;
        let r = if publish {
            w.resume(&world_id, &actor)
        } else {
            w.pause(&world_id, &actor)
        };
        match r {
            Ok(_) | Err(WorldError::Conflict { .. }) => Ok(()),
            Err(e) => Err(ApiError::from(e)),
        }
    })?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn publish(
    State(sim): State<SimState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    set_published(sim, id, headers, true).await
}

async fn unpublish(
    State(sim): State<SimState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    set_published(sim, id, headers, false).await
}

/// Synthetic CRM objects: object `i` was last modified at a fixed offset
/// from the world's start and exists once simulated time reaches it.
fn crm(w: &World, kind: &str) -> Result<Vec<Value>, ApiError> {
    let (n, prop) = match kind {
        "contacts" => (CONTACTS, "lastmodifieddate"),
        "deals" => (DEALS, "hs_lastmodifieddate"),
        other => {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("unknown object type {other}"),
            ));
        }
    };
    let now = w.now();
    Ok((0..n)
        .filter_map(|i| {
            let at = w.start - Duration::hours(24) + Duration::minutes(7 * i as i64);
            (at <= now).then(|| {
                let h = hash_bytes(format!("{kind}{i}").as_bytes());
                let props = if kind == "contacts" {
                    json!({ "firstname": format!("Contact{}", h % 1000), "lastname": format!("N{i}"),
                            "email": format!("c{i}@example.com"), prop: ts(at) })
                } else {
                    json!({ "dealname": format!("Deal {i}"), "amount": format!("{}.00", 500 + h % 5000),
                            "dealstage": "presentationscheduled", prop: ts(at) })
                };
                json!({ "id": (512 + i).to_string(), "properties": props,
                        "createdAt": ts(at - Duration::days(3)), "updatedAt": ts(at), "archived": false })
            })
        })
        .collect())
}

async fn objects(
    State(sim): State<SimState>,
    Path(kind): Path<String>,
    Q(q): Q<Query>,
) -> Result<Response, ApiError> {
    let all = sim.with_world(|w| crm(w, &kind))?;
    let (a, b, next) = page(&q, all.len())?;
    let path = format!("/crm/v3/objects/{kind}");
    Ok(axum::Json(json!({ "results": &all[a..b], "paging": paging(next, &path) })).into_response())
}

async fn search(
    State(sim): State<SimState>,
    Path(kind): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let req: Value = http::parse_body(&body)?;
    let filter = &req["filterGroups"][0]["filters"][0];
    let prop = filter["propertyName"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let after_ms: Option<i64> = match filter["operator"].as_str() {
        None => None,
        Some("GT") => filter["value"]
            .as_str()
            .and_then(|v| v.parse().ok())
            .or(filter["value"].as_i64()),
        Some(op) => {
            return Err(ApiError::bad_request(format!(
                "the simulator only supports GT, got {op}"
            )));
        }
    };
    let mut all = sim.with_world(|w| crm(w, &kind))?;
    let modified = |o: &Value| {
        o["properties"][prop.as_str()]
            .as_str()
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            .map(|t| t.timestamp_millis())
    };
    if let Some(ms) = after_ms {
        all.retain(|o| modified(o).is_some_and(|m| m > ms));
    }
    all.sort_by_key(|o| modified(o));
    let mut q = Query::new();
    if let Some(l) = req["limit"].as_u64() {
        q.insert("limit".into(), l.to_string());
    }
    if let Some(a) = req["after"].as_str() {
        q.insert("after".into(), a.to_string());
    }
    let (a, b, next) = page(&q, all.len())?;
    let next = next
        .map(|n| json!({ "next": { "after": n } }))
        .unwrap_or(Value::Null);
    Ok(
        axum::Json(json!({ "total": all.len(), "results": &all[a..b], "paging": next }))
            .into_response(),
    )
}

/// HubSpot's error body; a 429 names its policy like the real one does.
pub fn error(status: StatusCode, code: &str, message: &str) -> (StatusCode, Value) {
    let correlation = format!("{:016x}", hash_bytes(format!("{code}{message}").as_bytes()));
    if status == StatusCode::TOO_MANY_REQUESTS {
        return (
            status,
            json!({ "status": "error", "message": "You have reached your secondly limit.",
                    "errorType": "RATE_LIMIT", "correlationId": correlation,
                    "policyName": "TEN_SECONDLY_ROLLING", "requestId": correlation }),
        );
    }
    let category = match status.as_u16() {
        400 | 422 => "VALIDATION_ERROR",
        401 => "INVALID_AUTHENTICATION",
        404 => "OBJECT_NOT_FOUND",
        409 => "CONFLICT",
        _ => "INTERNAL_ERROR",
    };
    (
        status,
        json!({ "status": "error", "message": message, "correlationId": correlation,
                "category": category, "subCategory": code }),
    )
}
