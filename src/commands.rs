//! commands

pub mod backtest;
