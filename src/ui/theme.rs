//! Themes: `themes/*.toml` embedded at build time, overridable by a file of
//! the same name in the user's theme directory, then adapted to the
//! terminal's colour depth. ratatui never downsamples `Color::Rgb`, so we do.

use std::path::Path;
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

use super::glyphs::Glyphs;
use crate::terminal::{Capabilities, ColorDepth};
use downsample::{to_ansi16, to_ansi256};

mod downsample;

pub use downsample::{rgb_to_16, rgb_to_256};

const BUILTIN: [(&str, &str); 4] = [
    ("dark", include_str!("../../themes/dark.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
    ("mono", include_str!("../../themes/mono.toml")),
];

#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    #[error("unknown theme {name:?} (built in: dark, light, high-contrast, mono)")]
    Unknown { name: String },
    #[error("cannot read theme file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("theme {name:?}: {source}")]
    Parse {
        name: String,
        source: toml::de::Error,
    },
    #[error("theme {name:?}: colour {key} = {value:?} is not a colour name or #rrggbb")]
    Colour {
        name: String,
        key: &'static str,
        value: String,
    },
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    name: Option<String>,
    #[serde(default)]
    mono: bool,
    #[serde(default)]
    colors: ColorsFile,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ColorsFile {
    text: Option<String>,
    muted: Option<String>,
    accent: Option<String>,
    border: Option<String>,
    ok: Option<String>,
    warn: Option<String>,
    crit: Option<String>,
    selection_fg: Option<String>,
    selection_bg: Option<String>,
    production_fg: Option<String>,
    production_bg: Option<String>,
    banner_fg: Option<String>,
    banner_bg: Option<String>,
}

/// Resolved colours. Missing keys in a user theme fall back to `dark`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Palette {
    pub text: Color,
    pub muted: Color,
    pub accent: Color,
    pub border: Color,
    pub ok: Color,
    pub warn: Color,
    pub crit: Color,
    pub selection_fg: Color,
    pub selection_bg: Color,
    pub production_fg: Color,
    pub production_bg: Color,
    pub banner_fg: Color,
    pub banner_bg: Color,
}

impl Palette {
    fn map(self, f: impl Fn(Color) -> Color) -> Palette {
        Palette {
            text: f(self.text),
            muted: f(self.muted),
            accent: f(self.accent),
            border: f(self.border),
            ok: f(self.ok),
            warn: f(self.warn),
            crit: f(self.crit),
            selection_fg: f(self.selection_fg),
            selection_bg: f(self.selection_bg),
            production_fg: f(self.production_fg),
            production_bg: f(self.production_bg),
            banner_fg: f(self.banner_fg),
            banner_bg: f(self.banner_bg),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub name: String,
    pub palette: Palette,
    /// No colour at all: every colour is `Reset` and emphasis is carried by
    /// modifiers (NO_COLOR, `mono`, or a terminal without colour).
    pub no_color: bool,
    pub glyphs: Glyphs,
}

impl Default for Theme {
    fn default() -> Self {
        parse("dark", BUILTIN[0].1, None).expect("the embedded dark theme parses (tested)")
    }
}

impl Theme {
    /// `user_dir/<name>.toml` if it exists, else the built-in theme `name`.
    pub fn load(name: &str, user_dir: Option<&Path>) -> Result<Theme, ThemeError> {
        let base = Theme::default().palette;
        if let Some(dir) = user_dir {
            let path = dir.join(format!("{name}.toml"));
            match std::fs::read_to_string(&path) {
                Ok(text) => return parse(name, &text, Some(base)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(source) => {
                    return Err(ThemeError::Read {
                        path: path.display().to_string(),
                        source,
                    });
                }
            }
        }
        let (_, text) = BUILTIN
            .iter()
            .find(|(n, _)| *n == name)
            .ok_or_else(|| ThemeError::Unknown { name: name.into() })?;
        parse(name, text, Some(base))
    }

    pub fn builtin_names() -> impl Iterator<Item = &'static str> {
        BUILTIN.iter().map(|(n, _)| *n)
    }

    /// Fit the theme to what the terminal can show.
    pub fn adapt(mut self, caps: Capabilities) -> Theme {
        self.glyphs = if caps.unicode {
            Glyphs::UNICODE
        } else {
            Glyphs::ASCII
        };
        match caps.color {
            ColorDepth::TrueColor => {}
            ColorDepth::Ansi256 => self.palette = self.palette.map(to_ansi256),
            ColorDepth::Ansi16 => self.palette = self.palette.map(to_ansi16),
            ColorDepth::NoColor => self.no_color = true,
        }
        if self.no_color {
            self.palette = self.palette.map(|_| Color::Reset);
        }
        self
    }

    fn fg(&self, c: Color) -> Style {
        Style::new().fg(c)
    }

    pub fn text(&self) -> Style {
        self.fg(self.palette.text)
    }
    pub fn muted(&self) -> Style {
        if self.no_color {
            return Style::new().add_modifier(Modifier::DIM);
        }
        self.fg(self.palette.muted)
    }
    pub fn accent(&self) -> Style {
        self.fg(self.palette.accent).add_modifier(Modifier::BOLD)
    }
    pub fn border(&self) -> Style {
        self.fg(self.palette.border)
    }
    pub fn ok(&self) -> Style {
        self.fg(self.palette.ok)
    }
    pub fn warn(&self) -> Style {
        self.fg(self.palette.warn)
    }
    pub fn crit(&self) -> Style {
        self.fg(self.palette.crit).add_modifier(Modifier::BOLD)
    }
    /// The highlighted row. Under no-colour, reverse video plus bold: a
    /// background colour would be reset away and leave nothing visible.
    pub fn selection(&self) -> Style {
        if self.no_color {
            return Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD);
        }
        Style::new()
            .fg(self.palette.selection_fg)
            .bg(self.palette.selection_bg)
            .add_modifier(Modifier::BOLD)
    }
    pub fn production(&self) -> Style {
        if self.no_color {
            return Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD);
        }
        Style::new()
            .fg(self.palette.production_fg)
            .bg(self.palette.production_bg)
            .add_modifier(Modifier::BOLD)
    }
    pub fn banner(&self) -> Style {
        if self.no_color {
            return Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD);
        }
        Style::new()
            .fg(self.palette.banner_fg)
            .bg(self.palette.banner_bg)
            .add_modifier(Modifier::BOLD)
    }
    /// Inline emphasis such as READONLY or FROZEN markers.
    pub fn marker(&self) -> Style {
        self.warn()
            .add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
    }
}

