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
        run(data, 1, BinaryLevel::new)
    } else {
        let bits = symbol_bits(alphabet.max(usize::from(top) + 1));
        // The whole dictionary holds 65,536 strings, spread over 16 lengths.
        run(data, bits, |l| Level::new(l, bits, 4096))
    };
    prediction_result(Estimator::Lz78y, &tally, (len - B - 1) as u64, alphabet)
}

/// Symbols per step of the parallel phase. Either group may run on either thread from one
/// step to the next, its tables then moving between the cores' caches: long steps make
/// that rare (32,768-symbol steps cost LZ78Y on the symbols of biased-random-bytes
/// 0.25 s of CPU, 131,072-symbol ones 0.21 s).
const CHUNK: usize = 1 << 17;

/// The best guess of a group of dictionary lengths for one symbol: (count, symbol).
type Guess = (u32, u8);

/// The estimate's tally. Until the dictionary is full every step may add strings of
/// every length, so the lengths are walked together, longest first, as the reference
/// does. Once full, each length only counts its own strings: the lengths then run as two
/// independent groups (1..=8 and 9..=16) in parallel, chunk by chunk, and for each symbol
/// the longer group's guess wins ties, which is the reference's longest-first order. On
/// bits, a length stops once none of its strings can predict again ([`Live`]): on the
/// bitstrings of the conformance files and of NIST's 1,000,000-sample files, only the
/// one-bit strings are left by the time the dictionary is full.
///
/// Within a group, a string whose one-shorter suffix is absent is absent too, except for
/// "orphans": strings added in the step that filled the dictionary before their suffix
/// could be. Lengths without orphans are only looked up where the shorter one was found.
fn run<C: GuessChunk, F: Fn(u32) -> C>(data: &[u8], bits: u32, make: F) -> Tally {
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
    // orphans[j - 1]: some string of length j lacks its suffix of length j - 1.
    let mut orphans = [false; B];
    let mut i = B + 1;
    while i < len && dict_size < MAX_DICTIONARY_SIZE {
        recent = ((recent << bits) | u128::from(data[i - 1])) & full;
        let y = data[i];
        let mut best_count = 0u32;
        let mut prediction = None;
        let mut longer_added = false;
        for j in (1..=B).rev() {
            let k = recent & masks[j - 1];
            let level = &mut levels[j - 1];
            let mut added = false;
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
                added = true;
            } else if longer_added {
                orphans[j] = true;
            }
            longer_added = added;
        }
        tally.push(prediction == Some(y));
        i += 1;
    }

    // The dictionary is full: lengths are independent from here on.
    let half = B / 2;
    let (short, long) = levels.split_at_mut(half);
    let (orphans_short, orphans_long) = orphans.split_at(half);
    let room = CHUNK.min(len);
    let mut buf_short = (vec![(0u32, 0u8); room], vec![false; room]);
    let mut buf_long = (vec![(0u32, 0u8); room], vec![false; room]);
    let mut live = C::live_lengths(short, long);
    while i < len {
        let end = (i + CHUNK).min(len);
        let m = end - i;
        let (gs, fs) = (&mut buf_short.0[..m], &mut buf_short.1[..m]);
        let (gl, fl) = (&mut buf_long.0[..m], &mut buf_long.1[..m]);
        let (live_short, live_long) = live.lengths.split_at(half);
        rayon::join(
            || C::guess_chunk(short, orphans_short, live_short, 1, data, bits, i, gs, fs),
            || {
                C::guess_chunk(
                    long,
                    orphans_long,
                    live_long,
                    half + 1,
                    data,
                    bits,
                    i,
                    gl,
                    fl,
                )
            },
        );
        for ((&(cs, ys), &(cl, yl)), &y) in gs.iter().zip(gl.iter()).zip(&data[i..end]) {
            let (count, guess) = if cl >= cs { (cl, yl) } else { (cs, ys) };
            tally.push(count > 0 && guess == y);
        }
        C::retire(short, long, &mut live);
        i = end;
    }
    tally
}

