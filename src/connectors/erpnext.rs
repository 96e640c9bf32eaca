//! ERPNext / Frappe (ERP): stock levels from `Bin`, sell-through from the
//! `Stock Ledger Entry` of the last week. Frappe has no approval chains in
//! mops' sense, so approvals and decisions are reported as unsupported.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use reqwest::header::HeaderMap;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::sanitize::Sanitize;
use super::vendor::{Supported, Unsupported, api_error, frappe_token, lenient};
use super::{Dialect, HttpClient, HttpError, Listed, Secret};
use crate::domain::{ApprovalRequest, InventoryLevel};

const PAGE: usize = 500;
const MAX_PAGES: usize = 10_000;
/// Window over which deliveries are averaged into a daily sell-through.
pub const SELL_THROUGH_DAYS: i64 = 7;

/// Every Frappe list answer: `{"data": [...]}`.
#[derive(Debug, Deserialize)]
pub struct DataList<T> {
    pub data: Vec<T>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Bin {
    pub item_code: String,
    pub warehouse: String,
    #[serde(default, deserialize_with = "lenient::num")]
    pub actual_qty: f64,
    #[serde(default, deserialize_with = "lenient::num")]
    pub reserved_qty: f64,
    #[serde(default, deserialize_with = "lenient::num")]
    pub projected_qty: f64,
    #[serde(default, deserialize_with = "lenient::time")]
    pub modified: Option<DateTime<Utc>>,
}

/// One aggregated ledger row: `sum(actual_qty)` per item and warehouse.
#[derive(Debug, Clone, Deserialize)]
pub struct Outflow {
    pub item_code: String,
    pub warehouse: String,
    #[serde(default, deserialize_with = "lenient::num")]
    pub qty: f64,
}

/// Frappe's error body: `exc_type` plus `_server_messages` (a JSON string
/// holding a list of JSON strings) or `message`/`exception`.
#[derive(Debug, Default, Deserialize)]
pub struct FrappeError {
    #[serde(default)]
    pub exc_type: Option<String>,
    #[serde(default)]
    pub exception: Option<String>,
    #[serde(default)]
    pub message: Option<Value>,
    #[serde(default, rename = "_server_messages")]
    pub server_messages: Option<String>,
}

impl FrappeError {
    pub fn text(&self) -> Option<String> {
        let from_server = self.server_messages.as_deref().and_then(|s| {
            let list: Vec<String> = serde_json::from_str(s).ok()?;
            let msgs: Vec<String> = list
                .iter()
                .map(|m| match serde_json::from_str::<Value>(m) {
                    Ok(v) => v
                        .get("message")
                        .and_then(Value::as_str)
                        .unwrap_or(m)
                        .to_string(),
                    Err(_) => m.clone(),
                })
                .collect();
            (!msgs.is_empty()).then(|| msgs.join("; "))
        });
        from_server
            .or_else(|| match &self.message {
                Some(Value::String(s)) => Some(s.clone()),
                Some(v @ Value::Object(_)) => {
                    v.get("message").and_then(Value::as_str).map(String::from)
                }
                _ => None,
            })
            .or_else(|| self.exception.clone())
    }
}

/// Frappe statuses an operator should read plainly.
pub fn map_error(url: &str, status: u16, headers: &HeaderMap, body: &[u8]) -> Option<HttpError> {
    if status == 429 {
        return Some(HttpError::RateLimited {
            url: url.into(),
            retry_after: super::http::retry_after(headers)
                .unwrap_or(std::time::Duration::from_secs(1)),
        });
    }
    let err: FrappeError = serde_json::from_slice(body).unwrap_or_default();
    let code = err.exc_type.clone().unwrap_or_else(|| {
        match status {
            401 => "AuthenticationError",
            403 => "PermissionError",
            404 => "DoesNotExistError",
            409 => "TimestampMismatchError",
            417 => "ValidationError",
            _ => "error",
        }
        .to_string()
    });
    let hint = match status {
        401 | 403 => "check the API key:secret and the user's role permissions on Bin",
        404 => "no such DocType or document (is the Stock module installed?)",
        409 => "the document changed meanwhile",
        417 => "Frappe rejected the request (a validation or filter error)",
        _ => "",
    };
    let message = match (err.text(), hint) {
        (Some(t), "") => t,
        (Some(t), h) => format!("{t} ({h})"),
        (None, "") => format!("HTTP {status}"),
        (None, h) => h.to_string(),
    };
    Some(api_error(url, status, &code, &message, None))
}

pub struct ErpNextClient {
    http: Arc<HttpClient>,
    base: String,
    dialect: Result<Dialect, String>,
}

impl ErpNextClient {
    /// `token` is the API `key:secret` pair.
    pub fn new(http: Arc<HttpClient>, base: &str, token: &Secret) -> Self {
        let dialect = frappe_token(token)
            .map(|auth| Dialect {
                auth,
                errors: Some(map_error),
            })
            .map_err(|e| e.to_string());
        ErpNextClient {
            http,
            base: base.trim_end_matches('/').to_string(),
            dialect,
        }
    }

