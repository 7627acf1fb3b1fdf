//! The Burrows-Wheeler transform of one bzip2 block: the last column of the block's cyclic
//! rotations in sorted order.
//!
//! bzip2 sorts cyclic rotations (not suffixes). Only the last column matters for the
//! compressed length, and it does not depend on how equal rotations are ordered, so any
//! correct rotation sort gives libbz2's column. This one packs the first characters of each
//! rotation into a `u64` above the rotation's index (the bytes in use get dense,
//! order-preserving codes, so decimal text packs 11 characters to a key; three symbols,
//! binary text's tokens and its block's wrap token, count in base 3, 29 to a key), sorts
//! these by a radix pass on their top 16 bits and a sort within each bucket, orders equal
//! keys by the next packed keys (a few rounds, which settle random text of any alphabet),
//! and settles what is still tied by rank doubling (Larsson-Sadakane), which bounds the
//! work on periodic blocks by O(n log^2 n).
//!
//! Skewed blocks (one symbol making up most of the block, as the zeros of a biased source)
//! would tie many fixed-width keys: their runs of the frequent symbol outlast a key. They
//! pack instead the bits of an alphabetic prefix code sized by frequency (the frequent
//! symbol gets about one bit), so a key holds dozens of symbols. Concatenated codes of such
//! a code compare as the symbol sequences they spell, and two rotations with equal keys
//! agree on the same number of whole symbols (the bits decode alike), so each tied group
//! carries how many symbols it agrees on and is refined from there. Blocks where the code
//! would not hold clearly more symbols a key (uniform data) keep fixed width.

/// Rounds of [`Sorter::refine_by_key`] before rank doubling takes over: enough to settle
/// random text of two symbols (11 bits per 22-character key), few enough that periodic
/// blocks, which no number of rounds settles, soon move on to doubling.
const KEY_STEPS: usize = 3;

/// Longest code of the variable-width keys: short enough that every key holds a whole
/// symbol, long enough for any block's counts (longer trees fall back to fixed width).
const MAX_CODE: u32 = 24;
/// Most symbols given variable-width codes (more fall back to fixed width).
const MAX_VARIABLE_SIGMA: u64 = 1 << 16;
/// Variable-width keys are used when they hold on average at least `.0 / .1` times the
/// symbols of a fixed-width key.
const VARIABLE_GAIN: (u64, u64) = (3, 2);

#[cfg(test)] // the compressor keeps a `Sorter`; this one-shot form is for the tests
/// The last column of the sorted cyclic rotations of `block` (bzip2 blocks hold at most
/// 900,000 bytes; rotation indices are `u32`).
pub fn last_column(block: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    Sorter::default().last_column(block, &mut out);
    out
}

/// The rotation sort with its buffers, kept between blocks: a compression sorts several
/// blocks of the same size, and fresh multi-megabyte buffers cost page faults each time.
#[derive(Debug, Default)]
pub struct Sorter {
    packed: Vec<u64>,
    sorted: Vec<u64>,
    bucket_start: Vec<u32>,
    bucket_next: Vec<u32>,
    order: Vec<u32>,
    tokens: super::tokens::TokenSorter,
    /// Whether the last sort packed variable-width keys ([`Sorter::pack_variable`]).
    variable: bool,
    /// Whether the last sort packed base-3 keys ([`Sorter::pack_radix_keys`]).
    radix: bool,
    /// Variable-width keys: each symbol's code length, in block order.
    lens: Vec<u8>,
    /// Variable-width keys: the symbols' codes and code lengths, by rank.
    codes: Vec<u64>,
    code_lens: Vec<u8>,
}

impl Sorter {
    /// Writes the last column of the sorted cyclic rotations of `block` into `out`.
    ///
    /// Blocks of short separator-terminated tokens (the compression statistic's decimal
    /// text) take the token sort of [`super::tokens`]; any other block is sorted byte by
    /// byte.
    pub fn last_column(&mut self, block: &[u8], out: &mut Vec<u8>) {
        let mut tokens = std::mem::take(&mut self.tokens);
        let done = tokens.last_column(block, self, out);
        self.tokens = tokens;
        if !done {
            self.last_column_by_bytes(block, out);
        }
    }

    /// [`Sorter::last_column`] by the byte-wise rotation sort, whatever the block.
    pub fn last_column_by_bytes(&mut self, block: &[u8], out: &mut Vec<u8>) {
        out.clear();
        let n = block.len();
        self.sort_rotations(block);
        out.extend(
            self.order
                .iter()
                .map(|&i| block[if i == 0 { n - 1 } else { i as usize - 1 }]),
        );
    }

