//! Mautic REST API shapes, as documented and as seen in the wild: lists as
//! arrays or objects keyed by id, flags as bools or 0/1, and two error formats.

use std::collections::BTreeMap;
use std::time::Duration;

use reqwest::header::HeaderMap;
use serde::Deserialize;
use serde_json::Value;

use crate::connectors::HttpError;
use crate::connectors::http::retry_after;
use crate::connectors::vendor::{api_error, lenient};

#[derive(Debug, Deserialize)]
pub struct CampaignList {
    #[serde(default, deserialize_with = "lenient::num")]
    pub total: f64,
    #[serde(default, deserialize_with = "lenient::list")]
    pub campaigns: Vec<Campaign>,
}

#[derive(Debug, Deserialize)]
pub struct CampaignOne {
    pub campaign: Campaign,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Campaign {
    #[serde(deserialize_with = "lenient::id")]
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default, deserialize_with = "lenient::flag")]
    pub is_published: bool,
    #[serde(default)]
    pub publish_up: Option<String>,
    #[serde(default)]
    pub publish_down: Option<String>,
    #[serde(default)]
    pub date_added: Option<String>,
    #[serde(default)]
    pub date_modified: Option<String>,
    #[serde(default)]
    pub created_by_user: Option<String>,
    #[serde(default)]
    pub modified_by_user: Option<String>,
    #[serde(default, deserialize_with = "lenient::list")]
    pub events: Vec<Event>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    #[serde(deserialize_with = "lenient::id")]
    pub id: String,
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub properties: Value,
}

impl Event {
    /// The email an `email.send` action sends, if this is one.
    pub fn email_id(&self) -> Option<String> {
        if self.kind != "email.send" {
            return None;
        }
        match self.properties.get("email")? {
            Value::Number(n) => Some(n.to_string()),
            Value::String(s) => Some(s.clone()),
            _ => None,
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct EmailList {
    #[serde(default, deserialize_with = "lenient::num")]
    pub total: f64,
    #[serde(default, deserialize_with = "lenient::list")]
    pub emails: Vec<Email>,
}

#[derive(Debug, Deserialize)]
pub struct EmailOne {
    pub email: Email,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Email {
    #[serde(deserialize_with = "lenient::id")]
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default, deserialize_with = "lenient::flag")]
    pub is_published: bool,
    #[serde(default, deserialize_with = "lenient::num")]
    pub sent_count: f64,
    #[serde(default, deserialize_with = "lenient::num")]
    pub read_count: f64,
}

/// `GET /api/stats`: which tables exist and their columns.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatTables {
    pub available_tables: Vec<String>,
    #[serde(default)]
    pub table_columns: BTreeMap<String, Vec<String>>,
}

/// `GET /api/stats/{table}`: raw rows, every value a string.
#[derive(Debug, Deserialize)]
pub struct StatRows {
    #[serde(default, deserialize_with = "lenient::num")]
    pub total: f64,
    #[serde(default, deserialize_with = "lenient::list")]
    pub stats: Vec<BTreeMap<String, Value>>,
}

/// Mautic's error bodies: `{"errors":[{code,message,details,type}]}` (current),
/// `{"error":{"message","code"}}` (legacy) and the OAuth2 `{"error","error_description"}`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum ErrorBody {
    Current {
        errors: Vec<ErrorItem>,
    },
    Legacy {
        error: LegacyError,
    },
    OAuth {
        error: String,
        #[serde(default)]
        error_description: Option<String>,
    },
}

#[derive(Debug, Deserialize)]
pub struct ErrorItem {
    #[serde(default)]
    pub code: Value,
    #[serde(default)]
    pub message: String,
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub details: Value,
}

#[derive(Debug, Deserialize)]
pub struct LegacyError {
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub code: Value,
}

impl ErrorBody {
    /// (code, message, details) for an operator.
    pub fn summary(self) -> (String, String, Option<Value>) {
        match self {
            ErrorBody::Current { errors } => {
                let code = errors
                    .first()
                    .map(|e| e.kind.clone().unwrap_or_else(|| code_str(&e.code)))
                    .unwrap_or_else(|| "error".into());
                let message = errors
                    .iter()
                    .map(|e| e.message.as_str())
                    .collect::<Vec<_>>()
                    .join("; ");
                let details = errors
                    .into_iter()
                    .map(|e| e.details)
                    .find(|d| !d.is_null() && d != &Value::Array(vec![]));
                (code, message, details)
            }
            ErrorBody::Legacy { error } => (code_str(&error.code), error.message, None),
            ErrorBody::OAuth {
                error,
                error_description,
            } => (error, error_description.unwrap_or_default(), None),
        }
    }
}

fn code_str(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "error".into(),
        other => other.to_string(),
    }
}

/// Longest server-announced wait we sleep through inside one poll; longer
/// windows (Mautic limits per hour) fail the poll instead of hanging it.
pub const MAX_INLINE_WAIT: Duration = Duration::from_secs(30);

/// `X-RateLimit-Reset` is a Unix time in Mautic's limiter; `Retry-After` wins when present.
pub fn rate_limit_wait(headers: &HeaderMap) -> Option<Duration> {
    retry_after(headers).or_else(|| {
        let reset: i64 = headers
            .get("x-ratelimit-reset")?
            .to_str()
            .ok()?
            .trim()
            .parse()
            .ok()?;
        let now = chrono::Utc::now().timestamp();
        let secs = if reset > 1_000_000_000 {
            reset - now
        } else {
            reset
        };
        Some(Duration::from_secs(secs.max(0) as u64))
    })
}

pub fn map_error(url: &str, status: u16, headers: &HeaderMap, body: &[u8]) -> Option<HttpError> {
    let parsed = serde_json::from_slice::<ErrorBody>(body)
        .ok()
        .map(ErrorBody::summary);
    if status == 429 {
        let wait = rate_limit_wait(headers).unwrap_or(Duration::from_secs(1));
        if wait <= MAX_INLINE_WAIT {
            return Some(HttpError::RateLimited {
                url: url.into(),
                retry_after: wait,
            });
        }
        let message = parsed
            .map(|p| p.1)
            .unwrap_or_else(|| "rate limit exceeded".into());
        let message = format!("{message} (window resets in {}s)", wait.as_secs());
        return Some(api_error(url, 429, "rate_limited", &message, None));
    }
    let (code, message, details) = parsed?;
    Some(api_error(url, status, &code, &message, details))
}
