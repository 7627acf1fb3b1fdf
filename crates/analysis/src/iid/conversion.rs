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
    bits.chunks(8).map(|c| c.iter().sum()).collect()
}

/// Conversion II: each block of 8 bits as a byte, first bit most significant.
///
/// ```
/// use kqent_analysis::iid::conversion::pack_bytes;
/// assert_eq!(pack_bytes(&[1, 0, 0, 0, 0, 0, 0, 1, 1, 1]), vec![0x81, 0xC0]);
/// ```
pub fn pack_bytes(bits: &[u8]) -> Vec<u8> {
    bits.chunks(8)
        .map(|c| {
            c.iter()
                .enumerate()
                .fold(0u8, |acc, (i, &b)| acc | ((b & 1) << (7 - i)))
        })
        .collect()
}
