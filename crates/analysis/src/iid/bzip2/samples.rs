//! The bzip2 length of the compression statistic's text (SP 800-90B section 5.1.11: 8-bit
//! samples written in decimal, separated by single spaces), computed from the samples
//! without writing the text.
//!
//! The text is a sequence of tokens known in advance: each sample's digits and a space (the
//! last sample's without). So the token sort of [`super::tokens`] can take its tokens
//! straight from the samples: a token's number is the sample value, its bytes come from a
//! table, and the counts are a histogram, instead of writing about 3.6 MB of text per
//! permutation, copying each block, finding its spaces and hashing its tokens. The one
//! token not read off a sample is the block's wrap token (the block's last partial token
//! followed, cyclically, by its first one up to the first space), which gets number 256,
//! or a value's number when its bytes are that value's token (it must then share the
//! number, as equal tokens must share a rank).
//!
//! Blocks are cut where libbz2 cuts the text. A token holds at most three digits and a
//! space, so the text never holds four equal bytes in a row, libbz2's initial run-length
//! coding copies every byte and its cutting is the verbatim rule of
//! [`super::blocks`]: a block ends after the run of equal bytes that holds its `limit`-th
//! byte (a run never leaves a token: digits are followed by a space), and the run after it
//! joins the block when it is the input's last byte. Blocks without a space (a short block
//! inside one token) are written out and left to the general sort. Tests compare the length
//! with [`super::compressed_len_of`] on the written text, at small block limits that cut
//! inputs into many blocks.

use std::cell::RefCell;

use super::bwt::Sorter;
use super::tokens::{column_of_tokens, Tokens};
use super::{coding, BLOCK_HEADER_BITS, STREAM_BITS};

/// Each byte value's token (decimal digits, then a space) packed big-end first as
/// `super::tokens::pack` does, and its length.
const TOKENS: [(u64, u8); 256] = {
    let mut t = [(0u64, 0u8); 256];
    let mut v = 0;
    while v < 256 {
        let (h, d, u) = ((v / 100) as u64, (v / 10 % 10) as u64, (v % 10) as u64);
        let (digits, len) = if v >= 100 {
            (
                ((b'0' as u64 + h) << 16) | ((b'0' as u64 + d) << 8) | (b'0' as u64 + u),
                3,
            )
        } else if v >= 10 {
            (((b'0' as u64 + d) << 8) | (b'0' as u64 + u), 2)
        } else {
            (b'0' as u64 + u, 1)
        };
        let token = (digits << 8) | b' ' as u64;
        t[v] = (token << (8 * (7 - len)), len as u8 + 1);
        v += 1;
    }
    t
};

/// The number of a block's wrap token when it is no value's token.
const WRAP: usize = 256;

/// Byte `o` of value `v`'s token.
fn token_byte(v: u8, o: usize) -> u8 {
    (TOKENS[usize::from(v)].0 >> (56 - 8 * o)) as u8
}

/// Length of value `v`'s token, space included (by comparisons, which vectorise in sums).
fn token_len(v: u8) -> usize {
    2 + usize::from(v >= 10) + usize::from(v >= 100)
}

/// Text length of the tokens of `data`, spaces included.
fn text_len(data: &[u8]) -> usize {
    // Chunks short enough that a u16 sum cannot overflow; u16 lanes vectorise well.
    data.chunks(8_192)
        .map(|c| usize::from(c.iter().map(|&v| token_len(v) as u16).sum::<u16>()))
        .sum()
}

/// A text position as the sample whose token holds it, where that token starts in the
/// text, and the offset into it.
#[derive(Clone, Copy, Debug)]
struct At {
    sample: usize,
    token_start: usize,
    offset: usize,
}

impl At {
    fn pos(self) -> usize {
        self.token_start + self.offset
    }
}

/// Buffers kept between blocks and permutations.
#[derive(Default)]
struct Work {
    sorter: Sorter,
    tokens: Tokens,
    next: Vec<u32>,
    last: Vec<u8>,
    text: Vec<u8>,
}

