//! HubSpot CRM v3: contacts and deals, listed with cursor paging
//! (`paging.next.after`) or searched incrementally on their last-modified
//! property. mops has no domain slot for CRM records yet: these calls serve
//! incremental-sync checks and tools, not the pollers.

use chrono::{DateTime, Utc};
use reqwest::Method;
use serde_json::json;

use super::{HubSpotClient, MAX_PAGES, wire};
use crate::connectors::HttpError;
use crate::connectors::vendor::{lenient, seg};

/// A CRM object reduced to what incremental sync needs.
#[derive(Debug, Clone, PartialEq)]
pub struct CrmRecord {
    pub kind: String,
    pub id: String,
    pub name: String,
    pub modified_at: Option<DateTime<Utc>>,
    pub archived: bool,
}

impl HubSpotClient {
    /// Contacts or deals modified after `since`, via the search endpoint
    /// (sorted ascending on the last-modified property, cursor-paged).
    pub async fn modified_since(
        &self,
        kind: &str,
        since: DateTime<Utc>,
    ) -> Result<Vec<CrmRecord>, HttpError> {
        let prop = modified_property(kind);
        let url = self.url(&format!("/crm/v3/objects/{}/search", seg(kind)));
        let mut out = Vec::new();
        let mut after: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut body = json!({
                "filterGroups": [{ "filters": [{
                    "propertyName": prop, "operator": "GT",
                    "value": since.timestamp_millis().to_string()
                }]}],
                "sorts": [{ "propertyName": prop, "direction": "ASCENDING" }],
                "properties": name_properties(kind).iter().chain([&prop]).collect::<Vec<_>>(),
                "limit": 100,
            });
            if let Some(a) = &after {
                body["after"] = json!(a);
            }
            // A search is a read: a fresh key each time, never a replay.
            let key = uuid::Uuid::new_v4().to_string();
            let page = self
                .http
                .send_json::<_, wire::Collection<wire::CrmObject>>(
                    Method::POST,
                    &url,
                    &body,
                    &key,
                    "mops",
                    &self.dialect,
                )
                .await?
                .body;
            let next = page.next_after().map(String::from);
            out.extend(page.results.iter().map(|o| to_record(kind, o)));
            match next {
                Some(n) if Some(&n) != after.as_ref() => after = Some(n),
                _ => return Ok(out),
            }
        }
        Ok(out)
    }

    /// Every contact or deal, cursor-paged (`paging.next.after`).
    pub async fn list_objects(&self, kind: &str) -> Result<Vec<CrmRecord>, HttpError> {
        let mut props: Vec<&str> = name_properties(kind).to_vec();
        props.push(modified_property(kind));
        let q = [("properties", props.join(","))];
        let raw: Vec<wire::CrmObject> = self
            .collect(&format!("/crm/v3/objects/{}", seg(kind)), &q)
            .await?;
        Ok(raw.iter().map(|o| to_record(kind, o)).collect())
    }
}

pub(super) fn modified_property(kind: &str) -> &'static str {
    if kind == "contacts" {
        "lastmodifieddate"
    } else {
        "hs_lastmodifieddate"
    }
}

fn name_properties(kind: &str) -> &'static [&'static str] {
    match kind {
        "contacts" => &["firstname", "lastname", "email"],
        "deals" => &["dealname"],
        _ => &["name"],
    }
}

pub fn to_record(kind: &str, o: &wire::CrmObject) -> CrmRecord {
    use crate::domain::sanitize::clean;
    let p = |k: &str| {
        o.properties
            .get(k)
            .cloned()
            .flatten()
            .filter(|s| !s.is_empty())
    };
    let name = match kind {
        "contacts" => [p("firstname"), p("lastname")]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" "),
        "deals" => p("dealname").unwrap_or_default(),
        _ => p("name").unwrap_or_default(),
    };
    let name = if name.is_empty() {
        p("email").unwrap_or_default()
    } else {
        name
    };
    CrmRecord {
        kind: kind.to_string(),
        id: clean(&o.id),
        name: clean(&name),
        modified_at: p(modified_property(kind))
            .and_then(|s| lenient::parse_time(&s))
            .or(o.updated_at),
        archived: o.archived,
    }
}
