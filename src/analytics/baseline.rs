//! Seasonal, robust baselines for one series.
//!
//! A [`SeasonalWindow`] keeps the most recent values of a series in three
//! families of ring buffers: one per hour of the week (168), one per hour of
//! the day (24) and one for all hours. To predict the point at time `t` it uses
//! the narrowest family that has seen enough distinct periods (weeks or days),
//! so weekly patterns are honoured once there are several weeks of history and
//! the detector still works on day one. Statistics are median and MAD, so a
//! single spike cannot drag the expectation along with it.

use serde::{Deserialize, Serialize};

/// Scales a MAD to a standard deviation for normally distributed data.
pub const MAD_SCALE: f64 = 1.4826;

const SECS_PER_DAY: i64 = 86_400;
const HOURS_PER_WEEK: usize = 168;

/// How much history a baseline needs and how much it keeps.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BaselineConfig {
    /// Points needed before any score is given (the all-hours warm-up).
    pub warmup_points: usize,
    /// Distinct weeks (days) an hour-of-week (hour-of-day) slot must span.
    pub seasonal_periods: usize,
    /// Most recent points kept per hour-of-week slot.
    pub hour_of_week_window: usize,
    /// Most recent points kept per hour-of-day slot.
    pub hour_of_day_window: usize,
    /// Most recent points kept for the all-hours fallback.
    pub all_hours_window: usize,
    /// Spread is never taken below this share of |median|, so a perfectly
    /// flat history does not turn rounding noise into alarms.
    pub min_relative_spread: f64,
}

impl Default for BaselineConfig {
    fn default() -> Self {
        Self {
            warmup_points: 12,
            seasonal_periods: 4,
            hour_of_week_window: 8,
            hour_of_day_window: 28,
            all_hours_window: 72,
            min_relative_spread: 0.05,
        }
    }
}

/// Which history an expectation was drawn from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BaselineKind {
    HourOfWeek,
    HourOfDay,
    AllHours,
}

impl BaselineKind {
    pub fn label(self) -> &'static str {
        match self {
            BaselineKind::HourOfWeek => "hour-of-week",
            BaselineKind::HourOfDay => "hour-of-day",
            BaselineKind::AllHours => "all-hours",
        }
    }
}

/// The robust centre and spread expected for one point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Expectation {
    pub kind: BaselineKind,
    pub points: usize,
    pub median: f64,
    /// Robust standard deviation (1.4826 * MAD), after floors.
    pub spread: f64,
}

impl Expectation {
    /// Robust z-score of `x`; `spread` is always positive so this is finite.
    pub fn z(&self, x: f64) -> f64 {
        (x - self.median) / self.spread
    }

    /// The band `median ± k * spread`.
    pub fn band(&self, k: f64) -> (f64, f64) {
        (self.median - k * self.spread, self.median + k * self.spread)
    }

    /// e.g. "hour-of-day baseline, 6 pts".
    pub fn describe(&self) -> String {
        format!("{} baseline, {} pts", self.kind.label(), self.points)
    }

    /// Same expectation for a fraction of the period (partial hour buckets).
    pub fn pro_rata(mut self, fraction: f64) -> Self {
        self.median *= fraction;
        self.spread *= fraction;
        self
    }

    /// Widen the spread by extra independent noise (e.g. binomial noise of
    /// a rate measured on a small denominator).
    pub fn widened(mut self, extra_sd: f64) -> Self {
        self.spread = self.spread.hypot(extra_sd);
        self
    }
}

/// Fixed-capacity ring of (period id, value), oldest overwritten first.
#[derive(Debug, Clone, Default)]
struct Ring {
    values: Vec<f64>,
    periods: Vec<i64>,
    next: usize,
}

impl Ring {
    fn push(&mut self, cap: usize, period: i64, v: f64) {
        if self.values.len() < cap {
            self.values.push(v);
            self.periods.push(period);
        } else {
            self.values[self.next] = v;
            self.periods[self.next] = period;
        }
        // Not `% cap`: a division per push is measurable at a million rows.
        self.next += 1;
        if self.next >= cap {
            self.next = 0;
        }
    }

    fn len(&self) -> usize {
        self.values.len()
    }

    fn clear(&mut self) {
        self.values.clear();
        self.periods.clear();
        self.next = 0;
    }

