//! Terminal setup and teardown, capability detection and the signal bridge.
//!
//! Restoring is the part that matters: `ratatui::restore()` leaves mouse
//! capture, bracketed paste and keyboard enhancement flags behind, so we emit
//! every "off" sequence ourselves, on normal exit, on panic and on signals.

use std::io::{self, Stdout, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::event::{DisableBracketedPaste, DisableMouseCapture, PopKeyboardEnhancementFlags};
use crossterm::terminal::{
    BeginSynchronizedUpdate, EndSynchronizedUpdate, EnterAlternateScreen, LeaveAlternateScreen,
    disable_raw_mode, enable_raw_mode,
};
use crossterm::{cursor, queue};
use ratatui::Terminal;
use ratatui::backend::{CrosstermBackend, TestBackend};
use tokio_util::sync::CancellationToken;

/// Set while we own the terminal, so `restore()` never writes escape
/// sequences into the output of a headless command that panicked.
static ACTIVE: AtomicBool = AtomicBool::new(false);

pub type Tui = Terminal<CrosstermBackend<Stdout>>;

/// Raw mode, alternate screen and bracketed paste. On a partial failure the
/// terminal is restored before the error is returned.
pub fn enter() -> io::Result<Tui> {
    ACTIVE.store(true, Ordering::SeqCst);
    let setup = || -> io::Result<Tui> {
        enable_raw_mode()?;
        let mut out = io::stdout();
        crossterm::execute!(
            out,
            EnterAlternateScreen,
            crossterm::event::EnableBracketedPaste
        )?;
        Terminal::new(CrosstermBackend::new(io::stdout()))
    };
    setup().inspect_err(|_| restore())
}

/// Undo everything `enter()` (or a misbehaving library) may have switched on.
/// Safe to call any number of times; only the first call after `enter()` acts.
pub fn restore() {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return;
    }
    // Raw mode first: it has the widest side effects if we fail half way.
    let _ = disable_raw_mode();
    let mut out = io::stdout();
    if let Err(e) = write_restore_sequence(&mut out).and_then(|()| out.flush()) {
        eprintln!("mops: failed to restore the terminal: {e}");
    }
}

/// The escape sequences `restore()` emits, in order.
pub fn write_restore_sequence(w: &mut impl Write) -> io::Result<()> {
    queue!(
        w,
        // A panic in the middle of a frame would otherwise leave the terminal
        // buffering output forever.
        EndSynchronizedUpdate,
        DisableMouseCapture,
        DisableBracketedPaste,
        PopKeyboardEnhancementFlags,
        LeaveAlternateScreen,
        cursor::Show,
    )
}

/// Restore the terminal before the previously installed hook (color-eyre's)
/// prints its report, so the report is readable. Call after
/// `color_eyre::install()`.
pub fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
}

/// SIGTERM, SIGHUP and SIGINT cancel the token; the app loop then exits and
/// the caller restores the terminal. Must be called inside a tokio runtime.
pub fn spawn_signal_handler(cancel: CancellationToken) {
    use tokio::signal::unix::{SignalKind, signal};
    tokio::spawn(async move {
        let kinds = [
            SignalKind::terminate(),
            SignalKind::hangup(),
            SignalKind::interrupt(),
        ];
        let mut streams = Vec::new();
        for kind in kinds {
            match signal(kind) {
                Ok(s) => streams.push(s),
                Err(e) => tracing::warn!("cannot listen for signal {kind:?}: {e}"),
            }
        }
        if streams.is_empty() {
            return;
        }
        let waits = streams.iter_mut().map(|s| Box::pin(s.recv()));
        tokio::select! {
            _ = futures::future::select_all(waits) => cancel.cancel(),
            _ = cancel.cancelled() => {}
        }
    });
}

/// Backends that can bracket a frame in synchronized output (DEC mode 2026),
/// which stops tearing over SSH and tmux.
pub trait SyncOutput {
    fn begin_frame(&mut self) -> io::Result<()>;
    fn end_frame(&mut self) -> io::Result<()>;
}

impl<W: Write> SyncOutput for CrosstermBackend<W> {
    fn begin_frame(&mut self) -> io::Result<()> {
        queue!(self, BeginSynchronizedUpdate)
    }
    fn end_frame(&mut self) -> io::Result<()> {
        queue!(self, EndSynchronizedUpdate)?;
        self.flush()
    }
}

