//! Suffix arrays and LCP arrays for the tuple estimators (t-Tuple 6.3.5, LRS 6.3.6).
//!
//! [`lcp_in_suffix_order`] returns, for each rank `r >= 1` of the suffix array, the length
//! of the longest common prefix of the suffixes of ranks `r - 1` and `r` (entry 0 is 0).
//!
//! `libsais` (induced sorting, linear time; about 3x faster than divsufsort, the library
//! the reference tool links, on the bitstrings of biased bytes, whose long zero runs slow
//! divsufsort's comparisons) sorts a text of overlapping windows that packs `8 / w`
//! symbols of `w` bits into each byte: the same order as the symbols themselves (padding
//! with the smallest symbol past the end keeps a suffix that runs out before its
//! extensions), with a larger alphabet that sorts much faster (a bitstring becomes a
//! 256-letter text). Bitstrings also get their LCPs extended 64 bits at a time from a
//! packed copy (`PackedBits`). Most bitstrings never come here: `bit_tuples` counts their
//! tuples in bounded memory and hands over only when the data has long repeats.
//!
//! The LCPs come from the Φ method of Kärkkäinen, Manzini and Puglisi, in the Φ array
//! itself, then gathered into suffix-array order over the suffix array. Peak memory: the
//! input, 4 bytes per symbol of suffix array and 4 of Φ (plus n/8 bytes of packed bits).

use std::cmp::Ordering;

/// Largest sequence the 32-bit suffix array can index.
pub const MAX_LEN: usize = i32::MAX as usize - 1;

/// LCP array in suffix-array order of `data` (symbols below `alphabet <= 256`; 0/1 when
/// `alphabet <= 2`). `data.len()` must be at least 1 and at most [`MAX_LEN`].
pub fn lcp_in_suffix_order(data: &[u8], alphabet: usize) -> Vec<i32> {
    if alphabet <= 2 {
        let packed = PackedBits::new(data);
        bit_lcps(sort_bits(data), &packed)
    } else {
        let sa = sort_bytes(data, alphabet);
        permuted_to_sorted(sa, |i, j, mut h| {
            while i + h < data.len() && j + h < data.len() && data[i + h] == data[j + h] {
                h += 1;
            }
            h
        })
    }
}

/// Suffix array of a bitstring (values 0/1), `1 <= bits.len() <= MAX_LEN`.
pub(crate) fn sort_bits(bits: &[u8]) -> Vec<i32> {
    sort_bytes(bits, 2)
}

/// The LCP array in suffix order of the bitstring `packed`, given its suffix array `sa`
/// (consumed: the LCPs take its place), by the Φ method.
pub(crate) fn bit_lcps(sa: Vec<i32>, packed: &PackedBits) -> Vec<i32> {
    permuted_to_sorted(sa, |i, j, h| packed.extend_match(i, j, h))
}

/// A bitstring packed most significant bit first, with a zero word of padding.
pub(crate) struct PackedBits {
    words: Vec<u64>,
    n: usize,
}

impl PackedBits {
    /// Packs 0/1 bytes (only the low bit of each is used).
    pub(crate) fn new(bits: &[u8]) -> Self {
        let mut words = vec![0u64; bits.len() / 64 + 2];
        for (word, chunk) in words.iter_mut().zip(bits.chunks(64)) {
            // A short last chunk lands in the high bits, zeros after it.
            *word =
                chunk.iter().fold(0u64, |w, &b| (w << 1) | u64::from(b & 1)) << (64 - chunk.len());
        }
        PackedBits {
            words,
            n: bits.len(),
        }
    }

    /// The 64 bits starting at bit `i`, zero past the end.
    pub(crate) fn key(&self, i: usize) -> u64 {
        let (w, s) = (i / 64, i % 64);
        let hi = self.words.get(w).copied().unwrap_or(0);
        if s == 0 {
            hi
        } else {
            let lo = self.words.get(w + 1).copied().unwrap_or(0);
            (hi << s) | (lo >> (64 - s))
        }
    }

    /// Compares suffixes `i != j`.
    #[cfg(test)]
    pub(crate) fn compare(&self, i: usize, j: usize) -> Ordering {
        self.compare_within(i, j, usize::MAX)
            .unwrap_or_else(|| unreachable!("suffixes end"))
    }

    /// Compares suffixes `i != j` if they differ (or one ends) within their first
    /// `max_words` 64-bit words; `None` when both go on past that, agreeing.
    pub(crate) fn compare_within(&self, i: usize, j: usize, max_words: usize) -> Option<Ordering> {
        let mut k = 0;
        for _ in 0..max_words {
            let (a, b) = (self.key(i + k), self.key(j + k));
            if a != b {
                return Some(a.cmp(&b));
            }
            let (left_i, left_j) = (self.n - i - k, self.n - j - k);
            if left_i <= 64 || left_j <= 64 {
                // One suffix ends here with the other agreeing (zeros past the end):
                // the shorter one is a prefix of the longer, so it comes first.
                return Some(left_i.cmp(&left_j));
            }
            k += 64;
        }
        None
    }