    /// Distinct periods held, assuming values arrived in time order (so equal
    /// periods are adjacent in ring order).
    fn distinct_periods(&self) -> usize {
        let n = self.periods.len();
        if n == 0 {
            return 0;
        }
        let start = self.next % n;
        let mut count = 1;
        let mut prev = self.periods[start];
        for i in 1..n {
            let p = self.periods[(start + i) % n];
            if p != prev {
                count += 1;
                prev = p;
            }
        }
        count
    }
}

/// Calendar coordinates of a UTC timestamp (seconds since the epoch).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    pub hour_of_week: usize,
    pub hour_of_day: usize,
    pub day: i64,
    pub week: i64,
}

impl Slot {
    pub fn of(ts: i64) -> Self {
        let day = ts.div_euclid(SECS_PER_DAY);
        // 1970-01-01 was a Thursday; shift so weeks start on Monday.
        let monday_based = day + 3;
        let hour_of_day = (ts.rem_euclid(SECS_PER_DAY) / 3600) as usize;
        let weekday = monday_based.rem_euclid(7) as usize;
        Slot {
            hour_of_week: weekday * 24 + hour_of_day,
            hour_of_day,
            day,
            week: monday_based.div_euclid(7),
        }
    }
}

/// Streaming seasonal window over one series. Feed points in time order.
#[derive(Debug, Clone)]
pub struct SeasonalWindow {
    cfg: BaselineConfig,
    week: Vec<Ring>,
    day: Vec<Ring>,
    all: Ring,
    scratch: Vec<f64>,
}

impl SeasonalWindow {
    pub fn new(cfg: BaselineConfig) -> Self {
        let cfg = BaselineConfig {
            warmup_points: cfg.warmup_points.max(3),
            seasonal_periods: cfg.seasonal_periods.max(2),
            hour_of_week_window: cfg.hour_of_week_window.max(1),
            hour_of_day_window: cfg.hour_of_day_window.max(1),
            all_hours_window: cfg.all_hours_window.max(cfg.warmup_points.max(3)),
            min_relative_spread: cfg.min_relative_spread.max(0.0),
        };
        Self {
            cfg,
            week: vec![Ring::default(); HOURS_PER_WEEK],
            day: vec![Ring::default(); 24],
            all: Ring::default(),
            scratch: Vec::new(),
        }
    }

    pub fn config(&self) -> &BaselineConfig {
        &self.cfg
    }

    /// Forget everything but keep allocations, to reuse across series.
    pub fn clear(&mut self) {
        self.week.iter_mut().for_each(Ring::clear);
        self.day.iter_mut().for_each(Ring::clear);
        self.all.clear();
    }

    /// Points currently held by the all-hours window.
    pub fn len(&self) -> usize {
        self.all.len()
    }

    pub fn is_empty(&self) -> bool {
        self.all.len() == 0
    }

    pub fn push(&mut self, ts: i64, v: f64) {
        let s = Slot::of(ts);
        self.week[s.hour_of_week].push(self.cfg.hour_of_week_window, s.week, v);
        self.day[s.hour_of_day].push(self.cfg.hour_of_day_window, s.day, v);
        self.all.push(self.cfg.all_hours_window, 0, v);
    }

    /// Like [`push`](Self::push) but only into the rings that an
    /// expectation for `target` reads: much cheaper when one point is scored
    /// against a long history, and gives the same expectation.
    pub fn push_toward(&mut self, ts: i64, v: f64, target: &Slot) {
        let s = Slot::of(ts);
        if s.hour_of_week == target.hour_of_week {
            self.week[s.hour_of_week].push(self.cfg.hour_of_week_window, s.week, v);
        }
        if s.hour_of_day == target.hour_of_day {
            self.day[s.hour_of_day].push(self.cfg.hour_of_day_window, s.day, v);
        }
        self.all.push(self.cfg.all_hours_window, 0, v);
    }

    /// Expectation for a point at `ts` from the points pushed so far, or
    /// `None` during warm-up. `abs_floor` is the smallest spread that is
    /// meaningful for this signal's unit (must be > 0).
    pub fn expectation(&mut self, ts: i64, abs_floor: f64) -> Option<Expectation> {
        if self.all.len() < self.cfg.warmup_points {
            return None;
        }
        let s = Slot::of(ts);
        let need = self.cfg.seasonal_periods;
        let (kind, ring) = if self.week[s.hour_of_week].distinct_periods() >= need {
            (BaselineKind::HourOfWeek, &self.week[s.hour_of_week])
        } else if self.day[s.hour_of_day].distinct_periods() >= need {
            (BaselineKind::HourOfDay, &self.day[s.hour_of_day])
        } else {
            (BaselineKind::AllHours, &self.all)
        };
        self.scratch.clear();
        self.scratch.extend_from_slice(&ring.values);
        let (median, mad) = median_mad(&mut self.scratch);
        let spread = (MAD_SCALE * mad)
            .max(self.cfg.min_relative_spread * median.abs())
            .max(abs_floor.max(f64::MIN_POSITIVE));
        Some(Expectation {
            kind,
            points: ring.len(),
            median,
            spread,
        })
    }
}

