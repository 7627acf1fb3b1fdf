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
//! repeats). Time O(n log n) for the sort, O(n) for the traversal.

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
    }
    let lcp = suffix::lcp_in_suffix_order(data, alphabet);
    let mut intervals = Intervals::default();
    intervals.add_group(lcp[1..].iter().map(|&l| l as u32), 0);
    Ok(intervals.finish(n, &[], &[]))
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
    fn record(&mut self, depth: usize, parent: usize, size: u64) {
        if self.best.len() < depth + 2 {
            self.best.resize(depth + 2, 0);
            self.diff.resize(depth + 2, 0);
        }
        self.best[depth] = self.best[depth].max(size);
        let pairs = (size * (size - 1) / 2) as i64;
        self.diff[parent + 1] += pairs;
        self.diff[depth + 1] -= pairs;
    }

    /// Records every interval of depth above `base` in a group of consecutive suffixes
    /// (in suffix-array order) given the LCPs of adjacent members, all at least `base`
    /// (a bottom-up traversal of the LCP-interval tree).
    pub(crate) fn add_group(&mut self, lcps: impl Iterator<Item = u32>, base: u32) {
        self.add_group_with(lcps, base, &mut Vec::new());
    }

    /// [`Intervals::add_group`] with a caller-provided stack, reused across many small
    /// groups.
    pub(crate) fn add_group_with(
        &mut self,
        lcps: impl Iterator<Item = u32>,
        base: u32,
        stack: &mut Vec<(u32, usize)>,
    ) {
        stack.clear();
        stack.push((base, 0));
        // A final `base` closes every interval still open.
        for (k, cur) in lcps.chain(std::iter::once(base)).enumerate() {
            let r = k + 1;
            let mut lb = r - 1;
            while let Some(&(depth, start)) = stack.last() {
                if cur >= depth {
                    break;
                }
                stack.pop();
                let below = stack.last().map_or(base, |&(d, _)| d);
                let parent = cur.max(below);
                self.record(depth as usize, parent as usize, (r - start) as u64);
                lb = start;
            }
            if stack.last().is_some_and(|&(d, _)| cur > d) {
                stack.push((cur, lb));
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

    #[test]
    fn rejects_tiny_input() {
        assert!(analyze(&[1], 2).is_err());
        let c = analyze(&[0, 1], 2).unwrap();
        assert_eq!(c.v, 0);
    }
}
