//! `mops backtest`: replay a `timestamp,value` CSV through the same streaming
//! detector the console uses and write each row back with its anomaly score.
//!
//! The score of row i only uses rows before i. Rows are streamed: one line
//! buffer is reused and the timestamp and value are echoed byte for byte.

use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use clap::Args;

use crate::analytics::{AnomalyPolicy, Detector};

mod timestamp;

pub use timestamp::parse_timestamp;

const BUF: usize = 1 << 16;
const HEADER: &[u8] = b"timestamp,value,anomaly_score\n";

#[derive(Debug, Args)]
pub struct BacktestArgs {
    /// CSV of `timestamp,value` rows (header optional; RFC 3339 or
    /// `YYYY-MM-DD HH:MM:SS` UTC timestamps, in time order).
    #[arg(required_unless_present = "recursive", conflicts_with = "recursive")]
    pub file: Option<PathBuf>,
    /// Write the scored CSV here instead of standard output.
    #[arg(long, short, conflicts_with = "recursive")]
    pub output: Option<PathBuf>,
    /// Score every `*.csv` below DIR, mirroring the tree into --output-dir.
    #[arg(long, value_name = "DIR", requires = "output_dir")]
    pub recursive: Option<PathBuf>,
    /// Root of the mirrored output tree for --recursive.
    #[arg(long, value_name = "OUT", requires = "recursive")]
    pub output_dir: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum BacktestError {
    #[error("{path}: {source}")]
    Io { path: String, source: io::Error },
    #[error("{path}:{line}: {msg}")]
    Row {
        path: String,
        line: u64,
        msg: String,
    },
    #[error("{failed} of {total} files failed (see messages above)")]
    Files { failed: usize, total: usize },
    #[error("{0}")]
    Usage(String),
}

fn io_err(path: &str) -> impl FnOnce(io::Error) -> BacktestError + '_ {
    move |source| BacktestError::Io {
        path: path.to_string(),
        source,
    }
}

pub fn run(args: &BacktestArgs) -> Result<(), BacktestError> {
    let policy = AnomalyPolicy::default();
    match (&args.file, &args.recursive, &args.output_dir) {
        (Some(file), None, None) => {
            let name = file.display().to_string();
            let input = File::open(file).map_err(io_err(&name))?;
            let input = BufReader::with_capacity(BUF, input);
            match &args.output {
                Some(out) => {
                    let out_name = out.display().to_string();
                    let f = File::create(out).map_err(io_err(&out_name))?;
                    let res = score_stream(input, BufWriter::with_capacity(BUF, f), &name, &policy);
                    if res.is_err() {
                        // A half-written file would pass for a result.
                        let _ = fs::remove_file(out);
                    }
                    res?;
                }
                None => {
                    let stdout = io::stdout().lock();
                    let res =
                        score_stream(input, BufWriter::with_capacity(BUF, stdout), &name, &policy);
                    // `mops backtest f.csv | head` is not an error.
                    match res {
                        Err(BacktestError::Io { source, .. })
                            if source.kind() == io::ErrorKind::BrokenPipe => {}
                        other => {
                            other?;
                        }
                    }
                }
            }
            Ok(())
        }
        (None, Some(dir), Some(out)) => run_tree(dir, out, &policy),
        _ => Err(BacktestError::Usage(
            "give either FILE or --recursive DIR --output-dir OUT".into(),
        )),
    }
}

