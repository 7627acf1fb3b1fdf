//! The entropy-coding stage of a bzip2 block, counted rather than written: move-to-front
//! with run-length coding of zeros (RUNA/RUNB), up to six Huffman tables refined over four
//! passes with a table chosen per group of 50 symbols, and the bits each part takes.
//!
//! The choices (number of tables, the initial split, first-minimum table selection, the
//! Huffman construction and its rescaling above 17 bits) are libbz2's, because each one
//! moves the length. Each group's symbols are kept as a histogram, so costing a table
//! against a group takes one product per symbol value instead of a sum over its 50 symbols.
//!
//! With at most 16 byte values in use (decimal text has 11) the move-to-front list is the
//! 16 nibbles of a word, and the column is coded in two passes. The first finds each byte's
//! list position, in four segments side by side (each segment's starting list is the
//! symbols by their last occurrence before it), since one list update waits on the one
//! before. The second turns positions into symbols with the zero runs as RUNA/RUNB digits,
//! finding the non-zero positions by bit masks and writing each run's digits as a word
//! from a table, so that no branch depends on whether a position is zero; then each group
//! of 50 symbols is counted. Tests check both against a definition that codes one symbol
//! at a time.

/// Symbols per selector group.
const GROUP: usize = 50;
/// Refinement passes over the tables.
const PASSES: usize = 4;
/// Longest Huffman code libbz2 (1.0.3 and later) produces.
const MAX_CODE_LEN: u32 = 17;

/// Bits of the coded block after its header: symbol map, selectors, tables and data.
///
/// `last` is the block's Burrows-Wheeler column and `in_use` marks the byte values in the
/// block.
pub fn coded_bits(last: &[u8], in_use: &[bool; 256]) -> u64 {
    let mut seq = [0u8; 256];
    let mut values = Vec::with_capacity(256);
    for (v, &u) in in_use.iter().enumerate() {
        if u {
            seq[v] = values.len() as u8;
            values.push(v as u8);
        }
    }
    let alpha = values.len() + 2;
    let hist = mtf_histograms(last, &seq, &values, alpha);
    let map_bits = 16 + 16 * in_use.chunks(16).filter(|c| c.contains(&true)).count() as u64;
    map_bits + hist.table_and_data_bits()
}

/// MTF symbols of a block, as per-group histograms.
struct Histograms {
    alpha: usize,
    /// `counts[g * alpha + v]`: occurrences of symbol `v` in group `g`.
    counts: Vec<u8>,
    /// Number of symbols (libbz2's `nMTF`).
    len: usize,
    /// Where the current group's counts start, and how many symbols it holds.
    group_base: usize,
    in_group: usize,
}

/// Move-to-front of the column with zero runs coded as RUNA (0) / RUNB (1) digits, symbols
/// `j + 1` for position `j >= 1`, and the end-of-block symbol `n_in_use + 1`. `values`
/// are the byte values in use, in order, and `seq` numbers them.
fn mtf_histograms(last: &[u8], seq: &[u8; 256], values: &[u8], alpha: usize) -> Histograms {
    let n_in_use = values.len();
    if n_in_use <= 16 {
        let mut ranks = vec![0u8; last.len()];
        nibble_ranks(last, seq, values, &mut ranks);
        return Histograms::of_ranks(&ranks, alpha);
    }
    // At most one symbol per byte, plus the end of block.
    let mut h = Histograms::new(alpha, last.len() + 1);
    let mut zeros = 0u64;
    let mut front = [0u8; 256];
    for (v, f) in front.iter_mut().enumerate().take(n_in_use) {
        *f = v as u8;
    }
    for &b in last {
        let c = seq[usize::from(b)];
        if front[0] == c {
            zeros += 1;
            continue;
        }
        h.push_zero_run(zeros);
        zeros = 0;
        // Find c, shifting the entries before it back by one.
        let mut prev = front[0];
        let mut j = 1;
        while front[j] != c {
            std::mem::swap(&mut prev, &mut front[j]);
            j += 1;
        }
        front[j] = prev;
        front[0] = c;
        h.push(j + 1);
    }
    h.push_zero_run(zeros);
    h.push(alpha - 1);
    h
}

/// Nibble masks for a list of at most 16 symbols kept as the 16 nibbles of a `u64`, front
/// first.
const ONES: u64 = 0x1111_1111_1111_1111;
const HIGHS: u64 = 0x8888_8888_8888_8888;
/// libbz2's starting list: symbol `v` at position `v`.
const INITIAL_LIST: u64 = 0xfedc_ba98_7654_3210;

/// Zero runs shorter than this have their digits in [`RUN_DIGITS`].
const SHORT_RUNS: usize = 255;
/// The RUNA (0) / RUNB (1) digits of a run of `z` zeros, one a byte, least significant
/// first, with their number in the top byte. In bijective base 2 they are the bits of
/// `z + 1` below its leading one: at most 7 below 256.
const RUN_DIGITS: [u64; SHORT_RUNS] = {
    let mut t = [0u64; SHORT_RUNS];
    let mut z = 0;
    while z < SHORT_RUNS {
        let x = z as u64 + 1;
        let d = 63 - x.leading_zeros() as u64;
        let mut word = d << 56;
        let mut i = 0;
        while i < d {
            word |= ((x >> i) & 1) << (8 * i);
            i += 1;
        }
        t[z] = word;
        z += 1;
    }
    t
};

