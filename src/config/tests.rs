use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;

use super::*;

/// The three base URLs, which every resolvable profile needs.
const URLS: &[(&str, &str)] = &[
    ("MOPS_MARKETING_URL", "http://a"),
    ("MOPS_CRM_URL", "http://b"),
    ("MOPS_ERP_URL", "http://c"),
];

fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |k| map.get(k).cloned()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn profile_from_file_with_env_override_and_token_file() {
    let dir = tempfile::tempdir().unwrap();
    let tok = write(dir.path(), "tok", "s3cret\n");
    std::fs::set_permissions(&tok, std::fs::Permissions::from_mode(0o600)).unwrap();
    let cfg = write(
        dir.path(),
        "c.toml",
        &format!(
            r#"
default_profile = "staging"
[profiles.prod]
marketing_url = "https://m.example/v1/"
crm_url = "https://c.example/v1"
erp_url = "https://e.example/v1"
token_file = "{}"
production = true
actor = "ana"
"#,
            tok.display()
        ),
    );
    let cli = Overrides {
        profile: Some("prod".into()),
        config: Some(cfg),
        ..Default::default()
    };
    let p = resolve(&cli, &env_of(&[("MOPS_CRM_URL", "http://override:1/crm")])).unwrap();
    assert_eq!(p.name, "prod");
    assert!(p.production);
    assert_eq!(p.endpoints.marketing, "https://m.example/v1");
    assert_eq!(p.endpoints.crm, "http://override:1/crm");
    assert_eq!(p.endpoints.token.expose(), "s3cret");
    assert_eq!(p.actor, "ana");
    assert!(
        !format!("{p:?}").contains("s3cret"),
        "token leaked into Debug"
    );
}

#[test]
fn world_readable_token_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let tok = write(dir.path(), "tok", "x");
    std::fs::set_permissions(&tok, std::fs::Permissions::from_mode(0o644)).unwrap();
    let err = read_token_file(&tok).unwrap_err().to_string();
    assert!(err.contains("chmod 600"), "{err}");
}

#[test]
fn bad_config_names_file_and_problem() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(
        dir.path(),
        "c.toml",
        "[profiles.x]\nmarketing_ur = 'typo'\n",
    );
    let cli = Overrides {
        config: Some(cfg.clone()),
        profile: Some("x".into()),
        ..Default::default()
    };
    let err = resolve(&cli, &env_of(&[])).unwrap_err().to_string();
    assert!(err.contains(&cfg.display().to_string()), "{err}");
    assert!(err.contains("marketing_ur"), "{err}");
}

#[test]
fn unknown_profile_lists_known_ones() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "c.toml", "[profiles.prod]\n[profiles.stage]\n");
    let cli = Overrides {
        config: Some(cfg),
        profile: Some("dev".into()),
        ..Default::default()
    };
    let err = resolve(&cli, &env_of(&[])).unwrap_err().to_string();
    assert!(err.contains("prod, stage"), "{err}");
}

