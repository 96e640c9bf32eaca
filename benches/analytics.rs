//! Throughput of the anomaly detector, the backtest command and one engine
//! evaluation. Run briefly: `cargo bench --bench analytics -- --warm-up-time 1 --measurement-time 3`.

use std::hint::black_box;
use std::io::{BufReader, BufWriter, Write};

use chrono::{Duration, TimeZone, Utc};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mops::analytics::{AnomalyPolicy, Detector, Engine, Policy};
use mops::commands::backtest::score_stream;
use mops::domain::snapshot::HourBucket;
use mops::domain::{Campaign, CampaignStatus, Channel, InventoryLevel, Snapshot};

const T0: i64 = 1_793_577_600; // 2026-11-02 00:00 UTC

fn value(i: u64) -> f64 {
    // Daily cycle plus cheap deterministic jitter; a spike every 5,000 points.
    let mut x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x ^= x >> 29;
    let jitter = (x % 1000) as f64 / 100.0;
    let cycle = 20.0 * ((i % 24) as f64 / 24.0 * std::f64::consts::TAU).sin();
    let spike = if i % 5000 == 4999 { 200.0 } else { 0.0 };
    100.0 + cycle + jitter + spike
}

fn detector(c: &mut Criterion) {
    let n = 100_000u64;
    let points: Vec<(i64, f64)> = (0..n).map(|i| (T0 + i as i64 * 3600, value(i))).collect();
    let mut g = c.benchmark_group("detector");
    g.throughput(Throughput::Elements(n));
    g.bench_function("observe_100k_hourly_points", |b| {
        b.iter(|| {
            let mut d = Detector::new(AnomalyPolicy::default(), 1e-9);
            let mut sum = 0.0;
            for &(ts, v) in &points {
                sum += d.observe(ts, v).map_or(0.0, |s| s.score);
            }
            black_box(sum)
        })
    });
    g.finish();
}

fn backtest(c: &mut Criterion) {
    let rows = 1_000_000u64;
    let dir = tempfile::tempdir().expect("a temp dir for the generated CSV");
    let path = dir.path().join("generated.csv");
    {
        let f = std::fs::File::create(&path).expect("create generated CSV");
        let mut w = BufWriter::new(f);
        writeln!(w, "timestamp,value").expect("write header");
        let start = Utc.timestamp_opt(T0, 0).single().expect("valid epoch");
        for i in 0..rows {
            let ts = start + Duration::hours(i as i64);
            writeln!(w, "{},{:.3}", ts.format("%Y-%m-%dT%H:%M:%SZ"), value(i)).expect("write row");
        }
        w.flush().expect("flush generated CSV");
    }
    let mut g = c.benchmark_group("backtest");
    g.sample_size(10);
    g.throughput(Throughput::Elements(rows));
    g.bench_function("file_1m_rows", |b| {
        b.iter(|| {
            let f = std::fs::File::open(&path).expect("generated CSV exists");
            let r = BufReader::with_capacity(1 << 16, f);
            let w = BufWriter::with_capacity(1 << 16, std::io::sink());
            let n = score_stream(r, w, "generated.csv", &AnomalyPolicy::default());
            black_box(n.expect("generated CSV is valid"))
        })
    });
    g.finish();
}

fn snapshot(campaigns: usize) -> (Snapshot, chrono::DateTime<Utc>) {
    let start = Utc.timestamp_opt(T0, 0).single().expect("valid epoch");
    let mut snap = Snapshot::default();
    for c in 0..campaigns {
        let id = format!("c{c}");
        snap.campaigns.push(Campaign {
            id: id.clone(),
            name: id.clone(),
            channel: Channel::Email,
            status: CampaignStatus::Active,
            owner: "bench".into(),
            budget: 10_000.0,
            spend: 2_000.0,
            start,
            end: start + Duration::days(30),
            skus: vec![format!("SKU-{}", c % 50)],
            provider: "sendgrid".into(),
            fallback: None,
            updated_at: start,
        });
        let history = (0..14 * 24)
            .map(|h| {
                let sends = 1000.0 + value(h as u64 + c as u64);
                HourBucket {
                    ts: start + Duration::hours(h),
                    values: [
                        sends,
                        sends * 0.98,
                        sends * 0.2,
                        sends * 0.02,
                        sends * 0.01,
                        1.0,
                        3.0,
                        sends * 0.01,
                    ],
                }
            })
            .collect();
        snap.history.insert(id, history);
    }
    for s in 0..50 {
        snap.stock.push(InventoryLevel {
            sku: format!("SKU-{s}"),
            warehouse: "AMS".into(),
            on_hand: 100.0,
            reserved: 0.0,
            projected: 10.0 * s as f64,
            daily_sell_through: 10.0,
            updated_at: start,
        });
    }
    (
        snap,
        start + Duration::hours(14 * 24 - 1) + Duration::minutes(30),
    )
}

fn engine(c: &mut Criterion) {
    let (snap, now) = snapshot(1000);
    let mut g = c.benchmark_group("engine");
    g.sample_size(10);
    g.throughput(Throughput::Elements(1000));
    // Cold: the first poll of an hour learns every baseline.
    g.bench_function("evaluate_1000_campaigns_14d_cold", |b| {
        b.iter(|| {
            let mut e = Engine::new(Policy::default());
            black_box(e.evaluate(&snap, now).alerts.len())
        })
    });
    // Warm: later polls in the same hour reuse the baselines.
    g.bench_function("evaluate_1000_campaigns_14d_warm", |b| {
        let mut e = Engine::new(Policy::default());
        b.iter(|| black_box(e.evaluate(&snap, now).alerts.len()))
    });
    g.finish();
}

criterion_group!(benches, detector, backtest, engine);
criterion_main!(benches);
