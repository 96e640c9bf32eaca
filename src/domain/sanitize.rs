//! Every string that arrives from an API passes through [`clean`] exactly once,
//! at ingestion, so nothing downstream (TUI, logs, CSV, Markdown) can be made
//! to emit terminal control sequences or visually reorder text.

/// Longest string kept from an API field; longer ones are cut with an ellipsis.
pub const MAX_LEN: usize = 256;

/// Strip ESC/CSI/OSC/DCS sequences, show other C0/C1 controls as visible
/// `\u{FFFD}`-free escapes (`^X`), drop bidi overrides and zero-width
/// characters, expand tabs to a space and cap the length.
pub fn clean(input: &str) -> String {
    clean_with_limit(input, MAX_LEN)
}

pub fn clean_with_limit(input: &str, limit: usize) -> String {
    let mut out = String::with_capacity(input.len().min(limit + 4));
    let mut chars = input.chars().peekable();
    let mut kept = 0usize;
    while let Some(c) = chars.next() {
        if kept >= limit {
            out.push('…');
            break;
        }
        match c {
            '\u{1b}' => skip_escape(&mut chars),
            // C1 CSI / OSC / DCS / APC / PM / SOS introducers: consume like ESC forms.
            '\u{9b}' => skip_csi(&mut chars),
            '\u{9d}' | '\u{90}' | '\u{9e}' | '\u{9f}' | '\u{98}' => skip_string(&mut chars),
            '\t' => {
                out.push(' ');
                kept += 1;
            }
            '\n' | '\r' => {
                out.push(' ');
                kept += 1;
            }
            c if is_invisible(c) => {}
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push('^');
                out.push(char::from_u32((c as u32) ^ 0x40).unwrap_or('?'));
                kept += 2;
            }
            c if ('\u{80}'..='\u{9f}').contains(&c) => {
                out.push_str(&format!("<U+{:04X}>", c as u32));
                kept += 8;
            }
            c => {
                out.push(c);
                kept += 1;
            }
        }
    }
    out
}

fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{200b}'..='\u{200f}' // zero-width space/joiners, LRM/RLM
        | '\u{202a}'..='\u{202e}' // bidi embeddings and overrides
        | '\u{2060}'..='\u{2064}' // word joiner, invisible operators
        | '\u{2066}'..='\u{2069}' // bidi isolates
        | '\u{feff}' // zero-width no-break space / BOM
        | '\u{061c}' // Arabic letter mark
    )
}

fn skip_escape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    match chars.next() {
        Some('[') => skip_csi(chars),
        Some(']') | Some('P') | Some('X') | Some('^') | Some('_') => skip_string(chars),
        // Two-byte escapes (ESC c, ESC 7, ESC ( B ...): drop the intermediates too.
        Some(c) if ('\u{20}'..='\u{2f}').contains(&c) => {
            chars.next();
        }
        _ => {}
    }
}

/// CSI: parameters and intermediates up to a final byte in 0x40..=0x7E.
fn skip_csi(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    for c in chars.by_ref() {
        if ('\u{40}'..='\u{7e}').contains(&c) {
            break;
        }
    }
}

/// OSC/DCS/APC/PM/SOS: everything up to BEL, ST (ESC \) or C1 ST.
fn skip_string(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while let Some(c) = chars.next() {
        match c {
            '\u{7}' | '\u{9c}' => break,
            '\u{1b}' => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                break;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        let cases: &[(&str, &str)] = &[
            ("plain", "plain"),
            ("a\u{1b}]0;pwned\u{7}b", "ab"),
            ("a\u{1b}]8;;http://x\u{1b}\\link\u{1b}]8;;\u{1b}\\", "alink"),
            ("\u{1b}[31mred\u{1b}[0m", "red"),
            ("\u{1b}[2J\u{1b}[Hclear", "clear"),
            ("bell\u{7}", "bell^G"),
            ("tab\there", "tab here"),
            ("line\nbreak", "line break"),
            ("evil\u{202e}txt.exe", "eviltxt.exe"),
            ("zero\u{200b}width\u{feff}", "zerowidth"),
            ("iso\u{2066}late\u{2069}", "isolate"),
            ("c1\u{9b}31mx", "c1x"),
            ("del\u{7f}", "del^?"),
            ("café ✓", "café ✓"),
        ];
        for (input, want) in cases {
            assert_eq!(clean(input), *want, "input {input:?}");
        }
    }

    #[test]
    fn caps_length() {
        let long = "x".repeat(1000);
        let out = clean(&long);
        assert_eq!(out.chars().count(), MAX_LEN + 1);
        assert!(out.ends_with('…'));
    }

    #[test]
    fn output_never_contains_controls() {
        let nasty: String = (0u32..0x200).filter_map(char::from_u32).collect();
        let out = clean_with_limit(&nasty, 10_000);
        assert!(
            !out.chars()
                .any(|c| (c as u32) < 0x20 || (0x7f..=0x9f).contains(&(c as u32)))
        );
    }
}
