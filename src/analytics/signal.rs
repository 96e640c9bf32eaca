//! The monitored signals: how each is read from an hourly bucket, which
//! side of its band hurts, its unit floor and how it is shown.

use super::anomaly::AnomalyPolicy;
use crate::domain::MetricKind;
use crate::domain::snapshot::HourBucket;

/// Which side of the band is a problem for a signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Low,
    High,
    Both,
}

impl Direction {
    pub fn matches(self, z: f64) -> bool {
        match self {
            Direction::Low => z < 0.0,
            Direction::High => z > 0.0,
            Direction::Both => z != 0.0,
        }
    }
}

/// A monitored series kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Signal {
    Ctr,
    OpenRate,
    BounceRate,
    UnsubscribeRate,
    ConversionRate,
    Sends,
    Spend,
    SyncLag,
}

impl Signal {
    pub const CAMPAIGN: [Signal; 7] = [
        Signal::Ctr,
        Signal::OpenRate,
        Signal::BounceRate,
        Signal::UnsubscribeRate,
        Signal::ConversionRate,
        Signal::Sends,
        Signal::Spend,
    ];

    /// Campaign signals plus sync lag.
    pub const ALL: [Signal; 8] = [
        Signal::Ctr,
        Signal::OpenRate,
        Signal::BounceRate,
        Signal::UnsubscribeRate,
        Signal::ConversionRate,
        Signal::Sends,
        Signal::Spend,
        Signal::SyncLag,
    ];

    /// The signal an alert's `signal` field names, if it is one of ours.
    pub fn from_name(name: &str) -> Option<Signal> {
        Signal::ALL.into_iter().find(|s| s.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            Signal::Ctr => "ctr",
            Signal::OpenRate => "open_rate",
            Signal::BounceRate => "bounce_rate",
            Signal::UnsubscribeRate => "unsubscribe_rate",
            Signal::ConversionRate => "conversion_rate",
            Signal::Sends => "sends",
            Signal::Spend => "spend",
            Signal::SyncLag => "sync_lag",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Signal::Ctr => "CTR",
            Signal::OpenRate => "Open rate",
            Signal::BounceRate => "Bounce rate",
            Signal::UnsubscribeRate => "Unsubscribe rate",
            Signal::ConversionRate => "Conversion rate",
            Signal::Sends => "Sends",
            Signal::Spend => "Spend",
            Signal::SyncLag => "Sync lag",
        }
    }

    pub fn is_rate(self) -> bool {
        self.ratio().is_some()
    }

    /// Engagement signals feed the health score's "engagement" component.
    pub fn is_engagement(self) -> bool {
        matches!(
            self,
            Signal::Ctr | Signal::OpenRate | Signal::ConversionRate
        )
    }

    fn ratio(self) -> Option<(MetricKind, MetricKind)> {
        match self {
            Signal::Ctr => Some((MetricKind::Clicks, MetricKind::Deliveries)),
            Signal::OpenRate => Some((MetricKind::Opens, MetricKind::Deliveries)),
            Signal::BounceRate => Some((MetricKind::Bounces, MetricKind::Sends)),
            Signal::UnsubscribeRate => Some((MetricKind::Unsubscribes, MetricKind::Deliveries)),
            Signal::ConversionRate => Some((MetricKind::Conversions, MetricKind::Clicks)),
            _ => None,
        }
    }

    pub fn bad_direction(self) -> Direction {
        match self {
            Signal::Ctr | Signal::OpenRate | Signal::ConversionRate => Direction::Low,
            Signal::BounceRate | Signal::UnsubscribeRate | Signal::SyncLag => Direction::High,
            Signal::Sends | Signal::Spend => Direction::Both,
        }
    }

    /// Smallest spread that means anything in this signal's unit.
    pub fn abs_floor(self) -> f64 {
        match self {
            Signal::Sends => 1.0,
            Signal::Spend => 0.5,
            Signal::SyncLag => 5.0,
            _ => 0.0005,
        }
    }

    /// The value of this signal in a bucket and the volume it rests on, or
    /// `None` when the volume is too small to mean anything.
    pub fn read(self, b: &HourBucket, p: &AnomalyPolicy) -> Option<(f64, f64)> {
        match self.ratio() {
            Some((num, den)) => {
                let d = b.get(den);
                let min = if den == MetricKind::Clicks {
                    p.min_conversion_clicks
                } else {
                    p.min_rate_denominator
                };
                (d >= min.max(1.0)).then(|| (b.get(num) / d, d))
            }
            None => match self {
                Signal::Sends => Some((b.get(MetricKind::Sends), 1.0)),
                Signal::Spend => Some((b.get(MetricKind::Spend), 1.0)),
                _ => None,
            },
        }
    }

    /// Human rendering of a value: "0.31%", "1,240", "412.50", "42 min".
    pub fn format(self, v: f64) -> String {
        if self.is_rate() {
            let pct = v * 100.0;
            return if pct.abs() < 1.0 {
                format!("{pct:.2}%")
            } else {
                format!("{pct:.1}%")
            };
        }
        match self {
            Signal::Spend => format!("{v:.2}"),
            Signal::SyncLag => format!("{v:.0} min"),
            _ => format!("{v:.0}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_format() {
        for s in Signal::ALL {
            assert_eq!(Signal::from_name(s.name()), Some(s));
        }
        assert_eq!(Signal::from_name("nope"), None);
        let cases = [
            (Signal::Ctr, 0.0031, "0.31%"),
            (Signal::OpenRate, 0.2345, "23.4%"),
            (Signal::Sends, 1240.4, "1240"),
            (Signal::Spend, 412.5, "412.50"),
            (Signal::SyncLag, 42.2, "42 min"),
        ];
        for (s, v, want) in cases {
            assert_eq!(s.format(v), want, "{s:?}");
        }
    }
}
