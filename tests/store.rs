//! The sled store on real disk: open/lock/cache reset here, the rest in
//! `store/*.rs`.

#[path = "store/audit.rs"]
mod audit;
#[path = "store/cache.rs"]
mod cache;
#[path = "store/outbox.rs"]
mod outbox;

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use chrono::{DateTime, TimeZone, Utc};
use mops::domain::{CommandKind, CommandStatus, OperatorCommand};
use mops::store::{NewAuditEntry, Store, StoreError};

pub fn t(h: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap() + chrono::Duration::hours(h)
}

pub fn open(dir: &Path) -> Store {
    let (store, report) = Store::open(dir).expect("open store");
    assert_eq!(report.cache_reset, None);
    store
}

pub fn cmd(key: &str) -> OperatorCommand {
    OperatorCommand {
        idempotency_key: key.into(),
        kind: CommandKind::Pause {
            campaign_id: format!("camp-{key}"),
        },
        actor: "ana".into(),
        reason: Some("bounce spike".into()),
        created_at: t(0),
        status: CommandStatus::Queued,
        updated_at: None,
    }
}

pub fn new_audit(i: u64) -> NewAuditEntry {
    NewAuditEntry {
        at: t(i as i64),
        actor: "ana".into(),
        role: "operator".into(),
        action: "pause".into(),
        target: format!("camp-{i}"),
        before: Some("active".into()),
        after: Some("paused".into()),
        reason: if i % 2 == 0 { None } else { Some("why".into()) },
        idempotency_key: Some(format!("k{i}")),
        outcome: "applied".into(),
    }
}

/// Opens a db behind the store's back. Retries briefly: while another test
/// spawns a child process, the child may hold a copy of the lock descriptor
/// between fork and exec.
pub fn raw_sled(path: &Path) -> sled::Db {
    for _ in 0..50 {
        match sled::open(path) {
            Ok(db) => return db,
            Err(e) if e.to_string().contains("could not acquire lock") => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Err(e) => panic!("open {}: {e}", path.display()),
        }
    }
    panic!("{} stayed locked", path.display());
}

/// Journal contents that must survive any cache trouble.
fn fill_journal(store: &Store) {
    for k in ["a", "b", "c"] {
        store.enqueue(&cmd(k)).unwrap();
    }
    for i in 1..=4 {
        store.audit(new_audit(i)).unwrap();
    }
}

fn assert_journal_intact(store: &Store) {
    let keys: Vec<_> = store
        .pending()
        .unwrap()
        .into_iter()
        .map(|c| c.idempotency_key)
        .collect();
    assert_eq!(keys, ["a", "b", "c"]);
    assert_eq!(store.verify_audit().unwrap().entries, 4);
}

fn corrupt_dirs(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("cache.corrupt-"))
        .collect()
}

fn reopen_expect_reset(dir: &Path) -> Store {
    let (store, report) = Store::open(dir).expect("reopen after cache damage");
    let why = report.cache_reset.expect("cache reset reported");
    assert!(why.contains("cache.corrupt-"), "{why}");
    assert_eq!(corrupt_dirs(dir).len(), 1, "old cache kept aside");
    assert_eq!(store.load_snapshot().unwrap(), None, "rebuilt empty");
    store
}

#[test]
fn cache_that_is_a_file_is_moved_aside_and_journal_survives() {
    let dir = tempfile::tempdir().unwrap();
    fill_journal(&open(dir.path()));
    let cache = dir.path().join("cache");
    std::fs::remove_dir_all(&cache).unwrap();
    std::fs::write(&cache, b"not a database").unwrap();

    let store = reopen_expect_reset(dir.path());
    assert_journal_intact(&store);
    drop(store);
    // The fresh cache is fine on the next start.
    let store = open(dir.path());
    assert_journal_intact(&store);
}

/// Overwrites every file directly in `dir` with pseudo-random bytes.
fn scramble(dir: &Path) {
    let mut garbage = 0x9e37_79b9_u32;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            let len = std::fs::metadata(&path).unwrap().len().max(512);
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    garbage ^= garbage << 13;
                    garbage ^= garbage >> 17;
                    garbage ^= garbage << 5;
                    garbage as u8
                })
                .collect();
            std::fs::write(&path, bytes).unwrap();
        }
    }
}

fn snapshot_of_files(dir: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect();
    files.sort();
    files
}

#[test]
fn garbage_cache_files_are_moved_aside_and_journal_survives() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    fill_journal(&store);
    store.save_snapshot(&Default::default()).unwrap();
    drop(store);
    scramble(&dir.path().join("cache"));
    let store = reopen_expect_reset(dir.path());
    assert_journal_intact(&store);
}

