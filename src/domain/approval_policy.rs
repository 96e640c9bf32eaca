//! Which steps an approval chain needs, decided from the request itself.
//! One policy serves the simulator (which builds chains) and the console
//! (which shows, per request, why each step is there).

use serde::{Deserialize, Serialize};

use super::StepRule;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChainPolicy {
    /// Budget at or above this adds a finance step.
    pub finance_threshold: f64,
    /// Budget at or above this makes the finance step need every approver.
    pub finance_all_threshold: f64,
    /// Discount (percent) above this adds a margin step.
    pub margin_discount_pct: f64,
}

impl Default for ChainPolicy {
    fn default() -> Self {
        ChainPolicy {
            finance_threshold: 50_000.0,
            finance_all_threshold: 100_000.0,
            margin_discount_pct: 20.0,
        }
    }
}

/// The facts about a request that decide its chain.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RequestFacts {
    pub budget: f64,
    pub discount_pct: f64,
    pub regulated: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StepTemplate {
    pub id: &'static str,
    pub rule: StepRule,
    /// Why this step is in the chain, shown to the operator.
    pub why: String,
}

impl ChainPolicy {
    /// Why a step of this id is in a chain for a request of this budget,
    /// as shown next to the step in the console.
    pub fn explain(&self, step_id: &str, budget: f64) -> String {
        match step_id {
            "marketing" => "every request".into(),
            "finance" if budget >= self.finance_all_threshold => format!(
                "budget {budget:.0} ≥ {:.0}: every finance approver",
                self.finance_all_threshold
            ),
            "finance" => format!("budget {budget:.0} ≥ {:.0}", self.finance_threshold),
            "margin" => format!("discount above {:.0}%", self.margin_discount_pct),
            "legal" => "regulated content".into(),
            _ => String::new(),
        }
    }

    pub fn steps(&self, f: RequestFacts) -> Vec<StepTemplate> {
        let mut out = vec![StepTemplate {
            id: "marketing",
            rule: StepRule::AnyOne,
            why: "every request".into(),
        }];
        if f.budget >= self.finance_threshold {
            let all = f.budget >= self.finance_all_threshold;
            out.push(StepTemplate {
                id: "finance",
                rule: if all { StepRule::All } else { StepRule::AnyOne },
                why: format!(
                    "budget {:.0} ≥ {:.0}{}",
                    f.budget,
                    self.finance_threshold,
                    if all {
                        format!(
                            "; ≥ {:.0} needs every finance approver",
                            self.finance_all_threshold
                        )
                    } else {
                        String::new()
                    }
                ),
            });
        }
        if f.discount_pct > self.margin_discount_pct {
            out.push(StepTemplate {
                id: "margin",
                rule: StepRule::AnyOne,
                why: format!(
                    "discount {:.0}% > {:.0}%",
                    f.discount_pct, self.margin_discount_pct
                ),
            });
        }
        if f.regulated {
            out.push(StepTemplate {
                id: "legal",
                rule: StepRule::AnyOne,
                why: "regulated content".into(),
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(budget: f64, discount_pct: f64, regulated: bool) -> Vec<&'static str> {
        ChainPolicy::default()
            .steps(RequestFacts {
                budget,
                discount_pct,
                regulated,
            })
            .iter()
            .map(|s| s.id)
            .collect()
    }

    #[test]
    fn table() {
        let cases: &[(f64, f64, bool, &[&str])] = &[
            (10_000.0, 0.0, false, &["marketing"]),
            (49_999.99, 0.0, false, &["marketing"]),
            (50_000.0, 0.0, false, &["marketing", "finance"]), // exactly at the threshold
            (50_000.01, 0.0, false, &["marketing", "finance"]),
            (10_000.0, 20.0, false, &["marketing"]),
            (10_000.0, 20.5, false, &["marketing", "margin"]),
            (10_000.0, 0.0, true, &["marketing", "legal"]),
            (
                120_000.0,
                30.0,
                true,
                &["marketing", "finance", "margin", "legal"],
            ),
        ];
        for (budget, discount, regulated, want) in cases {
            assert_eq!(
                ids(*budget, *discount, *regulated),
                *want,
                "{budget} {discount} {regulated}"
            );
        }
    }

    #[test]
    fn explanations_name_the_rule() {
        let p = ChainPolicy {
            finance_threshold: 10_000.0,
            ..ChainPolicy::default()
        };
        assert_eq!(p.explain("finance", 12_000.0), "budget 12000 ≥ 10000");
        assert!(
            p.explain("finance", 150_000.0)
                .contains("every finance approver")
        );
        assert_eq!(p.explain("legal", 1.0), "regulated content");
    }

    #[test]
    fn finance_needs_all_at_the_upper_threshold() {
        let p = ChainPolicy::default();
        let rule = |b| {
            p.steps(RequestFacts {
                budget: b,
                discount_pct: 0.0,
                regulated: false,
            })[1]
                .rule
        };
        assert_eq!(rule(99_999.0), StepRule::AnyOne);
        assert_eq!(rule(100_000.0), StepRule::All);
    }
}
