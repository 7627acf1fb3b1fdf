//! Tuple counts shared by the t-Tuple (6.3.5) and LRS (6.3.6) estimates, from one suffix
//! array and its LCP array.
//!
//! Both estimators need, for each tuple length `t`, statistics of how often each distinct
//! `t`-tuple occurs: t-Tuple the largest count `Q[t]`, LRS the number of pairs of equal
//! tuples `S[t] = sum_i C(count_i, 2)`. Every group of suffixes sharing a `t`-prefix is a
//! node of the LCP-interval tree, so one bottom-up pass over the LCP array yields every
//! `Q[t]` and `S[t]` at once (the idea of Kaufer's tuple-count method that the reference
//! tool also uses, in a different form): an interval of size `m` at depth `l` whose parent
//! sits at depth `l_p` is the group of some tuple for every `t` in `(l_p, l]`.
//!
//! Symbols take the LCP array from `crate::estimators::suffix` (about 9 bytes per
//! symbol at the peak, against the reference's 13); bitstrings use the bounded-memory
//! bucket method of `bit_tuples` (the suffix-array path only when the data has long
//! repeats, as the bitstrings of biased bytes have). On that path the LCPs of neighbouring
//! suffixes are computed directly from the packed bits while that stays cheap (no LCP
//! array: 4 bytes per bit of suffix array, besides the input), else by the Φ method.
//! Time O(n) for the sort and the traversal.

/// Tuple statistics of one sequence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TupleCounts {
    /// Sequence length `L`.
    pub n: usize,
    /// Length of the longest repeated substring (0 when nothing repeats).
    pub v: usize,
    /// `q[t]` = largest number of occurrences of any `t`-tuple, for `t` in `1..=v`
    /// (`q[0]` is unused).
    pub q: Vec<u64>,
    /// `s[t]` = number of pairs of positions whose `t`-tuples are equal, `t` in `1..=v`
    /// (`s[0]` is unused).
    pub s: Vec<u64>,
}

use crate::estimators::suffix::PackedBits;
pub use crate::estimators::suffix::MAX_LEN;
use crate::estimators::{bit_tuples, suffix};

/// Counts the tuples of `data` (symbols below `alphabet`, at most 256).
///
/// ```
/// use kqent_analysis::estimators::tuples;
/// let c = tuples::analyze(b"abab", 2).unwrap();
/// assert_eq!(c.v, 2); // "ab" repeats
/// assert_eq!(c.q[1], 2); // 'a' and 'b' twice each
/// assert_eq!(c.s[1], 2); // one pair of a's, one of b's
/// assert_eq!(c.s[2], 1); // "ab" at 0 and 2 ("ba" occurs once)
/// ```
pub fn analyze(data: &[u8], alphabet: usize) -> Result<TupleCounts, String> {
    let n = data.len();
    if n < 2 {
        return Err(format!("needs at least 2 samples, has {n}"));
    }
    if n > MAX_LEN {
        return Err(format!(
            "supports at most {MAX_LEN} samples (32-bit suffix array), has {n}"
        ));
    }
    if alphabet <= 2 {
        if let Some(counts) = bit_tuples::counts(data) {
            return Ok(counts);
        }
        return Ok(bit_intervals(data, DIRECT_WORDS).finish(n, &[], &[]));
    }
    let lcp = suffix::lcp_in_suffix_order(data, alphabet);
    let mut intervals = Intervals::default();
    intervals.add_group(lcp[1..].iter().map(|&l| l as u32), 0);
    Ok(intervals.finish(n, &[], &[]))
}

/// Average number of 64-bit comparisons per suffix up to which the LCPs of a bitstring's
/// neighbouring suffixes are computed directly, in suffix order, from the packed bits
/// (n/8 bytes, which stay in cache) rather than by the Φ method (three passes of random
/// access over arrays of 4n bytes, about four such comparisons' time per suffix). The
/// bitstring of biased-random-bytes (long zero runs, LCPs of 79 bits on average) takes
/// 1.7.
const DIRECT_WORDS: usize = 4;