/// Score one CSV stream. `name` prefixes error messages ("name:line: ...").
/// Returns the number of data rows written.
pub fn score_stream<R: BufRead, W: Write>(
    mut input: R,
    mut output: W,
    name: &str,
    policy: &AnomalyPolicy,
) -> Result<u64, BacktestError> {
    let row_err = |line: u64, msg: String| BacktestError::Row {
        path: name.to_string(),
        line,
        msg,
    };
    let out_err = |source| BacktestError::Io {
        path: format!("{name} (output)"),
        source,
    };
    let mut detector = Detector::new(*policy, f64::MIN_POSITIVE.sqrt());
    let mut buf = Vec::with_capacity(256);
    let mut line_no = 0u64;
    let mut rows = 0u64;
    let mut prev: Option<(i64, u32, u64)> = None;
    let mut score_buf = [0u8; 7];
    // Only the first non-blank line may be a header.
    let mut seen_line = false;
    output.write_all(HEADER).map_err(out_err)?;
    loop {
        buf.clear();
        if input.read_until(b'\n', &mut buf).map_err(io_err(name))? == 0 {
            break;
        }
        line_no += 1;
        let mut line = trim(&buf);
        if line_no == 1 {
            line = line
                .strip_prefix(b"\xEF\xBB\xBF".as_slice())
                .unwrap_or(line);
        }
        if line.is_empty() {
            continue;
        }
        let Some(comma) = line.iter().position(|&b| b == b',') else {
            return Err(row_err(
                line_no,
                "expected two columns `timestamp,value`".into(),
            ));
        };
        let ts_field = unquote(trim(&line[..comma]));
        let value_field = unquote(trim(&line[comma + 1..]));
        if value_field.contains(&b',') {
            return Err(row_err(
                line_no,
                "expected two columns `timestamp,value`, found more".into(),
            ));
        }
        let value = std::str::from_utf8(value_field)
            .ok()
            .and_then(|s| s.parse::<f64>().ok());
        let Some((secs, nanos)) = parse_timestamp(ts_field) else {
            if !seen_line && value.is_none() {
                seen_line = true;
                continue; // the optional header row
            }
            return Err(row_err(
                line_no,
                format!(
                    "bad timestamp {:?} (expected RFC 3339 or YYYY-MM-DD HH:MM:SS)",
                    String::from_utf8_lossy(ts_field)
                ),
            ));
        };
        let value = match value {
            Some(v) if v.is_finite() => v,
            _ => {
                return Err(row_err(
                    line_no,
                    format!(
                        "bad value {:?} (expected a finite number)",
                        String::from_utf8_lossy(value_field)
                    ),
                ));
            }
        };
        if let Some((ps, pn, pl)) = prev {
            if (secs, nanos) < (ps, pn) {
                return Err(row_err(
                    line_no,
                    format!(
                        "timestamp {} is earlier than the previous row's (line {pl}); rows must be in time order",
                        String::from_utf8_lossy(ts_field)
                    ),
                ));
            }
        }
        prev = Some((secs, nanos, line_no));
        seen_line = true;
        let score = detector.observe(secs, value).map_or(0.0, |s| s.score);
        output.write_all(ts_field).map_err(out_err)?;
        output.write_all(b",").map_err(out_err)?;
        output.write_all(value_field).map_err(out_err)?;
        output.write_all(b",").map_err(out_err)?;
        output
            .write_all(format_score(score, &mut score_buf))
            .map_err(out_err)?;
        output.write_all(b"\n").map_err(out_err)?;
        rows += 1;
    }
    output.flush().map_err(out_err)?;
    Ok(rows)
}

fn trim(b: &[u8]) -> &[u8] {
    b.trim_ascii()
}

fn unquote(b: &[u8]) -> &[u8] {
    match b {
        [b'"', inner @ .., b'"'] => inner,
        _ => b,
    }
}

/// Four decimals without going through float formatting.
fn format_score(score: f64, buf: &mut [u8; 7]) -> &[u8] {
    let n = (score.clamp(0.0, 1.0) * 10_000.0).round() as u32;
    if n >= 10_000 {
        return b"1.0000";
    }
    buf[0] = b'0';
    buf[1] = b'.';
    let mut n = n;
    for i in (2..6).rev() {
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
    }
    &buf[..6]
}

fn run_tree(dir: &Path, out: &Path, policy: &AnomalyPolicy) -> Result<(), BacktestError> {
    let dir_name = dir.display().to_string();
    let root = dir.canonicalize().map_err(io_err(&dir_name))?;
    fs::create_dir_all(out).map_err(io_err(&out.display().to_string()))?;
    let out_root = out.canonicalize().ok();
    let mut files = Vec::new();
    collect_csvs(&root, out_root.as_deref(), &mut files)?;
    let mut failed = 0;
    for file in &files {
        let rel = file.strip_prefix(&root).unwrap_or(file);
        let target = out.join(rel);
        if let Err(e) = score_file(file, &target, policy) {
            eprintln!("error: {e}");
            failed += 1;
        }
    }
    if failed > 0 {
        return Err(BacktestError::Files {
            failed,
            total: files.len(),
        });
    }
    Ok(())
}

