//! Vendor dialects of the simulator: the same world, faults, rate limits and
//! idempotency store as the native routes, served in the shapes of Mautic,
//! HubSpot, ERPNext and Airbyte. All four are always mounted, under
//! `/mautic`, `/hubspot`, `/erpnext` and `/airbyte`; `--dialect` only picks
//! which of them `mops sim` advertises and `mops demo` connects to.
//!
//! Each dialect is the system's router behind the shared `gate`, wrapped by
//! `translate`: it turns the vendor's credentials into the simulator's
//! bearer token on the way in, and native error envelopes into the vendor's
//! error body and rate-limit headers on the way out.

mod airbyte;
mod erpnext;
mod hubspot;
mod mautic;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::middleware;
use super::state::SimState;
use super::world::MetricPos;
use super::world::metrics::hour_floor;
use crate::connectors::vendor::{CrmFlavour, ErpFlavour, MarketingFlavour, VendorSettings};
use crate::connectors::{Endpoints, Secret};
use crate::domain::{MetricKind, System};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum SimDialect {
    #[default]
    Native,
    Mautic,
    Hubspot,
    Erpnext,
    Airbyte,
}

impl SimDialect {
    pub fn as_str(self) -> &'static str {
        match self {
            SimDialect::Native => "native",
            SimDialect::Mautic => "mautic",
            SimDialect::Hubspot => "hubspot",
            SimDialect::Erpnext => "erpnext",
            SimDialect::Airbyte => "airbyte",
        }
    }
}

/// Endpoints and connector settings for a client of `dialect`: that
/// dialect's system points at its prefix, the others stay native. Mautic
/// gets Basic credentials and ERPNext a `key:secret` pair whose password /
/// secret is the simulator's token.
pub fn client_config(sim: &super::SimHandle, dialect: SimDialect) -> (Endpoints, VendorSettings) {
    let token = sim.state().config().token.clone();
    let mut ep = Endpoints {
        marketing: sim.marketing_url(),
        crm: sim.crm_url(),
        erp: sim.erp_url(),
        token: Secret::new(token.clone()),
    };
    let mut v = VendorSettings::default();
    let url = sim.dialect_url(dialect);
    let vendor_token = Some(Secret::new(format!("mops:{token}")));
    match dialect {
        SimDialect::Native => {}
        SimDialect::Mautic => {
            ep.marketing = url;
            v.flavours.marketing = MarketingFlavour::Mautic;
            v.tokens.marketing = vendor_token;
        }
        SimDialect::Hubspot => {
            ep.marketing = url;
            v.flavours.marketing = MarketingFlavour::Hubspot;
        }
        SimDialect::Erpnext => {
            ep.erp = url;
            v.flavours.erp = ErpFlavour::Erpnext;
            v.tokens.erp = vendor_token;
        }
        SimDialect::Airbyte => {
            ep.crm = url;
            v.flavours.crm = CrmFlavour::Airbyte;
        }
    }
    (ep, v)
}

/// Everything a dialect decides about errors and headers.
#[derive(Clone, Copy)]
struct Shape {
    dialect: SimDialect,
}

/// Mount the four dialects on the simulator's router.
pub fn mount(router: Router<SimState>, state: &SimState) -> Router<SimState> {
    let wrap = |r: Router<SimState>, system: System, dialect: SimDialect| {
        r.fallback(not_found)
            .layer(axum::middleware::from_fn_with_state(
                (state.clone(), system),
                middleware::gate,
            ))
            .layer(axum::middleware::from_fn_with_state(
                Shape { dialect },
                translate,
            ))
    };
    router
        .nest(
            "/mautic",
            wrap(mautic::router(), System::Marketing, SimDialect::Mautic),
        )
        .nest(
            "/hubspot",
            wrap(hubspot::router(), System::Marketing, SimDialect::Hubspot),
        )
        .nest(
            "/erpnext",
            wrap(erpnext::router(), System::Erp, SimDialect::Erpnext),
        )
        .nest(
            "/airbyte",
            wrap(airbyte::router(), System::Crm, SimDialect::Airbyte),
        )
}

async fn not_found(req: Request) -> Response {
    super::http::ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        format!("no route for {}", req.uri().path()),
    )
    .into_response()
}

async fn translate(State(shape): State<Shape>, mut req: Request, next: Next) -> Response {
    if let Some(bearer) = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| to_bearer(shape.dialect, v))
        .and_then(|b| HeaderValue::from_str(&b).ok())
    {
        req.headers_mut().insert(header::AUTHORIZATION, bearer);
    }
    let resp = next.run(req).await;
    let (mut parts, body) = resp.into_parts();
    rate_headers(shape.dialect, &mut parts.headers);
    if parts.status.is_success() || parts.status == StatusCode::NOT_MODIFIED {
        return Response::from_parts(parts, body);
    }
    let Ok(bytes) = to_bytes(body, 1 << 20).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let Some(native) = serde_json::from_slice::<Value>(&bytes)
        .ok()
        .and_then(|v| v.get("error").cloned())
    else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    let text = |k: &str| {
        native
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let (status, body) = match shape.dialect {
        SimDialect::Mautic => mautic::error(parts.status, &text("code"), &text("message")),
        SimDialect::Hubspot => hubspot::error(parts.status, &text("code"), &text("message")),
        SimDialect::Erpnext => erpnext::error(parts.status, &text("code"), &text("message")),
        SimDialect::Airbyte | SimDialect::Native => {
            airbyte::error(parts.status, &text("code"), &text("message"))
        }
    };
    parts.status = status;
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Response::from_parts(parts, Body::from(body.to_string()))
}

