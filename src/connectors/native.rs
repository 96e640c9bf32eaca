//! Client for the native HTTP contract (docs/http-contract.md).

use std::sync::Arc;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use super::sanitize::Sanitize;
use super::{HttpClient, HttpError, Secret};
use crate::domain::{
    ApprovalRequest, Campaign, CommandKind, InventoryLevel, MetricSample, OperatorCommand,
    SyncFailure, SyncJob, Verdict,
};

/// Where each system lives and how to authenticate.
#[derive(Debug, Clone)]
pub struct Endpoints {
    pub marketing: String,
    pub crm: String,
    pub erp: String,
    pub token: Secret,
}

#[derive(Debug, Deserialize)]
struct Page<T> {
    items: Vec<T>,
    next_cursor: Option<String>,
    #[serde(default)]
    as_of: Option<DateTime<Utc>>,
}

/// A full listing plus the server's clock when it answered the first page.
#[derive(Debug, Clone, PartialEq)]
pub struct Listed<T> {
    pub items: Vec<T>,
    pub as_of: Option<DateTime<Utc>>,
}

/// The answer to an operator command, as the server decided it.
#[derive(Debug, Clone, PartialEq)]
pub enum CommandOutcome {
    /// Applied now, or earlier (`replayed`: the server had already seen this key).
    Applied { replayed: bool },
    /// The world changed under us; `detail` names who/when where the server says.
    Conflict { detail: String },
}

/// A guard against servers that hand out the same cursor forever.
const MAX_PAGES: usize = 10_000;

pub struct NativeClient {
    http: Arc<HttpClient>,
    ep: Endpoints,
}

impl NativeClient {
    pub fn new(http: Arc<HttpClient>, ep: Endpoints) -> Self {
        NativeClient { http, ep }
    }

    pub fn endpoints(&self) -> &Endpoints {
        &self.ep
    }

