//! Tuple counts of a bitstring (for t-Tuple 6.3.5 and LRS 6.3.6) in bounded memory.
//!
//! A bitstring of `n` bits would need 8 bytes per bit for a suffix array and its LCP array
//! (640 MB for the 80 million bits of 10 million 8-bit samples). Instead:
//!
//! - tuples of up to 16 bits are counted directly (one table of 65,536 counts, folded
//!   down one bit at a time);
//! - longer tuples only ever group suffixes that share their first 16 bits. Positions
//!   are partitioned by their first 8 bits (one sequential scan per range of such
//!   top-level buckets holding at most 2^24 positions, 64 MB), and each top-level bucket
//!   is one parallel task (rayon): its positions are spread over their 256 16-bit
//!   sub-buckets together with their next 64 bits (so sorting reads no bits), each
//!   sub-bucket is sorted, ties beyond 80 bits are sorted by full comparison, the LCPs of
//!   neighbours come from the keys (or, past 80 bits, 64 bits at a time), and the LCP
//!   intervals are recorded. The records merge by max and integer sums, so the result
//!   does not depend on the thread count.
//!
//! Comparisons and LCPs stay short unless the data has long repeats. When more than
//! `n / 256 + 4096` suffixes tie on 80 bits, or two tied suffixes agree on their first
//! [`TIE_WORDS`] words, [`counts`] returns `None` and the caller uses the suffix-array path
//! ([`crate::estimators::suffix`]), whose cost long repeats do not inflate.
//! Time O(n log n) on typical data; memory n/8 bytes of packed bits, one range of
//! positions and 16 bytes per position of the top-level buckets in progress.

use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering as AtomicOrdering};

use rayon::prelude::*;

use crate::estimators::suffix::PackedBits;
use crate::estimators::tuples::{Intervals, TupleCounts};

/// Bits of the bucket prefix.
const PREFIX: usize = 16;
/// Bits of the top-level partition.
const TOP: usize = 8;
/// Most 64-bit words compared between two suffixes tied on their first 80 bits before
/// the input counts as having long repeats (see [`top_bucket`]).
const TIE_WORDS: usize = 16;
/// Positions held at once (4 bytes each, plus 16 per position of the top-level buckets
/// being worked on).
const CHUNK: usize = 1 << 24;

/// Tuple counts of a bitstring (values 0/1), or `None` when the data has too many long
/// repeats for this method (or fewer than 32 bits).
pub(crate) fn counts(bits: &[u8]) -> Option<TupleCounts> {
    counts_in_ranges(bits, CHUNK)
}

