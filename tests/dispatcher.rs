//! The dispatcher's intake: a command refused locally is audited with its
//! reason and never reaches the outbox; an allowed one is queued and audited.

use chrono::Utc;
use mops::domain::{CommandKind, CommandStatus, OperatorCommand};
use mops::store::Store;
use mops::sync::dispatcher::{Actor, accept};

fn cmd(status: CommandStatus) -> OperatorCommand {
    OperatorCommand {
        idempotency_key: uuid::Uuid::new_v4().to_string(),
        kind: CommandKind::Pause {
            campaign_id: "cmp-0001".into(),
        },
        actor: "vic".into(),
        reason: None,
        created_at: Utc::now(),
        status,
        updated_at: None,
    }
}

#[tokio::test]
async fn refusals_are_audited_not_queued() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = Store::open(dir.path()).unwrap();
    let actor = Actor {
        name: "vic".into(),
        role: "viewer".into(),
    };
    let refused = cmd(CommandStatus::Failed {
        error: "refused locally: vic is a viewer".into(),
    });
    accept(&store, &actor, refused).await.unwrap();
    assert!(store.pending().unwrap().is_empty());
    assert!(
        store.commands(10).unwrap().is_empty(),
        "nothing in the outbox"
    );
    let allowed = cmd(CommandStatus::Queued);
    accept(&store, &actor, allowed.clone()).await.unwrap();
    assert_eq!(store.pending().unwrap().len(), 1);
    let trail = store.audit_entries().unwrap();
    assert_eq!(trail.len(), 2);
    assert_eq!(trail[0].outcome, "refused");
    assert_eq!(trail[0].role, "viewer");
    assert!(trail[0].after.as_deref().unwrap_or("").contains("viewer"));
    assert_eq!(trail[1].outcome, "queued");
    assert!(store.verify_audit().is_ok());
}
