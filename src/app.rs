//! The state owner: `AppState`, the event loop and `update()`.
//!
//! Only `run` does terminal I/O. Pollers send `PollOutcome`s over a bounded
//! channel; the loop applies them, recomputes everything derived in
//! `refresh_derived`, and redraws on change or on the 1 s tick.

pub mod action;
pub mod auto_throttle;
pub mod command;
pub mod confirm;
mod evaluator;
mod event_loop;
pub mod filter;
pub mod keymap;
pub mod rows;
pub mod session;
mod update;

use std::sync::Arc;

use chrono::{DateTime, FixedOffset, Utc};
use tokio::sync::mpsc::Receiver;

use crate::analytics::{Engine, Policy};
use crate::domain::{Derived, OperatorCommand, Snapshot};
use crate::sync::{CommandResult, PollOutcome};
use crate::ui;

pub use action::{Action, InputEdit, View};
pub use confirm::Confirm;
pub use event_loop::run;
pub use filter::Filter;
pub use keymap::{KeyBinding, Keymap, KeymapError};
pub use rows::{CampaignRow, Rows, SortKey};
pub use session::{Session, SessionSink, SinceYouLeft};
pub use update::update;

/// Describes the request a command turns into ("POST https://.../pause {..}").
#[derive(Clone)]
pub struct RequestPreview(
    pub std::sync::Arc<dyn Fn(&crate::domain::CommandKind) -> String + Send + Sync>,
);

impl RequestPreview {
    pub fn describe(&self, kind: &crate::domain::CommandKind) -> String {
        (self.0)(kind)
    }
}

impl std::fmt::Debug for RequestPreview {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RequestPreview")
    }
}

/// Everything the binary hands the TUI at start.
#[derive(Debug)]
pub struct AppContext {
    pub profile: String,
    pub production: bool,
    pub readonly: bool,
    pub actor: String,
    /// Role and approval scopes for local refusals (the server still decides).
    pub principal: crate::domain::Principal,
    /// The exact API call a command turns into, shown in the confirm dialog.
    pub request_preview: Option<RequestPreview>,
    /// The newest audit entries at start, for the detail view's history.
    pub audit: Vec<crate::domain::AuditEntry>,
    /// The chain policy, to say why each approval step is there.
    pub chain_policy: crate::domain::approval_policy::ChainPolicy,
    pub theme: ui::theme::Theme,
    /// Last known state from the cache, shown (as stale) until pollers report.
    pub initial: Snapshot,
    pub stale_after: chrono::Duration,
    pub keymap: Keymap,
    /// Restored from the store so acknowledgements and hysteresis survive
    /// restarts; `Engine::new(Policy::default())` otherwise.
    pub engine: Engine,
    /// To the outbox dispatcher; `None` disables operator commands.
    pub commands: Option<tokio::sync::mpsc::Sender<OperatorCommand>>,
    /// The dispatcher's reports on submitted and retried commands.
    pub results: Option<Receiver<CommandResult>>,
    /// Where the operator left off last time: view, filter and when.
    pub session: Option<Session>,
    /// Saves the session as view and filter change; `None` in tests.
    pub session_sink: Option<SessionSink>,
    /// For slow links: 5 s tick, clock without seconds, redraw on data only.
    pub low_bandwidth: bool,
}

impl Default for AppContext {
    fn default() -> Self {
        AppContext {
            profile: "default".into(),
            production: false,
            readonly: false,
            actor: String::new(),
            // Tests and tools get full rights; the console passes the profile's.
            principal: crate::domain::Principal {
                name: String::new(),
                role: crate::domain::Role::Admin,
                scopes: Vec::new(),
            },
            request_preview: None,
            audit: Vec::new(),
            chain_policy: Default::default(),
            theme: ui::theme::Theme::default(),
            initial: Snapshot::default(),
            stale_after: chrono::Duration::minutes(5),
            keymap: Keymap::default(),
            engine: Engine::new(Policy::default()),
            commands: None,
            results: None,
            session: None,
            session_sink: None,
            low_bandwidth: false,
        }
    }
}

/// What `update` asks the loop to do outside the state.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Quit,
    /// Clear the terminal and repaint everything (Ctrl-L).
    ClearScreen,
    /// A confirmed operator command for the outbox dispatcher.
    Submit(OperatorCommand),
}

/// A `:` command line or a `/` filter being typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    pub kind: InputKind,
    pub text: String,
    /// `text` is the current filter shown for reference: the first typed
    /// character starts a new one (a restored filter is not silently
    /// extended), Backspace edits it instead.
    pub prefilled: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    Command,
    Filter,
}

