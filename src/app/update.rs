//! `update`: apply one `Action` to the state. No terminal I/O, no clock.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::command::{self, Command};
use super::confirm;
use super::{Action, AppState, Effect, Filter, Input, InputEdit, InputKind, View};

pub fn update(state: &mut AppState, action: Action) -> Vec<Effect> {
    if !matches!(action, Action::Input(_)) {
        state.message = None;
    }
    match action {
        Action::Quit => return vec![Effect::Quit],
        Action::Redraw => return vec![Effect::ClearScreen],
        Action::Freeze => toggle_freeze(state),
        Action::Help => {
            if state.view == View::Help {
                back(state);
            } else {
                show(state, View::Help);
            }
        }
        Action::NextView | Action::PrevView => {
            let n = View::TABS.len();
            let at = state
                .view
                .tab_index()
                .or(state.back.and_then(View::tab_index));
            let next = match (at, action == Action::NextView) {
                (Some(i), true) => (i + 1) % n,
                (Some(i), false) => (i + n - 1) % n,
                (None, _) => 0,
            };
            show(state, View::TABS[next]);
        }
        Action::ShowOverview => show(state, View::Overview),
        Action::ShowCampaigns => show(state, View::Campaigns),
        Action::ShowAlerts => show(state, View::Alerts),
        Action::ShowSync => show(state, View::Sync),
        Action::ShowThrottles => show(state, View::Throttles),
        Action::ShowApprovals => show(state, View::Approvals),
        Action::Up => move_cursor(state, -1),
        Action::Down => move_cursor(state, 1),
        Action::PageUp => move_cursor(state, -(state.page_rows.max(1) as isize)),
        Action::PageDown => move_cursor(state, state.page_rows.max(1) as isize),
        Action::Top => move_cursor(state, isize::MIN),
        Action::Bottom => move_cursor(state, isize::MAX),
        Action::Detail => open_detail(state),
        Action::Back => {
            if state.back.is_some() {
                back(state);
            } else if state.filter.is_some() {
                state.filter = None;
                state.filter_text.clear();
                super::refresh_rows(state);
            }
        }
        Action::CommandMode => start_input(state, InputKind::Command),
        Action::FilterMode => start_input(state, InputKind::Filter),
        Action::SortNext => {
            state.sort = state.sort.next();
            super::refresh_rows(state);
            state.message = Some(format!("sorted by {}", state.sort.as_str()));
        }
        Action::Approve
        | Action::Reject
        | Action::Pause
        | Action::Resume
        | Action::Fallback
        | Action::RetrySync
        | Action::Acknowledge
        | Action::ApplyThrottle => {
            if let Err(why) = confirm::request(state, &action) {
                state.message = Some(why);
                if let Some(refused) = state.refused.take() {
                    return vec![Effect::Submit(refused)];
                }
            }
        }
        Action::Input(edit) => return edit_input(state, edit),
    }
    Vec::new()
}

/// Keys while the input line is open: text goes to the line, not the keymap.
pub fn input_action(key: &KeyEvent) -> Option<Action> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let edit = match key.code {
        KeyCode::Char('c') | KeyCode::Char('g') if ctrl => InputEdit::Cancel,
        KeyCode::Char('h') if ctrl => InputEdit::Backspace,
        KeyCode::Char(c) if !ctrl => InputEdit::Char(c),
        KeyCode::Backspace => InputEdit::Backspace,
        KeyCode::Tab => InputEdit::Complete,
        KeyCode::Enter => InputEdit::Submit,
        KeyCode::Esc => InputEdit::Cancel,
        _ => return None,
    };
    Some(Action::Input(edit))
}

fn show(state: &mut AppState, view: View) {
    // Overlay-like views remember the list they were opened from.
    let overlay = |v: View| matches!(v, View::Help | View::Detail | View::Outbox);
    if overlay(view) {
        if !overlay(state.view) {
            state.back = Some(state.view);
        }
    } else {
        state.back = None;
    }
    state.view = view;
}

