use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::Utc;
use reqwest::header::{self, HeaderMap};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::HttpError;
use super::auth::Dialect;
use super::breaker::HostState;

/// A credential that never appears in logs, `Debug` output or errors.
#[derive(Clone, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Debug, Clone)]
pub struct HttpConfig {
    pub connect_timeout: Duration,
    /// Longest silence while reading a body; catches stalled responses.
    pub read_timeout: Duration,
    /// Deadline for one attempt, headers and body together.
    pub total_timeout: Duration,
    /// Attempts per GET (commands are never retried here).
    pub max_attempts: u32,
    pub base_backoff: Duration,
    pub max_backoff: Duration,
    pub max_body_bytes: usize,
    pub breaker_threshold: u32,
    pub breaker_cooldown: Duration,
    /// Longest we wait for a server-announced rate-limit window before failing.
    pub max_rate_limit_wait: Duration,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            connect_timeout: Duration::from_secs(3),
            read_timeout: Duration::from_secs(10),
            total_timeout: Duration::from_secs(20),
            max_attempts: 3,
            base_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            max_body_bytes: 64 * 1024 * 1024,
            breaker_threshold: 5,
            breaker_cooldown: Duration::from_secs(15),
            max_rate_limit_wait: Duration::from_secs(30),
        }
    }
}

/// A response body with the headers we act on.
#[derive(Debug)]
pub struct Reply<T> {
    pub status: u16,
    pub body: T,
    pub replayed: bool,
}

/// Shared transport for every connector: one per process, cheap to share by `Arc`.
pub struct HttpClient {
    inner: reqwest::Client,
    cfg: HttpConfig,
    hosts: Mutex<HashMap<String, HostState>>,
    /// URL -> (ETag, body) for conditional GETs.
    etags: Mutex<HashMap<String, (String, bytes_body::Body)>>,
}

mod bytes_body {
    pub type Body = std::sync::Arc<Vec<u8>>;
}

