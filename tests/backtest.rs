//! End-to-end tests of `mops backtest` against the built binary.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

fn mops(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mops"))
        .args(args)
        .env_remove("MOPS_CONFIG")
        .output()
        .expect("the mops binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("output is UTF-8")
}

/// Hourly rows: a daily cycle with bounded jitter, one spike at `spike`.
/// Timestamps alternate between the two accepted layouts.
fn series(n: usize, spike: Option<usize>) -> Vec<(String, String)> {
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    (0..n)
        .map(|i| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let jitter = (x % 1000) as f64 / 1000.0 - 0.5;
            let hour = i % 24;
            let mut v =
                100.0 + 20.0 * ((hour as f64) / 24.0 * std::f64::consts::TAU).sin() + 4.0 * jitter;
            if Some(i) == spike {
                v *= 4.0;
            }
            let day = 1 + i / 24;
            let (month, day) = (1 + (day - 1) / 28, 1 + (day - 1) % 28);
            let ts = if i % 2 == 0 {
                format!("2026-{month:02}-{day:02}T{hour:02}:00:00Z")
            } else {
                format!("2026-{month:02}-{day:02} {hour:02}:00:00")
            };
            (ts, format!("{v:.3}"))
        })
        .collect()
}

fn write_csv(path: &Path, header: bool, rows: &[(String, String)]) {
    let mut s = String::new();
    if header {
        s.push_str("timestamp,value\n");
    }
    for (t, v) in rows {
        s.push_str(&format!("{t},{v}\n"));
    }
    fs::write(path, s).expect("write input");
}

/// Parse scored output and check it matches the input row for row.
fn check_rows(out: &str, input: &[(String, String)]) -> Vec<f64> {
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some("timestamp,value,anomaly_score"));
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), input.len(), "one output row per input row");
    rows.iter()
        .zip(input)
        .enumerate()
        .map(|(i, (line, (t, v)))| {
            let f: Vec<&str> = line.split(',').collect();
            assert_eq!(f.len(), 3, "row {i}: {line}");
            assert_eq!(
                (f[0], f[1]),
                (t.as_str(), v.as_str()),
                "row {i} echoed unchanged"
            );
            let s: f64 = f[2].parse().expect("score is a number");
            assert!((0.0..=1.0).contains(&s), "row {i}: score {s}");
            s
        })
        .collect()
}

#[test]
fn spike_scores_high_and_rows_are_echoed_in_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("series.csv");
    let rows = series(24 * 40, Some(24 * 30 + 7));
    write_csv(&input, true, &rows);
    let o = mops(&["backtest", input.to_str().expect("utf-8 path")]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let scores = check_rows(&stdout(&o), &rows);
    assert!(scores[24 * 30 + 7] > 0.9, "spike {}", scores[24 * 30 + 7]);
    // Warm-up rows have no history to be scored against.
    assert!(scores[..11].iter().all(|&s| s == 0.0));
    let others: Vec<f64> = scores
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 24 * 30 + 7)
        .map(|(_, s)| *s)
        .collect();
    let alarms = others.iter().filter(|&&s| s >= 0.5).count();
    assert!(alarms <= others.len() / 100, "{alarms} false alarms");
}

#[test]
fn constant_series_scores_low() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("flat.csv");
    let rows: Vec<(String, String)> = series(500, None)
        .into_iter()
        .map(|(t, _)| (t, "42".to_string()))
        .collect();
    write_csv(&input, false, &rows);
    let o = mops(&["backtest", input.to_str().expect("utf-8 path")]);
    assert!(o.status.success());
    let scores = check_rows(&stdout(&o), &rows);
    assert!(scores.iter().all(|&s| s < 0.05), "{scores:?}");
}

