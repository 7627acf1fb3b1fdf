//! The Burrows-Wheeler column of a block of space-terminated tokens (the compression
//! statistic's decimal text, SP 800-90B section 5.1.11), from a rotation sort over tokens.
//!
//! Cut the cyclic block after each space: every piece (a token) is a run of non-space bytes
//! and one space, so no token is a proper prefix of another, and neither is any tail of a
//! token (the rest of it from some byte on). A rotation that starts inside a token is that
//! token's tail followed by the rotation that starts at the next token; two such rotations
//! with different tails are therefore ordered by their tails alone (they differ before either
//! tail ends), and with equal tails by the rotations that follow. So the block's rotation
//! order is: the tails' order, then within equal tails the order of the following
//! token-start rotations. Those are sorted as rotations of the sequence of token ranks (a
//! token rotation's bytes compare as its token sequence does, since the tokens are prefix
//! free), a text about 3.6 times shorter than the block whose keys pack about 20 bytes of
//! decimal text each; then one pass over the token rotations in sorted order drops each tail
//! of the token before it into its tail's bucket, which fills every bucket in order.
//!
//! The block may be cut anywhere (mid-token): cyclically, its last partial token joins its
//! first. Blocks without a space, with a token longer than 8 bytes or with more than
//! [`MAX_DISTINCT`] distinct tokens are left to the byte-wise sort.

use super::bwt::Sorter;

/// The byte that ends a token.
const SEP: u8 = b' ';
/// Longest token handled: a token (and each of its tails) packs into a `u64`.
const MAX_TOKEN: usize = 8;
/// Most distinct tokens handled (8-bit decimal text has at most 256, plus the token that
/// wraps around the block).
const MAX_DISTINCT: usize = 2048;
/// Slots of the hash table that numbers distinct tokens (a power of two, twice the limit).
const TABLE: usize = 2 * MAX_DISTINCT;

/// Buffers of the token sort, kept between blocks.
#[derive(Debug, Default)]
pub struct TokenSorter {
    /// Positions of the spaces, in order: token `k` ends at `ends[k]`.
    ends: Vec<u32>,
    /// Each token's rank among the distinct tokens (first its first-seen number).
    seq: Vec<u16>,
    /// Hash table of distinct tokens: packed token (0 = empty slot) and its number.
    table_keys: Vec<u64>,
    table_ids: Vec<u16>,
    /// Distinct tokens by number: packed bytes, length, occurrences.
    keys: Vec<u64>,
    lens: Vec<u8>,
    counts: Vec<u32>,
}

/// The bytes of a token of `len` bytes (at most 8) packed big-end first, zero-padded below:
/// for tokens and tails, which are prefix free, the packed order is the byte-string order
/// (two differ at a byte both hold).
fn pack(bytes: impl Iterator<Item = u8>, len: usize) -> u64 {
    let v = bytes.fold(0u64, |k, b| (k << 8) | u64::from(b));
    if len == 8 {
        v
    } else {
        v << (8 * (8 - len))
    }
}

