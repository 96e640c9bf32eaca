//! One poll-and-apply cycle at 10,000 campaigns: fetch campaigns and the
//! newest metric buckets from the simulator over loopback HTTP, fold them
//! into the snapshot, and re-evaluate analytics, as the state owner does.
//!
//! `cargo bench --bench cycle`; `MOPS_BENCH_CAMPAIGNS` overrides the size.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use criterion::{Criterion, criterion_group};
use mops::analytics::{Engine, Policy};
use mops::cli::SimOpts;
use mops::connectors::{Endpoints, HttpClient, HttpConfig, NativeClient, Secret};
use mops::domain::{Snapshot, System};
use mops::simulator::{self, SimConfig};
use mops::sync::{PollData, PollOutcome, apply_outcome};

fn campaigns() -> usize {
    std::env::var("MOPS_BENCH_CAMPAIGNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000)
}

fn benches(c: &mut Criterion) {
    let n = campaigns();
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let (sim, client) = rt.block_on(async {
        let mut cfg = SimConfig::from_opts(&SimOpts {
            scenario: None,
            seed: Some(1),
            campaigns: Some(n),
            speed: Some(0.0),
            dialect: None,
        })
        .expect("sim config");
        cfg.speed = 0.0;
        let sim = simulator::spawn(cfg).await.expect("sim");
        let http = Arc::new(
            HttpClient::new(HttpConfig {
                total_timeout: Duration::from_secs(120),
                read_timeout: Duration::from_secs(120),
                ..HttpConfig::default()
            })
            .expect("client"),
        );
        let client = NativeClient::new(
            http,
            Endpoints {
                marketing: sim.marketing_url(),
                crm: sim.crm_url(),
                erp: sim.erp_url(),
                token: Secret::new("demo-token"),
            },
        );
        (sim, client)
    });

    // Warm state: a day of history already applied, baselines learnt.
    let mut snapshot = Snapshot::default();
    let mut engine = Engine::new(Policy::default());
    rt.block_on(async {
        let since = sim.now() - chrono::Duration::hours(24);
        let metrics = client.metrics_since(since).await.expect("metrics");
        apply(&mut snapshot, PollData::Metrics(metrics.items));
    });
    let world_now = sim.now();
    engine.evaluate(&snapshot, world_now);

    let mut g = c.benchmark_group("cycle");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(20));
    g.bench_function(format!("poll_and_apply_{n}"), |b| {
        b.iter(|| {
            rt.block_on(async {
                let campaigns = client.campaigns().await.expect("campaigns");
                let since = sim.now() - chrono::Duration::hours(1);
                let metrics = client.metrics_since(since).await.expect("metrics");
                apply(&mut snapshot, PollData::Campaigns(campaigns.items));
                apply(&mut snapshot, PollData::Metrics(metrics.items));
            });
            engine.evaluate(&snapshot, world_now).alerts.len()
        })
    });
    g.bench_function(format!("evaluate_only_{n}"), |b| {
        b.iter(|| engine.evaluate(&snapshot, world_now).alerts.len())
    });
    g.finish();
    sim.shutdown();
}

fn apply(snapshot: &mut Snapshot, data: PollData) {
    apply_outcome(
        snapshot,
        PollOutcome {
            system: System::Marketing,
            at: Utc::now(),
            server_time: None,
            result: Ok(data),
        },
    );
}

criterion_group!(cycle_benches, benches);

fn main() {
    cycle_benches();
    Criterion::default().configure_from_args().final_summary();
}
