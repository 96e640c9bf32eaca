//! Hourly metric buckets as a pure function of (seed, campaign, hour,
//! pauses, fallbacks, incidents). A bucket is split into segments wherever
//! the campaign's state changes (pause, outage, fallback, incident edge) so
//! a partial hour and a closed hour use the same arithmetic.

use std::f64::consts::PI;

use chrono::{DateTime, Datelike, Duration, Timelike, Utc, Weekday};

use super::catalog::{BACKUP_EMAIL_PROVIDER, CampaignSpec};
use super::incidents::Incidents;
use crate::domain::MetricKind;
use crate::simulator::rng::{self, tag};

/// Deliveries kept while the campaign's provider is down.
const OUTAGE_DELIVERY: f64 = 0.04;

#[derive(Debug, Clone, PartialEq)]
pub struct Pause {
    pub from: DateTime<Utc>,
    pub by: String,
    /// When and by whom it was resumed.
    pub to: Option<(DateTime<Utc>, String)>,
}

/// Everything that decides one campaign's numbers besides the seed.
pub struct Ctx<'a> {
    pub seed: u64,
    pub index: usize,
    pub spec: &'a CampaignSpec,
    pub pauses: &'a [Pause],
    /// Operator throttles: (from, percent of plan, by), in time order.
    pub throttles: &'a [(DateTime<Utc>, u8, String)],
    /// When the backup provider took over, if it did.
    pub switch_at: Option<DateTime<Utc>>,
    pub incidents: &'a Incidents,
}

pub fn hour_floor(t: DateTime<Utc>) -> DateTime<Utc> {
    let secs = t.timestamp().div_euclid(3600) * 3600;
    DateTime::from_timestamp(secs, 0).unwrap_or(t)
}

fn diurnal(hour: DateTime<Utc>) -> f64 {
    let h = hour.hour() as f64 + 0.5;
    let day = 1.0 + 0.8 * (2.0 * PI * (h - 9.0) / 24.0).sin();
    let week = match hour.weekday() {
        Weekday::Sat | Weekday::Sun => 0.75,
        _ => 1.1,
    };
    day * week
}