    /// Whether the last sort packed variable-width keys (for the tests: which path ran).
    #[cfg(test)]
    pub(super) fn used_variable_keys(&self) -> bool {
        self.variable
    }

    /// Whether the last sort packed base-3 keys (for the tests: which path ran).
    #[cfg(test)]
    fn used_radix_keys(&self) -> bool {
        self.radix
    }

    /// The start positions of the cyclic rotations in sorted order, as the last sort left
    /// them.
    pub(super) fn order(&self) -> &[u32] {
        &self.order
    }

    /// Leaves in `self.order` the start positions of the cyclic rotations of `block` in
    /// sorted order (equal rotations in any order).
    fn sort_rotations(&mut self, block: &[u8]) {
        // The bytes in use get dense, order-preserving codes.
        let mut count = [0u32; 256];
        for &b in block {
            count[usize::from(b)] += 1;
        }
        let mut code = [0u64; 256];
        let mut counts = Vec::with_capacity(256);
        for (v, &c) in count.iter().enumerate() {
            if c > 0 {
                code[v] = counts.len() as u64;
                counts.push(c);
            }
        }
        self.sort_coded(block, |b| code[usize::from(b)], &counts);
    }

    /// Leaves in `self.order` the start positions of the cyclic rotations of `seq` in sorted
    /// order (equal rotations in any order), where `code` maps each symbol to its rank among
    /// the `counts.len()` symbols in use (order-preserving), and `counts` holds how often
    /// each rank occurs (it chooses the keys; wrong counts cost speed, not correctness).
    pub(super) fn sort_coded<T: Copy>(
        &mut self,
        seq: &[T],
        code: impl Fn(T) -> u64,
        counts: &[u32],
    ) {
        let sigma = counts.len() as u64;
        let block = seq;
        let n = block.len();
        debug_assert!(n < 1 << 32, "blocks are far below 2^32 symbols");
        self.order.clear();
        if n == 0 {
            return;
        }
        let index_bits = (usize::BITS - (n - 1).leading_zeros()).max(1);
        // Skewed blocks pack by a variable-width code (each key's count of whole symbols in
        // `self.lens`), any other by the fixed width (`chars` symbols a key).
        self.radix = false;
        self.variable = self.pack_variable(block, index_bits, &code, counts);
        let (chars, align) = if self.variable {
            (None, index_bits)
        } else {
            let (chars, align) = self.pack_keys(block, index_bits, &code, sigma);
            (Some(chars as u32), align)
        };
        self.sort_packed();
        let index_mask = (1u64 << index_bits) - 1;
        let sorted = &self.sorted;
        let mut groups = Vec::new();
        let mut lo = 0usize;
        for p in 1..=n {
            if p == n || (sorted[p] ^ sorted[lo]) > index_mask {
                if p - lo > 1 {
                    let first = (sorted[lo] & index_mask) as usize;
                    let h = held(chars, &self.lens, first, index_bits);
                    groups.push((lo as u32, p as u32, h));
                }
                lo = p;
            }
        }
        self.order
            .extend(sorted.iter().map(|&v| (v & index_mask) as u32));
        // Ties first meet the next packed keys (most resolve there), then rank doubling.
        // A group whose members agree on `n` or more symbols holds equal rotations.
        for _ in 0..KEY_STEPS {
            groups.retain(|g| (g.2 as usize) < n);
            if groups.is_empty() {
                return;
            }
            groups = self.refine_by_key(groups, align, index_bits, chars);
        }
        groups.retain(|g| (g.2 as usize) < n);
        // Every group agrees on at least its least agreed length: doubling from there is
        // safe (groups that agree on more only settle sooner).
        if let Some(h) = groups.iter().map(|g| g.2).min() {
            let groups = groups.iter().map(|&(lo, hi, _)| (lo, hi)).collect();
            refine(&mut self.order, groups, h as usize, n);
        }
    }

