//! How a connector proves who it is, and how it reads a vendor's error body.
//! The shared transport (`http`) stays vendor-neutral: each connector hands
//! it an `Auth` and, when the vendor's errors differ from the native
//! envelope, an `ErrorMapper`.

use reqwest::RequestBuilder;
use reqwest::header::HeaderMap;

use super::{HttpError, Secret};

#[derive(Debug, Clone)]
pub enum Auth {
    /// `Authorization: Bearer <token>` (native contract, HubSpot, Airbyte, Mautic OAuth2).
    Bearer(Secret),
    /// HTTP Basic (Mautic with Basic auth enabled).
    Basic { user: String, password: Secret },
    /// Frappe / ERPNext API keys: `Authorization: token <key>:<secret>`.
    Token { key: String, secret: Secret },
}

impl Auth {
    pub(crate) fn apply(&self, req: RequestBuilder) -> RequestBuilder {
        match self {
            Auth::Bearer(t) => req.bearer_auth(t.expose()),
            Auth::Basic { user, password } => req.basic_auth(user, Some(password.expose())),
            Auth::Token { key, secret } => req.header(
                reqwest::header::AUTHORIZATION,
                format!("token {key}:{}", secret.expose()),
            ),
        }
    }
}

/// Turn a vendor's non-2xx answer into a typed error. `None` means "not
/// recognised": the transport then falls back to the native envelope.
pub type ErrorMapper =
    fn(url: &str, status: u16, headers: &HeaderMap, body: &[u8]) -> Option<HttpError>;

/// Everything vendor-specific about one request.
#[derive(Debug, Clone)]
pub struct Dialect {
    pub auth: Auth,
    pub errors: Option<ErrorMapper>,
}

impl Dialect {
    pub fn native(token: &Secret) -> Dialect {
        Dialect {
            auth: Auth::Bearer(token.clone()),
            errors: None,
        }
    }
}