/// The length in bytes of `super::compressed_len_of(&as_text(data), limit)`
/// ([`crate::iid::compression::as_text`]: the samples in decimal, separated by spaces),
/// computed from the samples; `limit` is the block limit (at least 1),
/// `super::blocks::limit(5)` for the compression statistic.
pub fn compressed_len(data: &[u8], limit: usize) -> u64 {
    thread_local! {
        static WORK: RefCell<Work> = RefCell::default();
    }
    WORK.with_borrow_mut(|w| {
        let mut bits = STREAM_BITS;
        for_each_cut(data, limit, |start, end| {
            let in_use = w.block_column(data, start, end);
            bits += BLOCK_HEADER_BITS + coding::coded_bits(&w.last, &in_use);
        });
        bits.div_ceil(8)
    })
}

/// Calls `f` with the start and end of each block libbz2 cuts from the text of `data` with
/// a block limit of `limit` bytes (at least 1), in order.
fn for_each_cut(data: &[u8], limit: usize, mut f: impl FnMut(At, At)) {
    let limit = limit.max(1);
    let Some(&final_value) = data.last() else {
        return;
    };
    let n_text = text_len(data) - 1;
    // The end of the text: the last sample's token without its space.
    let text_end = At {
        sample: data.len() - 1,
        token_start: n_text + 1 - token_len(final_value),
        offset: token_len(final_value) - 1,
    };
    let mut start = At {
        sample: 0,
        token_start: 0,
        offset: 0,
    };
    while start.pos() < n_text {
        let end = if start.pos() + limit < n_text {
            block_end(data, start, limit, n_text, text_end)
        } else {
            text_end
        };
        f(start, end);
        start = end;
    }
}

/// Where the block starting at `start` ends, by libbz2's verbatim rule (see the module
/// doc), when the text (`n_text` bytes, ending at `text_end`) holds more than `limit`
/// bytes from `start`.
fn block_end(data: &[u8], start: At, limit: usize, n_text: usize, text_end: At) -> At {
    // The token holding the block's `limit`-th byte.
    let last = start.pos() + limit - 1;
    let (mut i, mut p) = (start.sample, start.token_start);
    // Whole chunks first (a vectorised sum), then token by token.
    const CHUNK: usize = 256;
    while i + CHUNK <= data.len() {
        let len = text_len(&data[i..i + CHUNK]);
        if p + len > last {
            break;
        }
        p += len;
        i += CHUNK;
    }
    while p + token_len(data[i]) <= last {
        p += token_len(data[i]);
        i += 1;
    }
    let o = last - p;
    // The run holding it goes on to the end of its token at most (digits then a space;
    // the last token has no space).
    let bytes = if i + 1 == data.len() {
        token_len(data[i]) - 1
    } else {
        token_len(data[i])
    };
    let b = token_byte(data[i], o);
    let mut e = o + 1;
    while e < bytes && token_byte(data[i], e) == b {
        e += 1;
    }
    if p + e + 1 == n_text {
        // The run after it is the input's last byte: it joins this block.
        text_end
    } else if e == token_len(data[i]) {
        At {
            sample: i + 1,
            token_start: p + e,
            offset: 0,
        }
    } else {
        At {
            sample: i,
            token_start: p,
            offset: e,
        }
    }
}

impl Work {
    /// Leaves in `self.last` the column of the block from `start` to `end` (text positions)
    /// and returns the byte values in use.
    fn block_column(&mut self, data: &[u8], start: At, end: At) -> [bool; 256] {
        let n = end.pos() - start.pos();
        // The block's spaces: those of the tokens from the start's to the one before the
        // end's (the end's own space, if any, lies at or past the end).
        let spaces = end.sample - start.sample;
        if spaces > 0 && self.fill_tokens(data, start, end) {
            let mut in_use = [false; 256];
            let t = &self.tokens;
            for (&key, (&len, &count)) in t.keys.iter().zip(t.lens.iter().zip(&t.counts)) {
                if count > 0 {
                    for o in 0..usize::from(len) {
                        in_use[usize::from((key >> (56 - 8 * o)) as u8)] = true;
                    }
                }
            }
            if column_of_tokens(t, n, &mut self.sorter, &mut self.next, &mut self.last) {
                return in_use;
            }
        }
        // No space (a short block inside one token): the general path, on the block's text.
        self.text.clear();
        let mut at = start;
        while at.pos() < end.pos() {
            let v = data[at.sample];
            self.text.push(token_byte(v, at.offset));
            at.offset += 1;
            if at.offset == token_len(v) {
                at = At {
                    sample: at.sample + 1,
                    token_start: at.pos(),
                    offset: 0,
                };
            }
        }
        let mut in_use = [false; 256];
        for &b in &self.text {
            in_use[usize::from(b)] = true;
        }
        self.sorter.last_column(&self.text, &mut self.last);
        in_use
    }

