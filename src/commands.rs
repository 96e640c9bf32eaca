//! One file per subcommand. The console (TUI) and the headless commands are
//! peers built from the same parts: profile, client, store, analytics.

pub mod actions;
pub mod audit;
pub mod backtest;
pub mod console;
pub mod demo;
pub mod handoff;
pub mod info;
pub mod lists;
pub mod mutate;
pub mod outbox;
pub mod output;
pub mod rowfilter;
pub mod rows;
pub mod sim;
pub mod status;
pub mod throttle_override;
pub mod world;
