//! Operator commands from the TUI, in two steps: an action opens a
//! confirmation naming the target (and the production profile); only
//! confirming it produces `Effect::Submit`, which the loop hands to the
//! outbox dispatcher. Read-only profiles never get as far as the dialog.

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
        _ => return Err(format!("{verb} is not a command")),
    };
    state.confirm = Some(Confirm {
        kind,
        summary,
        reason: String::new(),
    });
    Ok(())
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

/// Enter in the dialog: build the durable command. Production requires a
/// reason, so the audit trail says why someone touched live campaigns.
pub fn confirmed(state: &mut AppState) -> Vec<Effect> {
    let Some(confirm) = state.confirm.take() else {
        return Vec::new();
    };
    let reason = confirm.reason.trim().to_string();
    if state.production && reason.is_empty() {
        state.message = Some("a reason is required on a production profile".into());
        state.confirm = Some(confirm);
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
        let now = state.world_now();
        state.engine.acknowledge(fingerprint, &command.actor, now);
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
mod tests {
    use super::*;
    use crate::app::{InputEdit, update};
    use crate::ui::fixture;

    fn writable() -> AppState {
        let mut s = fixture::state();
        s.readonly = false;
        s
    }

    fn type_reason(s: &mut AppState, text: &str) {
        update(s, Action::Input(InputEdit::Paste(text.into())));
    }

    #[test]
    fn readonly_refuses_before_any_dialog() {
        let mut s = fixture::state();
        update(&mut s, Action::ShowCampaigns);
        assert!(update(&mut s, Action::Pause).is_empty());
        assert!(s.confirm.is_none());
        assert!(
            s.message
                .as_deref()
                .is_some_and(|m| m.contains("read-only"))
        );
    }

    #[test]
    fn pause_needs_confirmation_and_a_reason_in_production() {
        let mut s = writable();
        update(&mut s, Action::ShowCampaigns);
        // Worst first: c-01 Winter Sale Newsletter, active.
        assert!(update(&mut s, Action::Pause).is_empty(), "nothing sent yet");
        let c = s.confirm.clone().expect("dialog open");
        assert_eq!(
            c.kind,
            CommandKind::Pause {
                campaign_id: "c-01".into()
            }
        );
        assert!(c.summary.contains("Winter Sale Newsletter"));
        assert!(update(&mut s, Action::Input(InputEdit::Submit)).is_empty());
        assert!(s.confirm.is_some(), "production without reason stays open");
        type_reason(&mut s, "CTR collapse, investigating");
        let effects = update(&mut s, Action::Input(InputEdit::Submit));
        let [Effect::Submit(cmd)] = effects.as_slice() else {
            panic!("expected one submit, got {effects:?}");
        };
        assert_eq!(cmd.kind, c.kind);
        assert_eq!(cmd.actor, "ana");
        assert_eq!(cmd.reason.as_deref(), Some("CTR collapse, investigating"));
        assert_eq!(cmd.status, CommandStatus::Queued);
        assert!(!cmd.idempotency_key.is_empty());
        assert!(s.confirm.is_none());
    }

    #[test]
    fn esc_cancels() {
        let mut s = writable();
        update(&mut s, Action::ShowCampaigns);
        update(&mut s, Action::Fallback);
        assert!(s.confirm.is_some());
        assert!(update(&mut s, Action::Input(InputEdit::Cancel)).is_empty());
        assert!(s.confirm.is_none());
    }

    #[test]
    fn state_checks() {
        let mut s = writable();
        update(&mut s, Action::ShowCampaigns);
        update(&mut s, Action::Resume);
        assert!(s.confirm.is_none());
        assert!(
            s.message
                .as_deref()
                .is_some_and(|m| m.contains("not paused"))
        );
        update(&mut s, Action::ShowOverview);
        update(&mut s, Action::Approve);
        assert!(
            s.message
                .as_deref()
                .is_some_and(|m| m.contains("Approvals view"))
        );
    }

    #[test]
    fn approve_targets_the_current_step() {
        let mut s = writable();
        update(&mut s, Action::ShowApprovals);
        update(&mut s, Action::Down); // ar-101, deadline in 5h; finance is next
        update(&mut s, Action::Approve);
        let c = s.confirm.clone().expect("dialog open");
        assert_eq!(
            c.kind,
            CommandKind::Decide {
                request_id: "ar-101".into(),
                step_id: "finance".into(),
                verdict: Verdict::Approve,
            }
        );
    }

    #[test]
    fn retry_and_acknowledge_use_their_views() {
        let mut s = writable();
        update(&mut s, Action::ShowSync);
        update(&mut s, Action::RetrySync);
        assert_eq!(
            s.confirm.take().map(|c| c.kind),
            Some(CommandKind::RetrySync {
                job_id: "j-1".into()
            })
        );
        update(&mut s, Action::ShowAlerts);
        update(&mut s, Action::Acknowledge);
        assert_eq!(
            s.confirm.take().map(|c| c.kind),
            Some(CommandKind::Acknowledge {
                fingerprint: "c-01/ctr".into()
            })
        );
    }

    #[test]
    fn track_updates_in_place() {
        let mut s = writable();
        let mut cmd = OperatorCommand {
            idempotency_key: "k1".into(),
            kind: CommandKind::Pause {
                campaign_id: "c-01".into(),
            },
            actor: "ana".into(),
            reason: None,
            created_at: fixture::now(),
            status: CommandStatus::Queued,
            updated_at: None,
        };
        track(&mut s, cmd.clone());
        cmd.status = CommandStatus::Conflict {
            detail: "already paused by ben".into(),
        };
        track(&mut s, cmd);
        assert_eq!(s.recent_commands.len(), 1);
        assert!(s.recent_commands[0].status.is_final());
        assert_eq!(
            s.message.as_deref(),
            Some("pause c-01: conflict: already paused by ben")
        );
    }
}
