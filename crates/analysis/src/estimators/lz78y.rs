//! LZ78Y prediction estimate, SP 800-90B section 6.3.10.
//!
//! A dictionary of strings of 1 to `B` = 16 symbols, each with counts of the symbols that
//! followed it. Every symbol is predicted from the dictionary string that ends just before
//! it and has the most frequent follower (the longest such string on ties; its follower
//! ties go to the larger symbol); then every string of 1 to 16 symbols ending there learns
//! the symbol. New strings enter while the dictionary holds fewer than 65,536 of them;
//! strings already present keep counting, and may gain new followers, forever.

use super::context_table::{key_mask, symbol_bits, BinaryLevel, Contexts, Level};
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
    let top = data.iter().copied().max().unwrap_or(0);
    let tally = if top <= 1 {
        run(data, 1, |len| BinaryLevel::new(len))
    } else {
        let bits = symbol_bits(alphabet.max(usize::from(top) + 1));
        run(data, bits, |len| Level::new(len, bits))
    };
    prediction_result(Estimator::Lz78y, &tally, (len - B - 1) as u64, alphabet)
}

/// Symbols per step of the parallel phase.
const CHUNK: usize = 1 << 15;

/// The best guess of a group of dictionary lengths for one symbol: (count, symbol).
type Guess = (u32, u8);

/// The estimate's tally. Until the dictionary is full every step may add strings of
/// every length, so the lengths are walked together, longest first, as the reference
/// does. Once full, each length only counts its own strings: the lengths then run as two
/// independent groups (16..=9 and 8..=1) in parallel, chunk by chunk, and for each symbol
/// the shorter group's guess wins only with a strictly higher count, which is the
/// longest-first order again.
fn run<C: Contexts, F: Fn(u32) -> C>(data: &[u8], bits: u32, make: F) -> Tally {
    let len = data.len();
    let mut levels: Vec<C> = (1..=B as u32).map(make).collect();
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
    let mut i = B + 1;
    while i < len && dict_size < MAX_DICTIONARY_SIZE {
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
        i += 1;
    }

    // The dictionary is full: lengths are independent from here on.
    let (short, long) = levels.split_at_mut(B / 2);
    let mut guesses_long = vec![(0u32, 0u8); CHUNK];
    let mut guesses_short = vec![(0u32, 0u8); CHUNK];
    while i < len {
        let end = (i + CHUNK).min(len);
        let (gl, gs) = (&mut guesses_long[..end - i], &mut guesses_short[..end - i]);
        rayon::join(
            || guess_chunk(long, B / 2 + 1, data, bits, i, gl),
            || guess_chunk(short, 1, data, bits, i, gs),
        );
        for ((&(cl, yl), &(cs, ys)), &y) in gl.iter().zip(gs.iter()).zip(&data[i..end]) {
            let (count, guess) = if cs > cl { (cs, ys) } else { (cl, yl) };
            tally.push(count > 0 && guess == y);
        }
        i = end;
    }
    tally
}

/// For the symbols `data[start..start + out.len()]`, the best guess of the dictionary
/// lengths `first..first + levels.len()` (longest first, strictly higher counts win),
/// counting each symbol after its strings. Only strings already present are counted.
fn guess_chunk<C: Contexts>(
    levels: &mut [C],
    first: usize,
    data: &[u8],
    bits: u32,
    start: usize,
    out: &mut [Guess],
) {
    out.fill((0, 0));
    for (l, level) in levels.iter_mut().enumerate().rev() {
        let j = first + l;
        let mask = key_mask(j as u32, bits);
        let mut key = 0u128;
        for &s in &data[start - j..start - 1] {
            key = (key << bits) | u128::from(s);
        }
        for (t, slot) in out.iter_mut().enumerate() {
            let i = start + t;
            key = ((key << bits) | u128::from(data[i - 1])) & mask;
            if let Some(c) = level.find(key) {
                let (guess, count) = level.predict(c);
                if count > slot.0 {
                    *slot = (count, guess);
                }
                level.increment(c, data[i], true);
            }
        }
    }
}
