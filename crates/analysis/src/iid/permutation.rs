//! SP 800-90B section 5.1: permutation testing. Each statistic of the original sequence is
//! ranked against the same statistic on shuffled copies: C0 counts shuffles that score
//! higher than the original, C1 equal, C2 lower. A statistic stops being computed once
//! C0 + C1 > 5 and C1 + C2 > 5 (it passes); one still short of that after every shuffle
//! fails.
//!
//! Shuffle j is a Fisher-Yates shuffle of the original sequence driven by
//! [`Rng::new`]`(seed, j)`. Shuffles are evaluated in parallel, each thread taking the next
//! one when free, but counted in the order j = 0, 1, 2, ..., stopping exactly where a
//! sequential run stops, so the counters depend on the seed only, never on the thread count.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::sync::Mutex;

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
/// `0..permutations` of `data`, counting them into `counters`. A raised `cancel` flag stops
/// the run with [`AnalysisError::Interrupted`] (checked before each permutation).
///
/// Every thread of the pool takes the next permutation number as soon as it is free (no
/// chunk waits for its slowest member, which matters while one permutation costs a bzip2
/// length), computing the statistics open when it starts. Results are counted strictly in
/// permutation order, so a statistic settles exactly where a sequential run settles it;
/// once every statistic of the stage has, no permutation starts, so at most one per thread
/// is computed in vain.
pub fn run_stage(
    data: &[u8],
    ctx: &Context,
    seed: u64,
    permutations: usize,
    stage: StatSet,
    counters: &mut Counters,
    cancel: Option<&AtomicBool>,
) -> Result<(), AnalysisError> {
    if StatSet(counters.open.0 & stage.0).is_empty() || permutations == 0 {
        return Ok(());
    }
    let threads = rayon::current_num_threads().max(1);
    let shared = Mutex::new(InOrder {
        counters: &mut *counters,
        next_to_count: 0,
        waiting: BTreeMap::new(),
    });
    // The stage's open statistics as of the last count, readable without the lock.
    let open = AtomicU32::new(counters_open(&shared, stage));
    let next = AtomicUsize::new(0);
    let interrupted = AtomicBool::new(false);
    rayon::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|_| {
                let mut buf: Vec<u8> = Vec::with_capacity(data.len());
                loop {
                    if cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
                        interrupted.store(true, Ordering::Relaxed);
                        return;
                    }
                    let set = StatSet(open.load(Ordering::Acquire));
                    if set.is_empty() || interrupted.load(Ordering::Relaxed) {
                        return;
                    }
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    if k >= permutations {
                        return;
                    }
                    // One buffer per worker, refilled from the original for each permutation.
                    buf.clear();
                    buf.extend_from_slice(data);
                    Rng::new(seed, k as u64).shuffle(&mut buf);
                    let mut values = [0.0; COUNT];
                    ctx.evaluate(&buf, set, &mut values);
                    // A poisoned lock means another worker panicked; the scope re-raises it.
                    let Ok(mut state) = shared.lock() else { return };
                    let now_open = state.deliver(k, set, values, stage);
                    open.store(now_open.0, Ordering::Release);
                }
            });
        }
    });
    if interrupted.load(Ordering::Relaxed) {
        return Err(AnalysisError::Interrupted);
    }
    Ok(())
}

/// The open statistics of `stage` in the counters behind `shared`.
fn counters_open(shared: &Mutex<InOrder<'_>>, stage: StatSet) -> u32 {
    shared
        .lock()
        .map(|s| s.counters.open.0 & stage.0)
        .unwrap_or(0)
}

/// Results that arrive in any order, counted in permutation order.
struct InOrder<'a> {
    counters: &'a mut Counters,
    /// The permutation whose result is counted next.
    next_to_count: usize,
    /// Results ahead of it: permutation -> (statistics computed, values).
    waiting: BTreeMap<usize, (StatSet, [f64; COUNT])>,
}

