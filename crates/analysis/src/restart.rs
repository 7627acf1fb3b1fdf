//! SP 800-90B section 3.1.4: the restart tests, on a restart matrix of 1000 restarts x 1000
//! samples (row r holds the samples of restart r).
//!
//! 1. Sanity check (3.1.4.3): X_max, the largest count of any one value in any row or
//!    column, must not exceed a cutoff derived from the initial estimate H_I.
//!    **Where this departs from the text:** the section defines the cutoff through the
//!    binomial distribution with p = 2^-H_I; like the reference tool (`ea_restart`), the
//!    cutoff here is simulated instead: for the "inverted near-uniform" distribution with
//!    most-likely probability p (floor(1/p) values of probability p plus one residual value),
//!    the largest value count among 1000 draws is simulated `simulation_rounds` times
//!    (5,000,000 by default) and the cutoff is the floor((1 - alpha) x rounds)-th smallest
//!    result, with alpha = 1 - 0.99^(1/2000) (Sidak over the 2000 rows and columns). The
//!    simulation is seeded: round chunk c draws from [`Rng::new`]`(seed, c)`, so the same seed
//!    gives the same cutoff whatever the thread count.
//! 2. Validation (3.1.4.2): the row dataset (the matrix read row by row) and the column
//!    dataset (read column by column) are assessed — with the non-IID estimators of 6.3,
//!    or the MCV estimate alone for IID sources — giving H_r and H_c, each at most the
//!    symbol width. The test fails when min(H_r, H_c) < H_I / 2; otherwise the validated
//!    entropy is min(H_r, H_c, H_I).
//!
//! The estimators are passed in by the caller ([`assess_restart`]'s `estimate`), so that this module
//! does not fix which estimator set runs.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::assess::{run_task, TASKS};
use crate::estimators::mcv;
use crate::rng::Rng;
use crate::{AnalysisError, EstimatorResult, Symbols};

/// Restarts (rows) in a restart matrix.
pub const ROWS: usize = 1000;
/// Samples per restart (columns).
pub const COLUMNS: usize = 1000;
/// The reference tool's number of simulation rounds.
pub const DEFAULT_SIMULATION_ROUNDS: u64 = 5_000_000;

/// Rounds simulated per random stream.
const ROUNDS_PER_CHUNK: u64 = 4096;

/// A validated 1000 x 1000 restart matrix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestartMatrix {
    rows: Symbols,
}

impl RestartMatrix {
    /// Checks the size (exactly 1000 x 1000 samples) and the width of `bytes` (NIST format,
    /// row after row).
    ///
    /// ```
    /// use kqent_analysis::restart::RestartMatrix;
    /// let e = RestartMatrix::from_bytes(vec![0; 999], 8).unwrap_err();
    /// assert!(e.to_string().contains("999 samples"));
    /// assert!(RestartMatrix::from_bytes(vec![1; 1_000_000], 1).is_ok());
    /// ```
    pub fn from_bytes(bytes: Vec<u8>, bits: u8) -> Result<RestartMatrix, AnalysisError> {
        if bytes.len() != ROWS * COLUMNS {
            return Err(AnalysisError::InvalidArgument(format!(
                "a restart matrix must hold {ROWS} restarts x {COLUMNS} samples = {} samples; \
                 this one holds {} samples",
                ROWS * COLUMNS,
                bytes.len()
            )));
        }
        Ok(RestartMatrix {
            rows: Symbols::new(bytes, bits)?,
        })
    }

    /// Symbol width.
    pub fn bits(&self) -> u8 {
        self.rows.bits()
    }

    /// The row dataset: restart after restart.
    pub fn row_dataset(&self) -> &Symbols {
        &self.rows
    }

    /// The column dataset: sample i of every restart, for i = 0, 1, ...
    pub fn column_dataset(&self) -> Symbols {
        let d = self.rows.as_slice();
        let mut out = Vec::with_capacity(d.len());
        for c in 0..COLUMNS {
            out.extend((0..ROWS).map(|r| d[r * COLUMNS + c]));
        }
        // Same values as the rows: the width check cannot fail.
        Symbols::new(out, self.rows.bits()).unwrap_or_else(|_| self.rows.clone())
    }
}

/// Options of the restart tests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RestartOptions {
    /// The initial entropy estimate H_I, bits per symbol, in (0, bits].
    pub h_initial: f64,
    /// Seed of the cutoff simulation.
    pub seed: u64,
    /// Rounds of the cutoff simulation.
    pub simulation_rounds: u64,
}

