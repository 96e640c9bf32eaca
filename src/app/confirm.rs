//! Operator commands from the TUI, in two steps: an action opens a
//! confirmation naming the target (and the production profile); only
//! confirming it produces `Effect::Submit`, which the loop hands to the
//! outbox dispatcher. Read-only profiles never get as far as the dialog.
//!
//! The dialog opens with Cancel focused, so a stray Enter does nothing
//! harmful. Tab moves through the fields and buttons; Enter in a field moves
//! on, Enter on a button presses it. On a production profile the operator
//! must also type the target's id exactly, and give a reason.

use crate::domain::{
    ApprovalRequest, CampaignStatus, CommandKind, CommandStatus, FallbackKind, OperatorCommand,
    Verdict,
};

use super::update::selected_campaign;
use super::{Action, AppState, Effect, View};

/// A command waiting for the operator's confirmation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirm {
    pub kind: CommandKind,
    /// What will happen, in words: "Pause campaign Winter Sale (c-01)".
    pub summary: String,
    pub reason: String,
    /// The id the operator must type (production), e.g. "c-01".
    pub expect_name: Option<String>,
    /// What they typed for it so far.
    pub name: String,
    /// A compliance guard fired (see `domain::authz::consent_guards`): the
    /// override needs a reason for the audit trail.
    pub needs_reason: bool,
    /// Further lines: compliance guards, then the exact API call.
    pub details: Vec<String>,
    pub focus: Focus,
}

/// Where keys go in the dialog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Name,
    Reason,
    Confirm,
    Cancel,
}

impl Confirm {
    /// Tab order: the name field (when required), reason, Confirm, Cancel.
    pub fn next_focus(&mut self) {
        self.focus = match self.focus {
            Focus::Name => Focus::Reason,
            Focus::Reason => Focus::Confirm,
            Focus::Confirm => Focus::Cancel,
            Focus::Cancel if self.expect_name.is_some() => Focus::Name,
            Focus::Cancel => Focus::Reason,
        };
    }

    /// The text field being edited, if the focus is on one.
    pub fn field_mut(&mut self) -> Option<&mut String> {
        match self.focus {
            Focus::Name => Some(&mut self.name),
            Focus::Reason => Some(&mut self.reason),
            Focus::Confirm | Focus::Cancel => None,
        }
    }
}

/// Commands the TUI submitted this session, newest last, with their latest status.
pub const RECENT_KEPT: usize = 50;

