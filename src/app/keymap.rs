//! Keys to `Action`s. Built from defaults overlaid with the config's
//! `[keys]` table (action name -> list of keys); two actions on one key is an
//! error that names both, never a silent last-one-wins.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::Action;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeymapError {
    #[error("unknown action {0:?} in key bindings")]
    UnknownAction(String),
    #[error("cannot parse key {key:?} for {action:?}: {why}")]
    BadKey {
        action: String,
        key: String,
        why: String,
    },
    #[error("key {key} is bound to both {first:?} and {second:?}")]
    Conflict {
        key: String,
        first: Action,
        second: Action,
    },
}

/// A key with its modifiers, normalised so `shift-a`, `A` and `S-a` agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyBinding {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl KeyBinding {
    pub fn new(code: KeyCode, mods: KeyModifiers) -> Self {
        // Terminals report Shift with uppercase letters and symbols
        // inconsistently; the character itself already says it.
        let mods = match code {
            KeyCode::Char(_) => mods - KeyModifiers::SHIFT,
            KeyCode::BackTab => mods - KeyModifiers::SHIFT,
            _ => mods,
        };
        KeyBinding { code, mods }
    }

    pub fn from_event(ev: &KeyEvent) -> Self {
        KeyBinding::new(ev.code, ev.modifiers)
    }

    /// `q`, `G`, `?`, `ctrl-c`, `shift-tab`, `enter`, `esc`, `up`, `f5`, `space`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut mods = KeyModifiers::NONE;
        let mut rest = s;
        // A lone "-" is a key, so only split on dashes that have a key after.
        while let Some((m, tail)) = rest.split_once('-') {
            if tail.is_empty() {
                break;
            }
            mods |= match m.to_ascii_lowercase().as_str() {
                "ctrl" | "c" | "control" => KeyModifiers::CONTROL,
                "alt" | "a" | "m" | "meta" => KeyModifiers::ALT,
                "shift" | "s" => KeyModifiers::SHIFT,
                other => return Err(format!("unknown modifier {other:?}")),
            };
            rest = tail;
        }
        let code = match rest.to_ascii_lowercase().as_str() {
            "enter" | "return" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "tab" if mods.contains(KeyModifiers::SHIFT) => KeyCode::BackTab,
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "backspace" => KeyCode::Backspace,
            "space" => KeyCode::Char(' '),
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "pageup" | "pgup" => KeyCode::PageUp,
            "pagedown" | "pgdn" => KeyCode::PageDown,
            "delete" | "del" => KeyCode::Delete,
            f if f.len() > 1 && f.starts_with('f') && f[1..].parse::<u8>().is_ok() => {
                KeyCode::F(f[1..].parse().map_err(|e| format!("{e}"))?)
            }
            _ => {
                let mut chars = rest.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) if mods.contains(KeyModifiers::SHIFT) => {
                        KeyCode::Char(c.to_ascii_uppercase())
                    }
                    (Some(c), None) => KeyCode::Char(c),
                    _ => return Err(format!("unknown key name {rest:?}")),
                }
            }
        };
        Ok(KeyBinding::new(code, mods))
    }
}

