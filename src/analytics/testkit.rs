//! Deterministic fixtures for analytics tests: a tiny PRNG (so property-style
//! loops need no extra crate) and builders for campaigns and hourly buckets.

use chrono::{DateTime, Duration, TimeZone, Utc};

use crate::domain::snapshot::HourBucket;
use crate::domain::{Campaign, CampaignStatus, Channel, InventoryLevel, MetricKind};

/// xorshift64*: deterministic, good enough to shake test inputs.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [-a, a): bounded noise, so "no alarm" claims are exact.
    pub fn noise(&mut self, a: f64) -> f64 {
        (self.unit() * 2.0 - 1.0) * a
    }
}

/// 2026-11-02 00:00 UTC, a Monday.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 0, 0, 0)
        .single()
        .expect("valid date")
}

pub fn hours(h: i64) -> Duration {
    Duration::hours(h)
}

/// Per-bucket shape of a synthetic email campaign.
#[derive(Clone, Copy)]
pub struct Shape {
    pub sends: f64,
    pub ctr: f64,
    pub bounce: f64,
}

impl Default for Shape {
    fn default() -> Self {
        Shape {
            sends: 2000.0,
            ctr: 0.02,
            bounce: 0.01,
        }
    }
}

/// One bucket at `ts` scaled by `fraction` of the hour (partial buckets).
pub fn bucket(ts: DateTime<Utc>, s: Shape, fraction: f64) -> HourBucket {
    let sends = s.sends * fraction;
    let deliveries = sends * (1.0 - s.bounce);
    let clicks = deliveries * s.ctr;
    let mut values = [0.0; 8];
    values[MetricKind::Sends.index()] = sends;
    values[MetricKind::Deliveries.index()] = deliveries;
    values[MetricKind::Opens.index()] = deliveries * 0.25;
    values[MetricKind::Clicks.index()] = clicks;
    values[MetricKind::Bounces.index()] = sends * s.bounce;
    values[MetricKind::Unsubscribes.index()] = deliveries * 0.002;
    values[MetricKind::Conversions.index()] = clicks * 0.1;
    values[MetricKind::Spend.index()] = sends * 0.01;
    HourBucket { ts, values }
}

/// A stationary campaign with bounded noise and a daily cycle in volume.
pub fn noisy_shape(hour: i64, rng: &mut Rng) -> Shape {
    let cycle = 1.0 + 0.3 * ((hour % 24) as f64 / 24.0 * std::f64::consts::TAU).sin();
    let base = Shape::default();
    Shape {
        sends: base.sends * cycle * (1.0 + rng.noise(0.05)),
        ctr: base.ctr * (1.0 + rng.noise(0.05)),
        bounce: base.bounce * (1.0 + rng.noise(0.05)),
    }
}

pub fn campaign(id: &str, skus: &[&str]) -> Campaign {
    let start = t0() - Duration::days(20);
    Campaign {
        id: id.into(),
        name: format!("Campaign {id}"),
        channel: Channel::Email,
        status: CampaignStatus::Active,
        owner: "ana".into(),
        budget: 100_000.0,
        spend: 0.0,
        start,
        end: start + Duration::days(60),
        skus: skus.iter().map(|s| s.to_string()).collect(),
        provider: "sendgrid".into(),
        fallback: None,
        updated_at: start,
    }
}

pub fn stock(sku: &str, warehouse: &str, projected: f64, daily: f64) -> InventoryLevel {
    InventoryLevel {
        sku: sku.into(),
        warehouse: warehouse.into(),
        on_hand: projected,
        reserved: 0.0,
        projected,
        daily_sell_through: daily,
        updated_at: t0(),
    }
}
