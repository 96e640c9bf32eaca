//! ERP stock per SKU and warehouse. Conversions of the campaigns promoting a
//! SKU draw it down; a reorder point triggers restocks with a lead time. The
//! state is stepped hour by hour (closed hours never change), and the open
//! hour is added on top when answering.

use std::collections::VecDeque;

use chrono::{DateTime, Duration, Utc};

use super::catalog::{self, SKU_COUNT, WAREHOUSES};
use super::incidents::Incidents;
use super::metrics::hour_floor;
use crate::domain::InventoryLevel;
use crate::simulator::rng::{self, tag};

/// A stock-out incident empties a full shelf in this many simulated minutes.
const STOCK_OUT_MINUTES: f64 = 20.0;
const REORDER_FRACTION: f64 = 0.25;
const LEAD_TIME: Duration = Duration::hours(8);

/// Units sold per SKU in `[a, b)` (within one hour bucket starting at `hour`).
pub type SalesFn<'a> = dyn Fn(DateTime<Utc>, DateTime<Utc>, DateTime<Utc>) -> Vec<f64> + 'a;

#[derive(Debug, Clone)]
struct Level {
    initial: f64,
    share: f64,
    on_hand: f64,
    pending: Option<(DateTime<Utc>, f64)>,
    /// Units that left the shelf in each of the last 24 closed hours, oldest first.
    hourly: VecDeque<f64>,
}

#[derive(Debug, Clone)]
pub struct Stock {
    seed: u64,
    /// Hour boundary up to which `levels` is stepped.
    stepped_to: DateTime<Utc>,
    levels: Vec<Level>,
    /// Sales of the first day, computed for sizing and reused when stepping.
    prefetched: VecDeque<(DateTime<Utc>, Vec<f64>)>,
}

fn drain_rate(
    incidents: &Incidents,
    sku: usize,
    initial: f64,
    a: DateTime<Utc>,
    b: DateTime<Utc>,
) -> f64 {
    let per_ms = initial / (STOCK_OUT_MINUTES * 60_000.0);
    incidents
        .stock_out
        .iter()
        .filter(|(s, _)| *s == sku)
        .map(|(_, w)| {
            let from = w.from.max(a);
            let to = w.to.map_or(b, |t| t.min(b));
            (to - from).num_milliseconds().max(0) as f64 * per_ms
        })
        .sum()
}

impl Stock {
    /// Stock at `epoch` (an hour boundary, a day before the start), sized so
    /// each shelf covers 5 to 20 days of its first day's sales.
    pub fn new(seed: u64, epoch: DateTime<Utc>, sales: &SalesFn<'_>) -> Stock {
        let epoch = hour_floor(epoch);
        let prefetched: VecDeque<(DateTime<Utc>, Vec<f64>)> = (0..24)
            .map(|h| {
                let hour = epoch + Duration::hours(h);
                (hour, sales(hour, hour, hour + Duration::hours(1)))
            })
            .collect();
        let day: Vec<f64> = (0..SKU_COUNT)
            .map(|sku| prefetched.iter().map(|(_, v)| v[sku]).sum())
            .collect();
        let levels = (0..SKU_COUNT * WAREHOUSES.len())
            .map(|l| {
                let (sku, wh) = (l / WAREHOUSES.len(), l % WAREHOUSES.len());
                let split = rng::range(seed, &[tag::STOCK, sku as u64, 0], 0.3, 0.7);
                let share = if wh == 0 { split } else { 1.0 - split };
                let cover = rng::range(seed, &[tag::STOCK, l as u64, 1], 5.0, 20.0);
                let initial = ((day[sku] * share).max(15.0) * cover).round();
                Level {
                    initial,
                    share,
                    on_hand: initial,
                    pending: None,
                    hourly: VecDeque::with_capacity(25),
                }
            })
            .collect();
        Stock {
            seed,
            stepped_to: epoch,
            levels,
            prefetched,
        }
    }