    /// Fills `self.tokens` with the tokens of the block from `start` to `end`, which holds
    /// a space: the wrap token first, then the whole tokens between. False when the wrap
    /// token does not fit a `u64` (it never exceeds 7 bytes).
    fn fill_tokens(&mut self, data: &[u8], start: At, end: At) -> bool {
        // The wrap token: the start of the end's token up to the end, then the start's
        // token from the start on (it holds the block's first space).
        let first = data[start.sample];
        let head = (0..end.offset).map(|o| token_byte(data[end.sample], o));
        let tail = (start.offset..token_len(first)).map(|o| token_byte(first, o));
        let len = end.offset + token_len(first) - start.offset;
        if len > 8 {
            return false;
        }
        let key = super::tokens::pack(head.chain(tail), len);
        // The value whose token it may be: its digits read as a number.
        let value = (0..len - 1).fold(0usize, |v, o| {
            (10 * v + usize::from(((key >> (56 - 8 * o)) as u8).wrapping_sub(b'0'))).min(1_000)
        });
        let wrap = if value < 256 && TOKENS[value] == (key, len as u8) {
            value
        } else {
            WRAP
        };

        let t = &mut self.tokens;
        t.keys.clear();
        t.lens.clear();
        t.keys.extend(TOKENS.iter().map(|&(k, _)| k));
        t.lens.extend(TOKENS.iter().map(|&(_, l)| l));
        t.keys.push(key);
        t.lens.push(len as u8);
        let whole = &data[start.sample + 1..end.sample];
        t.counts.clear();
        t.counts.resize(WRAP + 1, 0);
        for &v in whole {
            t.counts[usize::from(v)] += 1;
        }
        t.counts[wrap] += 1;
        t.seq.clear();
        t.seq.push(wrap as u16);
        t.seq.extend(whole.iter().map(|&v| u16::from(v)));
        true
    }
}

#[cfg(test)]
mod tests {
    use super::super::blocks::for_each_block;
    use super::super::compressed_len_of;
    use super::*;
    use crate::iid::compression::as_text;
    use crate::rng::Rng;
    use proptest::prelude::*;

    /// The blocks' lengths as cut from the samples.
    fn cuts(data: &[u8], limit: usize) -> Vec<usize> {
        let mut out = Vec::new();
        for_each_cut(data, limit, |s, e| out.push(e.pos() - s.pos()));
        out
    }

    /// The blocks' lengths as the state machine cuts the text.
    fn text_cuts(data: &[u8], limit: usize) -> Vec<usize> {
        let mut out = Vec::new();
        for_each_block(&as_text(data), limit, |b| out.push(b.bytes.len()));
        out
    }

    /// Both paths agree on the cuts and the length; returns the cuts.
    fn check(data: &[u8], limit: usize) -> Vec<usize> {
        let c = cuts(data, limit);
        assert_eq!(
            c,
            text_cuts(data, limit),
            "cuts of {data:?} at limit {limit}"
        );
        assert_eq!(
            compressed_len(data, limit),
            compressed_len_of(&as_text(data), limit),
            "length of {data:?} at limit {limit}"
        );
        c
    }

    #[test]
    fn the_token_table_is_the_text() {
        for v in 0..=255u8 {
            let token: Vec<u8> = (0..token_len(v)).map(|o| token_byte(v, o)).collect();
            assert_eq!(token, format!("{v} ").into_bytes());
            let key = super::super::tokens::pack(token.iter().copied(), token.len());
            assert_eq!(TOKENS[usize::from(v)], (key, token.len() as u8));
        }
        let all: Vec<u8> = (0..=255).cycle().take(100_000).collect();
        assert_eq!(text_len(&all), as_text(&all).len() + 1);
    }

