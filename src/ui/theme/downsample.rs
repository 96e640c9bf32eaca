//! Colour depth reduction. ratatui passes `Color::Rgb` through untouched,
//! so on 256- and 16-colour terminals we pick the nearest colour ourselves.

use ratatui::style::Color;

/// xterm's 16 system colours, as most terminals ship them.
const ANSI16: [(Color, (u8, u8, u8)); 16] = [
    (Color::Black, (0, 0, 0)),
    (Color::Red, (205, 0, 0)),
    (Color::Green, (0, 205, 0)),
    (Color::Yellow, (205, 205, 0)),
    (Color::Blue, (0, 0, 238)),
    (Color::Magenta, (205, 0, 205)),
    (Color::Cyan, (0, 205, 205)),
    (Color::Gray, (229, 229, 229)),
    (Color::DarkGray, (127, 127, 127)),
    (Color::LightRed, (255, 0, 0)),
    (Color::LightGreen, (0, 255, 0)),
    (Color::LightYellow, (255, 255, 0)),
    (Color::LightBlue, (92, 92, 255)),
    (Color::LightMagenta, (255, 0, 255)),
    (Color::LightCyan, (0, 255, 255)),
    (Color::White, (255, 255, 255)),
];

const CUBE: [u8; 6] = [0, 95, 135, 175, 215, 255];

fn dist(a: (u8, u8, u8), b: (u8, u8, u8)) -> u32 {
    let d = |x: u8, y: u8| (i32::from(x) - i32::from(y)).pow(2) as u32;
    d(a.0, b.0) + d(a.1, b.1) + d(a.2, b.2)
}

/// RGB of an xterm 256-colour index.
fn indexed_rgb(i: u8) -> (u8, u8, u8) {
    match i {
        0..=15 => ANSI16[usize::from(i)].1,
        16..=231 => {
            let i = i - 16;
            (
                CUBE[usize::from(i / 36)],
                CUBE[usize::from(i / 6 % 6)],
                CUBE[usize::from(i % 6)],
            )
        }
        _ => {
            let v = 8 + (i - 232) * 10;
            (v, v, v)
        }
    }
}

/// Nearest xterm 256-colour index: the better of the 6x6x6 cube and the
/// 24-step grey ramp.
pub fn rgb_to_256(r: u8, g: u8, b: u8) -> u8 {
    let nearest = |v: u8| {
        (0..6)
            .min_by_key(|&i| (i32::from(CUBE[i]) - i32::from(v)).abs())
            .unwrap_or(0) as u8
    };
    let (ri, gi, bi) = (nearest(r), nearest(g), nearest(b));
    let cube = 16 + 36 * ri + 6 * gi + bi;
    let avg = ((u16::from(r) + u16::from(g) + u16::from(b)) / 3) as u8;
    let grey_step = (avg.saturating_sub(3) / 10).min(23);
    let grey = 232 + grey_step;
    if dist((r, g, b), indexed_rgb(grey)) < dist((r, g, b), indexed_rgb(cube)) {
        grey
    } else {
        cube
    }
}

pub fn rgb_to_16(rgb: (u8, u8, u8)) -> Color {
    ANSI16
        .iter()
        .min_by_key(|(_, c)| dist(rgb, *c))
        .map_or(Color::Reset, |(c, _)| *c)
}

pub(super) fn to_ansi256(c: Color) -> Color {
    match c {
        Color::Rgb(r, g, b) => Color::Indexed(rgb_to_256(r, g, b)),
        other => other,
    }
}

pub(super) fn to_ansi16(c: Color) -> Color {
    match c {
        Color::Rgb(r, g, b) => rgb_to_16((r, g, b)),
        Color::Indexed(i) if i < 16 => ANSI16[usize::from(i)].0,
        Color::Indexed(i) => rgb_to_16(indexed_rgb(i)),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downsampling() {
        assert_eq!(rgb_to_256(255, 0, 0), 196);
        assert_eq!(rgb_to_256(0, 0, 0), 16);
        assert_eq!(rgb_to_256(128, 128, 128), 244);
        assert_eq!(rgb_to_256(0x5f, 0xaf, 0xff), 75);
        assert_eq!(rgb_to_16((250, 10, 10)), Color::LightRed);
        assert_eq!(rgb_to_16((0x87, 0, 0)), Color::Red);
        assert_eq!(to_ansi16(Color::Indexed(196)), Color::LightRed);
        assert_eq!(to_ansi16(Color::Indexed(1)), Color::Red);
        assert_eq!(to_ansi16(Color::Yellow), Color::Yellow);
    }
}
