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
//! decimal text each (many more on skewed text, by variable-width keys); then one pass over
//! the token rotations in sorted order drops each tail of the token before it into its
//! tail's bucket, which fills every bucket in order. That pass reads the token before
//! each rotation at random, so it reads them as one byte each where the block allows
//! (at most 256 distinct tokens, or 257 of which one occurs once: 8-bit text's wrap token,
//! kept apart), and its fixed loop is no longer than the block's repeated tokens need.
//! It reads the tokens before a chunk of rotations ahead of placing their tails, so that
//! the random reads overlap instead of each waiting on the bucket cursor it decides. Binary
//! to 3-bit text needs no cursors: its repeated tokens are a digit and the space, whose
//! tails' byte before is always a space, so only the space tails and the tails of the one
//! longer token (the wrap token) are placed one by one.
//!
//! The block may be cut anywhere (mid-token): cyclically, its last partial token joins its
//! first. Blocks without a space, with a token longer than 8 bytes or with more than
//! [`MAX_DISTINCT`] distinct tokens are left to the byte-wise sort.
//!
//! [`TokenSorter::last_column`] finds and numbers the tokens in the block's bytes;
//! [`column_of_tokens`] takes them already numbered (the compression statistic's blocks,
//! whose tokens `super::samples` reads off the samples).

use super::bwt::Sorter;

/// The byte that ends a token.
const SEP: u8 = b' ';
/// Longest token handled: a token (and each of its tails) packs into a `u64`.
const MAX_TOKEN: usize = 8;
/// Tails of each token placed by the induced pass's fixed loop: all of a decimal token's
/// (at most three digits and a space) but the last, the space, placed apart.
const SHORT: usize = 3;
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
    /// Hash table of distinct tokens: packed token (0 = empty slot) and its number.
    table_keys: Vec<u64>,
    table_ids: Vec<u16>,
    /// The block's tokens, numbered in first-seen order.
    tokens: Tokens,
    /// Next free slot of each tail bucket.
    next: Vec<u32>,
}

/// A block as the cyclic sequence of its tokens: the input of the token sort, filled from
/// the block's bytes by [`TokenSorter::last_column`] or directly from the samples by
/// `super::samples`.
#[derive(Debug, Default)]
pub struct Tokens {
    /// The tokens in block order, as numbers below `keys.len()`, starting anywhere in the
    /// cycle (the column does not depend on where).
    pub seq: Vec<u16>,
    /// By token number: packed bytes (see [`pack`]), length (1 to [`MAX_TOKEN`]) and
    /// occurrences in `seq`. Numbers that do not occur (count 0) are ignored.
    pub keys: Vec<u64>,
    /// Each token's length in bytes, by number.
    pub lens: Vec<u8>,
    /// Each token's occurrences in `seq`, by number.
    pub counts: Vec<u32>,
}

/// A distinct token's tails by offset: their buckets (padding beyond the token: a spare
/// bucket that never advances) and the byte before each (the space ending the token before,
/// then the token's own bytes).
#[derive(Clone, Copy)]
struct Tails {
    bucket: [u16; MAX_TOKEN],
    before: [u8; MAX_TOKEN],
    /// Tails placed through their buckets: all but the last (the space, which every token
    /// ends with), whose byte before is `last`.
    len: u8,
    last: u8,
}

/// The bytes of a token of `len` bytes (1 to 8) packed big-end first, zero-padded below:
/// for tokens and tails, which are prefix free, the packed order is the byte-string order
/// (two differ at a byte both hold).
pub fn pack(bytes: impl Iterator<Item = u8>, len: usize) -> u64 {
    bytes.fold(0u64, |k, b| (k << 8) | u64::from(b)) << (8 * (8 - len))
}

impl TokenSorter {
    /// Writes the last column of the sorted cyclic rotations of `block` into `out`, using
    /// `sorter` for the token rotations, and returns true; or returns false, leaving `out`
    /// unspecified, when the block does not split into short tokens (see the module doc).
    pub fn last_column(&mut self, block: &[u8], sorter: &mut Sorter, out: &mut Vec<u8>) -> bool {
        let n = block.len();
        if n == 0 || n >= 1 << 31 {
            return false;
        }
        if self.split(block).is_none() || !self.number_tokens(block) {
            return false;
        }
        column_of_tokens(&self.tokens, n, sorter, &mut self.next, out)
    }

