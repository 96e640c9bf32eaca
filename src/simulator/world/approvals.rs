//! ERP approval requests. New requests arrive every few simulated hours;
//! simulated approvers decide non-incident requests after a seeded delay, and
//! operators decide through the API. First decision wins, order is enforced.

use chrono::{DateTime, Duration, Utc};

use super::WorldError;
use super::catalog::Catalog;
use crate::domain::approval_policy::{ChainPolicy, RequestFacts};
use crate::domain::{ApprovalRequest, ApprovalStatus, ApprovalStep, Decision, StepRule, Verdict};
use crate::simulator::rng::{self, tag};

const INTERVAL: Duration = Duration::hours(3);
const MARKETING: [&str; 2] = ["maria.k", "tom.b"];
const FINANCE: [&str; 2] = ["fiona.c", "frank.d"];
const LEGAL: [&str; 1] = ["lena.s"];

#[derive(Debug, Clone)]
struct Entry {
    req: ApprovalRequest,
    /// Only operators decide it (scripted incidents wait for a human).
    manual: bool,
    /// When the current step became current.
    ready_at: DateTime<Utc>,
    key: u64,
}

#[derive(Debug, Clone)]
pub struct Approvals {
    seed: u64,
    epoch: DateTime<Utc>,
    next_k: u64,
    entries: Vec<Entry>,
    /// Which steps a chain needs (the scenario's `[approvals]`, or defaults).
    pub policy: ChainPolicy,
}

fn step(id: &str, approvers: &[&str], rule: StepRule) -> ApprovalStep {
    let name = format!("{}{} review", id[..1].to_uppercase(), &id[1..]);
    ApprovalStep {
        id: id.into(),
        name,
        scope: format!("{id}.approve"),
        approvers: approvers.iter().map(|a| a.to_string()).collect(),
        rule,
        status: ApprovalStatus::Pending,
        decisions: Vec::new(),
    }
}

pub fn steps_for(policy: &ChainPolicy, budget: f64, regulated: bool) -> Vec<ApprovalStep> {
    let facts = RequestFacts {
        budget,
        discount_pct: 0.0,
        regulated,
    };
    policy
        .steps(facts)
        .into_iter()
        .map(|t| {
            let approvers: &[&str] = match t.id {
                "finance" => &FINANCE,
                "legal" => &LEGAL,
                _ => &MARKETING,
            };
            step(t.id, approvers, t.rule)
        })
        .collect()
}

/// Record `verdict` by `by` on the pending step `s`; returns whether the step is decided.
fn sign(
    req: &mut ApprovalRequest,
    s: usize,
    by: &str,
    at: DateTime<Utc>,
    verdict: Verdict,
    reason: Option<String>,
) {
    let step = &mut req.steps[s];
    step.decisions.push(Decision {
        by: by.into(),
        at,
        verdict,
        reason,
    });
    let approvals = step
        .decisions
        .iter()
        .filter(|d| d.verdict == Verdict::Approve)
        .count();
    step.status = match (verdict, step.rule) {
        (Verdict::Reject, _) => ApprovalStatus::Rejected,
        (Verdict::Approve, StepRule::AnyOne) => ApprovalStatus::Approved,
        (Verdict::Approve, StepRule::All) if approvals >= step.approvers.len() => {
            ApprovalStatus::Approved
        }
        _ => ApprovalStatus::Pending,
    };
    if step.status == ApprovalStatus::Rejected {
        req.status = ApprovalStatus::Rejected;
    } else if req
        .steps
        .iter()
        .all(|s| s.status == ApprovalStatus::Approved)
    {
        req.status = ApprovalStatus::Approved;
    }
}

impl Approvals {
    pub fn new(seed: u64, epoch: DateTime<Utc>) -> Approvals {
        Approvals {
            seed,
            epoch,
            next_k: 0,
            entries: Vec::new(),
            policy: ChainPolicy::default(),
        }
    }

    fn arrival(&self, k: u64) -> DateTime<Utc> {
        let jitter = rng::range(self.seed, &[tag::APPROVAL, k, 0], 0.0, 5_400.0) as i64;
        self.epoch + INTERVAL * k as i32 + Duration::seconds(jitter)
    }

    /// Add the scripted finance request for `campaign` at `at`.
    pub fn add_incident(
        &mut self,
        n: usize,
        catalog: &Catalog,
        campaign: usize,
        at: DateTime<Utc>,
        budget: f64,
    ) {
        let spec = &catalog.campaigns[campaign];
        let mut req = ApprovalRequest {
            id: format!("apr-fin-{}", n + 1),
            campaign_id: spec.id.clone(),
            title: format!("Budget top-up to {budget:.0} for {}", spec.id),
            requested_by: spec.owner.into(),
            budget,
            created_at: at,
            deadline: at + Duration::hours(24),
            status: ApprovalStatus::Pending,
            steps: steps_for(&self.policy, budget, false),
        };
        sign(
            &mut req,
            0,
            MARKETING[0],
            at,
            Verdict::Approve,
            Some("within plan".into()),
        );
        self.entries.push(Entry {
            req,
            manual: true,
            ready_at: at,
            key: u64::MAX - n as u64,
        });
        self.entries
            .sort_by(|a, b| (a.req.created_at, &a.req.id).cmp(&(b.req.created_at, &b.req.id)));
    }

