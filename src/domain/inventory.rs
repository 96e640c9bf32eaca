use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InventoryLevel {
    pub sku: String,
    pub warehouse: String,
    pub on_hand: f64,
    pub reserved: f64,
    /// On hand minus reserved plus inbound, as the ERP projects it.
    pub projected: f64,
    /// Units sold per day, averaged over the ERP's recent window.
    pub daily_sell_through: f64,
    pub updated_at: DateTime<Utc>,
}

impl InventoryLevel {
    /// Days until projected stock runs out at the current sell-through.
    /// `None` when nothing is selling (cover is unbounded).
    pub fn days_of_cover(&self) -> Option<f64> {
        if self.daily_sell_through <= f64::EPSILON {
            return None;
        }
        Some((self.projected.max(0.0)) / self.daily_sell_through)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cover_is_projected_over_sell_through() {
        let mut l = InventoryLevel {
            sku: "SKU-1".into(),
            warehouse: "AMS".into(),
            on_hand: 120.0,
            reserved: 20.0,
            projected: 100.0,
            daily_sell_through: 25.0,
            updated_at: Utc::now(),
        };
        assert_eq!(l.days_of_cover(), Some(4.0));
        l.projected = -5.0;
        assert_eq!(l.days_of_cover(), Some(0.0));
        l.daily_sell_through = 0.0;
        assert_eq!(l.days_of_cover(), None);
    }
}
