//! Airbyte (sync jobs between systems): one mops sync job per Airbyte
//! connection, its health read from the connection's recent jobs; failures
//! from jobs filtered by status; retry = start a new `sync` job.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

mod wire;

pub use wire::{Connection, Job, PageOf, Problem, iso_duration, map_error};

use super::sanitize::Sanitize;
use super::vendor::Unsupported;
use super::{CommandOutcome, Dialect, HttpClient, HttpError, Listed, Secret};
use crate::domain::{CommandKind, OperatorCommand, SyncFailure, SyncJob, SyncStatus, System};

const MAX_PAGES: usize = 1_000;
/// Jobs read per connection to judge its current streak.
const RECENT: usize = 20;
/// How far back status-filtered failure listings reach.
const FAILURE_WINDOW_HOURS: i64 = 24;
pub const FAILED_STATUSES: [&str; 3] = ["failed", "incomplete", "cancelled"];

pub struct AirbyteClient {
    http: Arc<HttpClient>,
    /// API root, e.g. `https://api.airbyte.com` (endpoints under `/v1`).
    base: String,
    dialect: Dialect,
}

impl AirbyteClient {
    pub fn new(http: Arc<HttpClient>, base: &str, token: &Secret) -> Self {
        AirbyteClient {
            http,
            base: base.trim_end_matches('/').to_string(),
            dialect: Dialect {
                auth: super::Auth::Bearer(token.clone()),
                errors: Some(map_error),
            },
        }
    }

    /// Follow `next` links, but only on our own API: a link elsewhere would
    /// carry the token to a stranger.
    async fn follow<T: DeserializeOwned>(
        &self,
        path: &str,
        query: Vec<(&str, String)>,
        max_pages: usize,
    ) -> Result<Vec<T>, HttpError> {
        let mut url = format!("{}/v1/{path}", self.base);
        let mut q = query;
        let mut out = Vec::new();
        for _ in 0..max_pages {
            let page: PageOf<T> = self.http.get_json_as(&url, &q, &self.dialect).await?;
            out.extend(page.data);
            match page.next.filter(|n| !n.is_empty()) {
                None => return Ok(out),
                Some(next) => {
                    let resolved = self.resolve(&url, &next)?;
                    if resolved == url && q.is_empty() {
                        return Err(HttpError::Malformed {
                            url,
                            detail: "next link repeats the current page".into(),
                        });
                    }
                    url = resolved;
                    q = Vec::new();
                }
            }
        }
        Ok(out)
    }

    fn resolve(&self, current: &str, next: &str) -> Result<String, HttpError> {
        let base = reqwest::Url::parse(&self.base)
            .map_err(|e| HttpError::Invalid(format!("bad Airbyte URL: {e}")))?;
        let cur = reqwest::Url::parse(current)
            .map_err(|e| HttpError::Invalid(format!("bad URL: {e}")))?;
        let joined = cur.join(next).map_err(|e| HttpError::Malformed {
            url: current.into(),
            detail: format!("bad next link {next:?}: {e}"),
        })?;
        if joined.origin() != base.origin() {
            return Err(HttpError::Malformed {
                url: current.into(),
                detail: format!(
                    "next link leaves {}: {next:?}",
                    base.origin().ascii_serialization()
                ),
            });
        }
        Ok(joined.to_string())
    }

    pub async fn connections(&self) -> Result<Vec<Connection>, HttpError> {
        let q = vec![("limit", "100".to_string())];
        self.follow("connections", q, MAX_PAGES).await
    }

    /// The newest jobs of one connection, newest first.
    pub async fn recent_jobs(&self, connection_id: &str) -> Result<Vec<Job>, HttpError> {
        let q = vec![
            ("connectionId", connection_id.to_string()),
            ("limit", RECENT.to_string()),
            ("orderBy", "createdAt|DESC".to_string()),
        ];
        self.follow("jobs", q, 1).await
    }

    /// Jobs in one status created since `since`, every page.
    pub async fn jobs_with_status(
        &self,
        status: &str,
        since: DateTime<Utc>,
    ) -> Result<Vec<Job>, HttpError> {
        let q = vec![
            ("status", status.to_string()),
            ("jobType", "sync".to_string()),
            (
                "createdAtStart",
                since.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            ),
            ("limit", "100".to_string()),
        ];
        self.follow("jobs", q, MAX_PAGES).await
    }

    pub async fn sync_jobs(&self) -> Result<(Listed<SyncJob>, Vec<SyncFailure>), HttpError> {
        let conns = self.connections().await?;
        let mut jobs = Vec::with_capacity(conns.len());
        for c in &conns {
            let recent = self.recent_jobs(&c.connection_id).await?;
            jobs.push(to_sync_job(c, &recent));
        }
        let since = Utc::now() - Duration::hours(FAILURE_WINDOW_HOURS);
        let mut failed = Vec::new();
        for status in FAILED_STATUSES {
            failed.extend(self.jobs_with_status(status, since).await?);
        }
        let mut failures = to_failures(&failed);
        jobs.sanitize();
        failures.sanitize();
        Ok((
            Listed {
                items: jobs,
                as_of: None,
            },
            failures,
        ))
    }

