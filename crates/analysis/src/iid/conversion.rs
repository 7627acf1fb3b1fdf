//! SP 800-90B section 5.1, binary data: Conversion I (number of ones in each 8-bit block)
//! and Conversion II (each 8-bit block read as a number, first bit most significant).
//! Like the reference, a final partial block is kept (its missing bits count as zeros).

/// Conversion I: the number of ones in each block of 8 bits.
///
/// ```
/// use kqent_analysis::iid::conversion::ones_per_byte;
/// assert_eq!(ones_per_byte(&[1, 1, 0, 0, 0, 0, 0, 1, 1, 0]), vec![3, 1]);
/// ```
pub fn ones_per_byte(bits: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bits.len().div_ceil(8));
    let mut chunks = bits.chunks_exact(8);
    for c in &mut chunks {
        // Eight 0/1 bytes in one word: the multiply adds them all into the top byte.
        let x = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        out.push((x.wrapping_mul(0x0101_0101_0101_0101) >> 56) as u8);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        out.push(rest.iter().sum());
    }
    out
}

/// Conversion II: each block of 8 bits as a byte, first bit most significant.
///
/// ```
/// use kqent_analysis::iid::conversion::pack_bytes;
/// assert_eq!(pack_bytes(&[1, 0, 0, 0, 0, 0, 0, 1, 1, 1]), vec![0x81, 0xC0]);
/// ```
pub fn pack_bytes(bits: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bits.len().div_ceil(8));
    let mut chunks = bits.chunks_exact(8);
    for c in &mut chunks {
        // Byte j (a 0/1 value) moves to bit 7 - j of the top byte; every partial product
        // lands on a distinct bit, so nothing carries.
        let x = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        out.push((x.wrapping_mul(0x8040_2010_0804_0201) >> 56) as u8);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        out.push(
            rest.iter()
                .enumerate()
                .fold(0u8, |acc, (i, &b)| acc | ((b & 1) << (7 - i))),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    #[test]
    fn word_tricks_match_bit_by_bit() {
        let mut r = Rng::new(5, 0);
        let bits: Vec<u8> = (0..10_003).map(|_| r.below(2) as u8).collect();
        let ones: Vec<u8> = bits.chunks(8).map(|c| c.iter().sum()).collect();
        let packed: Vec<u8> = bits
            .chunks(8)
            .map(|c| {
                c.iter()
                    .enumerate()
                    .fold(0u8, |a, (i, &b)| a | (b << (7 - i)))
            })
            .collect();
        assert_eq!(ones_per_byte(&bits), ones);
        assert_eq!(pack_bytes(&bits), packed);
        assert_eq!(pack_bytes(&[1; 8]), vec![255]);
        assert_eq!(ones_per_byte(&[1; 8]), vec![8]);
    }
}
