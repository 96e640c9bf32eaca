//! HubSpot (marketing + CRM). Campaigns v3 and marketing emails v3 give the
//! campaigns and their hourly email statistics. HubSpot campaigns cannot be
//! paused: mops pauses a campaign by unpublishing its automated emails and
//! resumes it by publishing them again, and says so before doing it.

mod crm;
pub mod wire;

pub use crm::{CrmRecord, to_record};

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::sanitize::Sanitize;
use super::vendor::{Unsupported, lenient, seg};
use super::{Auth, CommandOutcome, Dialect, HttpClient, HttpError, Listed, Secret};
use crate::domain::{
    Campaign, CampaignStatus, Channel, CommandKind, MetricKind, MetricSample, OperatorCommand,
};

const MAX_PAGES: usize = 10_000;
pub const CAMPAIGN_PROPERTIES: &str = "hs_name,hs_start_date,hs_end_date,hs_owner,hs_campaign_status,hs_budget_items_sum_amount,hs_spend_items_sum_amount";
/// Email counters and the metric each becomes.
pub const COUNTERS: [(&str, MetricKind); 6] = [
    ("sent", MetricKind::Sends),
    ("delivered", MetricKind::Deliveries),
    ("open", MetricKind::Opens),
    ("click", MetricKind::Clicks),
    ("bounce", MetricKind::Bounces),
    ("unsubscribed", MetricKind::Unsubscribes),
];

pub struct HubSpotClient {
    http: Arc<HttpClient>,
    base: String,
    dialect: Dialect,
    /// Campaign id -> its emails, from the last poll (for `request_for`).
    emails: Mutex<HashMap<String, Vec<wire::Email>>>,
}