    /// Orders the rotations inside `groups` (`(start, end, h)`: ranges of `self.order` whose
    /// rotations agree on their first `h` symbols) by their next symbols: the packed key of
    /// the rotation `h` symbols further on, with the rotation's own index in the low bits.
    /// Returns the ranges still tied, with the symbols they now agree on (`h` plus the whole
    /// symbols of the key, by [`held`]). `align` is the shift of the keys above their index.
    fn refine_by_key(
        &mut self,
        groups: Vec<(u32, u32, u32)>,
        align: u32,
        index_bits: u32,
        chars: Option<u32>,
    ) -> Vec<(u32, u32, u32)> {
        let n = self.packed.len();
        let low = (1u64 << align) - 1;
        let index_mask = (1u64 << index_bits) - 1;
        let mut next_groups = Vec::new();
        let mut scratch = std::mem::take(&mut self.sorted);
        let lens = &self.lens;
        let next = |i: u64, h: usize| {
            let j = i as usize + h;
            if j >= n {
                j - n
            } else {
                j
            }
        };
        for (g_lo, g_hi, h) in groups {
            let (g_lo, g_hi, h) = (g_lo as usize, g_hi as usize, h as usize);
            scratch.clear();
            scratch.extend(
                self.order[g_lo..g_hi]
                    .iter()
                    .map(|&i| (self.packed[next(u64::from(i), h)] & !low) | u64::from(i)),
            );
            scratch.sort_unstable();
            // A tied sub-range agrees on `h` symbols and the whole symbols of its next key.
            let mut tied = |sub_lo: usize, sub_hi: usize| {
                let j = next(scratch[sub_lo] & index_mask, h);
                let agreed = h as u32 + held(chars, lens, j, index_bits);
                next_groups.push(((g_lo + sub_lo) as u32, (g_lo + sub_hi) as u32, agreed));
            };
            let mut sub_lo = 0;
            for q in 1..scratch.len() {
                if (scratch[q] ^ scratch[q - 1]) > low {
                    if q - sub_lo > 1 {
                        tied(sub_lo, q);
                    }
                    sub_lo = q;
                }
            }
            if scratch.len() - sub_lo > 1 {
                tied(sub_lo, scratch.len());
            }
            for (o, &v) in self.order[g_lo..g_hi].iter_mut().zip(scratch.iter()) {
                *o = (v & index_mask) as u32;
            }
        }
        self.sorted = scratch;
        next_groups
    }

    /// Fills `self.packed` with variable-width keys when they pay: for a skewed block, an
    /// alphabetic prefix code ([`alphabetic_code`]) gives frequent symbols short codes, and
    /// each rotation `i` gets the first `64 - index_bits` bits of its symbols' codes above
    /// `index_bits` bits that hold `i` (sorting these sorts the rotations by their first
    /// symbols: the codes are prefix free and ordered as the symbols). `self.lens` gets each
    /// symbol's code length, for [`held`]. Returns false, packing nothing, when the fixed
    /// width of [`Sorter::pack_keys`] would hold nearly as many symbols a key (uniform data)
    /// or the code would be too long.
    fn pack_variable<T: Copy>(
        &mut self,
        block: &[T],
        index_bits: u32,
        code: &impl Fn(T) -> u64,
        counts: &[u32],
    ) -> bool {
        let n = block.len();
        let width = 64 - index_bits;
        let sigma = counts.len() as u64;
        if !(2..=MAX_VARIABLE_SIGMA).contains(&sigma) || width < MAX_CODE {
            return false;
        }
        let (codes, code_lens) = (&mut self.codes, &mut self.code_lens);
        if !alphabetic_code(counts, codes, code_lens) {
            return false;
        }
        let total: u64 = (counts.iter().zip(code_lens.iter()))
            .map(|(&c, &l)| u64::from(c) * u64::from(l))
            .sum();
        // Symbols a key holds: `width * m / total` on average here, `chars` at fixed width.
        let m: u64 = counts.iter().map(|&c| u64::from(c)).sum();
        let chars = u64::from(width / (64 - (sigma - 1).leading_zeros()).max(1));
        if u64::from(width) * m * VARIABLE_GAIN.1 < chars * total * VARIABLE_GAIN.0 {
            return false;
        }
        // Each key is its symbol's code followed by the next rotation's key: built from the
        // block's end, after a start on the 64 symbols (at least 64 bits) from rotation 0 on.
        let top: Vec<(u64, u32)> = (codes.iter().zip(code_lens.iter()))
            .map(|(&c, &l)| (c << (64 - u32::from(l)), u32::from(l)))
            .collect();
        let mut key = 0u64;
        for t in (0..64).rev() {
            let (c, l) = top[code(block[t % n]) as usize];
            key = c | (key >> l);
        }
        let index_mask = (1u64 << index_bits) - 1;
        self.packed.resize(n, 0);
        self.lens.resize(n, 0);
        let keys = self.packed.iter_mut().zip(self.lens.iter_mut());
        for (i, ((k, len), &s)) in keys.zip(block).enumerate().rev() {
            let (c, l) = top[code(s) as usize];
            key = c | (key >> l);
            *k = (key & !index_mask) | i as u64;
            *len = l as u8;
        }
        true
    }

