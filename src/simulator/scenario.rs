//! Scenario files (TOML): world size, seed, speed, standing faults and
//! scripted incidents. The format is documented in docs/simulator.md.

use chrono::Duration;
use serde::{Deserialize, Deserializer, Serialize};

use crate::domain::System;

/// Fault knobs for one system. Every field defaults to "no fault".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// Real milliseconds added before every answer.
    pub latency_ms: u64,
    /// Fraction (0..=1) of requests answered `500` before they are applied.
    pub error_rate: f64,
    /// Requests allowed per 10 s window; over it: `429` with `Retry-After`.
    pub rate_limit: Option<u32>,
    /// Every request answers `503 unavailable`.
    pub outage: bool,
    /// Fraction (0..=1) of `200` bodies replaced by truncated or garbled JSON.
    pub malformed_rate: f64,
    /// Send the headers and part of the body, then stall this many real ms.
    pub stall_ms: u64,
}

impl Faults {
    pub fn validate(&self) -> Result<(), String> {
        for (name, v) in [
            ("error_rate", self.error_rate),
            ("malformed_rate", self.malformed_rate),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return Err(format!(
                    "{name} must be a fraction between 0 and 1, got {v}"
                ));
            }
        }
        if self.rate_limit == Some(0) {
            return Err("rate_limit must be at least 1 request per window".into());
        }
        Ok(())
    }
}

/// One [`Faults`] per system.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaultSet {
    pub marketing: Faults,
    pub crm: Faults,
    pub erp: Faults,
}

impl FaultSet {
    pub fn get(&self, system: System) -> &Faults {
        match system {
            System::Marketing => &self.marketing,
            System::Crm => &self.crm,
            System::Erp => &self.erp,
        }
    }

    pub fn set(&mut self, system: System, faults: Faults) {
        match system {
            System::Marketing => self.marketing = faults,
            System::Crm => self.crm = faults,
            System::Erp => self.erp = faults,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentKind {
    ProviderOutage,
    CtrCollapse,
    SyncFailure,
    StockOut,
    BudgetOverpace,
    FinanceApproval,
}

impl IncidentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            IncidentKind::ProviderOutage => "provider_outage",
            IncidentKind::CtrCollapse => "ctr_collapse",
            IncidentKind::SyncFailure => "sync_failure",
            IncidentKind::StockOut => "stock_out",
            IncidentKind::BudgetOverpace => "budget_overpace",
            IncidentKind::FinanceApproval => "finance_approval",
        }
    }
}

/// A simulated offset such as "90s", "15m", "2h", "1d" or "1h30m".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SimDuration(pub Duration);

impl<'de> Deserialize<'de> for SimDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        parse_duration(&text)
            .map(SimDuration)
            .map_err(serde::de::Error::custom)
    }
}

pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let bad = || {
        format!("invalid duration {text:?}: use e.g. \"90s\", \"15m\", \"2h\", \"1d\", \"1h30m\"")
    };
    let mut total = 0i64;
    let mut digits = String::new();
    for c in text.trim().chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let n: i64 = digits.parse().map_err(|_| bad())?;
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            _ => return Err(bad()),
        };
        total = n
            .checked_mul(unit)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(bad)?;
        digits.clear();
    }
    if !digits.is_empty() || text.trim().is_empty() {
        return Err(bad());
    }
    Ok(Duration::seconds(total))
}

/// A scripted incident. Targets left out get a sensible default chosen from
/// the generated world (see docs/simulator.md).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Incident {
    pub kind: IncidentKind,
    pub at: SimDuration,
    pub duration: Option<SimDuration>,
    /// provider_outage: provider name (default "sendgrid").
    pub provider: Option<String>,
    /// ctr_collapse, budget_overpace, finance_approval: campaign id.
    pub campaign: Option<String>,
    /// sync_failure: job id.
    pub job: Option<String>,
    /// stock_out: SKU.
    pub sku: Option<String>,
    /// ctr_collapse: click multiplier (default 0.1); budget_overpace: spend multiplier (default 4).
    pub factor: Option<f64>,
    /// sync_failure: error text.
    pub error: Option<String>,
    /// finance_approval: requested budget (default 120000).
    pub budget: Option<f64>,
}

impl Incident {
    pub fn start(&self) -> Duration {
        self.at.0
    }

    /// End offset; incidents without a duration last for the rest of the run.
    pub fn end(&self) -> Option<Duration> {
        self.duration.map(|d| self.at.0 + d.0)
    }
}

/// The parsed scenario file; `None` fields fall back to the built-in defaults.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub name: Option<String>,
    pub seed: Option<u64>,
    pub campaigns: Option<usize>,
    pub speed: Option<f64>,
    #[serde(default)]
    pub faults: FaultSet,
    #[serde(default, rename = "incident")]
    pub incidents: Vec<Incident>,
    /// The ERP's approval chain policy (`[approvals]`), defaults otherwise.
    #[serde(default)]
    pub approvals: Option<crate::domain::approval_policy::ChainPolicy>,
}

pub const DEMO_TOML: &str = include_str!("../../examples/scenarios/demo.toml");

impl Scenario {
    pub fn parse(text: &str) -> Result<Scenario, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    /// The embedded demo scenario: all six incident kinds in the first ~20 minutes.
    pub fn demo() -> Scenario {
        Scenario::parse(DEMO_TOML).expect("the embedded demo scenario is checked by a unit test")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_and_reject_garbage() {
        assert_eq!(parse_duration("15m"), Ok(Duration::minutes(15)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::minutes(90)));
        assert_eq!(parse_duration("2d"), Ok(Duration::days(2)));
        for bad in ["", "15", "m", "3x", "1.5h"] {
            let err = parse_duration(bad).unwrap_err();
            assert!(err.contains("invalid duration"), "{bad}: {err}");
        }
    }

    #[test]
    fn embedded_scenarios_parse_and_cover_every_kind() {
        let demo = Scenario::demo();
        for kind in [
            IncidentKind::ProviderOutage,
            IncidentKind::CtrCollapse,
            IncidentKind::SyncFailure,
            IncidentKind::StockOut,
            IncidentKind::BudgetOverpace,
            IncidentKind::FinanceApproval,
        ] {
            let inc = demo.incidents.iter().find(|i| i.kind == kind).unwrap();
            assert!(inc.start() <= Duration::minutes(20), "{kind:?}");
        }
        let calm = Scenario::parse(include_str!("../../examples/scenarios/calm.toml")).unwrap();
        assert!(calm.incidents.is_empty());
    }

    #[test]
    fn unknown_fields_and_kinds_are_named_in_errors() {
        let err = Scenario::parse("sed = 1").unwrap_err();
        assert!(err.contains("sed"), "{err}");
        let err = Scenario::parse("[[incident]]\nkind = \"meteor\"\nat = \"1m\"").unwrap_err();
        assert!(err.contains("meteor"), "{err}");
        let err = Scenario::parse("[faults.crm]\nerror_rat = 0.5").unwrap_err();
        assert!(err.contains("error_rat"), "{err}");
    }
}
