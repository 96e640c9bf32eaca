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

fn key(s: &mut AppState, edit: InputEdit) -> Vec<Effect> {
    update(s, Action::Input(edit))
}

#[test]
fn cancel_is_focused_so_a_stray_enter_does_nothing() {
    let mut s = writable();
    update(&mut s, Action::ShowCampaigns);
    update(&mut s, Action::Pause);
    assert_eq!(s.confirm.as_ref().map(|c| c.focus), Some(Focus::Cancel));
    type_reason(&mut s, "typed while on a button");
    assert_eq!(s.confirm.as_ref().map(|c| c.reason.as_str()), Some(""));
    assert!(key(&mut s, InputEdit::Submit).is_empty());
    assert!(s.confirm.is_none(), "Enter on Cancel cancels");
    assert_eq!(s.message.as_deref(), Some("cancelled"));
}

#[test]
fn production_requires_the_exact_id_and_a_reason() {
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
    assert_eq!(c.expect_name.as_deref(), Some("c-01"));

    key(&mut s, InputEdit::Complete); // Cancel -> name
    type_reason(&mut s, "c-0"); // not quite
    key(&mut s, InputEdit::Submit); // name -> reason
    type_reason(&mut s, "CTR collapse, investigating");
    key(&mut s, InputEdit::Submit); // reason -> Confirm
    assert!(key(&mut s, InputEdit::Submit).is_empty());
    let c = s.confirm.clone().expect("a wrong id keeps the dialog open");
    assert_eq!(c.focus, Focus::Name, "back to the field at fault");
    assert!(
        s.message
            .as_deref()
            .is_some_and(|m| m.contains("type c-01"))
    );

    type_reason(&mut s, "1");
    key(&mut s, InputEdit::Submit);
    key(&mut s, InputEdit::Backspace);
    let reason = s.confirm.as_ref().map(|c| c.reason.clone());
    assert_eq!(reason.as_deref(), Some("CTR collapse, investigatin"));
    for _ in 0..30 {
        key(&mut s, InputEdit::Backspace);
    }
    key(&mut s, InputEdit::Submit);
    assert!(key(&mut s, InputEdit::Submit).is_empty());
    assert_eq!(s.confirm.as_ref().map(|c| c.focus), Some(Focus::Reason));
    assert!(s.message.as_deref().is_some_and(|m| m.contains("reason")));

    type_reason(&mut s, "CTR collapse, investigating");
    key(&mut s, InputEdit::Submit);
    let effects = key(&mut s, InputEdit::Submit);
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
fn approvals_type_the_request_id_and_staging_needs_no_name() {
    let mut s = writable();
    update(&mut s, Action::ShowApprovals);
    update(&mut s, Action::Down);
    update(&mut s, Action::Reject);
    let c = s.confirm.take().expect("dialog open");
    assert_eq!(c.expect_name.as_deref(), Some("ar-101"));

    s.production = false;
    update(&mut s, Action::Reject);
    let c = s.confirm.clone().expect("dialog open");
    assert_eq!(c.expect_name, None);
    key(&mut s, InputEdit::Complete);
    assert_eq!(s.confirm.as_ref().map(|c| c.focus), Some(Focus::Reason));
    key(&mut s, InputEdit::Submit);
    assert_eq!(key(&mut s, InputEdit::Submit).len(), 1, "no reason needed");
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

#[test]
fn roles_are_refused_locally_with_the_reason() {
    let mut s = writable();
    s.principal = crate::domain::Principal {
        name: "vic".into(),
        role: crate::domain::Role::Viewer,
        scopes: vec![],
    };
    update(&mut s, Action::ShowCampaigns);
    let effects = update(&mut s, Action::Pause);
    assert!(s.confirm.is_none(), "no dialog for a viewer");
    // The refusal goes to the dispatcher to be audited, already final.
    assert!(
        matches!(
            effects.as_slice(),
            [Effect::Submit(OperatorCommand { status: CommandStatus::Failed { error }, .. })]
                if error.contains("viewer")
        ),
        "{effects:?}"
    );
    assert!(
        s.message.as_deref().is_some_and(|m| m.contains("viewer")),
        "{:?}",
        s.message
    );
    s.principal.role = crate::domain::Role::Operator;
    update(&mut s, Action::ShowApprovals);
    update(&mut s, Action::Approve);
    assert!(s.confirm.is_none(), "operators do not approve");
    assert!(
        s.message
            .as_deref()
            .is_some_and(|m| m.contains("approver role")),
        "{:?}",
        s.message
    );
}

#[test]
fn throttle_recommendation_becomes_a_throttle_command() {
    let mut s = writable();
    s.production = false;
    update(&mut s, Action::ShowThrottles);
    update(&mut s, Action::ApplyThrottle);
    let c = s.confirm.clone().expect("dialog for the selected throttle");
    assert!(
        matches!(c.kind, CommandKind::Throttle { percent, .. } if percent < 100),
        "{:?}",
        c.kind
    );
    assert!(c.summary.contains("% of plan"), "{}", c.summary);
}

#[test]
fn resume_with_a_failing_audience_sync_needs_an_override_reason() {
    let mut s = writable();
    s.production = false;
    update(&mut s, Action::ShowCampaigns);
    let row = s
        .rows
        .campaigns
        .iter()
        .position(|r| s.snapshot.campaigns[r.idx].id == "c-03")
        .expect("paused campaign c-03 in the fixture");
    s.cursor.insert(View::Campaigns, row);
    update(&mut s, Action::Resume);
    let c = s.confirm.clone().expect("dialog");
    assert!(c.needs_reason);
    let text = c.details.join("\n");
    assert!(text.contains("COMPLIANCE OVERRIDE"), "{text}");
    assert!(text.contains("contacts crm->mkt"), "{text}");
    key(&mut s, InputEdit::Complete); // Cancel -> reason
    key(&mut s, InputEdit::Submit); // reason -> Confirm
    assert!(
        key(&mut s, InputEdit::Submit).is_empty(),
        "no reason, no command"
    );
    assert!(
        s.message
            .as_deref()
            .is_some_and(|m| m.contains("compliance guard")),
        "{:?}",
        s.message
    );
    type_reason(&mut s, "opt-outs verified by hand with the CRM team");
    key(&mut s, InputEdit::Submit);
    let effects = key(&mut s, InputEdit::Submit);
    assert!(
        matches!(effects.as_slice(), [Effect::Submit(cmd)] if cmd.reason.as_deref().is_some_and(|r| r.contains("opt-outs"))),
        "{effects:?}"
    );
}

#[test]
fn the_dialog_names_the_exact_api_call() {
    let mut s = writable();
    s.production = false;
    s.request_preview = Some(crate::app::RequestPreview(std::sync::Arc::new(|k| {
        format!(
            "API: POST https://mkt.example/v1/campaigns/{}/{}",
            k.target(),
            k.verb()
        )
    })));
    update(&mut s, Action::ShowCampaigns);
    update(&mut s, Action::Pause);
    let c = s.confirm.clone().expect("dialog");
    assert!(
        c.details
            .iter()
            .any(|d| d == "API: POST https://mkt.example/v1/campaigns/c-01/pause"),
        "{:?}",
        c.details
    );
}