impl TokenSorter {
    /// Writes the last column of the sorted cyclic rotations of `block` into `out`, using
    /// `sorter` for the token rotations, and returns true; or returns false, leaving `out`
    /// unspecified, when the block does not split into short tokens (see the module doc).
    pub fn last_column(&mut self, block: &[u8], sorter: &mut Sorter, out: &mut Vec<u8>) -> bool {
        let n = block.len();
        if n == 0 || n >= 1 << 32 || !self.split(block) {
            return false;
        }
        let m = self.ends.len();
        let ends = &self.ends;
        // Where token k starts (token 0 may wrap around the block's end).
        let start = |k: usize| -> usize {
            if k == 0 {
                (ends[m - 1] as usize + 1) % n
            } else {
                ends[k - 1] as usize + 1
            }
        };

        // Number the distinct tokens in first-seen order.
        if self.table_keys.len() != TABLE {
            self.table_keys = vec![0; TABLE];
            self.table_ids = vec![0; TABLE];
        } else {
            self.table_keys.fill(0);
        }
        self.keys.clear();
        self.lens.clear();
        self.counts.clear();
        self.seq.clear();
        for k in 0..m {
            let e = ends[k] as usize;
            let len = if k == 0 {
                e + n - ends[m - 1] as usize
            } else {
                e - ends[k - 1] as usize
            };
            let key = if k > 0 && e >= 7 {
                // The 8 bytes ending at the space, the token's at the top.
                let w = u64::from_be_bytes(block[e - 7..=e].try_into().unwrap_or([0; 8]));
                if len == 8 {
                    w
                } else {
                    w << (8 * (8 - len))
                }
            } else {
                let s = start(k);
                pack((0..len).map(|j| block[(s + j) % n]), len)
            };
            // A token holds its space, so no packed token is 0 (the empty slot).
            let mut slot = (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 52) as usize % TABLE;
            let id = loop {
                let t = self.table_keys[slot];
                if t == key {
                    break self.table_ids[slot];
                }
                if t == 0 {
                    if self.keys.len() == MAX_DISTINCT {
                        return false;
                    }
                    let id = self.keys.len() as u16;
                    self.table_keys[slot] = key;
                    self.table_ids[slot] = id;
                    self.keys.push(key);
                    self.lens.push(len as u8);
                    self.counts.push(0);
                    break id;
                }
                slot = (slot + 1) % TABLE;
            };
            self.counts[usize::from(id)] += 1;
            self.seq.push(id);
        }

        // Distinct tokens in byte-string order; the sequence becomes ranks.
        let d = self.keys.len();
        let mut by_rank: Vec<u16> = (0..d as u16).collect();
        by_rank.sort_unstable_by_key(|&id| self.keys[usize::from(id)]);
        let mut rank_of = vec![0u16; d];
        for (r, &id) in by_rank.iter().enumerate() {
            rank_of[usize::from(id)] = r as u16;
        }
        for s in &mut self.seq {
            *s = rank_of[usize::from(*s)];
        }
        sorter.sort_coded(&self.seq, u64::from, d as u64);

        // Every tail of every distinct token (token rank r, offset o: entry base[r] + o),
        // numbered in byte-string order; equal tails share a bucket.
        let mut base = Vec::with_capacity(d + 1);
        let mut tails: Vec<(u64, u32)> = Vec::new();
        for &id in &by_rank {
            let (key, len) = (self.keys[usize::from(id)], self.lens[usize::from(id)]);
            base.push(tails.len() as u32);
            for o in 0..u32::from(len) {
                tails.push((key << (8 * o), tails.len() as u32));
            }
        }
        base.push(tails.len() as u32);
        tails.sort_unstable();
        let mut bucket_of = vec![0u32; tails.len()];
        let mut buckets = 0u32;
        for (q, &(key, entry)) in tails.iter().enumerate() {
            if q > 0 && key != tails[q - 1].0 {
                buckets += 1;
            }
            bucket_of[entry as usize] = buckets;
        }
        // Bucket starts: each tail occurs as often as its token.
        let mut next = vec![0u32; buckets as usize + 2];
        for (r, &id) in by_rank.iter().enumerate() {
            let count = self.counts[usize::from(id)];
            for e in base[r]..base[r + 1] {
                next[bucket_of[e as usize] as usize + 1] += count;
            }
        }
        for b in 1..next.len() {
            next[b] += next[b - 1];
        }

        // Token rotations in sorted order: the tails of the token before each, with the
        // byte before each tail (the column's byte), into their buckets in order.
        out.clear();
        out.resize(n, 0);
        for &k in sorter.order() {
            let p = if k == 0 { m - 1 } else { k as usize - 1 };
            let r = usize::from(self.seq[p]);
            let entries = &bucket_of[base[r] as usize..base[r + 1] as usize];
            if p > 0 {
                // No wrap: the bytes before the tails are block[ends[p - 1]..ends[p]].
                let before = &block[ends[p - 1] as usize..ends[p] as usize];
                for (&b, &byte) in entries.iter().zip(before) {
                    let slot = &mut next[b as usize];
                    out[*slot as usize] = byte;
                    *slot += 1;
                }
            } else {
                let s = start(0);
                for (o, &b) in entries.iter().enumerate() {
                    let slot = &mut next[b as usize];
                    out[*slot as usize] = block[(s + o + n - 1) % n];
                    *slot += 1;
                }
            }
        }
        true
    }

