use chrono::{Duration, TimeZone, Utc};

use super::*;
use crate::domain::{ApprovalStep, Decision, FallbackKind, StepRule, SyncJob, SyncStatus, Verdict};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0).unwrap()
}

fn step(id: &str, status: ApprovalStatus, signed_by: &[&str]) -> ApprovalStep {
    ApprovalStep {
        id: id.into(),
        name: format!("{id} review"),
        scope: format!("{id}.approve"),
        approvers: vec!["ann".into(), "bob".into(), "cid".into()],
        rule: StepRule::AnyOne,
        status,
        decisions: signed_by
            .iter()
            .map(|b| Decision {
                by: (*b).into(),
                at: t0(),
                verdict: Verdict::Approve,
                reason: None,
            })
            .collect(),
    }
}

/// Chain states: (marketing step, finance step) in every combination that can occur.
fn chains() -> Vec<ApprovalRequest> {
    use ApprovalStatus::*;
    let states: Vec<(ApprovalStatus, Vec<ApprovalStep>)> = vec![
        (
            Pending,
            vec![
                step("marketing", Pending, &[]),
                step("finance", Pending, &[]),
            ],
        ),
        (
            Pending,
            vec![
                step("marketing", Approved, &["ann"]),
                step("finance", Pending, &[]),
            ],
        ),
        (
            Approved,
            vec![
                step("marketing", Approved, &["ann"]),
                step("finance", Approved, &["bob"]),
            ],
        ),
        (
            Rejected,
            vec![
                step("marketing", Rejected, &["bob"]),
                step("finance", Pending, &[]),
            ],
        ),
    ];
    states
        .into_iter()
        .enumerate()
        .map(|(i, (status, steps))| ApprovalRequest {
            id: format!("r{i}"),
            campaign_id: "c1".into(),
            title: "t".into(),
            requested_by: "req".into(),
            budget: 60_000.0,
            created_at: t0(),
            deadline: t0() + Duration::days(1),
            status,
            steps,
        })
        .collect()
}

fn principals() -> Vec<Principal> {
    let mut out = Vec::new();
    for role in Role::ALL {
        for name in ["ann", "bob", "req", "zed"] {
            for scopes in [
                vec![],
                vec!["marketing".to_string()],
                vec!["finance".to_string()],
            ] {
                out.push(Principal {
                    name: name.into(),
                    role,
                    scopes,
                });
            }
        }
    }
    out
}

fn commands(reqs: &[ApprovalRequest]) -> Vec<CommandKind> {
    let c = || "c1".to_string();
    let mut out = vec![
        CommandKind::Pause { campaign_id: c() },
        CommandKind::Resume { campaign_id: c() },
        CommandKind::Fallback {
            campaign_id: c(),
            fallback: FallbackKind::BackupProvider,
        },
        CommandKind::Throttle {
            campaign_id: c(),
            percent: 50,
        },
        CommandKind::RetrySync { job_id: "j".into() },
        CommandKind::Acknowledge {
            fingerprint: "c1/ctr".into(),
        },
    ];
    for r in reqs {
        for s in ["marketing", "finance", "legal"] {
            for verdict in [Verdict::Approve, Verdict::Reject] {
                out.push(CommandKind::Decide {
                    request_id: r.id.clone(),
                    step_id: s.into(),
                    verdict,
                });
            }
        }
    }
    out
}

/// The explicit allow-list, written independently of `authorize`.
fn expected_allowed(p: &Principal, cmd: &CommandKind, snap: &Snapshot) -> bool {
    match cmd {
        CommandKind::Decide {
            request_id,
            step_id,
            ..
        } => {
            if !matches!(p.role, Role::Approver | Role::Admin) {
                return false;
            }
            let Some(r) = snap.approvals.iter().find(|r| &r.id == request_id) else {
                return false;
            };
            let current = r.current_step().map(|s| s.id.clone());
            let signed_other = r
                .steps
                .iter()
                .any(|s| s.id != *step_id && s.decisions.iter().any(|d| d.by == p.name));
            let scope_ok = p.role == Role::Admin || p.scopes.iter().any(|s| s == step_id);
            r.status == ApprovalStatus::Pending
                && r.requested_by != p.name
                && !signed_other
                && current.as_deref() == Some(step_id.as_str())
                && scope_ok
        }
        CommandKind::Acknowledge { .. } => p.role != Role::Viewer,
        _ => matches!(p.role, Role::Operator | Role::Admin),
    }
}