#[test]
fn garbage_journal_is_a_hard_error_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    fill_journal(&open(dir.path()));
    let journal = dir.path().join("journal");
    scramble(&journal);
    let before = snapshot_of_files(&journal);
    let err = Store::open(dir.path()).unwrap_err();
    assert!(matches!(err, StoreError::Journal { .. }), "{err:?}");
    assert_eq!(snapshot_of_files(&journal), before, "journal untouched");
}

#[test]
fn wrong_cache_format_version_is_moved_aside() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    fill_journal(&store);
    store.save_snapshot(&Default::default()).unwrap();
    drop(store);
    {
        let db = raw_sled(&dir.path().join("cache"));
        db.open_tree("meta")
            .unwrap()
            .insert("format_version", &99u32.to_be_bytes())
            .unwrap();
        db.flush().unwrap();
    }
    let store = reopen_expect_reset(dir.path());
    assert_journal_intact(&store);
}

#[test]
fn unopenable_journal_is_a_hard_error_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    drop(open(dir.path()));
    let journal = dir.path().join("journal");
    std::fs::remove_dir_all(&journal).unwrap();
    std::fs::write(&journal, b"precious").unwrap();
    let err = Store::open(dir.path()).unwrap_err();
    assert!(matches!(err, StoreError::Journal { .. }), "{err:?}");
    assert!(err.to_string().contains("journal"), "{err}");
    assert_eq!(std::fs::read(&journal).unwrap(), b"precious");
}

#[test]
fn journal_from_a_newer_mops_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    drop(open(dir.path()));
    {
        let db = raw_sled(&dir.path().join("journal"));
        db.open_tree("meta")
            .unwrap()
            .insert("format_version", &7u32.to_be_bytes())
            .unwrap();
        db.flush().unwrap();
    }
    let err = Store::open(dir.path()).unwrap_err();
    assert!(
        matches!(err, StoreError::JournalVersion { found: 7, .. }),
        "{err:?}"
    );
}

#[test]
fn second_open_in_the_same_process_is_locked() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let err = Store::open(dir.path()).unwrap_err();
    assert!(matches!(err, StoreError::Locked { .. }), "{err:?}");
    drop(store);
    drop(open(dir.path()));
}

const HOLDER_ENV: &str = "MOPS_STORE_TEST_HOLDER";

/// Not a test on its own: when re-executed by `spawn_holder` it holds a data
/// directory (through `Store` or through sled alone) until stdin closes.
#[test]
fn lock_holder_child() {
    let Ok(spec) = std::env::var(HOLDER_ENV) else {
        return;
    };
    let (how, dir) = spec.split_once(':').unwrap();
    let dir = Path::new(dir);
    let _held: Box<dyn std::any::Any> = match how {
        "store" => Box::new(Store::open(dir).unwrap().0),
        _ => Box::new(sled::open(dir.join("journal")).unwrap()),
    };
    println!("HOLDING");
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
}

struct Holder {
    child: Child,
    out: BufReader<std::process::ChildStdout>,
}

fn spawn_holder(how: &str, dir: &Path) -> Holder {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "lock_holder_child", "--nocapture"])
        .env(HOLDER_ENV, format!("{how}:{}", dir.display()))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while out.read_line(&mut line).unwrap() > 0 {
        if line.contains("HOLDING") {
            return Holder { child, out };
        }
        line.clear();
    }
    panic!("holder exited before holding: {:?}", child.wait());
}

fn release(mut h: Holder) {
    drop(h.child.stdin.take());
    // Keep reading so the child's closing output never hits a closed pipe.
    let mut rest = String::new();
    h.out.read_to_string(&mut rest).unwrap();
    assert!(h.child.wait().unwrap().success(), "{rest}");
}

#[test]
fn second_process_gets_a_clear_locked_error() {
    let dir = tempfile::tempdir().unwrap();
    let holder = spawn_holder("store", dir.path());
    let err = Store::open(dir.path()).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, StoreError::Locked { .. }), "{err:?}");
    assert!(
        msg.contains("another mops is already using data directory")
            && msg.contains(&dir.path().display().to_string())
            && msg.contains("--data-dir"),
        "{msg}"
    );
    release(holder);
    drop(open(dir.path()));
}

#[test]
fn sleds_own_lock_also_maps_to_locked() {
    let dir = tempfile::tempdir().unwrap();
    drop(open(dir.path()));
    let holder = spawn_holder("sled", dir.path());
    let err = Store::open(dir.path()).unwrap_err();
    assert!(matches!(err, StoreError::Locked { .. }), "{err:?}");
    release(holder);
}

#[test]
fn store_handle_can_cross_threads() {
    fn assert_send_sync_clone<T: Send + Sync + Clone + 'static>() {}
    assert_send_sync_clone::<Store>();
}
