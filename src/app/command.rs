//! The `:` command line: view switches and quit, with prefix completion.

use super::View;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Show(View),
    Quit,
}

/// Every command name, in completion order.
pub const COMMANDS: [(&str, Command); 10] = [
    ("overview", Command::Show(View::Overview)),
    ("campaigns", Command::Show(View::Campaigns)),
    ("alerts", Command::Show(View::Alerts)),
    ("sync", Command::Show(View::Sync)),
    ("throttles", Command::Show(View::Throttles)),
    ("approvals", Command::Show(View::Approvals)),
    ("help", Command::Show(View::Help)),
    ("outbox", Command::Show(View::Outbox)),
    ("q", Command::Quit),
    ("quit", Command::Quit),
];

/// Syntax notes the help screen lists after the keys.
pub const HELP_NOTES: [(&str, &str); 3] = [
    (
        ":overview :campaigns :alerts",
        ":sync :throttles :approvals :outbox :help :q (Tab completes)",
    ),
    (
        "/status=paused health<60",
        "filter campaigns: status channel owner provider health pacing ctr",
    ),
    (
        "/winter channel!=sms",
        "plain words match name or id; = != < <= > >=; Esc clears",
    ),
];

/// Exact names, then a unique prefix (`:al` is `:alerts`).
pub fn parse(text: &str) -> Result<Command, String> {
    let word = text.trim();
    if let Some((_, c)) = COMMANDS.iter().find(|(n, _)| *n == word) {
        return Ok(*c);
    }
    match candidates(word).as_slice() {
        [only] => parse(only),
        [] => Err(format!("unknown command :{word}")),
        many => Err(format!(":{word} is ambiguous: {}", many.join(", "))),
    }
}

pub fn candidates(prefix: &str) -> Vec<&'static str> {
    let prefix = prefix.trim();
    COMMANDS
        .iter()
        .map(|(n, _)| *n)
        .filter(|n| n.starts_with(prefix))
        .collect()
}

/// Extend `text` to the longest prefix shared by every candidate.
pub fn complete(text: &str) -> String {
    let cands = candidates(text);
    let Some(first) = cands.first() else {
        return text.to_string();
    };
    let mut common = first.len();
    for c in &cands[1..] {
        common = first
            .bytes()
            .zip(c.bytes())
            .take(common)
            .take_while(|(a, b)| a == b)
            .count();
    }
    if common > text.trim().len() {
        first[..common].to_string()
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_exact_and_prefix() {
        assert_eq!(parse("alerts"), Ok(Command::Show(View::Alerts)));
        assert_eq!(parse(" al "), Ok(Command::Show(View::Alerts)));
        assert_eq!(parse("q"), Ok(Command::Quit));
        assert_eq!(parse("th"), Ok(Command::Show(View::Throttles)));
        assert!(parse("a").unwrap_err().contains("ambiguous"));
        assert!(parse("zz").unwrap_err().contains("unknown"));
    }

    #[test]
    fn completion_extends_to_common_prefix() {
        assert_eq!(complete("ca"), "campaigns");
        assert_eq!(complete("a"), "a");
        assert_eq!(complete("ap"), "approvals");
        assert_eq!(complete("qu"), "quit");
        assert_eq!(complete("x"), "x");
        assert_eq!(candidates("a"), vec!["alerts", "approvals"]);
    }
}
