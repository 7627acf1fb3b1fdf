//! LZ78Y prediction estimate, SP 800-90B section 6.3.10.
//!
//! A dictionary of strings of 1 to `B` = 16 symbols, each with counts of the symbols that
//! followed it. Every symbol is predicted from the dictionary string that ends just before
//! it and has the most frequent follower (the longest such string on ties; its follower
//! ties go to the larger symbol); then every string of 1 to 16 symbols ending there learns
//! the symbol. New strings enter while the dictionary holds fewer than 65,536 of them;
//! strings already present keep counting, and may gain new followers, forever.

use super::context_table::{key_mask, symbol_bits, Level};
use super::predictor::{prediction_result, Tally};
use crate::result::{Estimator, EstimatorResult};

/// Longest dictionary string, `B`.
pub const B: usize = 16;
/// Cap on the number of strings in the dictionary.
pub const MAX_DICTIONARY_SIZE: u64 = 65_536;

/// Runs the estimate on symbols already translated to `0..alphabet`.
///
/// ```
/// use kqent_analysis::estimators::lz78y;
/// let data: Vec<u8> = (0..3000u32).map(|i| (i % 5) as u8).collect();
/// let r = lz78y::estimate(&data, 5);
/// assert!(r.h().unwrap() < 0.05); // a period-5 pattern is predictable
/// ```
pub fn estimate(data: &[u8], alphabet: usize) -> EstimatorResult {
    let len = data.len();
    if len < B + 2 {
        return EstimatorResult::not_applicable(
            Estimator::Lz78y,
            format!("needs at least {} samples, the input has {len}", B + 2),
        );
    }
    let n = len - B - 1;
    let bits = symbol_bits(alphabet);
    let mut levels: Vec<Level> = (1..=B as u32).map(|l| Level::new(l, bits)).collect();
    let masks: Vec<u128> = (1..=B as u32).map(|l| key_mask(l, bits)).collect();
    let full = masks[B - 1];

    // The strings ending just before symbol B, all followed by it, start the dictionary.
    let mut recent = 0u128;
    for &s in &data[..B] {
        recent = (recent << bits) | u128::from(s);
    }
    let mut dict_size = 0u64;
    for j in 1..=B {
        let c = levels[j - 1].find_or_add(recent & masks[j - 1]);
        levels[j - 1].increment(c, data[B], true);
        dict_size += 1;
    }

    let mut tally = Tally::default();
    for i in B + 1..len {
        recent = ((recent << bits) | u128::from(data[i - 1])) & full;
        let y = data[i];
        let mut best_count = 0u32;
        let mut prediction = None;
        for j in (1..=B).rev() {
            let k = recent & masks[j - 1];
            let level = &mut levels[j - 1];
            if let Some(c) = level.find(k) {
                let (guess, count) = level.predict(c);
                // Strictly greater: on a tie the longer string, seen first, keeps it.
                if count > best_count {
                    best_count = count;
                    prediction = Some(guess);
                }
                level.increment(c, y, true);
            } else if dict_size < MAX_DICTIONARY_SIZE {
                let c = level.find_or_add(k);
                level.increment(c, y, true);
                dict_size += 1;
            }
        }
        tally.push(prediction == Some(y));
    }
    prediction_result(Estimator::Lz78y, &tally, n as u64, alphabet)
}
