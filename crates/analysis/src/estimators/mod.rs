//! The ten non-IID estimators of SP 800-90B section 6.3, one module each.
//!
//! Every estimator takes symbols already translated to a dense alphabet `0..k`
//! (see [`crate::symbols::Symbols::translated`]); the binary-only ones (Collision, Markov,
//! Compression) take a bitstring of 0/1 bytes.

mod bit_tuples;
pub mod collision;
pub mod compression;
pub mod confidence;
mod context_table;
pub mod lag;
pub mod lrs;
pub mod lz78y;
pub mod markov;
pub mod mcv;
pub mod multi_mcw;
pub mod multi_mmc;
pub mod predictor;
pub(crate) mod suffix;
pub mod t_tuple;
pub mod tuples;

/// Test data for the bitstring paths: `n` bits from a xorshift generator, each 1 with
/// probability `ones_in_16` / 16.
#[cfg(test)]
fn random_bits(n: usize, seed: u64, ones_in_16: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            u8::from(x % 16 < ones_in_16)
        })
        .collect()
}
