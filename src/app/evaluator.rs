//! Analytics off the loop's thread. `Engine::evaluate` takes most of a
//! second at 10,000 campaigns on a cold start, so the loop hands the engine
//! and a shared handle on the snapshot to a blocking task and keeps answering
//! keys; the engine comes back with the results. One evaluation at a time:
//! data that changes meanwhile only marks another one as wanted.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::task::{JoinError, JoinHandle};

use super::{AppState, refresh_rows, session};
use crate::analytics::Engine;
use crate::domain::Derived;

/// Below this many campaigns a poll landing during an evaluation is applied
/// at once (copying the shared snapshot is cheap); above it the poll waits
/// for the evaluation, since a copy would cost more than the wait.
pub const COPY_BELOW: usize = 1_000;

/// What a finished evaluation hands back.
#[derive(Debug)]
pub struct Evaluation {
    engine: Engine,
    derived: Derived,
    at: DateTime<Utc>,
}

#[derive(Debug, Default)]
pub struct Evaluator {
    job: Option<JoinHandle<Evaluation>>,
}

impl Evaluator {
    /// Start an evaluation if one is wanted and none is running.
    pub fn start(&mut self, state: &mut AppState) {
        if self.job.is_some() || !state.eval_wanted {
            return;
        }
        // The stand-in is never evaluated: acknowledgements made while the
        // real engine is away queue in `pending_acks`.
        let stand_in = Engine::new(*state.engine.policy());
        let mut engine = std::mem::replace(&mut state.engine, stand_in);
        let snapshot = Arc::clone(&state.snapshot);
        let world = state.world_now();
        let at = state.now;
        state.eval_wanted = false;
        state.eval_running = true;
        self.job = Some(tokio::task::spawn_blocking(move || {
            let derived = engine.evaluate(&snapshot, world);
            Evaluation {
                engine,
                derived,
                at,
            }
        }));
    }

    /// The running evaluation's result; pending forever when none runs.
    /// Cancel-safe: the handle is polled by reference and kept until done.
    pub async fn done(&mut self) -> Result<Evaluation, JoinError> {
        let Some(job) = self.job.as_mut() else {
            return std::future::pending().await;
        };
        let result = job.await;
        self.job = None;
        result
    }

    /// On the way out: bring the engine home and evaluate whatever data
    /// is still unevaluated, so the state returned (and the engine saved)
    /// reflect everything that arrived.
    /// True when it changed anything.
    pub async fn settle(&mut self, state: &mut AppState) -> Result<bool, JoinError> {
        let mut changed = false;
        for _ in 0..2 {
            if self.job.is_none() {
                self.start(state);
            }
            if self.job.is_none() {
                break;
            }
            let done = self.done().await?;
            finish(state, done);
            changed = true;
        }
        Ok(changed)
    }
}

/// Install a finished evaluation: the engine returns, queued
/// acknowledgements apply, held polls land, and the rows are rebuilt.
pub fn finish(state: &mut AppState, done: Evaluation) {
    state.engine = done.engine;
    state.eval_running = false;
    let world = state.world_now();
    for (fingerprint, by) in std::mem::take(&mut state.pending_acks) {
        state.engine.acknowledge(&fingerprint, &by, world);
        state.eval_wanted = true;
    }
    state.derived = done.derived;
    state.evaluated_at = Some(done.at);
    refresh_rows(state);
    session::after_evaluation(state);
    let held = std::mem::take(&mut state.held);
    if !held.is_empty() {
        state.apply_all(held);
    }
}