/// Which dictionary lengths can still supply a prediction. A length all of whose strings
/// are outcounted for good by the one-symbol string they end in never does again: it is
/// no longer looked up or counted.
///
/// Why a string can be outcounted for good: every step that counts a string also counts
/// the one-symbol string it ends in, which entered the dictionary no later (it is added
/// in the same step at the latest; an orphan's may be absent, and an absent string, with
/// no counts, outcounts nothing). So for every follower `y`
/// the one-symbol string's count is at least the longer string's, and the difference never
/// shrinks. Once it is positive for every follower, the longer string's most frequent
/// count stays below the one-symbol string's, and a prediction goes to the longest string
/// with the highest count: never to it.
struct Live {
    /// `lengths[j - 1]`: strings of length `j` may still predict (length 1 always may).
    lengths: [bool; B],
    /// For bits: the strings of each length not yet outcounted for good.
    strings: Vec<Vec<u32>>,
}

impl Live {
    fn all() -> Self {
        Live {
            lengths: [true; B],
            strings: Vec::new(),
        }
    }
}

/// The parallel phase's work on one group of lengths, with a fast path for bits.
trait GuessChunk: Contexts + Sized {
    /// For the symbols `data[start..start + out.len()]`, the best guess of the dictionary
    /// lengths `first..first + levels.len()` (highest count, longest on ties), counting
    /// each symbol after its strings. Only strings already present are counted. `found`
    /// is scratch space.
    #[allow(clippy::too_many_arguments)]
    fn guess_chunk(
        levels: &mut [Self],
        orphans: &[bool],
        live: &[bool],
        first: usize,
        data: &[u8],
        bits: u32,
        start: usize,
        out: &mut [Guess],
        found: &mut [bool],
    );

    /// The lengths that may predict once the dictionary is full (`short` holds lengths
    /// from 1, `long` the rest): all of them, unless a kind of level can tell (see [`Live`]).
    fn live_lengths(_short: &[Self], _long: &[Self]) -> Live {
        Live::all()
    }

    /// Retires the lengths that can no longer predict, between chunks.
    fn retire(_short: &[Self], _long: &[Self], _live: &mut Live) {}
}

impl GuessChunk for Level {
    fn guess_chunk(
        levels: &mut [Self],
        orphans: &[bool],
        _live: &[bool],
        first: usize,
        data: &[u8],
        bits: u32,
        start: usize,
        out: &mut [Guess],
        found: &mut [bool],
    ) {
        guess_chunk_general(levels, orphans, first, data, bits, start, out, found)
    }
}

impl GuessChunk for BinaryLevel {
    /// Bits: every length is looked up at every step (nearly every short string is
    /// present, so skipping would not pay, and orphans need no care); plain arrays and
    /// word keys.
    fn guess_chunk(
        levels: &mut [Self],
        _orphans: &[bool],
        live: &[bool],
        first: usize,
        data: &[u8],
        _bits: u32,
        start: usize,
        out: &mut [Guess],
        _found: &mut [bool],
    ) {
        out.fill((0, 0));
        for (l, level) in levels.iter_mut().enumerate() {
            if !live[l] {
                continue;
            }
            let j = first + l;
            let mask = (1usize << j) - 1;
            let mut key = data[start - j..start - 1]
                .iter()
                .fold(0usize, |k, &b| (k << 1) | usize::from(b & 1));
            let counts = &mut level.counts[..=mask];
            for (slot, w) in out.iter_mut().zip(data[start - 1..].windows(2)) {
                key = ((key << 1) | usize::from(w[0] & 1)) & mask;
                let e = &mut counts[key];
                if e[0] | e[1] != 0 {
                    // Ties go to 1, the larger symbol.
                    let (count, guess) = if e[0] > e[1] { (e[0], 0) } else { (e[1], 1) };
                    // A select rather than a branch: which length wins is data-dependent.
                    let take = count >= slot.0;
                    slot.0 = if take { count } else { slot.0 };
                    slot.1 = if take { guess } else { slot.1 };
                    e[usize::from(w[1] & 1)] += 1;
                }
            }
        }
    }

    fn live_lengths(short: &[Self], long: &[Self]) -> Live {
        let mut live = Live::all();
        live.strings = short
            .iter()
            .chain(long)
            .enumerate()
            .map(|(l, level)| match l {
                0 => Vec::new(),
                _ => (0..level.counts.len() as u32)
                    .filter(|&key| level.counts[key as usize] != [0, 0])
                    .collect(),
            })
            .collect();
        Self::retire(short, long, &mut live);
        live
    }

