//! Suffix arrays and LCP arrays for the tuple estimators (t-Tuple 6.3.5, LRS 6.3.6).
//!
//! [`lcp_in_suffix_order`] returns, for each rank `r >= 1` of the suffix array, the length
//! of the longest common prefix of the suffixes of ranks `r - 1` and `r` (entry 0 is 0).
//!
//! - Symbols (alphabet above 2): `divsufsort` (a port of the library the reference tool
//!   links) sorts a text of overlapping windows that packs `8 / w` symbols of `w` bits into
//!   each byte: the same order as the symbols themselves (padding with the smallest symbol
//!   past the end keeps a suffix that runs out before its extensions), with a larger
//!   alphabet that sorts faster.
//! - Bitstrings: the bits are packed 64 to a word (n / 8 bytes, cache-resident for
//!   millions of bits); suffixes are bucketed by their first 16 bits and each bucket is
//!   sorted on the next 64 bits, buckets in parallel (rayon); suffixes still tied after 80
//!   bits are sorted by full comparison, 64 bits at a time. The order of distinct suffixes
//!   is unique, so the result does not depend on the thread count. When more than
//!   n / 256 suffixes are tied (long repeats, where comparisons would be long), the
//!   bitstring is sorted by `divsufsort` instead.
//!
//! The LCPs come from the Φ method of Kärkkäinen, Manzini and Puglisi, in the Φ array
//! itself, then gathered into suffix-array order over the suffix array. Peak memory: the
//! input, 4 bytes per symbol of suffix array and 4 of Φ (plus n/8 bytes of packed bits).

use std::cmp::Ordering;

use rayon::prelude::*;

/// Largest sequence the 32-bit suffix array can index.
pub const MAX_LEN: usize = i32::MAX as usize - 1;

