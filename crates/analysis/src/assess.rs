//! The initial entropy estimate of SP 800-90B section 3.1.3 (and the conditioned-data
//! variant of 3.1.5.2): runs the non-IID estimators of section 6.3 on the symbols and on
//! their bitstring and combines them into H_assessed.
//!
//! Which estimator runs on what follows the text and the reference tool (`ea_non_iid`):
//! data with exactly two distinct symbols is binary, all ten estimators run on it (as 0/1)
//! and there is no H_bitstring; otherwise MCV, t-Tuple, LRS and the four predictors run on
//! the translated symbols and all ten on the bitstring. In conditioned mode only the
//! bitstring is assessed, binary or not. Every estimator runs as its own task on the rayon
//! pool, heaviest first; each is deterministic, so the result does not depend on the
//! thread count.
//!
//! Symbols that all have one value are not an error: they carry no entropy, and the
//! assessment says so ([`constant_assessment`]: Most Common Value with `p_hat = 1`, 0 bits,
//! the other estimators not applicable with [`CONSTANT_REASON`]). Every command (`analyze`,
//! `sweep`, `gate` reading their results) therefore gives the same answer for such input: a
//! result of 0 bits per symbol, which a gate then fails.
//!
//! The estimator table (`run_task`) is shared with the restart tests (`crate::restart`).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::estimators::{
    collision, compression, lag, lrs, lz78y, markov, mcv, multi_mcw, multi_mmc, t_tuple, tuples,
};
use crate::{AnalysisError, Estimator, EstimatorResult, Symbols};

/// Length the bitstring is cut to with [`AssessOptions::truncate`] (the reference's
/// `MIN_SIZE`).
pub const TRUNCATED_BITS: usize = 1_000_000;

/// Number of samples SP 800-90B requires for an assessment (fewer are assessed, with a
/// warning).
pub const REQUIRED_SAMPLES: usize = 1_000_000;

/// Why the estimators other than MCV do not apply to symbols that all have one value.
pub const CONSTANT_REASON: &str = "every symbol has the same value";

/// Options of an assessment (the reference tool's flags in brackets).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AssessOptions {
    /// Conditioned-data mode, 3.1.5.2: bitstring only (`-c`).
    pub conditioned: bool,
    /// Cut the bitstring to its first 1,000,000 bits (`-t`).
    pub truncate: bool,
    /// The submitter's claimed entropy per symbol, folded into the minimum.
    pub h_submitter: Option<f64>,
    /// Assess only samples `[index * count, index * count + count)` (`-l index,count`).
    #[serde(default)]
    pub block: Option<(usize, usize)>,
}

/// The result of an assessment: every estimator with its intermediate values, and the
/// combined figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    /// Symbol width in bits.
    pub bits: u8,
    /// Number of symbols assessed.
    pub samples: u64,
    /// Number of distinct symbols present.
    pub alphabet: usize,
    /// Exactly two distinct symbols: all ten estimators ran on the symbols and there is no
    /// H_bitstring.
    pub binary: bool,
    /// The options used.
    pub options: AssessOptions,
    /// Estimators on the (translated) symbols; empty in conditioned mode.
    pub original: Vec<EstimatorResult>,
    /// Estimators on the bitstring; empty for binary data.
    pub bitstring: Vec<EstimatorResult>,
    /// Length of the bitstring assessed (after `truncate`), 0 when none was.
    pub bitstring_len: u64,
    /// Minimum over `original` and `bits`, bits per symbol; `None` in conditioned mode.
    pub h_original: Option<f64>,
    /// Minimum over `bitstring` and 1, bits per bit; `None` when no bitstring was assessed.
    pub h_bitstring: Option<f64>,
    /// min(bits, H_original, bits x H_bitstring, H_submitter), bits per symbol.
    pub h_assessed: f64,
}

/// Which sequence a task runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Original,
    Bitstring,
}

/// One unit of parallel work. t-Tuple and LRS share one task (one suffix array).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Task {
    Single(Estimator),
    Tuples,
}

