//! Mautic (marketing): campaigns, per-email counters, stats tables and
//! pause/resume through the campaign's `isPublished` flag.
//!
//! Mautic keeps only lifetime counters per email (`sentCount`, `readCount`),
//! so hourly buckets are derived from successive polls: the first poll sets
//! a baseline and emits nothing; later polls fill the current hour.
//!
//! `sentCount` counts messages Mautic's transport accepted, so it is reported
//! as deliveries. No sends are reported: Mautic does not know attempts that
//! failed, and a delivery rate judged without them would be invented.

pub mod wire;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, DurationRound, Utc};
use reqwest::Method;
use serde_json::{Value, json};

use super::sanitize::Sanitize;
use super::vendor::{Unsupported, basic_or_bearer, lenient, seg};
use super::{CommandOutcome, Dialect, HttpClient, HttpError, Listed, Secret};
use crate::domain::{
    Campaign, CampaignStatus, Channel, CommandKind, MetricKind, MetricSample, OperatorCommand,
};

const PAGE: usize = 100;
const MAX_PAGES: usize = 10_000;
/// Campaigns without a publish-down date are shown with a one-year flight.
const OPEN_ENDED: i64 = 365;

pub struct MauticClient {
    http: Arc<HttpClient>,
    base: String,
    dialect: Dialect,
    counters: Mutex<Counters>,
}

/// (sent, read) lifetime counters.
type Pair = [f64; 2];

/// Per campaign: hour -> (counters at the start of the hour, latest counters).
#[derive(Default)]
struct Counters {
    hours: HashMap<String, BTreeMap<DateTime<Utc>, (Pair, Pair)>>,
}