/// Turn a command action into a confirmation, or explain why not.
pub fn request(state: &mut AppState, action: &Action) -> Result<(), String> {
    let verb = action_verb(action);
    if state.readonly {
        return Err(format!("read-only profile: {verb} refused"));
    }
    let (kind, summary) = match action {
        Action::Approve | Action::Reject => decide(state, action == &Action::Approve)?,
        Action::Pause | Action::Resume | Action::Fallback => campaign_command(state, action)?,
        Action::RetrySync => {
            let job = (state.view == View::Sync)
                .then(|| state.rows.sync.get(state.selected(View::Sync)))
                .flatten()
                .map(|&i| &state.snapshot.sync_jobs[i])
                .ok_or("retry: select a failing job in the Sync failures view (4)")?;
            (
                CommandKind::RetrySync {
                    job_id: job.id.clone(),
                },
                format!("Retry sync job {} ({})", job.name, job.id),
            )
        }
        Action::Acknowledge => {
            let alert = (state.view == View::Alerts)
                .then(|| state.rows.alerts.get(state.selected(View::Alerts)))
                .flatten()
                .map(|&i| &state.derived.alerts[i])
                .ok_or("acknowledge: select an alert in the Alerts view (3)")?;
            (
                CommandKind::Acknowledge {
                    fingerprint: alert.fingerprint.clone(),
                },
                format!("Acknowledge alert {}", alert.fingerprint),
            )
        }
        Action::ApplyThrottle => {
            let t = (state.view == View::Throttles)
                .then(|| state.rows.throttles.get(state.selected(View::Throttles)))
                .flatten()
                .map(|&i| &state.derived.throttles[i])
                .ok_or("throttle: select a campaign in the Throttles view (5)")?;
            let percent = crate::analytics::auto_throttle::target_percent(t);
            (
                CommandKind::Throttle {
                    campaign_id: t.campaign_id.clone(),
                    percent,
                },
                format!(
                    "Run campaign {} at {percent}% of plan ({}: {})",
                    t.campaign_id, t.sku, t.rule
                ),
            )
        }
        _ => return Err(format!("{verb} is not a command")),
    };
    // Refuse locally, with the reason, what the role or four-eyes rules
    // forbid; the refusal still goes to the dispatcher, which audits it.
    if let Err(denied) = crate::domain::authorize(&state.principal, &kind, &state.snapshot) {
        state.refused = Some(OperatorCommand {
            idempotency_key: uuid::Uuid::new_v4().to_string(),
            kind,
            actor: state.actor.clone(),
            reason: None,
            created_at: chrono::Utc::now(),
            status: CommandStatus::Failed {
                error: format!("refused locally: {denied}"),
            },
            updated_at: None,
        });
        return Err(denied.0);
    }
    let guards = crate::domain::authz::consent_guards(
        &kind,
        &state.snapshot,
        state.world_now(),
        chrono::Duration::hours(24),
    );
    let mut details: Vec<String> = guards
        .iter()
        .map(|g| format!("COMPLIANCE OVERRIDE NEEDED: {g}"))
        .collect();
    if let Some(preview) = &state.request_preview {
        details.push(preview.describe(&kind));
    }
    // Production: every action names its target by typing it, so a wrong
    // row under the cursor cannot be confirmed by reflex.
    let expect_name = state.production.then(|| name_to_type(&kind));
    let needs_reason = !guards.is_empty();
    state.confirm = Some(Confirm {
        kind,
        summary,
        reason: String::new(),
        expect_name,
        name: String::new(),
        needs_reason,
        details,
        focus: Focus::Cancel,
    });
    Ok(())
}

/// What names the target: the campaign, the request (not its step), the
/// job, the alert.
fn name_to_type(kind: &CommandKind) -> String {
    match kind {
        CommandKind::Decide { request_id, .. } => request_id.clone(),
        other => other.target(),
    }
}

fn action_verb(action: &Action) -> &'static str {
    match action {
        Action::Approve => "approve",
        Action::Reject => "reject",
        Action::Pause => "pause",
        Action::Resume => "resume",
        Action::Fallback => "fallback",
        Action::RetrySync => "retry-sync",
        Action::Acknowledge => "acknowledge",
        Action::ApplyThrottle => "throttle",
        _ => "action",
    }
}

fn decide(state: &AppState, approve: bool) -> Result<(CommandKind, String), String> {
    let req: &ApprovalRequest = (state.view == View::Approvals)
        .then(|| state.rows.approvals.get(state.selected(View::Approvals)))
        .flatten()
        .map(|&i| &state.snapshot.approvals[i])
        .ok_or("approve/reject: select a request in the Approvals view (6)")?;
    let step = req
        .current_step()
        .ok_or_else(|| format!("{} has no pending step", req.id))?;
    let verdict = if approve {
        Verdict::Approve
    } else {
        Verdict::Reject
    };
    let verb = if approve { "Approve" } else { "Reject" };
    Ok((
        CommandKind::Decide {
            request_id: req.id.clone(),
            step_id: step.id.clone(),
            verdict,
        },
        format!(
            "{verb} step {} of {} ({}, budget {:.0})",
            step.name, req.title, req.id, req.budget
        ),
    ))
}

