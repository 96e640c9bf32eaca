//! The static part of the world: campaigns and SKUs generated from the seed.
//! Generation is one cheap pass (10,000 campaigns take milliseconds); all
//! time-varying numbers are computed on demand in `metrics.rs`.

use chrono::{DateTime, Duration, Utc};

use crate::domain::Channel;
use crate::simulator::rng::{self, tag};

pub const SKU_COUNT: usize = 40;
pub const WAREHOUSES: [&str; 2] = ["AMS-1", "FRA-2"];
pub const PRIMARY_EMAIL_PROVIDER: &str = "sendgrid";
pub const BACKUP_EMAIL_PROVIDER: &str = "backup-ses";
/// Campaigns below this index are always active at the start with a fixed
/// channel and first SKU, so scenario files can target them for any seed.
pub const PINNED: usize = 12;
/// This campaign's name carries terminal escapes and a bidi override so the
/// client's sanitisation is exercised end to end.
pub const HOSTILE_INDEX: usize = 7;
pub const HOSTILE_NAME: &str = "Spring \u{1b}]0;pwned\u{7}Sale \u{1b}[31m\u{202e}gnirps";

const OWNERS: [&str; 6] = [
    "ana.silva",
    "ben.okafor",
    "chloe.martin",
    "dev.patel",
    "eva.novak",
    "farid.haddad",
];
const SEASONS: [&str; 10] = [
    "Spring",
    "Summer",
    "Autumn",
    "Winter",
    "Black Friday",
    "Cyber Week",
    "Back to School",
    "Holiday",
    "New Year",
    "Flash",
];
const THEMES: [&str; 10] = [
    "Sale",
    "Launch",
    "Re-engagement",
    "Loyalty",
    "Clearance",
    "Preview",
    "Bundle",
    "Welcome Series",
    "Win-back",
    "VIP",
];

/// Per-channel economics: cost per send and funnel rates.
struct Economics {
    cps: f64,
    deliver: f64,
    open: f64,
    ctr: f64,
    conv: f64,
    unsub: f64,
    provider: &'static str,
}

fn economics(channel: Channel) -> Economics {
    let e = |cps, deliver, open, ctr, conv, unsub, provider| Economics {
        cps,
        deliver,
        open,
        ctr,
        conv,
        unsub,
        provider,
    };
    match channel {
        Channel::Email => e(0.002, 0.97, 0.22, 0.12, 0.04, 0.002, PRIMARY_EMAIL_PROVIDER),
        Channel::Sms => e(0.04, 0.98, 0.9, 0.06, 0.05, 0.004, "twilio"),
        Channel::Push => e(0.0008, 0.93, 0.08, 0.25, 0.03, 0.001, "fcm"),
        Channel::Social => e(0.008, 0.99, 0.35, 0.03, 0.02, 0.0002, "meta-ads"),
        Channel::Display => e(0.004, 0.99, 0.5, 0.01, 0.03, 0.0, "dv360"),
        Channel::Search => e(0.05, 0.99, 0.6, 0.08, 0.05, 0.0, "google-ads"),
    }
}

/// Every provider the marketing system reports on, in listing order.
pub const PROVIDERS: [&str; 7] = [
    PRIMARY_EMAIL_PROVIDER,
    BACKUP_EMAIL_PROVIDER,
    "twilio",
    "fcm",
    "meta-ads",
    "dv360",
    "google-ads",
];