/// LCP array in suffix-array order of `data` (symbols below `alphabet <= 256`; 0/1 when
/// `alphabet <= 2`). `data.len()` must be at least 1 and at most [`MAX_LEN`].
pub fn lcp_in_suffix_order(data: &[u8], alphabet: usize) -> Vec<i32> {
    if alphabet <= 2 {
        let packed = PackedBits::new(data);
        let sa = sort_bits(&packed).unwrap_or_else(|| sort_bytes(data, 2));
        permuted_to_sorted(sa, |i, j, h| packed.extend_match(i, j, h))
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

/// A bitstring packed most significant bit first, with a zero word of padding.
struct PackedBits {
    words: Vec<u64>,
    n: usize,
}

impl PackedBits {
    fn new(bits: &[u8]) -> Self {
        let mut words = vec![0u64; bits.len() / 64 + 2];
        for (i, &b) in bits.iter().enumerate() {
            words[i / 64] |= u64::from(b & 1) << (63 - i % 64);
        }
        PackedBits {
            words,
            n: bits.len(),
        }
    }

    /// The 64 bits starting at bit `i`, zero past the end.
    fn key(&self, i: usize) -> u64 {
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
    fn compare(&self, i: usize, j: usize) -> Ordering {
        let mut k = 0;
        loop {
            let (a, b) = (self.key(i + k), self.key(j + k));
            if a != b {
                return a.cmp(&b);
            }
            let (left_i, left_j) = (self.n - i - k, self.n - j - k);
            if left_i <= 64 || left_j <= 64 {
                // One suffix ends here with the other agreeing (zeros past the end):
                // the shorter one is a prefix of the longer, so it comes first.
                return left_i.cmp(&left_j);
            }
            k += 64;
        }
    }

    /// Extends a known common prefix `h` of suffixes `i` and `j` to its full length.
    fn extend_match(&self, i: usize, j: usize, mut h: usize) -> usize {
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

/// Suffix array of a bitstring: bucket on the first 16 bits, sort each bucket on the next
/// 64, then sort the runs still tied (80 equal bits) by full comparison; `None` when those
/// runs hold too many suffixes (long repeats, where comparisons would be long).
fn sort_bits(packed: &PackedBits) -> Option<Vec<i32>> {
    const PREFIX: usize = 16;
    let n = packed.n;
    let bucket = |i: usize| (packed.key(i) >> (64 - PREFIX)) as usize;
    let mut starts = vec![0usize; (1 << PREFIX) + 1];
    for i in 0..n {
        starts[bucket(i) + 1] += 1;
    }
    for b in 0..1 << PREFIX {
        starts[b + 1] += starts[b];
    }
    let mut sa = vec![0i32; n];
    let mut next = starts.clone();
    for i in 0..n {
        let b = bucket(i);
        sa[next[b]] = i as i32;
        next[b] += 1;
    }
    drop(next);
    // Disjoint mutable slices, one per bucket of two or more suffixes.
    let mut slices = Vec::new();
    let mut rest = &mut sa[..];
    let mut offset = 0;
    for w in starts.windows(2) {
        let (head, tail) = rest.split_at_mut(w[1] - offset);
        offset = w[1];
        rest = tail;
        if head.len() > 1 {
            slices.push(head);
        }
    }
    let second = |i: i32| packed.key(i as usize + PREFIX);
    // Sort each bucket on bits 16..80 and measure the ties left.
    let tied: usize = slices
        .par_iter_mut()
        .map(|slice| {
            slice.sort_unstable_by_key(|&i| second(i));
            tied_runs(slice, second).map(|(a, b)| b - a).sum::<usize>()
        })
        .sum();
    if tied > n / 256 + 4096 {
        return None;
    }
    if tied > 0 {
        slices.par_iter_mut().for_each(|slice| {
            let runs: Vec<(usize, usize)> = tied_runs(slice, second).collect();
            for (a, b) in runs {
                slice[a..b].sort_unstable_by(|&x, &y| packed.compare(x as usize, y as usize));
            }
        });
    }
    Some(sa)
}

/// Ranges `[a, b)` of two or more consecutive entries with equal `key`.
fn tied_runs<'a>(
    slice: &'a [i32],
    key: impl Fn(i32) -> u64 + 'a,
) -> impl Iterator<Item = (usize, usize)> + 'a {
    let mut a = 0;
    std::iter::from_fn(move || {
        while a < slice.len() {
            let k = key(slice[a]);
            let mut b = a + 1;
            while b < slice.len() && key(slice[b]) == k {
                b += 1;
            }
            let run = (a, b);
            a = b;
            if run.1 - run.0 > 1 {
                return Some(run);
            }
        }
        None
    })
}

/// Suffix array via divsufsort over overlapping windows of `8 / w` symbols per byte.
fn sort_bytes(data: &[u8], alphabet: usize) -> Vec<i32> {
    let width = (usize::BITS - alphabet.saturating_sub(1).leading_zeros()).max(1) as usize;
    let per_byte = 8 / width;
    let n = data.len();
    let mut sa = vec![0i32; n];
    if per_byte <= 1 {
        divsufsort::sort_in_place(data, &mut sa);
    } else {
        let windows: Vec<u8> = (0..n)
            .map(|i| {
                (0..per_byte).fold(0u8, |acc, k| {
                    let sym = if i + k < n { data[i + k] } else { 0 };
                    (acc << width) | sym
                })
            })
            .collect();
        divsufsort::sort_in_place(&windows, &mut sa);
    }
    sa
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

    #[test]
    fn bit_sorter_matches_naive_order_at_word_and_end_boundaries() {
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
            let packed = PackedBits::new(&bits);
            let sa = sort_bits(&packed).expect("within budget");
            assert_eq!(sa, naive_sa(&bits), "n={n}");
            assert_eq!(lcp_in_suffix_order(&bits, 2), naive_lcp(&bits), "n={n}");
        }
    }

    #[test]
    fn long_repeats_fall_back_to_divsufsort_with_the_same_result() {
        let bits: Vec<u8> = (0..5000).map(|i| u8::from(i % 7 == 0)).collect();
        assert!(sort_bits(&PackedBits::new(&bits)).is_none());
        assert_eq!(lcp_in_suffix_order(&bits, 2), naive_lcp(&bits));
        let zeros = vec![0u8; 3000];
        assert_eq!(lcp_in_suffix_order(&zeros, 2), naive_lcp(&zeros));
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

    #[test]
    fn bit_sorter_agrees_with_divsufsort_on_the_binary_fixtures() {
        for name in ["v2_biased1.bin", "v4_markov1.bin", "nist_ringOsc.bin"] {
            let path = format!(
                "{}/../../tests/data/conformance/{name}",
                env!("CARGO_MANIFEST_DIR")
            );
            let bits = std::fs::read(path).unwrap();
            let fast = sort_bits(&PackedBits::new(&bits)).expect("no long repeats");
            assert_eq!(fast, sort_bytes(&bits, 2), "{name}");
        }
    }
}
