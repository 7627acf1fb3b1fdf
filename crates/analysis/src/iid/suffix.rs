//! Length of the longest repeated substring, through a suffix array (prefix doubling,
//! starting from many symbols packed per key) and Kasai's LCP.

/// Length of the longest substring occurring at least twice (overlaps allowed) in `data`,
/// whose values are below `alphabet`. 0 when no symbol repeats.
///
/// ```
/// use kqent_analysis::iid::suffix::longest_repeat;
/// assert_eq!(longest_repeat(b"banana", 256), 3); // "ana"
/// assert_eq!(longest_repeat(&[0, 1, 2], 3), 0);
/// ```
pub fn longest_repeat(data: &[u8], alphabet: usize) -> usize {
    let n = data.len();
    if n < 2 {
        return 0;
    }
    let sa = suffix_array(data, alphabet);
    let mut rank = vec![0u32; n];
    for (r, &s) in sa.iter().enumerate() {
        rank[s as usize] = r as u32;
    }
    // Kasai: the LCP with the previous suffix in order drops by at most one per position.
    let mut h = 0usize;
    let mut best = 0usize;
    for i in 0..n {
        let r = rank[i] as usize;
        if r > 0 {
            let j = sa[r - 1] as usize;
            while i + h < n && j + h < n && data[i + h] == data[j + h] {
                h += 1;
            }
            best = best.max(h);
            h = h.saturating_sub(1);
        } else {
            h = 0;
        }
    }
    best
}

/// Suffix array of `data` (values below `alphabet`).
fn suffix_array(data: &[u8], alphabet: usize) -> Vec<u32> {
    let n = data.len();
    // Pack as many symbols as fit into a u64 key, value + 1 so that 0 marks the end.
    let width = (usize::BITS - alphabet.max(1).leading_zeros()) as usize; // bits for 0..=alphabet
    let per_key = (64 / width).max(1);
    let mut key = vec![0u64; n];
    for (i, k) in key.iter_mut().enumerate() {
        let mut v = 0u64;
        for d in 0..per_key {
            let s = data.get(i + d).map_or(0, |&x| u64::from(x) + 1);
            v = (v << width) | s;
        }
        *k = v;
    }
    let mut sa: Vec<u32> = (0..n as u32).collect();
    sa.sort_unstable_by_key(|&i| key[i as usize]);
    let mut rank = vec![0u32; n];
    let mut classes = assign_ranks(&sa, |i| key[i], &mut rank);
    let mut depth = per_key;
    let mut pair = vec![0u64; n];
    while classes < n && depth < n {
        for i in 0..n {
            let second = if i + depth < n {
                u64::from(rank[i + depth]) + 1
            } else {
                0
            };
            pair[i] = (u64::from(rank[i]) << 32) | second;
        }
        sa.sort_unstable_by_key(|&i| pair[i as usize]);
        classes = assign_ranks(&sa, |i| pair[i], &mut rank);
        depth *= 2;
    }
    sa
}

/// Ranks suffixes by their key in `sa` order (equal keys share a rank); returns the number
/// of distinct ranks.
fn assign_ranks(sa: &[u32], key: impl Fn(usize) -> u64, rank: &mut [u32]) -> usize {
    let mut r = 0u32;
    let mut prev = None;
    for &s in sa {
        let k = key(s as usize);
        if let Some(p) = prev {
            if p != k {
                r += 1;
            }
        }
        prev = Some(k);
        rank[s as usize] = r;
    }
    r as usize + 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    fn brute(data: &[u8]) -> usize {
        let n = data.len();
        let mut best = 0;
        for i in 0..n {
            for j in i + 1..n {
                let mut l = 0;
                while j + l < n && data[i + l] == data[j + l] {
                    l += 1;
                }
                best = best.max(l);
            }
        }
        best
    }

    #[test]
    fn matches_brute_force() {
        for (seed, alphabet, n) in [(1, 2, 300), (2, 3, 200), (3, 256, 500), (4, 4, 1000)] {
            let mut r = Rng::new(seed, 0);
            let d: Vec<u8> = (0..n).map(|_| r.below(alphabet) as u8).collect();
            assert_eq!(longest_repeat(&d, alphabet as usize), brute(&d), "{seed}");
        }
        let rep: Vec<u8> = (0..200).map(|i| (i % 7) as u8).collect();
        assert_eq!(longest_repeat(&rep, 7), 193);
        assert_eq!(longest_repeat(&[1, 1, 1, 1], 2), 3);
    }
}