    fn dialect(&self) -> Result<&Dialect, HttpError> {
        self.dialect
            .as_ref()
            .map_err(|e| HttpError::Invalid(e.clone()))
    }

    /// Every row of a DocType list, paged with `limit_start`/`limit_page_length`.
    pub async fn list<T: DeserializeOwned>(
        &self,
        doctype: &str,
        fields: &[&str],
        filters: Value,
        extra: &[(&str, String)],
    ) -> Result<Vec<T>, HttpError> {
        let url = format!("{}/api/resource/{}", self.base, super::vendor::seg(doctype));
        let dialect = self.dialect()?;
        let mut out = Vec::new();
        for _ in 0..MAX_PAGES {
            let mut q = vec![
                ("fields", json!(fields).to_string()),
                ("filters", filters.to_string()),
                ("limit_start", out.len().to_string()),
                ("limit_page_length", PAGE.to_string()),
            ];
            q.extend(extra.iter().cloned());
            let page: DataList<T> = self.http.get_json_as(&url, &q, dialect).await?;
            let got = page.data.len();
            out.extend(page.data);
            if got < PAGE {
                return Ok(out);
            }
        }
        Err(HttpError::Malformed {
            url,
            detail: format!("more than {MAX_PAGES} pages"),
        })
    }

    pub async fn bins(&self) -> Result<Vec<Bin>, HttpError> {
        let fields = [
            "item_code",
            "warehouse",
            "actual_qty",
            "reserved_qty",
            "projected_qty",
            "modified",
        ];
        let order = [("order_by", "item_code asc, warehouse asc".to_string())];
        self.list("Bin", &fields, json!([]), &order).await
    }

    /// Units delivered per item and warehouse since `since` (positive).
    pub async fn outflow_since(&self, since: DateTime<Utc>) -> Result<Vec<Outflow>, HttpError> {
        let filters = json!([
            ["posting_date", ">=", since.format("%Y-%m-%d").to_string()],
            ["actual_qty", "<", 0],
            ["is_cancelled", "=", 0]
        ]);
        let fields = ["item_code", "warehouse", "sum(actual_qty) as qty"];
        let group = [("group_by", "item_code, warehouse".to_string())];
        self.list("Stock Ledger Entry", &fields, filters, &group)
            .await
    }

    pub async fn stock(&self) -> Result<Listed<InventoryLevel>, HttpError> {
        let now = Utc::now();
        let bins = self.bins().await?;
        let outflow = self
            .outflow_since(now - Duration::days(SELL_THROUGH_DAYS))
            .await?;
        let mut items = to_levels(&bins, &outflow, now);
        items.sanitize();
        Ok(Listed { items, as_of: None })
    }

    pub fn approvals(&self) -> Supported<Listed<ApprovalRequest>> {
        Supported::No(no_approvals())
    }
}

pub fn no_approvals() -> Unsupported {
    Unsupported {
        vendor: "ERPNext",
        capability: "approval chains",
        note: "approve/reject stay in ERPNext's own workflow screens".into(),
    }
}

pub fn to_levels(bins: &[Bin], outflow: &[Outflow], now: DateTime<Utc>) -> Vec<InventoryLevel> {
    let sold: HashMap<(&str, &str), f64> = outflow
        .iter()
        .map(|o| ((o.item_code.as_str(), o.warehouse.as_str()), o.qty.abs()))
        .collect();
    bins.iter()
        .map(|b| InventoryLevel {
            sku: b.item_code.clone(),
            warehouse: b.warehouse.clone(),
            on_hand: b.actual_qty,
            reserved: b.reserved_qty,
            projected: b.projected_qty,
            daily_sell_through: sold
                .get(&(b.item_code.as_str(), b.warehouse.as_str()))
                .copied()
                .unwrap_or(0.0)
                / SELL_THROUGH_DAYS as f64,
            updated_at: b.modified.unwrap_or(now),
        })
        .collect()
}
