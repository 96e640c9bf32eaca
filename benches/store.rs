//! Store benchmarks at the target scale: 10,000 campaigns.
//!
//! - `load_snapshot_cold`: open the store and load the snapshot with 14 days
//!   of hourly history per campaign (3.36 M buckets), as at startup.
//! - `append_poll`: write one poll's worth of history (one bucket for each of
//!   10,000 campaigns), per campaign and as one batch.
//!
//! Also prints the on-disk size of the 14-day data set once, from which the
//! 90-day figure in docs/storage.md is extrapolated.
//! `MOPS_BENCH_CAMPAIGNS` shrinks the data set for a quick try.

use std::path::Path;
use std::time::Instant;

use chrono::{DateTime, Duration, TimeZone, Utc};
use criterion::{BatchSize, Criterion, criterion_group};
use mops::domain::snapshot::HourBucket;
use mops::domain::{Campaign, CampaignStatus, Channel, Snapshot};
use mops::store::Store;

const DAYS: i64 = 14;

fn campaigns() -> usize {
    std::env::var("MOPS_BENCH_CAMPAIGNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000)
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap()
}

fn id(i: usize) -> String {
    format!("cmp-{i:05}")
}

fn bucket(ts: DateTime<Utc>, seed: usize) -> HourBucket {
    let sends = (seed % 5_000 + 100) as f64;
    HourBucket {
        ts,
        values: [
            sends,
            sends - 3.0,
            (seed % 900) as f64,
            (seed % 97) as f64,
            (seed % 7) as f64,
            (seed % 3) as f64,
            (seed % 11) as f64,
            sends * 0.0123,
        ],
    }
}

fn snapshot(n: usize) -> Snapshot {
    let start = t0();
    let campaigns = (0..n)
        .map(|i| Campaign {
            id: id(i),
            name: format!("Winter sale wave {i}"),
            channel: Channel::ALL[i % Channel::ALL.len()],
            status: CampaignStatus::Active,
            owner: format!("owner{}", i % 40),
            budget: 10_000.0,
            spend: (i % 10_000) as f64,
            start,
            end: start + Duration::days(60),
            skus: vec![format!("SKU-{}", i % 500)],
            provider: "sendgrid".into(),
            fallback: None,
            updated_at: start,
        })
        .collect();
    Snapshot {
        campaigns,
        metrics_cursor: Some(start + Duration::days(DAYS) - Duration::hours(1)),
        ..Default::default()
    }
}

fn dir_size(path: &Path) -> u64 {
    std::fs::read_dir(path)
        .map(|rd| {
            rd.flatten()
                .map(|e| match e.metadata() {
                    Ok(m) if m.is_dir() => dir_size(&e.path()),
                    Ok(m) => m.len(),
                    Err(_) => 0,
                })
                .sum()
        })
        .unwrap_or(0)
}

/// Builds the 14-day data set once and reports how long and how big it was.
fn build(dir: &Path, n: usize) {
    let (store, _) = Store::open(dir).expect("open bench store");
    let started = Instant::now();
    store.save_snapshot(&snapshot(n)).expect("save snapshot");
    // Day by day, one batch per poll-sized slice, then the daily seal: the
    // shape of real use, so the recent tree never holds more than a day.
    let mut seal_time = std::time::Duration::ZERO;
    for day in 0..DAYS {
        let hours: Vec<DateTime<Utc>> = (day * 24..(day + 1) * 24)
            .map(|h| t0() + Duration::hours(h))
            .collect();
        for chunk in (0..n).collect::<Vec<_>>().chunks(1_000) {
            let series: Vec<(String, Vec<HourBucket>)> = chunk
                .iter()
                .map(|&i| (id(i), hours.iter().map(|&ts| bucket(ts, i)).collect()))
                .collect();
            store
                .append_history_many(series.iter().map(|(c, b)| (c.as_str(), b.as_slice())))
                .expect("append history");
        }
        let sealing = Instant::now();
        store
            .prune_history(t0() + Duration::days(day + 1))
            .expect("daily maintenance");
        seal_time += sealing.elapsed();
    }
    eprintln!(
        "daily maintenance (seal {n} campaigns x 24 h): {:.1?} per day",
        seal_time / DAYS as u32
    );
    store.flush_cache().expect("flush");
    let built = started.elapsed();
    drop(store);
    let bytes = dir_size(&dir.join("cache"));
    let buckets = n as u64 * DAYS as u64 * 24;
    eprintln!(
        "data set: {n} campaigns x {DAYS} days = {buckets} buckets, built in {built:.1?}; \
         cache on disk {:.1} MiB ({:.1} bytes/bucket); 90 days extrapolated: {:.0} MiB",
        bytes as f64 / 1048576.0,
        bytes as f64 / buckets as f64,
        bytes as f64 * 90.0 / DAYS as f64 / 1048576.0,
    );
}

fn benches(c: &mut Criterion) {
    let n = campaigns();
    let dir = tempfile::tempdir().expect("bench tempdir");
    build(dir.path(), n);

    let mut g = c.benchmark_group("store");
    g.sample_size(10);
    g.bench_function("load_snapshot_cold", |b| {
        b.iter(|| {
            let (store, _) = Store::open(dir.path()).expect("open");
            let snap = store.load_snapshot().expect("load").expect("saved");
            assert_eq!(snap.history.len(), n);
            snap
        })
    });

    let (store, _) = Store::open(dir.path()).expect("open");
    let ids: Vec<String> = (0..n).map(id).collect();
    let mut hour = DAYS * 24;
    g.bench_function("append_poll_per_campaign", |b| {
        b.iter_batched(
            || {
                hour += 1;
                bucket(t0() + Duration::hours(hour), hour as usize)
            },
            |bk| {
                for c in &ids {
                    store.append_history(c, &[bk]).expect("append");
                }
            },
            BatchSize::PerIteration,
        )
    });
    g.bench_function("append_poll_one_batch", |b| {
        b.iter_batched(
            || {
                hour += 1;
                [bucket(t0() + Duration::hours(hour), hour as usize)]
            },
            |bk| {
                store
                    .append_history_many(ids.iter().map(|c| (c.as_str(), &bk[..])))
                    .expect("append");
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
    store.flush_cache().expect("flush");
    drop(store);
    eprintln!(
        "after {} more hourly polls: cache on disk {:.1} MiB",
        hour - DAYS * 24,
        dir_size(&dir.path().join("cache")) as f64 / 1048576.0
    );
}

criterion_group!(store_benches, benches);

/// One-off: `MOPS_BENCH_SOAK_POLLS=720` appends that many hourly polls the way
/// the poller does and prints the on-disk size as it grows (sled keeps old
/// versions until it cleans segments, so steady state differs from a bulk load).
fn soak(polls: i64) {
    let n = campaigns();
    let dir = tempfile::tempdir().expect("soak tempdir");
    let (store, _) = Store::open(dir.path()).expect("open soak store");
    let ids: Vec<String> = (0..n).map(id).collect();
    let started = Instant::now();
    for h in 0..polls {
        let bk = [bucket(t0() + Duration::hours(h), h as usize)];
        for c in &ids {
            store.append_history(c, &bk).expect("append");
        }
        if (h + 1) % 24 == 0 {
            store
                .prune_history(t0() + Duration::hours(h + 1))
                .expect("daily maintenance");
        }
        if (h + 1) % 120 == 0 || h + 1 == polls {
            store.flush_cache().expect("flush");
            let bytes = dir_size(&dir.path().join("cache"));
            let buckets = n as u64 * (h as u64 + 1);
            eprintln!(
                "soak: {n} campaigns, {} polls, {:.1?}: {:.1} MiB on disk, {:.1} bytes/bucket",
                h + 1,
                started.elapsed(),
                bytes as f64 / 1048576.0,
                bytes as f64 / buckets as f64
            );
        }
    }
}

fn main() {
    if let Some(polls) = std::env::var("MOPS_BENCH_SOAK_POLLS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        soak(polls);
        return;
    }
    store_benches();
    Criterion::default().configure_from_args().final_summary();
}
