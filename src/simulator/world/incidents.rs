//! Scenario incidents resolved against the generated world: names become
//! indices, offsets become absolute simulated times, defaults are filled in.

use chrono::{DateTime, Utc};

use super::catalog::{self, Catalog, PROVIDERS};
use super::sync_jobs::JOBS;
use crate::simulator::scenario::{Incident, IncidentKind};

/// A half-open simulated time window `[from, to)`; `to = None` is open-ended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Window {
    pub from: DateTime<Utc>,
    pub to: Option<DateTime<Utc>>,
}

impl Window {
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        t >= self.from && self.to.is_none_or(|to| t < to)
    }

    /// Window edges strictly inside `(a, b)`, where the state may change.
    pub fn edges_in(&self, a: DateTime<Utc>, b: DateTime<Utc>, out: &mut Vec<DateTime<Utc>>) {
        for t in std::iter::once(self.from).chain(self.to) {
            if t > a && t < b {
                out.push(t);
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct SyncIncident {
    pub job: usize,
    pub window: Window,
    pub error: String,
}

#[derive(Debug, Clone, Default)]
pub struct Incidents {
    pub outages: Vec<(&'static str, Window)>,
    pub ctr: Vec<(usize, Window, f64)>,
    pub overpace: Vec<(usize, Window, f64)>,
    pub sync: Vec<SyncIncident>,
    pub stock_out: Vec<(usize, Window)>,
    pub finance: Vec<(usize, DateTime<Utc>, f64)>,
}

/// Default targets: pinned campaigns, so the defaults exist for every seed.
const DEFAULT_CTR_CAMPAIGN: usize = 3;
const DEFAULT_OVERPACE_CAMPAIGN: usize = 5;
const DEFAULT_FINANCE_CAMPAIGN: usize = 2;
const DEFAULT_STOCK_OUT_SKU: usize = 4;

pub fn resolve(
    list: &[Incident],
    catalog: &Catalog,
    start: DateTime<Utc>,
) -> Result<Incidents, String> {
    let mut out = Incidents::default();
    for (n, inc) in list.iter().enumerate() {
        let ctx = |msg: String| format!("incident #{} ({}): {msg}", n + 1, inc.kind.as_str());
        let window = Window {
            from: start + inc.start(),
            to: inc.end().map(|e| start + e),
        };
        let campaign = |default: usize| -> Result<usize, String> {
            match &inc.campaign {
                Some(id) => catalog.find(id).ok_or_else(|| {
                    ctx(format!(
                        "unknown campaign {id:?} (ids run from cmp-0000 to {})",
                        catalog::campaign_id(catalog.campaigns.len().saturating_sub(1))
                    ))
                }),
                None if default < catalog.campaigns.len() => Ok(default),
                None => Err(ctx(
                    "the world has too few campaigns for the default target; set campaign = \"cmp-NNNN\""
                        .into(),
                )),
            }
        };
        let factor = |default: f64| -> Result<f64, String> {
            let f = inc.factor.unwrap_or(default);
            if f.is_finite() && f >= 0.0 {
                Ok(f)
            } else {
                Err(ctx(format!(
                    "factor must be a non-negative number, got {f}"
                )))
            }
        };
        match inc.kind {
            IncidentKind::ProviderOutage => {
                let name = inc
                    .provider
                    .as_deref()
                    .unwrap_or(catalog::PRIMARY_EMAIL_PROVIDER);
                let provider = PROVIDERS.iter().find(|p| **p == name).ok_or_else(|| {
                    ctx(format!(
                        "unknown provider {name:?} (known: {})",
                        PROVIDERS.join(", ")
                    ))
                })?;
                out.outages.push((provider, window));
            }
            IncidentKind::CtrCollapse => {
                let c = campaign(DEFAULT_CTR_CAMPAIGN)?;
                out.ctr.push((c, window, factor(0.1)?));
            }
            IncidentKind::BudgetOverpace => {
                let c = campaign(DEFAULT_OVERPACE_CAMPAIGN)?;
                out.overpace.push((c, window, factor(4.0)?));
            }
            IncidentKind::SyncFailure => {
                let name = inc.job.as_deref().unwrap_or(JOBS[0].id);
                let job = JOBS.iter().position(|j| j.id == name).ok_or_else(|| {
                    let known: Vec<&str> = JOBS.iter().map(|j| j.id).collect();
                    ctx(format!(
                        "unknown job {name:?} (known: {})",
                        known.join(", ")
                    ))
                })?;
                let error = inc
                    .error
                    .clone()
                    .unwrap_or_else(|| "HTTP 502 Bad Gateway from upstream".into());
                out.sync.push(SyncIncident { job, window, error });
            }
            IncidentKind::StockOut => {
                let sku = match &inc.sku {
                    Some(s) => catalog::sku_index(s).ok_or_else(|| {
                        ctx(format!(
                            "unknown sku {s:?} (SKUs run from {} to {})",
                            catalog::sku_id(0),
                            catalog::sku_id(catalog::SKU_COUNT - 1)
                        ))
                    })?,
                    None => DEFAULT_STOCK_OUT_SKU,
                };
                out.stock_out.push((sku, window));
            }
            IncidentKind::FinanceApproval => {
                let c = campaign(DEFAULT_FINANCE_CAMPAIGN)?;
                let budget = inc.budget.unwrap_or(120_000.0);
                if !(budget.is_finite() && budget >= 50_000.0) {
                    return Err(ctx(format!(
                        "budget must be at least 50000 to need finance, got {budget}"
                    )));
                }
                out.finance.push((c, window.from, budget));
            }
        }
    }
    Ok(out)
}