/// The sanity check's numbers and outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SanityCheck {
    /// Largest count of one value within a row.
    pub x_rows: u32,
    /// Largest count of one value within a column.
    pub x_columns: u32,
    /// max(x_rows, x_columns).
    pub x_max: u32,
    /// Per-test significance level, 1 - 0.99^(1/2000).
    pub alpha: f64,
    /// Most-likely-value probability assumed, 2^-H_I.
    pub p: f64,
    /// Simulated cutoff: X_max above it fails.
    pub cutoff: u32,
    /// Simulation rounds used.
    pub simulation_rounds: u64,
    /// X_max <= cutoff.
    pub pass: bool,
}

/// Everything the restart tests found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RestartAssessment {
    /// Symbol width.
    pub bits: u8,
    /// The options used.
    pub options: RestartOptions,
    /// The sanity check (3.1.4.3).
    pub sanity: SanityCheck,
    /// Estimators on the row dataset (empty when the sanity check failed).
    pub rows: Vec<EstimatorResult>,
    /// Estimators on the column dataset (empty when the sanity check failed).
    pub columns: Vec<EstimatorResult>,
    /// H_r: min over `rows`, at most `bits`.
    pub h_r: Option<f64>,
    /// H_c: min over `columns`, at most `bits`.
    pub h_c: Option<f64>,
    /// Sanity check passed and min(H_r, H_c) >= H_I / 2.
    pub pass: bool,
    /// min(H_r, H_c, H_I) when `pass`.
    pub h_validated: Option<f64>,
}

/// Largest count of a single value in any row and in any column: (rows, columns).
pub fn max_counts(m: &RestartMatrix) -> (u32, u32) {
    let d = m.rows.as_slice();
    let row_max = d
        .chunks_exact(COLUMNS)
        .map(|row| {
            let mut c = [0u32; 256];
            for &v in row {
                c[v as usize] += 1;
            }
            c.iter().copied().max().unwrap_or(0)
        })
        .max()
        .unwrap_or(0);
    // Column counts all at once, walking the matrix row by row (cache friendly).
    let mut counts = vec![0u32; COLUMNS * 256];
    for row in d.chunks_exact(COLUMNS) {
        for (c, &v) in row.iter().enumerate() {
            counts[c * 256 + v as usize] += 1;
        }
    }
    let col_max = counts.iter().copied().max().unwrap_or(0);
    (row_max, col_max)
}

/// Significance level of each of the 2000 row and column checks.
pub fn alpha() -> f64 {
    1.0 - (0.99f64.ln() / (ROWS + COLUMNS) as f64).exp()
}

/// The simulated cutoff for `h_initial` (see the module documentation).
///
/// ```
/// use kqent_analysis::restart::simulate_cutoff;
/// // 8 bits of entropy: 1000 draws over 256 equally likely values.
/// let c = simulate_cutoff(8.0, 1, 20_000).unwrap();
/// assert!((10..=20).contains(&c), "{c}");
/// ```
pub fn simulate_cutoff(h_initial: f64, seed: u64, rounds: u64) -> Result<u32, AnalysisError> {
    if !(h_initial > 0.0 && h_initial <= 8.0) {
        return Err(AnalysisError::InvalidArgument(format!(
            "H_I = {h_initial} is outside (0, 8]"
        )));
    }
    let alpha = alpha();
    let index = ((1.0 - alpha) * rounds as f64).floor() as u64;
    if index == 0 {
        return Err(AnalysisError::InvalidArgument(format!(
            "{rounds} simulation rounds are too few for alpha = {alpha:.3e}"
        )));
    }
    let p = 2f64.powf(-h_initial);
    let k_effective = (1.0 / p).ceil() as usize;
    let chunks = rounds.div_ceil(ROUNDS_PER_CHUNK);
    // A histogram of the simulated maxima (0..=1000) instead of the sorted list.
    let hist = (0..chunks)
        .into_par_iter()
        .map(|c| {
            let mut rng = Rng::new(seed, c);
            let mut hist = vec![0u64; COLUMNS + 1];
            let start = c * ROUNDS_PER_CHUNK;
            let end = (start + ROUNDS_PER_CHUNK).min(rounds);
            // 32-bit uniforms, two per generator step: ample resolution for p >= 2^-8.
            let scale = 1.0 / p / 4_294_967_296.0;
            for _ in start..end {
                let mut counts = [0u16; 257];
                for _ in 0..COLUMNS / 2 {
                    let x = rng.next_u64();
                    let a = ((x >> 32) as f64 * scale) as usize;
                    let b = ((x & 0xFFFF_FFFF) as f64 * scale) as usize;
                    counts[a.min(256)] += 1;
                    counts[b.min(256)] += 1;
                }
                let max = counts[..k_effective.min(257)]
                    .iter()
                    .copied()
                    .max()
                    .unwrap_or(0);
                hist[max as usize] += 1;
            }
            hist
        })
        .reduce(
            || vec![0u64; COLUMNS + 1],
            |mut a, b| {
                a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
                a
            },
        );
    // The value at 0-based position index - 1 of the sorted results.
    let mut seen = 0u64;
    for (v, &n) in hist.iter().enumerate() {
        seen += n;
        if seen >= index {
            return Ok(v as u32);
        }
    }
    Ok(COLUMNS as u32)
}