#[test]
fn scores_only_use_earlier_rows_and_header_is_optional() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rows = series(300, Some(250));
    let full = dir.path().join("full.csv");
    let prefix = dir.path().join("prefix.csv");
    write_csv(&full, true, &rows);
    write_csv(&prefix, false, &rows[..251]);
    let out_full = dir.path().join("full.out.csv");
    let o = mops(&[
        "backtest",
        full.to_str().expect("utf-8"),
        "--output",
        out_full.to_str().expect("utf-8"),
    ]);
    assert!(o.status.success());
    assert!(o.stdout.is_empty(), "--output leaves stdout empty");
    let a = fs::read_to_string(&out_full).expect("output written");
    let b = stdout(&mops(&["backtest", prefix.to_str().expect("utf-8")]));
    check_rows(&a, &rows);
    assert!(
        a.starts_with(&b),
        "a prefix of the input gives a prefix of the output"
    );
}

#[test]
fn bad_rows_are_reported_with_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases = [
        (
            "order.csv",
            "timestamp,value\n2026-01-01T01:00:00Z,1\n2026-01-01T00:00:00Z,2\n",
            ":3: timestamp 2026-01-01T00:00:00Z is earlier than the previous row's (line 2)",
        ),
        (
            "value.csv",
            "2026-01-01 00:00:00,1\n2026-01-01 01:00:00,abc\n",
            ":2: bad value \"abc\"",
        ),
        (
            "ts.csv",
            "2026-01-01 00:00:00,1\n01/02/2026,3\n",
            ":2: bad timestamp \"01/02/2026\"",
        ),
    ];
    for (name, body, want) in cases {
        let path = dir.path().join(name);
        fs::write(&path, body).expect("write input");
        let o = mops(&["backtest", path.to_str().expect("utf-8")]);
        assert!(!o.status.success(), "{name} must fail");
        let err = String::from_utf8_lossy(&o.stderr);
        let want = format!("{}{want}", path.display());
        assert!(err.contains(&want), "{name}: {err}");
    }
    let o = mops(&[
        "backtest",
        dir.path().join("missing.csv").to_str().expect("utf-8"),
    ]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("missing.csv"));
}

#[test]
fn recursive_mirrors_the_tree() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("in");
    let out = dir.path().join("out");
    fs::create_dir_all(input.join("eu/nl")).expect("mkdir");
    let files = [("a.csv", 100), ("eu/b.csv", 50), ("eu/nl/c.CSV", 30)];
    for (rel, n) in files {
        write_csv(&input.join(rel), true, &series(n, None));
    }
    fs::write(input.join("eu/notes.txt"), "not a csv").expect("write");
    let o = mops(&[
        "backtest",
        "--recursive",
        input.to_str().expect("utf-8"),
        "--output-dir",
        out.to_str().expect("utf-8"),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for (rel, n) in files {
        let got = fs::read_to_string(out.join(rel)).expect("mirrored output exists");
        check_rows(&got, &series(n, None));
        let single = mops(&["backtest", input.join(rel).to_str().expect("utf-8")]);
        assert_eq!(got, stdout(&single), "{rel}: same as a single-file run");
    }
    assert!(!out.join("eu/notes.txt").exists());

    // One bad file: the others are still written, the run fails naming it.
    fs::write(input.join("eu/bad.csv"), "2026-01-01 00:00:00,x\n").expect("write");
    let o = mops(&[
        "backtest",
        "--recursive",
        input.to_str().expect("utf-8"),
        "--output-dir",
        out.to_str().expect("utf-8"),
    ]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bad.csv:1: bad value"), "{err}");
    assert!(err.contains("1 of 4 files failed"), "{err}");
    assert!(!out.join("eu/bad.csv").exists(), "no half-written output");
    assert!(out.join("eu/b.csv").exists());
}

#[test]
fn output_tree_inside_the_input_tree_is_not_rescored() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path();
    let out = input.join("scored");
    write_csv(&input.join("a.csv"), true, &series(40, None));
    for _ in 0..2 {
        let o = mops(&[
            "backtest",
            "--recursive",
            input.to_str().expect("utf-8"),
            "--output-dir",
            out.to_str().expect("utf-8"),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    check_rows(
        &fs::read_to_string(out.join("a.csv")).expect("scored"),
        &series(40, None),
    );
    assert!(
        !out.join("scored").exists(),
        "outputs were scored as inputs"
    );
}
