//! The select! loop: terminal events, poll outcomes, command results, the
//! 1 s tick and cancellation. The only place the TUI touches the terminal.

use std::time::Duration as StdDuration;

use chrono::{FixedOffset, Utc};
use crossterm::event::{Event, KeyEventKind};
use futures::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::sync::mpsc::Receiver;
use tokio_util::sync::CancellationToken;

use super::evaluator::{self, Evaluator};
use super::{
    Action, AppContext, AppState, Effect, InputEdit, confirm, refresh_derived, session, update,
};
use crate::domain::OperatorCommand;
use crate::sync::{CommandResult, PollOutcome};
use crate::terminal::SyncOutput;
use crate::ui;

/// Poll outcomes folded into one analytics pass at most.
const MAX_BURST: usize = 64;

/// The clock tick; in low-bandwidth mode the tick only keeps analytics and
/// the minute clock current and redraws when what is shown changed.
const TICK: StdDuration = StdDuration::from_secs(1);
const TICK_LOW_BANDWIDTH: StdDuration = StdDuration::from_secs(5);

/// How often the tick re-runs analytics when no data arrived.
const REEVALUATE_EVERY: chrono::Duration = chrono::Duration::seconds(30);

fn minute(state: &AppState) -> i64 {
    state.now.timestamp().div_euclid(60)
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
    let mut saver = ctx.session_sink.take().map(session::Saver::new);
    let (mut state, theme) = AppState::new(ctx, Utc::now());
    state.local_offset = local_offset();
    state.background_eval = true;
    refresh_derived(&mut state);
    let mut evaluator = Evaluator::default();
    evaluator.start(&mut state);
    let low_bandwidth = state.low_bandwidth;
    let mut tick = tokio::time::interval(if low_bandwidth {
        TICK_LOW_BANDWIDTH
    } else {
        TICK
    });
    let mut drawn_minute = minute(&state);
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
                // Take whatever else is already waiting so a burst costs one
                // analytics pass and one frame, and keys get their turn next.
                let mut burst = vec![outcome];
                while burst.len() < MAX_BURST
                    && let Ok(more) = polls.try_recv()
                {
                    burst.push(more);
                }
                let big = state.snapshot.campaigns.len() >= evaluator::COPY_BELOW;
                if state.eval_running && big && !state.is_frozen() {
                    state.held.extend(burst);
                } else {
                    state.apply_all(burst);
                }
                changed = true;
            }
            done = evaluator.done() => {
                state.now = Utc::now();
                evaluator::finish(&mut state, done?);
                for command in super::auto_throttle::commands(&mut state) {
                    submit(&mut state, commands.as_ref(), command);
                }
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
                if due && !state.is_frozen() && !state.eval_running {
                    refresh_derived(&mut state);
                }
                // Ages and the seconds clock move every tick; without seconds
                // only a new minute changes the screen.
                changed = !low_bandwidth || minute(&state) != drawn_minute;
            }
        }
        for effect in effects {
            match effect {
                Effect::Quit => state.should_quit = true,
                Effect::ClearScreen => terminal.clear().map_err(color_eyre::Report::new)?,
                Effect::Submit(command) => submit(&mut state, commands.as_ref(), command),
            }
        }
        if let Some(saver) = saver.as_mut() {
            saver.maybe_save(&state);
        }
        if state.should_quit || !events_open {
            break;
        }
        evaluator.start(&mut state);
        if changed {
            draw(terminal, &mut state, &theme)?;
            drawn_minute = minute(&state);
        }
    }
    if evaluator.settle(&mut state).await? {
        // The last frame matches the state returned. Best effort: after a
        // SIGHUP the terminal may be gone, and the state must still be saved.
        let _ = draw(terminal, &mut state, &theme);
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
