//! Configuration: file (TOML) < environment < command line, with named
//! profiles. Tokens come from an environment variable or a 0600 file and are
//! held as `Secret`, so they never reach logs or error messages.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use thiserror::Error;

use crate::connectors::vendor::{
    CrmFlavour, ErpFlavour, Flavours, MarketingFlavour, VendorSettings, VendorTokens, parse_flavour,
};
use crate::connectors::{Endpoints, Secret};
use crate::sync::PollConfig;

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("cannot read config {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid config {path}: {detail}")]
    Parse { path: PathBuf, detail: String },
    #[error("profile {name:?} is not defined in {path} (defined: {known})")]
    UnknownProfile {
        name: String,
        path: PathBuf,
        known: String,
    },
    #[error("profile {profile:?}: {detail}")]
    Invalid { profile: String, detail: String },
    #[error("invalid [keys] in {}: {source}", path.display())]
    Keys {
        path: PathBuf,
        source: crate::app::KeymapError,
    },
    #[error(
        "token file {path} is readable by others (mode {mode:o}); run: chmod 600 {}",
        path.display()
    )]
    TokenFilePermissions { path: PathBuf, mode: u32 },
}

/// One profile as written in the file; every field optional so env and CLI can fill in.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileFile {
    pub marketing_url: Option<String>,
    pub crm_url: Option<String>,
    pub erp_url: Option<String>,
    /// Name of the environment variable holding the bearer token.
    pub token_env: Option<String>,
    /// Path to a file holding the token; must not be group/world readable.
    pub token_file: Option<PathBuf>,
    pub actor: Option<String>,
    pub role: Option<String>,
    /// Approval scopes for the approver role: marketing, finance, legal, margin.
    pub scopes: Option<Vec<String>>,
    pub production: Option<bool>,
    pub readonly: Option<bool>,
    pub theme: Option<String>,
    pub poll_interval_secs: Option<u64>,
    pub stale_after_secs: Option<u64>,
    pub data_dir: Option<PathBuf>,
    /// Which API each system speaks (`native` unless set; see docs/connectors.md).
    pub marketing_flavour: Option<MarketingFlavour>,
    pub crm_flavour: Option<CrmFlavour>,
    pub erp_flavour: Option<ErpFlavour>,
    /// Per-system token variables, for vendors that do not share `token_env`.
    pub marketing_token_env: Option<String>,
    pub crm_token_env: Option<String>,
    pub erp_token_env: Option<String>,
    /// Lower refresh, no animations, redraw only on data change.
    pub low_bandwidth: Option<bool>,
    /// Key bindings for this profile, over the file's top-level `[keys]`.
    #[serde(default)]
    pub keys: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    pub default_profile: Option<String>,
    #[serde(default)]
    pub profiles: BTreeMap<String, ProfileFile>,
    /// Action name -> keys, e.g. `quit = ["ctrl-q"]`; see docs/tui.md.
    #[serde(default)]
    pub keys: BTreeMap<String, Vec<String>>,
    /// Anomaly, throttle and health policy (docs/analytics.md), e.g.
    /// `[analytics.throttle] mode = "auto"`.
    pub analytics: Option<crate::analytics::Policy>,
    /// The approval chain policy the ERP applies, shown per step in the
    /// console (`[approvals] finance_threshold = 50000`).
    pub approvals: Option<crate::domain::approval_policy::ChainPolicy>,
}

/// A fully resolved profile: what the console and headless commands run with.
#[derive(Debug, Clone)]
pub struct Profile {
    pub name: String,
    pub endpoints: Endpoints,
    pub actor: String,
    pub role: String,
    pub scopes: Vec<String>,
    pub production: bool,
    pub readonly: bool,
    pub theme: String,
    pub poll: PollConfig,
    pub stale_after: chrono::Duration,
    pub data_dir: PathBuf,
    /// Connector flavour and credentials per system (native by default).
    pub vendors: VendorSettings,
    pub low_bandwidth: bool,
    /// `[keys]` overrides, already checked for conflicts at load.
    pub keys: BTreeMap<String, Vec<String>>,
    /// `[analytics]` from the file; defaults otherwise.
    pub policy: crate::analytics::Policy,
    /// `[approvals]` from the file; defaults otherwise.
    pub chain: crate::domain::approval_policy::ChainPolicy,
}