    fn retire(short: &[Self], long: &[Self], live: &mut Live) {
        let Some(one) = short.first() else {
            return;
        };
        // The key's lowest bit is the string's last symbol: its one-symbol string.
        let outcounted = |e: [u32; 2], key: u32| {
            let o = one.counts[(key & 1) as usize];
            o[0] > e[0] && o[1] > e[1]
        };
        for (l, (level, strings)) in short.iter().chain(long).zip(&mut live.strings).enumerate() {
            if l == 0 || !live.lengths[l] {
                continue;
            }
            strings.retain(|&key| !outcounted(level.counts[key as usize], key));
            live.lengths[l] = !strings.is_empty();
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn guess_chunk_general<C: Contexts>(
    levels: &mut [C],
    orphans: &[bool],
    first: usize,
    data: &[u8],
    bits: u32,
    start: usize,
    out: &mut [Guess],
    found: &mut [bool],
) {
    out.fill((0, 0));
    for (l, level) in levels.iter_mut().enumerate() {
        let j = first + l;
        let everywhere = l == 0 || orphans[l];
        let mask = key_mask(j as u32, bits);
        let mut key = 0u128;
        for &s in &data[start - j..start - 1] {
            key = (key << bits) | u128::from(s);
        }
        for (t, (slot, seen)) in out.iter_mut().zip(found.iter_mut()).enumerate() {
            let i = start + t;
            key = ((key << bits) | u128::from(data[i - 1])) & mask;
            if !(everywhere || *seen) {
                continue;
            }
            *seen = match level.find(key) {
                Some(c) => {
                    let (guess, count) = level.predict(c);
                    if count >= slot.0 {
                        *slot = (count, guess);
                    }
                    level.increment(c, data[i], true);
                    true
                }
                None => false,
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimators::predictor::{testing::sample, Tally};
    use std::collections::HashMap;

    /// SP 800-90B 6.3.10 in the reference's order with plain maps: strings as byte vectors.
    fn naive(data: &[u8], k: usize) -> EstimatorResult {
        let mut dict: HashMap<Vec<u8>, HashMap<u8, u32>> = HashMap::new();
        for j in 1..=B {
            dict.entry(data[B - j..B].to_vec())
                .or_default()
                .insert(data[B], 1);
        }
        let mut size = B as u64;
        let mut tally = Tally::default();
        for i in B + 1..data.len() {
            let mut best = (0u32, None);
            for j in (1..=B).rev() {
                let x = &data[i - j..i];
                if let Some(followers) = dict.get_mut(x) {
                    let (&y, &c) = followers.iter().max_by_key(|(&y, &c)| (c, y)).unwrap();
                    if c > best.0 {
                        best = (c, Some(y));
                    }
                    *followers.entry(data[i]).or_insert(0) += 1;
                } else if size < MAX_DICTIONARY_SIZE {
                    dict.entry(x.to_vec()).or_default().insert(data[i], 1);
                    size += 1;
                }
            }
            tally.push(best.1 == Some(data[i]));
        }
        prediction_result(Estimator::Lz78y, &tally, (data.len() - B - 1) as u64, k)
    }

    #[test]
    fn two_phase_run_matches_the_reference_order() {
        // Long enough to fill the dictionary and cross chunks of the parallel phase.
        for (seed, len, k, repeat) in [
            (1, 18, 2, 0),
            (2, 100_000, 2, 0),
            (3, 60_000, 2, 180),
            (4, 50_000, 3, 50),
            (5, 50_000, 16, 20),
            (6, 40_000, 256, 0),
            (7, 40_000, 100, 150),
            // Past two chunks of 131,072 symbols after the dictionary fills.
            (8, 330_000, 256, 200),
            (9, 400_000, 2, 30),
        ] {
            let data = sample(seed, len, k, repeat);
            assert_eq!(estimate(&data, k), naive(&data, k), "seed {seed}");
        }
    }

    #[test]
    fn strings_added_without_their_suffix_keep_counting() {
        // Random 4-ary data fills the dictionary at about symbol 6,247. A new symbol (4)
        // arriving just before that makes every string ending in it new at once; when
        // fewer than 16 slots are left, the last one added has no room for its suffix.
        // The same strings then recur many times.
        let base = sample(42, 6_300, 4, 0);
        for p in 6_200..6_247 {
            let mut data = base[..p].to_vec();
            data.push(4);
            for _ in 0..300 {
                data.extend_from_slice(&base[p - 15..p]);
                data.push(4);
            }
            assert_eq!(estimate(&data, 5), naive(&data, 5), "cut at {p}");
        }
    }

    #[test]
    fn bits_whose_longer_strings_are_retired_match_the_reference_order() {
        // Bits where the longer strings are outcounted early (random, biased with long
        // zero runs), late or never (periodic parts, where a string and its last bit are
        // counted together for ever), each crossing several chunks after the dictionary
        // fills.
        let biased: Vec<u8> = sample(8, 150_000, 16, 0)
            .iter()
            .map(|&v| u8::from(v == 0))
            .collect();
        let mut late = sample(9, 40_000, 2, 0);
        late.extend((0..70_000).map(|i| u8::from(i % 3 == 0)));
        late.extend(sample(10, 40_000, 2, 200));
        let alternating: Vec<u8> = (0..100_000).map(|i| (i % 2) as u8).collect();
        let mut lone_one = vec![0u8; 70_000];
        lone_one[69_000] = 1;
        lone_one.extend(sample(11, 70_000, 2, 0));
        for (name, data) in [
            ("biased", biased),
            ("late", late),
            ("alternating", alternating),
            ("lone one", lone_one),
            ("random", sample(12, 120_000, 2, 0)),
        ] {
            assert_eq!(estimate(&data, 2), naive(&data, 2), "{name}");
        }
    }

    /// A binary level of strings of `len` bits with the given counts.
    fn bit_level(len: u32, counts: &[(u32, [u32; 2])]) -> BinaryLevel {
        let mut level = BinaryLevel::new(len);
        for &(key, e) in counts {
            level.counts[key as usize] = e;
        }
        level
    }

    #[test]
    fn a_length_retires_once_each_string_is_outcounted_on_both_followers() {
        // The one-bit strings: "0" followed by 0 five times and by 1 three times; "1" 2, 4.
        let mut one = bit_level(1, &[(0, [5, 3]), (1, [2, 4])]);
        // Two-bit strings (last bit lowest): "00" behind "0" on both followers (out);
        // "10" level with "0" on follower 1 (in); "01" level with "1" on both (in).
        let two = bit_level(2, &[(0b00, [1, 1]), (0b10, [4, 3]), (0b01, [2, 4])]);
        // Three-bit strings, all behind their last bit on both followers.
        let three = bit_level(3, &[(0b000, [4, 2]), (0b011, [1, 3])]);
        let live = BinaryLevel::live_lengths(std::slice::from_ref(&one), &[two, three]);
        assert_eq!(live.lengths[..3], [true, true, false]);
        assert_eq!(live.strings[1], vec![0b01, 0b10]);
        assert!(live.strings[2].is_empty());
        // "0" now leads "10" on follower 1 too; "01" still ties "1".
        one.counts[0] = [5, 4];
        let two = bit_level(2, &[(0b00, [1, 1]), (0b10, [4, 3]), (0b01, [2, 4])]);
        let three = BinaryLevel::new(3);
        let mut live = live;
        BinaryLevel::retire(std::slice::from_ref(&one), &[two, three], &mut live);
        assert_eq!(live.lengths[..3], [true, true, false]);
        assert_eq!(live.strings[1], vec![0b01]);
        // Once "1" leads "01" on both followers the length retires for good.
        one.counts[1] = [3, 5];
        let two = bit_level(2, &[(0b01, [2, 4])]);
        BinaryLevel::retire(
            std::slice::from_ref(&one),
            &[two, BinaryLevel::new(3)],
            &mut live,
        );
        assert_eq!(live.lengths[..3], [true, false, false]);
        // The one-bit length never retires.
        assert!(live.lengths[0]);
    }

    #[test]
    fn too_short_is_not_applicable() {
        assert!(estimate(&[0; 17], 1).h().is_none());
    }
}