impl fmt::Display for KeyBinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            f.write_str("Ctrl-")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            f.write_str("Alt-")?;
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            f.write_str("Shift-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::BackTab => f.write_str("Shift-Tab"),
            KeyCode::F(n) => write!(f, "F{n}"),
            KeyCode::Up => f.write_str("Up"),
            KeyCode::Down => f.write_str("Down"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            other => write!(f, "{other}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Keymap {
    map: HashMap<KeyBinding, Action>,
    /// Keys per action in the order they were declared, for hints and help.
    by_action: BTreeMap<Action, Vec<KeyBinding>>,
}

impl Default for Keymap {
    fn default() -> Self {
        Keymap::from_config(&BTreeMap::new())
            .expect("the built-in default bindings have no conflicts (tested)")
    }
}

fn defaults() -> Vec<(Action, &'static [&'static str])> {
    use Action::*;
    vec![
        (Quit, &["q", "ctrl-c"]),
        (Redraw, &["ctrl-l"]),
        (Freeze, &["f"]),
        (Help, &["?", "7"]),
        (NextView, &["tab"]),
        (PrevView, &["shift-tab"]),
        (ShowOverview, &["1"]),
        (ShowCampaigns, &["2"]),
        (ShowAlerts, &["3"]),
        (ShowSync, &["4"]),
        (ShowThrottles, &["5"]),
        (ShowApprovals, &["6"]),
        (Up, &["k", "up"]),
        (Down, &["j", "down"]),
        (PageUp, &["pageup", "ctrl-b"]),
        (PageDown, &["pagedown", "ctrl-f"]),
        (Top, &["g", "home"]),
        (Bottom, &["G", "end"]),
        (Detail, &["enter"]),
        (Back, &["esc"]),
        (CommandMode, &[":"]),
        (FilterMode, &["/"]),
        (SortNext, &["s"]),
        (Approve, &["a"]),
        (Reject, &["x"]),
        (Pause, &["p"]),
        (Resume, &["u"]),
        (Fallback, &["F"]),
        (RetrySync, &["R"]),
        (Acknowledge, &["A"]),
        (ApplyThrottle, &["T"]),
    ]
}

impl Keymap {
    /// Defaults, with each action named in `config` taking exactly the keys
    /// listed there instead of its default keys (an empty list unbinds it).
    pub fn from_config(config: &BTreeMap<String, Vec<String>>) -> Result<Self, KeymapError> {
        let mut bindings: BTreeMap<Action, Vec<String>> = defaults()
            .into_iter()
            .map(|(a, keys)| (a, keys.iter().map(|k| k.to_string()).collect()))
            .collect();
        for (name, keys) in config {
            let action = Action::from_name(name)
                .filter(|a| !matches!(a, Action::Input(_)))
                .ok_or_else(|| KeymapError::UnknownAction(name.clone()))?;
            bindings.insert(action, keys.clone());
        }
        let mut map: HashMap<KeyBinding, Action> = HashMap::new();
        let mut by_action: BTreeMap<Action, Vec<KeyBinding>> = BTreeMap::new();
        for (action, keys) in bindings {
            for key in keys {
                let kb = KeyBinding::parse(&key).map_err(|why| KeymapError::BadKey {
                    action: format!("{action:?}"),
                    key: key.clone(),
                    why,
                })?;
                if let Some(first) = map.get(&kb)
                    && *first != action
                {
                    return Err(KeymapError::Conflict {
                        key: kb.to_string(),
                        first: first.clone(),
                        second: action,
                    });
                }
                map.insert(kb, action.clone());
                let listed = by_action.entry(action.clone()).or_default();
                if !listed.contains(&kb) {
                    listed.push(kb);
                }
            }
        }
        Ok(Keymap { map, by_action })
    }

    pub fn lookup(&self, ev: &KeyEvent) -> Option<&Action> {
        self.map.get(&KeyBinding::from_event(ev))
    }

    /// Keys bound to `action`, in the order the config lists them.
    pub fn keys_for(&self, action: &Action) -> Vec<KeyBinding> {
        self.by_action.get(action).cloned().unwrap_or_default()
    }

    /// The first key for `action` as display text, or "" when unbound.
    pub fn hint(&self, action: &Action) -> String {
        self.keys_for(action)
            .first()
            .map(ToString::to_string)
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn defaults_cover_the_brief() {
        let km = Keymap::default();
        let n = KeyModifiers::NONE;
        let cases = [
            (key(KeyCode::Char('q'), n), Action::Quit),
            (key(KeyCode::Char('c'), KeyModifiers::CONTROL), Action::Quit),
            (
                key(KeyCode::Char('l'), KeyModifiers::CONTROL),
                Action::Redraw,
            ),
            (key(KeyCode::Char('f'), n), Action::Freeze),
            (key(KeyCode::Char('?'), KeyModifiers::SHIFT), Action::Help),
            (key(KeyCode::Tab, n), Action::NextView),
            (key(KeyCode::BackTab, KeyModifiers::SHIFT), Action::PrevView),
            (key(KeyCode::Char('3'), n), Action::ShowAlerts),
            (key(KeyCode::Char('j'), n), Action::Down),
            (key(KeyCode::Up, n), Action::Up),
            (key(KeyCode::Char('g'), n), Action::Top),
            (key(KeyCode::Char('G'), KeyModifiers::SHIFT), Action::Bottom),
            (key(KeyCode::Enter, n), Action::Detail),
            (key(KeyCode::Esc, n), Action::Back),
        ];
        for (ev, want) in cases {
            assert_eq!(km.lookup(&ev), Some(&want), "{ev:?}");
        }
        assert_eq!(km.lookup(&key(KeyCode::Char('z'), n)), None);
        assert_eq!(km.hint(&Action::Quit), "q");
        assert_eq!(km.hint(&Action::Help), "?");
    }

    #[test]
    fn config_overrides_and_unbinds() {
        let cfg = BTreeMap::from([
            ("quit".to_string(), vec!["ctrl-q".to_string()]),
            ("freeze".to_string(), vec![]),
        ]);
        let km = Keymap::from_config(&cfg).unwrap();
        let n = KeyModifiers::NONE;
        assert_eq!(
            km.lookup(&key(KeyCode::Char('q'), KeyModifiers::CONTROL)),
            Some(&Action::Quit)
        );
        assert_eq!(km.lookup(&key(KeyCode::Char('q'), n)), None);
        assert_eq!(km.lookup(&key(KeyCode::Char('f'), n)), None);
    }

    #[test]
    fn conflict_names_both_actions() {
        let cfg = BTreeMap::from([("freeze".to_string(), vec!["ctrl-l".to_string()])]);
        let err = Keymap::from_config(&cfg).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("Redraw") && msg.contains("Freeze"), "{msg}");
        assert!(msg.contains("Ctrl-l"), "{msg}");
    }

    #[test]
    fn bad_names_are_errors() {
        let cfg = BTreeMap::from([("launch".to_string(), vec!["x".to_string()])]);
        assert_eq!(
            Keymap::from_config(&cfg),
            Err(KeymapError::UnknownAction("launch".into()))
        );
        let cfg = BTreeMap::from([("quit".to_string(), vec!["hyper-x".to_string()])]);
        assert!(matches!(
            Keymap::from_config(&cfg),
            Err(KeymapError::BadKey { .. })
        ));
    }

    #[test]
    fn parse_normalises() {
        assert_eq!(
            KeyBinding::parse("shift-g").unwrap(),
            KeyBinding::parse("G").unwrap()
        );
        assert_eq!(KeyBinding::parse("-").unwrap().code, KeyCode::Char('-'));
        assert_eq!(KeyBinding::parse("F5").unwrap().code, KeyCode::F(5));
        assert_eq!(KeyBinding::parse("ctrl-c").unwrap().to_string(), "Ctrl-c");
    }
}
