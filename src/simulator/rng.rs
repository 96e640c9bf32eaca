//! A stateless, seeded hash "PRNG": every random draw is a pure function of
//! (seed, key parts), so the world at any simulated time can be recomputed
//! without replaying a generator and two runs with one seed agree bit for bit.

/// splitmix64 finaliser: a cheap, well-mixed 64-bit bijection.
pub fn mix(z: u64) -> u64 {
    let mut z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Hash of the seed and a key (entity index, hour, metric tag, ...).
pub fn hash(seed: u64, parts: &[u64]) -> u64 {
    parts.iter().fold(mix(seed), |acc, p| mix(acc ^ *p))
}

/// Uniform draw in `[0, 1)`.
pub fn unit(seed: u64, parts: &[u64]) -> f64 {
    (hash(seed, parts) >> 11) as f64 / (1u64 << 53) as f64
}

/// Uniform draw in `[lo, hi)`.
pub fn range(seed: u64, parts: &[u64], lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * unit(seed, parts)
}

/// Deterministic choice from a non-empty slice.
pub fn pick<'a, T>(seed: u64, parts: &[u64], items: &'a [T]) -> &'a T {
    let i = (hash(seed, parts) % items.len().max(1) as u64) as usize;
    &items[i.min(items.len().saturating_sub(1))]
}

/// Hash of a byte string, for ETags and idempotency fingerprints.
pub fn hash_bytes(bytes: &[u8]) -> u64 {
    bytes.chunks(8).fold(mix(bytes.len() as u64), |acc, chunk| {
        let mut word = [0u8; 8];
        word[..chunk.len()].copy_from_slice(chunk);
        mix(acc ^ u64::from_le_bytes(word))
    })
}

/// Key-part tags so draws for different purposes never collide.
pub mod tag {
    pub const CAMPAIGN: u64 = 1;
    pub const METRIC: u64 = 2;
    pub const STOCK: u64 = 3;
    pub const SYNC: u64 = 4;
    pub const APPROVAL: u64 = 5;
    pub const FAULT_ERROR: u64 = 6;
    pub const FAULT_MALFORMED: u64 = 7;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_are_deterministic_and_spread() {
        assert_eq!(hash(42, &[1, 2, 3]), hash(42, &[1, 2, 3]));
        assert_ne!(hash(42, &[1, 2, 3]), hash(43, &[1, 2, 3]));
        assert_ne!(hash(42, &[1, 2, 3]), hash(42, &[1, 3, 2]));
        let mean: f64 = (0..10_000).map(|i| unit(7, &[i])).sum::<f64>() / 10_000.0;
        assert!((mean - 0.5).abs() < 0.02, "{mean}");
        assert!((0..1000).all(|i| (0.0..1.0).contains(&unit(1, &[i]))));
        assert_ne!(hash_bytes(b"abc"), hash_bytes(b"abd"));
    }
}