/// [`counts`], holding at most `chunk` positions at once (unless one top-level bucket is
/// larger).
fn counts_in_ranges(bits: &[u8], chunk: usize) -> Option<TupleCounts> {
    let n = bits.len();
    if n < 2 * PREFIX {
        return None;
    }
    let limit = n / 256 + 4096;
    // Positions whose first 80 bits are all zero (zeros past the end included) form one
    // tied run of the first sub-bucket, so more of them than `limit` means the ties below
    // would exceed it: hand over before any sorting (long zero runs, as in biased data).
    if zero_prefixed(bits, PREFIX + 64) > limit {
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

    // Longer tuples: positions are partitioned by their first 8 bits (one scan per range
    // of top-level buckets), then each top-level bucket is handled as one parallel task.
    let sub = 1usize << (PREFIX - TOP);
    let top_sizes: Vec<usize> = per_bucket
        .chunks(sub)
        .map(|c| c.iter().sum::<u64>() as usize)
        .collect();
    let tied_total = AtomicUsize::new(0);
    let mut intervals = Intervals::default();
    let mut t0 = 0;
    while t0 < top_sizes.len() {
        let mut t1 = t0;
        let mut size = 0usize;
        while t1 < top_sizes.len() && (size == 0 || size + top_sizes[t1] <= chunk) {
            size += top_sizes[t1];
            t1 += 1;
        }
        let mut starts = vec![0usize; t1 - t0 + 1];
        for t in t0..t1 {
            starts[t - t0 + 1] = starts[t - t0] + top_sizes[t];
        }
        // The scan repeats for every range (five on 80,000,000 bits), so it is kept to a
        // few instructions and no branch on the range: the top-level bucket of position i
        // is bits i..i + TOP, a window rolled one bit per step, and a position outside the
        // range is written to a spare last slot whose cursor does not move.
        let mut positions = vec![0u32; size + 1];
        let spare = t1 - t0;
        // `starts` ends with `size`: the spare slot's cursor.
        let mut next = starts.clone();
        debug_assert_eq!(next[spare], size);
        let mut window = bits[..TOP - 1]
            .iter()
            .fold(0usize, |w, &b| (w << 1) | usize::from(b & 1));
        for (i, &b) in bits[TOP - 1..=last + TOP - 1].iter().enumerate() {
            window = ((window << 1) | usize::from(b & 1)) & ((1 << TOP) - 1);
            let rel = window.wrapping_sub(t0);
            let inside = rel < spare;
            let at = if inside { rel } else { spare };
            let slot = next[at];
            positions[slot] = i as u32;
            next[at] = slot + usize::from(inside);
        }
        positions.truncate(size);
        drop(next);
        let groups: Vec<(usize, &[u32])> = (t0..t1)
            .map(|t| (t, &positions[starts[t - t0]..starts[t - t0 + 1]]))
            .collect();
        let found = groups
            .into_par_iter()
            .map(|(t, group)| {
                let counts = &per_bucket[t * sub..(t + 1) * sub];
                top_bucket(&packed, group, counts, n, limit, &tied_total)
            })
            .reduce(Intervals::default, Intervals::merge);
        if tied_total.load(AtomicOrdering::Relaxed) > limit {
            return None;
        }
        intervals = intervals.merge(found);
        t0 = t1;
    }
    Some(intervals.finish(n, &low_q, &low_s))
}

/// Number of positions `i <= n - PREFIX` whose `width` bits from `i` are all zero
/// (counting positions past the end as zero), from the lengths of the zero runs;
/// `width >= PREFIX`.
fn zero_prefixed(bits: &[u8], width: usize) -> usize {
    let n = bits.len();
    let mut count = 0;
    let mut start = 0;
    for (i, &b) in bits.iter().enumerate() {
        if b & 1 == 1 {
            // The run start..i ends before a one: i - width + 1 - start positions fit.
            count += (i + 1).saturating_sub(start + width);
            start = i + 1;
        }
    }
    // The last run reaches the end, where padding continues it: positions start..=n-PREFIX.
    count + (n + 1).saturating_sub(start + PREFIX)
}

/// Records the LCP intervals deeper than 16 bits among the suffixes of one top-level
/// bucket (`group`, ascending positions sharing their first 8 bits; `counts` = sizes of
/// its 16-bit sub-buckets). Adds the number of suffixes still tied after 80 bits to
/// `tied_total` and skips the long comparisons once that total passes `limit` (the
/// caller then discards the result).
fn top_bucket(
    packed: &PackedBits,
    group: &[u32],
    counts: &[u64],
    n: usize,
    limit: usize,
    tied_total: &AtomicUsize,
) -> Intervals {
    let mut starts = vec![0usize; counts.len() + 1];
    for (b, &c) in counts.iter().enumerate() {
        starts[b + 1] = starts[b] + c as usize;
    }
    // Each entry: (bits 16..80 of the suffix, its position), by 16-bit sub-bucket.
    let mut entries = vec![(0u64, 0u32); group.len()];
    let mut next = starts.clone();
    for &i in group {
        let key = packed.key(i as usize);
        let b = ((key >> (64 - PREFIX)) as usize) & (counts.len() - 1);
        entries[next[b]] = (packed.key(i as usize + PREFIX), i);
        next[b] += 1;
    }
    let mut slices = bucket_slices(&mut entries, &starts);
    // Phase 1: sort on bits 16..80 and measure the ties, before any long comparison.
    let mut tied = 0;
    let mut scratch = Vec::new();
    for slice in slices.iter_mut() {
        // Equal keys are tied and get sorted fully below, so the position can be ignored.
        sort_by_key(slice, &mut scratch);
        tied += tied_runs(slice).map(|(a, b)| b - a).sum::<usize>();
    }
    let mut iv = Intervals::default();
    if tied_total.fetch_add(tied, AtomicOrdering::Relaxed) + tied > limit {
        return iv;
    }
    // Phase 2: settle the ties, then record each sub-bucket's LCP intervals. Ties are
    // compared over at most TIE_WORDS words: two suffixes that agree further are a long
    // repeat, whose comparisons (and neighbours' LCPs) could each run to the end of the
    // data (a periodic input took 36 s here), so the whole input goes to the suffix-array
    // path. Up to that point the comparison orders by (prefix, position), a total order,
    // and it equals the suffix order whenever no pair reaches the cap.
    let long_repeat = Cell::new(false);
    let mut runs = Vec::new();
    for slice in slices.iter_mut() {
        runs.clear();
        runs.extend(tied_runs(slice));
        for &(a, b) in &runs {
            slice[a..b].sort_unstable_by(|x, y| {
                let (i, j) = (x.1 as usize, y.1 as usize);
                packed.compare_within(i, j, TIE_WORDS).unwrap_or_else(|| {
                    long_repeat.set(true);
                    i.cmp(&j)
                })
            });
        }
        if long_repeat.get() {
            tied_total.fetch_add(limit + 1, AtomicOrdering::Relaxed);
            return iv;
        }
    }
    let mut stack = Vec::new();
    for slice in slices {
        let lcps = slice.windows(2).map(|w| {
            let ((ka, a), (kb, b)) = (w[0], w[1]);
            let (a, b) = (a as usize, b as usize);
            let lcp = if ka != kb {
                // Zero padding past the end can only add agreeing bits: clamp to the
                // shorter suffix.
                (PREFIX + (ka ^ kb).leading_zeros() as usize).min(n - a.max(b))
            } else {
                packed.extend_match(a, b, PREFIX)
            };
            lcp as u32
        });
        iv.add_group_with(lcps, PREFIX as u32, &mut stack);
    }
    iv
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

/// Sub-buckets at least this long are spread by their keys' top 8 bits before sorting.
const SPREAD_FROM: usize = 512;

/// Sorts entries by key (ties in any order). A sub-bucket holds about n / 65,536 entries:
/// 120 on 8,000,000 bits, 1,200 on 80,000,000, where a comparison sort costs half as much
/// again per entry; long ones are first spread over 256 ranges by the keys' top 8 bits
/// (one counting pass), so the sorts stay small whatever the input's length.
fn sort_by_key(slice: &mut [(u64, u32)], scratch: &mut Vec<(u64, u32)>) {
    if slice.len() < SPREAD_FROM {
        slice.sort_unstable_by_key(|e| e.0);
        return;
    }
    let top = |e: &(u64, u32)| (e.0 >> 56) as usize;
    let mut starts = [0usize; 257];
    for e in slice.iter() {
        starts[top(e) + 1] += 1;
    }
    for b in 0..256 {
        starts[b + 1] += starts[b];
    }
    scratch.clear();
    scratch.extend_from_slice(slice);
    let mut next = starts;
    for e in scratch.iter() {
        let b = top(e);
        slice[next[b]] = *e;
        next[b] += 1;
    }
    for b in 0..256 {
        slice[starts[b]..starts[b + 1]].sort_unstable_by_key(|e| e.0);
    }
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
    use crate::estimators::random_bits;
    use crate::estimators::suffix::lcp_in_suffix_order;

    /// The same counts through the suffix-array path.
    fn via_suffix_array(bits: &[u8]) -> TupleCounts {
        let lcp = lcp_in_suffix_order(bits, 2);
        let mut iv = Intervals::default();
        iv.add_group(lcp[1..].iter().map(|&l| l as u32), 0);
        iv.finish(bits.len(), &[], &[])
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
    fn ties_that_agree_past_the_cap_go_to_the_suffix_array_path() {
        // One 2,000-bit block copied once: about 3,840 ties, under the tie limit (4,213 at
        // 30,000 bits), but their common prefixes run past TIE_WORDS words.
        let mut bits = random_bits(30_000, 7, 8);
        let copy = bits[1000..3000].to_vec();
        bits[20_000..22_000].copy_from_slice(&copy);
        assert!(counts(&bits).is_none());
        // A 900-bit copy stays under the cap (16 words, 1,024 bits): counted here.
        let mut bits = random_bits(30_000, 8, 8);
        let copy = bits[1000..1900].to_vec();
        bits[20_000..20_900].copy_from_slice(&copy);
        let fast = counts(&bits).expect("short enough repeats");
        assert!(fast.v >= 900);
        assert_eq!(fast, via_suffix_array(&bits));
        // A periodic input, as a stuck source gives: every suffix ties with its copies.
        let period = random_bits(4_000, 9, 8);
        let periodic: Vec<u8> = period.iter().copied().cycle().take(400_000).collect();
        assert!(counts(&periodic).is_none());
    }

    #[test]
    fn spreading_by_the_top_bits_sorts_like_a_comparison_sort() {
        let mut scratch = Vec::new();
        let mut rng = crate::rng::Rng::new(0x9E37_79B9_7F4A_7C15, 0);
        let mut next = || rng.next_u64();
        for len in [0, 1, SPREAD_FROM - 1, SPREAD_FROM, 5_000] {
            for top_bits in [0u32, 3, 8] {
                // Keys whose top byte takes 2^top_bits values, with many ties.
                let mut entries: Vec<(u64, u32)> = (0..len as u32)
                    .map(|i| {
                        let r = next();
                        let key = ((r >> 56) & ((1 << top_bits) - 1)) << 56 | (r % 7);
                        (key, i)
                    })
                    .collect();
                let mut expected = entries.clone();
                expected.sort_by_key(|e| e.0);
                sort_by_key(&mut entries, &mut scratch);
                let keys = |v: &[(u64, u32)]| v.iter().map(|e| e.0).collect::<Vec<_>>();
                assert_eq!(keys(&entries), keys(&expected), "{len} entries");
                let mut positions: Vec<u32> = entries.iter().map(|e| e.1).collect();
                positions.sort_unstable();
                assert_eq!(positions, (0..len as u32).collect::<Vec<_>>());
            }
        }
    }

    #[test]
    fn ranges_of_buckets_give_the_same_counts() {
        let bits = random_bits(40_000, 11, 5);
        let whole = counts(&bits).expect("no long repeats");
        for chunk in [1, 500, 7_000] {
            assert_eq!(
                counts_in_ranges(&bits, chunk).as_ref(),
                Some(&whole),
                "chunk {chunk}"
            );
        }
        assert_eq!(whole, via_suffix_array(&bits));
    }

    #[test]
    fn zero_prefixed_counts_like_the_definition() {
        // Sparse ones: long zero runs, some reaching the end, at every length near 80.
        for (n, seed, ones) in [
            (16, 1, 1),
            (17, 2, 1),
            (95, 3, 1),
            (3000, 4, 1),
            (3000, 5, 2),
        ] {
            let mut bits = random_bits(n, seed, ones);
            for (case, width) in [(0, 80), (1, 16), (2, 40)] {
                if case == 1 {
                    bits.iter_mut().rev().take(100).for_each(|b| *b = 0);
                }
                let brute = (0..=n - PREFIX)
                    .filter(|&i| bits[i..(i + width).min(n)].iter().all(|&b| b == 0))
                    .count();
                assert_eq!(zero_prefixed(&bits, width), brute, "n={n} width={width}");
            }
        }
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
                "{}/tests/data/conformance/{name}",
                env!("CARGO_MANIFEST_DIR")
            );
            let bits = std::fs::read(path).unwrap();
            let fast = counts(&bits).expect("no long repeats");
            assert_eq!(fast, via_suffix_array(&bits), "{name}");
        }
    }
}
