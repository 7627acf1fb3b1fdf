//! What the four prediction estimators of SP 800-90B (6.3.7 - 6.3.10) share: the tally of
//! correct predictions and of the longest run of them, and the final step that turns
//! `C` correct predictions out of `N`, with a longest run of `r - 1`, into a min-entropy
//! (the global bound P_global', the local bound P_local and their maximum).
//!
//! The local bound solves SP 800-90B's equation for P_local by bisection, as the reference
//! tool does, and is only computed when it can change the result (the reference prints
//! "Plocal can't affect result" otherwise). The equation's fixed point `x` is carried as
//! `x - 1`, which keeps full precision where the reference needs `long double`.

use super::confidence::ZALPHA as Z_ALPHA;
use crate::result::{Estimator, EstimatorResult};
use crate::vals;

/// Counts correct predictions and the longest run of consecutive correct ones.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Number of correct predictions, `C`.
    pub correct: u64,
    /// Length of the current run of correct predictions.
    pub run: u64,
    /// Length of the longest run so far.
    pub max_run: u64,
}

impl Tally {
    /// Records one correct prediction.
    #[inline]
    pub fn hit(&mut self) {
        self.correct += 1;
        self.run += 1;
        if self.run > self.max_run {
            self.max_run = self.run;
        }
    }

    /// Records one wrong (or missing) prediction.
    #[inline]
    pub fn miss(&mut self) {
        self.run = 0;
    }

    /// Records one prediction.
    #[inline]
    pub fn push(&mut self, correct: bool) {
        if correct {
            self.hit()
        } else {
            self.miss()
        }
    }

    /// Records `n` (<= 64) predictions at once: bit `t` of `word` (least significant first)
    /// says whether the `t`-th was correct. Bits at and above `n` are ignored.
    ///
    /// ```
    /// use kqent_analysis::estimators::predictor::Tally;
    /// let mut t = Tally::default();
    /// t.push_bits(0b0111_0110, 8); // earliest bit first: 0,1,1,0,1,1,1,0
    /// assert_eq!((t.correct, t.max_run, t.run), (5, 3, 0));
    /// ```
    pub fn push_bits(&mut self, word: u64, n: u32) {
        if n == 0 {
            return;
        }
        let mask = if n >= 64 { u64::MAX } else { (1u64 << n) - 1 };
        let w = word & mask;
        self.correct += u64::from(w.count_ones());
        if w == mask {
            self.run += u64::from(n);
            self.max_run = self.max_run.max(self.run);
            return;
        }
        // The run in progress continues through the word's first ones...
        self.run += u64::from(w.trailing_ones());
        self.max_run = self.max_run.max(self.run);
        // ...a longer run may lie wholly inside the word...
        self.max_run = self.max_run.max(u64::from(longest_run_of_ones(w)));
        // ...and the word's last ones start the next run.
        self.run = u64::from((w << (64 - n)).leading_ones());
    }
}

/// Length of the longest run of one bits in `w`.
fn longest_run_of_ones(mut w: u64) -> u32 {
    let mut k = 0;
    while w != 0 {
        w &= w >> 1;
        k += 1;
    }
    k
}

/// The scoreboard of SP 800-90B 6.3.7 - 6.3.9: before each prediction the predictor with
/// the highest score is the winner, and the winner's prediction is the one counted; after
/// it, every predictor that was right scores a point, and (in increasing index order) one
/// whose score reaches the winner's becomes the winner.
///
/// It takes the predictors' records 64 steps at a time, one word per predictor. Within a
/// block only the predictors whose score plus the block's hits can reach the leading
/// score need stepping one at a time; on most blocks that is the winner alone, and the
/// block costs a popcount per predictor.
#[derive(Debug, Clone)]
pub(crate) struct Scoreboard {
    score: Vec<u64>,
    winner: usize,
    high: u64,
    candidates: Vec<usize>,
    /// The tally of the winners' predictions.
    pub tally: Tally,
}

