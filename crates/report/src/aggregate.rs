//! Per-configuration summaries over repetitions.

use serde::{Deserialize, Serialize};

use kqent_schema::{Knobs, ResultReport};

/// Minimum, mean and maximum of a figure over repetitions.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MinMeanMax {
    /// Smallest.
    pub min: f64,
    /// Arithmetic mean.
    pub mean: f64,
    /// Largest.
    pub max: f64,
}

impl MinMeanMax {
    /// Over `values`; `None` when empty.
    ///
    /// ```
    /// use kqent_report::aggregate::MinMeanMax;
    /// let m = MinMeanMax::of([3.0, 1.0, 2.0]).unwrap();
    /// assert_eq!((m.min, m.mean, m.max), (1.0, 2.0, 3.0));
    /// ```
    pub fn of(values: impl IntoIterator<Item = f64>) -> Option<MinMeanMax> {
        let (mut n, mut sum, mut min, mut max) = (0usize, 0.0, f64::INFINITY, f64::NEG_INFINITY);
        for v in values {
            n += 1;
            sum += v;
            min = min.min(v);
            max = max.max(v);
        }
        (n > 0).then(|| MinMeanMax {
            min,
            mean: sum / n as f64,
            max,
        })
    }
}

/// One configuration over all its repetitions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigSummary {
    /// The configuration's id.
    pub config_id: String,
    /// Its knobs (`None` for a symbol file).
    pub knobs: Option<Knobs>,
    /// Repetition indices present, ascending.
    pub repetitions: Vec<u32>,
    /// H_assessed, bits per symbol.
    pub h_assessed: MinMeanMax,
    /// Shannon entropy of the symbols, bits per symbol.
    pub shannon: MinMeanMax,
    /// Largest |r_k| over lags; `None` if undefined in any repetition.
    pub max_abs_autocorr: Option<MinMeanMax>,
    /// Repetitions whose IID verdict passed, out of those that have one (`None`: none has).
    pub iid_passed: Option<(usize, usize)>,
    /// Index into the input slice of the repetition with the lowest H_assessed (the one the
    /// report plots).
    pub worst: usize,
}

/// Groups results by config id (first-appearance order; by config id and host when they come
/// from several hosts, as the summary does: `kqent_schema::summary::row_ids`) and
/// summarises each.
pub fn aggregate(results: &[ResultReport]) -> Vec<ConfigSummary> {
    let rows = kqent_schema::summary::row_ids(results);
    let mut order: Vec<&str> = Vec::new();
    for r in &rows {
        if !order.contains(&r.as_str()) {
            order.push(r);
        }
    }
    order
        .into_iter()
        .filter_map(|id| {
            let idx: Vec<usize> = (0..results.len()).filter(|&i| rows[i] == id).collect();
            let group = || idx.iter().map(|&i| &results[i]);
            let mut repetitions: Vec<u32> = group().map(|r| r.repetition).collect();
            repetitions.sort_unstable();
            let autocorr: Option<Vec<f64>> = group().map(|r| r.max_abs_autocorr()).collect();
            let verdicts: Vec<bool> = group()
                .filter_map(|r| r.iid.as_ref().map(|i| i.verdict))
                .collect();
            let worst = idx.iter().copied().min_by(|&a, &b| {
                results[a]
                    .h_assessed()
                    .total_cmp(&results[b].h_assessed())
                    .then(results[a].repetition.cmp(&results[b].repetition))
            })?;
            Some(ConfigSummary {
                config_id: id.to_string(),
                knobs: results[idx[0]].knobs.clone(),
                repetitions,
                h_assessed: MinMeanMax::of(group().map(|r| r.h_assessed()))?,
                shannon: MinMeanMax::of(group().map(|r| r.stats.shannon))?,
                max_abs_autocorr: autocorr.and_then(MinMeanMax::of),
                iid_passed: (!verdicts.is_empty())
                    .then(|| (verdicts.iter().filter(|&&v| v).count(), verdicts.len())),
                worst,
            })
        })
        .collect()
}

/// Indices of the best and worst configurations by their lowest H_assessed over
/// repetitions (ties: the first in order). `None` when `summaries` is empty.
pub fn best_and_worst(summaries: &[ConfigSummary]) -> Option<(usize, usize)> {
    let mut best = 0;
    let mut worst = 0;
    for (i, s) in summaries.iter().enumerate().skip(1) {
        if s.h_assessed.min > summaries[best].h_assessed.min {
            best = i;
        }
        if s.h_assessed.min < summaries[worst].h_assessed.min {
            worst = i;
        }
    }
    (!summaries.is_empty()).then_some((best, worst))
}

#[cfg(test)]
mod tests {
    use super::*;
    use kqent_pipeline::fixture::{knobs, synthetic_result};

    #[test]
    fn groups_repetitions_and_finds_the_worst() {
        let a1 = synthetic_result(&knobs(4, 0, 0), 1, 1, 4, 2000).unwrap();
        let a2 = synthetic_result(&knobs(4, 0, 0), 2, 2, 1, 2000).unwrap();
        let b1 = synthetic_result(&knobs(0, 4, 0), 1, 3, 2, 2000).unwrap();
        let results = vec![a1.clone(), b1.clone(), a2.clone()];
        let s = aggregate(&results);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].config_id, a1.config_id);
        assert_eq!(s[0].repetitions, vec![1, 2]);
        let (h1, h2) = (a1.h_assessed(), a2.h_assessed());
        assert!(h2 < h1);
        assert_eq!(s[0].h_assessed.min, h2);
        assert_eq!(s[0].h_assessed.max, h1);
        assert!((s[0].h_assessed.mean - (h1 + h2) / 2.0).abs() < 1e-15);
        assert_eq!(s[0].worst, 2, "index of a2 in the input");
        assert_eq!(s[1].repetitions, vec![1]);
        assert_eq!(s[1].iid_passed, None);
        // b (2 bits) beats a's worst repetition (1 bit) and a's min decides the worst.
        assert_eq!(best_and_worst(&s), Some((1, 0)));
        assert_eq!(best_and_worst(&[]), None);
        assert!(MinMeanMax::of([]).is_none());
    }
}