    /// The common prefix length of suffixes `i` and `j` and the number of 64-bit
    /// comparisons it took, or `None` when it takes more than `max_words` of them.
    #[inline]
    pub(crate) fn common_prefix_within(
        &self,
        i: usize,
        j: usize,
        max_words: usize,
    ) -> Option<(usize, usize)> {
        let limit = self.n - i.max(j);
        let mut h = 0;
        for words in 1..=max_words {
            if h >= limit {
                return Some((limit, words - 1));
            }
            let x = self.key(i + h) ^ self.key(j + h);
            if x != 0 {
                return Some(((h + x.leading_zeros() as usize).min(limit), words));
            }
            h += 64;
        }
        (h >= limit).then_some((limit, max_words))
    }

    /// Extends a known common prefix `h` of suffixes `i` and `j` to its full length.
    pub(crate) fn extend_match(&self, i: usize, j: usize, mut h: usize) -> usize {
        let limit = self.n - i.max(j);
        while h < limit {
            let x = self.key(i + h) ^ self.key(j + h);
            if x != 0 {
                h += x.leading_zeros() as usize;
                break;
            }
            h += 64;
        }
        h.min(limit)
    }
}

/// Suffix array via libsais over overlapping windows of `8 / w` symbols per byte.
fn sort_bytes(data: &[u8], alphabet: usize) -> Vec<i32> {
    let width = (usize::BITS - alphabet.saturating_sub(1).leading_zeros()).max(1) as usize;
    let per_byte = 8 / width;
    let n = data.len();
    let mut sa = vec![0i32; n];
    let packed;
    let text = if per_byte <= 1 {
        data
    } else {
        packed = windows(data, width, per_byte);
        &packed[..]
    };
    // Cannot fail: the buffer is as long as the text, which fits an i32 (MAX_LEN).
    libsais::SuffixArrayConstruction::for_text(text)
        .in_borrowed_buffer(&mut sa)
        .single_threaded()
        .run()
        .expect("libsais: text length checked against MAX_LEN");
    sa
}

/// The text [`sort_bytes`] sorts: byte `i` holds symbols `i .. i + per_byte` of `width`
/// bits each, the first in the highest bits, zeros past the end. Rolled one symbol per
/// byte rather than folded afresh from `per_byte`.
fn windows(data: &[u8], width: usize, per_byte: usize) -> Vec<u8> {
    let mask = (1u32 << (width * per_byte)) - 1;
    let lead = (per_byte - 1).min(data.len());
    // The first per_byte - 1 symbols, zeros past the end of a very short text.
    let mut acc = (0..per_byte - 1).fold(0u32, |acc, k| {
        (acc << width) | u32::from(data.get(k).copied().unwrap_or(0))
    });
    let mut roll = |s: u8| {
        acc = ((acc << width) | u32::from(s)) & mask;
        acc as u8
    };
    let mut out: Vec<u8> = data[lead..].iter().map(|&s| roll(s)).collect();
    // The last windows run past the end: zeros.
    out.extend((0..lead).map(|_| roll(0)));
    out
}

