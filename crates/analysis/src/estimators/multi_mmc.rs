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

use super::context_table::{key_mask, symbol_bits, Level};
use super::predictor::{prediction_result, Tally};
use crate::result::{Estimator, EstimatorResult};

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
    let n = len - 2;
    let bits = symbol_bits(alphabet);
    let mut levels: Vec<Level> = (1..=D as u32).map(|l| Level::new(l, bits)).collect();
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