    /// Finds the spaces of `block` into `self.ends`; false when there is none or a cyclic
    /// token is longer than [`MAX_TOKEN`].
    fn split(&mut self, block: &[u8]) -> bool {
        self.ends.clear();
        let mut last: Option<usize> = None;
        for (i, &b) in block.iter().enumerate() {
            if b == SEP {
                if let Some(l) = last {
                    if i - l > MAX_TOKEN {
                        return false;
                    }
                }
                last = Some(i);
                self.ends.push(i as u32);
            }
        }
        match (self.ends.first(), last) {
            (Some(&first), Some(last)) => first as usize + block.len() - last <= MAX_TOKEN,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iid::compression::as_text;
    use crate::rng::Rng;
    use proptest::prelude::*;

    /// The definition: sort all rotations as byte strings.
    fn naive(block: &[u8]) -> Vec<u8> {
        let n = block.len();
        let mut rot: Vec<Vec<u8>> = (0..n)
            .map(|i| block[i..].iter().chain(&block[..i]).copied().collect())
            .collect();
        rot.sort();
        rot.iter().map(|r| r[n - 1]).collect()
    }

    /// The token sort's column, or None where it declines the block.
    fn by_tokens(block: &[u8]) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        TokenSorter::default()
            .last_column(block, &mut Sorter::default(), &mut out)
            .then_some(out)
    }

    /// The byte-wise sort's column.
    fn by_bytes(block: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        Sorter::default().last_column_by_bytes(block, &mut out);
        out
    }

    #[test]
    fn small_blocks_and_what_is_declined() {
        for block in [
            &b"1 2 3"[..],
            b" ",
            b"7 ",
            b" 7",
            b"  1  ",
            b"12 3 12 3 12 3 ",
            b"255 0 255 0 25",
            b"1 1 1 1 1 1 1 1",
            b"\0 \xff \0 ",
        ] {
            assert_eq!(by_tokens(block), Some(naive(block)), "{block:?}");
        }
        // No space; a token of 9 bytes; the wrap token "91234567 " of 9 bytes.
        for block in [&b"123"[..], b"12345678 1 ", b"1234567 1 9"] {
            assert_eq!(by_tokens(block), None, "{block:?}");
        }
        assert_eq!(by_tokens(b"1234567 1 "), Some(naive(b"1234567 1 ")));
    }

    #[test]
    fn equals_the_byte_sort_on_full_blocks_of_8_bit_text() {
        // A level-5 block of uniform 8-bit samples as text, cut mid-token at both ends.
        let mut r = Rng::new(9, 0);
        let data: Vec<u8> = (0..150_000).map(|_| r.below(256) as u8).collect();
        let text = as_text(&data);
        let block = &text[3..3 + 499_981];
        assert_ne!(block[0], b' ');
        assert_eq!(by_tokens(block), Some(by_bytes(block)));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(250))]
        #[test]
        fn equals_the_byte_sort_and_the_definition(
            kind in 0u8..5,
            alphabet in 1u64..=256,
            pattern in proptest::collection::vec(any::<u8>(), 1..30),
            samples in 1usize..400,
            cut in 0usize..6,
            len in 1usize..1500,
            whole in any::<bool>(),
            seed in 0u64..1_000_000,
        ) {
            let mut r = Rng::new(seed, 0);
            let data: Vec<u8> = match kind {
                // Random samples.
                0 => (0..samples).map(|_| r.below(alphabet) as u8).collect(),
                // A pattern repeated exactly: with `whole`, whole rotations are equal.
                1 => (0..samples).map(|i| pattern[i % pattern.len()]).collect(),
                // A repeated pattern with a few changes: long but finite common prefixes.
                2 => {
                    let mut d: Vec<u8> = (0..samples).map(|i| pattern[i % pattern.len()]).collect();
                    for _ in 0..1 + samples / 100 {
                        let at = r.below(samples as u64) as usize;
                        d[at] = d[at].wrapping_add(1);
                    }
                    d
                }
                // One value with rare others.
                3 => (0..samples)
                    .map(|_| if r.below(40) == 0 { r.below(alphabet) as u8 } else { pattern[0] })
                    .collect(),
                // Not decimal text: bytes from a few values, one of them the space.
                _ => (0..samples)
                    .map(|_| [0u8, b' ', b'1', b'a', 0xff][r.below(5) as usize])
                    .collect(),
            };
            let block: Vec<u8> = if kind == 4 {
                data
            } else {
                let mut text = as_text(&data);
                if whole {
                    // Each sample's token, the last one's space included: the block is the
                    // pattern's text repeated.
                    text.push(b' ');
                    text
                } else {
                    let lo = cut.min(text.len() - 1);
                    text[lo..(lo + len).min(text.len())].to_vec()
                }
            };
            let expected = naive(&block);
            prop_assert_eq!(by_bytes(&block), expected.clone());
            match by_tokens(&block) {
                Some(column) => prop_assert_eq!(column, expected),
                // Decimal text is declined only without a space; the other bytes also when
                // a token is too long.
                None => prop_assert!(!block.contains(&b' ') || kind == 4),
            }
        }
    }
}