#[derive(Debug, Clone)]
pub struct CampaignSpec {
    pub id: String,
    pub name: String,
    pub channel: Channel,
    pub owner: &'static str,
    pub budget: f64,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub skus: Vec<usize>,
    pub provider: &'static str,
    pub draft: bool,
    /// Paused before the simulation starts: (when, by whom).
    pub initial_pause: Option<(DateTime<Utc>, &'static str)>,
    /// Planned spend per hour: the budget spread evenly over the flight.
    pub plan_rate: f64,
    pub cps: f64,
    pub deliver: f64,
    pub open: f64,
    pub ctr: f64,
    pub conv: f64,
    pub unsub: f64,
}

impl CampaignSpec {
    pub fn overlaps(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> bool {
        !self.draft && self.start < to && self.end > from
    }
}

#[derive(Debug, Clone)]
pub struct Catalog {
    pub campaigns: Vec<CampaignSpec>,
    /// For each SKU, the campaigns promoting it.
    pub promoters: Vec<Vec<usize>>,
}

pub fn sku_id(index: usize) -> String {
    format!("SKU-{}", 1001 + index)
}

pub fn sku_index(id: &str) -> Option<usize> {
    let n: usize = id.strip_prefix("SKU-")?.parse().ok()?;
    (1001..1001 + SKU_COUNT).contains(&n).then(|| n - 1001)
}

pub fn campaign_id(index: usize) -> String {
    format!("cmp-{index:04}")
}

pub fn campaign_index(id: &str) -> Option<usize> {
    let digits = id.strip_prefix("cmp-")?;
    if digits.len() < 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

impl Catalog {
    pub fn generate(seed: u64, count: usize, start: DateTime<Utc>) -> Catalog {
        let campaigns: Vec<CampaignSpec> = (0..count).map(|i| spec(seed, i, start)).collect();
        let mut promoters = vec![Vec::new(); SKU_COUNT];
        for (i, c) in campaigns.iter().enumerate() {
            for &s in &c.skus {
                promoters[s].push(i);
            }
        }
        Catalog {
            campaigns,
            promoters,
        }
    }

    pub fn find(&self, id: &str) -> Option<usize> {
        campaign_index(id).filter(|&i| i < self.campaigns.len() && self.campaigns[i].id == id)
    }
}

fn spec(seed: u64, i: usize, start: DateTime<Utc>) -> CampaignSpec {
    let key = |k: u64| [tag::CAMPAIGN, i as u64, k];
    let r = |k: u64, lo: f64, hi: f64| rng::range(seed, &key(k), lo, hi);
    let hours = |h: f64| Duration::minutes((h * 60.0) as i64);
    let pinned = i < PINNED;
    let channel = if pinned {
        Channel::ALL[i % Channel::ALL.len()]
    } else if rng::unit(seed, &key(1)) < 0.35 {
        Channel::Email
    } else {
        *rng::pick(seed, &key(2), &Channel::ALL[1..])
    };
    let kind = if pinned {
        1.0
    } else {
        rng::unit(seed, &key(3))
    };
    let (flight_start, flight_end, draft) = if kind < 0.04 {
        let s = start + hours(r(4, 48.0, 240.0));
        (s, s + hours(r(5, 168.0, 720.0)), true)
    } else if kind < 0.12 {
        let s = start + hours(r(4, 6.0, 120.0));
        (s, s + hours(r(5, 168.0, 720.0)), false)
    } else if kind < 0.2 {
        let e = start - hours(r(4, 12.0, 120.0));
        (e - hours(r(5, 168.0, 480.0)), e, false)
    } else {
        let lo = if pinned { 48.0 } else { 24.0 };
        (
            start - hours(r(4, lo, 336.0)),
            start + hours(r(5, 240.0, 720.0)),
            false,
        )
    };
    let budget = (r(6, 2_000.0, 60_000.0) / 100.0).round() * 100.0;
    let flight_hours = ((flight_end - flight_start).num_minutes() as f64 / 60.0).max(1.0);
    let econ = economics(channel);
    let jitter = |k: u64| r(k, 0.8, 1.2);
    let sku_count = 1 + (rng::hash(seed, &key(7)) % 3) as usize;
    let mut skus: Vec<usize> = Vec::with_capacity(sku_count);
    if pinned {
        skus.push(i % SKU_COUNT);
    }
    let mut k = 8;
    while skus.len() < sku_count {
        let s = (rng::hash(seed, &key(k)) % SKU_COUNT as u64) as usize;
        if !skus.contains(&s) {
            skus.push(s);
        }
        k += 1;
    }
    let active_at_start = !draft && flight_start < start && flight_end > start;
    let initial_pause = (!pinned && active_at_start && rng::unit(seed, &key(20)) < 0.06)
        .then(|| {
            (
                start - hours(r(21, 1.0, 20.0)),
                *rng::pick(seed, &key(22), &OWNERS),
            )
        })
        .filter(|(at, _)| *at > flight_start);
    let name = if i == HOSTILE_INDEX {
        HOSTILE_NAME.to_string()
    } else {
        format!(
            "{} {} {} #{i}",
            rng::pick(seed, &key(30), &SEASONS),
            rng::pick(seed, &key(31), &THEMES),
            channel.as_str()
        )
    };
    CampaignSpec {
        id: campaign_id(i),
        name,
        channel,
        owner: OWNERS[(rng::hash(seed, &key(32)) % OWNERS.len() as u64) as usize],
        budget,
        start: flight_start,
        end: flight_end,
        skus,
        provider: econ.provider,
        draft,
        initial_pause,
        plan_rate: budget / flight_hours,
        cps: econ.cps * jitter(40),
        deliver: (econ.deliver * r(41, 0.99, 1.01)).min(1.0),
        open: (econ.open * jitter(42)).min(1.0),
        ctr: (econ.ctr * jitter(43)).min(1.0),
        conv: (econ.conv * jitter(44)).min(1.0),
        unsub: econ.unsub * jitter(45),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_pinned_campaigns_are_active() {
        assert_eq!(campaign_index(&campaign_id(7)), Some(7));
        assert_eq!(campaign_index(&campaign_id(12_345)), Some(12_345));
        assert_eq!(campaign_index("cmp-7"), None);
        assert_eq!(sku_index(&sku_id(39)), Some(39));
        assert_eq!(sku_index("SKU-1041"), None);
        let start = Utc::now();
        let cat = Catalog::generate(9, 200, start);
        for c in &cat.campaigns[..PINNED] {
            assert!(c.start < start && c.end > start && !c.draft && c.initial_pause.is_none());
        }
        assert_eq!(cat.campaigns[HOSTILE_INDEX].name, HOSTILE_NAME);
        assert_eq!(cat.find("cmp-0003"), Some(3));
        assert!(cat.campaigns.iter().any(|c| c.draft));
        assert!(cat.campaigns.iter().any(|c| c.initial_pause.is_some()));
    }
}