/// The LCP intervals of a bitstring (values 0/1, at least 2) from its suffix array, with
/// direct LCPs while they cost at most `words_per_suffix` comparisons per suffix on
/// average, else the Φ method's.
fn bit_intervals(bits: &[u8], words_per_suffix: usize) -> Intervals {
    let packed = PackedBits::new(bits);
    let sa = suffix::sort_bits(bits);
    if let Some(intervals) = direct_intervals(&sa, &packed, words_per_suffix) {
        return intervals;
    }
    let lcp = suffix::bit_lcps(sa, &packed);
    let mut intervals = Intervals::default();
    intervals.add_group(lcp[1..].iter().map(|&l| l as u32), 0);
    intervals
}

/// The LCP intervals from LCPs computed pair by pair in suffix order (no LCP array is
/// stored), or `None` as soon as they have cost more than `words_per_suffix` comparisons
/// per suffix. Long repeats (LCPs of thousands of bits) would make this quadratic: a
/// sample of every 256th pair, allowed half that budget, sends them to the Φ method
/// before the full pass.
fn direct_intervals(sa: &[i32], packed: &PackedBits, words_per_suffix: usize) -> Option<Intervals> {
    let n = sa.len();
    let pair = |r: usize, max_words: usize| {
        packed.common_prefix_within(sa[r - 1] as usize, sa[r] as usize, max_words)
    };
    let mut left = (n / 256 + 1) * words_per_suffix / 2;
    for r in (1..n).step_by(256) {
        let (_, words) = pair(r, left)?;
        left -= words;
    }
    let mut left = n.saturating_mul(words_per_suffix);
    let mut done = 0usize;
    let lcps = (1..n).map_while(|r| {
        let (lcp, words) = pair(r, left)?;
        left -= words;
        done += 1;
        Some(lcp as u32)
    });
    let mut intervals = Intervals::default();
    intervals.add_group(lcps, 0);
    (done == n - 1).then_some(intervals)
}

/// LCP intervals recorded per depth, mergeable across parallel workers (max and integer
/// sums, so the merge order does not matter).
#[derive(Debug, Default)]
pub(crate) struct Intervals {
    /// `best[d]`: largest interval at depth `d`.
    best: Vec<u64>,
    /// Difference array of `S[t]`: an interval adds its pairs to every `t` in
    /// `(parent depth, depth]`. Every partial sum is some `S[t] <= C(n, 2) < 2^61`
    /// (n < 2^31), so i64 cannot overflow.
    diff: Vec<i64>,
}

impl Intervals {
    /// Makes room for intervals of depth up to `depth`.
    fn reach(&mut self, depth: u32) {
        let len = depth as usize + 2;
        if self.best.len() < len {
            self.best.resize(len, 0);
            self.diff.resize(len, 0);
        }
    }

    /// Records an interval of `size` suffixes at `depth` whose parent sits at `parent`
    /// (room made by [`Intervals::reach`]).
    #[inline]
    fn record(&mut self, depth: u32, parent: u32, size: u32) {
        let (depth, size) = (depth as usize, u64::from(size));
        self.best[depth] = self.best[depth].max(size);
        let pairs = (size * (size - 1) / 2) as i64;
        self.diff[parent as usize + 1] += pairs;
        self.diff[depth + 1] -= pairs;
    }

    /// Records every interval of depth above `base` in a group of consecutive suffixes
    /// (in suffix-array order) given the LCPs of adjacent members, all at least `base`
    /// (a bottom-up traversal of the LCP-interval tree).
    pub(crate) fn add_group(&mut self, lcps: impl Iterator<Item = u32>, base: u32) {
        self.add_group_with(lcps, base, &mut Vec::new());
    }

    /// [`Intervals::add_group`] with a caller-provided stack, reused across many small
    /// groups. Groups hold fewer than 2^32 suffixes (n <= [`MAX_LEN`]).
    pub(crate) fn add_group_with(
        &mut self,
        lcps: impl Iterator<Item = u32>,
        base: u32,
        stack: &mut Vec<(u32, u32)>,
    ) {
        // The open intervals (depth, first suffix), the innermost kept in `top`; below
        // them all lies `(base, 0)`, which no LCP (all >= base) ever closes.
        stack.clear();
        let mut top = (base, 0u32);
        // `r` is the rank (within the group) of the suffix after the LCP; a final `base`
        // closes every interval still open.
        for (cur, r) in lcps.chain(std::iter::once(base)).zip(1u32..) {
            if cur == top.0 {
                continue;
            }
            let mut lb = r - 1;
            while cur < top.0 {
                let (depth, start) = top;
                top = stack.pop().unwrap_or((base, 0));
                self.record(depth, cur.max(top.0), r - start);
                lb = start;
            }
            if cur > top.0 {
                self.reach(cur);
                stack.push(top);
                top = (cur, lb);
            }
        }
    }

