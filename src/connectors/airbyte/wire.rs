//! Airbyte public API shapes: `{next, previous, data}` pages, connections,
//! jobs (`JobResponse`) and RFC 7807 problem bodies.

use chrono::{DateTime, Duration, Utc};
use reqwest::header::HeaderMap;
use serde::Deserialize;

use super::FAILED_STATUSES;
use crate::connectors::HttpError;
use crate::connectors::vendor::{api_error, lenient};

#[derive(Debug, Deserialize)]
pub struct PageOf<T> {
    #[serde(default)]
    pub next: Option<String>,
    #[serde(default)]
    pub previous: Option<String>,
    #[serde(default = "Vec::new")]
    pub data: Vec<T>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Connection {
    pub connection_id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub status: Option<String>,
}

/// `JobResponse`. The vendor's own list example uses `id` (a UUID) where
/// the schema says `jobId` (an integer): both are accepted.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Job {
    #[serde(alias = "id", deserialize_with = "lenient::id")]
    pub job_id: String,
    pub status: String,
    #[serde(default)]
    pub job_type: Option<String>,
    #[serde(default)]
    pub connection_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::time")]
    pub start_time: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "lenient::time")]
    pub last_updated_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub duration: Option<String>,
}

impl Job {
    pub fn is_failure(&self) -> bool {
        FAILED_STATUSES.contains(&self.status.as_str())
    }
    /// When the job stopped: `lastUpdatedAt`, else start plus duration.
    pub fn ended(&self) -> Option<DateTime<Utc>> {
        self.last_updated_at.or_else(|| {
            let d = self.duration.as_deref().and_then(iso_duration)?;
            Some(self.start_time? + d)
        })
    }
}

/// ISO 8601 durations as Airbyte writes them (`PT8H6M12S`, `P1DT2H`).
pub fn iso_duration(s: &str) -> Option<Duration> {
    let rest = s.strip_prefix('P')?;
    let (days, time) = rest.split_once('T').unwrap_or((rest, ""));
    let mut secs = 0.0;
    let mut take = |part: &str, units: &[(char, f64)]| -> Option<()> {
        let mut num = String::new();
        for ch in part.chars() {
            if ch.is_ascii_digit() || ch == '.' {
                num.push(ch);
            } else {
                let mult = units.iter().find(|(u, _)| *u == ch)?.1;
                secs += num.parse::<f64>().ok()? * mult;
                num.clear();
            }
        }
        num.is_empty().then_some(())
    };
    take(days, &[('D', 86_400.0), ('W', 604_800.0)])?;
    take(time, &[('H', 3_600.0), ('M', 60.0), ('S', 1.0)])?;
    Some(Duration::milliseconds((secs * 1000.0) as i64))
}

/// Airbyte answers errors as RFC 7807 problems (`title`, `detail`, `status`).
#[derive(Debug, Default, Deserialize)]
pub struct Problem {
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub detail: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
}

pub fn map_error(url: &str, status: u16, headers: &HeaderMap, body: &[u8]) -> Option<HttpError> {
    if status == 429 {
        return None; // the transport's Retry-After handling fits Airbyte
    }
    let _ = headers;
    let p: Problem = serde_json::from_slice(body).ok()?;
    let code = p
        .title
        .clone()
        .or(p.kind.clone())
        .unwrap_or_else(|| "error".into());
    let message = p.detail.or(p.message).or(p.title).unwrap_or_default();
    Some(api_error(url, status, &code, &message, None))
}
