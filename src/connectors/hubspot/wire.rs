//! HubSpot v3 shapes: collections with cursor paging, campaigns with string
//! properties, marketing emails with statistics, CRM objects, and errors
//! carrying `category`, `correlationId` and (for 429s) `policyName`.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::header::HeaderMap;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::connectors::HttpError;
use crate::connectors::http::retry_after;
use crate::connectors::vendor::{api_error, lenient};

#[derive(Debug, Deserialize)]
pub struct Collection<T> {
    #[serde(default)]
    pub total: Option<u64>,
    #[serde(default = "Vec::new")]
    pub results: Vec<T>,
    #[serde(default)]
    pub paging: Option<Paging>,
}

impl<T: DeserializeOwned> Collection<T> {
    pub fn next_after(&self) -> Option<&str> {
        self.paging
            .as_ref()?
            .next
            .as_ref()
            .map(|n| n.after.as_str())
            .filter(|a| !a.is_empty())
    }
}

#[derive(Debug, Deserialize)]
pub struct Paging {
    #[serde(default)]
    pub next: Option<NextPage>,
}

#[derive(Debug, Deserialize)]
pub struct NextPage {
    pub after: String,
    #[serde(default)]
    pub link: Option<String>,
}

/// A campaign (v3): every property is a string or null.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Campaign {
    pub id: String,
    #[serde(default)]
    pub properties: BTreeMap<String, Option<String>>,
    #[serde(default, deserialize_with = "lenient::time")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "lenient::time")]
    pub updated_at: Option<DateTime<Utc>>,
}

impl Campaign {
    pub fn prop(&self, name: &str) -> Option<&str> {
        self.properties
            .get(name)?
            .as_deref()
            .filter(|s| !s.is_empty())
    }
}

/// A marketing email (v3), with the fields mops reads.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Email {
    #[serde(deserialize_with = "lenient::id")]
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default, deserialize_with = "lenient::flag")]
    pub is_published: bool,
    #[serde(default)]
    pub campaign: Option<String>,
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub subcategory: Option<String>,
    #[serde(default)]
    pub stats: Option<Statistic>,
    #[serde(default, deserialize_with = "lenient::time")]
    pub updated_at: Option<DateTime<Utc>>,
}

impl Email {
    /// Automated emails can be unpublished to stop sending; batch emails
    /// already went out.
    pub fn is_automated(&self) -> bool {
        self.kind
            .as_deref()
            .is_some_and(|k| k.contains("AUTOMATED"))
            || self.subcategory.as_deref() == Some("automated")
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Statistic {
    #[serde(default)]
    pub counters: BTreeMap<String, f64>,
}

/// One histogram bucket. The vendor's own example names the statistic
/// `aggregateStatistic` in one item and `aggregations` (the schema's name) in others.
#[derive(Debug, Clone, Deserialize)]
pub struct Interval {
    #[serde(default, alias = "aggregateStatistic")]
    pub aggregations: Option<Statistic>,
    pub interval: Span,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Span {
    #[serde(deserialize_with = "lenient::time")]
    pub start: Option<DateTime<Utc>>,
    #[serde(deserialize_with = "lenient::time")]
    pub end: Option<DateTime<Utc>>,
}

/// A CRM object (contact, deal...).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CrmObject {
    pub id: String,
    #[serde(default)]
    pub properties: BTreeMap<String, Option<String>>,
    #[serde(default, deserialize_with = "lenient::time")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "lenient::time")]
    pub updated_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub archived: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub correlation_id: Option<String>,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub error_type: Option<String>,
    #[serde(default)]
    pub policy_name: Option<String>,
}

pub fn map_error(url: &str, status: u16, headers: &HeaderMap, body: &[u8]) -> Option<HttpError> {
    let e: ErrorBody = serde_json::from_slice(body).unwrap_or_default();
    let details = json!({
        "correlationId": e.correlation_id,
        "category": e.category,
        "policyName": e.policy_name,
    });
    if status == 429 {
        let policy = e.policy_name.as_deref().unwrap_or("");
        if policy == "DAILY" {
            // Waiting inside a poll cannot help: the window ends at midnight.
            let msg = format!(
                "{} (daily API limit; resets at midnight in the account's time zone)",
                if e.message.is_empty() {
                    "daily limit reached"
                } else {
                    &e.message
                }
            );
            return Some(api_error(url, 429, "RATE_LIMIT_DAILY", &msg, Some(details)));
        }
        let interval = headers
            .get("x-hubspot-ratelimit-interval-milliseconds")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_millis);
        let wait = retry_after(headers)
            .or(interval)
            .unwrap_or(Duration::from_secs(1))
            .min(Duration::from_secs(10));
        return Some(HttpError::RateLimited {
            url: url.into(),
            retry_after: wait,
        });
    }
    let code = e
        .category
        .clone()
        .or(e.error_type.clone())
        .unwrap_or_else(|| "error".into());
    let message = match &e.correlation_id {
        Some(id) => format!("{} (correlationId {id})", e.message),
        None => e.message.clone(),
    };
    Some(api_error(url, status, &code, &message, Some(details)))
}