    /// Finds the spaces of `block` into `self.ends` and returns the longest cyclic token;
    /// None when there is no space or a token is longer than [`MAX_TOKEN`].
    fn split(&mut self, block: &[u8]) -> Option<usize> {
        let n = block.len();
        self.ends.clear();
        self.ends.resize(n + 1, 0);
        // Branch-free: every position is written, and the count moves on at a space.
        let mut m = 0;
        for (i, &b) in block.iter().enumerate() {
            self.ends[m] = i as u32;
            m += usize::from(b == SEP);
        }
        self.ends.truncate(m);
        let (&first, &last) = (self.ends.first()?, self.ends.last()?);
        let wrap = first as usize + n - last as usize;
        let width = self
            .ends
            .windows(2)
            .map(|w| (w[1] - w[0]) as usize)
            .fold(wrap, usize::max);
        (width <= MAX_TOKEN).then_some(width)
    }

    /// Numbers the distinct tokens in first-seen order into `self.seq`, with their packed
    /// bytes, lengths and counts; false when there are more than [`MAX_DISTINCT`].
    fn number_tokens(&mut self, block: &[u8]) -> bool {
        let n = block.len();
        if self.table_keys.len() != TABLE {
            self.table_keys = vec![0; TABLE];
            self.table_ids = vec![0; TABLE];
        } else {
            self.table_keys.fill(0);
        }
        let tokens = &mut self.tokens;
        tokens.keys.clear();
        tokens.lens.clear();
        tokens.counts.clear();
        let m = self.ends.len();
        tokens.seq.clear();
        tokens.seq.resize(m, 0);
        let ends = &self.ends;
        for (k, id_out) in tokens.seq.iter_mut().enumerate() {
            let e = ends[k] as usize;
            let prev = if k == 0 {
                ends[m - 1] as usize
            } else {
                ends[k - 1] as usize
            };
            let len = if k == 0 { e + n - prev } else { e - prev };
            let key = if k > 0 && e >= 7 {
                // The 8 bytes ending at the space, the token's moved to the top.
                let w = u64::from_be_bytes(block[e - 7..=e].try_into().unwrap_or([0; 8]));
                w << (8 * (8 - len))
            } else {
                let s = (prev + 1) % n;
                pack((0..len).map(|j| block[(s + j) % n]), len)
            };
            // A token holds its space, so no packed token is 0 (the empty slot).
            let mut slot = (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 52) as usize % TABLE;
            *id_out = loop {
                let t = self.table_keys[slot];
                if t == key {
                    break self.table_ids[slot];
                }
                if t == 0 {
                    if tokens.keys.len() == MAX_DISTINCT {
                        return false;
                    }
                    let id = tokens.keys.len() as u16;
                    self.table_keys[slot] = key;
                    self.table_ids[slot] = id;
                    tokens.keys.push(key);
                    tokens.lens.push(len as u8);
                    tokens.counts.push(0);
                    break id;
                }
                slot = (slot + 1) % TABLE;
            };
            tokens.counts[usize::from(*id_out)] += 1;
        }
        true
    }
}