fn back(state: &mut AppState) {
    state.view = state.back.take().unwrap_or(View::Overview);
}

fn toggle_freeze(state: &mut AppState) {
    match state.live.take() {
        Some(live) => {
            state.snapshot = std::sync::Arc::new(*live);
            state.frozen_at = None;
            state.held_updates = 0;
            super::refresh_derived(state);
        }
        None => {
            state.live = Some(Box::new((*state.snapshot).clone()));
            state.frozen_at = Some(state.now);
        }
    }
}

/// Number of rows the current list view has.
pub fn row_count(state: &AppState, view: View) -> usize {
    match view {
        View::Campaigns => state.rows.campaigns.len(),
        View::Alerts => state.rows.alerts.len(),
        View::Sync => state.rows.sync.len(),
        View::Throttles => state.rows.throttles.len(),
        View::Approvals => state.rows.approvals.len(),
        View::Help => Action::BINDABLE.len() + command::HELP_NOTES.len(),
        View::Outbox => state.recent_commands.len(),
        View::Overview | View::Detail => 0,
    }
}

fn move_cursor(state: &mut AppState, delta: isize) {
    let view = state.view;
    let n = row_count(state, view);
    if n == 0 {
        return;
    }
    let cur = state.selected(view) as isize;
    let next = cur.saturating_add(delta).clamp(0, n as isize - 1);
    state.cursor.insert(view, next as usize);
}

pub fn clamp_cursors(state: &mut AppState) {
    let views: Vec<View> = state.cursor.keys().copied().collect();
    for v in views {
        let n = row_count(state, v);
        let c = state.selected(v).min(n.saturating_sub(1));
        state.cursor.insert(v, c);
    }
}

/// The campaign under the cursor in the current view, if the view has one.
pub fn selected_campaign(state: &AppState) -> Option<String> {
    let i = state.selected(state.view);
    match state.view {
        View::Campaigns => state
            .rows
            .campaigns
            .get(i)
            .map(|r| state.snapshot.campaigns[r.idx].id.clone()),
        View::Alerts => state
            .rows
            .alerts
            .get(i)
            .and_then(|&a| state.derived.alerts[a].campaign_id.clone()),
        View::Throttles => state
            .rows
            .throttles
            .get(i)
            .map(|&t| state.derived.throttles[t].campaign_id.clone()),
        View::Approvals => state
            .rows
            .approvals
            .get(i)
            .map(|&a| state.snapshot.approvals[a].campaign_id.clone()),
        View::Overview => state
            .rows
            .campaigns
            .first()
            .map(|r| state.snapshot.campaigns[r.idx].id.clone()),
        View::Sync | View::Help | View::Detail | View::Outbox => None,
    }
}

fn open_detail(state: &mut AppState) {
    if let Some(id) = selected_campaign(state) {
        state.detail = Some(id);
        show(state, View::Detail);
    }
}

fn start_input(state: &mut AppState, kind: InputKind) {
    let text = match kind {
        InputKind::Filter => state.filter_text.clone(),
        InputKind::Command => String::new(),
    };
    let prefilled = !text.is_empty();
    state.input = Some(Input {
        kind,
        text,
        prefilled,
    });
}

fn edit_confirm(state: &mut AppState, edit: InputEdit) -> Vec<Effect> {
    let Some(c) = state.confirm.as_mut() else {
        return Vec::new();
    };
    match edit {
        InputEdit::Char(ch) => {
            if let Some(field) = c.field_mut() {
                field.push(ch);
            }
        }
        InputEdit::Paste(s) => {
            if let Some(field) = c.field_mut() {
                field.extend(s.chars().filter(|c| !c.is_control()));
            }
        }
        InputEdit::Backspace => {
            if let Some(field) = c.field_mut() {
                field.pop();
            }
        }
        InputEdit::Complete => c.next_focus(),
        InputEdit::Cancel => {
            state.confirm = None;
            state.message = Some("cancelled".into());
        }
        // Enter in a field moves on; only a button acts.
        InputEdit::Submit if c.field_mut().is_some() => c.next_focus(),
        InputEdit::Submit => return confirm::confirmed(state),
    }
    Vec::new()
}

