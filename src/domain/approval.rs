use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalStatus {
    Pending,
    Approved,
    Rejected,
}

impl ApprovalStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ApprovalStatus::Pending => "pending",
            ApprovalStatus::Approved => "approved",
            ApprovalStatus::Rejected => "rejected",
        }
    }
}

/// Whether one approver suffices or every listed approver must sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepRule {
    AnyOne,
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Approve,
    Reject,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    pub by: String,
    pub at: DateTime<Utc>,
    pub verdict: Verdict,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApprovalStep {
    /// Stable step id within the request, e.g. "marketing", "finance", "legal".
    pub id: String,
    pub name: String,
    /// Approval scope needed to sign this step.
    pub scope: String,
    pub approvers: Vec<String>,
    pub rule: StepRule,
    pub status: ApprovalStatus,
    #[serde(default)]
    pub decisions: Vec<Decision>,
}

impl ApprovalStep {
    /// Approvers who still have to sign for this step to pass.
    pub fn waiting_on(&self) -> Vec<&str> {
        if self.status != ApprovalStatus::Pending {
            return Vec::new();
        }
        let signed = |who: &str| self.decisions.iter().any(|d| d.by == who);
        self.approvers
            .iter()
            .map(String::as_str)
            .filter(|a| !signed(a))
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApprovalRequest {
    pub id: String,
    pub campaign_id: String,
    pub title: String,
    pub requested_by: String,
    pub budget: f64,
    pub created_at: DateTime<Utc>,
    pub deadline: DateTime<Utc>,
    pub status: ApprovalStatus,
    /// Ordered: a step is only decidable once every earlier step approved.
    pub steps: Vec<ApprovalStep>,
}

impl ApprovalRequest {
    /// The first step still pending, i.e. the one that is "next".
    pub fn current_step(&self) -> Option<&ApprovalStep> {
        if self.status != ApprovalStatus::Pending {
            return None;
        }
        self.steps
            .iter()
            .find(|s| s.status == ApprovalStatus::Pending)
    }

    pub fn signed_count(&self) -> usize {
        self.steps
            .iter()
            .filter(|s| s.status == ApprovalStatus::Approved)
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(id: &str, status: ApprovalStatus) -> ApprovalStep {
        ApprovalStep {
            id: id.into(),
            name: id.into(),
            scope: id.into(),
            approvers: vec!["a".into(), "b".into()],
            rule: StepRule::AnyOne,
            status,
            decisions: vec![],
        }
    }

    #[test]
    fn current_step_is_first_pending() {
        let now = Utc::now();
        let r = ApprovalRequest {
            id: "r1".into(),
            campaign_id: "c1".into(),
            title: "t".into(),
            requested_by: "x".into(),
            budget: 1.0,
            created_at: now,
            deadline: now,
            status: ApprovalStatus::Pending,
            steps: vec![
                step("marketing", ApprovalStatus::Approved),
                step("finance", ApprovalStatus::Pending),
                step("legal", ApprovalStatus::Pending),
            ],
        };
        assert_eq!(r.current_step().map(|s| s.id.as_str()), Some("finance"));
        assert_eq!(r.signed_count(), 1);
        assert_eq!(r.steps[1].waiting_on(), vec!["a", "b"]);
    }
}
