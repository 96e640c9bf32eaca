use std::path::Path;

use mops::domain::AuditEntry;
use mops::store::{AuditError, GENESIS_HASH, Store, Tamper, entry_hash};

use super::{new_audit, open, raw_sled};

/// A store with `n` chained entries, closed again so sled can be opened raw.
fn chain(n: u64) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    for i in 1..=n {
        let e = store.audit(new_audit(i)).unwrap();
        assert_eq!(e.seq, i);
    }
    dir
}

/// Edits the journal behind the store's back, as an attacker with file access would.
fn raw(dir: &Path, f: impl FnOnce(&sled::Tree)) {
    let db = raw_sled(&dir.join("journal"));
    f(&db.open_tree("audit").unwrap());
    db.flush().unwrap();
}

fn key(seq: u64) -> [u8; 8] {
    seq.to_be_bytes()
}

fn get(tree: &sled::Tree, seq: u64) -> AuditEntry {
    serde_json::from_slice(&tree.get(key(seq)).unwrap().unwrap()).unwrap()
}

fn verify(dir: &Path) -> Result<u64, (u64, Tamper)> {
    let store = open(dir);
    match store.verify_audit() {
        Ok(v) => Ok(v.entries),
        Err(AuditError::Tampered { seq, problem, .. }) => Err((seq, problem)),
        Err(e) => panic!("unexpected {e}"),
    }
}

#[test]
fn an_untouched_chain_verifies_and_links() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let empty = store.verify_audit().unwrap();
    assert_eq!((empty.entries, empty.head_hash.as_str()), (0, GENESIS_HASH));
    for i in 1..=5 {
        store.audit(new_audit(i)).unwrap();
    }
    let entries = store.audit_entries().unwrap();
    assert_eq!(entries.len(), 5);
    assert_eq!(entries[0].prev_hash, GENESIS_HASH);
    for w in entries.windows(2) {
        assert_eq!(w[1].prev_hash, w[0].hash);
        assert_eq!(w[1].seq, w[0].seq + 1);
    }
    for e in &entries {
        assert_eq!(entry_hash(e), e.hash);
        assert_eq!(e.hash.len(), 64);
    }
    let v = store.verify_audit().unwrap();
    assert_eq!(v.entries, 5);
    assert_eq!(v.head_hash, entries[4].hash);
    drop(store);
    // The chain continues across restarts.
    let store = open(dir.path());
    let sixth = store.audit(new_audit(6)).unwrap();
    assert_eq!(sixth.seq, 6);
    assert_eq!(sixth.prev_hash, entries[4].hash);
    assert_eq!(store.verify_audit().unwrap().entries, 6);
}

#[test]
fn every_field_is_covered_by_the_hash() {
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path()).audit(new_audit(1)).unwrap();
    let edits: Vec<fn(&mut AuditEntry)> = vec![
        |e| e.seq += 1,
        |e| e.at += chrono::Duration::nanoseconds(1),
        |e| e.actor.push('x'),
        |e| e.role.push('x'),
        |e| e.action.push('x'),
        |e| e.target.push('x'),
        |e| e.before = None,
        |e| e.after = Some("active".into()),
        |e| e.reason = Some(String::new()),
        |e| e.idempotency_key = None,
        |e| e.outcome.push('x'),
        |e| e.prev_hash = e.hash.clone(),
    ];
    for edit in edits {
        let mut changed = e.clone();
        edit(&mut changed);
        assert_ne!(entry_hash(&changed), e.hash, "{changed:?}");
    }
}

#[test]
fn an_edited_field_is_detected() {
    let dir = chain(5);
    raw(dir.path(), |t| {
        let mut e = get(t, 3);
        e.actor = "mallory".into();
        t.insert(key(3), serde_json::to_vec(&e).unwrap()).unwrap();
    });
    assert_eq!(verify(dir.path()), Err((3, Tamper::Edited)));
}

#[test]
fn garbage_in_an_entry_is_an_edit() {
    let dir = chain(3);
    raw(dir.path(), |t| {
        t.insert(key(2), &b"{not json"[..]).unwrap();
    });
    assert_eq!(verify(dir.path()), Err((2, Tamper::Edited)));
}

#[test]
fn a_deleted_middle_entry_is_detected() {
    let dir = chain(5);
    raw(dir.path(), |t| {
        t.remove(key(3)).unwrap();
    });
    assert_eq!(verify(dir.path()), Err((3, Tamper::Missing)));
}

#[test]
fn swapped_entries_are_detected() {
    let dir = chain(5);
    raw(dir.path(), |t| {
        let (a, b) = (t.get(key(2)).unwrap(), t.get(key(4)).unwrap());
        t.insert(key(2), b.unwrap()).unwrap();
        t.insert(key(4), a.unwrap()).unwrap();
    });
    assert_eq!(verify(dir.path()), Err((2, Tamper::Reordered)));
}

#[test]
fn renumbered_entries_are_detected() {
    // Delete entry 2 and shift the rest down, fixing their seq fields: the
    // hashes then no longer match their content.
    let dir = chain(4);
    raw(dir.path(), |t| {
        for seq in 3..=4 {
            let mut e = get(t, seq);
            e.seq -= 1;
            t.insert(key(seq - 1), serde_json::to_vec(&e).unwrap())
                .unwrap();
        }
        t.remove(key(4)).unwrap();
    });
    assert_eq!(verify(dir.path()), Err((2, Tamper::Edited)));
}

#[test]
fn a_recomputed_entry_that_breaks_the_link_is_detected() {
    let dir = chain(4);
    raw(dir.path(), |t| {
        let mut e = get(t, 3);
        e.prev_hash = GENESIS_HASH.into();
        e.hash = entry_hash(&e);
        t.insert(key(3), serde_json::to_vec(&e).unwrap()).unwrap();
    });
    assert_eq!(verify(dir.path()), Err((3, Tamper::Reordered)));
}

#[test]
fn a_truncated_tail_is_detected() {
    let dir = chain(6);
    raw(dir.path(), |t| {
        t.remove(key(5)).unwrap();
        t.remove(key(6)).unwrap();
    });
    assert_eq!(verify(dir.path()), Err((5, Tamper::Truncated)));
}

#[test]
fn a_truncated_middle_is_detected() {
    let dir = chain(8);
    raw(dir.path(), |t| {
        for seq in 3..=6 {
            t.remove(key(seq)).unwrap();
        }
    });
    assert_eq!(verify(dir.path()), Err((3, Tamper::Missing)));
}

#[test]
fn a_fully_emptied_log_is_detected_through_the_head() {
    let dir = chain(3);
    raw(dir.path(), |t| t.clear().unwrap());
    assert_eq!(verify(dir.path()), Err((1, Tamper::Truncated)));
}

#[test]
fn jsonl_export_parses_back_line_by_line() {
    let dir = chain(4);
    let store = open(dir.path());
    let mut out = Vec::new();
    assert_eq!(store.export_audit_jsonl(&mut out).unwrap(), 4);
    let text = String::from_utf8(out).unwrap();
    let parsed: Vec<AuditEntry> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(parsed, store.audit_entries().unwrap());
    assert!(parsed.iter().all(|e| entry_hash(e) == e.hash));
    assert!(text.ends_with('\n'));
    assert_eq!(text.lines().count(), 4);
}

#[test]
fn concurrent_audits_form_one_chain() {
    let dir = tempfile::tempdir().unwrap();
    let store: Store = open(dir.path());
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let store = store.clone();
            std::thread::spawn(move || {
                for i in 0..10 {
                    store.audit(new_audit(t * 100 + i)).unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(store.verify_audit().unwrap().entries, 40);
}
