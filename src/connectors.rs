//! HTTP clients for the systems mops watches, and the mapping from each wire
//! format to `domain`. `http` is the shared transport (timeouts, backoff,
//! rate limits, circuit breaker, conditional GET); one file per API flavour.

pub mod airbyte;
pub mod auth;
pub mod breaker;
pub mod erpnext;
pub mod error;
pub mod http;
pub mod hubspot;
pub mod mautic;
pub mod native;
pub mod sanitize;
pub mod vendor;

pub use auth::{Auth, Dialect, ErrorMapper};
pub use error::HttpError;
pub use http::{HttpClient, HttpConfig, Secret};
pub use native::{CommandOutcome, Endpoints, Listed, NativeClient};
