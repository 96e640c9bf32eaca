//! Pollers, the outbox dispatcher and the messages they send to the single
//! state owner (the app loop). Tasks never touch UI state directly.

pub mod messages;

pub use messages::{CommandResult, PollData, PollOutcome};