impl Scoreboard {
    /// A scoreboard of `predictors` predictors, all at 0, predictor 0 the winner.
    pub fn new(predictors: usize) -> Self {
        Scoreboard {
            score: vec![0; predictors],
            winner: 0,
            high: 0,
            candidates: Vec::with_capacity(predictors),
            tally: Tally::default(),
        }
    }

    /// Processes `n` (<= 64) steps. Bit `t` of `correct[p]` says predictor `p` was right at
    /// step `t`. With `predicted`, bit `t` of `predicted[p]` says whether `p` made a
    /// prediction at all: a winner without one neither extends nor breaks the run (the
    /// reference's MultiMMC); without it the winner is taken to have predicted.
    pub fn block(&mut self, correct: &[u64], predicted: Option<&[u64]>, n: u32) {
        debug_assert!(n <= 64 && correct.len() == self.score.len());
        if n == 0 {
            return;
        }
        let mask = if n >= 64 { u64::MAX } else { (1u64 << n) - 1 };
        let pop = |p: usize| u64::from((correct[p] & mask).count_ones());
        let w = self.winner;
        let lead = correct[w] & mask;
        self.candidates.clear();
        for (p, (&c, &s)) in correct.iter().zip(&self.score).enumerate() {
            // The lead never drops below the block-start winner's running score, so `p`
            // can take it only by gaining on that winner: at most once per step where
            // only `p` is right, plus one for a step where both are (order within a step).
            let gain = u64::from((c & mask & !lead).count_ones());
            if s + pop(p) >= self.high && s + gain + 1 >= self.high {
                self.candidates.push(p);
            }
        }
        let winner_always_predicts = predicted.is_none_or(|f| f[w] & mask == mask);
        if self.candidates.len() == 1 && winner_always_predicts {
            // Only the leader can reach the lead: it keeps it all block.
            self.tally.push_bits(correct[w], n);
            for p in 0..self.score.len() {
                self.score[p] += pop(p);
            }
            self.high = self.score[w];
            return;
        }
        if self.candidates.len() > 1 {
            // Candidates with the same score and the same record move in lockstep, and of
            // such a group only the last (highest index) can end a step as the new winner:
            // step only that one (ties and repetitive data make large groups).
            let score = &self.score;
            self.candidates
                .sort_unstable_by_key(|&p| (score[p], correct[p] & mask, usize::MAX - p));
            self.candidates
                .dedup_by_key(|p| (score[*p], correct[*p] & mask));
            self.candidates.sort_unstable();
        }
        let step_others = !(self.candidates.len() == 1 && self.candidates[0] == w);
        for t in 0..n {
            let w = self.winner;
            if correct[w] >> t & 1 == 1 {
                self.tally.hit();
            } else if predicted.is_none_or(|f| f[w] >> t & 1 == 1) {
                self.tally.miss();
            }
            if !step_others {
                // The winner alone, only here for its missing predictions.
                continue;
            }
            for &p in &self.candidates {
                if correct[p] >> t & 1 == 1 {
                    self.score[p] += 1;
                    if self.score[p] >= self.high {
                        self.winner = p;
                        self.high = self.score[p];
                    }
                }
            }
        }
        // The stepped ones are scored already; the others take their block in one go.
        let mut next = 0;
        for p in 0..self.score.len() {
            if step_others && self.candidates.get(next) == Some(&p) {
                next += 1;
            } else {
                self.score[p] += pop(p);
            }
        }
        self.high = self.score[self.winner];
    }

    #[cfg(test)] // the tests' view of the state; the estimators read the tally
    /// Each predictor's score: how many of its predictions were right.
    pub fn scores(&self) -> &[u64] {
        &self.score
    }

    #[cfg(test)] // the tests' view of the state; the estimators read the tally
    /// The current winner.
    pub fn winner(&self) -> usize {
        self.winner
    }
}

