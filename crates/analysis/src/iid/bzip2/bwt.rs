//! The Burrows-Wheeler transform of one bzip2 block: the last column of the block's cyclic
//! rotations in sorted order.
//!
//! bzip2 sorts cyclic rotations (not suffixes). Only the last column matters for the
//! compressed length, and it does not depend on how equal rotations are ordered, so any
//! correct rotation sort gives libbz2's column. This one packs the first characters of each
//! rotation into a `u64` above the rotation's index (the bytes in use get dense,
//! order-preserving codes, so decimal text packs 11 characters to a key), sorts these by a
//! radix pass on their top 16 bits and a sort within each bucket, orders equal keys by the
//! next packed keys (a few rounds, which settle random text of any alphabet), and settles
//! what is still tied by rank doubling (Larsson-Sadakane), which bounds the work on periodic
//! blocks by O(n log^2 n).

/// Rounds of [`Sorter::refine_by_key`] before rank doubling takes over: enough to settle
/// random text of two symbols (11 bits per 22-character key), few enough that periodic
/// blocks, which no number of rounds settles, soon move on to doubling.
const KEY_STEPS: usize = 3;

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

    /// The start positions of the cyclic rotations in sorted order, as the last sort left
    /// them.
    pub(super) fn order(&self) -> &[u32] {
        &self.order
    }

    /// Leaves in `self.order` the start positions of the cyclic rotations of `block` in
    /// sorted order (equal rotations in any order).
    fn sort_rotations(&mut self, block: &[u8]) {
        // The bytes in use get dense, order-preserving codes.
        let mut used = [false; 256];
        for &b in block {
            used[usize::from(b)] = true;
        }
        let mut code = [0u64; 256];
        let mut sigma = 0u64;
        for (v, &u) in used.iter().enumerate() {
            if u {
                code[v] = sigma;
                sigma += 1;
            }
        }
        self.sort_coded(block, |b| code[usize::from(b)], sigma);
    }

    /// Leaves in `self.order` the start positions of the cyclic rotations of `seq` in sorted
    /// order (equal rotations in any order), where `code` maps each symbol to its rank among
    /// the `sigma` symbols in use (order-preserving, below `sigma`).
    pub(super) fn sort_coded<T: Copy>(&mut self, seq: &[T], code: impl Fn(T) -> u64, sigma: u64) {
        let block = seq;
        let n = block.len();
        debug_assert!(n < 1 << 32, "blocks are far below 2^32 symbols");
        self.order.clear();
        if n == 0 {
            return;
        }
        let index_bits = (usize::BITS - (n - 1).leading_zeros()).max(1);
        let (chars, align) = self.pack_keys(block, index_bits, code, sigma);
        self.sort_packed();
        let index_mask = (1u64 << index_bits) - 1;
        let sorted = &self.sorted;
        let mut groups = Vec::new();
        let mut lo = 0usize;
        for p in 1..=n {
            if p == n || (sorted[p] ^ sorted[lo]) > index_mask {
                if p - lo > 1 {
                    groups.push((lo as u32, p as u32));
                }
                lo = p;
            }
        }
        self.order
            .extend(sorted.iter().map(|&v| (v & index_mask) as u32));
        // Ties first meet the next packed keys (most resolve there), then rank doubling.
        let mut h = chars;
        for _ in 0..KEY_STEPS {
            if groups.is_empty() || h >= n {
                return;
            }
            groups = self.refine_by_key(groups, h, align, index_mask);
            h += chars;
        }
        if !groups.is_empty() {
            refine(&mut self.order, groups, h, n);
        }
    }

    /// Orders the rotations inside `groups` (which agree on their first `h` characters) by
    /// their next characters: the packed key of the rotation `h` characters further on, with
    /// the rotation's own index in the low bits. Returns the ranges still tied.
    fn refine_by_key(
        &mut self,
        groups: Vec<(u32, u32)>,
        h: usize,
        align: u32,
        index_mask: u64,
    ) -> Vec<(u32, u32)> {
        let n = self.packed.len();
        let low = (1u64 << align) - 1;
        let mut next_groups = Vec::new();
        let mut scratch = std::mem::take(&mut self.sorted);
        for (g_lo, g_hi) in groups {
            let (g_lo, g_hi) = (g_lo as usize, g_hi as usize);
            scratch.clear();
            scratch.extend(self.order[g_lo..g_hi].iter().map(|&i| {
                let j = i as usize + h;
                let j = if j >= n { j - n } else { j };
                (self.packed[j] & !low) | u64::from(i)
            }));
            scratch.sort_unstable();
            let mut sub_lo = 0;
            for q in 0..scratch.len() {
                self.order[g_lo + q] = (scratch[q] & index_mask) as u32;
                if q > 0 && (scratch[q] ^ scratch[q - 1]) > low {
                    if q - sub_lo > 1 {
                        next_groups.push(((g_lo + sub_lo) as u32, (g_lo + q) as u32));
                    }
                    sub_lo = q;
                }
            }
            if scratch.len() - sub_lo > 1 {
                next_groups.push(((g_lo + sub_lo) as u32, g_hi as u32));
            }
        }
        self.sorted = scratch;
        next_groups
    }

    /// Fills `self.packed`: for each rotation `i`, its first symbols as their codes (below
    /// `sigma`) packed big-end first above `index_bits` bits that hold `i`. Sorting these
    /// sorts the rotations by their first symbols. Returns how many symbols a key holds and
    /// the shift of the key above the index bits.
    fn pack_keys<T: Copy>(
        &mut self,
        block: &[T],
        index_bits: u32,
        code: impl Fn(T) -> u64,
        sigma: u64,
    ) -> (usize, u32) {
        let n = block.len();
        let bits = (64 - (sigma - 1).leading_zeros()).max(1);
        let chars = ((64 - index_bits) / bits) as usize;
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
