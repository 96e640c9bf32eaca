//! `/mautic/api`: campaigns (an object keyed by id, as the docs show),
//! emails (an array) with lifetime `sentCount`/`readCount`, and
//! `PATCH /campaigns/{id}/edit` toggling `isPublished`.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query as Q, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch};
use serde_json::{Map, Value, json};

use super::{lifetime, ts};
use crate::domain::{Campaign, CampaignStatus, MetricKind};
use crate::simulator::http::{self, ApiError, Query};
use crate::simulator::state::SimState;
use crate::simulator::world::{World, WorldError};

pub fn router() -> Router<SimState> {
    Router::new()
        .route("/api/campaigns", get(campaigns))
        .route("/api/campaigns/{id}", get(campaign))
        .route("/api/campaigns/{id}/edit", patch(edit))
        .route("/api/emails", get(emails))
}

/// Mautic ids are integers: campaign `i` of the world is id `i + 1`, and so
/// is its one email; its `email.send` event is `1000 + i`.
fn index(w: &World, id: &str) -> Result<usize, ApiError> {
    id.parse::<usize>()
        .ok()
        .and_then(|n| n.checked_sub(1))
        .filter(|i| *i < w.campaign_count())
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "not_found", "Item was not found."))
}

fn page(q: &Query, n: usize) -> Result<(usize, usize), ApiError> {
    let num = |k: &str, d: usize| -> Result<usize, ApiError> {
        q.get(k).map_or(Ok(d), |v| {
            v.parse()
                .map_err(|_| ApiError::bad_request(format!("{k} must be a number")))
        })
    };
    let start = num("start", 0)?.min(n);
    let limit = num("limit", 30)?.clamp(1, 1000);
    Ok((start, (start + limit).min(n)))
}

fn campaign_json(i: usize, c: &Campaign) -> Value {
    let published = matches!(
        c.status,
        CampaignStatus::Active | CampaignStatus::Scheduled | CampaignStatus::Completed
    );
    let id = i + 1;
    let event = 1000 + i;
    json!({
        "id": id,
        "name": c.name,
        "description": null,
        "isPublished": published,
        "publishUp": ts(c.start),
        "publishDown": ts(c.end),
        "dateAdded": ts(c.start - chrono::Duration::days(7)),
        "createdBy": 1,
        "createdByUser": c.owner,
        "dateModified": ts(c.updated_at),
        "modifiedByUser": c.owner,
        "category": null,
        "events": { event.to_string(): {
            "id": event, "type": "email.send", "eventType": "action",
            "name": "Send campaign email", "order": 1,
            "properties": { "email": id }, "triggerMode": "immediate",
            "children": [], "parent": null, "decisionPath": null
        }}
    })
}

async fn campaigns(State(sim): State<SimState>, Q(q): Q<Query>) -> Result<Response, ApiError> {
    let (body, total) = sim.with_world(|w| {
        let n = w.campaign_count();
        page(&q, n).map(|(a, b)| {
            let mut m = Map::new();
            for i in a..b {
                m.insert((i + 1).to_string(), campaign_json(i, &w.campaign(i)));
            }
            (m, n)
        })
    })?;
    Ok(axum::Json(json!({ "total": total, "campaigns": body })).into_response())
}

async fn campaign(
    State(sim): State<SimState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let c = sim.with_world(|w| index(w, &id).map(|i| campaign_json(i, &w.campaign(i))))?;
    Ok(axum::Json(json!({ "campaign": c })).into_response())
}

async fn emails(State(sim): State<SimState>, Q(q): Q<Query>) -> Result<Response, ApiError> {
    let (list, total) = sim.with_world(|w| {
        let n = w.campaign_count();
        page(&q, n).map(|(a, b)| {
            let list: Vec<Value> = (a..b)
                .map(|i| {
                    let c = w.campaign(i);
                    let t = lifetime(w, i, &[MetricKind::Deliveries, MetricKind::Opens]);
                    json!({
                        "id": i + 1, "name": format!("{} email", c.name),
                        "subject": c.name, "isPublished": c.status == CampaignStatus::Active,
                        "emailType": "template", "sentCount": t[0].round(), "readCount": t[1].round(),
                        "dateAdded": ts(c.start), "dateModified": null,
                    })
                })
                .collect();
            (list, n)
        })
    })?;
    Ok(axum::Json(json!({ "total": total, "emails": list })).into_response())
}

async fn edit(
    State(sim): State<SimState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let req: Value = http::parse_body(&body)?;
    let publish = match req.get("isPublished") {
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_i64() != Some(0),
        Some(Value::String(s)) => s != "0" && s != "false",
        _ => {
            let c = sim.with_world(|w| index(w, &id).map(|i| campaign_json(i, &w.campaign(i))))?;
            return Ok(axum::Json(json!({ "campaign": c })).into_response());
        }
    };
    let actor = http::actor(&headers);
    let c = sim.with_world(|w| {
        let i = index(w, &id)?;
        let world_id = w.campaign(i).id;
        let r = if publish {
            w.resume(&world_id, &actor)
        } else {
            w.pause(&world_id, &actor)
        };
        match r {
            // Mautic just sets the flag: asking for the current state is fine.
            Ok(_) | Err(WorldError::Conflict { .. }) => Ok(campaign_json(i, &w.campaign(i))),
            Err(e) => Err(ApiError::from(e)),
        }
    })?;
    Ok(axum::Json(json!({ "campaign": c })).into_response())
}

/// `{"errors":[{code,message,details,type}]}`, as current Mautic answers.
pub fn error(status: StatusCode, code: &str, message: &str) -> (StatusCode, Value) {
    let message = if status == StatusCode::TOO_MANY_REQUESTS {
        "You exceeded the rate limit of 100 API calls per hour.".to_string()
    } else {
        message.to_string()
    };
    (
        status,
        json!({ "errors": [{ "code": status.as_u16(), "message": message, "details": [], "type": code }] }),
    )
}
