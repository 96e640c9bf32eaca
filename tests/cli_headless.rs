//! The headless commands, run as the built binary against the simulator
//! over loopback HTTP, each test with its own data directory and HOME.

#[path = "cli_headless/support.rs"]
mod support;

#[path = "cli_headless/read.rs"]
mod read;

#[path = "cli_headless/mutate.rs"]
mod mutate;

#[path = "cli_headless/handoff.rs"]
mod handoff;

#[path = "cli_headless/help.rs"]
mod help;

#[path = "support/tmux.rs"]
mod tmux;

#[path = "cli_headless/tty.rs"]
mod tty;