    /// Fills `self.packed`: for each rotation `i`, its first symbols as their codes (below
    /// `sigma`) packed big-end first above `index_bits` bits that hold `i`. Sorting these
    /// sorts the rotations by their first symbols. Returns how many symbols a key holds and
    /// the shift of the key above the index bits.
    fn pack_keys<T: Copy>(
        &mut self,
        block: &[T],
        index_bits: u32,
        code: &impl Fn(T) -> u64,
        sigma: u64,
    ) -> (usize, u32) {
        let n = block.len();
        let bits = (64 - (sigma - 1).leading_zeros()).max(1);
        let chars = ((64 - index_bits) / bits) as usize;
        // Three symbols (binary text's two tokens and its block's lone wrap token) take two
        // bits each, and a key of 23 holds so little of a biased source's entropy that ties
        // abound; counting in base 3 holds 29. Measured (one thread, alternating rounds):
        // a compression of `v2_biased1` 22-25 % faster, `truerand_1bit` 6-12 %; for 5, 9
        // and 17 symbols (2-, 3- and 4-bit text) it was slower, so it is kept to three.
        if sigma == 3 {
            let room = 1u128 << (64 - index_bits);
            let (mut radix_chars, mut power) = (0usize, 1u128);
            while power * 3 <= room {
                power *= 3;
                radix_chars += 1;
            }
            if radix_chars > chars {
                self.radix = true;
                return self.pack_radix_keys(block, code, sigma, radix_chars, power);
            }
        }
        let width = bits * chars as u32;
        let mask = (1u64 << width) - 1;
        let align = 64 - width;
        let mut key = 0u64;
        let mut ahead = 0usize; // index of the next character to shift in, modulo n
        for _ in 0..chars {
            key = (key << bits) | code(block[ahead]);
            ahead = if ahead + 1 == n { 0 } else { ahead + 1 };
        }
        self.packed.clear();
        if ahead == chars {
            // The usual case (the block is longer than a key): the characters shifted in are
            // block[chars..] and then the first `chars` again, without a wrap test per step.
            let ahead_bytes = block[chars..].iter().chain(&block[..chars]);
            self.packed
                .extend((0..n as u64).zip(ahead_bytes).map(|(i, &b)| {
                    let k = ((key & mask) << align) | i;
                    key = (key << bits) | code(b);
                    k
                }));
        } else {
            for i in 0..n as u64 {
                self.packed.push(((key & mask) << align) | i);
                key = (key << bits) | code(block[ahead]);
                ahead = if ahead + 1 == n { 0 } else { ahead + 1 };
            }
        }
        (chars, align)
    }

    /// [`Sorter::pack_keys`] in base `sigma`: rotation `i`'s first `chars` symbols as the
    /// digits of a number below `power` (`sigma^chars`, which fits above the index bits),
    /// rolled one symbol a step. Returns `chars` and the shift of the keys above the index.
    fn pack_radix_keys<T: Copy>(
        &mut self,
        block: &[T],
        code: &impl Fn(T) -> u64,
        sigma: u64,
        chars: usize,
        power: u128,
    ) -> (usize, u32) {
        let n = block.len();
        // The weight of a key's first digit, and the bits of the largest key.
        let lead = (power / u128::from(sigma)) as u64;
        let align = (power - 1).leading_zeros() - 64;
        let at = |i: usize| block[if i >= n { i % n } else { i }];
        let mut key = (0..chars).fold(0u64, |k, t| k * sigma + code(at(t)));
        self.packed.clear();
        self.packed.extend((0..n).map(|i| {
            let k = (key << align) | i as u64;
            key = (key - code(block[i]) * lead) * sigma + code(at(i + chars));
            k
        }));
        (chars, align)
    }

    /// Sorts `self.packed` into `self.sorted`: a counting pass on the top 16 bits, then a
    /// sort of each bucket.
    fn sort_packed(&mut self) {
        const BUCKETS: usize = 1 << 16;
        let start = &mut self.bucket_start;
        start.clear();
        start.resize(BUCKETS + 1, 0);
        for &k in &self.packed {
            start[(k >> 48) as usize + 1] += 1;
        }
        for b in 0..BUCKETS {
            start[b + 1] += start[b];
        }
        // The scatter below writes every entry: no zeroing beyond a resize.
        self.sorted.resize(self.packed.len(), 0);
        let next = &mut self.bucket_next;
        next.clear();
        next.extend_from_slice(start);
        for &k in &self.packed {
            let b = (k >> 48) as usize;
            self.sorted[next[b] as usize] = k;
            next[b] += 1;
        }
        for b in 0..BUCKETS {
            let (lo, hi) = (start[b] as usize, start[b + 1] as usize);
            if hi - lo > 1 {
                self.sorted[lo..hi].sort_unstable();
            }
        }
    }
}

