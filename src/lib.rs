//! mops: a terminal operations console for marketing operations.
//!
//! Layering (see docs/architecture.md): `domain` and `analytics` are pure;
//! `connectors`, `store`, `sync` do I/O; `app` owns state; `ui` only reads it.

pub mod analytics;
pub mod app;
pub mod cli;
pub mod commands;
pub mod config;
pub mod connectors;
pub mod domain;
pub mod simulator;
pub mod store;
pub mod sync;
pub mod terminal;
pub mod ui;
