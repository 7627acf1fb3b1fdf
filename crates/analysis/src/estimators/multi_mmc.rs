//! Multi Markov Model with Counting prediction estimate, SP 800-90B section 6.3.9.
//!
//! Sixteen predictors, of orders 1 to 16: the order-`d` one predicts the symbol that most
//! often followed the last `d` symbols so far (ties to the larger symbol). A scoreboard
//! picks, before each prediction, the predictor that has been right most often (ties to
//! the one that reached its score last, then to the higher order); its predictions are the
//! ones counted.
//!
//! Details that follow the reference tool (1.1.7), since they change the numbers:
//! each order keeps at most 100,000 (context, successor) pairs; once the order-`d` context
//! has never been seen, the higher orders make no prediction for that symbol (and are only
//! added to); and when the current winner has no prediction the run of correct guesses is
//! neither extended nor broken.

#[cfg(test)]
use super::context_table::key_mask;
use super::context_table::{symbol_bits, Contexts, Level};
#[cfg(test)]
use super::predictor::Tally;
use super::predictor::{prediction_result, Scoreboard};
use crate::result::{Estimator, EstimatorResult};
use rayon::prelude::*;

/// Number of predictors (maximal context length), `D`.
pub const D: usize = 16;
/// Cap on the (context, successor) pairs each predictor stores.
pub const MAX_ENTRIES: u64 = 100_000;

/// Runs the estimate on symbols already translated to `0..alphabet`.
///
/// ```
/// use kqent_analysis::estimators::multi_mmc;
/// let data: Vec<u8> = (0..3000u32).map(|i| (i % 3) as u8).collect();
/// let r = multi_mmc::estimate(&data, 3);
/// assert!(r.h().unwrap() < 0.05); // a period-3 pattern is predictable
/// ```
pub fn estimate(data: &[u8], alphabet: usize) -> EstimatorResult {
    let len = data.len();
    if len < 3 {
        return EstimatorResult::not_applicable(
            Estimator::MultiMmc,
            format!("needs at least 3 samples, the input has {len}"),
        );
    }
    let top = data.iter().copied().max().unwrap_or(0);
    let records = if top <= 1 {
        binary_records(data)
    } else {
        general_records(data, symbol_bits(alphabet.max(usize::from(top) + 1)))
    };
    let n = len - 2;
    let mut board = Scoreboard::new(D);
    let mut correct = [0u64; D];
    let mut predicted = [0u64; D];
    for b in 0..n.div_ceil(64) {
        for (d, r) in records.iter().enumerate() {
            correct[d] = r.correct[b];
            predicted[d] = r.predicted[b];
        }
        board.block(&correct, Some(&predicted), (n - 64 * b).min(64) as u32);
    }
    prediction_result(Estimator::MultiMmc, &board.tally, n as u64, alphabet)
}

/// What one predictor did: bit `i - 2` of `correct` is set when it predicted symbol `i`
/// right, of `predicted` when it predicted symbol `i` at all.
struct Record {
    correct: Vec<u64>,
    predicted: Vec<u64>,
}

impl Record {
    fn new(n: usize) -> Self {
        Record {
            correct: vec![0; n.div_ceil(64)],
            predicted: vec![0; n.div_ceil(64)],
        }
    }

    #[inline]
    fn set(&mut self, s: usize, correct: bool) {
        self.predicted[s / 64] |= 1 << (s % 64);
        self.correct[s / 64] |= u64::from(correct) << (s % 64);
    }
}

/// Steps per chunk of the pipelined general case.
const CHUNK: usize = 1 << 14;

/// One order's state in the general case.
struct Order {
    d: usize,
    level: Level,
    entries: u64,
    record: Record,
}

