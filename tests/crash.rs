//! Crash test for the outbox: a child process enqueues k0, k1, ... and
//! reports each key on stdout once `enqueue` has returned; the parent
//! SIGKILLs it at pseudo-random points and checks that every reported key
//! survived, exactly once and in order.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use chrono::{TimeZone, Utc};
use mops::domain::{CommandKind, CommandStatus, OperatorCommand};
use mops::store::Store;

const CHILD_ENV: &str = "MOPS_CRASH_CHILD_DIR";
const ROUNDS: usize = 24;
/// The child stops by itself after this many keys if nobody kills it.
const CHILD_MAX_KEYS: usize = 5_000;

fn cmd(i: usize) -> OperatorCommand {
    OperatorCommand {
        idempotency_key: format!("k{i}"),
        kind: CommandKind::Pause {
            campaign_id: format!("c{}", i % 7),
        },
        actor: "crash-test".into(),
        reason: None,
        created_at: Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap(),
        status: CommandStatus::Queued,
        updated_at: None,
    }
}

/// Not a test on its own: the body of the child process. Every run starts
/// again from k0, so earlier keys are replayed (and must stay single).
#[test]
fn crash_child() {
    let Ok(dir) = std::env::var(CHILD_ENV) else {
        return;
    };
    let (store, _) = Store::open(Path::new(&dir)).unwrap();
    println!("OPEN");
    for i in 0..CHILD_MAX_KEYS {
        store.enqueue(&cmd(i)).unwrap();
        println!("k{i}");
    }
}

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// Runs the child until it has reported key index `>= kill_at` (or right after
/// open when `kill_at` is None), kills it, and returns the highest index it
/// reported, including lines still in the pipe when it died.
fn run_child(dir: &Path, kill_at: Option<usize>, pause_micros: u64) -> Option<usize> {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "crash_child", "--nocapture"])
        .env(CHILD_ENV, dir)
        .stdout(Stdio::piped())
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut max: Option<usize> = None;
    let mut line = String::new();
    let mut killed = false;
    while out.read_line(&mut line).unwrap() > 0 {
        if let Some(i) = line.trim().strip_prefix('k').and_then(|n| n.parse().ok()) {
            max = max.max(Some(i));
        }
        let due = match kill_at {
            None => line.starts_with("OPEN"),
            Some(at) => max.is_some_and(|m| m >= at),
        };
        if due && !killed {
            // Lands somewhere inside the next enqueue (or between two).
            std::thread::sleep(Duration::from_micros(pause_micros));
            child.kill().unwrap();
            killed = true;
        }
        line.clear();
    }
    let status = child.wait().unwrap();
    assert!(killed, "child finished on its own: {status:?}");
    max
}

#[test]
fn every_acknowledged_enqueue_survives_sigkill() {
    if std::env::var(CHILD_ENV).is_ok() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng(0x5eed_cafe_f00d_0001);
    let mut reported: Option<usize> = None;
    for round in 0..ROUNDS {
        let kill_at = match rng.below(6) {
            0 => None,
            _ => Some(reported.map_or(0, |r| r + 1) + rng.below(25) as usize),
        };
        let seen = run_child(dir.path(), kill_at, rng.below(3_000));
        reported = reported.max(seen);

        let (store, _) = Store::open(dir.path()).unwrap();
        let keys: Vec<String> = store
            .pending()
            .unwrap()
            .into_iter()
            .map(|c| c.idempotency_key)
            .collect();
        let contiguous: Vec<String> = (0..keys.len()).map(|i| format!("k{i}")).collect();
        assert_eq!(keys, contiguous, "round {round}: once each, in order");
        if let Some(r) = reported {
            assert!(
                keys.len() > r,
                "round {round}: k{r} was acknowledged but only {} keys survived",
                keys.len()
            );
        }
        assert_eq!(store.commands(usize::MAX).unwrap().len(), keys.len());
    }
    assert!(reported.is_some_and(|r| r >= ROUNDS), "{reported:?}");
}