/// The whole symbols the key of rotation `j` holds: `chars` at fixed width; with variable
/// codes (lengths `lens`), those from `j` on whose codes end within the key's
/// `64 - index_bits` bits. Rotations with equal keys hold the same whole symbols (the codes
/// are prefix free, so the bits decode alike) and then the same partial code.
fn held(chars: Option<u32>, lens: &[u8], j: usize, index_bits: u32) -> u32 {
    if let Some(c) = chars {
        return c;
    }
    let n = lens.len();
    let width = 64 - index_bits;
    let (mut used, mut k, mut at) = (0u32, 0u32, j);
    loop {
        let l = u32::from(lens[at]);
        if used + l > width {
            return k;
        }
        used += l;
        k += 1;
        at = if at + 1 == n { 0 } else { at + 1 };
    }
}

/// An alphabetic prefix code for symbols `0..counts.len()` (at least two) occurring
/// `counts` times: `codes[r]` holds `lens[r]` bits (1 to [`MAX_CODE`]), and the codes in
/// rank order are increasing bit strings, none a prefix of another, so concatenated codes
/// compare as the symbol sequences they spell. Built by weight-balanced splits of the
/// rank-ordered symbols (each weighs its count plus one, so that symbols that do not occur
/// still split evenly): within a few bits of the entropy, which is what keys need. False
/// when a code would be longer than [`MAX_CODE`].
fn alphabetic_code(counts: &[u32], codes: &mut Vec<u64>, lens: &mut Vec<u8>) -> bool {
    let s = counts.len();
    let mut prefix = Vec::with_capacity(s + 1);
    prefix.push(0u64);
    let mut sum = 0u64;
    for &c in counts {
        sum += u64::from(c) + 1;
        prefix.push(sum);
    }
    codes.clear();
    codes.resize(s, 0);
    lens.clear();
    lens.resize(s, 0);
    let mut stack = vec![(0usize, s, 0u64, 0u32)];
    while let Some((lo, hi, c, l)) = stack.pop() {
        if hi - lo == 1 {
            codes[lo] = c;
            lens[lo] = l as u8;
            continue;
        }
        if l == MAX_CODE {
            return false;
        }
        // The split whose left weight is nearest half the range's (both sides non-empty).
        let target = prefix[lo] + prefix[hi];
        let first = lo + 1 + prefix[lo + 1..hi].partition_point(|&p| 2 * p < target);
        let mut m = first.min(hi - 1);
        if m > lo + 1 && (2 * prefix[m - 1]).abs_diff(target) < (2 * prefix[m]).abs_diff(target) {
            m -= 1;
        }
        stack.push((lo, m, c << 1, l + 1));
        stack.push((m, hi, (c << 1) | 1, l + 1));
    }
    true
}

/// Orders the rotations inside `groups` (which agree on their first `h` characters) by rank
/// doubling: a rotation's rank is the start of its group in `order`, and members of a group
/// are sorted by the rank of the rotation `h` characters further on, which orders them by
/// their first `2h` characters. Ranks refined earlier in a round are finer but consistent,
/// so using them at once is safe. Stops when every group is a single rotation or `h >= n`
/// (the rest are equal rotations).
fn refine(order: &mut [u32], mut groups: Vec<(u32, u32)>, mut h: usize, n: usize) {
    // Every rotation's rank: its position, or the start of its range of equal keys.
    let mut rank = vec![0u32; n];
    for (p, &i) in order.iter().enumerate() {
        rank[i as usize] = p as u32;
    }
    for &(g_lo, g_hi) in &groups {
        for &i in &order[g_lo as usize..g_hi as usize] {
            rank[i as usize] = g_lo;
        }
    }
    let mut scratch: Vec<(u32, u32)> = Vec::new();
    while !groups.is_empty() && h < n {
        let mut next_groups = Vec::new();
        for &(g_lo, g_hi) in &groups {
            let (g_lo, g_hi) = (g_lo as usize, g_hi as usize);
            scratch.clear();
            scratch.extend(order[g_lo..g_hi].iter().map(|&i| {
                let j = i as usize + h;
                let j = if j >= n { j - n } else { j };
                (rank[j], i)
            }));
            scratch.sort_unstable_by_key(|p| p.0);
            let mut sub_lo = 0usize;
            for q in 0..scratch.len() {
                order[g_lo + q] = scratch[q].1;
                if q > 0 && scratch[q].0 != scratch[q - 1].0 {
                    if q - sub_lo > 1 {
                        next_groups.push(((g_lo + sub_lo) as u32, (g_lo + q) as u32));
                    }
                    sub_lo = q;
                }
            }
            if scratch.len() - sub_lo > 1 {
                next_groups.push(((g_lo + sub_lo) as u32, g_hi as u32));
            }
            // New ranks: the start of each sub-range.
            let mut r = g_lo as u32;
            for q in 0..scratch.len() {
                if q > 0 && scratch[q].0 != scratch[q - 1].0 {
                    r = (g_lo + q) as u32;
                }
                rank[scratch[q].1 as usize] = r;
            }
        }
        groups = next_groups;
        h = h.saturating_mul(2);
    }
}