/// The IID-source row/column assessment: the MCV estimate (6.3.1) alone. (The reference's
/// `ea_restart -i` also runs the IID tests on rows and columns but does not use their
/// outcome; they are not repeated here.)
pub fn mcv_only(s: &Symbols) -> Result<Vec<EstimatorResult>, AnalysisError> {
    let t = s.translated();
    Ok(vec![mcv::estimate(&t.data, t.alphabet)])
}

/// The non-IID row/column assessment: every estimator of 6.3 that applies, on the
/// (translated) symbols only — no bitstring, as in the reference's `ea_restart`.
pub fn non_iid(s: &Symbols) -> Result<Vec<EstimatorResult>, AnalysisError> {
    let t = s.translated();
    let binary = t.alphabet == 2;
    let (data, k) = (&t.data[..], t.alphabet);
    // The assessment's own estimator table, on the symbols only.
    let mut out: Vec<EstimatorResult> = TASKS
        .par_iter()
        .filter(|task| binary || task.runs_on_non_binary())
        .flat_map_iter(|&task| run_task(task, data, k))
        .collect();
    out.sort_by_key(|r| r.estimator);
    Ok(out)
}

/// The sanity check (3.1.4.3) of `m` against `opts.h_initial`.
pub fn sanity_check(
    m: &RestartMatrix,
    opts: &RestartOptions,
) -> Result<SanityCheck, AnalysisError> {
    check_h(opts.h_initial, m.bits())?;
    let (x_rows, x_columns) = max_counts(m);
    let x_max = x_rows.max(x_columns);
    let cutoff = simulate_cutoff(opts.h_initial, opts.seed, opts.simulation_rounds)?;
    Ok(SanityCheck {
        x_rows,
        x_columns,
        x_max,
        alpha: alpha(),
        p: 2f64.powf(-opts.h_initial),
        cutoff,
        simulation_rounds: opts.simulation_rounds,
        pass: x_max <= cutoff,
    })
}

fn check_h(h: f64, bits: u8) -> Result<(), AnalysisError> {
    if !(h > 0.0 && h <= f64::from(bits)) {
        return Err(AnalysisError::InvalidArgument(format!(
            "the initial entropy estimate H_I = {h} must be in (0, {bits}] for {bits}-bit symbols"
        )));
    }
    Ok(())
}