    /// Create arrivals and apply simulated approvers' decisions up to `now`.
    pub fn advance(&mut self, now: DateTime<Utc>, catalog: &Catalog) {
        let n = catalog.campaigns.len().max(1) as u64;
        while self.arrival(self.next_k) <= now {
            let k = self.next_k;
            let at = self.arrival(k);
            let r = |part: u64| rng::unit(self.seed, &[tag::APPROVAL, k, part]);
            let spec =
                &catalog.campaigns[(rng::hash(self.seed, &[tag::APPROVAL, k, 1]) % n) as usize];
            let budget = ((5_000.0 + 145_000.0 * r(2).powf(1.5)) / 500.0).round() * 500.0;
            let regulated = r(3) < 0.3;
            let what = if regulated {
                "Regulated offer copy"
            } else {
                "Flight extension"
            };
            self.entries.push(Entry {
                req: ApprovalRequest {
                    id: format!("apr-{k:04}"),
                    campaign_id: spec.id.clone(),
                    title: format!("{what} for {}", spec.id),
                    requested_by: spec.owner.into(),
                    budget,
                    created_at: at,
                    deadline: at + Duration::hours(48),
                    status: ApprovalStatus::Pending,
                    steps: steps_for(&self.policy, budget, regulated),
                },
                manual: false,
                ready_at: at,
                key: k,
            });
            self.next_k += 1;
        }
        self.entries
            .sort_by(|a, b| (a.req.created_at, &a.req.id).cmp(&(b.req.created_at, &b.req.id)));
        for e in self.entries.iter_mut().filter(|e| !e.manual) {
            while let Some(s) = e
                .req
                .steps
                .iter()
                .position(|s| s.status == ApprovalStatus::Pending)
                && e.req.status == ApprovalStatus::Pending
            {
                let key = [tag::APPROVAL, e.key, 10 + s as u64];
                let due = e.ready_at
                    + Duration::minutes(rng::range(self.seed, &key, 120.0, 1_560.0) as i64);
                if due > now {
                    break;
                }
                let verdict = if rng::unit(self.seed, &[tag::APPROVAL, e.key, 20 + s as u64]) < 0.9
                {
                    Verdict::Approve
                } else {
                    Verdict::Reject
                };
                let step = &e.req.steps[s];
                let signers: Vec<String> = match step.rule {
                    StepRule::AnyOne => vec![rng::pick(self.seed, &key, &step.approvers).clone()],
                    StepRule::All => step.waiting_on().into_iter().map(String::from).collect(),
                };
                for by in signers {
                    if e.req.steps[s].status == ApprovalStatus::Pending {
                        sign(&mut e.req, s, &by, due, verdict, None);
                    }
                }
                e.ready_at = due;
            }
        }
        self.escalate(now);
    }

    /// Past its deadline, a pending request's current step is escalated:
    /// the head of that function joins its approvers (once).
    fn escalate(&mut self, now: DateTime<Utc>) {
        for e in self.entries.iter_mut() {
            if e.req.status != ApprovalStatus::Pending || now <= e.req.deadline {
                continue;
            }
            if let Some(step) = e
                .req
                .steps
                .iter_mut()
                .find(|s| s.status == ApprovalStatus::Pending)
            {
                let head = format!("head-of-{}", step.id);
                if !step.approvers.contains(&head) {
                    step.approvers.push(head);
                }
            }
        }
    }

    /// The ERP changed a pending request (new budget): every earlier
    /// sign-off is void and the chain is rebuilt from the policy.
    pub fn amend(
        &mut self,
        id: &str,
        budget: f64,
        now: DateTime<Utc>,
    ) -> Result<ApprovalRequest, WorldError> {
        let e = self
            .entries
            .iter_mut()
            .find(|e| e.req.id == id)
            .ok_or_else(|| WorldError::NotFound(format!("no approval request {id}")))?;
        if e.req.status != ApprovalStatus::Pending {
            let last = e
                .req
                .steps
                .iter()
                .flat_map(|s| &s.decisions)
                .max_by_key(|d| d.at);
            return Err(WorldError::conflict(
                format!("request {id} is already {}", e.req.status.as_str()),
                e.req.status.as_str(),
                last.map(|d| (d.by.clone(), d.at)),
            ));
        }
        if !(budget.is_finite() && budget > 0.0) {
            return Err(WorldError::Invalid {
                message: format!("budget must be positive, got {budget}"),
                details: serde_json::json!({ "budget": budget }),
            });
        }
        let regulated = e.req.steps.iter().any(|s| s.id == "legal");
        e.req.budget = budget;
        e.req.steps = steps_for(&self.policy, budget, regulated);
        // Simulated approvers take the rebuilt chain from the start again.
        e.ready_at = now;
        Ok(e.req.clone())
    }