impl MauticClient {
    /// `base` is the Mautic root (the API lives under `{base}/api`); a
    /// `user:password` token means Basic auth, anything else OAuth2 bearer.
    pub fn new(http: Arc<HttpClient>, base: &str, token: &Secret) -> Self {
        MauticClient {
            http,
            base: base.trim_end_matches('/').to_string(),
            dialect: Dialect {
                auth: basic_or_bearer(token),
                errors: Some(wire::map_error),
            },
            counters: Mutex::new(Counters::default()),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/api/{path}", self.base)
    }

    /// Page with `start`/`limit` until `total` rows (or an empty page) arrived.
    async fn all<P, T>(
        &self,
        path: &str,
        extra: &[(&str, String)],
        split: impl Fn(P) -> (f64, Vec<T>),
    ) -> Result<Vec<T>, HttpError>
    where
        P: serde::de::DeserializeOwned,
    {
        let url = self.url(path);
        let mut out = Vec::new();
        for _ in 0..MAX_PAGES {
            let mut q: Vec<(&str, String)> = extra.to_vec();
            q.push(("start", out.len().to_string()));
            q.push(("limit", PAGE.to_string()));
            let page: P = self.http.get_json_as(&url, &q, &self.dialect).await?;
            let (total, mut items) = split(page);
            let got = items.len();
            out.append(&mut items);
            if got == 0 || out.len() as f64 >= total {
                return Ok(out);
            }
        }
        Err(HttpError::Malformed {
            url,
            detail: format!("more than {MAX_PAGES} pages"),
        })
    }

    pub async fn raw_campaigns(&self) -> Result<Vec<wire::Campaign>, HttpError> {
        let q = [("orderBy", "id".to_string())];
        self.all("campaigns", &q, |p: wire::CampaignList| {
            (p.total, p.campaigns)
        })
        .await
    }

    pub async fn emails(&self) -> Result<Vec<wire::Email>, HttpError> {
        let q = [("orderBy", "id".to_string())];
        self.all("emails", &q, |p: wire::EmailList| (p.total, p.emails))
            .await
    }

    pub async fn stat_tables(&self) -> Result<wire::StatTables, HttpError> {
        self.http
            .get_json_as(&self.url("stats"), &[], &self.dialect)
            .await
    }

    /// Raw rows of one stats table with `col >= since` (values sanitised).
    pub async fn stats_since(
        &self,
        table: &str,
        col: &str,
        since: DateTime<Utc>,
    ) -> Result<Vec<BTreeMap<String, Value>>, HttpError> {
        let q = [
            ("where[0][col]", col.to_string()),
            ("where[0][expr]", "gte".to_string()),
            (
                "where[0][val]",
                since.format("%Y-%m-%d %H:%M:%S").to_string(),
            ),
        ];
        let mut rows = self
            .all(&format!("stats/{}", seg(table)), &q, |p: wire::StatRows| {
                (p.total, p.stats)
            })
            .await?;
        for row in &mut rows {
            for v in row.values_mut() {
                if let Value::String(s) = v {
                    *s = crate::domain::sanitize::clean(s);
                }
            }
        }
        Ok(rows)
    }

    pub async fn campaigns(&self) -> Result<Listed<Campaign>, HttpError> {
        let now = Utc::now();
        let mut items: Vec<Campaign> = self
            .raw_campaigns()
            .await?
            .iter()
            .map(|c| to_campaign(c, now))
            .collect();
        items.sanitize();
        Ok(Listed { items, as_of: None })
    }

    /// Deliveries and opens per campaign for the hours observed since `since`.
    pub async fn metrics_since(
        &self,
        since: DateTime<Utc>,
    ) -> Result<Listed<MetricSample>, HttpError> {
        let campaigns = self.raw_campaigns().await?;
        let emails = self.emails().await?;
        let now = Utc::now();
        let totals = campaign_totals(&campaigns, &emails);
        let mut items = self.observe(now, &totals, since);
        items.sanitize();
        Ok(Listed { items, as_of: None })
    }

    fn observe(
        &self,
        now: DateTime<Utc>,
        totals: &HashMap<String, [f64; 2]>,
        since: DateTime<Utc>,
    ) -> Vec<MetricSample> {
        let hour = now.duration_trunc(Duration::hours(1)).unwrap_or(now);
        let mut c = self.counters.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = Vec::new();
        for (id, cur) in totals {
            let hours = c.hours.entry(id.clone()).or_default();
            let first_sight = hours.is_empty();
            let start = hours
                .values()
                .next_back()
                .map_or(*cur, |(_, latest)| *latest);
            let slot = hours.entry(hour).or_insert((start, start));
            slot.1 = *cur;
            while hours.len() > 3 {
                hours.pop_first();
            }
            if first_sight {
                continue;
            }
            for (t, (from, to)) in hours.iter() {
                if *t <= since {
                    continue;
                }
                for (k, kind) in [MetricKind::Deliveries, MetricKind::Opens]
                    .into_iter()
                    .enumerate()
                {
                    out.push(MetricSample {
                        campaign_id: id.clone(),
                        metric: kind,
                        timestamp: *t,
                        // A counter that went down was reset; count from zero.
                        value: (to[k] - from[k]).max(0.0),
                    });
                }
            }
        }
        out
    }

    /// `PATCH /api/campaigns/{id}/edit` with `isPublished` 0 or 1.
    pub fn request_for(&self, cmd: &OperatorCommand) -> Result<(String, Value), HttpError> {
        let (id, publish) = match &cmd.kind {
            CommandKind::Pause { campaign_id } => (campaign_id, 0),
            CommandKind::Resume { campaign_id } => (campaign_id, 1),
            other => return Err(unsupported(other).into_error()),
        };
        Ok((
            format!("PATCH {}", self.url(&format!("campaigns/{}/edit", seg(id)))),
            json!({ "isPublished": publish }),
        ))
    }

    pub async fn execute(&self, cmd: &OperatorCommand) -> Result<CommandOutcome, HttpError> {
        let (line, body) = self.request_for(cmd)?;
        let url = line.trim_start_matches("PATCH ");
        self.http
            .send_json::<_, Value>(
                Method::PATCH,
                url,
                &body,
                &cmd.idempotency_key,
                &cmd.actor,
                &self.dialect,
            )
            .await?;
        // Setting a flag is naturally idempotent: a repeat changes nothing.
        Ok(CommandOutcome::Applied { replayed: false })
    }
}

fn unsupported(kind: &CommandKind) -> Unsupported {
    Unsupported {
        vendor: "Mautic",
        capability: kind.verb(),
        note: "Mautic can only publish or unpublish a campaign (pause/resume)".into(),
    }
}

/// Lifetime (sent, read) per campaign, summed over the emails its
/// `email.send` events send.
pub fn campaign_totals(
    campaigns: &[wire::Campaign],
    emails: &[wire::Email],
) -> HashMap<String, [f64; 2]> {
    let by_id: HashMap<&str, &wire::Email> = emails.iter().map(|e| (e.id.as_str(), e)).collect();
    campaigns
        .iter()
        .map(|c| {
            let mut t = [0.0; 2];
            let mut seen = std::collections::HashSet::new();
            for email in c.events.iter().filter_map(wire::Event::email_id) {
                if let (true, Some(e)) = (seen.insert(email.clone()), by_id.get(email.as_str())) {
                    t[0] += e.sent_count;
                    t[1] += e.read_count;
                }
            }
            (c.id.clone(), t)
        })
        .collect()
}

pub fn to_campaign(c: &wire::Campaign, now: DateTime<Utc>) -> Campaign {
    let time = |s: &Option<String>| s.as_deref().and_then(lenient::parse_time);
    let added = time(&c.date_added);
    let start = time(&c.publish_up).or(added).unwrap_or(now);
    let down = time(&c.publish_down);
    let status = if !c.is_published {
        CampaignStatus::Paused
    } else if down.is_some_and(|d| d <= now) {
        CampaignStatus::Completed
    } else if start > now {
        CampaignStatus::Scheduled
    } else {
        CampaignStatus::Active
    };
    Campaign {
        id: c.id.clone(),
        name: c.name.clone(),
        channel: Channel::Email,
        status,
        owner: c.created_by_user.clone().unwrap_or_default(),
        budget: 0.0,
        spend: 0.0,
        start,
        end: down.unwrap_or(start + Duration::days(OPEN_ENDED)),
        skus: Vec::new(),
        provider: "mautic".into(),
        fallback: None,
        updated_at: time(&c.date_modified).or(added).unwrap_or(now),
    }
}
