//! The state owner: `AppState`, the event loop and `update()`.
//!
//! Only `run` does terminal I/O. Pollers send `PollOutcome`s over a bounded
//! channel; the loop applies them, recomputes everything derived in
//! `refresh_derived`, and redraws on change or on the 1 s tick.

pub mod action;
pub mod command;
pub mod confirm;
pub mod filter;
pub mod keymap;
pub mod rows;
mod update;

use std::time::Duration as StdDuration;

use chrono::{DateTime, FixedOffset, Utc};
use crossterm::event::{Event, KeyEventKind};
use futures::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::sync::mpsc::Receiver;
use tokio_util::sync::CancellationToken;

use crate::analytics::{Engine, Policy};
use crate::domain::{Derived, OperatorCommand, Snapshot};
use crate::sync::{CommandResult, PollOutcome};
use crate::terminal::SyncOutput;
use crate::ui;

pub use action::{Action, InputEdit, View};
pub use confirm::Confirm;
pub use filter::Filter;
pub use keymap::{KeyBinding, Keymap, KeymapError};
pub use rows::{CampaignRow, Rows, SortKey};
pub use update::update;

/// Everything the binary hands the TUI at start.
#[derive(Debug)]
pub struct AppContext {
    pub profile: String,
    pub production: bool,
    pub readonly: bool,
    pub actor: String,
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
}

