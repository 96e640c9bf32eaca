// Shared by several test binaries, each using a subset of it.
#![allow(dead_code)]

//! A real terminal for end-to-end tests: a private tmux server running a
//! plain shell, driven with send-keys and read with capture-pane.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

pub struct Tmux {
    socket: String,
    pub home: tempfile::TempDir,
}

pub fn mops_bin() -> &'static str {
    env!("CARGO_BIN_EXE_mops")
}

fn tmux_available() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

impl Tmux {
    /// A shell in a `width`x`height` pane with HOME and XDG dirs in a temp dir.
    pub fn start(width: u16, height: u16) -> Tmux {
        assert!(
            tmux_available(),
            "tmux is required for end-to-end tests: apt-get install -y tmux (.ci/run does this)"
        );
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let socket = format!("mops-test-{}-{n}", std::process::id());
        let home = tempfile::tempdir().expect("tempdir");
        let t = Tmux { socket, home };
        let h = t.home.path().display().to_string();
        // The environment goes through `env` on the command line: older tmux
        // has no `new-session -e`, and bash ignores an inherited PS1 there.
        let shell = format!(
            "env HOME={h} XDG_CONFIG_HOME={h}/config XDG_DATA_HOME={h}/data \
             XDG_STATE_HOME={h}/state PS1='READY$ ' bash --norc --noprofile"
        );
        let out = t.tmux(&[
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "t",
            "-x",
            &width.to_string(),
            "-y",
            &height.to_string(),
            &shell,
        ]);
        assert!(out.status.success(), "tmux new-session failed: {out:?}");
        t.tmux(&["set-option", "-t", "t", "status", "off"]);
        t.wait_for("shell prompt", Duration::from_secs(10), |s| {
            s.contains("READY$")
        });
        t
    }

    pub fn tmux(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("run tmux")
    }

    /// Type a line into the shell and press Enter.
    pub fn run(&self, line: &str) {
        self.tmux(&["send-keys", "-t", "t", "-l", line]);
        self.tmux(&["send-keys", "-t", "t", "Enter"]);
    }

    /// Send tmux key names (e.g. "q", "Enter", "Escape", "C-c").
    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "t"];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }

    /// Literal text, typed as is.
    pub fn type_text(&self, text: &str) {
        self.tmux(&["send-keys", "-t", "t", "-l", text]);
    }

    pub fn capture(&self) -> String {
        let out = self.tmux(&["capture-pane", "-p", "-t", "t"]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn resize(&self, width: u16, height: u16) {
        self.tmux(&[
            "resize-window",
            "-t",
            "t",
            "-x",
            &width.to_string(),
            "-y",
            &height.to_string(),
        ]);
    }

    /// Poll the screen until `pred` holds; panics with the last screen after
    /// `limit` (a bound on waiting, not a performance assertion).
    pub fn wait_for(&self, what: &str, limit: Duration, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.capture();
            if pred(&screen) {
                return screen;
            }
            if start.elapsed() > limit {
                panic!("timed out waiting for {what}; screen was:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    pub fn home(&self) -> &Path {
        self.home.path()
    }

    /// Settings of the pane's terminal as the shell sees them (`stty -a`),
    /// read through a file so line wrapping cannot garble them.
    pub fn stty(&self) -> String {
        let file = self.home().join(format!(
            "stty-{}.txt",
            COUNTER.fetch_add(1, Ordering::SeqCst)
        ));
        self.run(&format!("stty -a > {}", file.display()));
        let start = Instant::now();
        loop {
            if let Ok(text) = std::fs::read_to_string(&file) {
                if text.contains("speed") {
                    return text;
                }
            }
            assert!(start.elapsed() < Duration::from_secs(10), "stty never ran");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// True when the terminal is back in cooked mode with echo.
    pub fn is_cooked(&self) -> Result<(), String> {
        let stty = self.stty();
        let words: Vec<&str> = stty
            .split(|c: char| c.is_whitespace() || c == ';')
            .collect();
        let missing: Vec<&str> = ["icanon", "echo", "isig", "icrnl", "opost"]
            .into_iter()
            .filter(|f| !words.contains(f))
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(format!("terminal flags {missing:?} not set:\n{stty}"))
        }
    }

    /// PIDs of processes started from the pane's shell.
    pub fn children(&self) -> Vec<u32> {
        let out = self.tmux(&["list-panes", "-t", "t", "-F", "#{pane_pid}"]);
        let shell = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let out = Command::new("pgrep")
            .args(["-P", &shell])
            .output()
            .expect("pgrep");
        String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .filter_map(|p| p.parse().ok())
            .collect()
    }

    pub fn wait_for_prompt(&self) {
        self.wait_for("the shell prompt", Duration::from_secs(15), |s| {
            s.lines()
                .rfind(|l| !l.trim().is_empty())
                .is_some_and(|l| l.trim_end() == "READY$")
        });
    }

    pub fn log_file(&self) -> PathBuf {
        self.home.path().join("state/mops/mops.log")
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
}

impl Tmux {
    /// The screen with its attributes as SGR escape sequences
    /// (`capture-pane -e`), to check which colour codes the program used.
    pub fn capture_escapes(&self) -> String {
        let out = self.tmux(&["capture-pane", "-e", "-p", "-t", "t"]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}
