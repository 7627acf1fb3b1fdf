//! The CI quality gate: thresholds checked on every repetition of every configuration
//! (the JUnit XML of the verdicts is [`crate::junit`]'s).

use crate::ReportError;
use kqent_schema::ResultReport;

/// The thresholds of `kqent gate`.
#[derive(Debug, Clone, PartialEq)]
pub struct GateOptions {
    /// Lowest acceptable H_assessed, bits per symbol.
    pub min_entropy: f64,
    /// Highest acceptable max |r_k| over the computed lags.
    pub max_autocorr: Option<f64>,
    /// Require the IID verdict to pass (an error when a result has none).
    pub require_iid: bool,
}

/// One check of one configuration over all its repetitions: a JUnit test case.
#[derive(Debug, Clone, PartialEq)]
pub struct GateCase {
    /// The configuration.
    pub config_id: String,
    /// `min-entropy`, `max-autocorr` or `iid`.
    pub check: &'static str,
    /// True when every repetition passed.
    pub passed: bool,
    /// One line per repetition: its value and verdict.
    pub details: Vec<String>,
}

/// Every check of every configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct GateReport {
    /// Cases in configuration order, checks in option order.
    pub cases: Vec<GateCase>,
}

impl GateReport {
    /// True when every case passed.
    pub fn passed(&self) -> bool {
        self.cases.iter().all(|c| c.passed)
    }

    /// Number of failed cases.
    pub fn failures(&self) -> usize {
        self.cases.iter().filter(|c| !c.passed).count()
    }
}

/// Applies the thresholds to every result. Errors (rather than failing a case) when
/// `require_iid` is set and a result has no IID verdict, or a threshold is not finite.
pub fn evaluate(results: &[ResultReport], opts: &GateOptions) -> Result<GateReport, ReportError> {
    check_finite(opts)?;
    evaluate_each(results, &|_| opts.clone())
}

fn check_finite(opts: &GateOptions) -> Result<(), ReportError> {
    if !opts.min_entropy.is_finite() || opts.max_autocorr.is_some_and(|y| !y.is_finite()) {
        return Err(ReportError::InvalidArgument(
            "thresholds must be finite numbers".into(),
        ));
    }
    Ok(())
}

/// [`evaluate`] with each configuration's own thresholds, `opts_for(config_id)` (a gate
/// policy's defaults and overrides).
pub fn evaluate_each(
    results: &[ResultReport],
    opts_for: &dyn Fn(&str) -> GateOptions,
) -> Result<GateReport, ReportError> {
    let mut ids: Vec<&str> = Vec::new();
    for r in results {
        if !ids.contains(&r.config_id.as_str()) {
            ids.push(&r.config_id);
        }
    }
    for &id in &ids {
        let opts = opts_for(id);
        check_finite(&opts)?;
        if opts.require_iid {
            if let Some(r) = results
                .iter()
                .find(|r| r.config_id == id && r.iid.is_none())
            {
                return Err(ReportError::MissingIid(format!(
                    "{} r{}",
                    r.config_id, r.repetition
                )));
            }
        }
    }
    let mut cases = Vec::new();
    for id in ids {
        let opts = &opts_for(id);
        let reps: Vec<&ResultReport> = results.iter().filter(|r| r.config_id == id).collect();
        let mut case = |check: &'static str, test: &dyn Fn(&ResultReport) -> (bool, String)| {
            let outcomes: Vec<(bool, String)> = reps.iter().map(|r| test(r)).collect();
            cases.push(GateCase {
                config_id: id.to_string(),
                check,
                passed: outcomes.iter().all(|o| o.0),
                details: outcomes.into_iter().map(|o| o.1).collect(),
            });
        };
        let x = opts.min_entropy;
        case("min-entropy", &|r| {
            let h = r.h_assessed();
            let ok = h >= x;
            (
                ok,
                format!(
                    "r{}: H_assessed {h:.6} {} {x}",
                    r.repetition,
                    if ok { ">=" } else { "<" }
                ),
            )
        });
        if let Some(y) = opts.max_autocorr {
            case("max-autocorr", &|r| match r.max_abs_autocorr() {
                Some(a) => {
                    let ok = a <= y;
                    (
                        ok,
                        format!(
                            "r{}: max |r_k| {a:.6} {} {y}",
                            r.repetition,
                            if ok { "<=" } else { ">" }
                        ),
                    )
                }
                None => (
                    false,
                    format!(
                        "r{}: autocorrelation undefined (constant symbols)",
                        r.repetition
                    ),
                ),
            });
        }
        if opts.require_iid {
            case("iid", &|r| {
                let ok = r.iid.as_ref().is_some_and(|i| i.verdict);
                (
                    ok,
                    format!(
                        "r{}: IID verdict {}",
                        r.repetition,
                        if ok { "pass" } else { "fail" }
                    ),
                )
            });
        }
    }
    Ok(GateReport { cases })
}

#[cfg(test)]
mod tests {
    use super::*;
    use kqent_pipeline::fixture::{knobs, synthetic_result};

    #[test]
    fn counts_and_per_configuration_thresholds() {
        let mut a = synthetic_result(&knobs(4, 0, 0), 1, 1, 4, 1000).unwrap();
        a.config_id = "odd <id> & \"quotes\"".into();
        let b = synthetic_result(&knobs(0, 4, 0), 1, 2, 0, 1000).unwrap();
        let opts = GateOptions {
            min_entropy: 1.0,
            max_autocorr: Some(0.5),
            require_iid: false,
        };
        let report = evaluate(&[a.clone(), b.clone()], &opts).unwrap();
        assert_eq!(report.cases.len(), 4);
        // b has constant symbols: both of its checks fail.
        assert_eq!(report.failures(), 2);
        assert!(!report.passed());
        // Per-configuration thresholds: a lower bar for b passes its min-entropy check.
        let each = evaluate_each(&[a.clone(), b.clone()], &|id| GateOptions {
            min_entropy: if id == b.config_id { 0.0 } else { 1.0 },
            ..opts.clone()
        })
        .unwrap();
        assert_eq!(each.failures(), 1);
        assert_eq!(each.cases[2].check, "min-entropy");
        assert!(each.cases[2].passed);
        let bad = GateOptions {
            min_entropy: f64::NAN,
            ..opts
        };
        assert!(evaluate(&[], &bad).is_err());
    }
}
