//! Auto mode: which throttle commands the state owner should issue so the
//! marketing system runs each campaign at the rate its stock allows. Only
//! changes are issued; a campaign already at its target gets nothing.

use std::collections::HashMap;

use crate::domain::Throttle;

/// The send rate, in percent of plan, a throttle asks for (0 when paused).
pub fn target_percent(t: &Throttle) -> u8 {
    (t.factor * 100.0).round().clamp(0.0, 100.0) as u8
}

/// `(campaign, percent)` pairs to send. `applied` holds the percent last
/// applied per campaign (absent = running at 100 %).
pub fn auto_commands(throttles: &[Throttle], applied: &HashMap<String, u8>) -> Vec<(String, u8)> {
    throttles
        .iter()
        .filter_map(|t| {
            let want = target_percent(t);
            let have = applied.get(&t.campaign_id).copied().unwrap_or(100);
            (want != have).then(|| (t.campaign_id.clone(), want))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ThrottleLevel;

    fn throttle(id: &str, level: ThrottleLevel, factor: f64) -> Throttle {
        Throttle {
            campaign_id: id.into(),
            level,
            factor,
            sku: "SKU-1".into(),
            projected: 10.0,
            days_of_cover: Some(1.0),
            rule: "test".into(),
        }
    }

    #[test]
    fn only_changes_are_issued() {
        let ts = vec![
            throttle("full", ThrottleLevel::Full, 1.0),
            throttle("slow", ThrottleLevel::Throttled, 0.5),
            throttle("stop", ThrottleLevel::Paused, 0.0),
            throttle("done", ThrottleLevel::Throttled, 0.5),
            throttle("lift", ThrottleLevel::Full, 1.0),
        ];
        let applied: HashMap<String, u8> = [("done".to_string(), 50), ("lift".to_string(), 50)]
            .into_iter()
            .collect();
        let mut got = auto_commands(&ts, &applied);
        got.sort();
        assert_eq!(
            got,
            vec![
                ("lift".to_string(), 100),
                ("slow".to_string(), 50),
                ("stop".to_string(), 0),
            ]
        );
    }

    #[test]
    fn percent_is_clamped_and_rounded() {
        assert_eq!(
            target_percent(&throttle("a", ThrottleLevel::Throttled, 0.333)),
            33
        );
        assert_eq!(
            target_percent(&throttle("a", ThrottleLevel::Full, 1.7)),
            100
        );
        assert_eq!(
            target_percent(&throttle("a", ThrottleLevel::Paused, -1.0)),
            0
        );
    }
}