/// The outcome of the final step of a prediction estimator (SP 800-90B 6.3.7 steps 4-6 and
/// their twins in 6.3.8 - 6.3.10).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PredictionBound {
    /// Number of predictions, `N`.
    pub n: u64,
    /// Number of correct predictions, `C`.
    pub c: u64,
    /// `C / N`.
    pub p_global: f64,
    /// Upper 99% confidence bound on `p_global`.
    pub p_global_prime: f64,
    /// One more than the longest run of correct predictions.
    pub r: u64,
    /// The local bound, when it can affect the result (`None` when it cannot).
    pub p_local: Option<f64>,
    /// max(1/k, P_global', P_local).
    pub p_max: f64,
    /// -log2(p_max), bits per sample.
    pub h: f64,
}

impl PredictionBound {
    /// Computes the bounds from the counts: `correct` of `n` predictions were right, the
    /// longest run of right ones had `max_run` predictions, and the alphabet has `k`
    /// symbols.
    ///
    /// ```
    /// use kqent_analysis::estimators::predictor::PredictionBound;
    /// // Half the predictions right, runs never longer than 20: P_global' decides.
    /// let b = PredictionBound::new(500_000, 1_000_000, 20, 2);
    /// assert_eq!(b.r, 21);
    /// assert!(b.p_local.is_none());
    /// assert!((b.p_global_prime - 0.501288).abs() < 1e-6);
    /// ```
    pub fn new(correct: u64, n: u64, max_run: u64, k: usize) -> Self {
        let nf = n as f64;
        let p_global = correct as f64 / nf;
        let p_global_prime = if p_global > 0.0 {
            // f64::min ignores the NaN that N = 1 produces, giving 1 like the reference.
            (p_global + Z_ALPHA * (p_global * (1.0 - p_global) / (nf - 1.0)).sqrt()).min(1.0)
        } else {
            1.0 - 0.01f64.powf(1.0 / nf)
        };
        let r = max_run + 1;
        let mut p_max = (1.0 / k.max(1) as f64).max(p_global_prime);
        let log_alpha = 0.99f64.ln();
        let mut p_local = None;
        // The local bound matters only if a run of r is still likely enough at p_max.
        if p_max < 1.0 && run_log_probability(p_max, r, n) > log_alpha {
            let p = solve_p_local(p_max, r, n, log_alpha);
            p_local = Some(p);
            p_max = p_max.max(p);
        }
        PredictionBound {
            n,
            c: correct,
            p_global,
            p_global_prime,
            r,
            p_local,
            p_max,
            // 0 - log2 keeps a certain prediction at +0 bits rather than -0.
            h: 0.0 - p_max.log2(),
        }
    }

    /// Wraps the bound into a result, recording every intermediate value the reference's
    /// verbose output prints (P_local only when it could affect the result).
    pub fn into_result(self, estimator: Estimator) -> EstimatorResult {
        let mut values = vals![
            ("N", self.n),
            ("C", self.c),
            ("p_global", self.p_global),
            ("p_global_prime", self.p_global_prime),
            ("r", self.r),
        ];
        if let Some(p) = self.p_local {
            values.extend(vals![("p_local", p)]);
        }
        values.extend(vals![("p_max", self.p_max)]);
        EstimatorResult::estimate(estimator, self.h, values)
    }
}

/// The final step shared by the four prediction estimators.
pub fn prediction_result(
    estimator: Estimator,
    tally: &Tally,
    n: u64,
    alphabet: usize,
) -> EstimatorResult {
    PredictionBound::new(tally.correct, n, tally.max_run, alphabet).into_result(estimator)
}