    async fn paged<T: DeserializeOwned + Sanitize>(
        &self,
        url: String,
        query: Vec<(&str, String)>,
        limit: usize,
    ) -> Result<Listed<T>, HttpError> {
        let mut out = Vec::new();
        let mut as_of = None;
        let mut cursor: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut q = query.clone();
            q.push(("limit", limit.to_string()));
            if let Some(c) = &cursor {
                q.push(("cursor", c.clone()));
            }
            let mut page: Page<T> = self.http.get_json(&url, &q, &self.ep.token).await?;
            page.items.sanitize();
            as_of = as_of.or(page.as_of);
            out.append(&mut page.items);
            match page.next_cursor {
                Some(next) if Some(&next) == cursor.as_ref() => {
                    return Err(HttpError::Malformed {
                        url,
                        detail: format!("pagination cursor {next:?} repeated"),
                    });
                }
                Some(next) => cursor = Some(next),
                None => return Ok(Listed { items: out, as_of }),
            }
        }
        Err(HttpError::Malformed {
            url,
            detail: format!("more than {MAX_PAGES} pages"),
        })
    }

    pub async fn campaigns(&self) -> Result<Listed<Campaign>, HttpError> {
        let url = format!("{}/campaigns", self.ep.marketing);
        self.paged(url, vec![], 1000).await
    }

    /// Hourly buckets newer than `since` (exclusive).
    pub async fn metrics_since(
        &self,
        since: DateTime<Utc>,
    ) -> Result<Listed<MetricSample>, HttpError> {
        let url = format!("{}/metrics", self.ep.marketing);
        let since = since.to_rfc3339_opts(SecondsFormat::Secs, true);
        self.paged(url, vec![("since", since)], 5000).await
    }

    pub async fn sync_jobs(&self) -> Result<(Listed<SyncJob>, Vec<SyncFailure>), HttpError> {
        let jobs = self
            .paged(format!("{}/sync-jobs", self.ep.crm), vec![], 1000)
            .await?;
        let failures = self
            .paged(format!("{}/sync-jobs/failures", self.ep.crm), vec![], 1000)
            .await?;
        Ok((jobs, failures.items))
    }

    pub async fn stock(&self) -> Result<Listed<InventoryLevel>, HttpError> {
        self.paged(format!("{}/stock", self.ep.erp), vec![], 1000)
            .await
    }

    pub async fn approvals(&self) -> Result<Listed<ApprovalRequest>, HttpError> {
        let url = format!("{}/approvals", self.ep.erp);
        self.paged(url, vec![("status", "pending".to_string())], 1000)
            .await
    }

    /// The exact request a command turns into: (URL, JSON body). Used for
    /// sending and for showing the operator what will happen.
    pub fn request_for(
        &self,
        cmd: &OperatorCommand,
    ) -> Result<(String, serde_json::Value), HttpError> {
        let reason = cmd.reason.clone().unwrap_or_default();
        let m = &self.ep.marketing;
        Ok(match &cmd.kind {
            CommandKind::Pause { campaign_id } => (
                format!("{m}/campaigns/{}/pause", seg(campaign_id)),
                json!({ "reason": reason }),
            ),
            CommandKind::Resume { campaign_id } => (
                format!("{m}/campaigns/{}/resume", seg(campaign_id)),
                json!({ "reason": reason }),
            ),
            CommandKind::Fallback {
                campaign_id,
                fallback,
            } => (
                format!("{m}/campaigns/{}/fallback", seg(campaign_id)),
                json!({ "kind": fallback, "reason": reason }),
            ),
            CommandKind::Throttle {
                campaign_id,
                percent,
            } => (
                format!("{m}/campaigns/{}/throttle", seg(campaign_id)),
                json!({ "percent": percent, "reason": reason }),
            ),
            CommandKind::Decide {
                request_id,
                step_id,
                verdict,
            } => (
                format!(
                    "{}/approvals/{}/steps/{}/decision",
                    self.ep.erp,
                    seg(request_id),
                    seg(step_id)
                ),
                json!({ "verdict": verdict_str(*verdict), "reason": reason }),
            ),
            CommandKind::RetrySync { job_id } => (
                format!("{}/sync-jobs/{}/retry", self.ep.crm, seg(job_id)),
                json!({ "reason": reason }),
            ),
            CommandKind::Acknowledge { .. } => {
                return Err(HttpError::Invalid(
                    "acknowledge is local to mops; nothing to send".into(),
                ));
            }
        })
    }

    /// Send one command once, with its idempotency key. A 409 is a decided
    /// conflict, not an error; anything ambiguous comes back as `Err` for the
    /// dispatcher to resolve.
    pub async fn execute(&self, cmd: &OperatorCommand) -> Result<CommandOutcome, HttpError> {
        let (url, body) = self.request_for(cmd)?;
        let res = self
            .http
            .post_json::<_, serde_json::Value>(
                &url,
                &body,
                &cmd.idempotency_key,
                &cmd.actor,
                &self.ep.token,
            )
            .await;
        match res {
            Ok(reply) => Ok(CommandOutcome::Applied {
                replayed: reply.replayed,
            }),
            Err(HttpError::Api {
                status: 409,
                message,
                details,
                ..
            }) => Ok(CommandOutcome::Conflict {
                detail: conflict_detail(&message, details.as_ref()),
            }),
            Err(e) => Err(e),
        }
    }
}

fn verdict_str(v: Verdict) -> &'static str {
    match v {
        Verdict::Approve => "approve",
        Verdict::Reject => "reject",
    }
}

/// Percent-encode an id for use as one path segment.
fn seg(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn conflict_detail(message: &str, details: Option<&serde_json::Value>) -> String {
    use crate::domain::sanitize::clean;
    let field = |k: &str| {
        details
            .and_then(|d| d.get(k))
            .and_then(|v| v.as_str())
            .map(clean)
    };
    let mut out = message.to_string();
    if let Some(by) = field("by") {
        out.push_str(&format!(" — by {by}"));
        if let Some(at) = field("at") {
            out.push_str(&format!(" at {at}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_are_encoded() {
        assert_eq!(seg("c-1_a.b~"), "c-1_a.b~");
        assert_eq!(seg("a/b c"), "a%2Fb%20c");
    }

    #[test]
    fn conflict_names_who_and_when() {
        let d = json!({"current": "paused", "by": "bo", "at": "2026-12-01T10:00:00Z"});
        assert_eq!(
            conflict_detail("campaign already paused", Some(&d)),
            "campaign already paused — by bo at 2026-12-01T10:00:00Z"
        );
    }
}