/// The vendor's credentials as the simulator's bearer token: Mautic Basic
/// (the password is the token), Frappe `token key:secret` (the secret is).
fn to_bearer(dialect: SimDialect, value: &str) -> Option<String> {
    let (scheme, rest) = value.split_once(' ')?;
    match (dialect, scheme.to_ascii_lowercase().as_str()) {
        (SimDialect::Mautic, "basic") => {
            let decoded = String::from_utf8(base64_decode(rest.trim())?).ok()?;
            let (_, password) = decoded.split_once(':')?;
            Some(format!("Bearer {password}"))
        }
        (SimDialect::Erpnext, "token") => {
            let (_, secret) = rest.trim().split_once(':')?;
            Some(format!("Bearer {secret}"))
        }
        _ => None,
    }
}

/// Each vendor's rate-limit headers in place of the native `x-ratelimit-*`.
fn rate_headers(dialect: SimDialect, h: &mut HeaderMap) {
    let num = |h: &HeaderMap, k: &str| -> Option<i64> { h.get(k)?.to_str().ok()?.parse().ok() };
    let (limit, remaining, reset) = (
        num(h, "x-ratelimit-limit"),
        num(h, "x-ratelimit-remaining"),
        num(h, "x-ratelimit-reset"),
    );
    match dialect {
        SimDialect::Native => {}
        SimDialect::Mautic => {
            // Mautic's limiter announces the reset as a Unix time.
            if let Some(r) = reset {
                h.insert(
                    "x-ratelimit-reset",
                    HeaderValue::from(Utc::now().timestamp() + r),
                );
            }
        }
        SimDialect::Hubspot => {
            for k in [
                "x-ratelimit-limit",
                "x-ratelimit-remaining",
                "x-ratelimit-reset",
            ] {
                h.remove(k);
            }
            if let (Some(l), Some(r)) = (limit, remaining) {
                h.insert("x-hubspot-ratelimit-max", HeaderValue::from(l));
                h.insert("x-hubspot-ratelimit-remaining", HeaderValue::from(r));
                h.insert(
                    "x-hubspot-ratelimit-interval-milliseconds",
                    HeaderValue::from(10_000),
                );
                h.insert("x-hubspot-ratelimit-daily", HeaderValue::from(250_000));
            }
        }
        SimDialect::Erpnext | SimDialect::Airbyte => {
            for k in [
                "x-ratelimit-limit",
                "x-ratelimit-remaining",
                "x-ratelimit-reset",
            ] {
                h.remove(k);
            }
        }
    }
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        } as u32)
    };
    let bytes: Vec<u8> = s.bytes().filter(|b| *b != b'=').collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut acc = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            acc |= val(*c)? << (18 - 6 * i);
        }
        let n = chunk.len().saturating_sub(1);
        out.extend_from_slice(&acc.to_be_bytes()[1..1 + n]);
    }
    Some(out)
}

/// Hourly totals of some metrics for one campaign, `[from, to]` hours.
pub(crate) fn hourly(
    w: &super::world::World,
    campaign: usize,
    kinds: &[MetricKind],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<(DateTime<Utc>, Vec<f64>)> {
    let mut out: Vec<(DateTime<Utc>, Vec<f64>)> = Vec::new();
    let mut pos = MetricPos {
        hour: hour_floor(from),
        campaign: 0,
        metric: 0,
    };
    loop {
        let (page, next) = w.metric_page(pos, Some(campaign), 5000);
        for s in page {
            if s.timestamp > to {
                return out;
            }
            let Some(k) = kinds.iter().position(|k| *k == s.metric) else {
                continue;
            };
            match out.last_mut() {
                Some((t, v)) if *t == s.timestamp => v[k] += s.value,
                _ => {
                    let mut v = vec![0.0; kinds.len()];
                    v[k] = s.value;
                    out.push((s.timestamp, v));
                }
            }
        }
        match next {
            Some(p) => pos = p,
            None => return out,
        }
    }
}

/// Lifetime totals since the simulator started (what vendors keep as counters).
pub(crate) fn lifetime(w: &super::world::World, campaign: usize, kinds: &[MetricKind]) -> Vec<f64> {
    let mut total = vec![0.0; kinds.len()];
    for (_, v) in hourly(w, campaign, kinds, w.start, w.now()) {
        for (t, x) in total.iter_mut().zip(v) {
            *t += x;
        }
    }
    total
}

pub(crate) fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_and_token_credentials_become_bearer() {
        // "mops:demo-token"
        let basic = "Basic bW9wczpkZW1vLXRva2Vu";
        assert_eq!(
            to_bearer(SimDialect::Mautic, basic).as_deref(),
            Some("Bearer demo-token")
        );
        assert_eq!(
            to_bearer(SimDialect::Erpnext, "token k:demo-token").as_deref(),
            Some("Bearer demo-token")
        );
        assert_eq!(to_bearer(SimDialect::Hubspot, basic), None);
    }
}