    #[test]
    fn empty_and_short_inputs() {
        // Empty input: no block, 14 bytes. Shorter than a block: one block.
        assert!(cuts(&[], 5).is_empty());
        assert_eq!(compressed_len(&[], 5), 14);
        assert_eq!(check(&[12, 0, 255], 100), vec![8]);
        assert_eq!(check(&[7], 100), vec![1]);
        // Every small limit, including blocks without a space and of one byte.
        for data in [
            &[7][..],
            &[12, 0, 255],
            &[1, 1],
            &[111; 5],
            &[0, 100, 10, 1],
        ] {
            for limit in 1..=as_text(data).len() + 1 {
                check(data, limit);
            }
        }
    }

    #[test]
    fn cuts_inside_runs_of_digits() {
        // "5 111 5": the limit-th byte at each of the three 1s: the block takes the rest of
        // the run "111" (to 5 bytes), then the next block is " 5" (the space and the last
        // byte, which is not the input's only byte left, so it does not join).
        let data = [5, 111, 5];
        assert_eq!(check(&data, 3), vec![5, 2]);
        assert_eq!(check(&data, 4), vec![5, 2]);
        assert_eq!(check(&data, 5), vec![5, 2]);
        // "211 3 4": limit 2 lands on the first 1 of "11", limit 3 on the second: either
        // way the block is "211". Then at limit 2 " 3" and " 4"; at limit 3 " 3 " ends one
        // byte before the end, so "4" joins it.
        let data = [211, 3, 4];
        assert_eq!(check(&data, 2), vec![3, 2, 2]);
        assert_eq!(check(&data, 3), vec![3, 4]);
        // "11 11 11 ...": runs of two at every cut.
        let data = [11u8; 40];
        for limit in 1..=12 {
            check(&data, limit);
        }
    }

    #[test]
    fn cuts_at_spaces_and_token_boundaries() {
        // "12 34 56": limit 3 ends each block at a space, exactly at a token boundary
        // ("12 ", "34 ", "56"); limit 6 cuts "12 34 " then "56".
        let data = [12, 34, 56];
        assert_eq!(check(&data, 3), vec![3, 3, 2]);
        assert_eq!(check(&data, 6), vec![6, 2]);
        // A block that is whole tokens: its wrap token is its first token's bytes and
        // shares that value's number ("7 8 7 8 " cut after each "7 8 ").
        let data: Vec<u8> = [7, 8].repeat(20);
        assert_eq!(check(&data, 4)[0], 4);
        // Wrap tokens that spell a value share its number; others get their own.
        let data = [125, 3, 15, 7];
        let at = |sample, token_start, offset| At {
            sample,
            token_start,
            offset,
        };
        let mut w = Work::default();
        for (start, end, wrap, count) in [
            // "25 3 1": "1" + "25 " = "125 ".
            (at(0, 0, 1), at(2, 6, 1), 125, 1),
            // "5 3 1": "1" + "5 " = "15 ".
            (at(0, 0, 2), at(2, 6, 1), 15, 1),
            // "5 3 15 7": "7" + "5 " = "75 ".
            (at(0, 0, 2), at(3, 9, 1), 75, 1),
            // "25 3 15": "15" + "25 " = "1525 ", no value.
            (at(0, 0, 1), at(2, 6, 2), WRAP, 1),
            // "3 15 ": a block of whole tokens: its wrap token is "3 ".
            (at(1, 4, 0), at(3, 9, 0), 3, 1),
        ] {
            assert!(w.fill_tokens(&data, start, end));
            assert_eq!(usize::from(w.tokens.seq[0]), wrap);
            assert_eq!(w.tokens.counts[wrap], count);
            assert_eq!(w.tokens.seq.len(), end.sample - start.sample);
        }
        for limit in 1..=12 {
            check(&data, limit);
        }
    }

    #[test]
    fn the_last_byte_joins_the_block_before() {
        // "12 3": limit 3 ends the block at the space; the byte after it is the input's last,
        // so it joins: one block of 4 bytes. At limit 2 the block ends at "2" and " 3" is
        // left (two bytes), a block of its own.
        assert_eq!(check(&[12, 3], 3), vec![4]);
        assert_eq!(check(&[12, 3], 2), vec![2, 2]);
        // "4 111": a cut inside the run "111" that reaches the end of the input.
        assert_eq!(check(&[4, 111], 3), vec![5]);
        // "4 11 2": the run "11" then " 2": two bytes left, so a block of their own; and
        // "4 113": the run "11" ends one byte before the end, so "3" joins.
        assert_eq!(check(&[4, 11, 2], 3), vec![4, 2]);
        assert_eq!(check(&[4, 113], 3), vec![5]);
    }