/// The last column of the sorted cyclic rotations of a block of `n` bytes given as its
/// `tokens`, written into `out`, using `sorter` for the token rotations and `next` for the
/// tail buckets; false (leaving `out` unspecified) when the tokens do not fit the sort's
/// limits ([`MAX_TOKEN`] bytes, [`MAX_DISTINCT`] numbers) or do not add up to `n` bytes.
/// `tokens.counts` must hold each token's true number of occurrences (both producers count
/// them off the sequence): the tail buckets are sized by them and a token counted once is
/// found by its count; only their byte total is checked here.
pub fn column_of_tokens(
    tok: &Tokens,
    n: usize,
    sorter: &mut Sorter,
    next: &mut Vec<u32>,
    out: &mut Vec<u8>,
) -> bool {
    let d = tok.keys.len();
    if d > MAX_DISTINCT
        || tok.lens.len() != d
        || tok.counts.len() != d
        || tok
            .lens
            .iter()
            .any(|&l| l == 0 || usize::from(l) > MAX_TOKEN)
        || tok.seq.iter().any(|&id| usize::from(id) >= d)
    {
        return false;
    }
    let total: u64 = (tok.lens.iter().zip(&tok.counts))
        .map(|(&l, &c)| u64::from(l) * u64::from(c))
        .sum();
    if n == 0 || n >= 1 << 31 || total != n as u64 {
        return false;
    }

    // The tokens that occur, in byte-string order: their ranks are the symbols of the token
    // rotation sort (dense, so that few symbols pack many to a key).
    let mut by_rank: Vec<u16> = (0..d as u16)
        .filter(|&id| tok.counts[usize::from(id)] > 0)
        .collect();
    by_rank.sort_unstable_by_key(|&id| tok.keys[usize::from(id)]);
    // A slot per possible number (indexing by `% MAX_DISTINCT` needs no bounds check in
    // the key packing, which reads it once per token).
    let mut rank_of = vec![0u64; MAX_DISTINCT];
    for (r, &id) in by_rank.iter().enumerate() {
        rank_of[usize::from(id)] = r as u64;
    }
    let Ok(rank_of) = <&[u64; MAX_DISTINCT]>::try_from(&rank_of[..]) else {
        return false;
    };
    let counts: Vec<u32> = by_rank
        .iter()
        .map(|&id| tok.counts[usize::from(id)])
        .collect();
    // The block re-read as one byte per token, which halves the memory the induced pass
    // reads at random: its rank, with at most 256 distinct tokens (binary to 7-bit text);
    // or, with 257 of which one occurs once (8-bit text and its wrap token), the rank of
    // the others and that one apart at its position.
    let lone_rank = match by_rank.len() {
        257 => counts.iter().position(|&c| c == 1),
        _ => None,
    };
    let narrow: Option<Vec<u8>> = (by_rank.len() <= 256 || lone_rank.is_some()).then(|| {
        // Ranks above the lone one move one down; the lone token itself reads as 0.
        let mut byte_of = [0u8; MAX_DISTINCT];
        for (r, &id) in by_rank.iter().enumerate() {
            byte_of[usize::from(id)] = match lone_rank {
                Some(l) if r > l => (r - 1) as u8,
                Some(l) if r == l => 0,
                _ => r as u8,
            };
        }
        (tok.seq.iter())
            .map(|&id| byte_of[usize::from(id) % MAX_DISTINCT])
            .collect()
    });
    match &narrow {
        Some(ranks) if lone_rank.is_none() => sorter.sort_coded(ranks, u64::from, &counts),
        _ => sorter.sort_coded(
            &tok.seq,
            |id| rank_of[usize::from(id) % MAX_DISTINCT],
            &counts,
        ),
    }

    // Every tail of every token that occurs (entry 8 * id + offset), numbered in
    // byte-string order; equal tails share a bucket.
    let mut entries: Vec<(u64, u32)> = Vec::with_capacity(by_rank.len() * 4);
    for &id in &by_rank {
        let (key, len) = (tok.keys[usize::from(id)], tok.lens[usize::from(id)]);
        for o in 0..u32::from(len) {
            entries.push((key << (8 * o), MAX_TOKEN as u32 * u32::from(id) + o));
        }
    }
    entries.sort_unstable();
    // A slot per possible number (indexing by `% MAX_DISTINCT` needs no bounds check).
    let mut tails = vec![
        Tails {
            bucket: [0; MAX_TOKEN],
            before: [0; MAX_TOKEN],
            len: 0,
            last: 0,
        };
        MAX_DISTINCT
    ];
    let mut buckets = 0u16;
    for (q, &(key, entry)) in entries.iter().enumerate() {
        if q > 0 && key != entries[q - 1].0 {
            buckets += 1;
        }
        tails[entry as usize / MAX_TOKEN].bucket[entry as usize % MAX_TOKEN] = buckets;
    }
    let spare = if entries.is_empty() { 0 } else { buckets + 1 };
    // Bucket starts (each tail occurs as often as its token); the spare bucket at n.
    // A slot per possible bucket number (indexing by a u16 needs no bounds check).
    next.resize(1 << 16, 0);
    let Ok(next) = <&mut [u32; 1 << 16]>::try_from(&mut next[..]) else {
        return false;
    };
    next[..=usize::from(spare)].fill(0);
    // Every token ends with the space, so its last tail is " ", one bucket for all.
    let space_tail = u64::from(SEP) << 56;
    let Ok(space) = entries.binary_search_by_key(&space_tail, |e| e.0) else {
        return false;
    };
    let space =
        tails[entries[space].1 as usize / MAX_TOKEN].bucket[entries[space].1 as usize % MAX_TOKEN];
    for &id in &by_rank {
        let id = usize::from(id);
        let t = &mut tails[id];
        let (key, len) = (tok.keys[id], usize::from(tok.lens[id]));
        if t.bucket[len - 1] != space {
            return false;
        }
        t.len = len as u8 - 1;
        t.before[0] = SEP;
        for o in 0..MAX_TOKEN {
            if o < len {
                next[usize::from(t.bucket[o]) + 1] += tok.counts[id];
            }
            if o >= len - 1 {
                t.bucket[o] = spare;
            }
            if o > 0 {
                t.before[o] = (key >> (64 - 8 * o)) as u8;
            }
        }
        t.last = t.before[len - 1];
    }
    for b in 1..=usize::from(spare) {
        next[b] += next[b - 1];
    }
    let space_start = next[usize::from(space)] as usize;
    // The tails the fixed loop of the induced pass places: as many as the longest token
    // that occurs more than once has before its space (a wrap token that occurs once
    // takes the loop after it).
    let short = (by_rank.iter())
        .filter(|&&id| tok.counts[usize::from(id)] > 1)
        .map(|&id| usize::from(tails[usize::from(id)].len))
        .max()
        .unwrap_or(0);
    let order = sorter.order();
    // Every byte of the column is written (the buckets fill 0..n exactly, the total checked
    // above), so what the buffer held before needs no zeroing: a buffer kept between blocks
    // of about the same size is only resized.
    out.resize(n + 1, 0);
    match &narrow {
        Some(ranks) => {
            // The tails by the narrow sequence's bytes; the lone token's apart.
            let mut by_byte = vec![tails[0]; MAX_DISTINCT];
            let mut lone = None;
            for (r, &id) in by_rank.iter().enumerate() {
                match lone_rank {
                    Some(l) if r == l => {
                        let at = tok.seq.iter().position(|&t| t == id);
                        lone = at.map(|at| (at, tails[usize::from(id)]));
                    }
                    Some(l) if r > l => by_byte[r - 1] = tails[usize::from(id)],
                    _ => by_byte[r] = tails[usize::from(id)],
                }
            }
            if lone_rank.is_some() && lone.is_none() {
                return false;
            }
            let Some(slots) = Slots::new(&by_byte, next, space_start, out) else {
                return false;
            };
            // Binary to 3-bit text: each repeated token is one digit and the space, and at
            // most one token (the wrap token) is longer, so the induced pass needs no
            // bucket cursors. (Every token then has a rank byte: no lone token apart.)
            let longer: Vec<usize> = (0..by_rank.len())
                .filter(|&r| tails[usize::from(by_rank[r])].len > 1)
                .collect();
            if short <= 1 && lone.is_none() && longer.len() <= 1 {
                let rare = longer.first().map(|&r| r as u8);
                if !place_single_digits(order, ranks, rare, by_rank.len(), slots) {
                    return false;
                }
            } else {
                place_for(short, order, ranks, lone, slots);
            }
        }
        None => {
            // No single-digit block gets here: with at most one token longer than a digit
            // and the space there are at most 257 distinct tokens, and 257 means one occurs
            // once, which the narrow sequence keeps apart.
            let Some(slots) = Slots::new(&tails, next, space_start, out) else {
                return false;
            };
            place_for(short, order, &tok.seq, None, slots);
        }
    }
    out.truncate(n);
    true
}