/// Every task, heaviest first so that a pool stays busy to the end.
pub(crate) const TASKS: [Task; 9] = [
    Task::Single(Estimator::MultiMmc),
    Task::Single(Estimator::Lz78y),
    Task::Tuples,
    Task::Single(Estimator::MultiMcw),
    Task::Single(Estimator::Lag),
    Task::Single(Estimator::Compression),
    Task::Single(Estimator::Collision),
    Task::Single(Estimator::Markov),
    Task::Single(Estimator::Mcv),
];

impl Task {
    /// Whether the task applies to non-binary symbols (Collision, Markov and Compression
    /// need a bitstring).
    pub(crate) fn runs_on_non_binary(self) -> bool {
        !matches!(self, Task::Single(e) if e.binary_only())
    }
}

/// The assessment of symbols that all have one value: Most Common Value with
/// `p_hat = p_u = 1` gives 0 bits per symbol; the other estimators do not apply.
///
/// ```
/// use kqent_analysis::assess::{assess_non_iid, AssessOptions};
/// use kqent_analysis::Symbols;
/// let a = assess_non_iid(&Symbols::new(vec![5; 1000], 4).unwrap(), &AssessOptions::default())
///     .unwrap();
/// assert_eq!(a.h_assessed, 0.0);
/// assert_eq!(a.original[0].h(), Some(0.0));
/// ```
pub fn constant_assessment(symbols: &Symbols, opts: &AssessOptions) -> Assessment {
    let mut original = vec![EstimatorResult::estimate(
        Estimator::Mcv,
        0.0,
        crate::vals![("p_hat", 1.0), ("p_u", 1.0)],
    )];
    original.extend(
        [
            Estimator::TTuple,
            Estimator::Lrs,
            Estimator::MultiMcw,
            Estimator::Lag,
            Estimator::MultiMmc,
            Estimator::Lz78y,
        ]
        .into_iter()
        .map(|e| EstimatorResult::not_applicable(e, CONSTANT_REASON)),
    );
    Assessment {
        bits: symbols.bits(),
        samples: symbols.len() as u64,
        alphabet: symbols.distinct(),
        binary: false,
        options: opts.clone(),
        original,
        bitstring: Vec::new(),
        bitstring_len: 0,
        h_original: Some(0.0),
        h_bitstring: None,
        h_assessed: 0.0,
    }
}