    #[test]
    fn full_blocks_at_the_statistic_block_size() {
        // Level 5 blocks (the statistic's) and level 1, over 8-bit, 4-bit and binary
        // samples, three and more blocks each; and the length libbz2-rs writes, once.
        let limit5 = super::super::blocks::limit(5);
        for (n, k, limit) in [
            (300_000, 256, limit5),
            (700_000, 16, limit5),
            (150_000, 2, super::super::blocks::limit(1)),
        ] {
            let mut r = Rng::new(n as u64 + k, 0);
            let data: Vec<u8> = (0..n).map(|_| r.below(k) as u8).collect();
            assert!(check(&data, limit).len() >= 3);
            if k == 2 {
                // Independently of the text path: what libbz2-rs writes.
                use bzip2::{Action, Compress, Compression};
                let text = as_text(&data);
                let mut c = Compress::new(Compression::new(1), 0);
                let mut out = Vec::with_capacity(text.len() + text.len() / 100 + 601);
                c.compress_vec(&text, &mut out, Action::Finish).unwrap();
                assert_eq!(compressed_len(&data, limit), out.len() as u64);
            }
        }
    }

    /// Sample data of the kind `kind` (random over `alphabet` values from `base`, one
    /// value, long runs, a short pattern repeated, the digit-run makers 1, 11, 111 and
    /// their neighbours).
    fn samples(
        kind: u8,
        alphabet: u64,
        base: u8,
        pattern: &[u8],
        len: usize,
        seed: u64,
    ) -> Vec<u8> {
        let mut r = Rng::new(seed, 0);
        let mut random = move || base.wrapping_add(r.below(alphabet) as u8);
        match kind {
            0 => (0..len).map(|_| random()).collect(),
            1 => vec![base; len],
            2 => {
                let mut d = Vec::with_capacity(len);
                while d.len() < len {
                    let v = random();
                    let run = 1 + (v as usize * 7 + d.len()) % 60;
                    d.extend(std::iter::repeat_n(v, run.min(len - d.len())));
                }
                d
            }
            3 => (0..len).map(|i| pattern[i % pattern.len()]).collect(),
            _ => {
                let vals = [1u8, 11, 111, 110, 101, 10, 0, 211];
                (0..len)
                    .map(|_| vals[random() as usize % vals.len()])
                    .collect()
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        #[test]
        fn equals_the_text_path_on_any_samples(
            kind in 0u8..5,
            alphabet in 1u64..=256,
            base in any::<u8>(),
            pattern in proptest::collection::vec(any::<u8>(), 1..12),
            len in 0usize..3_000,
            blocks in 1usize..=4,
            jitter in -6isize..=6,
            seed in 0u64..1_000_000,
        ) {
            // Block limits that cut the text into about `blocks` blocks, a few bytes either
            // way, so that cuts land at every kind of byte.
            let data = samples(kind, alphabet, base, &pattern, len, seed);
            let text = as_text(&data);
            let limit = (text.len() / blocks).saturating_add_signed(jitter).max(1);
            prop_assert_eq!(cuts(&data, limit), text_cuts(&data, limit));
            prop_assert_eq!(compressed_len(&data, limit), compressed_len_of(&text, limit));
        }

        #[test]
        fn equals_the_text_path_in_many_small_blocks(
            kind in 0u8..5,
            alphabet in 1u64..=256,
            base in any::<u8>(),
            pattern in proptest::collection::vec(any::<u8>(), 1..12),
            len in 0usize..400,
            limit in 1usize..40,
            seed in 0u64..1_000_000,
        ) {
            let data = samples(kind, alphabet, base, &pattern, len, seed);
            let text = as_text(&data);
            prop_assert_eq!(cuts(&data, limit), text_cuts(&data, limit));
            prop_assert_eq!(compressed_len(&data, limit), compressed_len_of(&text, limit));
        }
    }
}
