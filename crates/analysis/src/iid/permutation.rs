//! SP 800-90B section 5.1: permutation testing. Each statistic of the original sequence is
//! ranked against the same statistic on shuffled copies: C0 counts shuffles that score
//! higher than the original, C1 equal, C2 lower. A statistic stops being computed once
//! C0 + C1 > 5 and C1 + C2 > 5 (it passes); one still short of that after every shuffle
//! fails.
//!
//! Shuffle j is a Fisher-Yates shuffle of the original sequence driven by
//! [`Rng::new`]`(seed, j)`. Shuffles are evaluated in parallel chunks but counted in the
//! order j = 0, 1, 2, ..., stopping exactly where a sequential run stops, so the counters
//! depend on the seed only, never on the thread count.

use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::statistic::{Context, StatSet, Statistic, COUNT};
use crate::rng::Rng;
use crate::AnalysisError;

/// Outcome of one statistic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum PermutationOutcome {
    /// C0 + C1 > 5 and C1 + C2 > 5.
    Pass,
    /// Still C0 + C1 <= 5 or C1 + C2 <= 5 after every permutation.
    Fail,
    /// Not computed, with the reason.
    NotEvaluated {
        /// Why.
        reason: String,
    },
}

/// One statistic's permutation-test result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PermutationResult {
    /// Which statistic.
    pub statistic: Statistic,
    /// Its name in the reference tool's output.
    pub name: String,
    /// Section of SP 800-90B.
    pub section: String,
    /// Value on the original sequence.
    pub original: f64,
    /// Permutations scoring above the original.
    pub c0: u32,
    /// Permutations scoring equal to the original.
    pub c1: u32,
    /// Permutations scoring below the original.
    pub c2: u32,
    /// Permutations on which it was computed.
    pub permutations: u32,
    /// Pass, fail or not evaluated.
    pub outcome: PermutationOutcome,
}

/// Counter state of a permutation run, advanced stage by stage.
#[derive(Debug, Clone)]
pub struct Counters {
    c: [[u32; 3]; COUNT],
    evaluated: [u32; COUNT],
    /// Statistics not yet settled.
    open: StatSet,
    original: [f64; COUNT],
}

impl Counters {
    /// Counters for a sequence whose statistics are `original`.
    pub fn new(original: [f64; COUNT]) -> Counters {
        Counters {
            c: [[0; 3]; COUNT],
            evaluated: [0; COUNT],
            open: StatSet::ALL,
            original,
        }
    }

    fn settled(&self, i: usize) -> bool {
        let c = self.c[i];
        c[0] + c[1] > 5 && c[1] + c[2] > 5
    }

    fn count(&mut self, s: Statistic, value: f64) {
        let i = s.index();
        let o = self.original[i];
        let k = if value > o {
            0
        } else if value == o {
            1
        } else {
            2
        };
        self.c[i][k] += 1;
        self.evaluated[i] += 1;
        if self.settled(i) {
            self.open.remove(s);
        }
    }

    /// Whether `s` failed: run over all `permutations` without settling.
    pub fn failed(&self, s: Statistic, permutations: usize) -> bool {
        !self.settled(s.index()) && self.evaluated[s.index()] as usize >= permutations
    }

    /// The results; statistics never run are "not evaluated" with `reason`.
    pub fn results(&self, permutations: usize, reason: &str) -> Vec<PermutationResult> {
        Statistic::ALL
            .iter()
            .map(|&s| {
                let i = s.index();
                let outcome = if self.settled(i) {
                    PermutationOutcome::Pass
                } else if self.evaluated[i] as usize >= permutations {
                    PermutationOutcome::Fail
                } else {
                    PermutationOutcome::NotEvaluated {
                        reason: reason.to_string(),
                    }
                };
                PermutationResult {
                    statistic: s,
                    name: s.reference_name().to_string(),
                    section: s.section().to_string(),
                    original: self.original[i],
                    c0: self.c[i][0],
                    c1: self.c[i][1],
                    c2: self.c[i][2],
                    permutations: self.evaluated[i],
                    outcome,
                }
            })
            .collect()
    }
}

/// Permutation `j` of `data` under `seed`.
pub fn permuted(data: &[u8], seed: u64, j: u64) -> Vec<u8> {
    let mut p = data.to_vec();
    Rng::new(seed, j).shuffle(&mut p);
    p
}

/// Runs the statistics of `stage` that are still open over permutations
/// `0..permutations` of `data`, counting them into `counters`. Between chunks of
/// permutations, a raised `cancel` flag stops the run with [`AnalysisError::Interrupted`].
pub fn run_stage(
    data: &[u8],
    ctx: &Context,
    seed: u64,
    permutations: usize,
    stage: StatSet,
    counters: &mut Counters,
    cancel: Option<&AtomicBool>,
) -> Result<(), AnalysisError> {
    let threads = rayon::current_num_threads().max(1);
    let costly = |set: StatSet| {
        Statistic::ALL
            .iter()
            .any(|&s| s.expensive() && set.contains(s))
    };
    // Chunks grow while statistics stay open: small at first so that the work done past the
    // point where everything settles stays small, larger later to keep the threads busy.
    // While an expensive statistic is open, one permutation per thread is already plenty.
    let mut chunk = if costly(stage) { threads } else { 2 * threads };
    let mut j = 0usize;
    loop {
        let set = StatSet(counters.open.0 & stage.0);
        if set.is_empty() || j >= permutations {
            return Ok(());
        }
        if cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
            return Err(AnalysisError::Interrupted);
        }
        let max_chunk = if costly(set) { threads } else { 32 * threads };
        chunk = chunk.min(max_chunk);
        let end = (j + chunk).min(permutations);
        let values: Vec<[f64; COUNT]> = (j..end)
            .into_par_iter()
            .map_init(Vec::new, |buf: &mut Vec<u8>, k| {
                // One buffer per worker, refilled from the original for each permutation.
                buf.clear();
                buf.extend_from_slice(data);
                Rng::new(seed, k as u64).shuffle(buf);
                let mut out = [0.0; COUNT];
                ctx.evaluate(buf, set, &mut out);
                out
            })
            .collect();
        for v in values {
            for s in Statistic::ALL {
                // Skip what settled earlier in this chunk, as a sequential run would.
                if set.contains(s) && counters.open.contains(s) {
                    counters.count(s, v[s.index()]);
                }
            }
        }
        j = end;
        chunk = (chunk * 2).min(max_chunk);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_settle_and_fail_by_the_rule() {
        let mut c = Counters::new([10.0; COUNT]);
        let s = Statistic::Excursion;
        for _ in 0..6 {
            c.count(s, 11.0);
        }
        assert!(c.open.contains(s));
        for _ in 0..5 {
            c.count(s, 9.0);
        }
        assert!(c.open.contains(s));
        c.count(s, 10.0); // C1 counts on both sides: 6 + 1 > 5 and 1 + 5 > 5
        assert!(!c.open.contains(s));
        let r = &c.results(12, "x")[0];
        assert_eq!((r.c0, r.c1, r.c2, r.permutations), (6, 1, 5, 12));
        assert_eq!(r.outcome, PermutationOutcome::Pass);

        let t = Statistic::Covariance2;
        for _ in 0..12 {
            c.count(t, 1.0);
        }
        assert!(c.failed(t, 12));
        assert_eq!(
            c.results(12, "x")[t.index()].outcome,
            PermutationOutcome::Fail
        );
        let u = &c.results(12, "skipped")[Statistic::Compression.index()];
        assert_eq!(
            u.outcome,
            PermutationOutcome::NotEvaluated {
                reason: "skipped".into()
            }
        );
    }
}
