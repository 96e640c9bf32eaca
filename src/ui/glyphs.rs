//! Symbols with an ASCII fallback for terminals or locales without UTF-8.
//! Every status symbol is distinct in shape, so meaning never rests on colour.

use ratatui::symbols::border;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Glyphs {
    pub firing: &'static str,
    pub pending: &'static str,
    pub resolved: &'static str,
    pub critical: &'static str,
    pub warning: &'static str,
    pub ok: &'static str,
    pub throttled: &'static str,
    pub paused: &'static str,
    pub arrow: &'static str,
    pub sep: &'static str,
    pub dash: &'static str,
    pub infinity: &'static str,
    pub signed: &'static str,
    pub waiting: &'static str,
    pub rejected: &'static str,
    pub sort: &'static str,
    pub cursor: &'static str,
    pub border: border::Set<'static>,
    /// Sparkline levels, lowest first.
    pub spark: [&'static str; 9],
}

impl Glyphs {
    pub const UNICODE: Glyphs = Glyphs {
        firing: "●",
        pending: "○",
        resolved: "✓",
        critical: "✖",
        warning: "▲",
        ok: "✓",
        throttled: "◐",
        paused: "■",
        arrow: "→",
        sep: "│",
        dash: "–",
        infinity: "∞",
        signed: "✓",
        waiting: "…",
        rejected: "✗",
        sort: "▼",
        cursor: "█",
        border: border::ROUNDED,
        spark: [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"],
    };

    pub const ASCII: Glyphs = Glyphs {
        firing: "*",
        pending: "o",
        resolved: "v",
        critical: "X",
        warning: "!",
        ok: "+",
        throttled: "~",
        paused: "#",
        arrow: "->",
        sep: "|",
        dash: "-",
        infinity: "inf",
        signed: "+",
        waiting: "?",
        rejected: "x",
        sort: "v",
        cursor: "_",
        border: border::Set {
            top_left: "+",
            top_right: "+",
            bottom_left: "+",
            bottom_right: "+",
            vertical_left: "|",
            vertical_right: "|",
            horizontal_top: "-",
            horizontal_bottom: "-",
        },
        spark: [" ", ".", ".", ":", ":", "|", "|", "#", "#"],
    };
}
