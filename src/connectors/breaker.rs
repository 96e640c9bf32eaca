//! Per-host circuit breaker and rate-limit window, kept by `HttpClient`.

use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;

use super::HttpError;

#[derive(Debug, Default)]
pub struct HostState {
    consecutive_failures: u32,
    open_until: Option<Instant>,
    /// A half-open probe is in flight; other requests wait for its verdict.
    probing: bool,
    not_before: Option<Instant>,
}

impl HostState {
    /// Closed: pass. Open: refuse until the cool-down ends, then let exactly
    /// one probe through (half-open).
    pub fn admit(&mut self, now: Instant, host: &str) -> Result<(), HttpError> {
        match self.open_until {
            None => Ok(()),
            Some(until) if now < until => Err(HttpError::CircuitOpen {
                host: host.into(),
                wait: until - now,
            }),
            Some(_) if self.probing => Err(HttpError::CircuitOpen {
                host: host.into(),
                wait: Duration::ZERO,
            }),
            Some(_) => {
                self.probing = true;
                Ok(())
            }
        }
    }

    pub fn success(&mut self) {
        self.consecutive_failures = 0;
        self.open_until = None;
        self.probing = false;
    }

    pub fn failure(&mut self, now: Instant, threshold: u32, cooldown: Duration) {
        self.consecutive_failures = self.consecutive_failures.saturating_add(1);
        if self.probing || self.consecutive_failures >= threshold {
            self.open_until = Some(now + cooldown);
            self.probing = false;
        }
    }

    pub fn is_open(&self, now: Instant) -> bool {
        self.open_until.is_some_and(|u| now < u)
    }

    pub fn hold_until(&mut self, t: Instant) {
        self.not_before = Some(self.not_before.map_or(t, |n| n.max(t)));
    }

    pub fn rate_limited_for(&self, now: Instant) -> Option<Duration> {
        self.not_before.filter(|t| *t > now).map(|t| t - now)
    }

    /// When the server says the window is used up, hold further requests
    /// until it resets instead of spending them on 429s.
    pub fn observe_rate_headers(&mut self, headers: &HeaderMap, now: Instant) {
        let num = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        if num("x-ratelimit-remaining") == Some(0) {
            // Some vendors (Mautic's rate limiter) send the reset as a Unix
            // time rather than seconds to wait.
            let raw = num("x-ratelimit-reset").unwrap_or(1);
            let reset = if raw > 1_000_000_000 {
                raw.saturating_sub(chrono::Utc::now().timestamp().max(0) as u64)
            } else {
                raw
            }
            .min(3600);
            self.hold_until(now + Duration::from_secs(reset));
        }
    }
}

/// "Full jitter" backoff: uniform in [0, min(cap, base * 2^attempt)].
pub fn full_jitter(base: Duration, cap: Duration, attempt: u32) -> Duration {
    let exp = base.saturating_mul(1u32 << attempt.min(16));
    let ceiling = exp.min(cap);
    let r = cheap_random();
    ceiling.mul_f64(r)
}

/// Jitter only needs to de-synchronise clients, not be unpredictable.
fn cheap_random() -> f64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static STATE: AtomicU64 = AtomicU64::new(0);
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(1)
        ^ u64::from(std::process::id());
    let mut x = STATE.fetch_add(0x9e37_79b9_7f4a_7c15, Ordering::Relaxed) ^ seed;
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^= x >> 31;
    (x >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breaker_opens_then_half_opens_once() {
        let mut st = HostState::default();
        let t0 = Instant::now();
        let cool = Duration::from_secs(10);
        for _ in 0..3 {
            assert!(st.admit(t0, "h").is_ok());
            st.failure(t0, 3, cool);
        }
        assert!(st.is_open(t0));
        assert!(st.admit(t0 + Duration::from_secs(5), "h").is_err());
        let later = t0 + Duration::from_secs(11);
        assert!(st.admit(later, "h").is_ok(), "one probe after cool-down");
        assert!(st.admit(later, "h").is_err(), "only one probe at a time");
        st.failure(later, 3, cool);
        assert!(st.is_open(later), "failed probe re-opens");
        let much_later = later + Duration::from_secs(11);
        assert!(st.admit(much_later, "h").is_ok());
        st.success();
        assert!(st.admit(much_later, "h").is_ok());
        assert!(!st.is_open(much_later));
    }

    #[test]
    fn jitter_stays_within_cap() {
        for attempt in 0..20 {
            let d = full_jitter(Duration::from_millis(100), Duration::from_secs(2), attempt);
            assert!(d <= Duration::from_secs(2));
        }
    }

    #[test]
    fn exhausted_window_holds_requests() {
        let mut st = HostState::default();
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-remaining", "0".parse().unwrap());
        h.insert("x-ratelimit-reset", "7".parse().unwrap());
        let now = Instant::now();
        st.observe_rate_headers(&h, now);
        assert_eq!(st.rate_limited_for(now), Some(Duration::from_secs(7)));
    }

    #[test]
    fn unix_time_reset_is_read_as_a_moment() {
        let mut st = HostState::default();
        let mut h = HeaderMap::new();
        let at = chrono::Utc::now().timestamp() + 20;
        h.insert("x-ratelimit-remaining", "0".parse().unwrap());
        h.insert("x-ratelimit-reset", at.to_string().parse().unwrap());
        let now = Instant::now();
        st.observe_rate_headers(&h, now);
        let wait = st.rate_limited_for(now).unwrap();
        assert!(
            wait <= Duration::from_secs(20) && wait >= Duration::from_secs(18),
            "{wait:?}"
        );
    }
}
