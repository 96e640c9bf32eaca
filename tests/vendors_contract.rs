//! Contract tests: the real vendor payloads in tests/fixtures/vendors
//! (provenance in SOURCES.txt) decode into our wire types and map to the
//! domain, documented quirks included.

use chrono::{TimeZone, Utc};
use mops::connectors::HttpError;
use mops::connectors::airbyte::{self, Job, PageOf};
use mops::connectors::erpnext::{self, Bin, DataList, Outflow};
use mops::connectors::hubspot::{self, wire as hs};
use mops::connectors::mautic::{self, wire as mw};
use mops::domain::{CampaignStatus, MetricKind, SyncStatus, System};
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::{Value, json};

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/vendors/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn decode<T: serde::de::DeserializeOwned>(name: &str) -> T {
    serde_json::from_str(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn headers(pairs: &[(&'static str, String)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        h.insert(*k, HeaderValue::from_str(v).unwrap());
    }
    h
}

// ---- Mautic ----

#[test]
fn mautic_campaign_list_keyed_by_id_maps_to_domain() {
    let list: mw::CampaignList = decode("mautic_campaigns_list.json");
    assert_eq!(list.total, 1.0);
    assert_eq!(list.campaigns.len(), 1);
    let c = &list.campaigns[0];
    assert_eq!((c.id.as_str(), c.name.as_str()), ("3", "Welcome Campaign"));
    assert_eq!(c.events.len(), 2);
    let emails: Vec<_> = c.events.iter().filter_map(mw::Event::email_id).collect();
    assert_eq!(emails, ["1"]);
    let now = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
    let d = mautic::to_campaign(c, now);
    assert_eq!(d.status, CampaignStatus::Active);
    assert_eq!(d.owner, "Lucine Van der Zee");
    assert_eq!(d.start.to_rfc3339(), "2015-07-15T20:06:02+00:00");
    assert_eq!(d.updated_at.to_rfc3339(), "2015-07-20T18:11:56+00:00");
}

#[test]
fn mautic_campaign_list_as_array_and_as_empty_object() {
    let mut v: Value = serde_json::from_str(&fixture("mautic_campaigns_list.json")).unwrap();
    let as_array: Vec<Value> = v["campaigns"]
        .as_object()
        .unwrap()
        .values()
        .cloned()
        .collect();
    v["campaigns"] = Value::Array(as_array);
    let list: mw::CampaignList = serde_json::from_value(v).unwrap();
    assert_eq!(list.campaigns[0].id, "3");
    for empty in [
        r#"{"total":0,"campaigns":{}}"#,
        r#"{"total":"0","campaigns":[]}"#,
    ] {
        let list: mw::CampaignList = serde_json::from_str(empty).unwrap();
        assert!(list.campaigns.is_empty(), "{empty}");
    }
}

#[test]
fn mautic_single_campaign_and_contacts() {
    let one: mw::CampaignOne = decode("mautic_campaigns_get.json");
    assert_eq!(one.campaign.name, "Email A/B Test");
    assert!(one.campaign.is_published);
    let contacts: Value = decode("mautic_campaigns_contacts.json");
    // All values are strings (raw DB rows): our lenient numbers read them.
    assert_eq!(
        mops::connectors::vendor::lenient::as_num(&contacts["total"]),
        Some(1.0)
    );
}

#[test]
fn mautic_emails_array_and_single_with_counters() {
    let list: mw::EmailList = decode("mautic_emails_list.json");
    assert_eq!(list.emails.len(), 1);
    let e = &list.emails[0];
    assert_eq!(
        (e.id.as_str(), e.sent_count, e.read_count),
        ("560", 0.0, 0.0)
    );
    let one: mw::EmailOne = decode("mautic_emails_get.json");
    assert_eq!(one.email.id, "560");
    let campaigns: mw::CampaignList = decode("mautic_campaigns_list.json");
    let mut email = e.clone();
    email.id = "1".into();
    email.sent_count = 120.0;
    email.read_count = 30.0;
    let totals = mautic::campaign_totals(&campaigns.campaigns, &[email]);
    assert_eq!(totals["3"], [120.0, 30.0]);
}

#[test]
fn mautic_stats_tables_and_rows() {
    let t: mw::StatTables = decode("mautic_stats_tables.json");
    assert!(t.available_tables.iter().any(|n| n == "email_stats"));
    assert!(
        t.table_columns["email_stats"]
            .iter()
            .any(|c| c == "date_sent")
    );
    // Verbatim doc text has a `[...]` placeholder: drop it, keep the rest.
    let text = fixture("mautic_stats_asset_downloads.txt").replace(",\n    [...]", "");
    let rows: mw::StatRows = serde_json::from_str(&text).unwrap();
    assert_eq!(rows.stats.len(), 1);
    assert_eq!(rows.stats[0]["date_download"], "2016-06-30 08:51:22");
}

#[test]
fn mautic_errors_legacy_oauth_and_current() {
    let url = "http://m/api/campaigns";
    let h = HeaderMap::new();
    let legacy = fixture("mautic_error_system_legacy.json");
    match mw::map_error(url, 403, &h, legacy.as_bytes()) {
        Some(HttpError::Api {
            status: 403,
            code,
            message,
            ..
        }) => {
            assert_eq!(code, "403");
            assert_eq!(
                message,
                "You do not have access to the requested area/action."
            );
        }
        other => panic!("{other:?}"),
    }
    let oauth = fixture("mautic_error_oauth.json");
    match mw::map_error(url, 401, &h, oauth.as_bytes()) {
        Some(HttpError::Api { code, message, .. }) => {
            assert_eq!(code, "invalid_grant");
            assert_eq!(message, "The access token provided has expired.");
        }
        other => panic!("{other:?}"),
    }
    let current = br#"{"errors":[{"code":404,"message":"Item was not found.","details":[],"type":"not_found"}]}"#;
    match mw::map_error(url, 404, &h, current) {
        Some(HttpError::Api {
            code,
            message,
            details,
            ..
        }) => {
            assert_eq!(
                (code.as_str(), message.as_str()),
                ("not_found", "Item was not found.")
            );
            assert_eq!(details, None);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn mautic_429_waits_briefly_or_fails_the_poll() {
    let template = fixture("mautic_error_429_template.txt");
    let body = template
        .trim()
        .trim_matches('\'')
        .replace("'.$rateLimit.'", "100");
    let url = "http://m/api/emails";
    let soon = headers(&[("retry-after", "2".into())]);
    match mw::map_error(url, 429, &soon, body.as_bytes()) {
        Some(HttpError::RateLimited { retry_after, .. }) => assert_eq!(retry_after.as_secs(), 2),
        other => panic!("{other:?}"),
    }
    let reset = (Utc::now().timestamp() + 1800).to_string();
    let later = headers(&[
        ("x-ratelimit-limit", "100".into()),
        ("x-ratelimit-remaining", "0".into()),
        ("x-ratelimit-reset", reset),
    ]);
    match mw::map_error(url, 429, &later, body.as_bytes()) {
        Some(e @ HttpError::Api { status: 429, .. }) => {
            assert!(!e.is_transient());
            assert!(e.to_string().contains("100 API calls per hour"), "{e}");
        }
        other => panic!("{other:?}"),
    }
}

// ---- HubSpot ----

#[test]
fn hubspot_email_list_with_stats_and_paging() {
    let page: hs::Collection<hs::Email> = decode("hubspot_marketing_emails_list.json");
    assert_eq!(page.total, Some(1));
    assert_eq!(page.next_after(), Some("MjA%3D"));
    let e = &page.results[0];
    assert_eq!(
        (e.id.as_str(), e.name.as_str()),
        ("4613448134", "Fail dmarc")
    );
    assert!(e.is_published && !e.is_automated());
    let counters = &e.stats.as_ref().unwrap().counters;
    assert_eq!((counters["sent"], counters["bounce"]), (1.0, 1.0));
}

#[test]
fn hubspot_histogram_accepts_both_statistic_names() {
    let page: hs::Collection<hs::Interval> =
        decode("hubspot_marketing_emails_statistics_histogram.json");
    assert_eq!(page.results.len(), 3);
    let first = page.results[0]
        .aggregations
        .as_ref()
        .expect("aggregateStatistic alias");
    assert_eq!(first.counters["sent"], 704.0);
    let since = Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap();
    let samples = hubspot::to_samples("c1", &page.results, since);
    // Two buckets with counters, six metrics each; the empty third bucket emits nothing.
    assert_eq!(samples.len(), 12);
    let opens: Vec<f64> = samples
        .iter()
        .filter(|s| s.metric == MetricKind::Opens)
        .map(|s| s.value)
        .collect();
    assert_eq!(opens, [443.0, 4.0]);
    let later = Utc.with_ymd_and_hms(2020, 5, 1, 4, 0, 0).unwrap();
    assert_eq!(hubspot::to_samples("c1", &page.results, later).len(), 6);
}

#[test]
fn hubspot_crm_objects_and_paging() {
    let contact: hs::CrmObject = decode("hubspot_crm_contact_object.json");
    let r = hubspot::to_record("contacts", &contact);
    assert_eq!((r.id.as_str(), r.name.as_str()), ("512", "Bryan Cooper"));
    assert_eq!(
        r.modified_at.unwrap().to_rfc3339(),
        "2019-12-07T16:50:06.678+00:00"
    );
    let deal: hs::CrmObject = decode("hubspot_crm_deal_object.json");
    let r = hubspot::to_record("deals", &deal);
    assert_eq!(r.name, "Custom data integrations");
    assert!(r.modified_at.is_some() && !r.archived);
    let next: hs::NextPage = decode("hubspot_crm_paging_next.json");
    assert_eq!(next.after, "NTI1Cg%3D%3D");
    let wrapped = json!({"results": [contact_json()], "paging": {"next": serde_json::from_str::<Value>(&fixture("hubspot_crm_paging_next.json")).unwrap()}});
    let page: hs::Collection<hs::CrmObject> = serde_json::from_value(wrapped).unwrap();
    assert_eq!(page.next_after(), Some("NTI1Cg%3D%3D"));
}

fn contact_json() -> Value {
    serde_json::from_str(&fixture("hubspot_crm_contact_object.json")).unwrap()
}

#[test]
fn hubspot_errors_carry_category_correlation_and_policy() {
    let url = "http://h/marketing/v3/emails";
    let h = HeaderMap::new();
    match hs::map_error(
        url,
        400,
        &h,
        fixture("hubspot_error_validation.json").as_bytes(),
    ) {
        Some(HttpError::Api {
            code,
            message,
            details,
            ..
        }) => {
            assert_eq!(code, "VALIDATION_ERROR");
            assert!(
                message.contains("aeb5f871-7f07-4993-9211-075dc63e7cbf"),
                "{message}"
            );
            assert_eq!(details.unwrap()["category"], "VALIDATION_ERROR");
        }
        other => panic!("{other:?}"),
    }
    let daily = fixture("hubspot_error_429_daily.json");
    match hs::map_error(url, 429, &h, daily.as_bytes()) {
        Some(e @ HttpError::Api { status: 429, .. }) => {
            assert!(
                !e.is_transient(),
                "a daily limit must not be retried inside a poll"
            );
            assert!(e.to_string().contains("daily"), "{e}");
        }
        other => panic!("{other:?}"),
    }
    let secondly = daily
        .replace("\"DAILY\"", "\"TEN_SECONDLY_ROLLING\"")
        .replace("daily limit", "secondly limit");
    let h = headers(&[("x-hubspot-ratelimit-interval-milliseconds", "10000".into())]);
    match hs::map_error(url, 429, &h, secondly.as_bytes()) {
        Some(HttpError::RateLimited { retry_after, .. }) => assert_eq!(retry_after.as_secs(), 10),
        other => panic!("{other:?}"),
    }
}

#[test]
fn hubspot_campaign_paused_when_all_automated_emails_unpublished() {
    let c: hs::Campaign = serde_json::from_value(json!({
        "id": "1b7f51a6-33c1-44d6-ba28-fe81f655dced",
        "properties": {"hs_name": "Winter", "hs_start_date": "2026-11-01", "hs_end_date": null,
                       "hs_budget_items_sum_amount": "1500.00", "hs_spend_items_sum_amount": "200"},
        "createdAt": "2026-10-30T03:30:17.883Z", "updatedAt": "2026-11-07T16:50:06.678Z"
    }))
    .unwrap();
    let mut page: hs::Collection<hs::Email> = decode("hubspot_marketing_emails_list.json");
    let mut e = page.results.remove(0);
    e.kind = Some("AUTOMATED_EMAIL".into());
    let now = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
    let d = hubspot::to_campaign(&c, std::slice::from_ref(&e), now);
    assert_eq!(
        (d.status, d.budget, d.spend),
        (CampaignStatus::Active, 1500.0, 200.0)
    );
    e.is_published = false;
    assert_eq!(
        hubspot::to_campaign(&c, &[e], now).status,
        CampaignStatus::Paused
    );
}

// ---- ERPNext / Frappe ----

#[test]
fn frappe_lists_are_wrapped_in_data() {
    let names: DataList<Value> = decode("frappe_resource_list_names.json");
    assert_eq!(names.data.len(), 2);
    let fields: DataList<Value> = decode("frappe_resource_list_fields.json");
    assert_eq!(fields.data[0]["first_name"], "Jane");
    // No vendor example exists for Bin rows: this one follows the DocType's fields.
    let bins: DataList<Bin> = serde_json::from_value(json!({"data": [
        {"item_code": "SKU-1001", "warehouse": "Stores - AC", "actual_qty": 120.0,
         "reserved_qty": 20.0, "projected_qty": "100", "modified": "2026-11-30 10:00:00.123456"}
    ]}))
    .unwrap();
    let out: Vec<Outflow> = vec![Outflow {
        item_code: "SKU-1001".into(),
        warehouse: "Stores - AC".into(),
        qty: -70.0,
    }];
    let levels = erpnext::to_levels(&bins.data, &out, Utc::now());
    assert_eq!(levels[0].projected, 100.0);
    assert_eq!(levels[0].daily_sell_through, 10.0);
    assert_eq!(levels[0].days_of_cover(), Some(10.0));
}

#[test]
fn frappe_errors_read_plainly() {
    let url = "http://e/api/resource/Bin";
    let h = HeaderMap::new();
    let msgs = serde_json::to_string(&vec![
        json!({"message": "Field not permitted in query: foo"}).to_string(),
    ])
    .unwrap();
    let body = json!({"exc_type": "DataError", "_server_messages": msgs}).to_string();
    match erpnext::map_error(url, 417, &h, body.as_bytes()) {
        Some(HttpError::Api {
            status: 417,
            code,
            message,
            ..
        }) => {
            assert_eq!(code, "DataError");
            assert!(
                message.starts_with("Field not permitted in query: foo"),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
    match erpnext::map_error(url, 403, &h, b"<html>Forbidden</html>") {
        Some(HttpError::Api { code, message, .. }) => {
            assert_eq!(code, "PermissionError");
            assert!(message.contains("key:secret"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    let h = headers(&[("retry-after", "7".into())]);
    assert!(matches!(
        erpnext::map_error(url, 429, &h, b""),
        Some(HttpError::RateLimited { retry_after, .. }) if retry_after.as_secs() == 7
    ));
}

// ---- Airbyte ----

#[test]
fn airbyte_job_list_with_next_link_and_id_alias() {
    let page: PageOf<Job> = decode("airbyte_jobs_list.json");
    assert_eq!(
        page.next.as_deref(),
        Some("https://api.airbyte.com/v1/jobs?limit=5&offset=10")
    );
    assert!(page.previous.is_some());
    assert_eq!(page.data[0].job_id, "18dccc91-0ab1-4f72-9ed7-0b8fc27c5826");
    assert_eq!(page.data[0].status, "running");
    let created: Job = decode("airbyte_job_create_response.json");
    assert_eq!(
        (created.job_id.as_str(), created.status.as_str()),
        ("1234", "running")
    );
}

#[test]
fn airbyte_streaks_become_sync_job_health() {
    let conn: airbyte::Connection = serde_json::from_value(json!({
        "connectionId": "c-1", "name": "CRM → Marketing contacts"
    }))
    .unwrap();
    let job = |id: u32, status: &str, start: &str| -> Job {
        serde_json::from_value(json!({"jobId": id, "status": status, "jobType": "sync",
            "connectionId": "c-1", "startTime": start, "duration": "PT2M"}))
        .unwrap()
    };
    let recent = vec![
        job(4, "failed", "2026-12-01T10:00:00Z"),
        job(3, "incomplete", "2026-12-01T09:00:00Z"),
        job(2, "succeeded", "2026-12-01T08:00:00Z"),
    ];
    let s = airbyte::to_sync_job(&conn, &recent);
    assert_eq!(
        (s.source, s.target, s.status),
        (System::Crm, System::Marketing, SyncStatus::Failed)
    );
    assert_eq!(
        s.failing_since.unwrap().to_rfc3339(),
        "2026-12-01T09:00:00+00:00"
    );
    assert_eq!(
        s.last_success.unwrap().to_rfc3339(),
        "2026-12-01T08:02:00+00:00"
    );
    assert_eq!(s.retries, 1);
    assert!(s.error.unwrap().contains("2 failed runs"));
    let mut retrying = recent.clone();
    retrying.insert(0, job(5, "running", "2026-12-01T10:30:00Z"));
    assert_eq!(
        airbyte::to_sync_job(&conn, &retrying).status,
        SyncStatus::Retrying
    );
    let failures = airbyte::to_failures(&recent);
    assert_eq!(failures.len(), 2);
    assert_eq!(failures[0].error, "Airbyte job 4 failed");
    assert_eq!(
        airbyte::iso_duration("P1DT2H3M4.5S")
            .unwrap()
            .num_milliseconds(),
        93_784_500
    );
    assert_eq!(
        airbyte::systems_of("erp-to-crm stock"),
        (System::Erp, System::Crm)
    );
}