fn score_file(input: &Path, target: &Path, policy: &AnomalyPolicy) -> Result<u64, BacktestError> {
    let name = input.display().to_string();
    let target_name = target.display().to_string();
    if let Some(parent) = target.parent() {
        fs::create_dir_all(parent).map_err(io_err(&target_name))?;
    }
    let r = BufReader::with_capacity(BUF, File::open(input).map_err(io_err(&name))?);
    let w = BufWriter::with_capacity(BUF, File::create(target).map_err(io_err(&target_name))?);
    let res = score_stream(r, w, &name, policy);
    if res.is_err() {
        let _ = fs::remove_file(target);
    }
    res
}

/// Every `*.csv` below `dir` in sorted order, skipping the output tree (it
/// may live inside the input tree) and not following symlinked directories.
fn collect_csvs(
    dir: &Path,
    skip: Option<&Path>,
    out: &mut Vec<PathBuf>,
) -> Result<(), BacktestError> {
    let name = dir.display().to_string();
    let mut entries: Vec<_> = fs::read_dir(dir)
        .map_err(io_err(&name))?
        .collect::<Result<_, _>>()
        .map_err(io_err(&name))?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let path = e.path();
        let ft = e.file_type().map_err(io_err(&name))?;
        if ft.is_dir() {
            if skip != Some(path.as_path()) {
                collect_csvs(&path, skip, out)?;
            }
        } else if path
            .extension()
            .is_some_and(|x| x.eq_ignore_ascii_case("csv"))
            && (ft.is_file() || path.is_file())
        {
            out.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_str(input: &str) -> Result<String, BacktestError> {
        let mut out = Vec::new();
        score_stream(
            input.as_bytes(),
            &mut out,
            "t.csv",
            &AnomalyPolicy::default(),
        )?;
        Ok(String::from_utf8(out).expect("we only write ASCII and echoed UTF-8"))
    }

    #[test]
    fn format_score_table() {
        let mut b = [0u8; 7];
        for (s, want) in [
            (0.0, "0.0000"),
            (0.00004, "0.0000"),
            (0.5, "0.5000"),
            (0.99996, "1.0000"),
            (1.0, "1.0000"),
            (0.1234, "0.1234"),
        ] {
            assert_eq!(format_score(s, &mut b), want.as_bytes(), "{s}");
        }
    }

    #[test]
    fn header_optional_and_echoed_fields() {
        let a = run_str("timestamp,value\n2026-01-01T00:00:00Z,1.50\n").expect("valid");
        let b = run_str("2026-01-01T00:00:00Z,1.50\n").expect("valid");
        let c = run_str("\u{feff}2026-01-01T00:00:00Z, \"1.50\"\r\n\n").expect("valid");
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert_eq!(
            a,
            "timestamp,value,anomaly_score\n2026-01-01T00:00:00Z,1.50,0.0000\n"
        );
    }

    #[test]
    fn errors_name_file_and_line() {
        let cases = [
            (
                "2026-01-01 00:00:00,1\n2026-01-01 00:00:00,x\n",
                "t.csv:2: bad value",
            ),
            ("2026-01-01 00:00:00,1\nnope,2\n", "t.csv:2: bad timestamp"),
            (
                "2026-01-02 00:00:00,1\n\n2026-01-01 00:00:00,2\n",
                "t.csv:3: timestamp 2026-01-01 00:00:00 is earlier",
            ),
            ("2026-01-01 00:00:00,1,3\n", "t.csv:1: expected two columns"),
            ("2026-01-01 00:00:00\n", "t.csv:1: expected two columns"),
            ("2026-01-01 00:00:00,inf\n", "t.csv:1: bad value"),
            ("ts,value\nts,value\n", "t.csv:2: bad timestamp"),
        ];
        for (input, want) in cases {
            let err = run_str(input).expect_err(input).to_string();
            assert!(err.starts_with(want), "{input:?}: {err}");
        }
    }
}