fn edit_input(state: &mut AppState, edit: InputEdit) -> Vec<Effect> {
    if state.confirm.is_some() {
        return edit_confirm(state, edit);
    }
    let Some(input) = state.input.as_mut() else {
        return Vec::new();
    };
    let prefilled = std::mem::replace(&mut input.prefilled, false);
    if prefilled && matches!(edit, InputEdit::Char(_) | InputEdit::Paste(_)) {
        input.text.clear();
    }
    match edit {
        InputEdit::Char(c) => input.text.push(c),
        // Pasted text is typed by the operator, but may carry newlines or
        // escapes from a clipboard: keep printable characters only.
        InputEdit::Paste(s) => input.text.extend(s.chars().filter(|c| !c.is_control())),
        InputEdit::Backspace => {
            input.text.pop();
        }
        InputEdit::Complete => {
            if input.kind == InputKind::Command {
                input.text = command::complete(&input.text);
            }
        }
        InputEdit::Cancel => state.input = None,
        InputEdit::Submit => {
            let Some(input) = state.input.take() else {
                return Vec::new();
            };
            return submit(state, input);
        }
    }
    Vec::new()
}

fn submit(state: &mut AppState, input: Input) -> Vec<Effect> {
    match input.kind {
        InputKind::Command => match command::parse(&input.text) {
            Ok(Command::Quit) => return vec![Effect::Quit],
            Ok(Command::Show(view)) => show(state, view),
            Err(e) => state.message = Some(e),
        },
        InputKind::Filter => match Filter::parse(&input.text) {
            Ok(filter) => {
                state.filter = filter;
                state.filter_text = input.text.trim().to_string();
                if state.view != View::Campaigns {
                    show(state, View::Campaigns);
                }
                state.cursor.insert(View::Campaigns, 0);
                super::refresh_rows(state);
            }
            Err(e) => {
                state.message = Some(format!("filter: {e}"));
                // Keep what was typed so the operator can fix it.
                state.input = Some(input);
            }
        },
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::System;
    use crate::sync::{PollData, PollOutcome};
    use crate::ui::fixture;

    #[test]
    fn tab_cycles_and_numbers_jump() {
        let mut s = fixture::state();
        update(&mut s, Action::NextView);
        assert_eq!(s.view, View::Campaigns);
        update(&mut s, Action::PrevView);
        update(&mut s, Action::PrevView);
        assert_eq!(s.view, View::Help, "wraps around backwards");
        update(&mut s, Action::ShowThrottles);
        assert_eq!(s.view, View::Throttles);
    }

    #[test]
    fn cursor_moves_clamp_and_page() {
        let mut s = fixture::state();
        update(&mut s, Action::ShowCampaigns);
        update(&mut s, Action::Up);
        assert_eq!(s.selected(View::Campaigns), 0);
        update(&mut s, Action::Bottom);
        assert_eq!(s.selected(View::Campaigns), 7);
        update(&mut s, Action::Down);
        assert_eq!(s.selected(View::Campaigns), 7);
        s.page_rows = 3;
        update(&mut s, Action::PageUp);
        assert_eq!(s.selected(View::Campaigns), 4);
        update(&mut s, Action::Top);
        assert_eq!(s.selected(View::Campaigns), 0);
    }

    #[test]
    fn detail_and_back() {
        let mut s = fixture::state();
        update(&mut s, Action::ShowAlerts);
        // Firing critical first: the CTR alert on c-01.
        update(&mut s, Action::Detail);
        assert_eq!((s.view, s.detail.as_deref()), (View::Detail, Some("c-01")));
        update(&mut s, Action::Help);
        update(&mut s, Action::Back);
        assert_eq!(
            s.view,
            View::Alerts,
            "Esc returns to the list, not to Detail"
        );
    }

    #[test]
    fn freeze_holds_polls_until_unfrozen() {
        let mut s = fixture::state();
        update(&mut s, Action::Freeze);
        assert!(s.is_frozen());
        s.apply(PollOutcome {
            system: System::Marketing,
            at: fixture::now(),
            server_time: None,
            result: Ok(PollData::Campaigns(vec![])),
        });
        assert_eq!(
            s.snapshot.campaigns.len(),
            8,
            "screen keeps the frozen data"
        );
        assert_eq!(s.held_updates, 1);
        update(&mut s, Action::Freeze);
        assert!(!s.is_frozen());
        assert!(
            s.snapshot.campaigns.is_empty(),
            "held update shown on unfreeze"
        );
    }

    #[test]
    fn command_line() {
        let mut s = fixture::state();
        update(&mut s, Action::CommandMode);
        for c in "thr".chars() {
            update(&mut s, Action::Input(InputEdit::Char(c)));
        }
        update(&mut s, Action::Input(InputEdit::Complete));
        assert_eq!(s.input.as_ref().map(|i| i.text.as_str()), Some("throttles"));
        update(&mut s, Action::Input(InputEdit::Submit));
        assert_eq!(s.view, View::Throttles);
        assert!(s.input.is_none());

        update(&mut s, Action::CommandMode);
        update(&mut s, Action::Input(InputEdit::Char('z')));
        update(&mut s, Action::Input(InputEdit::Submit));
        assert!(s.message.as_deref().is_some_and(|m| m.contains("unknown")));

        update(&mut s, Action::CommandMode);
        update(&mut s, Action::Input(InputEdit::Char('q')));
        assert_eq!(
            update(&mut s, Action::Input(InputEdit::Submit)),
            vec![Effect::Quit]
        );
    }

    #[test]
    fn filter_applies_and_bad_filter_keeps_input() {
        let mut s = fixture::state();
        update(&mut s, Action::FilterMode);
        update(
            &mut s,
            Action::Input(InputEdit::Paste("status=active health<60\n".into())),
        );
        update(&mut s, Action::Input(InputEdit::Submit));
        assert_eq!(s.view, View::Campaigns);
        let ids: Vec<&str> = s
            .rows
            .campaigns
            .iter()
            .map(|r| s.snapshot.campaigns[r.idx].id.as_str())
            .collect();
        assert_eq!(ids, vec!["c-01", "c-02"]);
        assert_eq!(s.rows.campaigns_total, 8);

        update(&mut s, Action::FilterMode);
        update(&mut s, Action::Input(InputEdit::Char('<')));
        update(&mut s, Action::Input(InputEdit::Submit));
        assert!(s.input.is_some(), "a bad filter stays open for editing");
        assert!(
            s.message
                .as_deref()
                .is_some_and(|m| m.starts_with("filter:"))
        );
        update(&mut s, Action::Input(InputEdit::Cancel));

        // The current filter is shown; typing starts a new one, Backspace edits.
        update(&mut s, Action::FilterMode);
        update(&mut s, Action::Input(InputEdit::Char('c')));
        update(&mut s, Action::Input(InputEdit::Char('-')));
        assert_eq!(s.input.as_ref().map(|i| i.text.as_str()), Some("c-"));
        update(&mut s, Action::Input(InputEdit::Cancel));
        update(&mut s, Action::FilterMode);
        update(&mut s, Action::Input(InputEdit::Backspace));
        update(&mut s, Action::Input(InputEdit::Char('5')));
        assert_eq!(
            s.input.as_ref().map(|i| i.text.as_str()),
            Some("status=active health<65")
        );
        update(&mut s, Action::Input(InputEdit::Cancel));

        update(&mut s, Action::Back);
        assert!(s.filter.is_none());
        assert_eq!(s.rows.campaigns.len(), 8);
    }

    #[test]
    fn sort_cycles() {
        let mut s = fixture::state();
        update(&mut s, Action::ShowCampaigns);
        update(&mut s, Action::SortNext);
        let first = &s.snapshot.campaigns[s.rows.campaigns[0].idx];
        assert_eq!(first.name, "App Reengagement Push", "by name");
    }
}