impl InOrder<'_> {
    /// Takes permutation `k`'s values of the statistics `set`, counts every result now in
    /// order, and returns the statistics of `stage` still open.
    fn deliver(&mut self, k: usize, set: StatSet, values: [f64; COUNT], stage: StatSet) -> StatSet {
        self.waiting.insert(k, (set, values));
        while let Some((set, values)) = self.waiting.remove(&self.next_to_count) {
            for s in Statistic::ALL {
                // A statistic open now was open when this permutation started (the open set
                // only shrinks), so it is in `set`; one that settled since is skipped, as a
                // sequential run would skip it.
                if set.contains(s) && self.counters.open.contains(s) {
                    self.counters.count(s, values[s.index()]);
                }
            }
            self.next_to_count += 1;
        }
        StatSet(self.counters.open.0 & stage.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The permutation test as the definition reads: one permutation after another, each
    /// computing the statistics still open, until none is or the permutations run out.
    fn sequential(
        data: &[u8],
        ctx: &Context,
        seed: u64,
        permutations: usize,
        stage: StatSet,
        counters: &mut Counters,
    ) {
        for k in 0..permutations {
            let set = StatSet(counters.open.0 & stage.0);
            if set.is_empty() {
                return;
            }
            let p = permuted(data, seed, k as u64);
            let mut values = [0.0; COUNT];
            ctx.evaluate(&p, set, &mut values);
            for s in Statistic::ALL {
                if set.contains(s) {
                    counters.count(s, values[s.index()]);
                }
            }
        }
    }

    /// Symbols of 3 bits that repeat the one before with probability `repeat` (in 1/64),
    /// with the identity translation: nearly IID data whose statistics settle at very
    /// different permutations, or (with many repeats) some never settle and fail.
    fn sticky(n: usize, repeat: u64, seed: u64) -> (Vec<u8>, Vec<u8>) {
        let mut r = Rng::new(seed, 99);
        let mut v = 0u8;
        let data: Vec<u8> = (0..n)
            .map(|_| {
                if r.below(64) >= repeat {
                    v = r.below(8) as u8;
                }
                v
            })
            .collect();
        (data, (0..8).collect())
    }

    #[test]
    fn parallel_stages_count_exactly_as_the_sequential_definition() {
        let costly = StatSet(1 << Statistic::Compression.index());
        let cheap = StatSet(StatSet::ALL.0 & !costly.0);
        let cases = [
            (2_000, 2, 1, 400),
            (3_000, 1, 2, 1_000),
            (2_000, 12, 3, 60),
            (500, 0, 4, 1),
            (800, 0, 5, 0),
        ];
        for (n, repeat, seed, permutations) in cases {
            let (data, raw) = sticky(n, repeat, seed);
            let ctx = Context::new(&data, raw);
            let mut original = [0.0; COUNT];
            ctx.evaluate(&data, StatSet::ALL, &mut original);
            // As the IID track runs them: the cheap statistics, then the bzip2 length; or all
            // at once (`--all-statistics`).
            for stages in [vec![cheap, costly], vec![StatSet::ALL]] {
                let mut expected = Counters::new(original);
                for &stage in &stages {
                    sequential(&data, &ctx, seed, permutations, stage, &mut expected);
                }
                let expected = expected.results(permutations, "x");
                for threads in [1, 2, 3, 7] {
                    let pool = rayon::ThreadPoolBuilder::new()
                        .num_threads(threads)
                        .build()
                        .expect("a thread pool");
                    let mut got = Counters::new(original);
                    for &stage in &stages {
                        pool.install(|| {
                            run_stage(&data, &ctx, seed, permutations, stage, &mut got, None)
                        })
                        .expect("not cancelled");
                    }
                    assert_eq!(
                        got.results(permutations, "x"),
                        expected,
                        "n {n}, repeat {repeat}, seed {seed}, {permutations} permutations, \
                         {threads} threads"
                    );
                }
            }
        }
    }

    #[test]
    fn a_raised_flag_interrupts_a_stage() {
        let (data, raw) = sticky(2_000, 0, 5);
        let ctx = Context::new(&data, raw);
        let mut counters = Counters::new([0.0; COUNT]);
        let cancel = AtomicBool::new(true);
        let r = run_stage(
            &data,
            &ctx,
            0,
            100,
            StatSet::ALL,
            &mut counters,
            Some(&cancel),
        );
        assert!(matches!(r, Err(AnalysisError::Interrupted)));
        assert!(counters.evaluated.iter().all(|&e| e == 0));
    }

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
