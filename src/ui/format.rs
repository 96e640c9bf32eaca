//! Text formatting shared by the views: ages, freshness, money, rates.

use chrono::{DateTime, Duration, Utc};

use crate::analytics::Signal;
use crate::app::AppState;
use crate::domain::System;

/// "12s", "14 min", "3h 05m", "2d 4h".
pub fn age(d: Duration) -> String {
    let s = d.num_seconds().max(0);
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{} min", s / 60),
        3600..172_800 => format!("{}h {:02}m", s / 3600, s % 3600 / 60),
        _ => format!("{}d {}h", s / 86_400, s % 86_400 / 3600),
    }
}

/// Age of `t` at `now`, or the dash glyph for unknown.
pub fn since(now: DateTime<Utc>, t: Option<DateTime<Utc>>, dash: &str) -> String {
    t.map_or_else(|| dash.to_string(), |t| age(now - t))
}

/// "in 3h 05m" / "overdue 2h 10m".
pub fn until(now: DateTime<Utc>, t: DateTime<Utc>) -> String {
    if t >= now {
        format!("in {}", age(t - now))
    } else {
        format!("overdue {}", age(now - t))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fresh {
    Fresh,
    /// Data present but the last poll failed.
    Failing,
    Stale,
    Never,
}

/// The freshness text for an area title: "ERP 12s ago", "CRM: 14 min stale",
/// "Marketing: never loaded".
pub fn freshness(state: &AppState, system: System) -> (String, Fresh) {
    let f = state.snapshot.freshness(system);
    let label = system.label();
    match f.age(state.now) {
        None => (format!("{label}: never loaded"), Fresh::Never),
        Some(a) if f.is_stale(state.now, state.stale_after) => {
            (format!("{label}: {} stale", age(a)), Fresh::Stale)
        }
        Some(a) if f.failures > 0 => (
            format!("{label} {} ago, last poll failed", age(a)),
            Fresh::Failing,
        ),
        Some(a) => (format!("{label} {} ago", age(a)), Fresh::Fresh),
    }
}

/// Freshness texts for a title, longest first, down to the shortest that
/// still says what is wrong: "Marketing 2s ago, last poll failed",
/// "MKT 2s failing", "failing". A fresh source may vanish when there is no
/// room (nothing is wrong); the others keep a word besides their symbol.
pub fn freshness_variants(state: &AppState, system: System) -> (Vec<String>, Fresh) {
    let (full, fresh) = freshness(state, system);
    let f = state.snapshot.freshness(system);
    let short = short_label(system);
    let a = f.age(state.now).map(short_age).unwrap_or_default();
    let rest = match fresh {
        Fresh::Fresh => vec![format!("{short} {a}")],
        Fresh::Failing => vec![format!("{short} {a} failing"), "failing".into()],
        Fresh::Stale => vec![format!("{short} {a} stale"), "stale".into()],
        Fresh::Never => vec![format!("{short} never"), "never".into()],
    };
    (std::iter::once(full).chain(rest).collect(), fresh)
}

/// Three letters per source, for narrow titles.
pub fn short_label(system: System) -> &'static str {
    match system {
        System::Marketing => "MKT",
        System::Crm => "CRM",
        System::Erp => "ERP",
    }
}

/// "5s", "14m", "3h", "2d": one unit, for narrow titles.
pub fn short_age(d: Duration) -> String {
    let s = d.num_seconds().max(0);
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..172_800 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86_400),
    }
}

/// Every source has been tried and its latest poll failed.
pub fn offline(state: &AppState) -> bool {
    System::ALL.iter().all(|s| {
        let f = state.snapshot.freshness(*s);
        f.last_attempt.is_some() && f.failures > 0
    })
}

/// When any source last answered.
pub fn last_success(state: &AppState) -> Option<DateTime<Utc>> {
    System::ALL
        .iter()
        .filter_map(|s| state.snapshot.freshness(*s).fetched_at)
        .max()
}

/// Compact money in the account currency's major unit: "950", "12.5k", "1.2M".
pub fn money(v: f64) -> String {
    let a = v.abs();
    if a >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if a >= 1e4 {
        format!("{:.1}k", v / 1e3)
    } else {
        format!("{v:.0}")
    }
}

pub fn percent(ratio: f64) -> String {
    format!("{:.2}%", ratio * 100.0)
}

/// A signal's value in its unit, as analytics formats it ("0.31%",
/// "42 min"); unknown signals: rates are ratios, everything else a count.
pub fn signal_value(signal: &str, v: f64) -> String {
    let known = Signal::CAMPAIGN
        .into_iter()
        .chain([Signal::SyncLag])
        .find(|s| s.name() == signal);
    if let Some(s) = known {
        return s.format(v);
    }
    if signal == "ctr" || signal.ends_with("_rate") || signal.ends_with("rate") {
        percent(v)
    } else if v.abs() >= 1e4 {
        money(v)
    } else if v.fract().abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// "0.42% vs 1.8–2.6%".
pub fn band(signal: &str, observed: f64, low: f64, high: f64, dash: &str) -> String {
    // The unit is written once, after the band: "1.80–2.60%".
    let low = signal_value(signal, low);
    format!(
        "{} vs {}{dash}{}",
        signal_value(signal, observed),
        low.trim_end_matches('%'),
        signal_value(signal, high)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages() {
        let cases = [
            (0, "0s"),
            (59, "59s"),
            (60, "1 min"),
            (14 * 60 + 5, "14 min"),
            (3 * 3600 + 5 * 60, "3h 05m"),
            (2 * 86_400 + 4 * 3600, "2d 4h"),
            (-5, "0s"),
        ];
        for (s, want) in cases {
            assert_eq!(age(Duration::seconds(s)), want);
        }
    }

    #[test]
    fn numbers() {
        assert_eq!(money(950.0), "950");
        assert_eq!(money(12_500.0), "12.5k");
        assert_eq!(money(1_250_000.0), "1.2M");
        assert_eq!(signal_value("ctr", 0.0042), "0.42%");
        assert_eq!(signal_value("sends", 1200.0), "1200");
        assert_eq!(signal_value("bounce_rate", 0.081), "8.1%");
        assert_eq!(signal_value("sync_lag", 42.0), "42 min");
        assert_eq!(signal_value("mystery_rate", 0.5), "50.00%");
        assert_eq!(band("ctr", 0.0042, 0.018, 0.026, "–"), "0.42% vs 1.8–2.6%");
    }
}
