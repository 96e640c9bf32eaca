use mops::domain::CommandStatus;
use mops::store::{Enqueued, StoreError};

use super::{cmd, open, t};

fn keys(cmds: Vec<mops::domain::OperatorCommand>) -> Vec<String> {
    cmds.into_iter().map(|c| c.idempotency_key).collect()
}

#[test]
fn enqueue_is_insert_or_ignore_by_key() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    assert_eq!(store.enqueue(&cmd("k1")).unwrap(), Enqueued::New);
    let mut replay = cmd("k1");
    replay.reason = Some("a different reason".into());
    assert_eq!(store.enqueue(&replay).unwrap(), Enqueued::AlreadyPresent);
    let all = store.commands(10).unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0], cmd("k1"), "the first write wins");
}

#[test]
fn order_survives_reopen_and_replays() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    for k in ["z", "a", "m", "b"] {
        store.enqueue(&cmd(k)).unwrap();
    }
    store.enqueue(&cmd("a")).unwrap();
    drop(store);
    let store = open(dir.path());
    store.enqueue(&cmd("c")).unwrap();
    assert_eq!(keys(store.pending().unwrap()), ["z", "a", "m", "b", "c"]);
    assert_eq!(keys(store.commands(3).unwrap()), ["c", "b", "m"]);
    assert_eq!(keys(store.commands(100).unwrap()).len(), 5);
}

#[test]
fn status_transitions_and_pending() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    for k in ["a", "b", "c", "d", "e"] {
        store.enqueue(&cmd(k)).unwrap();
    }
    let sent = store.set_status("a", CommandStatus::Sent, t(1)).unwrap();
    assert_eq!(sent.status, CommandStatus::Sent);
    assert_eq!(sent.updated_at, Some(t(1)));
    store.set_status("a", CommandStatus::Applied, t(2)).unwrap();
    store.set_status("b", CommandStatus::Sent, t(2)).unwrap();
    let conflict = CommandStatus::Conflict {
        detail: "paused by bo at 10:02".into(),
    };
    store.set_status("c", conflict.clone(), t(3)).unwrap();
    store
        .set_status(
            "d",
            CommandStatus::Failed {
                error: "404".into(),
            },
            t(3),
        )
        .unwrap();

    // Queued and Sent only, still in enqueue order.
    assert_eq!(keys(store.pending().unwrap()), ["b", "e"]);
    assert_eq!(store.pending().unwrap()[0].status, CommandStatus::Sent);

    // Final states stick: a replay of the same outcome is a no-op...
    let again = store.set_status("c", conflict.clone(), t(9)).unwrap();
    assert_eq!(again.updated_at, Some(t(3)));
    // ...and a late, different outcome is refused.
    let err = store
        .set_status("a", CommandStatus::Sent, t(9))
        .unwrap_err();
    assert!(matches!(err, StoreError::FinalStatus { .. }), "{err:?}");
    assert_eq!(
        store.command("a").unwrap().unwrap().status,
        CommandStatus::Applied
    );

    let err = store
        .set_status("nope", CommandStatus::Sent, t(1))
        .unwrap_err();
    assert!(matches!(err, StoreError::UnknownCommand { .. }), "{err:?}");

    drop(store);
    let store = open(dir.path());
    assert_eq!(keys(store.pending().unwrap()), ["b", "e"]);
    assert_eq!(store.command("c").unwrap().unwrap().status, conflict);
}

#[test]
fn concurrent_enqueues_of_one_key_store_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let store = store.clone();
            std::thread::spawn(move || {
                (0..20)
                    .filter(|i| store.enqueue(&cmd(&format!("k{i}"))).unwrap() == Enqueued::New)
                    .count()
            })
        })
        .collect();
    let new: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(new, 20);
    assert_eq!(store.commands(100).unwrap().len(), 20);
    assert_eq!(store.pending().unwrap().len(), 20);
}
