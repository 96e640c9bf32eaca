use chrono::Duration;
use mops::domain::snapshot::HourBucket;
use mops::domain::{
    Campaign, CampaignStatus, Channel, Freshness, InventoryLevel, Snapshot, System,
};
use mops::store::{HISTORY_RETENTION_DAYS, HISTORY_WINDOW_DAYS, Session, StoreError};

use super::{open, raw_sled, t};

fn campaign(id: &str) -> Campaign {
    Campaign {
        id: id.into(),
        name: format!("Campaign {id}"),
        channel: Channel::Email,
        status: CampaignStatus::Active,
        owner: "ana".into(),
        budget: 1000.0,
        spend: 123.45,
        start: t(0),
        end: t(24 * 30),
        skus: vec!["SKU-1".into()],
        provider: "sendgrid".into(),
        fallback: None,
        updated_at: t(5),
    }
}

fn bucket(h: i64, base: f64) -> HourBucket {
    HourBucket {
        ts: t(h),
        values: [base, base - 1.0, 30.0, 4.0, 0.0, 0.0, 1.0, base * 0.37],
    }
}

#[test]
fn snapshot_round_trips_with_a_14_day_history_window() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    assert_eq!(store.load_snapshot().unwrap(), None);
    let cursor = t(24 * 20);
    let mut snap = Snapshot {
        campaigns: vec![campaign("c1"), campaign("c2"), campaign("quiet")],
        stock: vec![InventoryLevel {
            sku: "SKU-1".into(),
            warehouse: "AMS".into(),
            on_hand: 10.0,
            reserved: 2.0,
            projected: 8.0,
            daily_sell_through: 1.5,
            updated_at: t(3),
        }],
        metrics_cursor: Some(cursor),
        ..Default::default()
    };
    snap.freshness.insert(
        System::Crm,
        Freshness {
            fetched_at: Some(t(7)),
            last_attempt: Some(t(8)),
            last_error: Some("timeout".into()),
            failures: 1,
            server_time: Some(t(6)),
        },
    );
    let all: Vec<HourBucket> = (0..=24 * 20).map(|h| bucket(h, h as f64)).collect();
    store.append_history("c1", &all).unwrap();
    store.append_history("c2", &all[..3]).unwrap();
    store.append_history("not-in-snapshot", &all).unwrap();
    // History in the snapshot itself is not what gets stored.
    snap.history.insert("c1".into(), vec![bucket(0, 999.0)]);
    store.save_snapshot(&snap).unwrap();
    drop(store);

    let loaded = open(dir.path()).load_snapshot().unwrap().unwrap();
    let since = cursor - Duration::days(HISTORY_WINDOW_DAYS);
    let expected: Vec<HourBucket> = all.iter().copied().filter(|b| b.ts >= since).collect();
    assert_eq!(expected.len(), 24 * 14 + 1);
    assert_eq!(loaded.history["c1"], expected);
    assert!(!loaded.history.contains_key("c2"), "all of c2 is too old");
    assert_eq!(loaded.history.len(), 1);
    snap.history = loaded.history.clone();
    assert_eq!(loaded, snap);
}

#[test]
fn history_upserts_by_hour_and_filters_since() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    store
        .append_history("c1", &[bucket(1, 10.0), bucket(2, 20.0), bucket(3, 30.0)])
        .unwrap();
    store.append_history("c10", &[bucket(2, 5.0)]).unwrap();
    // Re-reported hour 2, with a timestamp inside the hour: replaces it.
    let mut late = bucket(2, 21.0);
    late.ts += Duration::minutes(30);
    store.append_history("c1", &[late]).unwrap();

    let got = store.history("c1", t(0)).unwrap();
    assert_eq!(got, vec![bucket(1, 10.0), bucket(2, 21.0), bucket(3, 30.0)]);
    let from_mid_hour = store.history("c1", t(2) + Duration::minutes(10)).unwrap();
    assert_eq!(from_mid_hour, vec![bucket(2, 21.0), bucket(3, 30.0)]);
    assert_eq!(store.history("c1", t(4)).unwrap(), vec![]);
    assert_eq!(store.history("c10", t(0)).unwrap(), vec![bucket(2, 5.0)]);
    assert_eq!(store.history("c", t(0)).unwrap(), vec![]);

    let err = store
        .append_history("bad\0id", &[bucket(1, 1.0)])
        .unwrap_err();
    assert!(matches!(err, StoreError::InvalidId { .. }), "{err:?}");
}