    pub fn list(&self, all: bool) -> Vec<ApprovalRequest> {
        self.entries
            .iter()
            .filter(|e| all || e.req.status == ApprovalStatus::Pending)
            .map(|e| e.req.clone())
            .collect()
    }

    pub fn decide(
        &mut self,
        id: &str,
        step_id: &str,
        verdict: Verdict,
        actor: &str,
        reason: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<ApprovalRequest, WorldError> {
        let e = self
            .entries
            .iter_mut()
            .find(|e| e.req.id == id)
            .ok_or_else(|| WorldError::NotFound(format!("no approval request {id}")))?;
        let s = e
            .req
            .steps
            .iter()
            .position(|s| s.id == step_id)
            .ok_or_else(|| WorldError::NotFound(format!("request {id} has no step {step_id}")))?;
        let step = &e.req.steps[s];
        if step.status != ApprovalStatus::Pending {
            let last = step.decisions.last();
            return Err(WorldError::conflict(
                format!("step {step_id} of {id} is already {}", step.status.as_str()),
                step.status.as_str(),
                last.map(|d| (d.by.clone(), d.at)),
            ));
        }
        if e.req.status != ApprovalStatus::Pending {
            let last = e
                .req
                .steps
                .iter()
                .flat_map(|s| &s.decisions)
                .max_by_key(|d| d.at);
            return Err(WorldError::conflict(
                format!("request {id} is already {}", e.req.status.as_str()),
                e.req.status.as_str(),
                last.map(|d| (d.by.clone(), d.at)),
            ));
        }
        if e.req.requested_by == actor {
            return Err(WorldError::Forbidden(format!(
                "four-eyes: {actor} requested {id} and cannot decide it"
            )));
        }
        if let Some(other) = e
            .req
            .steps
            .iter()
            .find(|o| o.id != step_id && o.decisions.iter().any(|d| d.by == actor))
        {
            return Err(WorldError::Forbidden(format!(
                "four-eyes: {actor} already signed step {} of {id}",
                other.id
            )));
        }
        if let Some(mine) = step.decisions.iter().find(|d| d.by == actor) {
            return Err(WorldError::conflict(
                format!("{actor} already signed step {step_id} of {id}"),
                "pending",
                Some((mine.by.clone(), mine.at)),
            ));
        }
        let current = e
            .req
            .current_step()
            .map(|c| c.id.clone())
            .unwrap_or_default();
        if current != step_id {
            return Err(WorldError::Invalid {
                message: format!(
                    "step {step_id} of {id} is not next; {current} must be decided first"
                ),
                details: serde_json::json!({ "current_step": current }),
            });
        }
        sign(&mut e.req, s, actor, now, verdict, reason);
        e.ready_at = now;
        Ok(e.req.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn steps_follow_budget_and_regulation() {
        let ids = |b, r| {
            steps_for(&ChainPolicy::default(), b, r)
                .into_iter()
                .map(|s| s.id)
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(10_000.0, false), ["marketing"]);
        assert_eq!(ids(50_000.0, false), ["marketing", "finance"]);
        assert_eq!(ids(10_000.0, true), ["marketing", "legal"]);
        let p = ChainPolicy::default();
        assert_eq!(steps_for(&p, 99_999.0, false)[1].rule, StepRule::AnyOne);
        assert_eq!(steps_for(&p, 100_000.0, false)[1].rule, StepRule::All);
    }

    #[test]
    fn simulated_approvers_leave_incident_requests_alone() {
        let start = Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap();
        let cat = Catalog::generate(3, 20, start);
        let mut a = Approvals::new(3, start - Duration::days(2));
        a.add_incident(0, &cat, 2, start, 120_000.0);
        a.advance(start + Duration::days(5), &cat);
        let all = a.list(true);
        assert!(all.len() > 30);
        assert!(all.iter().any(|r| r.status == ApprovalStatus::Approved));
        let fin = all.iter().find(|r| r.id == "apr-fin-1").unwrap();
        assert_eq!(fin.current_step().map(|s| s.id.as_str()), Some("finance"));
        for r in &all {
            // Decided steps form a prefix; nothing is decided after a reject.
            let decided = r
                .steps
                .iter()
                .take_while(|s| s.status == ApprovalStatus::Approved)
                .count();
            let rest = &r.steps[decided..];
            let rejected = rest
                .first()
                .is_some_and(|s| s.status == ApprovalStatus::Rejected);
            assert!(
                rest.iter()
                    .skip(usize::from(rejected))
                    .all(|s| s.decisions.is_empty()),
                "{r:?}"
            );
            assert_eq!(rejected, r.status == ApprovalStatus::Rejected);
        }
    }
}