/// Runs the initial entropy estimate (the non-IID track): every estimator of section 6.3
/// that applies, on the symbols and their bitstring, combined into H_assessed. Symbols
/// that all have one value give [`constant_assessment`].
///
/// ```
/// use kqent_analysis::assess::{assess_non_iid as assess, AssessOptions};
/// use kqent_analysis::Symbols;
/// let data: Vec<u8> = (0..20_000u32).map(|i| (i.wrapping_mul(2654435761) >> 7) as u8 & 3).collect();
/// let s = Symbols::new(data, 2).unwrap();
/// let a = assess(&s, &AssessOptions::default()).unwrap();
/// assert!(!a.binary);
/// assert!(a.h_assessed <= 2.0);
/// assert_eq!(a.bitstring_len, 40_000);
/// ```
pub fn assess_non_iid(
    symbols: &Symbols,
    opts: &AssessOptions,
) -> Result<Assessment, AnalysisError> {
    let selected;
    let symbols = match opts.block {
        Some((index, count)) => {
            if count == 0 {
                return Err(AnalysisError::InvalidArgument(
                    "a block must hold at least one sample".into(),
                ));
            }
            selected = symbols.block(index, count)?;
            &selected
        }
        None => symbols,
    };
    if let Some(h) = opts.h_submitter {
        if !(0.0..=f64::from(symbols.bits())).contains(&h) {
            return Err(AnalysisError::InvalidArgument(format!(
                "H_submitter {h} is outside 0..={} bits per symbol",
                symbols.bits()
            )));
        }
    }
    let bits = symbols.bits();
    let translated = symbols.translated();
    if translated.alphabet < 2 {
        return Ok(constant_assessment(symbols, opts));
    }
    let binary = translated.alphabet == 2;
    let run_original = !opts.conditioned;
    let run_bitstring = !binary || opts.conditioned;

    let bitstring = if run_bitstring {
        let mut b = symbols.bitstring();
        if opts.truncate {
            b.truncate(TRUNCATED_BITS);
        }
        b
    } else {
        Vec::new()
    };

    let mut tasks: Vec<(Target, Task)> = Vec::new();
    for task in TASKS {
        if run_bitstring {
            tasks.push((Target::Bitstring, task));
        }
        if run_original && (binary || task.runs_on_non_binary()) {
            tasks.push((Target::Original, task));
        }
    }

    let results = heaviest_first(&tasks, |target, task| {
        let (data, alphabet) = match target {
            Target::Original => (&translated.data[..], translated.alphabet),
            Target::Bitstring => (&bitstring[..], 2),
        };
        run_task(task, data, alphabet)
    });

    let mut original = Vec::new();
    let mut bit_results = Vec::new();
    for (target, rs) in results {
        match target {
            Target::Original => original.extend(rs),
            Target::Bitstring => bit_results.extend(rs),
        }
    }
    original.sort_by_key(|r| r.estimator);
    bit_results.sort_by_key(|r| r.estimator);

    let min_of = |rs: &[EstimatorResult], start: f64| {
        rs.iter()
            .filter_map(EstimatorResult::h)
            .fold(start, f64::min)
    };
    let width = f64::from(bits);
    let h_original = run_original.then(|| min_of(&original, width));
    let h_bitstring = run_bitstring.then(|| min_of(&bit_results, 1.0));
    let mut h_assessed = width;
    if let Some(h) = h_bitstring {
        h_assessed = h_assessed.min(width * h);
    }
    if let Some(h) = h_original {
        h_assessed = h_assessed.min(h);
    }
    if let Some(h) = opts.h_submitter {
        h_assessed = h_assessed.min(h);
    }
    Ok(Assessment {
        bits,
        samples: symbols.len() as u64,
        alphabet: translated.alphabet,
        binary,
        options: opts.clone(),
        original,
        bitstring_len: bitstring.len() as u64,
        bitstring: bit_results,
        h_original,
        h_bitstring,
        h_assessed,
    })
}

/// Runs `tasks` on the pool in list order: each worker takes the next task as soon as it
/// is free (longest first when the list is heaviest first), so the light tasks fill the
/// end instead of a heavy one running alone at the end, and a worker left without a task
/// helps with the parallel parts of those still running. (A parallel iterator splits the
/// list in halves instead, and one worker may take a heavy task last.) Results come back
/// in list order.
fn heaviest_first<F>(tasks: &[(Target, Task)], run: F) -> Vec<(Target, Vec<EstimatorResult>)>
where
    F: Fn(Target, Task) -> Vec<EstimatorResult> + Sync,
{
    let next = AtomicUsize::new(0);
    let done: Mutex<Vec<Option<Vec<EstimatorResult>>>> =
        Mutex::new(tasks.iter().map(|_| None).collect());
    let workers = rayon::current_num_threads().clamp(1, tasks.len().max(1));
    rayon::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|_| loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                let Some(&(target, task)) = tasks.get(k) else {
                    break;
                };
                let results = run(target, task);
                // A poisoned lock means another task panicked; the scope re-raises it.
                if let Ok(mut done) = done.lock() {
                    done[k] = Some(results);
                }
            });
        }
    });
    let done = done
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    tasks
        .iter()
        .zip(done)
        .map(|(&(target, _), results)| (target, results.unwrap_or_default()))
        .collect()
}