#[derive(Debug, Clone)]
pub struct AppState {
    pub profile: String,
    pub production: bool,
    pub readonly: bool,
    pub low_bandwidth: bool,
    pub actor: String,
    pub principal: crate::domain::Principal,
    pub request_preview: Option<RequestPreview>,
    pub audit: Vec<crate::domain::AuditEntry>,
    pub chain_policy: crate::domain::approval_policy::ChainPolicy,
    pub stale_after: chrono::Duration,
    pub keymap: Keymap,
    /// What the screen shows. While frozen this is a copy that polls do not
    /// touch. Shared with a running evaluation, so polls that land meanwhile
    /// are held (see `held`) rather than forcing a copy of a big snapshot.
    pub snapshot: Arc<Snapshot>,
    pub derived: Derived,
    pub engine: Engine,
    /// When `derived` was last computed; alert life cycles advance with time
    /// even without new data, so the tick re-evaluates now and then.
    pub evaluated_at: Option<DateTime<Utc>>,
    /// While frozen, polls keep landing here; unfreezing shows it.
    pub live: Option<Box<Snapshot>>,
    pub frozen_at: Option<DateTime<Utc>>,
    pub held_updates: usize,
    /// Taken once per loop iteration; render never reads the clock.
    pub now: DateTime<Utc>,
    /// The operator's local UTC offset at `now`, for the header clock.
    pub local_offset: FixedOffset,
    pub view: View,
    /// Where Esc returns to from Detail or Help.
    pub back: Option<View>,
    /// Selected row per list view (index into the visible, sorted rows).
    pub cursor: std::collections::BTreeMap<View, usize>,
    /// Campaign shown by the Detail view.
    pub detail: Option<String>,
    pub input: Option<Input>,
    pub filter: Option<Filter>,
    pub filter_text: String,
    pub sort: SortKey,
    pub rows: Rows,
    /// One-line feedback (unknown command, bad filter, ...).
    pub message: Option<String>,
    /// An operator command waiting for Enter / Esc.
    pub confirm: Option<Confirm>,
    /// Commands submitted this session with their latest known status.
    pub recent_commands: Vec<OperatorCommand>,
    /// Body rows visible last frame, for paging.
    pub page_rows: usize,
    pub should_quit: bool,
    /// When this run started: data fetched after it is fresh.
    pub started_at: DateTime<Utc>,
    /// Set when a session was restored; holds the "since you left" summary.
    pub since_you_left: Option<SinceYouLeft>,
    /// Analytics run on a blocking task (set by `run`); `update` and the
    /// unit tests evaluate inline.
    pub background_eval: bool,
    /// Data changed since the last evaluation started.
    pub eval_wanted: bool,
    /// An evaluation holds the engine; `engine` is a stand-in until it returns.
    pub eval_running: bool,
    /// Polls that arrived while a big snapshot was being evaluated.
    pub held: Vec<PollOutcome>,
    /// Acknowledgements (fingerprint, by) made while the engine was away.
    pub pending_acks: Vec<(String, String)>,
    /// Auto mode: the percent last sent per campaign, so only changes go out.
    pub auto_throttled: std::collections::HashMap<String, u8>,
    /// A command refused by role rules, on its way to the audit trail.
    pub refused: Option<OperatorCommand>,
}

impl AppState {
    pub fn new(ctx: AppContext, now: DateTime<Utc>) -> (Self, ui::theme::Theme) {
        let mut state = AppState {
            profile: ctx.profile,
            production: ctx.production,
            readonly: ctx.readonly,
            low_bandwidth: ctx.low_bandwidth,
            actor: ctx.actor,
            principal: ctx.principal,
            request_preview: ctx.request_preview,
            audit: ctx.audit,
            chain_policy: ctx.chain_policy,
            stale_after: ctx.stale_after,
            keymap: ctx.keymap,
            snapshot: Arc::new(ctx.initial),
            derived: Derived::default(),
            engine: ctx.engine,
            evaluated_at: None,
            live: None,
            frozen_at: None,
            held_updates: 0,
            now,
            local_offset: FixedOffset::east_opt(0).expect("zero offset is valid"),
            view: View::Overview,
            back: None,
            cursor: Default::default(),
            detail: None,
            input: None,
            filter: None,
            filter_text: String::new(),
            sort: SortKey::Health,
            rows: Rows::default(),
            message: None,
            confirm: None,
            recent_commands: Vec::new(),
            page_rows: 10,
            should_quit: false,
            started_at: now,
            since_you_left: None,
            background_eval: false,
            eval_wanted: false,
            eval_running: false,
            held: Vec::new(),
            pending_acks: Vec::new(),
            auto_throttled: std::collections::HashMap::new(),
            refused: None,
        };
        if let Some(session) = &ctx.session {
            session::restore(&mut state, session);
        }
        (state, ctx.theme)
    }

    /// Apply one poll outcome; while frozen it goes to the live copy only.
    pub fn apply(&mut self, outcome: PollOutcome) {
        self.apply_all([outcome]);
    }

    /// Apply a burst of outcomes, then run analytics once for all of them.
    pub fn apply_all(&mut self, outcomes: impl IntoIterator<Item = PollOutcome>) {
        match self.live.as_deref_mut() {
            Some(live) => {
                for o in outcomes {
                    crate::sync::apply_outcome(live, o);
                    self.held_updates += 1;
                }
            }
            None => {
                for o in outcomes {
                    crate::sync::apply_outcome(Arc::make_mut(&mut self.snapshot), o);
                }
                refresh_derived(self);
            }
        }
    }

    /// "Now" on the sources' clock: data timestamps (alert starts,
    /// deadlines, pacing) are judged against this, freshness against `now`.
    pub fn world_now(&self) -> DateTime<Utc> {
        self.snapshot.world_now(self.now)
    }

    pub fn is_frozen(&self) -> bool {
        self.live.is_some()
    }

    pub fn selected(&self, view: View) -> usize {
        self.cursor.get(&view).copied().unwrap_or(0)
    }
}

/// Recompute everything derived from the snapshot. The one place analytics
/// run, so the views can never disagree about health or alerts.
pub fn refresh_derived(state: &mut AppState) {
    if state.background_eval {
        state.eval_wanted = true;
        refresh_rows(state);
        return;
    }
    let world = state.world_now();
    state.derived = state.engine.evaluate(&state.snapshot, world);
    state.evaluated_at = Some(state.now);
    refresh_rows(state);
    session::after_evaluation(state);
}

/// Re-sort and re-filter the visible rows after data, filter or sort changed.
pub fn refresh_rows(state: &mut AppState) {
    state.rows = Rows::build(
        &state.snapshot,
        &state.derived,
        state.world_now(),
        state.filter.as_ref(),
        state.sort,
    );
    update::clamp_cursors(state);
}
