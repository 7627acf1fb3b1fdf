//! The length of a bzip2 stream, computed without writing it.
//!
//! The compression statistic (SP 800-90B section 5.1.11) needs only the length of the
//! compressed text, for the original sequence and every permutation that runs: about 30
//! compressions on an IID-looking 1,000,000-sample file, 10,000 with `--all-statistics`. So
//! this module reproduces libbz2's (1.0.8) compressor as far as it decides the length and no
//! further: its block cutting ([`blocks`]), the Burrows-Wheeler column ([`bwt`], computed by
//! a faster rotation sort: the column is unique; over tokens for decimal text, [`tokens`]),
//! and its entropy-coding choices
//! ([`coding`]), counting bits instead of writing them. CRCs and the origin pointer have
//! fixed widths and are not computed. Tests check the length against the `bzip2` crate
//! (libbz2-rs, a port of libbz2) on text and on arbitrary bytes, across block sizes.
//!
//! [`compressed_len`] takes any input and is the definition the statistic is tested
//! against; the statistic itself calls [`samples::compressed_len`], which gives the same
//! length for the samples' decimal text without writing it (the text's tokens are known from
//! the samples, so blocks are cut and token-sorted from the samples directly).

use std::cell::RefCell;

pub mod blocks;
pub mod bwt;
pub mod coding;
pub mod samples;
pub mod tokens;

/// Stream header ("BZh" and the level) and trailer (magic and combined CRC), in bits.
const STREAM_BITS: u64 = 32 + 48 + 32;
/// Block header: magic, CRC, the randomised flag and the origin pointer, in bits.
const BLOCK_HEADER_BITS: u64 = 48 + 32 + 1 + 24;

/// The length in bytes of `input` compressed by libbz2 at block size `level` (clamped to
/// 1..=9) with the default work factor (the work factor changes only how libbz2 sorts, never
/// what it writes), all input given at once with `BZ_FINISH`, as
/// `BZ2_bzBuffToBuffCompress` (which the reference tool calls) does. Feeding the input in
/// "run" mode first and finishing afterwards, as python's `bz2.compress` and the `bzip2`
/// command do, cuts a block differently when the input ends exactly as a block fills.
pub fn compressed_len(input: &[u8], level: u32) -> u64 {
    compressed_len_of(input, blocks::limit(level))
}