    /// Combines two workers' records.
    pub(crate) fn merge(mut self, other: Intervals) -> Intervals {
        if self.best.len() < other.best.len() {
            self.best.resize(other.best.len(), 0);
            self.diff.resize(other.diff.len(), 0);
        }
        for (a, b) in self.best.iter_mut().zip(&other.best) {
            *a = (*a).max(*b);
        }
        for (a, b) in self.diff.iter_mut().zip(&other.diff) {
            *a += *b;
        }
        self
    }

    /// The counts of a sequence of length `n`; `low_q`/`low_s` (indexed by `t`, may be
    /// empty) hold statistics of short tuples computed some other way.
    pub(crate) fn finish(self, n: usize, low_q: &[u64], low_s: &[u64]) -> TupleCounts {
        let deepest = self.best.iter().rposition(|&b| b >= 2).unwrap_or(0);
        let shallow = low_q.iter().rposition(|&q| q >= 2).unwrap_or(0);
        let v = deepest.max(shallow);
        let low = |table: &[u64], t: usize| table.get(t).copied().unwrap_or(0);
        // Both tables are turned into Q and S in place: with long repeats v approaches n.
        // Q[t] = max over intervals at depth >= t (counts only shrink as tuples grow).
        let mut q = self.best;
        q.resize(v + 1, 0);
        let mut run = 1u64;
        for t in (1..=v).rev() {
            run = run.max(q[t]).max(low(low_q, t));
            q[t] = run;
        }
        q[0] = 0;
        let mut diff = self.diff;
        diff.resize(v + 1, 0);
        let mut acc = 0i64;
        let s: Vec<u64> = diff
            .into_iter()
            .enumerate()
            .map(|(t, d)| {
                acc += d;
                if t == 0 {
                    0
                } else {
                    acc as u64 + low(low_s, t)
                }
            })
            .collect();
        TupleCounts { n, v, q, s }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// Q and S by brute force: count every t-tuple in a hash map.
    fn brute(data: &[u8]) -> (usize, Vec<u64>, Vec<u64>) {
        let n = data.len();
        let mut q = vec![0u64];
        let mut s = vec![0u64];
        let mut v = 0;
        for t in 1..n {
            let mut counts: HashMap<&[u8], u64> = HashMap::new();
            for w in data.windows(t) {
                *counts.entry(w).or_default() += 1;
            }
            let max = counts.values().copied().max().unwrap_or(0);
            if max < 2 {
                break;
            }
            v = t;
            q.push(max);
            s.push(counts.values().map(|c| c * (c - 1) / 2).sum());
        }
        (v, q, s)
    }

    #[test]
    fn matches_brute_force_on_assorted_sequences() {
        let mut seed = 0x1234_5678u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for case in 0..200 {
            let k = [2usize, 3, 4, 7, 16, 200][case % 6];
            let n = 2 + (next() % 300) as usize;
            let data: Vec<u8> = (0..n)
                .map(|i| {
                    if case % 5 == 0 {
                        (i % k.min(3)) as u8 // periodic: long repeats
                    } else {
                        (next() % k as u64) as u8
                    }
                })
                .collect();
            let c = analyze(&data, k).unwrap();
            let (v, q, s) = brute(&data);
            assert_eq!(c.v, v, "case {case}: {data:?}");
            assert_eq!(&c.q[1..], &q[1..], "case {case}");
            assert_eq!(&c.s[1..], &s[1..], "case {case}");
        }
    }

    /// Bitstrings with and without long repeats: random at some density of ones, a random
    /// block repeated (periodic), or sparse ones in long zero runs (as in biased bytes).
    fn bitstrings() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
        use proptest::prelude::*;
        (0usize..3, 2usize..220, 1usize..40, any::<u64>()).prop_map(|(kind, n, period, seed)| {
            let mut x = seed | 1;
            let mut next = move || {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x
            };
            match kind {
                0 => (0..n)
                    .map(|_| u8::from(next() % 16 < 1 + seed % 15))
                    .collect(),
                1 => {
                    let block: Vec<u8> = (0..period).map(|_| (next() & 1) as u8).collect();
                    block.iter().cycle().take(n).copied().collect()
                }
                _ => (0..n).map(|_| u8::from(next() % 64 == 0)).collect(),
            }
        })
    }

