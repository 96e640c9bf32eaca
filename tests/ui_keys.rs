//! `[keys]` in the config file: loaded with the profile, applied by the
//! loop, and a conflict is an error at load that names the file, the key
//! and both actions.

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures::stream;
use mops::app::{self, Action, AppContext, Keymap};
use mops::config::{self, ConfigError, Overrides};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio_util::sync::CancellationToken;

fn env(k: &str) -> Option<String> {
    match k {
        "MOPS_MARKETING_URL" => Some("http://127.0.0.1:9/marketing/v1".into()),
        "MOPS_CRM_URL" => Some("http://127.0.0.1:9/crm/v1".into()),
        "MOPS_ERP_URL" => Some("http://127.0.0.1:9/erp/v1".into()),
        _ => None,
    }
}

fn load(text: &str, profile: Option<&str>) -> Result<config::Profile, ConfigError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, text).unwrap();
    config::resolve(
        &Overrides {
            config: Some(path),
            profile: profile.map(String::from),
            ..Overrides::default()
        },
        &env,
    )
}

const CONFIG: &str = r#"
[keys]
quit = ["ctrl-q"]
freeze = ["F9"]

[profiles.prod]
production = true
[profiles.prod.keys]
freeze = ["ctrl-z"]
"#;

#[test]
fn keys_from_the_file_with_profile_overrides() {
    let p = load(CONFIG, None).unwrap();
    let km = Keymap::from_config(&p.keys).unwrap();
    assert_eq!(km.hint(&Action::Quit), "Ctrl-q");
    assert_eq!(km.hint(&Action::Freeze), "F9");
    let q = KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE);
    assert_eq!(km.lookup(&q), None, "q no longer quits");

    let prod = load(CONFIG, Some("prod")).unwrap();
    let km = Keymap::from_config(&prod.keys).unwrap();
    assert_eq!(km.hint(&Action::Freeze), "Ctrl-z", "the profile wins");
    assert_eq!(km.hint(&Action::Quit), "Ctrl-q", "the rest is shared");
}

#[test]
fn a_conflict_fails_at_load_naming_file_key_and_actions() {
    let err = load("[keys]\nfreeze = [\"q\"]\n", None).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, ConfigError::Keys { .. }), "{msg}");
    assert!(msg.contains("config.toml"), "{msg}");
    assert!(
        msg.contains("key q") && msg.contains("Quit") && msg.contains("Freeze"),
        "{msg}"
    );
    let err = load("[keys]\nlaunch = [\"l\"]\n", None).unwrap_err();
    assert!(err.to_string().contains("launch"), "{err}");
    let err = load("[keys]\nquit = [\"hyper-q\"]\n", None).unwrap_err();
    assert!(err.to_string().contains("hyper-q"), "{err}");
}

#[tokio::test]
async fn the_loop_uses_the_configured_keys() {
    let p = load(CONFIG, None).unwrap();
    let ctx = AppContext {
        keymap: Keymap::from_config(&p.keys).unwrap(),
        ..AppContext::default()
    };
    let ev = |code, mods| Ok::<_, std::io::Error>(Event::Key(KeyEvent::new(code, mods)));
    let events = stream::iter(vec![
        ev(KeyCode::Char('q'), KeyModifiers::NONE), // unbound now
        ev(KeyCode::F(9), KeyModifiers::NONE),      // freeze
        ev(KeyCode::Char('q'), KeyModifiers::CONTROL),
    ]);
    let (_tx, rx) = tokio::sync::mpsc::channel(1);
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let state = app::run(&mut terminal, events, rx, ctx, CancellationToken::new())
        .await
        .unwrap();
    assert!(state.should_quit, "Ctrl-q quits");
    assert!(state.is_frozen(), "q was ignored, F9 froze");
}
