//! Shared simulator state: the world behind a mutex, the accelerated clock,
//! fault knobs, rate-limit windows and the idempotency store.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration as StdDuration, Instant};

use axum::body::Bytes;
use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};

use super::SimConfig;
use super::scenario::{FaultSet, Faults};
use super::world::World;
use crate::domain::System;

/// Requests allowed per window when no `rate_limit` fault is set.
pub const DEFAULT_RATE_LIMIT: u32 = 1000;
pub const RATE_WINDOW: StdDuration = StdDuration::from_secs(10);
/// Idempotency keys are kept this long (simulated time), as the contract says.
const KEY_TTL: Duration = Duration::hours(24);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding a lock leaves plain data behind; keep serving it.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[derive(Debug)]
struct Clock {
    start: DateTime<Utc>,
    speed: f64,
    origin: Instant,
    advanced_ms: AtomicI64,
}

impl Clock {
    fn now(&self) -> DateTime<Utc> {
        let real_ms = self.origin.elapsed().as_secs_f64() * 1000.0;
        let sim_ms = (self.speed * real_ms) as i64 + self.advanced_ms.load(Ordering::SeqCst);
        self.start + Duration::milliseconds(sim_ms)
    }
}

#[derive(Debug, Clone, Copy)]
pub struct RateInfo {
    pub limit: u32,
    pub remaining: u32,
    pub reset_secs: u64,
    pub allowed: bool,
}

#[derive(Debug, Clone)]
pub struct StoredResponse {
    pub status: StatusCode,
    pub body: Bytes,
}

#[derive(Debug, Clone)]
enum IdemEntry {
    InFlight {
        fingerprint: u64,
    },
    Done {
        fingerprint: u64,
        stored_at: DateTime<Utc>,
        response: StoredResponse,
    },
}

pub enum IdemBegin {
    New,
    Replay(StoredResponse),
    Mismatch,
    InFlight,
}

struct Inner {
    config: SimConfig,
    world: Mutex<World>,
    clock: Clock,
    faults: Mutex<FaultSet>,
    counters: [AtomicU64; 3],
    rate: Mutex<[(Instant, u32); 3]>,
    idem: Mutex<HashMap<String, IdemEntry>>,
}

/// Cheap to clone: every clone shares one world.
#[derive(Clone)]
pub struct SimState {
    inner: Arc<Inner>,
}

fn slot(system: System) -> usize {
    system as usize
}

impl SimState {
    pub fn new(config: SimConfig) -> Result<SimState, String> {
        let world = World::new(
            config.seed,
            config.campaigns,
            config.start,
            &config.scenario.incidents,
        )?;
        let mut world = world;
        world.set_chain_policy(config.scenario.approvals.clone().unwrap_or_default());
        let now = Instant::now();
        Ok(SimState {
            inner: Arc::new(Inner {
                clock: Clock {
                    start: config.start,
                    speed: config.speed,
                    origin: now,
                    advanced_ms: AtomicI64::new(0),
                },
                faults: Mutex::new(config.faults.clone()),
                world: Mutex::new(world),
                counters: Default::default(),
                rate: Mutex::new([(now, 0); 3]),
                idem: Mutex::new(HashMap::new()),
                config,
            }),
        })
    }

    pub fn config(&self) -> &SimConfig {
        &self.inner.config
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.inner.clock.now()
    }

    pub fn advance(&self, d: Duration) {
        let ms = d.num_milliseconds().max(0);
        self.inner.clock.advanced_ms.fetch_add(ms, Ordering::SeqCst);
    }

    /// Run `f` on the world brought up to the current simulated time. The
    /// lock is held only for this synchronous call, never across an await.
    pub fn with_world<R>(&self, f: impl FnOnce(&mut World) -> R) -> R {
        let now = self.now();
        let mut world = lock(&self.inner.world);
        world.advance_to(now);
        f(&mut world)
    }

    pub fn faults(&self, system: System) -> Faults {
        lock(&self.inner.faults).get(system).clone()
    }

    pub fn set_faults(&self, system: System, faults: Faults) {
        lock(&self.inner.faults).set(system, faults);
    }

