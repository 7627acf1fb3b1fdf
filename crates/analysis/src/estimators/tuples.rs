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
//! Memory: the text, the suffix array (4 bytes/symbol) and the permuted LCP array that
//! replaces the Φ array in place (4 bytes/symbol); the LCPs are then gathered into
//! suffix-array order over the suffix array itself: about 9 bytes per symbol at the peak,
//! against the reference's 13. The suffix array is built by `divsufsort` (a port of the library
//! the reference links); a bitstring is first packed into overlapping 8-bit windows,
//! which sorts the same suffixes in the same order but with a 256-letter alphabet, far
//! faster than sorting a 2-letter text. Time O(n log n) for the sort, O(n) for the rest;
//! sequential.

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

/// Largest sequence the 32-bit suffix array can index.
pub const MAX_LEN: usize = i32::MAX as usize - 1;

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
    let mut sa = suffix_array(data, alphabet);
    let plcp = permuted_lcp(data, &sa);
    // Gather the LCPs into suffix-array order, over the suffix array itself (it is not
    // needed afterwards): a branch-free pass the CPU can overlap, unlike the traversal.
    for slot in sa.iter_mut() {
        *slot = plcp[*slot as usize] as i32;
    }
    drop(plcp);
    let lcp = sa;
    let v = lcp.iter().copied().max().unwrap_or(0) as usize;

    // Bottom-up traversal of the LCP intervals: record, per interval, its depth, its
    // parent's depth and its size.
    let mut best = vec![1u64; v + 2];
    let mut diff = vec![0i128; v + 2];
    let mut stack: Vec<(i32, usize)> = vec![(0, 0)];
    // A final 0 closes every interval still open.
    let closing = lcp[1..].iter().copied().chain(std::iter::once(0));
    for (r, cur) in (1..=n).zip(closing) {
        let mut lb = r - 1;
        while let Some(&(depth, start)) = stack.last() {
            if cur >= depth {
                break;
            }
            stack.pop();
            let below = stack.last().map_or(0, |&(d, _)| d);
            let parent = cur.max(below);
            let size = (r - start) as u64;
            let depth = depth as usize;
            best[depth] = best[depth].max(size);
            let pairs = i128::from(size * (size - 1) / 2);
            diff[parent as usize + 1] += pairs;
            diff[depth + 1] -= pairs;
            lb = start;
        }
        if stack.last().is_some_and(|&(d, _)| cur > d) {
            stack.push((cur, lb));
        }
    }
    // Q[t] = max over intervals at depth >= t (counts only shrink as tuples grow).
    let mut q = vec![0u64; v + 1];
    let mut run = 1u64;
    for t in (1..=v).rev() {
        run = run.max(best[t]);
        q[t] = run;
    }
    let mut s = vec![0u64; v + 1];
    let mut acc = 0i128;
    for t in 1..=v {
        acc += diff[t];
        s[t] = acc as u64;
    }
    Ok(TupleCounts { n, v, q, s })
}

/// Suffix array of `data`, via divsufsort on a text of overlapping windows that packs
/// `8 / w` symbols of `w` bits each into one byte. Padding with 0 (the smallest symbol)
/// past the end keeps the order: a suffix that runs out compares as a prefix.
fn suffix_array(data: &[u8], alphabet: usize) -> Vec<i32> {
    let width = (usize::BITS - alphabet.saturating_sub(1).leading_zeros()).max(1) as usize;
    let per_byte = 8 / width;
    let mut sa = vec![0i32; data.len()];
    if per_byte <= 1 {
        divsufsort::sort_in_place(data, &mut sa);
    } else {
        let n = data.len();
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

/// LCP of each suffix with its predecessor in suffix-array order, indexed by text position
/// (Kärkkäinen, Manzini and Puglisi's Φ method: the array holding Φ is overwritten in place).
fn permuted_lcp(data: &[u8], sa: &[i32]) -> Vec<u32> {
    const NONE: u32 = u32::MAX;
    let n = data.len();
    let mut phi = vec![NONE; n];
    for r in 1..n {
        phi[sa[r] as usize] = sa[r - 1] as u32;
    }
    let mut h = 0usize;
    for i in 0..n {
        let j = phi[i];
        if j == NONE {
            phi[i] = 0;
            h = 0;
            continue;
        }
        let j = j as usize;
        while i + h < n && j + h < n && data[i + h] == data[j + h] {
            h += 1;
        }
        phi[i] = h as u32;
        h = h.saturating_sub(1);
    }
    phi
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
