//! A simulator on loopback plus a private HOME/data dir for the binary.

use std::path::PathBuf;
use std::process::Output;

use chrono::{TimeZone, Utc};
use mops::domain::System;
use mops::simulator::{self, Faults, Scenario, SimConfig, SimHandle};

pub struct Env {
    pub sim: SimHandle,
    pub home: tempfile::TempDir,
    /// Replaces a system's URL (e.g. with a dead port) for the next runs.
    pub url_override: Vec<(System, String)>,
    pub config: Option<PathBuf>,
}

/// What one run printed and how it ended.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", self.stdout, self.stderr))
    }
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// The demo scenario (or `calm`), frozen clock, fixed start: deterministic.
pub async fn start(calm: bool) -> Env {
    Env {
        sim: spawn_sim(calm).await,
        home: tempfile::tempdir().expect("tempdir"),
        url_override: Vec::new(),
        config: None,
    }
}

async fn spawn_sim(calm: bool) -> SimHandle {
    let mut config = SimConfig::default();
    if calm {
        let scenario = Scenario::parse(include_str!("../../examples/scenarios/calm.toml"))
            .expect("calm parses");
        config.faults = scenario.faults.clone();
        config.scenario = scenario;
    }
    config.speed = 0.0;
    config.start = Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap();
    simulator::spawn(config).await.expect("simulator starts")
}

impl Env {
    pub fn data_dir(&self) -> PathBuf {
        self.home.path().join("data")
    }

    /// Write a config file with one `default` profile holding `profile_toml`.
    pub fn with_config(&mut self, profile_toml: &str) {
        let path = self.home.path().join("config.toml");
        std::fs::write(&path, format!("[profiles.default]\n{profile_toml}\n")).unwrap();
        self.config = Some(path);
    }

    pub fn set_faults(&self, system: System, faults: Faults) {
        self.sim.set_faults(system, faults);
    }

    pub fn outage(&self, system: System) {
        self.set_faults(
            system,
            Faults {
                outage: true,
                ..Default::default()
            },
        );
    }

    fn url(&self, system: System) -> String {
        if let Some((_, u)) = self.url_override.iter().find(|(s, _)| *s == system) {
            return u.clone();
        }
        match system {
            System::Marketing => self.sim.marketing_url(),
            System::Crm => self.sim.crm_url(),
            System::Erp => self.sim.erp_url(),
        }
    }

    /// Run `mops ARGS` as `actor` with role operator.
    pub async fn mops(&self, args: &[&str]) -> Run {
        self.mops_as("ana", "operator", args).await
    }

    /// Run as `actor` with `role` and every approval scope.
    pub async fn mops_as(&self, actor: &str, role: &str, args: &[&str]) -> Run {
        self.mops_scoped(actor, role, "marketing,finance,legal,margin", args)
            .await
    }

    pub async fn mops_scoped(&self, actor: &str, role: &str, scopes: &str, args: &[&str]) -> Run {
        let home = self.home.path();
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_mops"));
        for var in [
            "MOPS_PROFILE",
            "MOPS_CONFIG",
            "MOPS_DATA_DIR",
            "MOPS_LOG",
            "MOPS_THEME",
        ] {
            cmd.env_remove(var);
        }
        cmd.arg("--data-dir").arg(self.data_dir());
        if let Some(c) = &self.config {
            cmd.arg("--config").arg(c);
        }
        let out: Output = cmd
            .args(args)
            .env("HOME", home)
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("XDG_DATA_HOME", home.join("share"))
            .env("XDG_STATE_HOME", home.join("state"))
            .env("MOPS_MARKETING_URL", self.url(System::Marketing))
            .env("MOPS_CRM_URL", self.url(System::Crm))
            .env("MOPS_ERP_URL", self.url(System::Erp))
            .env("MOPS_TOKEN", "demo-token")
            .env("MOPS_ACTOR", actor)
            .env("MOPS_ROLE", role)
            .env("MOPS_SCOPES", scopes)
            .stdin(std::process::Stdio::null())
            .output()
            .await
            .expect("mops runs");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// Shut the simulator down and wait until its port refuses connections.
pub async fn stop_sim(env: &Env) {
    env.sim.shutdown();
    for _ in 0..500 {
        if tokio::net::TcpStream::connect(env.sim.addr).await.is_err() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("the simulator still accepts connections after shutdown");
}

/// A fresh simulator with the same world (same seed and start), as after a
/// vendor outage ends; the data directory is kept.
pub async fn restart_sim(env: &mut Env, calm: bool) {
    env.sim = spawn_sim(calm).await;
}

/// The campaign with `id` from `mops campaigns -o json`.
pub async fn campaign(env: &Env, id: &str) -> serde_json::Value {
    let run = env.mops(&["campaigns", id, "-o", "json"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    run.json()
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("{id} not listed: {run:?}"))
}