fn parse(name: &str, text: &str, base: Option<Palette>) -> Result<Theme, ThemeError> {
    let file: ThemeFile = toml::from_str(text).map_err(|source| ThemeError::Parse {
        name: name.into(),
        source,
    })?;
    let c = &file.colors;
    let colour =
        |key: &'static str, v: &Option<String>, fallback: Option<Color>| match (v, fallback) {
            (Some(v), _) => Color::from_str(v.trim()).map_err(|_| ThemeError::Colour {
                name: name.into(),
                key,
                value: v.clone(),
            }),
            (None, Some(f)) => Ok(f),
            (None, None) if file.mono => Ok(Color::Reset),
            (None, None) => Err(ThemeError::Colour {
                name: name.into(),
                key,
                value: String::new(),
            }),
        };
    let b = |f: fn(&Palette) -> Color| base.as_ref().map(f);
    let palette = Palette {
        text: colour("text", &c.text, b(|p| p.text))?,
        muted: colour("muted", &c.muted, b(|p| p.muted))?,
        accent: colour("accent", &c.accent, b(|p| p.accent))?,
        border: colour("border", &c.border, b(|p| p.border))?,
        ok: colour("ok", &c.ok, b(|p| p.ok))?,
        warn: colour("warn", &c.warn, b(|p| p.warn))?,
        crit: colour("crit", &c.crit, b(|p| p.crit))?,
        selection_fg: colour("selection_fg", &c.selection_fg, b(|p| p.selection_fg))?,
        selection_bg: colour("selection_bg", &c.selection_bg, b(|p| p.selection_bg))?,
        production_fg: colour("production_fg", &c.production_fg, b(|p| p.production_fg))?,
        production_bg: colour("production_bg", &c.production_bg, b(|p| p.production_bg))?,
        banner_fg: colour("banner_fg", &c.banner_fg, b(|p| p.banner_fg))?,
        banner_bg: colour("banner_bg", &c.banner_bg, b(|p| p.banner_bg))?,
    };
    let theme = Theme {
        name: file.name.unwrap_or_else(|| name.to_string()),
        palette,
        no_color: file.mono,
        glyphs: Glyphs::UNICODE,
    };
    Ok(if theme.no_color {
        Theme {
            palette: theme.palette.map(|_| Color::Reset),
            ..theme
        }
    } else {
        theme
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_parses() {
        for name in Theme::builtin_names() {
            let t = Theme::load(name, None).unwrap();
            assert_eq!(t.name, name);
        }
        assert!(Theme::load("mono", None).unwrap().no_color);
        assert!(matches!(
            Theme::load("neon", None),
            Err(ThemeError::Unknown { .. })
        ));
    }

    #[test]
    fn user_dir_overrides_by_name_and_falls_back_per_key() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("dark.toml"),
            "[colors]\ncrit = \"magenta\"\n",
        )
        .unwrap();
        let t = Theme::load("dark", Some(dir.path())).unwrap();
        assert_eq!(t.palette.crit, Color::Magenta);
        assert_eq!(t.palette.ok, Theme::default().palette.ok);
        // Not in the user dir: the built-in one.
        let l = Theme::load("light", Some(dir.path())).unwrap();
        assert_eq!(l.palette.crit, Color::Rgb(0xd7, 0, 0));

        std::fs::write(
            dir.path().join("bad.toml"),
            "[colors]\ncrit = \"ultraviolet\"\n",
        )
        .unwrap();
        let e = Theme::load("bad", Some(dir.path())).unwrap_err();
        assert!(e.to_string().contains("ultraviolet"), "{e}");
    }

    #[test]
    fn adapt_respects_depth() {
        let caps = |color| Capabilities {
            color,
            unicode: true,
        };
        let t = Theme::default().adapt(caps(ColorDepth::Ansi256));
        assert!(matches!(t.palette.crit, Color::Indexed(_)));
        let t = Theme::default().adapt(caps(ColorDepth::Ansi16));
        assert_eq!(t.palette.crit, Color::LightRed);
        let t = Theme::default().adapt(caps(ColorDepth::NoColor));
        assert!(t.no_color);
        assert_eq!(t.palette.crit, Color::Reset);
        assert_eq!(t.selection().bg, None);
        assert!(t.selection().add_modifier.contains(Modifier::REVERSED));
        let t = Theme::default().adapt(Capabilities {
            color: ColorDepth::TrueColor,
            unicode: false,
        });
        assert_eq!(t.glyphs, Glyphs::ASCII);
    }
}