/// The natural log of the probability (SP 800-90B 6.3.7 step 6) that `n` predictions,
/// each right with probability `p`, contain no run of `r` right ones.
///
/// With q = 1 - p and x the smallest root of x = 1 + q p^r x^(r+1), it is
/// ln((1 - p x) / ((r + 1 - r x) q)) - (n + 1) ln x. Writing x = 1 + y keeps the tiny `y`
/// exact instead of rounding it against 1.
fn run_log_probability(p: f64, r: u64, n: u64) -> f64 {
    let q = 1.0 - p;
    let rf = r as f64;
    let qpr = q * p.powf(rf);
    let mut y = 0.0f64;
    // Fixed-point iteration from x = 1 climbs monotonically to the smallest root; it
    // converges geometrically wherever the result is near the 0.99 threshold.
    for _ in 0..2000 {
        let next = qpr * ((rf + 1.0) * y.ln_1p()).exp();
        let done = next - y <= f64::EPSILON * next;
        y = next;
        if done || !y.is_finite() {
            break;
        }
    }
    let a = (p / q) * y; // 1 - (1 - p x) / q
    let b = rf * y; // 1 - (r + 1 - r x)
    if !(a < 1.0 && b < 1.0) {
        // x beyond 1/p: no such run-free sequence is likely at all.
        return f64::NEG_INFINITY;
    }
    (-a).ln_1p() - (-b).ln_1p() - (n as f64 + 1.0) * y.ln_1p()
}

/// Solves run_log_probability(p) = `target` for p in [lo, 1) by bisection; the function
/// decreases in p and exceeds `target` at `lo`. Returns the upper end of the final
/// interval (the conservative side), as the reference does when it stops.
fn solve_p_local(lo: f64, r: u64, n: u64, target: f64) -> f64 {
    let (mut lo, mut hi) = (lo, 1.0f64);
    for _ in 0..2000 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        let v = run_log_probability(mid, r, n);
        if v == target {
            return mid;
        }
        if v > target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    hi
}