/// Runs one task on `data` (symbols in `0..alphabet`; 0/1 when `alphabet == 2`): kqent's
/// one table from an estimator to its implementation.
pub(crate) fn run_task(task: Task, data: &[u8], alphabet: usize) -> Vec<EstimatorResult> {
    match task {
        Task::Tuples => match tuples::analyze(data, alphabet) {
            Ok(counts) => vec![t_tuple::from_counts(&counts), lrs::from_counts(&counts)],
            Err(reason) => vec![
                EstimatorResult::not_applicable(Estimator::TTuple, reason.clone()),
                EstimatorResult::not_applicable(Estimator::Lrs, reason),
            ],
        },
        Task::Single(e) => vec![match e {
            Estimator::Mcv => mcv::estimate(data, alphabet),
            Estimator::Collision => collision::estimate(data),
            Estimator::Markov => markov::estimate(data),
            Estimator::Compression => compression::estimate(data),
            Estimator::TTuple => t_tuple::estimate(data, alphabet),
            Estimator::Lrs => lrs::estimate(data, alphabet),
            Estimator::MultiMcw => multi_mcw::estimate(data, alphabet),
            Estimator::Lag => lag::estimate(data, alphabet),
            Estimator::MultiMmc => multi_mmc::estimate(data, alphabet),
            Estimator::Lz78y => lz78y::estimate(data, alphabet),
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lcg(n: usize, modulus: u32, seed: u32) -> Vec<u8> {
        let mut x = seed;
        (0..n)
            .map(|_| {
                x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                ((x >> 16) % modulus) as u8
            })
            .collect()
    }

    #[test]
    fn binary_data_runs_all_ten_on_the_symbols_only() {
        // Values 0 and 5 in 3-bit samples: binary, translated to 0/1.
        let data: Vec<u8> = lcg(5000, 2, 1).iter().map(|&b| b * 5).collect();
        let s = Symbols::new(data, 3).unwrap();
        let a = assess_non_iid(&s, &AssessOptions::default()).unwrap();
        assert!(a.binary);
        assert_eq!(a.original.len(), 10);
        assert!(a.bitstring.is_empty());
        assert_eq!(a.h_bitstring, None);
        assert_eq!(a.bitstring_len, 0);
        assert_eq!(a.h_assessed, a.h_original.unwrap().min(3.0));
    }

    #[test]
    fn wider_data_skips_binary_only_estimators_on_the_symbols() {
        let s = Symbols::new(lcg(5000, 16, 2), 4).unwrap();
        let a = assess_non_iid(&s, &AssessOptions::default()).unwrap();
        assert!(!a.binary);
        assert_eq!(a.original.len(), 7);
        assert!(a.original.iter().all(|r| !r.estimator.binary_only()));
        assert_eq!(a.bitstring.len(), 10);
        let expected = a.h_original.unwrap().min(4.0 * a.h_bitstring.unwrap());
        assert_eq!(a.h_assessed, expected.min(4.0));
    }

    #[test]
    fn conditioned_truncate_block_and_submitter() {
        let s = Symbols::new(lcg(200_000, 256, 3), 8).unwrap();
        let opts = AssessOptions {
            conditioned: true,
            truncate: true,
            h_submitter: Some(0.5),
            block: None,
        };
        let a = assess_non_iid(&s, &opts).unwrap();
        assert!(a.original.is_empty() && a.h_original.is_none());
        assert_eq!(a.bitstring_len, 1_000_000);
        assert_eq!(a.h_assessed, 0.5);

        let opts = AssessOptions {
            block: Some((2, 30_000)),
            ..AssessOptions::default()
        };
        let a = assess_non_iid(&s, &opts).unwrap();
        assert_eq!(a.samples, 30_000);
        assert_eq!(a.bitstring_len, 240_000);
        let direct =
            assess_non_iid(&s.block(2, 30_000).unwrap(), &AssessOptions::default()).unwrap();
        assert_eq!(a.original, direct.original);
    }

    #[test]
    fn single_symbol_is_zero_entropy_and_bad_options_are_errors() {
        let s = Symbols::new(vec![3; 100], 2).unwrap();
        let a = assess_non_iid(&s, &AssessOptions::default()).unwrap();
        assert_eq!(a.h_assessed, 0.0);
        assert_eq!(a.h_original, Some(0.0));
        assert_eq!(a.original[0].h(), Some(0.0));
        assert!(a.original[1..].iter().all(|r| r.h().is_none()));
        assert_eq!(a, constant_assessment(&s, &AssessOptions::default()));
        let varied = Symbols::new((0..1000).map(|i| (i % 3) as u8).collect(), 2).unwrap();
        assert_eq!(
            assess_non_iid(&varied, &AssessOptions::default())
                .unwrap()
                .alphabet,
            3
        );
        let s = Symbols::new(lcg(100, 4, 1), 2).unwrap();
        let bad = AssessOptions {
            h_submitter: Some(3.0),
            ..AssessOptions::default()
        };
        assert!(assess_non_iid(&s, &bad).is_err());
        let bad = AssessOptions {
            block: Some((5, 100)),
            ..AssessOptions::default()
        };
        assert!(assess_non_iid(&s, &bad).is_err());
    }

    #[test]
    fn tiny_inputs_report_not_applicable_instead_of_failing() {
        let s = Symbols::new(vec![0, 1, 2], 2).unwrap();
        let a = assess_non_iid(&s, &AssessOptions::default()).unwrap();
        assert!(a
            .original
            .iter()
            .any(|r| r.estimator == Estimator::TTuple && r.h().is_none()));
        assert!(a.h_assessed >= 0.0 && a.h_assessed <= 2.0);
    }

    #[test]
    fn tasks_start_in_list_order_and_results_keep_it() {
        let tasks: Vec<(Target, Task)> = TASKS
            .iter()
            .flat_map(|&t| [(Target::Bitstring, t), (Target::Original, t)])
            .collect();
        let result_of = |target: Target, task: Task| {
            vec![EstimatorResult::not_applicable(
                Estimator::Mcv,
                format!("{target:?} {task:?}"),
            )]
        };
        let expected: Vec<_> = tasks
            .iter()
            .map(|&(target, task)| (target, result_of(target, task)))
            .collect();
        for threads in [1, 2, 3] {
            let started = Mutex::new(Vec::new());
            let second_started = std::sync::Condvar::new();
            let out = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| {
                    heaviest_first(&tasks, |target, task| {
                        let mut list = started.lock().unwrap();
                        list.push((target, task));
                        second_started.notify_all();
                        if threads > 1 && (target, task) == tasks[0] {
                            // The first task holds its worker until the second task has
                            // started: another worker must take it next, whatever the
                            // timing (the bound only ends a wait that would never end).
                            let wait = std::time::Duration::from_secs(60);
                            let (list, _) = second_started
                                .wait_timeout_while(list, wait, |l| !l.contains(&tasks[1]))
                                .unwrap();
                            drop(list);
                        }
                        result_of(target, task)
                    })
                });
            assert_eq!(out, expected, "{threads} threads");
            let mut started = started.into_inner().unwrap();
            // Each worker takes the next task of the list: a task starts at most
            // `threads - 1` places away from its place in the list (a parallel iterator
            // would start the second half's first task second).
            for (at, run) in started.iter().enumerate() {
                let listed = tasks.iter().position(|t| t == run).unwrap();
                assert!(
                    at.abs_diff(listed) < threads,
                    "{threads} threads: {started:?}"
                );
            }
            // Every task ran exactly once.
            started.sort_by_key(|&(target, task)| format!("{target:?} {task:?}"));
            let mut all = tasks.clone();
            all.sort_by_key(|&(target, task)| format!("{target:?} {task:?}"));
            assert_eq!(started, all);
        }
    }

    #[test]
    fn same_result_whatever_the_thread_count() {
        let s = Symbols::new(lcg(30_000, 8, 9), 3).unwrap();
        let opts = AssessOptions::default();
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(|| assess_non_iid(&s, &opts).unwrap());
        let many = rayon::ThreadPoolBuilder::new()
            .num_threads(4)
            .build()
            .unwrap()
            .install(|| assess_non_iid(&s, &opts).unwrap());
        assert_eq!(
            serde_json::to_string(&one).unwrap(),
            serde_json::to_string(&many).unwrap()
        );
    }
}
