use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Email,
    Sms,
    Push,
    Social,
    Display,
    Search,
}

impl Channel {
    pub const ALL: [Channel; 6] = [
        Channel::Email,
        Channel::Sms,
        Channel::Push,
        Channel::Social,
        Channel::Display,
        Channel::Search,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
            Channel::Push => "push",
            Channel::Social => "social",
            Channel::Display => "display",
            Channel::Search => "search",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CampaignStatus {
    Draft,
    Scheduled,
    Active,
    Paused,
    Completed,
}

impl CampaignStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CampaignStatus::Draft => "draft",
            CampaignStatus::Scheduled => "scheduled",
            CampaignStatus::Active => "active",
            CampaignStatus::Paused => "paused",
            CampaignStatus::Completed => "completed",
        }
    }
}

/// A campaign as the marketing system reports it. Money is in the account
/// currency's major unit (e.g. EUR), as the native contract sends it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Campaign {
    pub id: String,
    pub name: String,
    pub channel: Channel,
    pub status: CampaignStatus,
    pub owner: String,
    pub budget: f64,
    pub spend: f64,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// SKUs the campaign promotes; the ERP stock of these drives throttles.
    #[serde(default)]
    pub skus: Vec<String>,
    /// Delivery provider currently in use (e.g. "sendgrid", "backup-ses").
    #[serde(default)]
    pub provider: String,
    /// Fallback currently engaged, if any (e.g. "backup_provider").
    #[serde(default)]
    pub fallback: Option<String>,
    pub updated_at: DateTime<Utc>,
}

impl Campaign {
    /// Share of the flight elapsed at `now`, clamped to 0..=1.
    pub fn elapsed_fraction(&self, now: DateTime<Utc>) -> f64 {
        let total = (self.end - self.start).num_seconds();
        if total <= 0 {
            return 1.0;
        }
        let done = (now - self.start).num_seconds();
        (done as f64 / total as f64).clamp(0.0, 1.0)
    }

    /// Spend relative to a linear budget curve: 1.0 is on pace, 1.3 is 30 % ahead.
    pub fn pacing(&self, now: DateTime<Utc>) -> Option<f64> {
        let expected = self.budget * self.elapsed_fraction(now);
        if expected <= f64::EPSILON {
            return None;
        }
        Some(self.spend / expected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn campaign() -> Campaign {
        let start = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
        Campaign {
            id: "c1".into(),
            name: "Winter".into(),
            channel: Channel::Email,
            status: CampaignStatus::Active,
            owner: "ana".into(),
            budget: 1000.0,
            spend: 600.0,
            start,
            end: start + chrono::Duration::days(10),
            skus: vec![],
            provider: "sendgrid".into(),
            fallback: None,
            updated_at: start,
        }
    }

    #[test]
    fn pacing_is_spend_over_linear_budget() {
        let c = campaign();
        let half = c.start + chrono::Duration::days(5);
        let p = c.pacing(half).unwrap();
        assert!((p - 1.2).abs() < 1e-9, "{p}");
        assert_eq!(c.pacing(c.start), None);
    }
}