/// Deterministic test inputs shared by the predictors' unit tests.
#[cfg(test)]
pub(crate) mod testing {
    /// `len` symbols below `k` from a seeded xorshift generator; with probability
    /// `repeat` (in 1/256ths) a symbol repeats one from up to 20 back instead, so that
    /// predictors have something to find and ties happen.
    pub(crate) fn sample(seed: u64, len: usize, k: usize, repeat: u64) -> Vec<u8> {
        let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut out: Vec<u8> = Vec::with_capacity(len);
        for i in 0..len {
            let r = next();
            let v = if i > 20 && (r & 0xff) < repeat {
                out[i - 1 - (r >> 8) as usize % 20]
            } else {
                ((r >> 16) % k as u64) as u8
            };
            out.push(v);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tally_of(bits: &[bool]) -> Tally {
        let mut t = Tally::default();
        for &b in bits {
            t.push(b);
        }
        t
    }

    #[test]
    fn push_bits_matches_bit_by_bit() {
        let mut state = 0x1234_5678_9abc_def0u64;
        for round in 0..2000 {
            // xorshift: deterministic pseudo-random words with varied densities
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let w = match round % 4 {
                0 => state,
                1 => state | state >> 1 | state >> 3,
                2 => u64::MAX,
                _ => state & state >> 2,
            };
            let n = (state >> 58) as u32 + 1;
            let bits: Vec<bool> = (0..n).map(|t| w >> t & 1 == 1).collect();
            let mut a = tally_of(&[true, true, false, true]);
            let mut b = a;
            a.push_bits(w, n);
            for &x in &bits {
                b.push(x);
            }
            assert_eq!(a, b, "word {w:#x}, n {n}");
        }
    }

    /// The scoreboard's rule one step at a time.
    struct NaiveBoard {
        score: Vec<u64>,
        winner: usize,
        tally: Tally,
    }

    impl NaiveBoard {
        fn step(&mut self, right: &[bool], predicted: &[bool]) {
            let w = self.winner;
            if right[w] {
                self.tally.hit();
            } else if predicted[w] {
                self.tally.miss();
            }
            for (p, &r) in right.iter().enumerate() {
                if r {
                    self.score[p] += 1;
                    if self.score[p] >= self.score[self.winner] {
                        self.winner = p;
                    }
                }
            }
        }
    }

    #[test]
    fn blockwise_scoreboard_matches_step_by_step() {
        let mut state = 0x0bad_5eed_1234_5678u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for round in 0..300 {
            let predictors = 1 + (next() % 20) as usize;
            // Few distinct records per block, so that ties and lockstep groups abound.
            let mut fast = Scoreboard::new(predictors);
            let mut slow = NaiveBoard {
                score: vec![0; predictors],
                winner: 0,
                tally: Tally::default(),
            };
            for _ in 0..40 {
                let n = if next() % 4 == 0 {
                    1 + (next() % 64) as u32
                } else {
                    64
                };
                let patterns = [next(), next() | next(), next() & next(), u64::MAX, 0];
                let correct: Vec<u64> = (0..predictors)
                    .map(|_| patterns[(next() % 5) as usize])
                    .collect();
                let with_predicted = round % 2 == 0;
                let predicted: Vec<u64> = correct
                    .iter()
                    .map(|&c| {
                        if next() % 3 == 0 {
                            c | next()
                        } else {
                            u64::MAX
                        }
                    })
                    .collect();
                fast.block(&correct, with_predicted.then_some(&predicted[..]), n);
                for t in 0..n {
                    let right: Vec<bool> = correct.iter().map(|c| c >> t & 1 == 1).collect();
                    let pred: Vec<bool> = if with_predicted {
                        predicted.iter().map(|c| c >> t & 1 == 1).collect()
                    } else {
                        vec![true; predictors]
                    };
                    slow.step(&right, &pred);
                }
                assert_eq!(fast.tally, slow.tally, "round {round}");
                assert_eq!(fast.score, slow.score, "round {round}");
                assert_eq!(fast.winner, slow.winner, "round {round}");
            }
        }
    }

    #[test]
    fn global_bound_decides_when_runs_are_short() {
        let b = PredictionBound::new(191_342, 999_937, 7, 16);
        // Values of the reference's verbose output on v3_gauss4 (MultiMCW, symbols).
        assert!((b.p_global_prime - 0.192_367_334_252_041_86).abs() < 1e-15);
        assert_eq!(b.r, 8);
        assert!(b.p_local.is_none());
    }

    #[test]
    fn local_bound_is_solved_to_the_threshold() {
        // v3_gauss4 bitstring Lag: N = 3999999, r = 29, Plocal = 0.51806464913024974.
        let b = PredictionBound::new(1_999_624, 3_999_999, 28, 2);
        let pl = b.p_local.expect("the local bound matters here");
        assert!((pl - 0.518_064_649_130_249_7).abs() < 1e-12, "{pl}");
        assert_eq!(b.p_max, pl);
        let v = run_log_probability(pl, 29, 3_999_999);
        assert!((v - 0.99f64.ln()).abs() < 1e-9, "{v}");
    }

    #[test]
    fn no_correct_prediction_uses_the_zero_bound() {
        let b = PredictionBound::new(0, 1000, 0, 256);
        assert!((b.p_global_prime - (1.0 - 0.01f64.powf(1e-3))).abs() < 1e-15);
        assert_eq!(b.p_max, b.p_global_prime.max(1.0 / 256.0));
    }

    #[test]
    fn all_correct_gives_zero_entropy() {
        let b = PredictionBound::new(100, 100, 100, 4);
        assert_eq!(b.p_max, 1.0);
        assert_eq!(b.h, 0.0);
    }
}

#[cfg(test)]
mod scoreboard_example {
    use super::*;

    #[test]
    fn the_best_predictor_takes_over() {
        let mut s = Scoreboard::new(2);
        // predictor 1 is right at steps 0 and 1, predictor 0 never: 1 takes over after step 0
        s.block(&[0b00, 0b11], None, 2);
        assert_eq!((s.tally.correct, s.winner()), (1, 1));
    }
}