#[test]
fn prune_keeps_exactly_90_days_for_every_campaign() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let days = HISTORY_RETENTION_DAYS + 5;
    let hours: Vec<HourBucket> = (0..days * 24).map(|h| bucket(h, h as f64 + 1.0)).collect();
    for id in ["a", "b", "c"] {
        store.append_history(id, &hours).unwrap();
    }
    let now = t(days * 24);
    let removed = store.prune_history(now).unwrap();
    assert_eq!(removed, 3 * 5 * 24);
    let cutoff = now - Duration::days(HISTORY_RETENTION_DAYS);
    for id in ["a", "b", "c"] {
        let kept = store.history(id, t(0)).unwrap();
        assert_eq!(kept.len() as i64, HISTORY_RETENTION_DAYS * 24, "{id}");
        assert_eq!(kept[0].ts, cutoff);
        assert_eq!(kept.last().unwrap().ts, t(days * 24 - 1));
    }
    assert_eq!(store.prune_history(now).unwrap(), 0, "idempotent");
}

#[test]
fn session_and_engine_blob_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    assert_eq!(store.load_session().unwrap(), None);
    assert_eq!(store.load_engine_state().unwrap(), None);
    let s = Session {
        view: "alerts".into(),
        filter: "channel:email bounce".into(),
        left_at: t(42),
    };
    store.save_session(&s).unwrap();
    let blob: Vec<u8> = (0..=255u8).cycle().take(5000).collect();
    store.save_engine_state(&blob).unwrap();
    drop(store);
    let store = open(dir.path());
    assert_eq!(store.load_session().unwrap(), Some(s));
    assert_eq!(store.load_engine_state().unwrap(), Some(blob));
    store.save_engine_state(b"v2").unwrap();
    assert_eq!(
        store.load_engine_state().unwrap().as_deref(),
        Some(&b"v2"[..])
    );
}

#[test]
fn prune_cuts_inside_a_day_and_keeps_sparse_hours() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    // Every third hour over 100 days, for one campaign.
    let hours: Vec<HourBucket> = (0..100 * 24)
        .step_by(3)
        .map(|h| bucket(h, h as f64 + 2.0))
        .collect();
    store.append_history("x", &hours).unwrap();
    let now = t(100 * 24 + 7);
    let cutoff = now - Duration::days(HISTORY_RETENTION_DAYS);
    let expected: Vec<HourBucket> = hours.iter().copied().filter(|b| b.ts >= cutoff).collect();
    let removed = store.prune_history(now).unwrap();
    assert_eq!(removed, hours.len() - expected.len());
    assert_eq!(store.history("x", t(0)).unwrap(), expected);
    // Hours written later into a trimmed day land next to the survivors.
    store
        .append_history("x", &[bucket(10 * 24 + 8, 1.0)])
        .unwrap();
    assert_eq!(
        store.history("x", cutoff).unwrap()[0],
        bucket(10 * 24 + 8, 1.0)
    );
    assert_eq!(store.history("x", cutoff).unwrap()[1], expected[0]);
}

#[test]
fn sealing_completed_days_changes_nothing_visible() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let hours: Vec<HourBucket> = (0..3 * 24 + 5).map(|h| bucket(h, h as f64 + 1.0)).collect();
    store.append_history("s", &hours).unwrap();
    let before = store.history("s", t(0)).unwrap();
    assert_eq!(store.prune_history(t(3 * 24 + 5)).unwrap(), 0);
    assert_eq!(store.history("s", t(0)).unwrap(), before);
    assert_eq!(store.history("s", t(30)).unwrap(), before[30..]);

    // Late data for a sealed day wins at once and after the next seal.
    store.append_history("s", &[bucket(25, 7.0)]).unwrap();
    assert_eq!(store.history("s", t(25)).unwrap()[0], bucket(25, 7.0));
    store.prune_history(t(3 * 24 + 6)).unwrap();
    let after = store.history("s", t(0)).unwrap();
    assert_eq!(after[25], bucket(25, 7.0));
    assert_eq!(after.len(), before.len());
    drop(store);

    // Only today's hours are left in per-hour form.
    let db = raw_sled(&dir.path().join("cache"));
    assert_eq!(db.open_tree("history_recent").unwrap().len(), 5);
    assert_eq!(db.open_tree("history").unwrap().len(), 3);
}