/// The restart tests: the sanity check, then (when it passes) `estimate` on the row and
/// the column datasets and the validation.
///
/// ```
/// use kqent_analysis::restart::{assess_restart, RestartMatrix, RestartOptions};
/// use kqent_analysis::restart::mcv_only;
/// use kqent_analysis::rng::Rng;
/// let mut r = Rng::new(3, 0);
/// let bytes: Vec<u8> = (0..1_000_000).map(|_| r.below(16) as u8).collect();
/// let m = RestartMatrix::from_bytes(bytes, 4).unwrap();
/// let opts = RestartOptions { h_initial: 3.5, seed: 1, simulation_rounds: 100_000 };
/// let a = assess_restart(&m, &opts, &mcv_only).unwrap();
/// assert!(a.pass);
/// assert!(a.h_validated.unwrap() <= 3.5);
/// ```
pub fn assess_restart(
    m: &RestartMatrix,
    opts: &RestartOptions,
    estimate: &(dyn Fn(&Symbols) -> Result<Vec<EstimatorResult>, AnalysisError> + Sync),
) -> Result<RestartAssessment, AnalysisError> {
    let sanity = sanity_check(m, opts)?;
    let bits = m.bits();
    let mut out = RestartAssessment {
        bits,
        options: opts.clone(),
        sanity,
        rows: Vec::new(),
        columns: Vec::new(),
        h_r: None,
        h_c: None,
        pass: false,
        h_validated: None,
    };
    if !out.sanity.pass {
        return Ok(out);
    }
    let columns = m.column_dataset();
    let (rows, cols) = rayon::join(|| estimate(m.row_dataset()), || estimate(&columns));
    out.rows = rows?;
    out.columns = cols?;
    let min_h = |r: &[EstimatorResult]| {
        r.iter()
            .filter_map(EstimatorResult::h)
            .fold(f64::from(bits), f64::min)
    };
    let h_r = min_h(&out.rows);
    let h_c = min_h(&out.columns);
    out.h_r = Some(h_r);
    out.h_c = Some(h_c);
    out.pass = h_r.min(h_c) >= opts.h_initial / 2.0;
    if out.pass {
        out.h_validated = Some(h_r.min(h_c).min(opts.h_initial));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Estimator;

    fn matrix(f: impl Fn(usize, usize) -> u8, bits: u8) -> RestartMatrix {
        let mut d = Vec::with_capacity(ROWS * COLUMNS);
        for r in 0..ROWS {
            for c in 0..COLUMNS {
                d.push(f(r, c));
            }
        }
        RestartMatrix::from_bytes(d, bits).unwrap()
    }

    #[test]
    fn rejects_wrong_size_width_and_h() {
        let e = RestartMatrix::from_bytes(vec![0; 1_000_001], 8).unwrap_err();
        assert!(e.to_string().contains("1000001 samples"), "{e}");
        assert!(RestartMatrix::from_bytes(vec![4; 1_000_000], 2).is_err());
        let m = matrix(|r, c| ((r + c) % 4) as u8, 2);
        for h in [0.0, -1.0, 2.5, f64::NAN] {
            let o = RestartOptions {
                h_initial: h,
                seed: 0,
                simulation_rounds: 10_000,
            };
            assert!(sanity_check(&m, &o).is_err(), "{h}");
        }
    }

    #[test]
    fn columns_are_the_transpose() {
        let m = matrix(|r, c| ((r * 3 + c * 7) % 256) as u8, 8);
        let col = m.column_dataset();
        for (i, &v) in col.as_slice().iter().enumerate().step_by(997) {
            let (c, r) = (i / ROWS, i % ROWS);
            assert_eq!(v, ((r * 3 + c * 7) % 256) as u8);
        }
    }

    #[test]
    fn max_counts_by_hand() {
        // Row 5 is all 1s (count 1000 in a row); elsewhere value = column % 2, so every
        // column holds one value 999 or 1000 times.
        let m = matrix(|r, c| if r == 5 { 1 } else { (c % 2) as u8 }, 1);
        let (xr, xc) = max_counts(&m);
        assert_eq!(xr, 1000);
        assert_eq!(xc, 1000); // odd columns: 1 everywhere
        let m = matrix(|r, c| ((r + c) % 4) as u8, 2);
        assert_eq!(max_counts(&m), (250, 250));
    }

    #[test]
    fn cutoff_is_seeded_and_sensible() {
        let a = simulate_cutoff(1.0, 7, 200_000).unwrap();
        assert_eq!(a, simulate_cutoff(1.0, 7, 200_000).unwrap());
        // Two equally likely values, 1000 draws: the 1 - 5e-6 quantile of the larger count
        // lies around 500 + 4.4 sigma (sigma = 15.8), i.e. about 570.
        assert!((555..=585).contains(&a), "{a}");
        // Lower entropy claims allow larger counts.
        assert!(simulate_cutoff(0.5, 7, 200_000).unwrap() > a);
    }

    #[test]
    fn sanity_failure_skips_validation() {
        // A stuck source: each restart repeats one value.
        let m = matrix(|r, _| (r % 256) as u8, 8);
        let o = RestartOptions {
            h_initial: 7.0,
            seed: 1,
            simulation_rounds: 50_000,
        };
        let a = assess_restart(&m, &o, &|_| panic!("must not run")).unwrap();
        assert!(!a.sanity.pass);
        assert_eq!(a.sanity.x_max, 1000);
        assert!(!a.pass && a.h_validated.is_none());
    }

    #[test]
    fn validation_rule() {
        let mut rng = Rng::new(11, 0);
        let bytes: Vec<u8> = (0..ROWS * COLUMNS).map(|_| rng.below(256) as u8).collect();
        let m = RestartMatrix::from_bytes(bytes, 8).unwrap();
        let o = RestartOptions {
            h_initial: 6.0,
            seed: 1,
            simulation_rounds: 50_000,
        };
        let fixed = |h: f64| {
            move |_: &Symbols| {
                Ok(vec![EstimatorResult::estimate(
                    Estimator::Mcv,
                    h,
                    Vec::new(),
                )])
            }
        };
        let a = assess_restart(&m, &o, &fixed(5.0)).unwrap();
        assert!(a.sanity.pass, "{:?}", a.sanity);
        assert!(a.pass);
        assert_eq!(a.h_validated, Some(5.0));
        let a = assess_restart(&m, &o, &fixed(2.9)).unwrap();
        assert!(!a.pass && a.h_validated.is_none());
        assert_eq!((a.h_r, a.h_c), (Some(2.9), Some(2.9)));
    }
}