    /// Sequence number of this request to `system`; fault rolls hash it.
    pub fn next_request(&self, system: System) -> u64 {
        self.inner.counters[slot(system)].fetch_add(1, Ordering::SeqCst)
    }

    /// Count one request in the system's fixed 10 s window.
    pub fn rate_check(&self, system: System, limit: Option<u32>) -> RateInfo {
        let limit = limit.unwrap_or(DEFAULT_RATE_LIMIT);
        let mut rate = lock(&self.inner.rate);
        let (started, count) = &mut rate[slot(system)];
        if started.elapsed() >= RATE_WINDOW {
            *started = Instant::now();
            *count = 0;
        }
        *count = count.saturating_add(1);
        let left = RATE_WINDOW.saturating_sub(started.elapsed());
        RateInfo {
            limit,
            remaining: limit.saturating_sub(*count),
            reset_secs: left.as_secs() + u64::from(left.subsec_nanos() > 0),
            allowed: *count <= limit,
        }
    }

    pub fn idem_begin(&self, key: &str, fingerprint: u64) -> IdemBegin {
        let now = self.now();
        let mut idem = lock(&self.inner.idem);
        idem.retain(
            |_, e| !matches!(e, IdemEntry::Done { stored_at, .. } if now - *stored_at > KEY_TTL),
        );
        match idem.get(key) {
            None => {
                idem.insert(key.to_string(), IdemEntry::InFlight { fingerprint });
                IdemBegin::New
            }
            Some(
                IdemEntry::InFlight { fingerprint: f } | IdemEntry::Done { fingerprint: f, .. },
            ) if *f != fingerprint => IdemBegin::Mismatch,
            Some(IdemEntry::InFlight { .. }) => IdemBegin::InFlight,
            Some(IdemEntry::Done { response, .. }) => IdemBegin::Replay(response.clone()),
        }
    }

    pub fn idem_finish(&self, key: &str, fingerprint: u64, response: Option<StoredResponse>) {
        let mut idem = lock(&self.inner.idem);
        match response {
            Some(response) => {
                let stored_at = self.now();
                idem.insert(
                    key.to_string(),
                    IdemEntry::Done {
                        fingerprint,
                        stored_at,
                        response,
                    },
                );
            }
            None => {
                idem.remove(key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> SimState {
        SimState::new(SimConfig {
            speed: 0.0,
            ..SimConfig::default()
        })
        .unwrap()
    }

    #[test]
    fn idempotency_store_replays_rejects_mismatch_and_expires() {
        let s = state();
        assert!(matches!(s.idem_begin("k", 1), IdemBegin::New));
        assert!(matches!(s.idem_begin("k", 1), IdemBegin::InFlight));
        assert!(matches!(s.idem_begin("k", 2), IdemBegin::Mismatch));
        let stored = StoredResponse {
            status: StatusCode::OK,
            body: Bytes::from_static(b"{}"),
        };
        s.idem_finish("k", 1, Some(stored));
        assert!(matches!(s.idem_begin("k", 1), IdemBegin::Replay(r) if r.body == "{}"));
        s.advance(Duration::hours(25));
        assert!(
            matches!(s.idem_begin("k", 2), IdemBegin::New),
            "kept for 24 h only"
        );
        s.idem_finish("k", 2, None);
        assert!(
            matches!(s.idem_begin("k", 3), IdemBegin::New),
            "an aborted request frees its key"
        );
    }

    #[test]
    fn rate_window_counts_per_system() {
        let s = state();
        let infos: Vec<RateInfo> = (0..3).map(|_| s.rate_check(System::Erp, Some(2))).collect();
        assert_eq!(
            infos.iter().map(|i| i.allowed).collect::<Vec<_>>(),
            [true, true, false]
        );
        assert_eq!(infos[1].remaining, 0);
        assert!(infos[2].reset_secs <= 10);
        assert!(s.rate_check(System::Crm, Some(2)).allowed);
        assert_eq!(s.rate_check(System::Crm, None).limit, DEFAULT_RATE_LIMIT);
    }
}