/// Where the induced pass puts each tail: the tails of each token, the next free slot of
/// each tail bucket, where the space tails start, and the column.
struct Slots<'a> {
    tails: &'a [Tails; MAX_DISTINCT],
    next: &'a mut [u32; 1 << 16],
    space_start: usize,
    out: &'a mut [u8],
}

impl<'a> Slots<'a> {
    /// The slots over `tails`, one per possible token number (None otherwise).
    fn new(
        tails: &'a [Tails],
        next: &'a mut [u32; 1 << 16],
        space_start: usize,
        out: &'a mut [u8],
    ) -> Option<Slots<'a>> {
        Some(Slots {
            tails: tails.try_into().ok()?,
            next,
            space_start,
            out,
        })
    }
}

/// [`place`] with its fixed loop as long as `short` tails (at most [`SHORT`]).
fn place_for<S: Copy + Into<usize>>(
    short: usize,
    order: &[u32],
    seq: &[S],
    lone: Option<(usize, Tails)>,
    slots: Slots<'_>,
) {
    match (short, lone.is_some()) {
        (0 | 1, false) => place::<S, 1, false>(order, seq, lone, slots),
        (2, false) => place::<S, 2, false>(order, seq, lone, slots),
        (_, false) => place::<S, SHORT, false>(order, seq, lone, slots),
        (_, true) => place::<S, SHORT, true>(order, seq, lone, slots),
    }
}

