//! Assembling a [`ResultReport`] from an analysis: computes the basic statistics, the
//! duration statistics and the lag-plot sample with the report's fixed choices, so every
//! producer (`kqent analyze`, `kqent sweep`) writes the same figures.

use kqent_analysis::assess::Assessment;
use kqent_analysis::stats::{basic_stats, duration_stats, lag_pairs, StatsOptions, DEFAULT_BLOCK};
use kqent_analysis::{Extraction, Symbols};

use crate::schema::{DocKind, IidSlot, InputInfo, Knobs, Provenance, ResultReport, SCHEMA_VERSION};
use crate::ReportError;

/// Duration pairs kept for the lag plot.
pub const LAG_PAIRS: usize = 1000;

/// Block length of the entropy-over-time series: the issue's 100,000 samples when the run
/// has at least two such blocks, otherwise a tenth of the run, so that short sweeps still
/// show ten points of drift instead of one.
///
/// ```
/// use kqent_report::build::stats_block;
/// assert_eq!(stats_block(1_000_000), 100_000);
/// assert_eq!(stats_block(2000), 200);
/// ```
pub fn stats_block(samples: usize) -> usize {
    if samples >= 2 * DEFAULT_BLOCK {
        DEFAULT_BLOCK
    } else {
        samples.div_ceil(10).max(1)
    }
}

/// Everything a result needs besides what [`build_result`] computes.
#[derive(Debug, Clone)]
pub struct ResultInput<'a> {
    /// The configuration's id (`layout::config_id`, or the input's file stem).
    pub config_id: String,
    /// Repetition, from 1.
    pub repetition: u32,
    /// Collector backend; `None` for a symbol file.
    pub backend: Option<String>,
    /// The knobs; `None` for a symbol file.
    pub knobs: Option<Knobs>,
    /// The input file.
    pub input: InputInfo,
    /// How durations became symbols; `None` for a symbol file.
    pub extraction: Option<Extraction>,
    /// Seed of every random step.
    pub seed: u64,
    /// The symbols assessed.
    pub symbols: &'a Symbols,
    /// Raw durations (ns) and their kind bitmasks (may be empty), for a trace.
    pub durations: Option<(&'a [u64], &'a [u32])>,
    /// The non-IID assessment of `symbols`.
    pub assessment: Assessment,
    /// The IID track's outcome, when it ran.
    pub iid: Option<IidSlot>,
    /// Where and when.
    pub provenance: Provenance,
}

/// Builds the result: basic statistics with [`StatsOptions::default`] (lags 1..=64, blocks
/// of 100,000), duration statistics, and [`LAG_PAIRS`] evenly spaced duration pairs.
pub fn build_result(input: ResultInput<'_>) -> Result<ResultReport, ReportError> {
    build_result_with(input, StatsOptions::default())
}

/// [`build_result`] with other statistics options.
pub fn build_result_with(
    input: ResultInput<'_>,
    options: StatsOptions,
) -> Result<ResultReport, ReportError> {
    let a = |e: kqent_analysis::AnalysisError| ReportError::InvalidArgument(e.to_string());
    if input.repetition == 0 {
        return Err(ReportError::InvalidArgument(
            "repetitions are numbered from 1".into(),
        ));
    }
    let stats = basic_stats(input.symbols, options).map_err(a)?;
    let (durations, pairs) = match input.durations {
        Some((d, kinds)) => (
            Some(duration_stats(d, kinds).map_err(a)?),
            lag_pairs(d, LAG_PAIRS),
        ),
        None => (None, Vec::new()),
    };
    Ok(ResultReport {
        schema_version: SCHEMA_VERSION,
        kind: DocKind::Result,
        config_id: input.config_id,
        repetition: input.repetition,
        backend: input.backend,
        knobs: input.knobs,
        input: input.input,
        extraction: input.extraction,
        seed: input.seed,
        assessment: input.assessment,
        iid: input.iid,
        stats,
        durations,
        lag_pairs: pairs,
        provenance: input.provenance,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::{knobs, synthetic_result};

    #[test]
    fn builds_what_the_fixture_checks() {
        let r = synthetic_result(&knobs(4, 0, 0), 1, 5, 3, 5000).unwrap();
        assert_eq!(r.lag_pairs.len(), 200);
        assert_eq!(r.stats.samples, 5000);
        assert_eq!(r.durations.as_ref().unwrap().count, 5000);
        let symbols = Symbols::new(vec![1, 2, 3, 0], 2).unwrap();
        let mut input = ResultInput {
            config_id: "x".into(),
            repetition: 1,
            backend: None,
            knobs: None,
            input: r.input.clone(),
            extraction: None,
            seed: 0,
            symbols: &symbols,
            durations: None,
            assessment: r.assessment.clone(),
            iid: None,
            provenance: r.provenance.clone(),
        };
        let built = build_result(input.clone()).unwrap();
        assert!(built.durations.is_none() && built.lag_pairs.is_empty());
        assert_eq!(built.stats.histogram, vec![1, 1, 1, 1]);
        let d: Vec<u64> = (0..5000).collect();
        input.durations = Some((&d, &[]));
        let built = build_result(input.clone()).unwrap();
        assert_eq!(built.lag_pairs.len(), LAG_PAIRS);
        assert_eq!(built.lag_pairs[1], [4, 5]);
        input.repetition = 0;
        assert!(build_result(input).is_err());
    }
}