impl Default for AppContext {
    fn default() -> Self {
        AppContext {
            profile: "default".into(),
            production: false,
            readonly: false,
            actor: String::new(),
            theme: ui::theme::Theme::default(),
            initial: Snapshot::default(),
            stale_after: chrono::Duration::minutes(5),
            keymap: Keymap::default(),
            engine: Engine::new(Policy::default()),
            commands: None,
            results: None,
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
    pub actor: String,
    pub stale_after: chrono::Duration,
    pub keymap: Keymap,
    /// What the screen shows. While frozen this is a copy that polls do not touch.
    pub snapshot: Snapshot,
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
}

impl AppState {
    pub fn new(ctx: AppContext, now: DateTime<Utc>) -> (Self, ui::theme::Theme) {
        let state = AppState {
            profile: ctx.profile,
            production: ctx.production,
            readonly: ctx.readonly,
            actor: ctx.actor,
            stale_after: ctx.stale_after,
            keymap: ctx.keymap,
            snapshot: ctx.initial,
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
        };
        (state, ctx.theme)
    }

    /// Apply one poll outcome; while frozen it goes to the live copy only.
    pub fn apply(&mut self, outcome: PollOutcome) {
        match self.live.as_deref_mut() {
            Some(live) => {
                crate::sync::apply_outcome(live, outcome);
                self.held_updates += 1;
            }
            None => {
                crate::sync::apply_outcome(&mut self.snapshot, outcome);
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
    let world = state.world_now();
    state.derived = state.engine.evaluate(&state.snapshot, world);
    state.evaluated_at = Some(state.now);
    refresh_rows(state);
}

/// How often the tick re-runs analytics when no data arrived.
const REEVALUATE_EVERY: chrono::Duration = chrono::Duration::seconds(30);

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

fn local_offset() -> FixedOffset {
    *chrono::Local::now().offset()
}

/// Run the TUI until quit, end of input or cancellation. Returns the final
/// state so callers (and tests) can inspect it.
pub async fn run<B, E>(
    terminal: &mut Terminal<B>,
    mut events: E,
    mut polls: Receiver<PollOutcome>,
    mut ctx: AppContext,
    cancel: CancellationToken,
) -> color_eyre::Result<AppState>
where
    B: Backend + SyncOutput,
    B::Error: Send + Sync + 'static,
    E: Stream<Item = std::io::Result<Event>> + Unpin,
{
    let commands = ctx.commands.clone();
    let mut results = ctx.results.take();
    let (mut state, theme) = AppState::new(ctx, Utc::now());
    state.local_offset = local_offset();
    refresh_derived(&mut state);
    let mut tick = tokio::time::interval(StdDuration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut events_open = true;
    draw(terminal, &mut state, &theme)?;
    loop {
        let mut changed = false;
        let mut effects = Vec::new();
        // Biased: cancellation wins, and data that already arrived is applied
        // before the keys typed after it.
        tokio::select! {
            biased;
            _ = cancel.cancelled() => break,
            Some(outcome) = polls.recv() => {
                state.now = Utc::now();
                state.apply(outcome);
                changed = true;
            }
            Some(result) = next_result(&mut results) => {
                state.now = Utc::now();
                confirm::track(&mut state, result.command);
                changed = true;
            }
            ev = events.next(), if events_open => match ev {
                Some(Ok(ev)) => {
                    state.now = Utc::now();
                    if let Some(action) = event_to_action(&state, ev, &mut changed) {
                        effects = update(&mut state, action);
                        changed = true;
                    }
                }
                Some(Err(e)) => return Err(e.into()),
                // Input closed (stdin gone): nothing can quit us but a signal,
                // so stop here rather than run headless.
                None => events_open = false,
            },
            _ = tick.tick() => {
                state.now = Utc::now();
                state.local_offset = local_offset();
                let due = state
                    .evaluated_at
                    .is_none_or(|t| state.now - t >= REEVALUATE_EVERY);
                if due && !state.is_frozen() {
                    refresh_derived(&mut state);
                }
                changed = true;
            }
        }
        for effect in effects {
            match effect {
                Effect::Quit => state.should_quit = true,
                Effect::ClearScreen => terminal.clear().map_err(color_eyre::Report::new)?,
                Effect::Submit(command) => submit(&mut state, commands.as_ref(), command),
            }
        }
        if state.should_quit || !events_open {
            break;
        }
        if changed {
            draw(terminal, &mut state, &theme)?;
        }
    }
    Ok(state)
}

/// The dispatcher's next report, or never when there is no dispatcher.
async fn next_result(results: &mut Option<Receiver<CommandResult>>) -> Option<CommandResult> {
    match results.as_mut() {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// Hand a confirmed command to the dispatcher without blocking the UI.
fn submit(
    state: &mut AppState,
    commands: Option<&tokio::sync::mpsc::Sender<OperatorCommand>>,
    command: OperatorCommand,
) {
    use tokio::sync::mpsc::error::TrySendError;
    let what = format!("{} {}", command.kind.verb(), command.kind.target());
    let Some(tx) = commands else {
        state.message = Some(format!("{what}: not sent, commands are not available here"));
        return;
    };
    match tx.try_send(command.clone()) {
        Ok(()) => confirm::track(state, command),
        Err(TrySendError::Full(_)) => {
            state.message = Some(format!(
                "{what}: not sent, the command queue is full; try again"
            ));
        }
        Err(TrySendError::Closed(_)) => {
            state.message = Some(format!("{what}: not sent, the dispatcher has stopped"));
        }
    }
}

fn event_to_action(state: &AppState, ev: Event, changed: &mut bool) -> Option<Action> {
    match ev {
        Event::Key(key) if key.kind != KeyEventKind::Release => {
            if state.input.is_some() || state.confirm.is_some() {
                update::input_action(&key)
            } else {
                state.keymap.lookup(&key).cloned()
            }
        }
        Event::Paste(text) if state.input.is_some() || state.confirm.is_some() => {
            Some(Action::Input(InputEdit::Paste(text)))
        }
        Event::Resize(..) => {
            *changed = true;
            None
        }
        _ => None,
    }
}

fn draw<B>(
    terminal: &mut Terminal<B>,
    state: &mut AppState,
    theme: &ui::theme::Theme,
) -> color_eyre::Result<()>
where
    B: Backend + SyncOutput,
    B::Error: Send + Sync + 'static,
{
    let size = terminal.size().map_err(color_eyre::Report::new)?;
    state.page_rows = ui::body_rows(size.height);
    terminal.backend_mut().begin_frame()?;
    terminal
        .draw(|frame| ui::render(frame, state, theme))
        .map_err(color_eyre::Report::new)?;
    terminal.backend_mut().end_frame()?;
    Ok(())
}