/// The records of the general case. Order `d` looks a context up only where every lower
/// order found its own (the reference's rule, which matters once caps hide contexts), so
/// the orders form a chain: orders 0..8 and 8..16 run as a two-stage pipeline, the upper
/// half one chunk behind, taking the lower half's "found so far" flags.
fn general_records(data: &[u8], bits: u32) -> Vec<Record> {
    let n = data.len() - 2;
    // At most one context per pair, and at most MAX_ENTRIES pairs; start at a quarter
    // of that (growing costs little, oversized tables cost memory on every input).
    let expected = n.min(MAX_ENTRIES as usize) / 4;
    let mut orders: Vec<Order> = (0..D)
        .map(|d| {
            let mut level = Level::new(d as u32 + 1, bits, expected);
            let mut entries = 0;
            if d < n {
                // Each order's first pair, starting at the very first symbol, goes in
                // up front, as in the reference.
                let c = level.find_or_add(pack(&data[..=d], bits));
                level.increment(c, data[d + 1], true);
                entries = 1;
            }
            Order {
                d,
                level,
                entries,
                record: Record::new(n),
            }
        })
        .collect();
    let (low, high) = orders.split_at_mut(D / 2);
    let chunks = n.div_ceil(CHUNK);
    let mut handoff = [vec![false; CHUNK], vec![false; CHUNK]];
    let mut chain = vec![false; CHUNK];
    for stage in 0..=chunks {
        let [even, odd] = &mut handoff;
        let (out, inp) = if stage % 2 == 0 {
            (even, &*odd)
        } else {
            (odd, &*even)
        };
        rayon::join(
            || {
                if stage < chunks {
                    out.fill(true);
                    run_orders(low, data, bits, stage, out);
                }
            },
            || {
                if stage >= 1 {
                    chain.copy_from_slice(inp);
                    run_orders(high, data, bits, stage - 1, &mut chain);
                }
            },
        );
    }
    orders.into_iter().map(|o| o.record).collect()
}

/// Runs `orders` (consecutive, ascending) over chunk `chunk` of the steps. `chain[t]` says
/// whether every lower order found its context at step `chunk * CHUNK + t`; it is
/// narrowed order by order.
fn run_orders(orders: &mut [Order], data: &[u8], bits: u32, chunk: usize, chain: &mut [bool]) {
    let n = data.len() - 2;
    let s0 = chunk * CHUNK;
    let s1 = (s0 + CHUNK).min(n);
    for o in orders.iter_mut() {
        let d = o.d;
        for (t, s) in (s0..s1).enumerate() {
            let open = o.entries < MAX_ENTRIES;
            if s < d {
                // The order needs d + 1 symbols before the one predicted.
                chain[t] = false;
                continue;
            }
            if !chain[t] && !open {
                continue;
            }
            let i = s + 2;
            let key = pack(&data[i - d - 1..i], bits);
            let y = data[i];
            if chain[t] {
                if let Some(c) = o.level.find(key) {
                    let (guess, _) = o.level.predict(c);
                    o.record.set(s, guess == y);
                    if o.level.increment(c, y, open) {
                        o.entries += 1;
                    }
                    continue;
                }
                chain[t] = false;
            }
            if open {
                // The reference adds here even when a capped lower order hid a context
                // this order holds, and counts the pair as new either way.
                let c = o.level.find_or_add(key);
                o.level.increment(c, y, true);
                o.entries += 1;
            }
        }
    }
}

/// Packs symbols into a context key, the last one in the lowest bits.
#[inline]
fn pack(symbols: &[u8], bits: u32) -> u128 {
    symbols
        .iter()
        .fold(0u128, |k, &s| (k << bits) | u128::from(s))
}

/// The estimate computed in the reference's order, one symbol at a time across all
/// orders (the test oracle for the chunked and binary paths).
#[cfg(test)]
fn sequential(data: &[u8], alphabet: usize) -> EstimatorResult {
    let len = data.len();
    let n = len - 2;
    let bits = symbol_bits(alphabet);
    let mut levels: Vec<Level> = (1..=D as u32).map(|l| Level::new(l, bits, n)).collect();
    let masks: Vec<u128> = (1..=D as u32).map(|l| key_mask(l, bits)).collect();
    let mut entries = [0u64; D];

    // Each order's first pair, the one starting at the very first symbol, goes in up front.
    let mut key = 0u128;
    for d in 0..D.min(n) {
        key = (key << bits) | u128::from(data[d]);
        // `key` holds data[0..=d] with data[0] oldest: the order-(d+1) context.
        let c = levels[d].find_or_add(key);
        levels[d].increment(c, data[d + 1], true);
        entries[d] = 1;
    }

    let mut scoreboard = [0u64; D];
    let mut winner = 0usize;
    let mut tally = Tally::default();
    // Highest order still allowed to grow; orders above it only ever look up.
    let mut last_open = (0..D).rev().find(|&d| entries[d] < MAX_ENTRIES);
    let mut recent = u128::from(data[0]);
    let full = key_mask(D as u32, bits);
    for i in 2..len {
        recent = ((recent << bits) | u128::from(data[i - 1])) & full;
        let y = data[i];
        let cur_winner = winner;
        let mut found = true;
        for d in 0..D.min(i - 1) {
            let k = recent & masks[d];
            let level = &mut levels[d];
            let ctx = if found { level.find(k) } else { None };
            found = ctx.is_some();
            if let Some(c) = ctx {
                let (prediction, _) = level.predict(c);
                if prediction == y {
                    scoreboard[d] += 1;
                    if scoreboard[d] >= scoreboard[winner] {
                        winner = d;
                    }
                    if d == cur_winner {
                        tally.hit();
                    }
                } else if d == cur_winner {
                    tally.miss();
                }
                if level.increment(c, y, entries[d] < MAX_ENTRIES) {
                    entries[d] += 1;
                }
            } else if entries[d] < MAX_ENTRIES {
                // The reference adds the pair here even when a capped shorter order hid
                // a context this order already holds; it counts it as new either way.
                let c = level.find_or_add(k);
                level.increment(c, y, true);
                entries[d] += 1;
            } else if last_open.is_none_or(|o| d > o) {
                // No prediction and no room above: nothing left to do for this symbol.
                break;
            }
            if entries[d] == MAX_ENTRIES && last_open == Some(d) {
                last_open = (0..D).rev().find(|&e| entries[e] < MAX_ENTRIES);
            }
        }
    }
    prediction_result(Estimator::MultiMmc, &tally, n as u64, alphabet)
}