impl Ctx<'_> {
    fn noise(&self, hour: DateTime<Utc>, metric: MetricKind, spread: f64) -> f64 {
        let key = [
            tag::METRIC,
            self.index as u64,
            hour.timestamp() as u64,
            metric as u64,
        ];
        rng::range(self.seed, &key, 1.0 - spread, 1.0 + spread)
    }

    fn paused_at(&self, t: DateTime<Utc>) -> bool {
        self.pauses
            .iter()
            .any(|p| t >= p.from && p.to.as_ref().is_none_or(|(to, _)| t < *to))
    }

    fn throttle_at(&self, t: DateTime<Utc>) -> f64 {
        self.throttles
            .iter()
            .rev()
            .find(|(from, _, _)| *from <= t)
            .map_or(1.0, |(_, pct, _)| f64::from(*pct) / 100.0)
    }

    pub fn provider_at(&self, t: DateTime<Utc>) -> &'static str {
        match self.switch_at {
            Some(s) if t >= s => BACKUP_EMAIL_PROVIDER,
            _ => self.spec.provider,
        }
    }

    fn outage_at(&self, t: DateTime<Utc>) -> bool {
        let provider = self.provider_at(t);
        self.incidents
            .outages
            .iter()
            .any(|(p, w)| *p == provider && w.contains(t))
    }

    fn factor_at(
        list: &[(usize, super::incidents::Window, f64)],
        index: usize,
        t: DateTime<Utc>,
    ) -> f64 {
        list.iter()
            .filter(|(c, w, _)| *c == index && w.contains(t))
            .map(|(_, _, f)| *f)
            .product()
    }

    /// Call `f(segment start, weight in hours)` for every unpaused segment of
    /// `[a, b)` within the flight, split wherever the campaign's state changes.
    fn segments(&self, a: DateTime<Utc>, b: DateTime<Utc>, mut f: impl FnMut(DateTime<Utc>, f64)) {
        let spec = self.spec;
        let (a, b) = (a.max(spec.start), b.min(spec.end));
        if spec.draft || a >= b {
            return;
        }
        // Interior edges only: the common case (no pause, no incident) stays allocation-free.
        let mut inner = Vec::new();
        for p in self.pauses {
            for t in std::iter::once(p.from).chain(p.to.as_ref().map(|(t, _)| *t)) {
                if t > a && t < b {
                    inner.push(t);
                }
            }
        }
        if let Some(s) = self.switch_at.filter(|s| *s > a && *s < b) {
            inner.push(s);
        }
        for (t, _, _) in self.throttles {
            if *t > a && *t < b {
                inner.push(*t);
            }
        }
        for (_, w) in &self.incidents.outages {
            w.edges_in(a, b, &mut inner);
        }
        for (c, w, _) in self.incidents.ctr.iter().chain(&self.incidents.overpace) {
            if *c == self.index {
                w.edges_in(a, b, &mut inner);
            }
        }
        inner.sort_unstable();
        inner.dedup();
        let starts = std::iter::once(a).chain(inner.iter().copied());
        let ends = inner.iter().copied().chain(std::iter::once(b));
        for (s, e) in starts.zip(ends) {
            if !self.paused_at(s) {
                let hours = (e - s).num_milliseconds() as f64 / 3_600_000.0;
                f(s, hours * self.throttle_at(s));
            }
        }
    }

    fn spend_rate(&self, hour: DateTime<Utc>) -> f64 {
        self.spec.plan_rate * diurnal(hour) * self.noise(hour, MetricKind::Spend, 0.15)
    }

    /// Spend alone over `[a, b)`: what `Campaign.spend` sums, without the funnel.
    pub fn spend(&self, hour: DateTime<Utc>, a: DateTime<Utc>, b: DateTime<Utc>) -> f64 {
        let spend_h = self.spend_rate(hour);
        let mut total = 0.0;
        self.segments(a, b, |s, w| {
            total += spend_h * w * Self::factor_at(&self.incidents.overpace, self.index, s);
        });
        total
    }

    /// Raw (unrounded) values for the part `[a, b)` of the bucket starting at `hour`.
    pub fn raw(&self, hour: DateTime<Utc>, a: DateTime<Utc>, b: DateTime<Utc>) -> [f64; 8] {
        use MetricKind as M;
        let mut v = [0.0; 8];
        let spec = self.spec;
        let spend_h = self.spend_rate(hour);
        let sends_h = spend_h / spec.cps;
        // Noise on the undelivered share keeps the bounce rate's spread proportional.
        let deliver = 1.0 - (1.0 - spec.deliver) * self.noise(hour, M::Deliveries, 0.3);
        let open = (spec.open * self.noise(hour, M::Opens, 0.1)).min(1.0);
        let ctr = (spec.ctr * self.noise(hour, M::Clicks, 0.15)).min(1.0);
        let conv = (spec.conv * self.noise(hour, M::Conversions, 0.2)).min(1.0);
        let unsub = spec.unsub * self.noise(hour, M::Unsubscribes, 0.3);
        self.segments(a, b, |s, w| {
            let sends = sends_h * w;
            let outage = if self.outage_at(s) {
                OUTAGE_DELIVERY
            } else {
                1.0
            };
            let deliveries = sends * deliver * outage;
            let opens = deliveries * open;
            let clicks = opens * ctr * Self::factor_at(&self.incidents.ctr, self.index, s);
            v[M::Sends.index()] += sends;
            v[M::Deliveries.index()] += deliveries;
            v[M::Opens.index()] += opens;
            v[M::Clicks.index()] += clicks;
            v[M::Unsubscribes.index()] += deliveries * unsub;
            v[M::Conversions.index()] += clicks * conv;
            v[M::Spend.index()] +=
                spend_h * w * Self::factor_at(&self.incidents.overpace, self.index, s);
        });
        v[M::Bounces.index()] = v[M::Sends.index()] - v[M::Deliveries.index()];
        v
    }

    /// The bucket at `hour` as served at `now` (value so far if still open).
    pub fn bucket(&self, hour: DateTime<Utc>, now: DateTime<Utc>) -> [f64; 8] {
        finalize(self.raw(hour, hour, (hour + Duration::hours(1)).min(now)))
    }
}

