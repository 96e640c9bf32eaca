//! Choosing a connector per system. A profile names a flavour for each of
//! marketing, CRM and ERP (`native` by default); `Backend` then answers the
//! same questions the native client does, whichever vendor sits behind it.
//! Capabilities a vendor lacks come back as `Supported::No`, never as an
//! empty list that would look like "all is well".

mod backend;
pub mod lenient;

use serde::{Deserialize, Serialize};

use super::{Auth, HttpError, Secret};

pub use backend::{Backend, VendorTokens};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MarketingFlavour {
    #[default]
    Native,
    Mautic,
    Hubspot,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CrmFlavour {
    #[default]
    Native,
    Airbyte,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ErpFlavour {
    #[default]
    Native,
    Erpnext,
}

/// The flavour of each system, as a profile selects them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flavours {
    pub marketing: MarketingFlavour,
    pub crm: CrmFlavour,
    pub erp: ErpFlavour,
}

/// A profile's vendor choices: flavour per system and, where vendors need
/// their own credentials, a token per system.
#[derive(Debug, Clone, Default)]
pub struct VendorSettings {
    pub flavours: Flavours,
    pub tokens: VendorTokens,
}

/// Parse a flavour name as written in config or the environment.
pub fn parse_flavour<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, String> {
    serde_json::from_value(serde_json::Value::String(s.trim().to_lowercase()))
        .map_err(|_| format!("unknown flavour {s:?}"))
}

/// Something a vendor cannot do, said plainly for the operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsupported {
    pub vendor: &'static str,
    pub capability: &'static str,
    pub note: String,
}

impl std::fmt::Display for Unsupported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} does not provide {}: {}",
            self.vendor, self.capability, self.note
        )
    }
}

impl Unsupported {
    pub fn into_error(self) -> HttpError {
        HttpError::Invalid(self.to_string())
    }
}

/// A capability's answer: the data, or an explicit "this vendor has none".
#[derive(Debug, Clone, PartialEq)]
pub enum Supported<T> {
    Yes(T),
    No(Unsupported),
}

impl<T> Supported<T> {
    pub fn ok(self) -> Option<T> {
        match self {
            Supported::Yes(t) => Some(t),
            Supported::No(_) => None,
        }
    }
}

/// `user:password` means HTTP Basic (Mautic); anything else is a bearer token.
pub fn basic_or_bearer(token: &Secret) -> Auth {
    match token.expose().split_once(':') {
        Some((user, password)) => Auth::Basic {
            user: user.to_string(),
            password: Secret::new(password),
        },
        None => Auth::Bearer(token.clone()),
    }
}

/// Frappe API keys are configured as one `key:secret` token.
pub fn frappe_token(token: &Secret) -> Result<Auth, HttpError> {
    match token.expose().split_once(':') {
        Some((key, secret)) if !key.is_empty() && !secret.is_empty() => Ok(Auth::Token {
            key: key.to_string(),
            secret: Secret::new(secret),
        }),
        _ => Err(HttpError::Invalid(
            "ERPNext needs its API token as key:secret".into(),
        )),
    }
}

/// Percent-encode one path segment.
pub(crate) fn seg(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// An API error with a sanitised code and message.
pub(crate) fn api_error(
    url: &str,
    status: u16,
    code: &str,
    message: &str,
    details: Option<serde_json::Value>,
) -> HttpError {
    use crate::domain::sanitize::clean_with_limit;
    HttpError::Api {
        url: url.into(),
        status,
        code: clean_with_limit(code, 60),
        message: clean_with_limit(message, 300),
        details,
    }
}