impl Profile {
    /// Who is acting, for local authorization (the server still decides).
    pub fn principal(&self) -> crate::domain::Principal {
        crate::domain::Principal {
            name: self.actor.clone(),
            // Validated in `build_profile`; a hand-built profile with a typo
            // gets the least privilege.
            role: crate::domain::Role::parse(&self.role).unwrap_or(crate::domain::Role::Viewer),
            scopes: self.scopes.clone(),
        }
    }
}

/// Where mops keeps things, following the XDG base directory spec.
pub fn default_config_file() -> Option<PathBuf> {
    dirs::config_dir().map(|d| d.join("mops").join("config.toml"))
}

pub fn default_data_dir(profile: &str) -> PathBuf {
    dirs::data_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join("mops")
        .join(profile)
}

pub fn state_dir() -> PathBuf {
    dirs::state_dir()
        .or_else(dirs::data_local_dir)
        .unwrap_or_else(std::env::temp_dir)
        .join("mops")
}

pub fn user_theme_dir() -> Option<PathBuf> {
    dirs::config_dir().map(|d| d.join("mops").join("themes"))
}

pub fn parse_file(path: &Path) -> Result<ConfigFile, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.into(),
        source,
    })?;
    toml::from_str(&text).map_err(|e| ConfigError::Parse {
        path: path.into(),
        detail: e.to_string(),
    })
}

/// What the command line contributes on top of file and environment.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub profile: Option<String>,
    pub config: Option<PathBuf>,
    pub data_dir: Option<PathBuf>,
    pub readonly: bool,
    pub low_bandwidth: bool,
}

