//! `/erpnext/api/resource/{doctype}`: `Bin` (stock per item and warehouse)
//! and an aggregated `Stock Ledger Entry` for sell-through, with Frappe's
//! `fields`, `filters`, `limit_start`/`limit_page_length` and `{"data":...}`.

use axum::Router;
use axum::extract::{Path, Query as Q, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Map, Value, json};

use crate::simulator::http::{ApiError, Query};
use crate::simulator::state::SimState;

const SELL_THROUGH_DAYS: f64 = 7.0;
const BIN_FIELDS: [&str; 7] = [
    "name",
    "item_code",
    "warehouse",
    "actual_qty",
    "reserved_qty",
    "projected_qty",
    "modified",
];

pub fn router() -> Router<SimState> {
    Router::new().route("/api/resource/{doctype}", get(list))
}

fn data_error(message: String) -> ApiError {
    ApiError::new(StatusCode::EXPECTATION_FAILED, "DataError", message)
}

fn json_param(q: &Query, k: &str, default: Value) -> Result<Value, ApiError> {
    q.get(k).map_or(Ok(default), |s| {
        serde_json::from_str(s).map_err(|e| data_error(format!("{k} is not valid JSON: {e}")))
    })
}

/// Frappe filters: `[[field, op, value]]` (or with a leading doctype), or `{field: value}`.
fn matches(row: &Map<String, Value>, filters: &Value) -> Result<bool, ApiError> {
    let list: Vec<(String, String, Value)> = match filters {
        Value::Array(a) => a
            .iter()
            .map(|f| {
                let f = f
                    .as_array()
                    .ok_or_else(|| data_error("each filter must be a list".into()))?;
                let f = if f.len() == 4 { &f[1..] } else { &f[..] };
                match f {
                    [field, op, v] => Ok((
                        field.as_str().unwrap_or_default().to_string(),
                        op.as_str().unwrap_or("=").to_string(),
                        v.clone(),
                    )),
                    _ => Err(data_error("a filter is [field, operator, value]".into())),
                }
            })
            .collect::<Result<_, _>>()?,
        Value::Object(m) => m
            .iter()
            .map(|(k, v)| (k.clone(), "=".into(), v.clone()))
            .collect(),
        _ => Vec::new(),
    };
    for (field, op, v) in list {
        let Some(have) = row.get(&field) else {
            return Err(data_error(format!("Field not permitted in query: {field}")));
        };
        let num = |x: &Value| x.as_f64().or_else(|| x.as_str()?.parse().ok());
        let ok = match op.as_str() {
            "=" => have == &v || num(have).zip(num(&v)).is_some_and(|(a, b)| a == b),
            "!=" => have != &v,
            "in" => v.as_array().is_some_and(|a| a.contains(have)),
            ">" | ">=" | "<" | "<=" => match (num(have), num(&v)) {
                (Some(a), Some(b)) => match op.as_str() {
                    ">" => a > b,
                    ">=" => a >= b,
                    "<" => a < b,
                    _ => a <= b,
                },
                _ => return Err(data_error(format!("{field} {op} needs numbers"))),
            },
            other => return Err(data_error(format!("unsupported operator {other:?}"))),
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

async fn list(
    State(sim): State<SimState>,
    Path(doctype): Path<String>,
    Q(q): Q<Query>,
) -> Result<Response, ApiError> {
    let fields = json_param(&q, "fields", json!(["name"]))?;
    let fields: Vec<String> = fields
        .as_array()
        .ok_or_else(|| data_error("fields must be a list".into()))?
        .iter()
        .map(|f| f.as_str().unwrap_or_default().to_string())
        .collect();
    let filters = json_param(&q, "filters", json!([]))?;
    let num = |k: &str, d: usize| -> Result<usize, ApiError> {
        q.get(k).map_or(Ok(d), |v| {
            v.parse()
                .map_err(|_| data_error(format!("{k} must be a number")))
        })
    };
    let (start, len) = (num("limit_start", 0)?, num("limit_page_length", 20)?);
    let levels = sim.with_world(|w| w.stock(None));
    let rows: Vec<Map<String, Value>> = match doctype.as_str() {
        "Bin" => {
            if let Some(bad) = fields.iter().find(|f| !BIN_FIELDS.contains(&f.as_str())) {
                return Err(data_error(format!("Field not permitted in query: {bad}")));
            }
            levels
                .iter()
                .map(|l| {
                    let all = json!({
                        "name": format!("{}-{}", l.sku, l.warehouse),
                        "item_code": l.sku, "warehouse": l.warehouse,
                        "actual_qty": l.on_hand, "reserved_qty": l.reserved,
                        "projected_qty": l.projected,
                        "modified": l.updated_at.format("%Y-%m-%d %H:%M:%S%.6f").to_string(),
                    });
                    all.as_object().cloned().unwrap_or_default()
                })
                .collect()
        }
        "Stock Ledger Entry" => {
            let summed = fields
                .iter()
                .any(|f| f.replace(' ', "") == "sum(actual_qty)asqty");
            if !summed || !q.contains_key("group_by") {
                return Err(data_error(
                    "the simulator serves Stock Ledger Entry only as sum(actual_qty) as qty grouped by item_code, warehouse".into(),
                ));
            }
            levels
                .iter()
                .map(|l| {
                    let v = json!({
                        "item_code": l.sku, "warehouse": l.warehouse,
                        "qty": -(l.daily_sell_through * SELL_THROUGH_DAYS),
                        // Present so posting-date and quantity filters apply.
                        "posting_date": 0, "actual_qty": -1, "is_cancelled": 0,
                    });
                    v.as_object().cloned().unwrap_or_default()
                })
                .collect()
        }
        other => {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "DoesNotExistError",
                format!("DocType {other} not found"),
            ));
        }
    };
    let mut out = Vec::new();
    for row in rows {
        if doctype == "Bin" && !matches(&row, &filters)? {
            continue;
        }
        out.push(row);
    }
    let page: Vec<Value> = out
        .into_iter()
        .skip(start)
        .take(if len == 0 { usize::MAX } else { len })
        .map(|row| {
            let picked: Map<String, Value> = fields
                .iter()
                .map(|f| {
                    let key = f.rsplit(" as ").next().unwrap_or(f).trim().to_string();
                    let v = row.get(&key).cloned().unwrap_or(Value::Null);
                    (key, v)
                })
                .collect();
            Value::Object(picked)
        })
        .collect();
    Ok(axum::Json(json!({ "data": page })).into_response())
}

/// Frappe's error body: `exc_type` and `_server_messages` (JSON in a string).
pub fn error(status: StatusCode, code: &str, message: &str) -> (StatusCode, Value) {
    let exc = match (status.as_u16(), code) {
        (_, c) if c.ends_with("Error") => c.to_string(),
        (401, _) => "AuthenticationError".into(),
        (403, _) => "PermissionError".into(),
        (404, _) => "DoesNotExistError".into(),
        (409, _) => "TimestampMismatchError".into(),
        (400 | 422, _) => "ValidationError".into(),
        (429, _) => "RateLimitExceededError".into(),
        _ => "ServerError".into(),
    };
    // Frappe reports validation failures as 417 Expectation Failed.
    let status = if matches!(status.as_u16(), 400 | 422) {
        StatusCode::EXPECTATION_FAILED
    } else {
        status
    };
    let inner = json!({ "message": message, "indicator": "red" }).to_string();
    let server = serde_json::to_string(&vec![inner]).unwrap_or_default();
    (
        status,
        json!({ "exc_type": exc, "exception": format!("frappe.exceptions.{exc}: {message}"), "_server_messages": server }),
    )
}