/// Bit `i` set where `chunk[i]` (at most 64 bytes, each below 128) is not zero.
#[inline(always)]
fn nonzero_mask(chunk: &[u8]) -> u64 {
    let mut padded = [0u8; 64];
    let chunk = if chunk.len() == 64 {
        chunk
    } else {
        padded[..chunk.len()].copy_from_slice(chunk);
        &padded
    };
    let mut mask = 0;
    for (j, bytes) in chunk.chunks_exact(8).enumerate() {
        let mut b = [0u8; 8];
        b.copy_from_slice(bytes);
        let w = u64::from_le_bytes(b);
        // A byte below 128 is not zero when adding 127 sets its high bit (no carries);
        // the multiply gathers the eight high bits into the top byte.
        let high = (w + 0x7f7f_7f7f_7f7f_7f7f) & 0x8080_8080_8080_8080;
        let bits = (high >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56;
        mask |= bits << (8 * j);
    }
    mask
}

/// Room for one chunk's symbols in [`stage_chunk`]: one for each of its 64 positions, the
/// digits of a run begun before it (at most 32: columns are far shorter than 2^32) and a
/// word's spill past the last, with every index masked below 128.
const STAGED: usize = 136;

/// The symbols of the 64 ranks `chunk` (positions `base..base + 64`; padding zeros at the
/// end of the last) into `staged`, returning how many: each non-zero rank writes the
/// digits of the zero run since `run_start` and then itself. Zeros at the end stay pending
/// in `run_start`.
#[inline(always)]
fn stage_chunk(
    chunk: &[u8; 64],
    base: usize,
    run_start: &mut usize,
    staged: &mut [u8; STAGED],
) -> usize {
    let mut nonzero = nonzero_mask(chunk);
    let mut o = 0usize;
    while nonzero != 0 {
        let i = nonzero.trailing_zeros() as usize;
        nonzero &= nonzero - 1;
        let at = base + i;
        let zeros = at - *run_start;
        *run_start = at + 1;
        let symbol = u64::from(chunk[i & 63]) + 1;
        let slot = o & 127;
        if zeros < SHORT_RUNS {
            // The run's digits as a word, then the symbol after them (the word's bytes
            // past the digits are overwritten or left beyond `o`).
            let run = RUN_DIGITS[zeros];
            let d = (run >> 56) as usize;
            staged[slot..slot + 8].copy_from_slice(&run.to_le_bytes());
            staged[(slot + d) & 127] = symbol as u8;
            o = slot + d + 1;
        } else {
            // At most one run this long ends in a chunk, first: o is 0 here.
            let mut end = slot;
            for digit in zero_run_digits(zeros as u64) {
                staged[end & 127] = digit;
                end += 1;
            }
            staged[end & 127] = symbol as u8;
            o = end + 1;
        }
    }
    o.min(128)
}

/// The RUNA (0) / RUNB (1) digits of a run of `zeros` zeros: `zeros` in bijective base 2
/// (RUNA = 1, RUNB = 2), least significant digit first; none for no zeros.
fn zero_run_digits(zeros: u64) -> impl Iterator<Item = u8> {
    // What is left to write: each digit d (1 or 2) leaves (left - d) / 2.
    let mut left = zeros;
    std::iter::from_fn(move || {
        (left > 0).then(|| {
            let digit = ((left - 1) & 1) as u8;
            left = (left - 1) / 2;
            digit
        })
    })
}

/// Moves symbol `c` (which is in the list) to the front of `list` and returns its position
/// before the move; `spread` is `c` in every nibble.
#[inline(always)]
fn nibble_step(list: &mut u64, spread: u64) -> u8 {
    // The lowest zero nibble of list ^ spread is exact (borrows only run upwards): its high
    // bit is the lowest bit of `at`. The nibbles up to it move up one and c goes in front
    // (c already in front moves nothing), in a few one-cycle steps: this chain bounds the
    // loop.
    let x = *list ^ spread;
    let at = x.wrapping_sub(ONES) & !x & HIGHS;
    let moved = at ^ at.wrapping_sub(1);
    *list = (*list & !moved) | ((*list << 4) & moved) | (spread & 0xf);
    (at.trailing_zeros() / 4) as u8
}

/// The list after `bytes`, from the list `before` them: the symbols of `bytes` by last
/// occurrence, most recent first, then the others in their order in `before`. `values[c]`
/// is symbol `c`'s byte value.
fn nibble_list_after(bytes: &[u8], values: &[u8], before: u64) -> u64 {
    // A symbol may be missing from a long stretch of a column (the column of decimal text
    // holds no space where rotations start with a space), so each symbol is looked for
    // backwards by itself, in chunks that are compared at once.
    let mut recent: Vec<(usize, u64)> = values
        .iter()
        .enumerate()
        .filter_map(|(c, &v)| last_position(bytes, v).map(|p| (p, c as u64)))
        .collect();
    recent.sort_unstable_by_key(|&(p, _)| std::cmp::Reverse(p));
    let mut list = 0u64;
    let mut seen = 0u32;
    for (n, &(_, c)) in recent.iter().enumerate() {
        seen |= 1 << c;
        list |= c << (4 * n);
    }
    let mut n = recent.len();
    for k in 0..16 {
        let c = (before >> (4 * k)) & 0xf;
        if seen & (1 << c) == 0 {
            list |= c << (4 * n);
            n += 1;
        }
    }
    list
}

/// Where `v` last occurs in `bytes`.
fn last_position(bytes: &[u8], v: u8) -> Option<usize> {
    let mut end = bytes.len();
    for chunk in bytes.rchunks_exact(64) {
        if chunk.iter().fold(false, |any, &b| any | (b == v)) {
            break;
        }
        end -= 64;
    }
    bytes[..end].iter().rposition(|&b| b == v)
}

/// The move-to-front position of each byte of `last` (through `seq`, into the at most 16
/// symbols of `values`) in `ranks`. One list update waits on the one before (a chain of
/// about eight cycles), so the column is cut into four segments whose starting lists are
/// recovered first ([`nibble_list_after`]), and the four are coded side by side, their
/// chains overlapping.
#[inline(never)] // kept apart in profiles
fn nibble_ranks(last: &[u8], seq: &[u8; 256], values: &[u8], ranks: &mut [u8]) {
    debug_assert!(values.len() <= 16 && ranks.len() == last.len());
    let spread: [u64; 256] = std::array::from_fn(|b| u64::from(seq[b] & 0xf) * ONES);
    let seg = last.len() / 4;
    // Segments 0..3 of `seg` bytes, then the rest continues segment 3.
    let (b0, rest) = last.split_at(seg);
    let (b1, rest) = rest.split_at(seg);
    let (b2, rest) = rest.split_at(seg);
    let (b3, tail) = rest.split_at(seg);
    let (r0, rest) = ranks.split_at_mut(seg);
    let (r1, rest) = rest.split_at_mut(seg);
    let (r2, rest) = rest.split_at_mut(seg);
    let (r3, rank_tail) = rest.split_at_mut(seg);
    let l1 = nibble_list_after(b0, values, INITIAL_LIST);
    let l2 = nibble_list_after(b1, values, l1);
    let l3 = nibble_list_after(b2, values, l2);
    let mut lists = [INITIAL_LIST, l1, l2, l3];
    for k in 0..seg {
        r0[k] = nibble_step(&mut lists[0], spread[usize::from(b0[k])]);
        r1[k] = nibble_step(&mut lists[1], spread[usize::from(b1[k])]);
        r2[k] = nibble_step(&mut lists[2], spread[usize::from(b2[k])]);
        r3[k] = nibble_step(&mut lists[3], spread[usize::from(b3[k])]);
    }
    for (r, &b) in rank_tail.iter_mut().zip(tail) {
        *r = nibble_step(&mut lists[3], spread[usize::from(b)]);
    }
}

impl Histograms {
    fn new(alpha: usize, max_len: usize) -> Histograms {
        Histograms {
            alpha,
            counts: vec![0; max_len.div_ceil(GROUP).max(1) * alpha],
            len: 0,
            group_base: 0,
            in_group: 0,
        }
    }

    /// The symbols of move-to-front positions `ranks` (each at most 15): zero runs as
    /// RUNA/RUNB digits, position `j >= 1` as `j + 1`, then the end of block `alpha - 1`
    /// (at most 17).
    #[inline(never)] // kept apart in profiles
    fn of_ranks(ranks: &[u8], alpha: usize) -> Histograms {
        debug_assert!(alpha <= 18 && ranks.iter().all(|&r| r < 16));
        debug_assert!(ranks.len() < 1 << 32, "columns are bzip2 blocks");
        // At most one symbol per position (a run of z zeros takes at most z digits) and the
        // end of block.
        let mut syms: Vec<u8> = Vec::with_capacity(ranks.len() + 1);
        // Where the pending zero run starts.
        let mut run_start = 0;
        // A third of the ranks are zero, in runs, so a branch on each rank's being zero is
        // often mispredicted. Instead the non-zero ranks of 64 at a time are found by their
        // bits in a mask, and each writes the digits of the zero run before it as one word
        // from a table and its own symbol after them ([`stage_chunk`]), into a small
        // staging array whose every index the compiler can bound, then to `syms`.
        let mut staged = [0u8; STAGED];
        let mut chunks = ranks.chunks_exact(64);
        for (k, chunk) in chunks.by_ref().enumerate() {
            // `chunks_exact(64)` yields 64 bytes, so the fallback is never taken (the MSRV,
            // 1.85, predates `as_chunks`).
            let chunk: &[u8; 64] = chunk.try_into().unwrap_or(&[0; 64]);
            let o = stage_chunk(chunk, 64 * k, &mut run_start, &mut staged);
            syms.extend_from_slice(&staged[..o]);
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut padded = [0u8; 64];
            padded[..rest.len()].copy_from_slice(rest);
            let o = stage_chunk(
                &padded,
                ranks.len() - rest.len(),
                &mut run_start,
                &mut staged,
            );
            syms.extend_from_slice(&staged[..o]);
        }
        syms.extend(zero_run_digits((ranks.len() - run_start) as u64));
        syms.push((alpha - 1) as u8);
        Histograms::of_symbols(&syms, alpha)
    }

    /// The histograms of `syms` (each below `alpha`, at most 18), group by group.
    fn of_symbols(syms: &[u8], alpha: usize) -> Histograms {
        // Histograms::new sizes for syms.len() symbols.
        let mut h = Histograms::new(alpha, syms.len());
        for (counts, group) in h.counts.chunks_exact_mut(alpha).zip(syms.chunks(GROUP)) {
            // Counted by comparing the whole group with each symbol (which vectorises)
            // rather than by incrementing counters in memory, where a repeated symbol
            // waits on its own last increment.
            let mut padded = [u8::MAX; 64];
            padded[..group.len()].copy_from_slice(group);
            for (v, c) in counts.iter_mut().enumerate() {
                *c = padded.iter().map(|&s| u8::from(s == v as u8)).sum();
            }
        }
        h.len = syms.len();
        h.group_base = syms.len() / GROUP * alpha;
        h.in_group = syms.len() % GROUP;
        h
    }

    #[inline]
    fn push(&mut self, sym: usize) {
        self.counts[self.group_base + sym] += 1;
        self.len += 1;
        self.in_group += 1;
        if self.in_group == GROUP {
            self.in_group = 0;
            self.group_base += self.alpha;
        }
    }

    /// The digits of a run of `zeros` zeros ([`zero_run_digits`]).
    fn push_zero_run(&mut self, zeros: u64) {
        for digit in zero_run_digits(zeros) {
            self.push(usize::from(digit));
        }
    }

    /// Occurrences of each symbol in the block.
    fn totals(&self) -> Vec<u32> {
        let mut t = vec![0u32; self.alpha];
        for g in 0..self.groups() {
            for (t, &c) in t.iter_mut().zip(self.group(g)) {
                *t += u32::from(c);
            }
        }
        t
    }

    fn groups(&self) -> usize {
        self.len.div_ceil(GROUP)
    }

    fn group(&self, g: usize) -> &[u8] {
        &self.counts[g * self.alpha..(g + 1) * self.alpha]
    }

    /// Everything after the symbol map: table count, selectors, code-length tables and the
    /// coded symbols.
    fn table_and_data_bits(&self) -> u64 {
        self.table_and_data_bits_with(PackedCounts::of(self))
    }

    /// [`Histograms::table_and_data_bits`], the tables' frequencies summed from `packed`
    /// when given, else value by value (the tests compare the two).
    fn table_and_data_bits_with(&self, packed: Option<PackedCounts>) -> u64 {
        let alpha = self.alpha;
        let n_tables = match self.len {
            0..200 => 2,
            200..600 => 3,
            600..1200 => 4,
            1200..2400 => 5,
            _ => 6,
        };
        let mut lens = self.initial_tables(n_tables);
        let mut selectors = vec![0u8; self.groups()];
        // Code lengths by symbol, all six tables side by side in 10-bit lanes of a word: a
        // group's cost in every table is one multiply-add per symbol value. A lane's sum
        // stays below 2^10 (a group holds at most 50 symbols and a length is at most 17, so
        // at most 850), so no lane carries into the next; lanes beyond `n_tables` are never
        // compared.
        const LANE_BITS: usize = 10;
        const LANE: u64 = (1 << LANE_BITS) - 1;
        const _: () = assert!(GROUP as u64 * MAX_CODE_LEN as u64 <= LANE && 6 * LANE_BITS <= 64);
        let mut by_symbol = vec![0u64; alpha];
        for _ in 0..PASSES {
            for (v, row) in by_symbol.iter_mut().enumerate() {
                *row = (lens.iter().enumerate())
                    .map(|(t, len)| u64::from(len[v]) << (LANE_BITS * t))
                    .fold(0, |w, l| w | l);
            }
            let mut freq = vec![vec![0u32; alpha]; n_tables];
            let mut sums = vec![[0u64; 2 * PACKED_WORDS]; n_tables];
            let mut pending = vec![0usize; n_tables];
            for (g, sel) in selectors.iter_mut().enumerate() {
                let counts = self.group(g);
                let costs = (counts.iter().zip(&by_symbol))
                    .fold(0u64, |sum, (&c, &row)| sum + u64::from(c) * row);
                let cost = |t: usize| (costs >> (LANE_BITS * t)) & LANE;
                // The first table of least cost, as libbz2 picks.
                let mut best = 0;
                let mut best_cost = cost(0);
                for t in 1..n_tables {
                    let c = cost(t);
                    if c < best_cost {
                        best = t;
                        best_cost = c;
                    }
                }
                *sel = best as u8;
                match &packed {
                    Some(p) => {
                        p.add(g, &mut sums[best]);
                        pending[best] += 1;
                        if pending[best] == PACKED_FLUSH {
                            pending[best] = 0;
                            PackedCounts::flush(&mut sums[best], &mut freq[best]);
                        }
                    }
                    None => {
                        for (f, &c) in freq[best].iter_mut().zip(counts) {
                            *f += u32::from(c);
                        }
                    }
                }
            }
            for (t, s) in sums.iter_mut().enumerate() {
                PackedCounts::flush(s, &mut freq[t]);
            }
            for (len, f) in lens.iter_mut().zip(&freq) {
                *len = code_lengths(f, MAX_CODE_LEN);
            }
        }
        let header = 3 + 15;
        let selector_bits = selector_mtf_bits(&selectors, n_tables);
        let table_bits: u64 = lens
            .iter()
            .map(|len| {
                let mut curr = i64::from(len[0]);
                let mut bits = 5u64;
                for &l in len {
                    bits += 2 * (i64::from(l) - curr).unsigned_abs() + 1;
                    curr = i64::from(l);
                }
                bits
            })
            .sum();
        let data_bits: u64 = selectors
            .iter()
            .enumerate()
            .map(|(g, &t)| {
                self.group(g)
                    .iter()
                    .zip(&lens[usize::from(t)])
                    .map(|(&c, &l)| u64::from(c) * u64::from(l))
                    .sum::<u64>()
            })
            .sum();
        header + selector_bits + table_bits + data_bits
    }

    /// libbz2's starting tables: the symbol range cut into `n_tables` parts of about equal
    /// frequency (with its rule of giving back the last symbol on alternate parts), each
    /// table cheap (0) on its part and dear (15) elsewhere.
    fn initial_tables(&self, n_tables: usize) -> Vec<Vec<u8>> {
        let alpha = self.alpha;
        let totals = self.totals();
        let mut lens = vec![vec![15u8; alpha]; n_tables];
        let mut parts_left = n_tables;
        let mut remaining = self.len as i64;
        let mut gs = 0i64;
        while parts_left > 0 {
            let target = remaining / parts_left as i64;
            let mut ge = gs - 1;
            let mut acc = 0i64;
            while acc < target && ge < alpha as i64 - 1 {
                ge += 1;
                acc += i64::from(totals[ge as usize]);
            }
            if ge > gs
                && parts_left != n_tables
                && parts_left != 1
                && (n_tables - parts_left) % 2 == 1
            {
                acc -= i64::from(totals[ge as usize]);
                ge -= 1;
            }
            for (v, l) in lens[parts_left - 1].iter_mut().enumerate() {
                let v = v as i64;
                *l = if v >= gs && v <= ge { 0 } else { 15 };
            }
            parts_left -= 1;
            gs = ge + 1;
            remaining -= acc;
        }
        lens
    }
}

/// Words of [`PackedCounts`] a group: 24 symbol values, enough for any column with at most
/// 22 byte values in use (decimal text has 11).
const PACKED_WORDS: usize = 3;
/// Groups summed into 16-bit lanes before they are flushed: 50 symbols a group, so a lane
/// holds at most 1,024 x 50 < 2^16.
const PACKED_FLUSH: usize = 1024;
const _: () = assert!(PACKED_FLUSH * GROUP < 1 << 16);
/// Bytes 0, 2, 4 and 6 of a word.
const EVEN_BYTES: u64 = 0x00ff_00ff_00ff_00ff;

/// Each group's counts eight to a word, so that adding a group to its table's frequencies
/// takes two word additions per eight symbol values (even and odd bytes into 16-bit lanes,
/// flushed to the frequencies every [`PACKED_FLUSH`] groups) instead of one per value.
struct PackedCounts {
    words: Vec<[u64; PACKED_WORDS]>,
}

impl PackedCounts {
    /// The packed counts of `h`'s groups; None when its symbols do not fit.
    fn of(h: &Histograms) -> Option<PackedCounts> {
        if h.alpha > 8 * PACKED_WORDS {
            return None;
        }
        let words = (0..h.groups())
            .map(|g| {
                let mut bytes = [0u8; 8 * PACKED_WORDS];
                bytes[..h.alpha].copy_from_slice(h.group(g));
                std::array::from_fn(|k| {
                    let mut w = [0u8; 8];
                    w.copy_from_slice(&bytes[8 * k..8 * k + 8]);
                    u64::from_le_bytes(w)
                })
            })
            .collect();
        Some(PackedCounts { words })
    }

    /// Adds group `g` to the lane sums `sums`.
    #[inline]
    fn add(&self, g: usize, sums: &mut [u64; 2 * PACKED_WORDS]) {
        for (k, &w) in self.words[g].iter().enumerate() {
            sums[2 * k] += w & EVEN_BYTES;
            sums[2 * k + 1] += (w >> 8) & EVEN_BYTES;
        }
    }

    /// Adds the lane sums `sums` to `freq` (the lanes past its length hold zeros) and
    /// clears them.
    fn flush(sums: &mut [u64; 2 * PACKED_WORDS], freq: &mut [u32]) {
        for (k, pair) in sums.chunks_exact_mut(2).enumerate() {
            for (parity, sum) in pair.iter_mut().enumerate() {
                for lane in 0..4 {
                    if let Some(f) = freq.get_mut(8 * k + 2 * lane + parity) {
                        *f += ((*sum >> (16 * lane)) & 0xffff) as u32;
                    }
                }
                *sum = 0;
            }
        }
    }
}

/// Bits of the selectors, sent move-to-front coded in unary.
fn selector_mtf_bits(selectors: &[u8], n_tables: usize) -> u64 {
    let mut front: Vec<u8> = (0..n_tables as u8).collect();
    let mut bits = 0u64;
    for &s in selectors {
        let j = front.iter().position(|&x| x == s).unwrap_or(0);
        front.copy_within(0..j, 1);
        front[0] = s;
        bits += j as u64 + 1;
    }
    bits
}

/// Huffman code lengths as libbz2 builds them (`BZ2_hbMakeCodeLengths`): weights are
/// `max(freq, 1)` scaled by 256 with the subtree depth in the low byte (so that among equal
/// frequencies the shallower subtree is merged first), a binary heap with libbz2's
/// tie-breaking, and, while any code is longer than `max_len`, every weight halved
/// (`1 + w / 2`) and the tree rebuilt. Needs `freq.len() <= 2^max_len` and frequencies
/// summing below 2^24 (a bzip2 block has at most 258 symbols and 900,001 codes).
pub(crate) fn code_lengths(freq: &[u32], max_len: u32) -> Vec<u8> {
    let alpha = freq.len();
    debug_assert!(max_len < 32 && alpha <= 1 << max_len);
    debug_assert!(freq.iter().map(|&f| u64::from(f)).sum::<u64>() < 1 << 24);
    // Nodes are numbered from 1; node 0 is the heap's sentinel of weight 0.
    let mut weight = vec![0u32; 2 * alpha + 2];
    let mut parent = vec![0usize; 2 * alpha + 2];
    for (w, &f) in weight[1..=alpha].iter_mut().zip(freq) {
        *w = f.max(1) << 8;
    }
    loop {
        let mut heap: Vec<usize> = Vec::with_capacity(alpha + 2);
        heap.push(0);
        parent.fill(0);
        for i in 1..=alpha {
            heap.push(i);
            let last = heap.len() - 1;
            up_heap(&mut heap, &weight, last);
        }
        let mut nodes = alpha;
        while heap.len() > 2 {
            let n1 = pop_min(&mut heap, &weight);
            let n2 = pop_min(&mut heap, &weight);
            nodes += 1;
            parent[n1] = nodes;
            parent[n2] = nodes;
            parent[nodes] = 0;
            let depth = (weight[n1] & 0xff).max(weight[n2] & 0xff);
            weight[nodes] = ((weight[n1] & !0xff) + (weight[n2] & !0xff)) | (1 + depth);
            heap.push(nodes);
            let last = heap.len() - 1;
            up_heap(&mut heap, &weight, last);
        }
        let lens: Vec<u8> = (1..=alpha)
            .map(|i| {
                let mut depth = 0u8;
                let mut k = i;
                while parent[k] != 0 {
                    k = parent[k];
                    depth += 1;
                }
                depth
            })
            .collect();
        if lens.iter().all(|&l| u32::from(l) <= max_len) {
            return lens;
        }
        for w in &mut weight[1..=alpha] {
            *w = (1 + (*w >> 8) / 2) << 8;
        }
    }
}

/// Moves entry `z` up while it is lighter than its parent (the sentinel stops it).
fn up_heap(heap: &mut [usize], weight: &[u32], mut z: usize) {
    let tmp = heap[z];
    while weight[tmp] < weight[heap[z >> 1]] {
        heap[z] = heap[z >> 1];
        z >>= 1;
    }
    heap[z] = tmp;
}

/// Removes the lightest entry: the last entry goes to the root and sinks, moving past
/// children that are not heavier (libbz2's rule for ties).
fn pop_min(heap: &mut Vec<usize>, weight: &[u32]) -> usize {
    let min = heap[1];
    let last = heap.pop().unwrap_or(0);
    let n = heap.len() - 1;
    if n == 0 {
        return min;
    }
    heap[1] = last;
    let tmp = heap[1];
    let mut z = 1;
    loop {
        let mut y = z << 1;
        if y > n {
            break;
        }
        if y < n && weight[heap[y + 1]] < weight[heap[y]] {
            y += 1;
        }
        if weight[tmp] < weight[heap[y]] {
            break;
        }
        heap[z] = heap[y];
        z = y;
    }
    heap[z] = tmp;
    min
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;
    use proptest::prelude::*;

    /// The move-to-front coding as it was first written, one symbol at a time: the
    /// definition the faster coding is checked against.
    fn mtf_by_definition(last: &[u8], in_use: &[bool; 256]) -> Histograms {
        let (seq, n_in_use, alpha) = symbol_map(in_use);
        let mut h = Histograms::new(alpha, last.len() + 1);
        let mut zeros = 0u64;
        let mut front: Vec<u8> = (0..n_in_use.max(16) as u8).collect();
        for &b in last {
            let c = seq[usize::from(b)];
            let j = front.iter().position(|&f| f == c).unwrap();
            if j == 0 {
                zeros += 1;
                continue;
            }
            h.push_zero_run(zeros);
            zeros = 0;
            front[..=j].rotate_right(1);
            h.push(j + 1);
        }
        h.push_zero_run(zeros);
        h.push(alpha - 1);
        h
    }

    fn symbol_map(in_use: &[bool; 256]) -> ([u8; 256], usize, usize) {
        let mut seq = [0u8; 256];
        let mut n_in_use = 0;
        for (v, &u) in in_use.iter().enumerate() {
            if u {
                seq[v] = n_in_use as u8;
                n_in_use += 1;
            }
        }
        (seq, n_in_use, n_in_use + 2)
    }

    /// The faster coding gives the definition's symbols, group by group, and so the same
    /// length.
    fn check(last: &[u8], in_use: &[bool; 256]) -> Result<(), TestCaseError> {
        let (seq, _, alpha) = symbol_map(in_use);
        let values: Vec<u8> = (0..=255).filter(|&v| in_use[usize::from(v)]).collect();
        let want = mtf_by_definition(last, in_use);
        let got = mtf_histograms(last, &seq, &values, alpha);
        prop_assert_eq!(got.len, want.len);
        let used = want.groups() * alpha;
        prop_assert_eq!(&got.counts[..used], &want.counts[..used]);
        let map_bits = 16 + 16 * in_use.chunks(16).filter(|c| c.contains(&true)).count() as u64;
        prop_assert_eq!(
            coded_bits(last, in_use),
            map_bits + want.table_and_data_bits()
        );
        Ok(())
    }

    /// A column of `len` bytes of the kind `kind` over the byte values `values`.
    fn column(kind: u8, values: &[u8], len: usize, run: usize, seed: u64) -> Vec<u8> {
        let mut r = Rng::new(seed, 0);
        let k = values.len() as u64;
        let mut pick = move || values[r.below(k) as usize];
        match kind {
            // Random.
            0 => (0..len).map(|_| pick()).collect(),
            // All one value.
            1 => vec![values[0]; len],
            // Runs up to `run` long: long zero runs, some longer than a table's 255.
            2 => {
                let mut c = Vec::with_capacity(len);
                let mut i = 0;
                while c.len() < len {
                    let v = pick();
                    let n = 1 + (i * 7919 + usize::from(v)) % run;
                    c.extend(std::iter::repeat_n(v, n.min(len - c.len())));
                    i += 1;
                }
                c
            }
            // A period of up to `run` values repeated.
            3 => {
                let period: Vec<u8> = (0..1 + run % 37).map(|_| pick()).collect();
                (0..len).map(|i| period[i % period.len()]).collect()
            }
            // Mostly the first value, now and then another.
            _ => (0..len)
                .map(|_| {
                    let v = pick();
                    if v == values[values.len() - 1] {
                        v
                    } else {
                        values[0]
                    }
                })
                .collect(),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1_000))]
        #[test]
        fn coding_equals_the_definition(
            kind in 0u8..5,
            alphabet in 1usize..=40,
            base in any::<u8>(),
            stride in 1u8..=9,
            extra in proptest::collection::vec(any::<u8>(), 0..4),
            len in prop_oneof![0usize..4, 0usize..3_000, (0usize..60, 0usize..5).prop_map(|(m, d)| (50 * m + d).saturating_sub(2))],
            run in 1usize..2_000,
            seed in 0u64..1_000_000,
        ) {
            // Byte values spread by `stride` (so both sides of 16 values in use), and values
            // marked in use that the column never holds.
            let values: Vec<u8> = (0..alphabet).map(|i| base.wrapping_add(stride.wrapping_mul(i as u8))).collect();
            let last = column(kind, &values, len, run, seed);
            let mut in_use = [false; 256];
            for &b in last.iter().chain(&extra) {
                in_use[usize::from(b)] = true;
            }
            check(&last, &in_use)?;
        }

        #[test]
        fn coding_equals_the_definition_on_real_columns(
            alphabet in 1u64..=256,
            len in 0usize..2_000,
            seed in 0u64..1_000_000,
        ) {
            // The Burrows-Wheeler column of sample text, as the statistic codes it.
            let mut r = Rng::new(seed, 1);
            let data: Vec<u8> = (0..len).map(|_| r.below(alphabet) as u8).collect();
            let last = super::super::bwt::last_column(&crate::iid::compression::as_text(&data));
            let mut in_use = [false; 256];
            for &b in &last {
                in_use[usize::from(b)] = true;
            }
            check(&last, &in_use)?;
        }
    }

    #[test]
    fn coding_equals_the_definition_at_the_edges() {
        // Empty and tiny columns, lengths about the 8- and 64-rank chunks, the segment split
        // and the groups of 50, of every kind, with 1, 11, 16 and 17 values in use.
        for len in [
            0, 1, 2, 3, 4, 5, 7, 8, 9, 49, 50, 51, 63, 64, 65, 99, 100, 101, 257, 1_000,
        ] {
            for kind in 0..5 {
                for alphabet in [1, 11, 16, 17] {
                    let values: Vec<u8> = (0..alphabet).map(|i| 3 * i as u8).collect();
                    for run in [1, 3, 300] {
                        let last = column(kind, &values, len, run, len as u64);
                        let mut in_use = [false; 256];
                        for &b in &last {
                            in_use[usize::from(b)] = true;
                        }
                        check(&last, &in_use).unwrap();
                    }
                }
            }
        }
        // Runs long enough for 17 and 19 digits, and a chunk's worth of symbols after them.
        for z in [(1 << 17) + 3, 800_000] {
            let mut last = vec![5u8, 9];
            last.extend(std::iter::repeat_n(9, z));
            last.extend((0..130).map(|i| [5, 9, 7][i % 3]));
            let mut in_use = [false; 256];
            for v in [5, 7, 9] {
                in_use[v] = true;
            }
            check(&last, &in_use).unwrap();
        }
        // Zero runs of every length up to 600 between two symbols.
        for z in 0..600 {
            let mut last = vec![5u8, 9];
            last.extend(std::iter::repeat_n(9, z));
            last.push(5);
            let mut in_use = [false; 256];
            in_use[5] = true;
            in_use[9] = true;
            check(&last, &in_use).unwrap();
        }
    }

    #[test]
    fn coding_equals_the_definition_on_a_large_real_column() {
        // 200,000 8-bit samples: about 720,000 bytes of text, one block of the statistic.
        let mut r = Rng::new(7, 0);
        let data: Vec<u8> = (0..200_000).map(|_| r.below(256) as u8).collect();
        let text = crate::iid::compression::as_text(&data);
        let last = super::super::bwt::last_column(&text);
        let mut in_use = [false; 256];
        for &b in &last {
            in_use[usize::from(b)] = true;
        }
        check(&last, &in_use).unwrap();
        // The tables' frequencies summed in packed lanes, flushed every 1,024 groups a
        // table, equal the sums value by value; here some table takes more groups (more
        // than six tables hold).
        let (seq, _, alpha) = symbol_map(&in_use);
        let values: Vec<u8> = (0..=255).filter(|&v| in_use[usize::from(v)]).collect();
        let h = mtf_histograms(&last, &seq, &values, alpha);
        assert!(h.groups() > 6 * PACKED_FLUSH, "{}", h.groups());
        let packed = PackedCounts::of(&h);
        assert!(packed.is_some());
        assert_eq!(
            h.table_and_data_bits_with(packed),
            h.table_and_data_bits_with(None)
        );
    }

    #[test]
    fn zero_runs_use_bijective_base_two() {
        // Runs 1..=6 -> A, B, AA, BA, AB, BB (RUNA = 0, RUNB = 1).
        let digits = |z: u64| {
            let mut h = Histograms::new(3, 10);
            h.push_zero_run(z);
            let t = h.totals();
            (t[0], t[1])
        };
        assert_eq!(digits(1), (1, 0));
        assert_eq!(digits(2), (0, 1));
        assert_eq!(digits(3), (2, 0));
        assert_eq!(digits(4), (1, 1));
        assert_eq!(digits(6), (0, 2));
    }

    #[test]
    fn code_lengths_break_ties_by_depth() {
        // 1 + 1 -> a node of weight 2 and depth 1; the leaf of weight 2 is shallower, so it
        // merges first, with that node.
        assert_eq!(code_lengths(&[10, 1, 1, 2], 17), vec![1, 3, 3, 2]);
    }

    #[test]
    fn code_lengths_respect_the_limit() {
        // Fibonacci frequencies make a maximally deep tree: 24 symbols would need 23 bits.
        let mut f = vec![1u32, 1];
        while f.len() < 24 {
            let n = f[f.len() - 1] + f[f.len() - 2];
            f.push(n);
        }
        let lens = code_lengths(&f, 17);
        assert!(lens.iter().all(|&l| (1..=17).contains(&l)), "{lens:?}");
        // Kraft: a complete prefix code.
        let kraft: f64 = lens.iter().map(|&l| 0.5f64.powi(i32::from(l))).sum();
        assert!((kraft - 1.0).abs() < 1e-12);
        assert_eq!(code_lengths(&f, 30).iter().max(), Some(&23));
    }
}
