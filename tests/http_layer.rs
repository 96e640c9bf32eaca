//! The shared HTTP layer against real misbehaving servers on loopback:
//! retries, Retry-After, timeouts, stalled bodies, oversized and malformed
//! bodies, refused connections, the circuit breaker and conditional GETs.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use mops::connectors::{HttpClient, HttpConfig, HttpError, Secret};
use serde_json::Value;

async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

fn fast() -> HttpConfig {
    HttpConfig {
        connect_timeout: Duration::from_millis(500),
        read_timeout: Duration::from_millis(300),
        total_timeout: Duration::from_secs(2),
        max_attempts: 3,
        base_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(50),
        max_body_bytes: 1024,
        breaker_threshold: 3,
        breaker_cooldown: Duration::from_millis(300),
        max_rate_limit_wait: Duration::from_secs(5),
    }
}

fn token() -> Secret {
    Secret::new("t")
}

#[tokio::test]
async fn retries_5xx_burst_then_succeeds() {
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    let app = Router::new().route(
        "/x",
        get(move || {
            let h = h.clone();
            async move {
                if h.fetch_add(1, Ordering::SeqCst) < 2 {
                    (StatusCode::BAD_GATEWAY, "{}").into_response()
                } else {
                    axum::Json(serde_json::json!({"ok": true})).into_response()
                }
            }
        }),
    );
    let base = serve(app).await;
    let c = HttpClient::new(fast()).unwrap();
    let v: Value = c
        .get_json(&format!("{base}/x"), &[], &token())
        .await
        .unwrap();
    assert_eq!(v["ok"], true);
    assert_eq!(hits.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn honours_retry_after_on_429() {
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    let app = Router::new().route(
        "/x",
        get(move || {
            let h = h.clone();
            async move {
                if h.fetch_add(1, Ordering::SeqCst) == 0 {
                    let mut hd = HeaderMap::new();
                    hd.insert("retry-after", "1".parse().unwrap());
                    (StatusCode::TOO_MANY_REQUESTS, hd, "{}").into_response()
                } else {
                    axum::Json(serde_json::json!(1)).into_response()
                }
            }
        }),
    );
    let base = serve(app).await;
    let c = HttpClient::new(fast()).unwrap();
    let started = std::time::Instant::now();
    let v: Value = c
        .get_json(&format!("{base}/x"), &[], &token())
        .await
        .unwrap();
    assert_eq!(v, serde_json::json!(1));
    // Not a timing assertion on speed: the client must not have retried early.
    assert!(started.elapsed() >= Duration::from_millis(950));
}

#[tokio::test]
async fn stalled_body_times_out_with_clear_error() {
    let app = Router::new().route(
        "/x",
        get(|| async {
            let stream = futures::stream::unfold(0, |n| async move {
                if n == 0 {
                    Some((Ok::<_, std::io::Error>(bytes_of("{\"items\": [")), 1))
                } else {
                    tokio::time::sleep(Duration::from_secs(30)).await;
                    None
                }
            });
            Response::new(Body::from_stream(stream))
        }),
    );
    let base = serve(app).await;
    let mut cfg = fast();
    cfg.max_attempts = 1;
    let c = HttpClient::new(cfg).unwrap();
    let err = c
        .get_json::<Value>(&format!("{base}/x"), &[], &token())
        .await
        .unwrap_err();
    assert!(
        matches!(err, HttpError::Timeout { .. }),
        "expected a timeout, got {err:?}"
    );
    assert!(err.to_string().contains("timed out"));
}

fn bytes_of(s: &'static str) -> axum::body::Bytes {
    axum::body::Bytes::from_static(s.as_bytes())
}

#[tokio::test]
async fn oversized_and_malformed_bodies_are_rejected() {
    let app = Router::new()
        .route("/big", get(|| async { "x".repeat(10_000) }))
        .route("/bad", get(|| async { "{\"items\": [1, 2" }));
    let base = serve(app).await;
    let mut cfg = fast();
    cfg.max_attempts = 1;
    let c = HttpClient::new(cfg).unwrap();
    let err = c
        .get_json::<Value>(&format!("{base}/big"), &[], &token())
        .await
        .unwrap_err();
    assert!(matches!(err, HttpError::TooLarge { .. }), "{err:?}");
    let err = c
        .get_json::<Value>(&format!("{base}/bad"), &[], &token())
        .await
        .unwrap_err();
    assert!(matches!(err, HttpError::Malformed { .. }), "{err:?}");
    assert!(err.to_string().contains("malformed"), "{err}");
}

#[tokio::test]
async fn refused_connections_open_the_breaker() {
    // Bind then drop: the port is (almost certainly) closed now.
    let addr = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let mut cfg = fast();
    cfg.max_attempts = 1;
    let c = HttpClient::new(cfg).unwrap();
    let url = format!("http://{addr}/x");
    for _ in 0..3 {
        let err = c.get_json::<Value>(&url, &[], &token()).await.unwrap_err();
        assert!(matches!(err, HttpError::Connect { .. }), "{err:?}");
    }
    let err = c.get_json::<Value>(&url, &[], &token()).await.unwrap_err();
    assert!(matches!(err, HttpError::CircuitOpen { .. }), "{err:?}");
    tokio::time::sleep(Duration::from_millis(350)).await;
    let err = c.get_json::<Value>(&url, &[], &token()).await.unwrap_err();
    assert!(
        matches!(err, HttpError::Connect { .. }),
        "half-open probe should reach the network: {err:?}"
    );
}

#[tokio::test]
async fn etag_gives_304_and_cached_body() {
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    let app = Router::new().route(
        "/x",
        get(move |headers: HeaderMap| {
            let h = h.clone();
            async move {
                h.fetch_add(1, Ordering::SeqCst);
                if headers.get("if-none-match").and_then(|v| v.to_str().ok()) == Some("\"v1\"") {
                    return StatusCode::NOT_MODIFIED.into_response();
                }
                let mut hd = HeaderMap::new();
                hd.insert("etag", "\"v1\"".parse().unwrap());
                (hd, axum::Json(serde_json::json!({"n": 7}))).into_response()
            }
        }),
    );
    let base = serve(app).await;
    let c = HttpClient::new(fast()).unwrap();
    let url = format!("{base}/x");
    let a: Value = c.get_json(&url, &[], &token()).await.unwrap();
    let b: Value = c.get_json(&url, &[], &token()).await.unwrap();
    assert_eq!(a, b);
    assert_eq!(hits.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn error_envelope_is_read_and_sanitised() {
    let app = Router::new().route(
        "/x",
        get(|| async {
            (
                StatusCode::NOT_FOUND,
                axum::Json(serde_json::json!({"error": {"code": "not_found", "message": "no \u{1b}]0;x\u{7}such campaign"}})),
            )
        }),
    );
    let base = serve(app).await;
    let c = HttpClient::new(fast()).unwrap();
    let err = c
        .get_json::<Value>(&format!("{base}/x"), &[], &token())
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("404 not_found: no such campaign"), "{text}");
    assert!(!text.contains('\u{1b}'));
}

#[tokio::test]
async fn garbled_body_is_never_cached_for_304() {
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    let app = Router::new().route(
        "/x",
        get(move |headers: HeaderMap| {
            let h = h.clone();
            async move {
                let mut hd = HeaderMap::new();
                hd.insert("etag", "\"v1\"".parse().unwrap());
                if h.fetch_add(1, Ordering::SeqCst) == 0 {
                    return (hd, "{\"n\": ").into_response();
                }
                if headers.get("if-none-match").is_some() {
                    return StatusCode::NOT_MODIFIED.into_response();
                }
                (hd, axum::Json(serde_json::json!({"n": 1}))).into_response()
            }
        }),
    );
    let base = serve(app).await;
    let mut cfg = fast();
    cfg.max_attempts = 1;
    let c = HttpClient::new(cfg).unwrap();
    let url = format!("{base}/x");
    assert!(c.get_json::<Value>(&url, &[], &token()).await.is_err());
    let v: Value = c.get_json(&url, &[], &token()).await.unwrap();
    assert_eq!(v["n"], 1);
}