/// Whole counts (never more deliveries than sends, etc.) and spend in cents.
pub fn finalize(raw: [f64; 8]) -> [f64; 8] {
    use MetricKind as M;
    let mut v = raw.map(f64::floor);
    v[M::Deliveries.index()] = v[M::Deliveries.index()].min(v[M::Sends.index()]);
    v[M::Opens.index()] = v[M::Opens.index()].min(v[M::Deliveries.index()]);
    v[M::Clicks.index()] = v[M::Clicks.index()].min(v[M::Opens.index()]);
    v[M::Bounces.index()] = v[M::Sends.index()] - v[M::Deliveries.index()];
    v[M::Spend.index()] = (raw[M::Spend.index()] * 100.0).round() / 100.0;
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulator::world::catalog::Catalog;
    use chrono::TimeZone;

    fn start() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap()
    }

    #[test]
    fn buckets_keep_the_funnel_and_grow_within_the_hour() {
        let cat = Catalog::generate(5, 80, start());
        let incidents = Incidents::default();
        for (i, spec) in cat.campaigns.iter().enumerate() {
            let c = Ctx {
                seed: 5,
                index: i,
                spec,
                pauses: &[],
                throttles: &[],
                switch_at: None,
                incidents: &incidents,
            };
            for h in -30..3 {
                let hour = start() + Duration::hours(h);
                let full = c.bucket(hour, hour + Duration::hours(2));
                let part = c.bucket(hour, hour + Duration::minutes(20));
                use MetricKind as M;
                let v = |b: &[f64; 8], m: M| b[m.index()];
                assert!(v(&full, M::Deliveries) <= v(&full, M::Sends));
                assert!(v(&full, M::Opens) <= v(&full, M::Deliveries));
                assert!(v(&full, M::Clicks) <= v(&full, M::Opens));
                assert_eq!(
                    v(&full, M::Bounces),
                    v(&full, M::Sends) - v(&full, M::Deliveries)
                );
                assert!(
                    part.iter().zip(&full).all(|(p, f)| p <= f),
                    "{part:?} > {full:?}"
                );
                if !spec.overlaps(hour, hour + Duration::hours(1)) {
                    assert!(full.iter().all(|x| *x == 0.0));
                }
            }
        }
    }

    #[test]
    fn a_pause_zeroes_the_rest_of_the_hour() {
        let cat = Catalog::generate(5, 12, start());
        let incidents = Incidents::default();
        let hour = start();
        let pauses = [Pause {
            from: hour + Duration::minutes(30),
            by: "x".into(),
            to: None,
        }];
        let free = Ctx {
            seed: 5,
            index: 0,
            spec: &cat.campaigns[0],
            pauses: &[],
            throttles: &[],
            switch_at: None,
            incidents: &incidents,
        };
        let paused = Ctx {
            pauses: &pauses,
            throttles: &[],
            ..free
        };
        let end = hour + Duration::hours(1);
        let s = MetricKind::Sends.index();
        assert_eq!(paused.raw(hour, hour + Duration::minutes(30), end)[s], 0.0);
        let half = paused.raw(hour, hour, end)[s];
        let whole = Ctx {
            pauses: &[],
            ..paused
        }
        .raw(hour, hour, end)[s];
        assert!((half - whole / 2.0).abs() < 1e-6 * whole.max(1.0));
    }
}