    /// [`Intervals::add_group_with`] as first written (an `Option`-checked stack of
    /// `usize` starts, room made per record), the reference for the tighter loop.
    fn add_group_as_first_written(iv: &mut Intervals, lcps: &[u32], base: u32) {
        fn record(iv: &mut Intervals, depth: usize, parent: usize, size: u64) {
            if iv.best.len() < depth + 2 {
                iv.best.resize(depth + 2, 0);
                iv.diff.resize(depth + 2, 0);
            }
            iv.best[depth] = iv.best[depth].max(size);
            let pairs = (size * (size - 1) / 2) as i64;
            iv.diff[parent + 1] += pairs;
            iv.diff[depth + 1] -= pairs;
        }
        let mut stack: Vec<(u32, usize)> = vec![(base, 0)];
        for (k, &cur) in lcps.iter().chain(std::iter::once(&base)).enumerate() {
            let r = k + 1;
            let mut lb = r - 1;
            while let Some(&(depth, start)) = stack.last() {
                if cur >= depth {
                    break;
                }
                stack.pop();
                let below = stack.last().map_or(base, |&(d, _)| d);
                let parent = cur.max(below);
                record(iv, depth as usize, parent as usize, (r - start) as u64);
                lb = start;
            }
            if stack.last().is_some_and(|&(d, _)| cur > d) {
                stack.push((cur, lb));
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]

        /// Direct LCPs (forced by an unbounded budget) and the Φ method's (forced by a zero
        /// one) give the brute-force counts, long repeats included.
        #[test]
        fn direct_and_phi_bit_intervals_match_the_definition(bits in bitstrings()) {
            let n = bits.len();
            let direct = bit_intervals(&bits, 1 << 20).finish(n, &[], &[]);
            let phi = bit_intervals(&bits, 0).finish(n, &[], &[]);
            let (v, q, s) = brute(&bits);
            proptest::prop_assert_eq!(&direct, &phi);
            proptest::prop_assert_eq!(direct.v, v);
            proptest::prop_assert_eq!(&direct.q[1..], &q[1..]);
            proptest::prop_assert_eq!(&direct.s[1..], &s[1..]);
            // The default budget picks either; the counts cannot tell.
            proptest::prop_assert_eq!(&bit_intervals(&bits, DIRECT_WORDS).finish(n, &[], &[]), &phi);
        }

        /// The interval traversal records what its first version did, on any LCP sequence
        /// (flat runs, deep nesting, a base above zero).
        #[test]
        fn interval_traversal_equals_the_first_version(
            base in 0u32..20,
            steps in proptest::collection::vec((0u32..4, 0u32..40), 0..300),
        ) {
            // Small values repeat (flat runs), some jump deep.
            let lcps: Vec<u32> = steps
                .iter()
                .map(|&(kind, d)| base + if kind == 0 { d * 7 } else { d % 5 })
                .collect();
            let mut new = Intervals::default();
            new.add_group_with(lcps.iter().copied(), base, &mut Vec::new());
            let mut old = Intervals::default();
            add_group_as_first_written(&mut old, &lcps, base);
            proptest::prop_assert_eq!(&new.best, &old.best);
            proptest::prop_assert_eq!(&new.diff, &old.diff);
        }
    }

    #[test]
    fn direct_lcps_hand_long_repeats_to_the_phi_method() {
        // A period of 5 bits over 20,000 bits: LCPs of thousands of bits.
        let periodic: Vec<u8> = (0..20_000).map(|i| u8::from(i % 5 == 0)).collect();
        let packed = PackedBits::new(&periodic);
        let sa = suffix::sort_bits(&periodic);
        assert!(direct_intervals(&sa, &packed, DIRECT_WORDS).is_none());
        // Random bits: LCPs of about log2(n) bits, one comparison each.
        let random = crate::estimators::random_bits(20_000, 3, 8);
        let packed = PackedBits::new(&random);
        let sa = suffix::sort_bits(&random);
        assert!(direct_intervals(&sa, &packed, DIRECT_WORDS).is_some());
    }

    #[test]
    fn rejects_tiny_input() {
        assert!(analyze(&[1], 2).is_err());
        let c = analyze(&[0, 1], 2).unwrap();
        assert_eq!(c.v, 0);
    }
}