    pub fn request_for(&self, cmd: &OperatorCommand) -> Result<(String, Value), HttpError> {
        match &cmd.kind {
            CommandKind::RetrySync { job_id } => Ok((
                format!("POST {}/v1/jobs", self.base),
                json!({ "connectionId": job_id, "jobType": "sync" }),
            )),
            other => Err(Unsupported {
                vendor: "Airbyte",
                capability: other.verb(),
                note: "Airbyte only runs syncs; use retry-sync".into(),
            }
            .into_error()),
        }
    }

    /// Start a sync. A 409 (a job is already running) is a conflict.
    pub async fn execute(&self, cmd: &OperatorCommand) -> Result<CommandOutcome, HttpError> {
        let (_, body) = self.request_for(cmd)?;
        let url = format!("{}/v1/jobs", self.base);
        let res = self
            .http
            .send_json::<_, Value>(
                Method::POST,
                &url,
                &body,
                &cmd.idempotency_key,
                &cmd.actor,
                &self.dialect,
            )
            .await;
        match res {
            Ok(r) => Ok(CommandOutcome::Applied {
                replayed: r.replayed,
            }),
            Err(HttpError::Api {
                status: 409,
                message,
                ..
            }) => Ok(CommandOutcome::Conflict { detail: message }),
            Err(e) => Err(e),
        }
    }
}

/// Which systems a connection links, guessed from its name ("CRM → Marketing
/// contacts", "erp-to-crm"); Airbyte itself only knows connector types.
pub fn systems_of(name: &str) -> (System, System) {
    let lower = name.to_lowercase();
    let mut found: Vec<(usize, System)> = [
        (
            System::Marketing,
            ["marketing", "mautic", "hubspot marketing"],
        ),
        (System::Crm, ["crm", "hubspot", "salesforce"]),
        (System::Erp, ["erp", "erpnext", "odoo"]),
    ]
    .into_iter()
    .filter_map(|(s, words)| {
        words
            .iter()
            .filter_map(|w| lower.find(w))
            .min()
            .map(|pos| (pos, s))
    })
    .collect();
    found.sort();
    found.dedup_by_key(|(_, s)| *s);
    match found.as_slice() {
        [(_, a), (_, b), ..] => (*a, *b),
        [(_, a)] if *a == System::Marketing => (System::Crm, System::Marketing),
        [(_, a)] => (*a, System::Marketing),
        [] => (System::Crm, System::Marketing),
    }
}

/// One mops sync job from a connection and its recent jobs (newest first).
pub fn to_sync_job(c: &Connection, recent: &[Job]) -> SyncJob {
    let (source, target) = systems_of(&c.name);
    let latest = recent.first();
    let settled: Vec<&Job> = recent
        .iter()
        .filter(|j| !matches!(j.status.as_str(), "running" | "pending"))
        .collect();
    let streak: Vec<&Job> = settled
        .iter()
        .copied()
        .take_while(|j| j.is_failure())
        .collect();
    let in_flight = latest.is_some_and(|j| matches!(j.status.as_str(), "running" | "pending"));
    let status = match latest.map(|j| j.status.as_str()) {
        None | Some("succeeded") => SyncStatus::Ok,
        Some("running" | "pending") if streak.is_empty() => SyncStatus::Running,
        Some("running" | "pending") => SyncStatus::Retrying,
        Some(_) => SyncStatus::Failed,
    };
    let last_success = recent
        .iter()
        .find(|j| j.status == "succeeded")
        .and_then(|j| j.ended().or(j.start_time));
    let error = streak.first().map(|j| {
        format!(
            "Airbyte job {} {} ({} failed run{} in a row)",
            j.job_id,
            j.status,
            streak.len(),
            if streak.len() == 1 { "" } else { "s" }
        )
    });
    SyncJob {
        id: c.connection_id.clone(),
        name: if c.name.is_empty() {
            c.connection_id.clone()
        } else {
            c.name.clone()
        },
        source,
        target,
        status,
        last_success,
        last_attempt: latest.and_then(|j| j.start_time),
        failing_since: streak.last().and_then(|j| j.start_time),
        error,
        retries: (streak.len().saturating_sub(1) + usize::from(in_flight && !streak.is_empty()))
            as u32,
        next_retry: None,
    }
}

pub fn to_failures(jobs: &[Job]) -> Vec<SyncFailure> {
    let mut out: Vec<SyncFailure> = jobs
        .iter()
        .filter(|j| j.is_failure())
        .filter_map(|j| {
            Some(SyncFailure {
                job_id: j.connection_id.clone()?,
                at: j.ended().or(j.start_time)?,
                error: format!("Airbyte job {} {}", j.job_id, j.status),
                attempt: 1,
            })
        })
        .collect();
    out.sort_by(|a, b| (b.at, &b.job_id).cmp(&(a.at, &a.job_id)));
    out
}