fn campaign_command(state: &AppState, action: &Action) -> Result<(CommandKind, String), String> {
    let id = match state.view {
        View::Detail => state.detail.clone(),
        View::Overview | View::Help => None,
        _ => selected_campaign(state),
    }
    .ok_or("select a campaign first (Campaigns view, 2)")?;
    let c = state
        .snapshot
        .campaign(&id)
        .ok_or_else(|| format!("campaign {id} is not loaded"))?;
    let who = format!("{} ({})", c.name, c.id);
    let campaign_id = c.id.clone();
    Ok(match action {
        Action::Pause if c.status == CampaignStatus::Paused => {
            return Err(format!("{who} is already paused"));
        }
        Action::Pause => (
            CommandKind::Pause { campaign_id },
            format!("Pause campaign {who}"),
        ),
        Action::Resume if c.status != CampaignStatus::Paused => {
            return Err(format!("{who} is not paused"));
        }
        Action::Resume => (
            CommandKind::Resume { campaign_id },
            format!("Resume campaign {who}"),
        ),
        _ => (
            CommandKind::Fallback {
                campaign_id,
                fallback: FallbackKind::BackupProvider,
            },
            format!("Switch {who} from {} to the backup provider", c.provider),
        ),
    })
}

/// Enter in the dialog: move on from a field, press a button, and on
/// Confirm build the durable command. Production requires a
/// reason, so the audit trail says why someone touched live campaigns.
pub fn confirmed(state: &mut AppState) -> Vec<Effect> {
    let Some(confirm) = state.confirm.take() else {
        return Vec::new();
    };
    if confirm.focus == Focus::Cancel {
        state.message = Some("cancelled".into());
        return Vec::new();
    }
    let reason = confirm.reason.trim().to_string();
    let refusal = match &confirm.expect_name {
        Some(want) if confirm.name.trim() != want => Some((
            format!("type {want} exactly to confirm on a production profile"),
            Focus::Name,
        )),
        _ if state.production && reason.is_empty() => Some((
            "a reason is required on a production profile".into(),
            Focus::Reason,
        )),
        _ if confirm.needs_reason && reason.is_empty() => Some((
            "a reason is required to override the compliance guard".into(),
            Focus::Reason,
        )),
        _ => None,
    };
    if let Some((why, focus)) = refusal {
        state.message = Some(why);
        state.confirm = Some(Confirm { focus, ..confirm });
        return Vec::new();
    }
    let command = OperatorCommand {
        idempotency_key: uuid::Uuid::new_v4().to_string(),
        kind: confirm.kind,
        actor: state.actor.clone(),
        reason: (!reason.is_empty()).then_some(reason),
        created_at: state.now,
        status: CommandStatus::Queued,
        updated_at: None,
    };
    vec![Effect::Submit(command)]
}

/// Record a command's latest status (from submit or from the dispatcher)
/// and say what happened in the message line.
pub fn track(state: &mut AppState, command: OperatorCommand) {
    // Acknowledgements live in mops' own alert book, not in any API: the
    // dispatcher only makes them durable and audited, we apply them here.
    if let (CommandKind::Acknowledge { fingerprint }, CommandStatus::Applied) =
        (&command.kind, &command.status)
    {
        if state.eval_running {
            let ack = (fingerprint.clone(), command.actor.clone());
            state.pending_acks.push(ack);
        } else {
            let now = state.world_now();
            state.engine.acknowledge(fingerprint, &command.actor, now);
        }
        super::refresh_derived(state);
    }
    let what = format!("{} {}", command.kind.verb(), command.kind.target());
    state.message = Some(match &command.status {
        CommandStatus::Queued => format!("{what}: queued"),
        CommandStatus::Sent => format!("{what}: sent, waiting for the answer"),
        CommandStatus::Applied => format!("{what}: applied"),
        CommandStatus::Conflict { detail } => format!("{what}: conflict: {detail}"),
        CommandStatus::Failed { error } => format!("{what}: failed: {error}"),
    });
    match state
        .recent_commands
        .iter_mut()
        .find(|c| c.idempotency_key == command.idempotency_key)
    {
        Some(c) => *c = command,
        None => {
            state.recent_commands.push(command);
            if state.recent_commands.len() > RECENT_KEPT {
                state.recent_commands.remove(0);
            }
        }
    }
}

#[cfg(test)]
mod tests;