/// The definition, for tests here and in `tokens`: sort all rotations as byte strings and
/// take each one's last byte.
#[cfg(test)]
pub(super) fn naive_last_column(block: &[u8]) -> Vec<u8> {
    let n = block.len();
    let mut rot: Vec<Vec<u8>> = (0..n)
        .map(|i| block[i..].iter().chain(&block[..i]).copied().collect())
        .collect();
    rot.sort();
    rot.iter().map(|r| r[n - 1]).collect()
}

#[cfg(test)]
mod tests {
    use super::naive_last_column as naive;
    use super::*;
    use crate::rng::Rng;

    #[test]
    fn matches_the_definition_on_varied_blocks() {
        let mut r = Rng::new(3, 0);
        let mut cases: Vec<Vec<u8>> = vec![
            b"a".to_vec(),
            b"ab".to_vec(),
            b"aaaa".to_vec(),
            b"abab".to_vec(),
            b"abababab".to_vec(),
            b"mississippi".to_vec(),
            b"0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 1".to_vec(),
            (0..300).map(|i| (i % 7) as u8).collect(),
            (0..257).map(|i| i as u8).collect(),
            // Period 48 over a whole block: every rotation equals one 47 others.
            (0..480)
                .map(|i| b"0 1 2 3 "[(i % 48) % 8] + (i % 48 / 8) as u8)
                .collect(),
        ];
        for len in [2usize, 3, 17, 33, 100, 1000, 3000] {
            for alphabet in [2u64, 3, 11, 16, 17, 200] {
                cases.push((0..len).map(|_| r.below(alphabet) as u8).collect());
            }
        }
        for c in &cases {
            assert_eq!(last_column(c), naive(c), "{c:?}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]
        #[test]
        fn matches_the_definition_on_random_periodic_and_repetitive_blocks(
            alphabet in 2u8..=12,
            pattern in proptest::collection::vec(0u8..=255, 1..40),
            len in 1usize..1200,
            kind in 0u8..4,
            seed in 0u64..1_000_000,
        ) {
            let mut r = Rng::new(seed, 0);
            let block: Vec<u8> = match kind {
                // Random text over a small alphabet.
                0 => (0..len).map(|_| b'0' + r.below(u64::from(alphabet)) as u8).collect(),
                // A pattern repeated exactly: whole rotations are equal.
                1 => (0..len).map(|i| pattern[i % pattern.len()] % alphabet).collect(),
                // A repeated pattern with a few changes: long but finite common prefixes.
                2 => {
                    let mut b: Vec<u8> = (0..len).map(|i| pattern[i % pattern.len()] % alphabet).collect();
                    for _ in 0..1 + len / 300 {
                        let at = r.below(len as u64) as usize;
                        b[at] = b[at].wrapping_add(1);
                    }
                    b
                }
                // Long runs of one or two symbols.
                _ => (0..len)
                    .map(|i| if (i / (1 + pattern[0] as usize)) % 7 == 0 { 1 } else { 0 })
                    .collect(),
            };
            proptest::prop_assert_eq!(last_column(&block), naive(&block));
        }
    }

    /// A block of `len` symbols where `main` makes up about `skew` percent and the rest are
    /// drawn from `alphabet` values, shaped by `kind`: random, long runs of `main`, a skewed
    /// pattern repeated (with a few changes when `kind` is 3), two values only, all equal,
    /// or a block of 1 to 3 symbols.
    fn skewed_block(
        kind: u8,
        skew: u64,
        alphabet: u64,
        main: u8,
        len: usize,
        seed: u64,
    ) -> Vec<u8> {
        let mut r = Rng::new(seed, 0);
        let draw = |r: &mut Rng| {
            if r.below(100) < skew {
                main
            } else {
                main.wrapping_add(1 + r.below(alphabet) as u8)
            }
        };
        match kind {
            0 => (0..len).map(|_| draw(&mut r)).collect(),
            1 => {
                // Runs of `main` up to three times a key's symbols, single others between.
                let mut b = Vec::with_capacity(len);
                while b.len() < len {
                    let run = r.below(skew * 2) as usize;
                    b.extend(std::iter::repeat_n(main, run.min(len - b.len())));
                    b.push(main.wrapping_add(1 + r.below(alphabet) as u8));
                }
                b.truncate(len);
                b
            }
            2 | 3 => {
                let period = 1 + r.below(40) as usize;
                let pattern: Vec<u8> = (0..period).map(|_| draw(&mut r)).collect();
                let mut b: Vec<u8> = (0..len).map(|i| pattern[i % period]).collect();
                if kind == 3 {
                    for _ in 0..1 + len / 400 {
                        let at = r.below(len as u64) as usize;
                        b[at] = b[at].wrapping_add(1);
                    }
                }
                b
            }
            4 => (0..len)
                .map(|_| if r.below(100) < skew { main } else { main ^ 1 })
                .collect(),
            5 => vec![main; len],
            _ => (0..1 + len % 3).map(|_| draw(&mut r)).collect(),
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]
        #[test]
        fn matches_the_definition_on_skewed_blocks(
            kind in 0u8..7,
            skew in 50u64..100,
            alphabet in 1u64..=255,
            main in proptest::prelude::any::<u8>(),
            len in 1usize..1500,
            seed in 0u64..1_000_000,
        ) {
            let block = skewed_block(kind, skew, alphabet, main, len, seed);
            proptest::prop_assert_eq!(last_column(&block), naive(&block));
        }

        #[test]
        fn three_symbols_match_the_definition(
            kind in 0u8..4,
            skew in 34u64..100,
            len in 1usize..1500,
            period in 1usize..60,
            seed in 0u64..1_000_000,
        ) {
            // Base-3 keys (binary text with its wrap token): random with one symbol `skew`
            // percent, a pattern repeated exactly or with a few changes, long runs.
            let mut r = Rng::new(seed, 0);
            let symbol = |x: u64| b"01 "[x as usize % 3];
            let pattern: Vec<u8> = (0..period).map(|_| symbol(r.below(3))).collect();
            let block: Vec<u8> = match kind {
                0 => (0..len)
                    .map(|_| if r.below(100) < skew { b'0' } else { symbol(1 + r.below(2)) })
                    .collect(),
                1 => (0..len).map(|i| pattern[i % period]).collect(),
                2 => {
                    let mut b: Vec<u8> = (0..len).map(|i| pattern[i % period]).collect();
                    for _ in 0..1 + len / 300 {
                        let at = r.below(len as u64) as usize;
                        b[at] = symbol(r.below(3));
                    }
                    b
                }
                _ => {
                    let mut b = Vec::with_capacity(len);
                    while b.len() < len {
                        b.extend(std::iter::repeat_n(b'0', r.below(2 * skew) as usize));
                        b.push(symbol(1 + r.below(2)));
                    }
                    b.truncate(len);
                    b
                }
            };
            proptest::prop_assert_eq!(last_column(&block), naive(&block));
        }

        #[test]
        fn alphabetic_codes_are_ordered_and_prefix_free(
            counts in proptest::collection::vec(0u32..1000, 2..300),
            heavy in 0usize..300,
            weight in 0u32..10_000_000,
        ) {
            let mut counts = counts;
            let at = heavy % counts.len();
            counts[at] = weight;
            let (mut codes, mut lens) = (Vec::new(), Vec::new());
            proptest::prop_assert!(alphabetic_code(&counts, &mut codes, &mut lens));
            // Left-aligned, consecutive codes are increasing and the first is no prefix of
            // the second (they differ within the shorter one).
            let top = |r: usize| codes[r] << (64 - u32::from(lens[r]));
            for r in 1..counts.len() {
                let shorter = lens[r - 1].min(lens[r]);
                proptest::prop_assert!(lens[r] >= 1 && u32::from(lens[r]) <= MAX_CODE);
                proptest::prop_assert!(top(r - 1) < top(r));
                proptest::prop_assert!(
                    (top(r - 1) ^ top(r)).leading_zeros() < u32::from(shorter),
                    "code {} is a prefix of code {}", r - 1, r
                );
            }
        }
    }

    #[test]
    fn skewed_blocks_take_variable_keys_and_uniform_ones_fixed() {
        let mut r = Rng::new(14, 0);
        let mut sorter = Sorter::default();
        let mut out = Vec::new();
        // 80% one value (as the zeros of biased-random-bytes), the rest uniform: the zero
        // runs outlast fixed-width keys, so ties are many and variable keys are taken.
        let skewed: Vec<u8> = (0..20_000)
            .map(|_| {
                if r.below(5) > 0 {
                    0
                } else {
                    r.below(256) as u8
                }
            })
            .collect();
        sorter.last_column_by_bytes(&skewed, &mut out);
        assert!(sorter.used_variable_keys());
        assert_eq!(out, naive(&skewed));
        let uniform: Vec<u8> = (0..20_000).map(|_| r.below(256) as u8).collect();
        sorter.last_column_by_bytes(&uniform, &mut out);
        assert!(!sorter.used_variable_keys());
        assert_eq!(out, naive(&uniform));
        // One symbol has no variable code.
        sorter.last_column_by_bytes(&[7; 100], &mut out);
        assert!(!sorter.used_variable_keys());
    }

    #[test]
    fn wrong_counts_cost_speed_not_correctness() {
        // Counts claiming a rare symbol is the frequent one: variable keys that hold few
        // symbols, still sorted right.
        let mut r = Rng::new(15, 0);
        let block: Vec<u8> = (0..3_000)
            .map(|_| {
                if r.below(10) > 0 {
                    0
                } else {
                    1 + r.below(5) as u8
                }
            })
            .collect();
        let mut sorter = Sorter::default();
        // Then counts far below the block's: codes shorter in total than the block's bits.
        for counts in [[1, 1, 1, 1, 1, 1_000_000], [10, 1, 1, 1, 1, 1]] {
            sorter.sort_coded(&block, u64::from, &counts);
            assert!(sorter.used_variable_keys());
            let n = block.len();
            let column: Vec<u8> = (sorter.order().iter())
                .map(|&i| block[(i as usize + n - 1) % n])
                .collect();
            assert_eq!(column, naive(&block), "{counts:?}");
        }
    }

    #[test]
    fn too_deep_codes_are_declined() {
        // Counts doubling by rank: each weight-balanced split leaves the heaviest alone, so
        // the lightest symbols sit 30 splits deep, beyond the longest code.
        let counts: Vec<u32> = (0..31).map(|k| 1 << k).collect();
        let (mut codes, mut lens) = (Vec::new(), Vec::new());
        assert!(!alphabetic_code(&counts, &mut codes, &mut lens));
        assert!(alphabetic_code(&counts[..20], &mut codes, &mut lens));
    }

    #[test]
    fn three_symbols_count_in_base_three() {
        // Every length up to well past a key's 29 symbols (short blocks wrap their first
        // key around the block several times), random and periodic, and whole blocks.
        let mut r = Rng::new(16, 0);
        for len in 1..=160 {
            let random: Vec<u8> = (0..len).map(|_| b"01 "[r.below(3) as usize]).collect();
            assert_eq!(last_column(&random), naive(&random), "{random:?}");
            let periodic: Vec<u8> = (0..len).map(|i| b"0 1"[i % 3 % (1 + len % 3)]).collect();
            assert_eq!(last_column(&periodic), naive(&periodic), "{periodic:?}");
        }
        let mut sorter = Sorter::default();
        let mut out = Vec::new();
        for len in [2_000, 4_000] {
            let biased: Vec<u8> = (0..len)
                .map(|_| [7u8, 7, 7, 9, 200][r.below(5) as usize])
                .collect();
            sorter.last_column_by_bytes(&biased, &mut out);
            assert!(sorter.used_radix_keys());
            assert_eq!(out, naive(&biased));
        }
        // Two or four symbols pack whole bits.
        for symbols in [&b"01"[..], b"0123"] {
            let block: Vec<u8> = (0..2_000)
                .map(|_| symbols[r.below(symbols.len() as u64) as usize])
                .collect();
            sorter.last_column_by_bytes(&block, &mut out);
            assert!(!sorter.used_radix_keys());
            assert_eq!(out, naive(&block));
        }
    }

    #[test]
    fn long_repeats_are_settled() {
        // Long equal runs of text keep keys equal for thousands of characters.
        let mut t = b"0 ".repeat(2000);
        t.extend_from_slice(b"1 ");
        t.extend(b"0 ".repeat(1500));
        assert_eq!(last_column(&t), naive(&t));
    }
}

#[cfg(test)]
mod example {
    #[test]
    fn banana() {
        // Rotations of "banana" sorted: abanan, anaban, ananab, banana, nabana, nanaba.
        assert_eq!(super::last_column(b"banana"), b"nnbaaa".to_vec());
    }
}