impl SyncOutput for TestBackend {
    fn begin_frame(&mut self) -> io::Result<()> {
        Ok(())
    }
    fn end_frame(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ColorDepth {
    NoColor,
    Ansi16,
    Ansi256,
    TrueColor,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    pub color: ColorDepth,
    pub unicode: bool,
}

impl Default for Capabilities {
    fn default() -> Self {
        Capabilities {
            color: ColorDepth::TrueColor,
            unicode: true,
        }
    }
}

/// Work out colour depth and Unicode support from the environment. Takes a
/// lookup function so tests need not touch the process environment.
pub fn detect(env: impl Fn(&str) -> Option<String>) -> Capabilities {
    let set = |k: &str| env(k).filter(|v| !v.is_empty());
    let term = set("TERM").unwrap_or_default().to_ascii_lowercase();
    let colorterm = set("COLORTERM").unwrap_or_default().to_ascii_lowercase();
    let color = if set("NO_COLOR").is_some() || term == "dumb" {
        ColorDepth::NoColor
    } else if colorterm == "truecolor" || colorterm == "24bit" || term.ends_with("-direct") {
        ColorDepth::TrueColor
    } else if term.contains("256color") {
        ColorDepth::Ansi256
    } else {
        ColorDepth::Ansi16
    };
    // POSIX precedence: LC_ALL overrides LC_CTYPE overrides LANG.
    let locale = set("LC_ALL")
        .or_else(|| set("LC_CTYPE"))
        .or_else(|| set("LANG"))
        .unwrap_or_default()
        .to_ascii_lowercase();
    let unicode = locale.contains("utf-8") || locale.contains("utf8");
    Capabilities { color, unicode }
}

/// `detect` over the real process environment.
pub fn detect_env() -> Capabilities {
    detect(|k| std::env::var(k).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caps(vars: &[(&str, &str)]) -> Capabilities {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        detect(move |k| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()))
    }

    #[test]
    fn restore_sequence_turns_everything_off() {
        let mut buf = Vec::new();
        write_restore_sequence(&mut buf).unwrap();
        let s = String::from_utf8(buf).unwrap();
        for (seq, what) in [
            ("\x1b[?1049l", "leave alternate screen"),
            ("\x1b[?2004l", "disable bracketed paste"),
            ("\x1b[?1000l", "disable mouse click reporting"),
            ("\x1b[?1002l", "disable mouse drag reporting"),
            ("\x1b[?1003l", "disable mouse motion reporting"),
            ("\x1b[?1006l", "disable SGR mouse mode"),
            ("\x1b[<1u", "pop keyboard enhancement flags"),
            ("\x1b[?25h", "show cursor"),
            ("\x1b[?2026l", "end synchronized update"),
        ] {
            assert!(s.contains(seq), "missing {what} ({seq:?}) in {s:?}");
        }
        // Leaving the alternate screen must come after everything that
        // changes its state, and the cursor must be shown on the main screen.
        let leave = s.find("\x1b[?1049l").unwrap();
        assert!(s.find("\x1b[?2004l").unwrap() < leave);
        assert!(s.find("\x1b[?25h").unwrap() > leave);
    }

    #[test]
    fn restore_without_enter_writes_nothing() {
        // Never entered in this process: must be a no-op (and not panic).
        restore();
        restore();
        assert!(!ACTIVE.load(Ordering::SeqCst));
    }

    #[test]
    fn detection_table() {
        use ColorDepth::*;
        type Case<'a> = (&'a [(&'a str, &'a str)], ColorDepth, bool);
        let cases: &[Case] = &[
            (&[], Ansi16, false),
            (&[("TERM", "xterm"), ("LANG", "en_US.UTF-8")], Ansi16, true),
            (&[("TERM", "xterm-256color")], Ansi256, false),
            (
                &[("TERM", "screen-256color"), ("LC_ALL", "C.utf8")],
                Ansi256,
                true,
            ),
            (
                &[("TERM", "xterm-256color"), ("COLORTERM", "truecolor")],
                TrueColor,
                false,
            ),
            (&[("TERM", "xterm-direct")], TrueColor, false),
            (
                &[("NO_COLOR", "1"), ("COLORTERM", "truecolor")],
                NoColor,
                false,
            ),
            // An empty NO_COLOR does not count, per no-color.org.
            (&[("NO_COLOR", ""), ("TERM", "xterm")], Ansi16, false),
            (&[("TERM", "dumb")], NoColor, false),
            (&[("LC_ALL", "C"), ("LANG", "en_US.UTF-8")], Ansi16, false),
        ];
        for (vars, color, unicode) in cases {
            let c = caps(vars);
            assert_eq!(c.color, *color, "{vars:?}");
            assert_eq!(c.unicode, *unicode, "{vars:?}");
        }
    }
}
