//! Auto mode (`[analytics.throttle] mode = "auto"`): after each evaluation
//! the state owner turns throttle level changes into operator commands. They
//! take the same path as a confirmed command — outbox, idempotency key,
//! audit — under the operator's identity, with the matched rule as reason.

use chrono::Utc;

use super::AppState;
use crate::analytics::auto_throttle::{auto_commands, target_percent};
use crate::analytics::throttle::ThrottleMode;
use crate::domain::{CommandKind, CommandStatus, OperatorCommand, authorize};

/// Commands to send now; records them as sent so each change goes out once.
pub fn commands(state: &mut AppState) -> Vec<OperatorCommand> {
    if state.engine.policy().throttle.mode != ThrottleMode::Auto || state.readonly {
        return Vec::new();
    }
    let changes = auto_commands(&state.derived.throttles, &state.auto_throttled);
    let mut out = Vec::new();
    for (campaign_id, percent) in changes {
        let kind = CommandKind::Throttle {
            campaign_id: campaign_id.clone(),
            percent,
        };
        if let Err(why) = authorize(&state.principal, &kind, &state.snapshot) {
            state.message = Some(format!("auto throttle not sent: {why}"));
            continue;
        }
        let rule = state
            .derived
            .throttles
            .iter()
            .find(|t| t.campaign_id == campaign_id && target_percent(t) == percent)
            .map(|t| t.rule.clone())
            .unwrap_or_default();
        state.auto_throttled.insert(campaign_id, percent);
        out.push(OperatorCommand {
            idempotency_key: uuid::Uuid::new_v4().to_string(),
            kind,
            actor: state.actor.clone(),
            reason: Some(format!("auto throttle: {rule}")),
            created_at: Utc::now(),
            status: CommandStatus::Queued,
            updated_at: None,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::fixture;

    #[test]
    fn recommend_mode_sends_nothing_and_auto_sends_each_change_once() {
        let mut s = fixture::state();
        s.readonly = false;
        assert!(commands(&mut s).is_empty(), "recommend is the default");
        let mut policy = *s.engine.policy();
        policy.throttle.mode = ThrottleMode::Auto;
        s.engine.set_policy(policy);
        let first = commands(&mut s);
        assert!(!first.is_empty(), "the fixture has throttles");
        assert!(
            first
                .iter()
                .all(|c| matches!(c.kind, CommandKind::Throttle { percent, .. } if percent < 100))
        );
        assert!(first.iter().all(|c| {
            c.reason
                .as_deref()
                .is_some_and(|r| r.starts_with("auto throttle"))
        }));
        assert!(commands(&mut s).is_empty(), "nothing new the second time");
        s.readonly = true;
        s.auto_throttled.clear();
        assert!(commands(&mut s).is_empty(), "read-only never sends");
    }
}