/// The induced pass when every repeated token is one byte and the space (binary to 3-bit
/// decimal text), without bucket cursors. The byte before a token's whole-token tail is
/// the space that ends the token before, so every tail slot holds a space but those of the
/// one longer token (`rare`, its rank in `seq`; a block's wrap token, which occurs once):
/// its tail at offset `o >= 1` sits in its bucket after the tails there whose rotation
/// comes first, which are those of the one token that is that tail whole, counted up to
/// the rare token's rotation. The space tails get each rotation's token before, as in
/// [`place`]. `seq` holds the block's tokens by their ranks, below `ranks`. False when
/// `rare` is not in the sequence.
fn place_single_digits(
    order: &[u32],
    seq: &[u8],
    rare: Option<u8>,
    ranks: usize,
    slots: Slots<'_>,
) -> bool {
    #[cfg(test)]
    SINGLE_DIGIT_PASSES.with(|c| c.set(c.get() + 1));
    // No bucket cursor advances here: `next` holds each bucket's start.
    let (tails, starts, out) = (slots.tails, &*slots.next, slots.out);
    let space_start = slots.space_start;
    let m = seq.len();
    // `out` ends with the spare slot.
    let n = out.len() - 1;
    out[..n].fill(SEP);
    // For each offset of the rare token's tails: the token that is that tail whole (as the
    // sequence reads it), and how often it comes before the rare token's rotation.
    let rare_tails = rare.map(|r| tails[usize::from(r)]);
    let mut whole = [None::<u8>; MAX_TOKEN];
    if let Some(rt) = &rare_tails {
        for (o, w) in whole
            .iter_mut()
            .enumerate()
            .take(usize::from(rt.len))
            .skip(1)
        {
            *w = (0..ranks.min(256)).map(|r| r as u8).find(|&v| {
                let t = &tails[usize::from(v)];
                t.len == 1 && t.bucket[0] == rt.bucket[o]
            });
        }
    }
    let mut counts = [0u32; MAX_TOKEN];
    let mut rare_q: Option<usize> = None;
    let mut before = [0u8; PLACE_CHUNK];
    for (c, chunk) in order.chunks(PLACE_CHUNK).enumerate() {
        let before = &mut before[..chunk.len()];
        for (b, &k) in before.iter_mut().zip(chunk) {
            *b = seq[token_before(k, m)];
        }
        let space = space_start + c * PLACE_CHUNK;
        for (slot, &b) in out[space..space + before.len()]
            .iter_mut()
            .zip(before.iter())
        {
            *slot = tails[usize::from(b)].last;
        }
        if let (Some(r), None) = (rare, rare_q) {
            let upto = match before.iter().position(|&b| b == r) {
                Some(i) => {
                    rare_q = Some(c * PLACE_CHUNK + i);
                    i
                }
                None => before.len(),
            };
            for (count, w) in counts.iter_mut().zip(&whole) {
                if let Some(w) = *w {
                    *count += before[..upto].iter().filter(|&&b| b == w).count() as u32;
                }
            }
        }
    }
    // `rare` occurs once (the token counts are exact), so its first rotation is its only.
    let (Some(rt), Some(_)) = (rare_tails, rare_q) else {
        return rare.is_none();
    };
    for o in 1..usize::from(rt.len).min(MAX_TOKEN) {
        let at = starts[usize::from(rt.bucket[o])] as usize + counts[o] as usize;
        match out.get_mut(at) {
            Some(slot) if at < n => *slot = rt.before[o],
            _ => return false,
        }
    }
    true
}