/// [`compressed_len`] with a block limit of `limit` bytes (see [`blocks::for_each_block`]).
pub fn compressed_len_of(input: &[u8], limit: usize) -> u64 {
    thread_local! {
        // Buffers kept per thread: permutations are compressed one after another.
        static WORK: RefCell<(bwt::Sorter, Vec<u8>)> = RefCell::default();
    }
    WORK.with_borrow_mut(|(sorter, last)| {
        let mut bits = STREAM_BITS;
        blocks::for_each_block(input, limit, |b| {
            sorter.last_column(&b.bytes, last);
            bits += BLOCK_HEADER_BITS + coding::coded_bits(last, &b.in_use);
        });
        bits.div_ceil(8)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iid::compression::as_text;
    use crate::rng::Rng;
    use bzip2::{Action, Compress, Compression, Status};
    use proptest::prelude::*;

    /// The length libbz2-rs writes.
    fn libbz2_len(input: &[u8], level: u32) -> u64 {
        let mut c = Compress::new(Compression::new(level), 0);
        let mut out = Vec::with_capacity(input.len() + input.len() / 100 + 601);
        let status = c.compress_vec(input, &mut out, Action::Finish).unwrap();
        assert_eq!(status, Status::StreamEnd);
        out.len() as u64
    }

    fn samples(n: usize, k: u64, seed: u64) -> Vec<u8> {
        let mut r = Rng::new(seed, 0);
        (0..n).map(|_| r.below(k) as u8).collect()
    }

    #[test]
    fn equals_libbz2_on_sample_text() {
        // Alphabets from binary to 8-bit, one to several blocks at levels 1 and 5.
        for (n, k, level) in [
            (1_000, 2, 5),
            (30_000, 2, 1),
            (60_000, 16, 1),
            (100_000, 256, 1),
            (200_000, 256, 5),
            (300_000, 3, 1),
        ] {
            let text = as_text(&samples(n, k, n as u64 + k));
            assert_eq!(
                compressed_len(&text, level),
                libbz2_len(&text, level),
                "n {n}, k {k}, level {level}"
            );
        }
    }

    #[test]
    fn equals_libbz2_on_structured_text() {
        // Sorted, periodic and skewed data: long repeats, long zero runs, few symbols.
        let ramp: Vec<u8> = (0..60_000u32).map(|i| (i / 3_000) as u8).collect();
        let period: Vec<u8> = (0..60_000u32).map(|i| (i % 17) as u8).collect();
        let mut r = Rng::new(5, 0);
        let skew: Vec<u8> = (0..60_000)
            .map(|_| {
                if r.below(50) == 0 {
                    r.below(256) as u8
                } else {
                    7
                }
            })
            .collect();
        for data in [ramp, period, skew] {
            let text = as_text(&data);
            for level in [1, 5] {
                assert_eq!(compressed_len(&text, level), libbz2_len(&text, level));
            }
        }
    }

    #[test]
    fn equals_libbz2_on_skewed_sample_text() {
        // One value at 50% to 99% of the samples (the sort's variable-width keys), several
        // level-1 blocks each; the samples' path and the text's give libbz2's length.
        let mut r = Rng::new(14, 0);
        for skew in [50, 80, 95, 99] {
            let data: Vec<u8> = (0..120_000)
                .map(|_| {
                    if r.below(100) < skew {
                        0
                    } else {
                        r.below(256) as u8
                    }
                })
                .collect();
            let text = as_text(&data);
            let expected = libbz2_len(&text, 1);
            assert_eq!(compressed_len(&text, 1), expected, "skew {skew}");
            assert_eq!(
                samples::compressed_len(&data, blocks::limit(1)),
                expected,
                "skew {skew}"
            );
        }
    }

    #[test]
    fn equals_libbz2_on_binary_and_four_bit_sample_text() {
        // Two or sixteen values and each block's wrap token (a third or seventeenth symbol
        // that widens every packed code by a bit), binary text in full level-5 blocks.
        for (bits, level, seed) in [(1u32, 5u32, 21u64), (4, 1, 22)] {
            let mut r = Rng::new(seed, 0);
            let data: Vec<u8> = (0..300_000).map(|_| r.below(1 << bits) as u8).collect();
            let text = as_text(&data);
            let expected = libbz2_len(&text, level);
            assert_eq!(compressed_len(&text, level), expected, "{bits} bits");
            assert_eq!(
                samples::compressed_len(&data, blocks::limit(level)),
                expected,
                "{bits} bits"
            );
        }
    }

    #[test]
    fn equals_libbz2_on_bytes_with_long_runs() {
        // Runs of every length around the run-coding limits, crossing block boundaries.
        let mut r = Rng::new(11, 0);
        let mut data = Vec::new();
        while data.len() < 250_000 {
            let len = match r.below(4) {
                0 => 1 + r.below(3),
                1 => 4 + r.below(4),
                2 => 250 + r.below(10),
                _ => 500 + r.below(300),
            } as usize;
            let b = r.below(256) as u8;
            data.extend(std::iter::repeat_n(b, len));
        }
        for level in [1, 2] {
            assert_eq!(compressed_len(&data, level), libbz2_len(&data, level));
        }
        let random: Vec<u8> = samples(120_000, 256, 12);
        assert_eq!(compressed_len(&random, 1), libbz2_len(&random, 1));
    }

    #[test]
    fn equals_libbz2_when_the_input_ends_as_a_block_fills() {
        // Level 1 limit + 1 single bytes: the last byte, pending when the block fills, joins
        // that block (python's run-then-finish compression would start a second block).
        let limit = 100_000 - 19;
        let data: Vec<u8> = (0..limit + 3).map(|i| (i % 3) as u8).collect();
        assert_eq!(compressed_len(&data[..limit + 1], 1), 47);
        for len in limit - 1..=limit + 3 {
            let d = &data[..len];
            assert_eq!(compressed_len(d, 1), libbz2_len(d, 1), "{len} bytes");
        }
        // The same with a run of two pending at the cut.
        let mut d = data[..limit - 1].to_vec();
        d.extend([7, 7]);
        assert_eq!(compressed_len(&d, 1), libbz2_len(&d, 1));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        #[test]
        fn equals_libbz2_on_arbitrary_bytes(
            data in proptest::collection::vec(0u8..8, 0..3_000),
            wide in proptest::collection::vec(any::<u8>(), 0..600),
            level in 1u32..=9,
        ) {
            prop_assert_eq!(compressed_len(&data, level), libbz2_len(&data, level));
            prop_assert_eq!(compressed_len(&wide, level), libbz2_len(&wide, level));
        }
    }
}

#[cfg(test)]
mod example {
    #[test]
    fn small_inputs() {
        // libbz2 writes 43 bytes for "1 2 3" and 14 for the empty input.
        assert_eq!(super::compressed_len(b"1 2 3", 5), 43);
        assert_eq!(super::compressed_len(b"", 9), 14);
    }
}