impl HubSpotClient {
    /// `base` is the API root (`https://api.hubapi.com`); `token` a private-app token.
    pub fn new(http: Arc<HttpClient>, base: &str, token: &Secret) -> Self {
        HubSpotClient {
            http,
            base: base.trim_end_matches('/').to_string(),
            dialect: Dialect {
                auth: Auth::Bearer(token.clone()),
                errors: Some(wire::map_error),
            },
            emails: Mutex::new(HashMap::new()),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Every page of a GET collection, following `paging.next.after`.
    async fn collect<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<Vec<T>, HttpError> {
        let url = self.url(path);
        let mut out = Vec::new();
        let mut after: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut q = query.to_vec();
            q.push(("limit", "100".into()));
            if let Some(a) = &after {
                q.push(("after", a.clone()));
            }
            let page: wire::Collection<T> = self.http.get_json_as(&url, &q, &self.dialect).await?;
            let next = page.next_after().map(String::from);
            out.extend(page.results);
            match next {
                Some(n) if Some(&n) == after.as_ref() => {
                    return Err(HttpError::Malformed {
                        url,
                        detail: format!("paging cursor {n:?} repeated"),
                    });
                }
                Some(n) => after = Some(n),
                None => return Ok(out),
            }
        }
        Err(HttpError::Malformed {
            url,
            detail: format!("more than {MAX_PAGES} pages"),
        })
    }

    pub async fn raw_campaigns(&self) -> Result<Vec<wire::Campaign>, HttpError> {
        let q = [("properties", CAMPAIGN_PROPERTIES.to_string())];
        self.collect("/marketing/v3/campaigns", &q).await
    }

    pub async fn raw_emails(&self) -> Result<Vec<wire::Email>, HttpError> {
        let q = [("includeStats", "false".to_string())];
        self.collect("/marketing/v3/emails", &q).await
    }

    /// Emails per campaign id, remembered for `request_for`.
    async fn emails_by_campaign(&self) -> Result<HashMap<String, Vec<wire::Email>>, HttpError> {
        let mut by: HashMap<String, Vec<wire::Email>> = HashMap::new();
        for e in self.raw_emails().await? {
            if let Some(c) = e.campaign.clone() {
                by.entry(c).or_default().push(e);
            }
        }
        *self.emails.lock().unwrap_or_else(|p| p.into_inner()) = by.clone();
        Ok(by)
    }

    pub async fn campaigns(&self) -> Result<Listed<Campaign>, HttpError> {
        let now = Utc::now();
        let raw = self.raw_campaigns().await?;
        let emails = self.emails_by_campaign().await?;
        let mut items: Vec<Campaign> = raw
            .iter()
            .map(|c| to_campaign(c, emails.get(&c.id).map(Vec::as_slice).unwrap_or(&[]), now))
            .collect();
        items.sanitize();
        Ok(Listed { items, as_of: None })
    }

    /// Hourly histogram of one set of emails between `since` and `until`.
    pub async fn histogram(
        &self,
        email_ids: &[String],
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<wire::Interval>, HttpError> {
        let url = self.url("/marketing/v3/emails/statistics/histogram");
        let mut q = vec![
            ("interval", "HOUR".to_string()),
            (
                "startTimestamp",
                since.to_rfc3339_opts(SecondsFormat::Secs, true),
            ),
            (
                "endTimestamp",
                until.to_rfc3339_opts(SecondsFormat::Secs, true),
            ),
        ];
        q.extend(email_ids.iter().map(|id| ("emailIds", id.clone())));
        let page: wire::Collection<wire::Interval> =
            self.http.get_json_as(&url, &q, &self.dialect).await?;
        Ok(page.results)
    }

    /// One histogram request per campaign with emails.
    pub async fn metrics_since(
        &self,
        since: DateTime<Utc>,
    ) -> Result<Listed<MetricSample>, HttpError> {
        let now = Utc::now();
        let by = self
            .emails
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let by = if by.is_empty() {
            self.emails_by_campaign().await?
        } else {
            by
        };
        let mut ids: Vec<&String> = by.keys().collect();
        ids.sort();
        let mut items = Vec::new();
        for campaign in ids {
            let emails: Vec<String> = by[campaign].iter().map(|e| e.id.clone()).collect();
            let intervals = self.histogram(&emails, since, now).await?;
            items.extend(to_samples(campaign, &intervals, since));
        }
        items.sanitize();
        Ok(Listed { items, as_of: None })
    }

    /// The emails a pause or resume would touch, from the last poll.
    fn targets(&self, campaign_id: &str, publish: bool) -> Result<Vec<wire::Email>, HttpError> {
        let by = self.emails.lock().unwrap_or_else(|p| p.into_inner());
        let emails = by.get(campaign_id).ok_or_else(|| {
            HttpError::Invalid(format!(
                "HubSpot campaign {campaign_id} has no known marketing emails (wait for the next poll)"
            ))
        })?;
        let automated: Vec<wire::Email> = emails
            .iter()
            .filter(|e| e.is_automated())
            .cloned()
            .collect();
        if automated.is_empty() {
            return Err(no_pause(campaign_id).into_error());
        }
        Ok(automated
            .into_iter()
            .filter(|e| e.is_published != publish)
            .collect())
    }

    /// The calls a command becomes, and for pause/resume the note that
    /// HubSpot campaigns have no pause of their own.
    pub fn request_for(&self, cmd: &OperatorCommand) -> Result<(String, Value), HttpError> {
        let (id, publish) = match &cmd.kind {
            CommandKind::Pause { campaign_id } => (campaign_id, false),
            CommandKind::Resume { campaign_id } => (campaign_id, true),
            other => return Err(unmapped(other).into_error()),
        };
        let emails = self.targets(id, publish)?;
        let verb = if publish { "publish" } else { "unpublish" };
        let calls: Vec<String> = emails
            .iter()
            .map(|e| format!("POST {}", self.email_action_url(&e.id, verb)))
            .collect();
        let names: Vec<String> = emails
            .iter()
            .map(|e| format!("{} ({})", e.name, e.id))
            .collect();
        let note = format!(
            "HubSpot campaigns cannot be {}d; mops will {verb} {} automated email(s): {}",
            if publish { "resume" } else { "pause" },
            emails.len(),
            names.join(", ")
        );
        Ok((
            calls.join("\n"),
            json!({ "capability_note": note, "emails": emails.iter().map(|e| &e.id).collect::<Vec<_>>() }),
        ))
    }

    fn email_action_url(&self, id: &str, verb: &str) -> String {
        self.url(&format!("/marketing/v3/emails/{}/{verb}", seg(id)))
    }

    /// Unpublish (pause) or publish (resume) every automated email of the
    /// campaign that is not already in that state, re-reading them first.
    pub async fn execute(&self, cmd: &OperatorCommand) -> Result<CommandOutcome, HttpError> {
        let (id, publish) = match &cmd.kind {
            CommandKind::Pause { campaign_id } => (campaign_id, false),
            CommandKind::Resume { campaign_id } => (campaign_id, true),
            other => return Err(unmapped(other).into_error()),
        };
        self.emails_by_campaign().await?;
        let emails = self.targets(id, publish)?;
        if emails.is_empty() {
            return Ok(CommandOutcome::Conflict {
                detail: format!(
                    "campaign {id} is already {}: all its automated emails are {}",
                    if publish { "running" } else { "paused" },
                    if publish { "published" } else { "unpublished" }
                ),
            });
        }
        let verb = if publish { "publish" } else { "unpublish" };
        for e in &emails {
            let key = format!("{}-{}", cmd.idempotency_key, e.id);
            self.http
                .send_json::<_, Value>(
                    Method::POST,
                    &self.email_action_url(&e.id, verb),
                    &json!({}),
                    &key,
                    &cmd.actor,
                    &self.dialect,
                )
                .await?;
        }
        Ok(CommandOutcome::Applied { replayed: false })
    }
}

fn unmapped(kind: &CommandKind) -> Unsupported {
    Unsupported {
        vendor: "HubSpot",
        capability: kind.verb(),
        note: "only pause/resume (via automated emails) are mapped".into(),
    }
}

pub fn no_pause(campaign_id: &str) -> Unsupported {
    Unsupported {
        vendor: "HubSpot",
        capability: "campaign pause",
        note: format!(
            "campaign {campaign_id} has no automated emails to unpublish; HubSpot campaigns cannot be paused"
        ),
    }
}

pub fn to_campaign(c: &wire::Campaign, emails: &[wire::Email], now: DateTime<Utc>) -> Campaign {
    let time = |k: &str| c.prop(k).and_then(lenient::parse_time);
    let num = |k: &str| {
        c.prop(k)
            .and_then(|s| s.trim().parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    let start = time("hs_start_date").or(c.created_at).unwrap_or(now);
    let end = time("hs_end_date").unwrap_or(start + Duration::days(365));
    let automated: Vec<&wire::Email> = emails.iter().filter(|e| e.is_automated()).collect();
    let all_unpublished = !automated.is_empty() && automated.iter().all(|e| !e.is_published);
    let by_dates = if end <= now {
        CampaignStatus::Completed
    } else if start > now {
        CampaignStatus::Scheduled
    } else {
        CampaignStatus::Active
    };
    let status = match c
        .prop("hs_campaign_status")
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("completed") => CampaignStatus::Completed,
        Some("planned") => CampaignStatus::Scheduled,
        Some("paused") => CampaignStatus::Paused,
        _ if all_unpublished && by_dates == CampaignStatus::Active => CampaignStatus::Paused,
        _ => by_dates,
    };
    Campaign {
        id: c.id.clone(),
        name: c.prop("hs_name").unwrap_or_default().to_string(),
        channel: Channel::Email,
        status,
        owner: c.prop("hs_owner").unwrap_or_default().to_string(),
        budget: num("hs_budget_items_sum_amount"),
        spend: num("hs_spend_items_sum_amount"),
        start,
        end,
        skus: Vec::new(),
        provider: "hubspot".into(),
        fallback: None,
        updated_at: c.updated_at.or(c.created_at).unwrap_or(now),
    }
}

/// Hour buckets strictly after `since`; empty buckets emit nothing.
pub fn to_samples(
    campaign_id: &str,
    intervals: &[wire::Interval],
    since: DateTime<Utc>,
) -> Vec<MetricSample> {
    let mut out = Vec::new();
    for i in intervals {
        let (Some(start), Some(stats)) = (i.interval.start, &i.aggregations) else {
            continue;
        };
        if start <= since || stats.counters.is_empty() {
            continue;
        }
        for (name, kind) in COUNTERS {
            if let Some(v) = stats.counters.get(name) {
                out.push(MetricSample {
                    campaign_id: campaign_id.to_string(),
                    metric: kind,
                    timestamp: start,
                    value: *v,
                });
            }
        }
    }
    out
}