/// Binary data: the orders never interact. An order below 15 has at most 2^16 pairs, so
/// it never reaches the cap and always holds the contexts every higher order holds; each
/// order's record can therefore be computed on its own, in parallel.
fn binary_records(data: &[u8]) -> Vec<Record> {
    (0..D)
        .into_par_iter()
        .map(|d| binary_order(data, d))
        .collect()
}

/// The record of the order-`d` predictor (context of `d + 1` bits) on binary data.
fn binary_order(data: &[u8], d: usize) -> Record {
    let len = data.len();
    let n = len - 2;
    let mut record = Record::new(n);
    if d >= n {
        return record;
    }
    let ctx_bits = d + 1;
    let mask = (1usize << ctx_bits) - 1;
    // counts[ctx] = (times followed by 0, times followed by 1)
    let mut counts = vec![[0u32; 2]; 1 << ctx_bits];
    let mut ctx = data[..ctx_bits]
        .iter()
        .fold(0usize, |c, &b| (c << 1) | usize::from(b));
    counts[ctx][usize::from(data[ctx_bits])] = 1;
    let mut entries = 1u64;
    // Step s = i - 2; each word of the record is gathered in registers.
    let mut i = d + 2;
    while i < len {
        let word = (i - 2) / 64;
        let end = len.min(word * 64 + 66);
        let (mut correct, mut predicted) = (0u64, 0u64);
        for i in i..end {
            let bit = (i - 2) % 64;
            ctx = ((ctx << 1) | usize::from(data[i - 1])) & mask;
            let y = usize::from(data[i]);
            let e = &mut counts[ctx];
            if e[0] | e[1] != 0 {
                // Ties go to 1, the larger symbol.
                let guess = usize::from(e[1] >= e[0]);
                predicted |= 1 << bit;
                correct |= u64::from(guess == y) << bit;
                if e[y] != 0 {
                    e[y] += 1;
                    continue;
                }
            }
            if entries < MAX_ENTRIES {
                e[y] = 1;
                entries += 1;
            }
        }
        record.correct[word] = correct;
        record.predicted[word] = predicted;
        i = end;
    }
    record
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimators::predictor::testing::sample;

    #[test]
    fn binary_and_pipelined_paths_match_the_reference_order() {
        // (seed, length, alphabet, repeat/256): crossing chunk boundaries, and with
        // 8-bit and long binary inputs that push orders into the 100,000-pair cap.
        let cases = [
            (1, 5_000, 2, 0),
            (2, 50_000, 2, 100),
            (3, 40_000, 3, 60),
            (4, 40_000, 16, 30),
            (5, 160_000, 256, 0),
            (6, 70_000, 200, 128),
            (7, 300_000, 2, 0),
            (8, 3, 5, 0),
            (9, 4, 2, 0),
            (10, 19, 7, 0),
        ];
        for (seed, len, k, repeat) in cases {
            let data = sample(seed, len, k, repeat);
            assert_eq!(
                estimate(&data, k),
                sequential(&data, k),
                "seed {seed}, {len} symbols of {k}"
            );
        }
    }

    #[test]
    fn too_short_is_not_applicable() {
        assert!(estimate(&[0, 1], 2).h().is_none());
        assert!(estimate(&[], 2).h().is_none());
    }
}
