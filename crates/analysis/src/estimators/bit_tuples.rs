//! Tuple counts of a bitstring (for t-Tuple 6.3.5 and LRS 6.3.6) in bounded memory.
//!
//! A bitstring of `n` bits would need 8 bytes per bit for a suffix array and its LCP array
//! (640 MB for the 80 million bits of 10 million 8-bit samples). Instead:
//!
//! - tuples of up to 16 bits are counted directly (one table of 65,536 counts, folded
//!   down one bit at a time);
//! - longer tuples only ever group suffixes that share their first 16 bits, so the
//!   suffixes are processed one range of 16-bit buckets at a time (at most 2^22 positions,
//!   64 MB, per range unless a single bucket is larger): each bucket is sorted on its next
//!   64 bits (kept beside each position, so sorting reads no bits), ties beyond 80 bits
//!   are sorted by full comparison, the LCPs of neighbours come from those keys (or, past
//!   80 bits, 64 bits at a time), and the bucket's LCP intervals are recorded. Buckets run
//!   in parallel (rayon); the records merge by max and integer sums, so the result does
//!   not depend on the thread count.
//!
//! Comparisons and LCPs stay short unless the data has long repeats. When more than
//! `n / 256 + 4096` suffixes tie on 80 bits, [`counts`] returns `None` and the caller uses
//! the suffix-array path ([`crate::estimators::suffix`]), which is linear whatever the data.
//! Time O(n log n) on typical data; memory n/8 bytes of packed bits plus one range.

use rayon::prelude::*;

use crate::estimators::suffix::PackedBits;
use crate::estimators::tuples::{Intervals, TupleCounts};

/// Bits of the bucket prefix.
const PREFIX: usize = 16;
/// Positions held at once (16 bytes each: the next 64 bits and the position).
const CHUNK: usize = 1 << 22;

/// Tuple counts of a bitstring (values 0/1), or `None` when the data has too many long
/// repeats for this method (or fewer than 32 bits).
pub(crate) fn counts(bits: &[u8]) -> Option<TupleCounts> {
    let n = bits.len();
    if n < 2 * PREFIX {
        return None;
    }
    let packed = PackedBits::new(bits);
    let bucket = |i: usize| (packed.key(i) >> (64 - PREFIX)) as usize;
    // Positions 0..=last have a full 16-bit prefix.
    let last = n - PREFIX;
    let mut per_bucket = vec![0u64; 1 << PREFIX];
    for i in 0..=last {
        per_bucket[bucket(i)] += 1;
    }

    // Tuples of 16 bits and fewer, by counting. Level t counts positions i <= n - t:
    // level t + 1 folded in pairs, plus position n - t.
    let mut low_q = vec![0u64; PREFIX + 1];
    let mut low_s = vec![0u64; PREFIX + 1];
    let mut level = per_bucket.clone();
    for t in (1..=PREFIX).rev() {
        if t < PREFIX {
            level = level.chunks(2).map(|c| c[0] + c[1]).collect();
            level[(packed.key(n - t) >> (64 - t)) as usize] += 1;
        }
        low_q[t] = level.iter().copied().max().unwrap_or(0);
        low_s[t] = level.iter().map(|&c| c * c.saturating_sub(1) / 2).sum();
    }

    // Longer tuples, one range of buckets at a time.
    let limit = n / 256 + 4096;
    let mut tied_total = 0usize;
    let mut intervals = Intervals::default();
    let mut b0 = 0;
    while b0 < per_bucket.len() {
        let mut b1 = b0;
        let mut size = 0usize;
        while b1 < per_bucket.len() && (size == 0 || size + per_bucket[b1] as usize <= CHUNK) {
            size += per_bucket[b1] as usize;
            b1 += 1;
        }
        let mut starts = vec![0usize; b1 - b0 + 1];
        for b in b0..b1 {
            starts[b - b0 + 1] = starts[b - b0] + per_bucket[b] as usize;
        }
        // Each entry: (bits 16..80 of the suffix, its position).
        let mut entries = vec![(0u64, 0u32); size];
        let mut next = starts.clone();
        for i in 0..=last {
            let b = bucket(i);
            if (b0..b1).contains(&b) {
                entries[next[b - b0]] = (packed.key(i + PREFIX), i as u32);
                next[b - b0] += 1;
            }
        }
        drop(next);
        let mut slices = bucket_slices(&mut entries, &starts);
        // Phase 1: sort on bits 16..80 and measure the ties, before any long comparison.
        let tied: usize = slices
            .par_iter_mut()
            .map(|slice| {
                slice.sort_unstable();
                tied_runs(slice).map(|(a, b)| b - a).sum::<usize>()
            })
            .sum();
        tied_total += tied;
        if tied_total > limit {
            return None;
        }
        // Phase 2: settle the ties, then record each bucket's LCP intervals.
        let found = slices
            .par_iter_mut()
            .map(|slice| {
                let runs: Vec<(usize, usize)> = tied_runs(slice).collect();
                for (a, b) in runs {
                    slice[a..b].sort_unstable_by(|x, y| packed.compare(x.1 as usize, y.1 as usize));
                }
                let mut iv = Intervals::default();
                let lcps = slice.windows(2).map(|w| {
                    let ((ka, a), (kb, b)) = (w[0], w[1]);
                    let (a, b) = (a as usize, b as usize);
                    let lcp = if ka != kb {
                        // Zero padding past the end can only add agreeing bits: clamp
                        // to the shorter suffix.
                        (PREFIX + (ka ^ kb).leading_zeros() as usize).min(n - a.max(b))
                    } else {
                        packed.extend_match(a, b, PREFIX)
                    };
                    lcp as u32
                });
                iv.add_group(lcps, PREFIX as u32);
                iv
            })
            .reduce(Intervals::default, Intervals::merge);
        intervals = intervals.merge(found);
        b0 = b1;
    }
    Some(intervals.finish(n, &low_q, &low_s))
}

