//! Cold start from the cache: 10,000 campaigns with 90 days of hourly
//! history on disk, every API down. Measures, in a fresh process each time,
//! the time from opening the data directory to the first frame drawn (at
//! 200x50, analytics evaluated) and the process's peak RSS.
//!
//! `cargo bench --bench cold_start`; `MOPS_BENCH_CAMPAIGNS` / `MOPS_BENCH_DAYS`
//! override the size. Not criterion: each sample must be a new process.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use chrono::{DateTime, Duration, TimeZone, Utc};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use mops::app::{self, AppContext};
use mops::domain::snapshot::HourBucket;
use mops::domain::{
    ApprovalRequest, Campaign, CampaignStatus, Channel, Freshness, InventoryLevel, Snapshot, System,
};
use mops::store::Store;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn t_end() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0)
        .single()
        .expect("valid time")
}

fn bucket(ts: DateTime<Utc>, i: usize) -> HourBucket {
    let h = ts.timestamp() / 3600;
    let sends = 500.0 + ((h as usize * 7 + i * 13) % 97) as f64;
    HourBucket {
        ts,
        values: [
            sends,
            sends * 0.97,
            sends * 0.25,
            sends * 0.03,
            sends * 0.01,
            sends * 0.001,
            sends * 0.002,
            sends * 0.05,
        ],
    }
}

fn snapshot(n: usize) -> Snapshot {
    let now = t_end();
    let mut s = Snapshot {
        campaigns: (0..n)
            .map(|i| Campaign {
                id: format!("cmp-{i:05}"),
                name: format!("Campaign {i}"),
                channel: Channel::ALL[i % 6],
                status: CampaignStatus::Active,
                owner: "owner".into(),
                budget: 10_000.0,
                spend: 4_000.0,
                start: now - Duration::days(10),
                end: now + Duration::days(10),
                skus: vec![format!("SKU-{}", 1000 + i % 40)],
                provider: "sendgrid".into(),
                fallback: None,
                updated_at: now,
            })
            .collect(),
        stock: (0..40)
            .map(|k| InventoryLevel {
                sku: format!("SKU-{}", 1000 + k),
                warehouse: "AMS".into(),
                on_hand: 500.0,
                reserved: 50.0,
                projected: 450.0,
                daily_sell_through: 40.0,
                updated_at: now,
            })
            .collect(),
        approvals: Vec::<ApprovalRequest>::new(),
        metrics_cursor: Some(now),
        ..Snapshot::default()
    };
    for sys in System::ALL {
        s.freshness.insert(
            sys,
            Freshness {
                fetched_at: Some(now),
                last_attempt: Some(now),
                server_time: Some(now),
                ..Freshness::default()
            },
        );
    }
    s
}

fn build(dir: &Path, n: usize, days: i64) {
    let marker = dir.join("built");
    if marker.exists() {
        return;
    }
    let started = Instant::now();
    let (store, _) = Store::open(dir).expect("open");
    store.save_snapshot(&snapshot(n)).expect("save");
    let first = t_end() - Duration::days(days);
    let hours: Vec<DateTime<Utc>> = (0..days * 24).map(|h| first + Duration::hours(h)).collect();
    for chunk in (0..n).collect::<Vec<_>>().chunks(200) {
        let series: Vec<(String, Vec<HourBucket>)> = chunk
            .iter()
            .map(|&i| {
                (
                    format!("cmp-{i:05}"),
                    hours.iter().map(|&t| bucket(t, i)).collect(),
                )
            })
            .collect();
        store
            .append_history_many(series.iter().map(|(c, b)| (c.as_str(), b.as_slice())))
            .expect("append");
    }
    // What the console's hourly maintenance does: fold finished days into
    // one row per campaign per day (a fresh append-only cache is not a
    // state a running console leaves behind).
    store.prune_history(t_end()).expect("fold days");
    store.flush_cache().expect("flush");
    drop(store);
    std::fs::write(&marker, b"ok").expect("marker");
    eprintln!(
        "built {n} campaigns x {days} days in {:.1?}",
        started.elapsed()
    );
}

/// One cold start in this (fresh) process; prints "ms rss_kib".
fn child(dir: &Path) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let started = Instant::now();
    let (store, _) = Store::open(dir).expect("open");
    let cached = store.load_snapshot().expect("load").expect("snapshot");
    let ctx = AppContext {
        initial: cached,
        ..AppContext::default()
    };
    let mut terminal = Terminal::new(TestBackend::new(200, 50)).expect("terminal");
    let (_tx, rx) = tokio::sync::mpsc::channel(1);
    // `q` is read only after the first frame is drawn.
    let keys = futures::stream::iter(vec![Ok(Event::Key(KeyEvent::new(
        KeyCode::Char('q'),
        KeyModifiers::NONE,
    )))]);
    rt.block_on(app::run(
        &mut terminal,
        keys,
        rx,
        ctx,
        tokio_util::sync::CancellationToken::new(),
    ))
    .expect("run");
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    println!("{ms:.1} {}", usage.ru_maxrss);
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        child(Path::new(&args[i + 1]));
        return;
    }
    if args.iter().any(|a| a == "--list") {
        return; // `cargo test --benches` asks benches to list themselves.
    }
    let n = env_or("MOPS_BENCH_CAMPAIGNS", 10_000);
    let days = env_or("MOPS_BENCH_DAYS", 90) as i64;
    let dir: PathBuf = std::env::temp_dir().join(format!("mops-cold-start-v2-{n}-{days}"));
    std::fs::create_dir_all(&dir).expect("dir");
    build(&dir, n, days);
    let exe = std::env::current_exe().expect("exe");
    let mut samples = Vec::new();
    for _ in 0..5 {
        let out = Command::new(&exe)
            .args(["--child", &dir.display().to_string()])
            .output()
            .expect("child");
        let text = String::from_utf8_lossy(&out.stdout);
        let mut it = text.split_whitespace();
        let ms: f64 = it.next().and_then(|v| v.parse().ok()).expect("ms");
        let rss: u64 = it.next().and_then(|v| v.parse().ok()).expect("rss");
        samples.push((ms, rss));
    }
    samples.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (ms, _) = samples[samples.len() / 2];
    let rss = samples.iter().map(|s| s.1).max().unwrap_or(0);
    println!(
        "cold_start {n} campaigns, {days} days on disk: first frame median {ms:.0} ms \
         (min {:.0}, max {:.0}), peak RSS {:.0} MiB",
        samples[0].0,
        samples[samples.len() - 1].0,
        rss as f64 / 1024.0
    );
}
