//! The entropy-coding stage of a bzip2 block, counted rather than written: move-to-front
//! with run-length coding of zeros (RUNA/RUNB), up to six Huffman tables refined over four
//! passes with a table chosen per group of 50 symbols, and the bits each part takes.
//!
//! The choices (number of tables, the initial split, first-minimum table selection, the
//! Huffman construction and its rescaling above 17 bits) are libbz2's, because each one
//! moves the length. Each group's symbols are kept as a histogram, so costing a table
//! against a group takes one product per symbol value instead of a sum over its 50 symbols.

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
    let mut n_in_use = 0usize;
    for (v, &u) in in_use.iter().enumerate() {
        if u {
            seq[v] = n_in_use as u8;
            n_in_use += 1;
        }
    }
    let alpha = n_in_use + 2;
    let hist = mtf_histograms(last, &seq, n_in_use, alpha);
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
/// `j + 1` for position `j >= 1`, and the end-of-block symbol `n_in_use + 1`.
fn mtf_histograms(last: &[u8], seq: &[u8; 256], n_in_use: usize, alpha: usize) -> Histograms {
    // At most one symbol per byte, plus the end of block.
    let mut h = Histograms::new(alpha, last.len() + 1);
    let mut zeros = 0u64;
    if n_in_use <= 16 {
        // The list as 16 nibbles, front first: find and move in a few word operations.
        const ONES: u64 = 0x1111_1111_1111_1111;
        const HIGHS: u64 = 0x8888_8888_8888_8888;
        let mut front: u64 = (0..16u64).map(|v| v << (4 * v)).sum();
        for &b in last {
            let c = u64::from(seq[usize::from(b)]);
            if front & 0xf == c {
                zeros += 1;
                continue;
            }
            h.push_zero_run(zeros);
            zeros = 0;
            // The lowest zero nibble of front ^ c is exact (borrows only run upwards): its
            // high bit is the lowest bit of `at`. The nibbles up to it move up one and c
            // goes in front, in a few one-cycle steps (this chain bounds the loop).
            let x = front ^ (c * ONES);
            let at = x.wrapping_sub(ONES) & !x & HIGHS;
            let moved = at ^ (at - 1);
            front = (front & !moved) | ((front << 4) & moved) | c;
            h.push((at.trailing_zeros() / 4) as usize + 1);
        }
    } else {
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
    }
    h.push_zero_run(zeros);
    h.push(alpha - 1);
    h
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

    /// A run of `zeros` zeros in bijective base 2: RUNA = 1, RUNB = 2, least significant
    /// digit first.
    fn push_zero_run(&mut self, zeros: u64) {
        if zeros == 0 {
            return;
        }
        let mut z = zeros - 1;
        loop {
            self.push((z & 1) as usize);
            if z < 2 {
                break;
            }
            z = (z - 2) / 2;
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
        // Code lengths by symbol, all tables side by side in 16-bit lanes of two words: a
        // group's cost in every table is two word multiply-adds per symbol value. A lane's
        // product and sum stay below 2^16 (a group holds at most 50 symbols, a length is at
        // most 17, a padding table's 1,000), so no lane carries into the next, and padding is
        // never the least (a real table costs at most 50 x 17).
        const PAD: u64 = 1_000;
        const LANE: u64 = 0xffff;
        let mut by_symbol = vec![[PAD * 0x0001_0001_0001_0001; 2]; alpha];
        for _ in 0..PASSES {
            for (t, len) in lens.iter().enumerate() {
                let shift = 16 * (t % 4);
                for (row, &l) in by_symbol.iter_mut().zip(len) {
                    row[t / 4] = (row[t / 4] & !(LANE << shift)) | (u64::from(l) << shift);
                }
            }
            let mut freq = vec![vec![0u32; alpha]; n_tables];
            for (g, sel) in selectors.iter_mut().enumerate() {
                let counts = self.group(g);
                let (mut lo, mut hi) = (0u64, 0u64);
                for (&c, row) in counts.iter().zip(&by_symbol) {
                    let c = u64::from(c);
                    lo += c * row[0];
                    hi += c * row[1];
                }
                let cost = |t: usize| (if t < 4 { lo } else { hi } >> (16 * (t % 4))) & LANE;
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
                for (f, &c) in freq[best].iter_mut().zip(counts) {
                    *f += u32::from(c);
                }
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
