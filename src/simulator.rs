//! The in-process simulator of the three vendor systems (marketing, CRM,
//! ERP), serving docs/http-contract.md over loopback HTTP with axum.
//!
//! The world is deterministic: a seeded hash decides every number, and the
//! state at simulated time T is a function of (config, T, commands applied).
//! See docs/simulator.md for scenarios, fault knobs and control endpoints.

mod control;
mod crm;
pub mod dialects;
mod erp;
mod http;
mod marketing;
mod middleware;
pub mod rng;
pub mod scenario;
mod state;
pub mod world;

use std::net::SocketAddr;
use std::path::PathBuf;

use axum::Router;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use chrono::{DateTime, DurationRound, Utc};
use tokio_util::sync::CancellationToken;

use crate::domain::System;
pub use dialects::SimDialect;
pub use scenario::{FaultSet, Faults, Incident, IncidentKind, Scenario};
pub use state::SimState;

pub const DEFAULT_SEED: u64 = 42;
pub const DEFAULT_CAMPAIGNS: usize = 60;
pub const MAX_CAMPAIGNS: usize = 10_000;
pub const DEFAULT_SPEED: f64 = 60.0;
pub const DEFAULT_TOKEN: &str = "demo-token";

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("cannot read scenario {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("scenario {path} is not valid: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("invalid simulator settings ({origin}): {message}")]
    Invalid { origin: String, message: String },
}

#[derive(Debug, Clone)]
pub struct SimConfig {
    pub seed: u64,
    pub campaigns: usize,
    /// Simulated seconds per real second; 0 freezes the clock (see `SimHandle::advance`).
    pub speed: f64,
    pub start: DateTime<Utc>,
    pub token: String,
    pub scenario: Scenario,
    pub faults: FaultSet,
}

impl Default for SimConfig {
    /// The demo: seed 42, 60 campaigns, speed 60, the embedded demo scenario.
    fn default() -> Self {
        SimConfig::from_scenario(Scenario::demo())
    }
}

impl SimConfig {
    fn from_scenario(scenario: Scenario) -> SimConfig {
        let now = Utc::now();
        SimConfig {
            seed: scenario.seed.unwrap_or(DEFAULT_SEED),
            campaigns: scenario.campaigns.unwrap_or(DEFAULT_CAMPAIGNS),
            speed: scenario.speed.unwrap_or(DEFAULT_SPEED),
            start: now
                .duration_trunc(chrono::Duration::minutes(1))
                .unwrap_or(now),
            token: DEFAULT_TOKEN.into(),
            faults: scenario.faults.clone(),
            scenario,
        }
    }

    /// Scenario file (if any) first, then `--seed/--campaigns/--speed` on top.
    pub fn from_opts(opts: &crate::cli::SimOpts) -> Result<SimConfig, SimError> {
        let (scenario, origin) = match &opts.scenario {
            None => (Scenario::demo(), "embedded demo scenario".to_string()),
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| SimError::Read {
                    path: path.clone(),
                    source,
                })?;
                let scenario = Scenario::parse(&text).map_err(|message| SimError::Parse {
                    path: path.clone(),
                    message,
                })?;
                (scenario, format!("scenario {}", path.display()))
            }
        };
        let mut config = SimConfig::from_scenario(scenario);
        config.seed = opts.seed.unwrap_or(config.seed);
        config.campaigns = opts.campaigns.unwrap_or(config.campaigns);
        let dialect_speed = opts
            .dialect
            .filter(|d| *d != SimDialect::Native)
            .map(|_| 1.0);
        config.speed = opts.speed.or(dialect_speed).unwrap_or(config.speed);
        config
            .validate()
            .map_err(|message| SimError::Invalid { origin, message })?;
        Ok(config)
    }

    /// Check sizes, speed, faults and that every incident target exists.
    pub fn validate(&self) -> Result<(), String> {
        if !(1..=MAX_CAMPAIGNS).contains(&self.campaigns) {
            return Err(format!(
                "campaigns must be between 1 and {MAX_CAMPAIGNS}, got {}",
                self.campaigns
            ));
        }
        if !(self.speed.is_finite() && self.speed >= 0.0) {
            return Err(format!(
                "speed must be a non-negative number, got {}",
                self.speed
            ));
        }
        for s in System::ALL {
            self.faults
                .get(s)
                .validate()
                .map_err(|e| format!("[faults.{}] {e}", s.as_str()))?;
        }
        let catalog = world::catalog::Catalog::generate(self.seed, self.campaigns, self.start);
        world::incidents::resolve(&self.scenario.incidents, &catalog, self.start).map(|_| ())
    }
}

