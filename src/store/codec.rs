//! Compact binary encodings for history rows.
//!
//! A bucket: a byte with one bit per non-zero counter, a byte marking which of
//! those are non-negative integers below 2^53 (stored as LEB128 varints), then
//! the present values in counter order (varint, or f64 little-endian). Typical
//! counters take 15-25 bytes instead of 64, and every f64 round-trips exactly,
//! including -0.0 and NaN.
//!
//! A day row: a 24-bit little-endian mask of the hours present, then those
//! hours' buckets in order. One row per campaign per day keeps sled's
//! per-item overhead (which dominates at 10,000 campaigns x 90 days) 24x lower
//! than one item per hour.

/// Integral values up to this are exact as varints and as f64.
const MAX_EXACT: f64 = 9_007_199_254_740_992.0;

/// The hours of one UTC day; `None` where no bucket was recorded.
pub(super) type DayRow = [Option<[f64; 8]>; 24];

pub fn encode_bucket(values: &[f64; 8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(24);
    write_bucket(&mut out, values);
    out
}

/// Decodes exactly one bucket; trailing bytes are an error.
pub fn decode_bucket(bytes: &[u8]) -> Option<[f64; 8]> {
    let mut rest = bytes;
    let values = read_bucket(&mut rest)?;
    rest.is_empty().then_some(values)
}

pub(super) fn encode_day(row: &DayRow) -> Vec<u8> {
    let mask: u32 = row
        .iter()
        .enumerate()
        .filter(|(_, b)| b.is_some())
        .fold(0, |m, (h, _)| m | 1 << h);
    let mut out = Vec::with_capacity(3 + 20 * mask.count_ones() as usize);
    out.extend_from_slice(&mask.to_le_bytes()[..3]);
    for values in row.iter().flatten() {
        write_bucket(&mut out, values);
    }
    out
}

pub(super) fn decode_day(bytes: &[u8]) -> Option<DayRow> {
    let (mask, mut rest) = bytes.split_first_chunk::<3>()?;
    let mask = u32::from_le_bytes([mask[0], mask[1], mask[2], 0]);
    let mut row: DayRow = [None; 24];
    for (h, slot) in row.iter_mut().enumerate() {
        if mask & (1 << h) != 0 {
            *slot = Some(read_bucket(&mut rest)?);
        }
    }
    rest.is_empty().then_some(row)
}

fn write_bucket(out: &mut Vec<u8>, values: &[f64; 8]) {
    let at = out.len();
    out.extend_from_slice(&[0, 0]);
    let (mut present, mut integral) = (0u8, 0u8);
    for (i, &v) in values.iter().enumerate() {
        if v.to_bits() == 0 {
            continue;
        }
        present |= 1 << i;
        if v.is_sign_positive() && v.fract() == 0.0 && v < MAX_EXACT {
            integral |= 1 << i;
            let mut n = v as u64;
            while n >= 0x80 {
                out.push((n as u8 & 0x7f) | 0x80);
                n >>= 7;
            }
            out.push(n as u8);
        } else {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    out[at] = present;
    out[at + 1] = integral;
}

fn read_bucket(buf: &mut &[u8]) -> Option<[f64; 8]> {
    let (&[present, integral], mut body) = buf.split_first_chunk::<2>()?;
    let mut values = [0.0; 8];
    for (i, v) in values.iter_mut().enumerate() {
        if present & (1 << i) == 0 {
            continue;
        }
        if integral & (1 << i) != 0 {
            let mut n = 0u64;
            let mut shift = 0u32;
            loop {
                let (&b, tail) = body.split_first()?;
                body = tail;
                n |= u64::from(b & 0x7f).checked_shl(shift)?;
                if b & 0x80 == 0 {
                    break;
                }
                shift += 7;
                if shift > 63 {
                    return None;
                }
            }
            *v = n as f64;
        } else {
            let (raw, tail) = body.split_first_chunk::<8>()?;
            body = tail;
            *v = f64::from_le_bytes(*raw);
        }
    }
    *buf = body;
    Some(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_codec_is_exact() {
        let cases: [[f64; 8]; 4] = [
            [0.0; 8],
            [1.0, 2.0, 300.0, 40_000.0, 0.0, 0.0, 7.0, 12.34],
            [
                -0.0,
                f64::NAN,
                -5.0,
                0.5,
                MAX_EXACT,
                1e300,
                f64::INFINITY,
                1.0,
            ],
            [u32::MAX as f64; 8],
        ];
        for values in cases {
            let dec = decode_bucket(&encode_bucket(&values)).expect("decodes");
            for (a, b) in values.iter().zip(dec.iter()) {
                assert_eq!(a.to_bits(), b.to_bits(), "{values:?} -> {dec:?}");
            }
        }
        assert_eq!(encode_bucket(&[0.0; 8]).len(), 2);
        assert!(encode_bucket(&[1000.0, 990.0, 300.0, 40.0, 5.0, 1.0, 3.0, 12.5]).len() <= 20);
    }

    #[test]
    fn bucket_codec_rejects_garbage() {
        assert_eq!(decode_bucket(&[]), None);
        assert_eq!(decode_bucket(&[1, 1]), None);
        assert_eq!(decode_bucket(&[1, 0, 1, 2, 3]), None);
        assert_eq!(decode_bucket(&[1, 1, 0x80, 0x80]), None);
        assert_eq!(decode_bucket(&[0, 0, 9]), None);
    }

    #[test]
    fn day_rows_round_trip_sparse_hours() {
        let mut row: DayRow = [None; 24];
        row[0] = Some([1.0; 8]);
        row[13] = Some([0.0; 8]);
        row[23] = Some([2.5, 0.0, 3.0, 0.0, 0.0, 0.0, 0.0, -1.0]);
        let enc = encode_day(&row);
        assert_eq!(decode_day(&enc), Some(row));
        assert_eq!(decode_day(&encode_day(&[None; 24])), Some([None; 24]));
        assert_eq!(decode_day(&enc[..enc.len() - 1]), None);
        assert_eq!(decode_day(&[1, 0]), None);
    }
}
