//! Pollers, the outbox dispatcher and the messages they send to the single
//! state owner (the app loop). Tasks never touch UI state directly.

pub mod apply;
pub mod cache_writer;
pub mod dispatcher;
pub mod messages;
pub mod poller;

pub use apply::apply_outcome;
pub use messages::{CommandResult, PollData, PollOutcome};
pub use poller::{PollConfig, spawn_pollers};