impl HttpClient {
    pub fn new(cfg: HttpConfig) -> Result<Self, HttpError> {
        // reqwest is built without a default crypto provider (to avoid aws-lc's
        // C build); install ring once. A second install is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let inner = reqwest::Client::builder()
            .connect_timeout(cfg.connect_timeout)
            .read_timeout(cfg.read_timeout)
            .timeout(cfg.total_timeout)
            .user_agent(concat!("mops/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| HttpError::Invalid(format!("cannot build HTTP client: {e}")))?;
        Ok(HttpClient {
            inner,
            cfg,
            hosts: Mutex::new(HashMap::new()),
            etags: Mutex::new(HashMap::new()),
        })
    }

    pub fn config(&self) -> &HttpConfig {
        &self.cfg
    }

    /// GET with retries (full-jitter exponential backoff, `Retry-After`
    /// honoured), circuit breaking per host and `If-None-Match`.
    pub async fn get_json<T: DeserializeOwned>(
        &self,
        url: &str,
        query: &[(&str, String)],
        token: &Secret,
    ) -> Result<T, HttpError> {
        self.get_json_as(url, query, &Dialect::native(token)).await
    }

    /// `get_json` with a vendor's authentication and error format.
    pub async fn get_json_as<T: DeserializeOwned>(
        &self,
        url: &str,
        query: &[(&str, String)],
        dialect: &Dialect,
    ) -> Result<T, HttpError> {
        let full = reqwest::Url::parse_with_params(url, query)
            .map_err(|e| HttpError::Invalid(format!("bad URL {url}: {e}")))?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let attempt_result = match self.get_once(&full, dialect).await {
                Ok((body, etag)) => {
                    let decoded = decode(full.as_str(), &body);
                    // Remember the validator only for a body that decoded: a
                    // garbled 200 must not be served back on every 304.
                    if let (Ok(_), Some(etag)) = (&decoded, etag) {
                        self.lock_etags().insert(full.to_string(), (etag, body));
                    }
                    decoded
                }
                Err(e) => Err(e),
            };
            match attempt_result {
                Ok(v) => return Ok(v),
                Err(e) if e.is_transient() && attempt < self.cfg.max_attempts => {
                    let wait = match &e {
                        HttpError::RateLimited { retry_after, .. } => *retry_after,
                        _ => super::breaker::full_jitter(
                            self.cfg.base_backoff,
                            self.cfg.max_backoff,
                            attempt,
                        ),
                    };
                    tracing::debug!(url = %full, attempt, ?wait, error = %e, "retrying GET");
                    tokio::time::sleep(wait).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    async fn get_once(
        &self,
        url: &reqwest::Url,
        dialect: &Dialect,
    ) -> Result<(bytes_body::Body, Option<String>), HttpError> {
        let host = host_key(url);
        self.before_request(&host, url.as_str()).await?;
        let mut req = dialect.auth.apply(self.inner.get(url.clone()));
        let cached = self.cached_etag(url.as_str());
        if let Some((etag, _)) = &cached {
            req = req.header(header::IF_NONE_MATCH, etag);
        }
        let result = self.send(req, url.as_str()).await;
        let (status, headers, body) = self.after_response(&host, url.as_str(), result)?;
        if status == StatusCode::NOT_MODIFIED {
            return cached
                .map(|(_, b)| (b, None))
                .ok_or_else(|| HttpError::Malformed {
                    url: url.to_string(),
                    detail: "304 Not Modified for a request without a cached ETag".into(),
                });
        }
        check_status(url.as_str(), status, &headers, &body, dialect)?;
        let etag = headers
            .get(header::ETAG)
            .and_then(|v| v.to_str().ok())
            .map(String::from);
        Ok((std::sync::Arc::new(body), etag))
    }

    /// One POST, never retried: the caller owns the decision after an
    /// ambiguous failure (see `sync::dispatcher`).
    pub async fn post_json<B: Serialize, T: DeserializeOwned>(
        &self,
        url: &str,
        body: &B,
        idempotency_key: &str,
        actor: &str,
        token: &Secret,
    ) -> Result<Reply<T>, HttpError> {
        let dialect = Dialect::native(token);
        self.send_json(Method::POST, url, body, idempotency_key, actor, &dialect)
            .await
    }

    /// One mutating request (POST, PATCH...) in a vendor's dialect, never
    /// retried. An empty body (204) decodes as JSON `null`.
    pub async fn send_json<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        url: &str,
        body: &B,
        idempotency_key: &str,
        actor: &str,
        dialect: &Dialect,
    ) -> Result<Reply<T>, HttpError> {
        let parsed = reqwest::Url::parse(url)
            .map_err(|e| HttpError::Invalid(format!("bad URL {url}: {e}")))?;
        let host = host_key(&parsed);
        self.before_request(&host, url).await?;
        let req = dialect
            .auth
            .apply(self.inner.request(method, parsed))
            .header("Idempotency-Key", idempotency_key)
            .header("X-Mops-Actor", actor)
            .json(body);
        let result = self.send(req, url).await;
        let (status, headers, bytes) = self.after_response(&host, url, result)?;
        check_status(url, status, &headers, &bytes, dialect)?;
        let replayed = headers
            .get("idempotent-replayed")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        let bytes: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
            b"null"
        } else {
            &bytes
        };
        Ok(Reply {
            status: status.as_u16(),
            body: decode(url, bytes)?,
            replayed,
        })
    }

    async fn send(
        &self,
        req: reqwest::RequestBuilder,
        url: &str,
    ) -> Result<(StatusCode, HeaderMap, Vec<u8>), HttpError> {
        let mut resp = req.send().await.map_err(|e| transport_error(url, e))?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let limit = self.cfg.max_body_bytes;
        if resp.content_length().is_some_and(|n| n as usize > limit) {
            return Err(HttpError::TooLarge {
                url: url.into(),
                limit,
            });
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| transport_error(url, e))? {
            if body.len() + chunk.len() > limit {
                return Err(HttpError::TooLarge {
                    url: url.into(),
                    limit,
                });
            }
            body.extend_from_slice(&chunk);
        }
        Ok((status, headers, body))
    }

    fn cached_etag(&self, url: &str) -> Option<(String, bytes_body::Body)> {
        self.lock_etags().get(url).cloned()
    }

    fn lock_etags(&self) -> std::sync::MutexGuard<'_, HashMap<String, (String, bytes_body::Body)>> {
        // A poisoned map only means another task panicked mid-insert; the
        // cache is advisory, so keep using it.
        self.etags.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn lock_hosts(&self) -> std::sync::MutexGuard<'_, HashMap<String, HostState>> {
        self.hosts.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Refuse while the host's circuit is open; wait out a rate-limit window
    /// the server announced (bounded).
    async fn before_request(&self, host: &str, url: &str) -> Result<(), HttpError> {
        let wait = {
            let mut hosts = self.lock_hosts();
            let st = hosts.entry(host.to_string()).or_default();
            st.admit(Instant::now(), host)?;
            st.rate_limited_for(Instant::now())
        };
        if let Some(wait) = wait {
            if wait > self.cfg.max_rate_limit_wait {
                return Err(HttpError::RateLimited {
                    url: url.into(),
                    retry_after: wait,
                });
            }
            tokio::time::sleep(wait).await;
        }
        Ok(())
    }

    /// Record the outcome for the breaker and the rate limiter.
    fn after_response(
        &self,
        host: &str,
        url: &str,
        result: Result<(StatusCode, HeaderMap, Vec<u8>), HttpError>,
    ) -> Result<(StatusCode, HeaderMap, Vec<u8>), HttpError> {
        let now = Instant::now();
        let mut hosts = self.lock_hosts();
        let st = hosts.entry(host.to_string()).or_default();
        match &result {
            Ok((status, headers, _)) => {
                st.observe_rate_headers(headers, now);
                if status.is_server_error() {
                    st.failure(now, self.cfg.breaker_threshold, self.cfg.breaker_cooldown);
                } else {
                    st.success();
                }
                if *status == StatusCode::TOO_MANY_REQUESTS {
                    let wait = retry_after(headers).unwrap_or(Duration::from_secs(1));
                    st.hold_until(now + wait);
                }
            }
            Err(e) if e.is_transient() => {
                tracing::debug!(url, error = %e, "request failed");
                st.failure(now, self.cfg.breaker_threshold, self.cfg.breaker_cooldown)
            }
            Err(_) => {}
        }
        result
    }
}

fn host_key(url: &reqwest::Url) -> String {
    format!(
        "{}:{}",
        url.host_str().unwrap_or("?"),
        url.port_or_known_default().unwrap_or(0)
    )
}

fn transport_error(url: &str, e: reqwest::Error) -> HttpError {
    if e.is_timeout() {
        let phase = if e.is_connect() {
            "connect"
        } else {
            "response"
        };
        HttpError::Timeout {
            url: url.into(),
            phase,
        }
    } else if e.is_connect() {
        HttpError::Connect {
            url: url.into(),
            detail: root_cause(&e),
        }
    } else if e.is_body() || e.is_decode() {
        HttpError::Malformed {
            url: url.into(),
            detail: root_cause(&e),
        }
    } else {
        HttpError::Connect {
            url: url.into(),
            detail: root_cause(&e),
        }
    }
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

/// Turn a non-2xx answer into a typed error, reading the contract's error envelope.
fn check_status(
    url: &str,
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    dialect: &Dialect,
) -> Result<(), HttpError> {
    if status.is_success() || status == StatusCode::NOT_MODIFIED {
        return Ok(());
    }
    if let Some(e) = dialect
        .errors
        .and_then(|map| map(url, status.as_u16(), headers, body))
    {
        return Err(e);
    }
    if status == StatusCode::TOO_MANY_REQUESTS {
        return Err(HttpError::RateLimited {
            url: url.into(),
            retry_after: retry_after(headers).unwrap_or(Duration::from_secs(1)),
        });
    }
    #[derive(serde::Deserialize)]
    struct Envelope {
        error: ErrorBody,
    }
    #[derive(serde::Deserialize)]
    struct ErrorBody {
        code: String,
        message: String,
        details: Option<serde_json::Value>,
    }
    let (code, message, details) = match serde_json::from_slice::<Envelope>(body) {
        Ok(env) => (
            crate::domain::sanitize::clean(&env.error.code),
            crate::domain::sanitize::clean(&env.error.message),
            env.error.details,
        ),
        Err(_) => (
            "unknown".to_string(),
            crate::domain::sanitize::clean_with_limit(&String::from_utf8_lossy(body), 120),
            None,
        ),
    };
    Err(HttpError::Api {
        url: url.into(),
        status: status.as_u16(),
        code,
        message,
        details,
    })
}

fn decode<T: DeserializeOwned>(url: &str, body: &[u8]) -> Result<T, HttpError> {
    serde_json::from_slice(body).map_err(|e| HttpError::Malformed {
        url: url.into(),
        detail: format!("{e} (body starts {:?})", snippet(body)),
    })
}

fn snippet(body: &[u8]) -> String {
    crate::domain::sanitize::clean_with_limit(
        &String::from_utf8_lossy(&body[..body.len().min(60)]),
        60,
    )
}

/// `Retry-After` as delta-seconds or an HTTP date.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let delta = at.with_timezone(&Utc) - Utc::now();
    Some(delta.to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_seconds_and_http_date() {
        let mut h = HeaderMap::new();
        h.insert(header::RETRY_AFTER, "17".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(17)));
        let at = (Utc::now() + chrono::Duration::seconds(30))
            .format("%a, %d %b %Y %H:%M:%S GMT")
            .to_string();
        h.insert(header::RETRY_AFTER, at.parse().unwrap());
        let d = retry_after(&h).unwrap();
        assert!(
            d > Duration::from_secs(25) && d <= Duration::from_secs(30),
            "{d:?}"
        );
        h.insert(header::RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn secret_is_redacted() {
        assert_eq!(format!("{:?}", Secret::new("hunter2")), "Secret(***)");
    }
}
