//! Who may do what. mops refuses locally, with the reason, before anything
//! is queued; the server's answer stays authoritative (it enforces the same
//! four-eyes rules). Every mutation not explicitly allowed here is denied.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::{ApprovalRequest, ApprovalStatus, CommandKind, Snapshot, System};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Viewer,
    Operator,
    Approver,
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Viewer, Role::Operator, Role::Approver, Role::Admin];

    pub fn parse(s: &str) -> Option<Role> {
        match s.trim().to_ascii_lowercase().as_str() {
            "viewer" => Some(Role::Viewer),
            "operator" => Some(Role::Operator),
            "approver" => Some(Role::Approver),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Operator => "operator",
            Role::Approver => "approver",
            Role::Admin => "admin",
        }
    }
}

/// The acting person: name, role and approval scopes (marketing, finance, legal...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    pub name: String,
    pub role: Role,
    #[serde(default)]
    pub scopes: Vec<String>,
}

impl Principal {
    /// Scopes match by name: "finance" grants the step scope "finance.approve".
    fn has_scope(&self, scope: &str) -> bool {
        let name = scope.split('.').next().unwrap_or(scope);
        self.role == Role::Admin || self.scopes.iter().any(|s| s == scope || s == name)
    }
}

/// Why a command is refused, in words an operator can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denied(pub String);

impl std::fmt::Display for Denied {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// May `who` issue `cmd`, given what mops knows (`snapshot`)?
pub fn authorize(who: &Principal, cmd: &CommandKind, snapshot: &Snapshot) -> Result<(), Denied> {
    let deny = |why: String| Err(Denied(why));
    match (who.role, cmd) {
        (Role::Viewer, _) => deny(format!(
            "{} is a viewer: viewers cannot {}",
            who.name,
            cmd.verb()
        )),
        (Role::Approver, CommandKind::Decide { .. })
        | (Role::Admin, CommandKind::Decide { .. }) => decide_allowed(who, cmd, snapshot),
        (Role::Operator, CommandKind::Decide { .. }) => deny(format!(
            "{} is an operator: approving or rejecting needs the approver role",
            who.name
        )),
        (Role::Approver, CommandKind::Acknowledge { .. }) => Ok(()),
        (Role::Approver, _) => deny(format!(
            "{} is an approver: {} needs the operator role",
            who.name,
            cmd.verb()
        )),
        (Role::Operator | Role::Admin, _) => Ok(()),
    }
}

fn decide_allowed(who: &Principal, cmd: &CommandKind, snapshot: &Snapshot) -> Result<(), Denied> {
    let CommandKind::Decide {
        request_id,
        step_id,
        ..
    } = cmd
    else {
        return Ok(());
    };
    let Some(req) = snapshot.approvals.iter().find(|r| &r.id == request_id) else {
        return Err(Denied(format!(
            "approval request {request_id} is not pending (or not loaded yet)"
        )));
    };
    check_decision(who, req, step_id)
}

/// The four-eyes and chain-order rules for one decision.
pub fn check_decision(who: &Principal, req: &ApprovalRequest, step_id: &str) -> Result<(), Denied> {
    if req.status != ApprovalStatus::Pending {
        return Err(Denied(format!(
            "request {} is already {}",
            req.id,
            req.status.as_str()
        )));
    }
    let Some(step) = req.steps.iter().find(|s| s.id == step_id) else {
        return Err(Denied(format!("request {} has no step {step_id}", req.id)));
    };
    if req.requested_by == who.name {
        return Err(Denied(format!(
            "four-eyes: {} requested {} and cannot decide it",
            who.name, req.id
        )));
    }
    if let Some(other) = req
        .steps
        .iter()
        .find(|s| s.id != step_id && s.decisions.iter().any(|d| d.by == who.name))
    {
        return Err(Denied(format!(
            "four-eyes: {} already signed step {} of {}; one person signs one step",
            who.name, other.id, req.id
        )));
    }
    if let Some(d) = step.decisions.iter().find(|d| d.by == who.name) {
        return Err(Denied(format!(
            "{} already decided step {} at {}",
            who.name,
            step.id,
            d.at.format("%Y-%m-%d %H:%M UTC")
        )));
    }
    match req.current_step() {
        Some(cur) if cur.id == step.id => {}
        Some(cur) => {
            return Err(Denied(format!(
                "step {} is not next: {} ({}) must be decided first",
                step.id, cur.id, cur.name
            )));
        }
        None => return Err(Denied(format!("request {} has no pending step", req.id))),
    }
    if !who.has_scope(&step.scope) {
        return Err(Denied(format!(
            "step {} needs the {} approval scope; {} has {}",
            step.id,
            step.scope,
            who.name,
            if who.scopes.is_empty() {
                "none".to_string()
            } else {
                who.scopes.join(", ")
            }
        )));
    }
    Ok(())
}

/// Compliance guards an operator must override (with a reason) before a
/// resume or fallback: sending to an audience mops cannot vouch for.
/// A failing audience sync, or one whose last success is older than
/// `max_optout_age`, means opt-outs may not have reached the marketing system.
pub fn consent_guards(
    cmd: &CommandKind,
    snapshot: &Snapshot,
    now: DateTime<Utc>,
    max_optout_age: Duration,
) -> Vec<String> {
    if !matches!(
        cmd,
        CommandKind::Resume { .. } | CommandKind::Fallback { .. }
    ) {
        return Vec::new();
    }
    snapshot
        .sync_jobs
        .iter()
        .filter(|j| j.source == System::Crm && j.target == System::Marketing)
        .filter_map(|j| {
            if j.status.is_failing() {
                let since = j
                    .failing_since
                    .map(|t| format!(" since {}", t.format("%H:%M UTC")))
                    .unwrap_or_default();
                return Some(format!(
                    "audience sync job {:?} (CRM→marketing) is failing{since}: opt-outs may not have reached marketing",
                    j.name
                ));
            }
            match j.lag(now) {
                Some(lag) if lag > max_optout_age => Some(format!(
                    "opt-out list is {} h old (limit {} h): last audience sync {} succeeded at {}",
                    lag.num_hours(),
                    max_optout_age.num_hours(),
                    j.name,
                    j.last_success.map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string()).unwrap_or_default()
                )),
                None => Some(format!(
                    "audience sync {} never succeeded: opt-outs are unknown",
                    j.name
                )),
                Some(_) => None,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