/// A running simulator. Dropping the handle leaves it running; call `shutdown`.
pub struct SimHandle {
    pub addr: SocketAddr,
    state: SimState,
    shutdown: CancellationToken,
}

impl SimHandle {
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
    pub fn marketing_url(&self) -> String {
        format!("{}/marketing/v1", self.base_url())
    }
    pub fn crm_url(&self) -> String {
        format!("{}/crm/v1", self.base_url())
    }
    pub fn erp_url(&self) -> String {
        format!("{}/erp/v1", self.base_url())
    }
    /// Root of a vendor dialect, e.g. `http://127.0.0.1:1234/mautic`.
    pub fn dialect_url(&self, dialect: SimDialect) -> String {
        format!("{}/{}", self.base_url(), dialect.as_str())
    }
    /// Endpoints and connector settings for a console talking `dialect`
    /// (the other systems stay native).
    pub fn client_config(
        &self,
        dialect: SimDialect,
    ) -> (
        crate::connectors::Endpoints,
        crate::connectors::vendor::VendorSettings,
    ) {
        dialects::client_config(self, dialect)
    }
    pub fn set_faults(&self, system: System, faults: Faults) {
        self.state.set_faults(system, faults);
    }
    /// Move the simulated clock forward by `d` (on top of the real-time speed).
    pub fn advance(&self, d: chrono::Duration) {
        self.state.advance(d);
    }
    pub fn now(&self) -> DateTime<Utc> {
        self.state.now()
    }
    pub fn state(&self) -> &SimState {
        &self.state
    }
    pub fn shutdown(&self) {
        self.shutdown.cancel();
    }
}

fn invalid(message: String) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidInput, message)
}

/// Bind 127.0.0.1:0 and serve in a background task.
pub async fn spawn(config: SimConfig) -> std::io::Result<SimHandle> {
    config.validate().map_err(invalid)?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let state = SimState::new(config).map_err(invalid)?;
    let shutdown = CancellationToken::new();
    let router = app(state.clone());
    let token = shutdown.clone();
    tokio::spawn(async move {
        if let Err(e) = serve(listener, router, token).await {
            tracing::error!("simulator stopped: {e}");
        }
    });
    Ok(SimHandle {
        addr,
        state,
        shutdown,
    })
}

/// Serve on `listener` until `shutdown` is cancelled (for `mops sim --listen`).
pub async fn run(
    listener: tokio::net::TcpListener,
    config: SimConfig,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    config.validate().map_err(invalid)?;
    let state = SimState::new(config).map_err(invalid)?;
    serve(listener, app(state), shutdown).await
}

async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown.cancelled_owned())
        .await
}

/// The whole simulator as one router: the three systems, `/healthz` and `/_sim`.
pub fn app(state: SimState) -> Router {
    // Each system has its own fallbacks so unknown paths still pass the
    // gate (auth, rate-limit headers) like every other answer of that system.
    let system = |router: Router<SimState>, s: System| {
        router
            .fallback(not_found)
            .method_not_allowed_fallback(method_not_allowed)
            .layer(axum::middleware::from_fn_with_state(
                (state.clone(), s),
                middleware::gate,
            ))
    };
    let router = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .nest(
            "/marketing/v1",
            system(marketing::router(), System::Marketing),
        )
        .nest("/crm/v1", system(crm::router(), System::Crm))
        .nest("/erp/v1", system(erp::router(), System::Erp))
        .nest("/_sim", control::router());
    dialects::mount(router, &state)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
}

async fn not_found(req: Request) -> impl IntoResponse {
    http::ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        format!("no route for {}", req.uri().path()),
    )
}

async fn method_not_allowed(req: Request) -> impl IntoResponse {
    http::ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "bad_request",
        format!("{} is not allowed on {}", req.method(), req.uri().path()),
    )
}