/// Resolve the active profile. `env` is injected so tests need not touch
/// the process environment.
pub fn resolve(
    cli: &Overrides,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Profile, ConfigError> {
    let path = cli.config.clone().or_else(default_config_file);
    let file = match &path {
        Some(p) if cli.config.is_some() || p.exists() => parse_file(p)?,
        _ => ConfigFile::default(),
    };
    let name = cli
        .profile
        .clone()
        .or_else(|| file.default_profile.clone())
        .unwrap_or_else(|| "default".to_string());
    let pf = match file.profiles.get(&name) {
        Some(p) => p.clone(),
        None if cli.profile.is_some() && path.is_some() => {
            return Err(ConfigError::UnknownProfile {
                name,
                path: path.unwrap_or_default(),
                known: file.profiles.keys().cloned().collect::<Vec<_>>().join(", "),
            });
        }
        None => ProfileFile::default(),
    };
    let mut keys = file.keys.clone();
    keys.extend(pf.keys.clone());
    // Conflicts are reported now, naming the file, not when a key is pressed.
    crate::app::Keymap::from_config(&keys).map_err(|source| ConfigError::Keys {
        path: path.clone().unwrap_or_default(),
        source,
    })?;
    let mut profile = build_profile(&name, pf, cli, env)?;
    profile.keys = keys;
    profile.policy = file.analytics.unwrap_or_default();
    profile.chain = file.approvals.clone().unwrap_or_default();
    Ok(profile)
}

fn build_profile(
    name: &str,
    pf: ProfileFile,
    cli: &Overrides,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Profile, ConfigError> {
    let invalid = |detail: String| ConfigError::Invalid {
        profile: name.to_string(),
        detail,
    };
    let url = |key: &str, file: Option<String>| -> Result<String, ConfigError> {
        let v = env(key).or(file).ok_or_else(|| {
            invalid(format!(
                "no URL for {}: set it in the profile or ${key} (or try `mops demo`)",
                key.trim_start_matches("MOPS_")
                    .trim_end_matches("_URL")
                    .to_lowercase()
            ))
        })?;
        if !(v.starts_with("http://") || v.starts_with("https://")) {
            return Err(invalid(format!(
                "{key} must start with http:// or https://"
            )));
        }
        Ok(v.trim_end_matches('/').to_string())
    };
    let marketing = url("MOPS_MARKETING_URL", pf.marketing_url.clone())?;
    let crm = url("MOPS_CRM_URL", pf.crm_url.clone())?;
    let erp = url("MOPS_ERP_URL", pf.erp_url.clone())?;
    let token = resolve_token(&pf, env).map_err(|e| match e {
        ConfigError::Invalid { detail, .. } => invalid(detail),
        other => other,
    })?;
    let mut poll = PollConfig::default();
    if let Some(secs) = pf.poll_interval_secs {
        if secs == 0 {
            return Err(invalid("poll_interval_secs must be at least 1".into()));
        }
        poll.marketing_every = Duration::from_secs(secs);
        poll.crm_every = Duration::from_secs(secs * 2);
        poll.erp_every = Duration::from_secs(secs * 2);
    }
    let vendors = vendor_settings(&pf, env).map_err(invalid)?;
    Ok(Profile {
        vendors,
        name: name.to_string(),
        endpoints: Endpoints {
            marketing,
            crm,
            erp,
            token,
        },
        actor: env("MOPS_ACTOR")
            .or(pf.actor)
            .or_else(|| env("USER"))
            .unwrap_or_else(|| "operator".into()),
        role: {
            let role = env("MOPS_ROLE")
                .or(pf.role)
                .unwrap_or_else(|| "operator".into());
            if crate::domain::Role::parse(&role).is_none() {
                return Err(invalid(format!(
                    "unknown role {role:?}: use viewer, operator, approver or admin"
                )));
            }
            role
        },
        scopes: env("MOPS_SCOPES")
            .map(|v| {
                v.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .or(pf.scopes)
            .unwrap_or_default(),
        production: pf.production.unwrap_or(false),
        readonly: cli.readonly || pf.readonly.unwrap_or(false),
        theme: env("MOPS_THEME")
            .or(pf.theme)
            .unwrap_or_else(|| "dark".into()),
        poll,
        stale_after: chrono::Duration::seconds(pf.stale_after_secs.unwrap_or(120) as i64),
        data_dir: cli
            .data_dir
            .clone()
            .or(pf.data_dir)
            .unwrap_or_else(|| default_data_dir(name)),
        low_bandwidth: cli.low_bandwidth || pf.low_bandwidth.unwrap_or(false),
        keys: BTreeMap::new(),
        policy: crate::analytics::Policy::default(),
        chain: Default::default(),
    })
}

/// Flavours from `MOPS_<SYSTEM>_FLAVOUR` or the profile; per-system tokens
/// from the variables the profile names.
fn vendor_settings(
    pf: &ProfileFile,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<VendorSettings, String> {
    fn pick<T: serde::de::DeserializeOwned + Default>(
        env: &dyn Fn(&str) -> Option<String>,
        key: &str,
        file: Option<T>,
    ) -> Result<T, String> {
        match env(key) {
            Some(v) => parse_flavour(&v).map_err(|e| format!("${key}: {e}")),
            None => Ok(file.unwrap_or_default()),
        }
    }
    let token = |var: &Option<String>| -> Result<Option<Secret>, String> {
        var.as_ref()
            .map(|v| {
                env(v)
                    .map(Secret::new)
                    .ok_or_else(|| format!("the profile names ${v} for a token, but it is not set"))
            })
            .transpose()
    };
    Ok(VendorSettings {
        flavours: Flavours {
            marketing: pick(env, "MOPS_MARKETING_FLAVOUR", pf.marketing_flavour)?,
            crm: pick(env, "MOPS_CRM_FLAVOUR", pf.crm_flavour)?,
            erp: pick(env, "MOPS_ERP_FLAVOUR", pf.erp_flavour)?,
        },
        tokens: VendorTokens {
            marketing: token(&pf.marketing_token_env)?,
            crm: token(&pf.crm_token_env)?,
            erp: token(&pf.erp_token_env)?,
        },
    })
}

fn resolve_token(
    pf: &ProfileFile,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Secret, ConfigError> {
    if let Some(var) = &pf.token_env {
        return env(var)
            .map(Secret::new)
            .ok_or_else(|| ConfigError::Invalid {
                profile: String::new(),
                detail: format!("token_env names ${var}, which is not set"),
            });
    }
    if let Some(path) = &pf.token_file {
        return read_token_file(path);
    }
    Ok(Secret::new(env("MOPS_TOKEN").unwrap_or_default()))
}

pub fn read_token_file(path: &Path) -> Result<Secret, ConfigError> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path).map_err(|source| ConfigError::Read {
        path: path.into(),
        source,
    })?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(ConfigError::TokenFilePermissions {
            path: path.into(),
            mode,
        });
    }
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.into(),
        source,
    })?;
    Ok(Secret::new(text.trim()))
}

#[cfg(test)]
mod tests;