/// Φ-method LCPs, gathered into suffix-array order over `sa`. `extend(i, j, h)` returns
/// the common prefix length of suffixes `i` and `j`, knowing it is at least `h`.
fn permuted_to_sorted(mut sa: Vec<i32>, extend: impl Fn(usize, usize, usize) -> usize) -> Vec<i32> {
    const NONE: u32 = u32::MAX;
    let n = sa.len();
    let mut phi = vec![NONE; n];
    for r in 1..n {
        phi[sa[r] as usize] = sa[r - 1] as u32;
    }
    let mut h = 0usize;
    for (i, slot) in phi.iter_mut().enumerate() {
        if *slot == NONE {
            *slot = 0;
            h = 0;
            continue;
        }
        h = extend(i, *slot as usize, h);
        *slot = h as u32;
        h = h.saturating_sub(1);
    }
    // The suffix array is not needed once the LCPs are in its order.
    for slot in sa.iter_mut() {
        *slot = phi[*slot as usize] as i32;
    }
    if let Some(first) = sa.first_mut() {
        *first = 0;
    }
    sa
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimators::random_bits;

    fn naive_sa(data: &[u8]) -> Vec<i32> {
        let mut sa: Vec<i32> = (0..data.len() as i32).collect();
        sa.sort_by(|&a, &b| data[a as usize..].cmp(&data[b as usize..]));
        sa
    }

    fn naive_lcp(data: &[u8]) -> Vec<i32> {
        let sa = naive_sa(data);
        let mut lcp = vec![0i32; data.len()];
        for r in 1..sa.len() {
            let (a, b) = (&data[sa[r - 1] as usize..], &data[sa[r] as usize..]);
            lcp[r] = a.iter().zip(b).take_while(|(x, y)| x == y).count() as i32;
        }
        lcp
    }

    #[test]
    fn bit_lcps_match_naive_at_word_and_end_boundaries() {
        for (n, seed, ones) in [
            (1, 1, 8),
            (2, 2, 8),
            (63, 3, 8),
            (64, 4, 8),
            (65, 5, 1),
            (200, 6, 8),
            (1000, 7, 15),
            (3000, 8, 1),
        ] {
            let bits = random_bits(n, seed, ones);
            assert_eq!(lcp_in_suffix_order(&bits, 2), naive_lcp(&bits), "n={n}");
        }
        let zeros = vec![0u8; 3000];
        assert_eq!(lcp_in_suffix_order(&zeros, 2), naive_lcp(&zeros));
    }

    #[test]
    fn packed_comparison_orders_like_slices() {
        let bits = random_bits(700, 9, 2);
        let packed = PackedBits::new(&bits);
        for i in (0..700).step_by(7) {
            for j in (0..700).step_by(11) {
                if i != j {
                    assert_eq!(packed.compare(i, j), bits[i..].cmp(&bits[j..]), "{i} {j}");
                }
            }
        }
    }

    /// The windows as first written: each folded afresh from its symbols.
    fn windows_by_definition(data: &[u8], width: usize, per_byte: usize) -> Vec<u8> {
        let n = data.len();
        (0..n)
            .map(|i| {
                (0..per_byte).fold(0u8, |acc, k| {
                    let sym = if i + k < n { data[i + k] } else { 0 };
                    (acc << width) | sym
                })
            })
            .collect()
    }

    /// Bits packed one by one, as first written.
    fn packed_by_definition(bits: &[u8]) -> Vec<u64> {
        let mut words = vec![0u64; bits.len() / 64 + 2];
        for (i, &b) in bits.iter().enumerate() {
            words[i / 64] |= u64::from(b & 1) << (63 - i % 64);
        }
        words
    }

    /// Random, periodic (a random period repeated) or constant symbols below `2^width`.
    fn texts() -> impl proptest::strategy::Strategy<Value = (Vec<u8>, usize)> {
        use proptest::prelude::*;
        (1usize..=4, 0usize..3, 1usize..20, 0usize..300).prop_flat_map(
            |(width, kind, period, n)| {
                let top = (1u16 << width) as u8 - 1;
                proptest::collection::vec(0..=top, period.max(1)).prop_map(move |seed| {
                    let data = match kind {
                        0 => seed.iter().cycle().take(n).copied().collect(),
                        1 => vec![seed[0]; n],
                        _ => (0..n).map(|i| seed[(i * 7 + i / 3) % seed.len()]).collect(),
                    };
                    (data, width)
                })
            },
        )
    }

    #[test]
    fn windows_of_texts_shorter_than_a_window() {
        // Fewer symbols than a byte holds: the first window still starts at the top.
        for n in 0..10 {
            for width in 1..=4 {
                let data: Vec<u8> = (0..n).map(|i| ((i * 5 + 1) % (1 << width)) as u8).collect();
                let per_byte = 8 / width;
                assert_eq!(
                    windows(&data, width, per_byte),
                    windows_by_definition(&data, width, per_byte),
                    "n {n} width {width}"
                );
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]
        #[test]
        fn rolled_windows_and_packing_match_the_definitions(
            (data, width) in texts(),
            random in proptest::collection::vec(0u8..2, 0..700),
        ) {
            let per_byte = 8 / width;
            proptest::prop_assert_eq!(
                windows(&data, width, per_byte),
                windows_by_definition(&data, width, per_byte)
            );
            let bits: Vec<u8> = data.iter().map(|&s| s & 1).chain(random).collect();
            proptest::prop_assert_eq!(PackedBits::new(&bits).words, packed_by_definition(&bits));
        }

        /// The suffix sort (libsais over the windows) and the Φ LCPs against the naive
        /// sort, on random, periodic and constant texts of 1- to 4-bit symbols and bytes.
        #[test]
        fn lcps_match_the_naive_sort((data, width) in texts(), bytes in proptest::collection::vec(0u8..=255, 1..300)) {
            if !data.is_empty() {
                proptest::prop_assert_eq!(lcp_in_suffix_order(&data, 1 << width), naive_lcp(&data));
            }
            proptest::prop_assert_eq!(lcp_in_suffix_order(&bytes, 256), naive_lcp(&bytes));
            let runs: Vec<u8> = bytes.iter().map(|&b| u8::from(b < 8) * b).collect();
            proptest::prop_assert_eq!(lcp_in_suffix_order(&runs, 256), naive_lcp(&runs));
        }
    }

    #[test]
    fn byte_path_matches_naive() {
        for k in [3usize, 4, 5, 16, 17, 256] {
            let data: Vec<u8> = random_bits(2000, k as u64, 8)
                .chunks(1)
                .enumerate()
                .map(|(i, b)| ((i * 31 + usize::from(b[0]) * 7) % k) as u8)
                .collect();
            assert_eq!(lcp_in_suffix_order(&data, k), naive_lcp(&data), "k={k}");
        }
    }
}