/// Splits `entries` into one mutable slice per bucket of two or more entries.
fn bucket_slices<'a>(entries: &'a mut [(u64, u32)], starts: &[usize]) -> Vec<&'a mut [(u64, u32)]> {
    let mut slices = Vec::new();
    let mut rest = entries;
    for w in starts.windows(2) {
        let (head, tail) = rest.split_at_mut(w[1] - w[0]);
        rest = tail;
        if head.len() > 1 {
            slices.push(head);
        }
    }
    slices
}

/// Ranges `[a, b)` of two or more consecutive entries with equal keys (sorted input).
fn tied_runs(slice: &[(u64, u32)]) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut a = 0;
    std::iter::from_fn(move || {
        while a < slice.len() {
            let k = slice[a].0;
            let mut b = a + 1;
            while b < slice.len() && slice[b].0 == k {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimators::suffix::lcp_in_suffix_order;

    /// The same counts through the suffix-array path.
    fn via_suffix_array(bits: &[u8]) -> TupleCounts {
        let lcp = lcp_in_suffix_order(bits, 2);
        let mut iv = Intervals::default();
        iv.add_group(lcp[1..].iter().map(|&l| l as u32), 0);
        iv.finish(bits.len(), &[], &[])
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
    fn agrees_with_the_suffix_array_path() {
        for (n, seed, ones) in [
            (32, 1, 8),
            (33, 2, 8),
            (100, 3, 3),
            (5000, 4, 8),
            (20_000, 5, 12),
        ] {
            let bits = random_bits(n, seed, ones);
            let fast = counts(&bits).expect("no long repeats");
            assert_eq!(fast, via_suffix_array(&bits), "n={n}");
        }
        // A repeated block: long LCPs, but few enough ties for this path.
        let mut bits = random_bits(30_000, 6, 8);
        let copy = bits[1000..1100].to_vec();
        bits[20_000..20_100].copy_from_slice(&copy);
        let fast = counts(&bits).expect("few ties");
        assert!(fast.v >= 100);
        assert_eq!(fast, via_suffix_array(&bits));
    }

    #[test]
    fn long_repeats_are_handed_over() {
        let periodic: Vec<u8> = (0..5000).map(|i| u8::from(i % 7 == 0)).collect();
        assert!(counts(&periodic).is_none());
        assert!(counts(&[0u8; 5000]).is_none());
        assert!(counts(&[0, 1, 1]).is_none());
    }

    #[test]
    fn agrees_with_the_suffix_array_path_on_the_binary_fixtures() {
        for name in ["v2_biased1.bin", "v4_markov1.bin", "nist_ringOsc.bin"] {
            let path = format!(
                "{}/../../tests/data/conformance/{name}",
                env!("CARGO_MANIFEST_DIR")
            );
            let bits = std::fs::read(path).unwrap();
            let fast = counts(&bits).expect("no long repeats");
            assert_eq!(fast, via_suffix_array(&bits), "{name}");
        }
    }
}