    /// Step closed hours up to the hour containing `now`.
    pub fn advance(&mut self, now: DateTime<Utc>, incidents: &Incidents, sales: &SalesFn<'_>) {
        let target = hour_floor(now);
        while self.stepped_to < target {
            let (a, b) = (self.stepped_to, self.stepped_to + Duration::hours(1));
            let per_sku = match self.prefetched.pop_front() {
                Some((hour, v)) if hour == a => v,
                _ => sales(a, a, b),
            };
            for (l, level) in self.levels.iter_mut().enumerate() {
                let sku = l / WAREHOUSES.len();
                let want =
                    per_sku[sku] * level.share + drain_rate(incidents, sku, level.initial, a, b);
                let sold = want.min(level.on_hand);
                level.on_hand -= sold;
                level.hourly.push_back(sold);
                if level.hourly.len() > 24 {
                    level.hourly.pop_front();
                }
                let blocked = incidents
                    .stock_out
                    .iter()
                    .any(|(s, w)| *s == sku && w.contains(b));
                if let Some((arrive, qty)) = level.pending
                    && arrive <= b
                    && !blocked
                {
                    level.on_hand += qty;
                    level.pending = None;
                }
                if level.pending.is_none() && level.on_hand < level.initial * REORDER_FRACTION {
                    level.pending = Some((b + LEAD_TIME, (level.initial - level.on_hand).round()));
                }
            }
            self.stepped_to = b;
        }
    }

    /// Levels at `now` (after `advance(now)`), optionally for one SKU.
    pub fn levels(
        &self,
        now: DateTime<Utc>,
        only: Option<usize>,
        incidents: &Incidents,
        sales: &SalesFn<'_>,
    ) -> Vec<InventoryLevel> {
        let hour = self.stepped_to;
        let elapsed = (now - hour).num_milliseconds().clamp(0, 3_600_000) as f64 / 3_600_000.0;
        let per_sku = sales(hour, hour, now);
        let mut out = Vec::new();
        for (l, level) in self.levels.iter().enumerate() {
            let (sku, wh) = (l / WAREHOUSES.len(), l % WAREHOUSES.len());
            if only.is_some_and(|s| s != sku) {
                continue;
            }
            let want =
                per_sku[sku] * level.share + drain_rate(incidents, sku, level.initial, hour, now);
            let partial = want.min(level.on_hand);
            let on_hand = (level.on_hand - partial).floor().max(0.0);
            // Sliding 24 h window: the oldest closed hour only partly counts.
            let n = level.hourly.len();
            let closed: f64 = level
                .hourly
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    if i == 0 && n == 24 {
                        v * (1.0 - elapsed)
                    } else {
                        *v
                    }
                })
                .sum();
            let key = [tag::STOCK, l as u64, hour.timestamp() as u64];
            let reserved = (on_hand * rng::range(self.seed, &key, 0.03, 0.12)).floor();
            let inbound = level.pending.map_or(0.0, |(_, q)| q);
            out.push(InventoryLevel {
                sku: catalog::sku_id(sku),
                warehouse: WAREHOUSES[wh].into(),
                on_hand,
                reserved,
                projected: on_hand - reserved + inbound,
                daily_sell_through: ((closed + partial) * 10.0).round() / 10.0,
                updated_at: now,
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulator::world::incidents::Window;
    use chrono::TimeZone;

    #[test]
    fn steady_sales_draw_down_restock_and_a_stock_out_empties_the_shelf() {
        let epoch = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        // Ten units an hour of every SKU.
        let sales = |_h, a: DateTime<Utc>, b: DateTime<Utc>| {
            vec![(b - a).num_seconds() as f64 / 360.0; SKU_COUNT]
        };
        let incidents = Incidents {
            stock_out: vec![(
                3,
                Window {
                    from: epoch + Duration::hours(30),
                    to: Some(epoch + Duration::hours(40)),
                },
            )],
            ..Incidents::default()
        };
        let mut stock = Stock::new(1, epoch, &sales);
        let first = stock.levels(epoch, None, &incidents, &sales);
        let now = epoch + Duration::hours(24);
        stock.advance(now, &incidents, &sales);
        let later = stock.levels(now, None, &incidents, &sales);
        for (a, b) in first.chunks(2).zip(later.chunks(2)) {
            let sold: f64 = a.iter().zip(b).map(|(x, y)| x.on_hand - y.on_hand).sum();
            let through: f64 = b.iter().map(|l| l.daily_sell_through).sum();
            assert!((sold - 240.0).abs() <= 2.0, "{a:?} -> {b:?}");
            assert!((through - 240.0).abs() <= 1.0, "{b:?}");
        }
        let out = epoch + Duration::hours(31);
        stock.advance(out, &incidents, &sales);
        for l in stock.levels(out, Some(3), &incidents, &sales) {
            assert_eq!(l.on_hand, 0.0, "{l:?}");
        }
    }
}
