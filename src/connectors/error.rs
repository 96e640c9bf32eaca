use std::time::Duration;

use thiserror::Error;

/// Everything that can go wrong talking to an API, phrased for an operator.
#[derive(Debug, Error)]
pub enum HttpError {
    #[error("{url}: timed out ({phase})")]
    Timeout { url: String, phase: &'static str },
    #[error("{url}: cannot connect: {detail}")]
    Connect { url: String, detail: String },
    #[error("{url}: HTTP {status} {code}: {message}")]
    Api {
        url: String,
        status: u16,
        code: String,
        message: String,
        details: Option<serde_json::Value>,
    },
    #[error("{url}: rate limited, retry after {}s", retry_after.as_secs())]
    RateLimited { url: String, retry_after: Duration },
    #[error("{url}: malformed response: {detail}")]
    Malformed { url: String, detail: String },
    #[error("{url}: response larger than {limit} bytes")]
    TooLarge { url: String, limit: usize },
    #[error("{host}: circuit open after repeated failures, next probe in {}s", wait.as_secs())]
    CircuitOpen { host: String, wait: Duration },
    #[error("invalid request: {0}")]
    Invalid(String),
}

impl HttpError {
    /// Whether a GET may be tried again: transport failures, 5xx, 429 and
    /// garbled bodies are transient; other 4xx are our fault or final.
    pub fn is_transient(&self) -> bool {
        match self {
            HttpError::Timeout { .. }
            | HttpError::Connect { .. }
            | HttpError::RateLimited { .. }
            | HttpError::Malformed { .. } => true,
            HttpError::Api { status, .. } => *status >= 500,
            HttpError::TooLarge { .. } | HttpError::CircuitOpen { .. } | HttpError::Invalid(_) => {
                false
            }
        }
    }

    /// Whether the request may have reached the server and been applied
    /// although we saw no answer: such a command must be read back, not resent blindly.
    pub fn is_ambiguous(&self) -> bool {
        matches!(
            self,
            HttpError::Timeout { .. } | HttpError::Malformed { .. }
        ) || matches!(self, HttpError::Api { status, .. } if *status >= 500)
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            HttpError::Api { status, .. } => Some(*status),
            HttpError::RateLimited { .. } => Some(429),
            _ => None,
        }
    }
}