/// The induced pass: for each token rotation in sorted `order`, the tails of the token
/// before it (in `seq`, cyclically) go to their buckets, whose next slots are `next`; the
/// column gets each tail's byte before. A fixed loop places the first `FIXED` tails of
/// every token (at most [`SHORT`], as many as the block's repeated tokens have; padding
/// goes to the spare bucket at `out[n]` and never advances); the rest of a longer token
/// (in decimal text, only a block's wrap token) follows at once, since its tails share
/// buckets with other tokens' and must take their slots in sorted order. The last tail,
/// the space, is every token's: the `q`-th rotation's goes to slot `space_start + q` (no
/// bucket cursor that every step would read and write). With `LONE`, the token at the
/// position `lone` names has `lone`'s tails (the sequence there stands for no token).
fn place<S: Copy + Into<usize>, const FIXED: usize, const LONE: bool>(
    order: &[u32],
    seq: &[S],
    lone: Option<(usize, Tails)>,
    slots: Slots<'_>,
) {
    let Slots {
        tails,
        next,
        space_start,
        out,
    } = slots;
    let m = seq.len();
    let (lone_at, lone_tails) = lone.unwrap_or((usize::MAX, tails[0]));
    // The tokens before a chunk of rotations are read first, then placed: read at random
    // within the placing loop, each read holds up the bucket cursor whose address it
    // decides (measured, by profile: on binary text, before it took
    // `place_single_digits`, the pass 18 % -> 14 % of a compression's CPU; on 8-bit text
    // 22 % -> 19 %).
    let mut before = [0u16; PLACE_CHUNK];
    for (c, chunk) in order.chunks(PLACE_CHUNK).enumerate() {
        for (b, &k) in before.iter_mut().zip(chunk) {
            let p = token_before(k, m);
            *b = if LONE && p == lone_at {
                LONE_ID
            } else {
                (seq[p].into() % MAX_DISTINCT) as u16
            };
        }
        let space = space_start + c * PLACE_CHUNK;
        for (q, &b) in before[..chunk.len()].iter().enumerate() {
            let t = if LONE && b == LONE_ID {
                &lone_tails
            } else {
                &tails[usize::from(b) % MAX_DISTINCT]
            };
            for o in 0..FIXED {
                let slot = &mut next[usize::from(t.bucket[o])];
                out[*slot as usize] = t.before[o];
                *slot += u32::from(o < usize::from(t.len));
            }
            for o in FIXED..usize::from(t.len).min(MAX_TOKEN) {
                let slot = &mut next[usize::from(t.bucket[o])];
                out[*slot as usize] = t.before[o];
                *slot += 1;
            }
            out[space + q] = t.last;
        }
    }
}