#[test]
fn every_pair_not_explicitly_allowed_is_denied() {
    let snap = Snapshot {
        approvals: chains(),
        ..Snapshot::default()
    };
    let mut allowed = 0;
    let mut denied = 0;
    for p in principals() {
        for cmd in commands(&snap.approvals) {
            let got = authorize(&p, &cmd, &snap);
            let want = expected_allowed(&p, &cmd, &snap);
            assert_eq!(got.is_ok(), want, "{p:?} {cmd:?}: {got:?}");
            match got {
                Ok(()) => allowed += 1,
                Err(Denied(why)) => {
                    assert!(!why.is_empty());
                    denied += 1;
                }
            }
        }
    }
    assert!(
        allowed > 50 && denied > 500,
        "{allowed} allowed, {denied} denied"
    );
}

#[test]
fn four_eyes_rules_explain_themselves() {
    let reqs = chains();
    let approver = |name: &str| Principal {
        name: name.into(),
        role: Role::Admin,
        scopes: vec![],
    };
    let own = check_decision(&approver("req"), &reqs[0], "marketing").unwrap_err();
    assert!(own.0.contains("four-eyes"), "{own}");
    let twice = check_decision(&approver("ann"), &reqs[1], "finance").unwrap_err();
    assert!(twice.0.contains("already signed step marketing"), "{twice}");
    let early = check_decision(&approver("bob"), &reqs[0], "finance").unwrap_err();
    assert!(early.0.contains("not next"), "{early}");
    let done = check_decision(&approver("bob"), &reqs[2], "finance").unwrap_err();
    assert!(done.0.contains("already approved"), "{done}");
    assert!(check_decision(&approver("bob"), &reqs[1], "finance").is_ok());
    let no_scope = Principal {
        name: "bob".into(),
        role: Role::Approver,
        scopes: vec!["legal".into()],
    };
    let e = check_decision(&no_scope, &reqs[1], "finance").unwrap_err();
    assert!(e.0.contains("finance.approve approval scope"), "{e}");
}

#[test]
fn resume_is_guarded_by_audience_sync_state() {
    let job = |status: SyncStatus, last_ok: Option<DateTime<Utc>>| SyncJob {
        id: "j1".into(),
        name: "CRM audience → marketing".into(),
        source: System::Crm,
        target: System::Marketing,
        status,
        last_success: last_ok,
        last_attempt: Some(t0()),
        failing_since: Some(t0() - Duration::minutes(30)),
        error: None,
        retries: 1,
        next_retry: None,
    };
    let resume = CommandKind::Resume {
        campaign_id: "c1".into(),
    };
    let day = Duration::hours(24);
    let snap = |j: SyncJob| Snapshot {
        sync_jobs: vec![j],
        ..Snapshot::default()
    };
    let failing = consent_guards(
        &resume,
        &snap(job(SyncStatus::Failed, Some(t0()))),
        t0(),
        day,
    );
    assert_eq!(failing.len(), 1);
    assert!(failing[0].contains("failing since"), "{failing:?}");
    let stale = consent_guards(
        &resume,
        &snap(job(SyncStatus::Ok, Some(t0() - Duration::hours(30)))),
        t0(),
        day,
    );
    assert!(stale[0].contains("30 h old"), "{stale:?}");
    let fresh = consent_guards(&resume, &snap(job(SyncStatus::Ok, Some(t0()))), t0(), day);
    assert!(fresh.is_empty());
    let pause = CommandKind::Pause {
        campaign_id: "c1".into(),
    };
    assert!(consent_guards(&pause, &snap(job(SyncStatus::Failed, None)), t0(), day).is_empty());
}
