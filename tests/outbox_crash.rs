//! The outbox under fire: a child process delivers a planned sequence of
//! pause/resume commands to the simulator and is killed with SIGKILL at
//! random points, many times. After the last restart every command must have
//! been applied exactly once, in order, and none lost.

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use mops::cli::SimOpts;
use mops::connectors::{Endpoints, HttpClient, HttpConfig, NativeClient, Secret};
use mops::domain::{CommandKind, CommandStatus, OperatorCommand};
use mops::simulator::{self, SimConfig};
use mops::store::Store;
use mops::sync::dispatcher::{Actor, Delivery, deliver, enqueue};

const CAMPAIGNS: usize = 3;
const PER_CAMPAIGN: usize = 8; // pause, resume, pause, ... ends on resume
const CHILD_ENV: &str = "MOPS_CRASH_CHILD_URL";

fn plan() -> Vec<OperatorCommand> {
    let mut out = Vec::new();
    for i in 0..PER_CAMPAIGN {
        for c in 0..CAMPAIGNS {
            let campaign_id = format!("cmp-{c:04}");
            let kind = if i % 2 == 0 {
                CommandKind::Pause { campaign_id }
            } else {
                CommandKind::Resume { campaign_id }
            };
            out.push(OperatorCommand {
                idempotency_key: format!("crash-{c}-{i}"),
                kind,
                actor: "crash-test".into(),
                reason: Some("crash test".into()),
                created_at: Utc::now(),
                status: CommandStatus::Queued,
                updated_at: None,
            });
        }
    }
    out
}

/// Runs only inside the child process: replay the outbox, then queue and
/// deliver whatever of the plan is not in the outbox yet.
#[test]
fn crash_child() {
    let Ok(base) = std::env::var(CHILD_ENV) else {
        return;
    };
    let dir = std::env::var("MOPS_CRASH_DIR").expect("data dir");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async move {
        // The previous child may still be dying; its lock goes with it.
        let store = loop {
            match Store::open(std::path::Path::new(&dir)) {
                Ok((s, _)) => break s,
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        };
        let http = Arc::new(HttpClient::new(HttpConfig::default()).unwrap());
        let client = mops::connectors::vendor::Backend::from(NativeClient::new(
            http,
            Endpoints {
                marketing: format!("{base}/marketing/v1"),
                crm: format!("{base}/crm/v1"),
                erp: format!("{base}/erp/v1"),
                token: Secret::new("demo-token"),
            },
        ));
        let actor = Actor {
            name: "crash-test".into(),
            role: "operator".into(),
        };
        for cmd in store.pending().unwrap() {
            match deliver(&store, &client, &actor, cmd).await.unwrap() {
                Delivery::Done(_) => {}
                Delivery::Later(c, why) => panic!("{} deferred: {why}", c.idempotency_key),
            }
        }
        let known: Vec<String> = store
            .commands(usize::MAX)
            .unwrap()
            .into_iter()
            .map(|c| c.idempotency_key)
            .collect();
        for cmd in plan() {
            if known.contains(&cmd.idempotency_key) {
                continue;
            }
            let cmd = enqueue(&store, &actor, cmd).await.unwrap();
            match deliver(&store, &client, &actor, cmd).await.unwrap() {
                Delivery::Done(_) => {}
                Delivery::Later(c, why) => panic!("{} deferred: {why}", c.idempotency_key),
            }
        }
        println!("CHILD-COMPLETE");
    });
}

fn spawn_child(base: &str, dir: &std::path::Path) -> std::process::Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "crash_child", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, base)
        .env("MOPS_CRASH_DIR", dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn child")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_dispatcher_applies_every_command_exactly_once() {
    if std::env::var(CHILD_ENV).is_ok() {
        return;
    }
    let mut cfg = SimConfig::from_opts(&SimOpts {
        scenario: None,
        seed: Some(11),
        campaigns: Some(20),
        speed: Some(0.0),
        dialect: None,
    })
    .unwrap();
    cfg.speed = 0.0;
    let sim = simulator::spawn(cfg).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let base = sim.base_url();

    // Seeded kill points between 5 and 120 ms: deterministic across runs.
    let mut seed: u64 = 0x5eed;
    let mut kills = 0;
    for _ in 0..25 {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let delay = Duration::from_millis(5 + (seed >> 33) % 115);
        let mut child = spawn_child(&base, dir.path());
        tokio::time::sleep(delay).await;
        if child.try_wait().unwrap().is_none() {
            unsafe {
                libc::kill(child.id() as i32, libc::SIGKILL);
            }
            kills += 1;
        }
        let _ = child.wait();
    }
    // Let a last child finish the plan undisturbed (bounded wait).
    let mut child = spawn_child(&base, dir.path());
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "final child hung"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        status.success() && stdout.contains("CHILD-COMPLETE"),
        "{stdout}"
    );
    assert!(
        kills >= 10,
        "only {kills} kills landed; the test proves little"
    );

    let (store, _) = Store::open(dir.path()).unwrap();
    let commands = store.commands(usize::MAX).unwrap();
    assert_eq!(
        commands.len(),
        CAMPAIGNS * PER_CAMPAIGN,
        "lost or duplicated commands"
    );
    for c in &commands {
        assert_eq!(
            c.status,
            CommandStatus::Applied,
            "{} ended {:?}: a replay was applied twice or out of order",
            c.idempotency_key,
            c.status
        );
    }
    for c in 0..CAMPAIGNS {
        let pauses = sim.state().with_world(|w| w.pause_count(c));
        assert_eq!(
            pauses,
            PER_CAMPAIGN / 2,
            "campaign {c}: pauses applied {pauses} times"
        );
    }
    let audit = store.verify_audit();
    assert!(audit.is_ok(), "{audit:?}");
    sim.shutdown();
}