#[cfg(test)]
thread_local! {
    /// How often this thread ran [`place_single_digits`] (for the tests: which path ran).
    static SINGLE_DIGIT_PASSES: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// The position of the token before token rotation `k` of a cycle of `m` tokens.
#[inline(always)]
fn token_before(k: u32, m: usize) -> usize {
    if k == 0 {
        m - 1
    } else {
        k as usize - 1
    }
}

/// Rotations whose tokens before are read ahead of placing them ([`place`]).
const PLACE_CHUNK: usize = 1024;
/// Marks the lone token among those read ahead (token numbers are below [`MAX_DISTINCT`]).
const LONE_ID: u16 = u16::MAX;

#[cfg(test)]
mod tests {
    use super::super::bwt::naive_last_column as naive;
    use super::*;
    use crate::iid::compression::as_text;
    use crate::rng::Rng;
    use proptest::prelude::*;

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
    fn many_distinct_tokens_are_left_to_the_byte_sort() {
        let numbers = |k: u32| {
            (0..k)
                .map(|v| format!("{v} "))
                .collect::<String>()
                .into_bytes()
        };
        // 2,000 distinct tokens: sorted by tokens.
        let text = numbers(2_000);
        assert_eq!(by_tokens(&text), Some(by_bytes(&text)));
        // 3,000: more than the limit, so the sorter's entry point takes the byte sort.
        let text = numbers(3_000);
        assert_eq!(by_tokens(&text), None);
        let mut out = Vec::new();
        Sorter::default().last_column(&text, &mut out);
        assert_eq!(out, by_bytes(&text));
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

    #[test]
    fn a_token_that_occurs_once_among_257_stands_apart() {
        // Every 8-bit value twice, in a shuffled order, as text.
        let mut r = Rng::new(21, 0);
        let mut values: Vec<u32> = (0..256).chain(0..256).collect();
        r.shuffle(&mut values);
        let tokens = |extra: &[u32]| -> Vec<u8> {
            let mut v = values.clone();
            for (k, &e) in extra.iter().enumerate() {
                v.insert(37 + 101 * k, e);
            }
            v.iter()
                .map(|x| format!("{x} "))
                .collect::<String>()
                .into_bytes()
        };
        let mut cases: Vec<Vec<u8>> = vec![
            // 257 distinct, "300 " once: apart, in the middle, at the start, at the end.
            tokens(&[300]),
            [&b"300 "[..], &tokens(&[])].concat(),
            [&tokens(&[])[..], b"300 "].concat(),
            // 257 distinct, none once ("300 " twice): the wide sequence.
            tokens(&[300, 300]),
            // 258 distinct, one of them once.
            tokens(&[300, 301, 301]),
        ];
        // Cut mid-token at both ends: the wrap token "991 " (the last partial "99" and the
        // first token "1 ") occurs once.
        cases.push([&b"1 "[..], &tokens(&[]), b"99"].concat());
        // The wrap token is a real token too ("99 ", also in the text): 256 distinct.
        cases.push([&b"9 "[..], &tokens(&[]), b"9"].concat());
        for block in &cases {
            let column = by_tokens(block);
            assert_eq!(column, Some(by_bytes(block)));
            assert_eq!(column, Some(naive(block)));
        }
    }

    /// The token sort's column, and whether it took [`place_single_digits`].
    fn by_tokens_single(block: &[u8]) -> (Option<Vec<u8>>, bool) {
        let before = SINGLE_DIGIT_PASSES.with(|c| c.get());
        let column = by_tokens(block);
        (column, SINGLE_DIGIT_PASSES.with(|c| c.get()) > before)
    }

    #[test]
    fn single_digit_text_places_its_tails_without_cursors() {
        // Binary to 3-bit text, biased or not, cut at both ends in every way: the wrap token
        // is a digit and the space, the space alone, or two digits and the space (whose
        // tail is a real token's, which the column must place among that token's tails).
        let mut r = Rng::new(31, 0);
        for bits in 1..=3u32 {
            for skew in [0, 70, 97] {
                let data: Vec<u8> = (0..3_000)
                    .map(|_| {
                        if r.below(100) < skew {
                            0
                        } else {
                            r.below(1 << bits) as u8
                        }
                    })
                    .collect();
                let text = as_text(&data);
                for start in 0..3 {
                    for end in 0..3 {
                        let block = &text[start..text.len() - end];
                        let (column, single) = by_tokens_single(block);
                        assert_eq!(column, Some(naive(block)), "{bits} bits, {start}..-{end}");
                        assert!(single, "{bits} bits, {start}..-{end}");
                    }
                }
            }
        }
        // Longer tokens that occur once: "11 " whose tail "1 " is not a token of the block
        // and is one; "10 " by the wrap; "123 " whose tails are no tokens; the space alone.
        for block in [
            &b"0 0 11 0 "[..],
            b"1 0 11 1 ",
            b"1 1 0 11 0 1 1 ",
            b"0 1 0 1",
            b"123 1 2 1 ",
            b"12 2 2 1 2 ",
            b" 1 0 1 ",
            b"1 1 1 1 ",
        ] {
            let (column, single) = by_tokens_single(block);
            assert_eq!(column, Some(naive(block)), "{block:?}");
            assert!(single, "{block:?}");
        }
        // Two tokens longer than a digit and the space, or one repeated: the cursor pass.
        for block in [&b"11 0 12 0 "[..], b"11 0 11 0 "] {
            let (column, single) = by_tokens_single(block);
            assert_eq!(column, Some(naive(block)), "{block:?}");
            assert!(!single, "{block:?}");
        }
    }

    #[test]
    fn skewed_text_sorts_its_tokens_by_variable_keys() {
        // 80% zeros (as biased-random-bytes): the token ranks take variable-width keys.
        let mut r = Rng::new(14, 0);
        let data: Vec<u8> = (0..4_000)
            .map(|_| {
                if r.below(5) > 0 {
                    0
                } else {
                    r.below(256) as u8
                }
            })
            .collect();
        let text = as_text(&data);
        let (mut sorter, mut out) = (Sorter::default(), Vec::new());
        assert!(TokenSorter::default().last_column(&text, &mut sorter, &mut out));
        assert!(sorter.used_variable_keys());
        assert_eq!(out, naive(&text));
        // Uniform samples keep fixed-width keys.
        let data: Vec<u8> = (0..4_000).map(|_| r.below(256) as u8).collect();
        let text = as_text(&data);
        assert!(TokenSorter::default().last_column(&text, &mut sorter, &mut out));
        assert!(!sorter.used_variable_keys());
        assert_eq!(out, naive(&text));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(250))]
        #[test]
        fn equals_the_byte_sort_and_the_definition(
            kind in 0u8..7,
            alphabet in 1u64..=256,
            pattern in proptest::collection::vec(any::<u8>(), 1..30),
            samples in 1usize..400,
            cut in 0usize..6,
            len in 1usize..1500,
            whole in any::<bool>(),
            skew in 50u64..100,
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
                // One value makes up `skew` percent (the variable-width keys' case).
                5 => (0..samples)
                    .map(|_| if r.below(100) < skew { pattern[0] } else { r.below(alphabet) as u8 })
                    .collect(),
                // Runs of one value longer than a key holds, single others between.
                6 => {
                    let mut d = Vec::new();
                    while d.len() < samples {
                        d.extend(std::iter::repeat_n(pattern[0], r.below(3 * skew) as usize));
                        d.push(r.below(alphabet) as u8);
                    }
                    d.truncate(samples);
                    d
                }
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

        #[test]
        fn single_digit_text_equals_the_definition(
            kind in 0u8..3,
            bits in 1u32..=3,
            skew in 0u64..100,
            pattern in proptest::collection::vec(0u8..8, 1..20),
            samples in 1usize..3000,
            start in 0usize..4,
            end in 0usize..4,
            wrap in proptest::collection::vec(0u8..10, 0..3),
            seed in 0u64..1_000_000,
        ) {
            // Binary to 3-bit samples (random with one value making up `skew` percent, a
            // pattern repeated, or runs), cut anywhere at both ends, and in some blocks a
            // token of two or three digits (as a wrap token makes) or one of a digit above
            // the samples' range.
            let mut r = Rng::new(seed, 0);
            let top = 1u64 << bits;
            let data: Vec<u8> = match kind {
                0 => (0..samples)
                    .map(|_| if r.below(100) < skew { 0 } else { r.below(top) as u8 })
                    .collect(),
                1 => (0..samples).map(|i| pattern[i % pattern.len()] % top as u8).collect(),
                _ => {
                    let mut d = Vec::new();
                    while d.len() < samples {
                        let v = r.below(top) as u8;
                        d.extend(std::iter::repeat_n(v, 1 + r.below(skew + 1) as usize));
                    }
                    d.truncate(samples);
                    d
                }
            };
            let mut text = as_text(&data);
            if !wrap.is_empty() {
                let at = r.below(text.len() as u64 / 2 + 1) as usize * 2;
                let token: Vec<u8> = wrap.iter().map(|d| b'0' + d).chain([b' ']).collect();
                text.splice(at..at, token);
            }
            let lo = start.min(text.len() - 1);
            let hi = text.len().saturating_sub(end).max(lo + 1);
            let block = &text[lo..hi];
            let (column, single) = by_tokens_single(block);
            match column {
                Some(column) => prop_assert_eq!(column, naive(block)),
                None => prop_assert!(!block.contains(&b' ')),
            }
            // Without a longer token put in, and with a space, the block took the pass
            // without cursors (a wrap token is the only longer one).
            if wrap.len() < 2 && block.contains(&b' ') {
                prop_assert!(single);
            }
        }
    }
}
