//! The interactive console: store, pollers, dispatcher and the TUI loop,
//! wired together. `mops` (with a profile) and `mops demo` both end here.

use std::sync::Arc;

use color_eyre::eyre::{Result, WrapErr};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::analytics::{Engine, Policy};
use crate::app::{self, AppContext};
use crate::config::Profile;
use crate::connectors::vendor::Backend;
use crate::connectors::{HttpClient, HttpConfig};
use crate::store::Store;
use crate::sync::cache_writer::spawn_cache_writer;
use crate::sync::dispatcher::{Actor, spawn_dispatcher};
use crate::sync::spawn_pollers;
use crate::terminal;
use crate::ui::theme::Theme;

/// Open the data directory; the console needs it exclusively, so a second
/// console fails here with the store's message.
pub fn open_store(profile: &Profile) -> Result<Store> {
    Ok(super::world::try_open_store(profile)??)
}

pub fn client_for(profile: &Profile) -> Result<Arc<Backend>> {
    let http = Arc::new(HttpClient::new(HttpConfig::default())?);
    Ok(Arc::new(Backend::new(
        http,
        profile.endpoints.clone(),
        profile.vendors.flavours,
        profile.vendors.tokens.clone(),
    )))
}

pub async fn run(profile: Profile) -> Result<()> {
    let store = open_store(&profile)?;
    let cached = store.load_snapshot()?.unwrap_or_default();
    let session = store.load_session()?;
    let client = client_for(&profile)?;
    let cancel = CancellationToken::new();

    let (poll_tx, poll_rx) = mpsc::channel(64);
    let (app_tx, app_rx) = mpsc::channel(64);
    let cursor = cached.metrics_cursor;
    let writer = spawn_cache_writer(
        store.clone(),
        cached.clone(),
        poll_rx,
        app_tx,
        cancel.clone(),
    );
    let pollers = spawn_pollers(
        client.clone(),
        poll_tx,
        profile.poll.clone(),
        cursor,
        cancel.clone(),
    );
    let (cmd_tx, cmd_rx) = mpsc::channel(64);
    let (res_tx, res_rx) = mpsc::channel(64);
    let actor = Actor {
        name: profile.actor.clone(),
        role: profile.role.clone(),
    };
    let dispatcher = spawn_dispatcher(
        store.clone(),
        client.clone(),
        actor,
        cmd_rx,
        res_tx,
        cancel.clone(),
    );

    let theme = Theme::load(&profile.theme, crate::config::user_theme_dir().as_deref())?
        .adapt(terminal::detect_env());
    let ctx = AppContext {
        profile: profile.name.clone(),
        production: profile.production,
        readonly: profile.readonly,
        actor: profile.actor.clone(),
        principal: profile.principal(),
        request_preview: Some(preview(client.clone(), &profile.actor)),
        audit: recent_audit(&store),
        chain_policy: profile.chain.clone(),
        theme,
        initial: cached,
        stale_after: profile.stale_after,
        keymap: crate::app::keymap::Keymap::from_config(&profile.keys)
            .wrap_err("invalid [keys] in the config")?,
        engine: {
            let mut engine = load_engine(&store);
            if engine.policy() != &profile.policy {
                engine.set_policy(profile.policy);
            }
            engine
        },
        commands: Some(cmd_tx),
        results: Some(res_rx),
        session,
        session_sink: Some(session_sink(&store)),
        low_bandwidth: profile.low_bandwidth,
    };

    terminal::install_panic_hook();
    terminal::spawn_signal_handler(cancel.clone());
    let mut term = terminal::enter().wrap_err("cannot set up the terminal")?;
    let events = crossterm::event::EventStream::new();
    let result = app::run(&mut term, events, app_rx, ctx, cancel.clone()).await;
    terminal::restore();
    cancel.cancel();
    for h in pollers {
        let _ = h.await;
    }
    let _ = writer.await;
    let _ = dispatcher.await;
    let state = result?;
    // Also reached on SIGTERM/SIGHUP: the signal handler cancels the loop.
    let mut session = app::session::current(&state);
    session.left_at = chrono::Utc::now();
    save_session(&store, &session);
    save_engine(&store, &state.engine);
    Ok(())
}

/// View and filter go to the store as they change, so even a session
/// killed without a chance to clean up restores close to where it was.
fn session_sink(store: &Store) -> app::SessionSink {
    let store = store.clone();
    app::SessionSink::new(move |s| {
        if let Err(e) = store.save_session(s) {
            tracing::warn!(error = %e, "cannot save the session");
        }
    })
}

fn save_session(store: &Store, session: &app::Session) {
    if let Err(e) = store
        .save_session(session)
        .and_then(|()| store.flush_cache())
    {
        tracing::warn!(error = %e, "cannot save the session");
    }
}

/// Alert acknowledgements, silences and throttle hysteresis survive restarts.
pub fn load_engine(store: &Store) -> Engine {
    store
        .load_engine_state()
        .ok()
        .flatten()
        .and_then(|blob| serde_json::from_slice(&blob).ok())
        .unwrap_or_else(|| Engine::new(Policy::default()))
}

fn save_engine(store: &Store, engine: &Engine) {
    if let Err(e) = save_engine_state(store, engine).and_then(|()| store.flush_cache()) {
        tracing::warn!(error = %e, "cannot save alert state");
    }
}

/// Writes the engine (alert book, acknowledgements, hysteresis) to the cache;
/// the caller flushes.
pub fn save_engine_state(store: &Store, engine: &Engine) -> Result<(), crate::store::StoreError> {
    let blob = serde_json::to_vec(engine)?;
    store.save_engine_state(&blob)
}

/// The confirm dialog's "what exactly will be sent", from the same mapping
/// the dispatcher uses (so vendor flavours show their own calls).
fn preview(client: Arc<Backend>, actor: &str) -> crate::app::RequestPreview {
    let actor = actor.to_string();
    crate::app::RequestPreview(Arc::new(move |kind| {
        let cmd = crate::domain::OperatorCommand {
            idempotency_key: String::new(),
            kind: kind.clone(),
            actor: actor.clone(),
            reason: None,
            created_at: chrono::Utc::now(),
            status: crate::domain::CommandStatus::Queued,
            updated_at: None,
        };
        match client.request_for(&cmd) {
            Ok((line, body)) if line.contains(' ') => format!("API: {line} {body}"),
            Ok((url, body)) => format!("API: POST {url} {body}"),
            Err(e) => format!("API: not available: {e}"),
        }
    }))
}

/// The newest audit entries, for the campaign detail's history.
fn recent_audit(store: &Store) -> Vec<crate::domain::AuditEntry> {
    const KEPT: usize = 2_000;
    match store.audit_entries() {
        Ok(mut all) => {
            let cut = all.len().saturating_sub(KEPT);
            all.drain(..cut);
            all
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the audit log");
            Vec::new()
        }
    }
}