#[test]
fn missing_urls_point_to_demo() {
    let cli = Overrides {
        config: None,
        ..Default::default()
    };
    let err = build_profile("default", ProfileFile::default(), &cli, &env_of(&[]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("mops demo"), "{err}");
}

#[test]
fn readonly_flag_wins() {
    let env = env_of(&[
        ("MOPS_MARKETING_URL", "http://a"),
        ("MOPS_CRM_URL", "http://b"),
        ("MOPS_ERP_URL", "http://c"),
    ]);
    let cli = Overrides {
        readonly: true,
        ..Default::default()
    };
    let p = build_profile("x", ProfileFile::default(), &cli, &env).unwrap();
    assert!(p.readonly);
}

#[test]
fn vendor_flavours_and_tokens_per_system() {
    use crate::connectors::vendor::{CrmFlavour, ErpFlavour, MarketingFlavour};
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(
        dir.path(),
        "c.toml",
        r#"
[profiles.vendors]
marketing_url = "https://acme.mautic.net"
crm_url = "https://api.airbyte.com"
erp_url = "https://erp.acme.com"
token_env = "SHARED"
marketing_flavour = "mautic"
crm_flavour = "airbyte"
erp_flavour = "erpnext"
erp_token_env = "ERP_KEYS"
"#,
    );
    let cli = Overrides {
        profile: Some("vendors".into()),
        config: Some(cfg.clone()),
        ..Overrides::default()
    };
    let env = env_of(&[("SHARED", "t"), ("ERP_KEYS", "k:s")]);
    let p = resolve(&cli, &env).unwrap();
    assert_eq!(p.vendors.flavours.marketing, MarketingFlavour::Mautic);
    assert_eq!(p.vendors.flavours.crm, CrmFlavour::Airbyte);
    assert_eq!(p.vendors.flavours.erp, ErpFlavour::Erpnext);
    assert_eq!(p.vendors.tokens.erp.as_ref().unwrap().expose(), "k:s");
    assert!(p.vendors.tokens.marketing.is_none());
    // The environment wins over the file; nonsense is refused by name.
    let env = env_of(&[
        ("SHARED", "t"),
        ("ERP_KEYS", "k:s"),
        ("MOPS_MARKETING_FLAVOUR", "HubSpot"),
    ]);
    let p = resolve(&cli, &env).unwrap();
    assert_eq!(p.vendors.flavours.marketing, MarketingFlavour::Hubspot);
    let env = env_of(&[
        ("SHARED", "t"),
        ("ERP_KEYS", "k:s"),
        ("MOPS_ERP_FLAVOUR", "sap"),
    ]);
    let err = resolve(&cli, &env).unwrap_err().to_string();
    assert!(
        err.contains("MOPS_ERP_FLAVOUR") && err.contains("sap"),
        "{err}"
    );
    let env = env_of(&[("SHARED", "t")]);
    let err = resolve(&cli, &env).unwrap_err().to_string();
    assert!(err.contains("ERP_KEYS"), "{err}");
}

#[test]
fn flavours_default_to_native() {
    let p = build_profile(
        "x",
        ProfileFile {
            marketing_url: Some("http://m".into()),
            crm_url: Some("http://c".into()),
            erp_url: Some("http://e".into()),
            ..ProfileFile::default()
        },
        &Overrides::default(),
        &env_of(&[]),
    )
    .unwrap();
    assert_eq!(p.vendors.flavours, Default::default());
}

#[test]
fn role_and_scopes_resolve_to_a_principal() {
    let env = env_of(&[
        ("MOPS_MARKETING_URL", "http://a"),
        ("MOPS_CRM_URL", "http://b"),
        ("MOPS_ERP_URL", "http://c"),
        ("MOPS_ROLE", "approver"),
        ("MOPS_SCOPES", "finance, legal"),
        ("MOPS_ACTOR", "fiona"),
    ]);
    let p = build_profile("x", ProfileFile::default(), &Overrides::default(), &env).unwrap();
    let who = p.principal();
    assert_eq!(who.role, crate::domain::Role::Approver);
    assert_eq!(who.scopes, vec!["finance", "legal"]);
    assert_eq!(who.name, "fiona");
    let bad = env_of(&[
        ("MOPS_MARKETING_URL", "http://a"),
        ("MOPS_CRM_URL", "http://b"),
        ("MOPS_ERP_URL", "http://c"),
        ("MOPS_ROLE", "superuser"),
    ]);
    let err = build_profile("x", ProfileFile::default(), &Overrides::default(), &bad)
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown role"), "{err}");
}

#[test]
fn analytics_policy_comes_from_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(
        dir.path(),
        "c.toml",
        "[analytics.throttle]\nmode = \"auto\"\npause_below_days = 1.5\n[profiles.default]\n",
    );
    let cli = Overrides {
        config: Some(cfg),
        ..Default::default()
    };
    let p = resolve(&cli, &env_of(URLS)).unwrap();
    assert_eq!(
        p.policy.throttle.mode,
        crate::analytics::throttle::ThrottleMode::Auto
    );
    assert_eq!(p.policy.throttle.pause_below_days, 1.5);
}

#[test]
fn approval_chain_policy_comes_from_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(
        dir.path(),
        "c.toml",
        "[approvals]\nfinance_threshold = 20000\n[profiles.default]\n",
    );
    let cli = Overrides {
        config: Some(cfg),
        ..Default::default()
    };
    let p = resolve(&cli, &env_of(URLS)).unwrap();
    assert_eq!(p.chain.finance_threshold, 20_000.0);
    assert_eq!(p.chain.explain("finance", 25_000.0), "budget 25000 ≥ 20000");
}