/// Median and median absolute deviation; reorders `values`. Empty => (0, 0).
pub fn median_mad(values: &mut [f64]) -> (f64, f64) {
    let median = median_in_place(values);
    for v in values.iter_mut() {
        *v = (*v - median).abs();
    }
    (median, median_in_place(values))
}

fn median_in_place(values: &mut [f64]) -> f64 {
    let n = values.len();
    if n == 0 {
        return 0.0;
    }
    let mid = n / 2;
    let (left, upper, _) = values.select_nth_unstable_by(mid, f64::total_cmp);
    let upper = *upper;
    if n % 2 == 1 {
        return upper;
    }
    let lower = left.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (lower + upper) / 2.0
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3600;
    // 2026-11-02 00:00 UTC, a Monday.
    const MONDAY: i64 = 1_793_577_600;

    #[test]
    fn median_mad_table() {
        let cases: &[(&[f64], f64, f64)] = &[
            (&[], 0.0, 0.0),
            (&[5.0], 5.0, 0.0),
            (&[1.0, 3.0], 2.0, 1.0),
            (&[1.0, 2.0, 3.0, 4.0, 100.0], 3.0, 1.0),
            (&[7.0, 7.0, 7.0, 7.0], 7.0, 0.0),
        ];
        for (input, med, mad) in cases {
            let mut v = input.to_vec();
            assert_eq!(median_mad(&mut v), (*med, *mad), "{input:?}");
        }
    }

    #[test]
    fn slot_of_known_monday() {
        let s = Slot::of(MONDAY + 14 * H);
        assert_eq!((s.hour_of_week, s.hour_of_day), (14, 14));
        let sunday_23 = Slot::of(MONDAY - H);
        assert_eq!((sunday_23.hour_of_week, sunday_23.hour_of_day), (167, 23));
    }

    #[test]
    fn falls_back_from_week_to_day_to_all() {
        let mut w = SeasonalWindow::new(BaselineConfig::default());
        let cases = [
            (11, None),
            (12, Some(BaselineKind::AllHours)),
            (24 * 4, Some(BaselineKind::HourOfDay)),
            (24 * 7 * 4, Some(BaselineKind::HourOfWeek)),
        ];
        let mut pushed = 0;
        for (hours, want) in cases {
            while pushed < hours {
                w.push(MONDAY + pushed * H, 10.0);
                pushed += 1;
            }
            let got = w.expectation(MONDAY + pushed * H, 1e-9).map(|e| e.kind);
            assert_eq!(got, want, "after {hours} hours");
        }
    }

    #[test]
    fn push_toward_gives_the_same_expectation_as_push() {
        let mut full = SeasonalWindow::new(BaselineConfig::default());
        let mut lean = SeasonalWindow::new(BaselineConfig::default());
        for target_h in [24 * 3, 24 * 9 + 5, 24 * 7 * 5 + 13] {
            let target = MONDAY + target_h * H;
            full.clear();
            lean.clear();
            for i in 0..target_h {
                let v = (i * 7919 % 101) as f64;
                full.push(MONDAY + i * H, v);
                lean.push_toward(MONDAY + i * H, v, &Slot::of(target));
            }
            assert_eq!(
                full.expectation(target, 1e-9),
                lean.expectation(target, 1e-9),
                "{target_h}"
            );
        }
    }

    #[test]
    fn one_spike_barely_moves_the_expectation() {
        let mut w = SeasonalWindow::new(BaselineConfig::default());
        for i in 0..48 {
            w.push(MONDAY + i * H, 100.0 + (i % 5) as f64);
        }
        let before = w.expectation(MONDAY + 48 * H, 1e-9).expect("warmed up");
        w.push(MONDAY + 48 * H, 10_000.0);
        let after = w.expectation(MONDAY + 49 * H, 1e-9).expect("warmed up");
        assert!((after.median - before.median).abs() <= 1.0);
        assert!(after.spread <= before.spread * 1.2);
    }
}
