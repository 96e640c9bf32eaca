use std::process::Command;

fn mops(args: &[&str]) -> (i32, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mops"));
    // clap shows an env var's value in the help text; keep the snapshot stable.
    for var in [
        "MOPS_PROFILE",
        "MOPS_CONFIG",
        "MOPS_DATA_DIR",
        "MOPS_LOW_BANDWIDTH",
    ] {
        cmd.env_remove(var);
    }
    let out = cmd.args(args).env("COLUMNS", "100").output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn help_snapshots() {
    let (code, help) = mops(&["--help"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("mops_help", help);
    let (code, pause) = mops(&["pause", "--help"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("mops_pause_help", pause);
}

#[test]
fn completions_and_man_page() {
    let (code, bash) = mops(&["completions", "bash"]);
    assert_eq!(code, 0);
    assert!(bash.contains("_mops()"), "{bash}");
    assert!(bash.contains("retry-sync"));
    let (code, zsh) = mops(&["completions", "zsh"]);
    assert_eq!(code, 0);
    assert!(zsh.starts_with("#compdef mops"));
    let (code, man) = mops(&["man"]);
    assert_eq!(code, 0);
    assert!(man.contains(".TH mops 1"), "{}", &man[..200.min(man.len())]);
    assert!(man.contains("handoff"));
}
