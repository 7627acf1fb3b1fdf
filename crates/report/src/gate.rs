//! The CI quality gate: thresholds checked on every repetition of every configuration, and
//! the JUnit XML of the verdicts.

use std::fmt::Write;

use crate::xml::escape;
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
    if !opts.min_entropy.is_finite() || opts.max_autocorr.is_some_and(|y| !y.is_finite()) {
        return Err(ReportError::InvalidArgument(
            "thresholds must be finite numbers".into(),
        ));
    }
    if opts.require_iid {
        if let Some(r) = results.iter().find(|r| r.iid.is_none()) {
            return Err(ReportError::MissingIid(format!(
                "{} r{}",
                r.config_id, r.repetition
            )));
        }
    }
    // One case per configuration, per host when the results come from several.
    let rows = kqent_schema::summary::row_ids(results);
    let mut ids: Vec<&str> = Vec::new();
    for r in &rows {
        if !ids.contains(&r.as_str()) {
            ids.push(r);
        }
    }
    let mut cases = Vec::new();
    for id in ids {
        let reps: Vec<&ResultReport> = results
            .iter()
            .zip(&rows)
            .filter(|(_, row)| *row == id)
            .map(|(r, _)| r)
            .collect();
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

/// JUnit XML: one `<testcase>` per configuration and check, classname `kqent.gate`, name
/// `<config-id>: <check>`, a `<failure>` listing every repetition when one failed.
pub fn junit_xml(report: &GateReport) -> String {
    let mut s = String::new();
    let (n, f) = (report.cases.len(), report.failures());
    let _ = writeln!(s, r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    let _ = writeln!(
        s,
        r#"<testsuites name="kqent gate" tests="{n}" failures="{f}" errors="0">"#
    );
    let _ = writeln!(
        s,
        r#"  <testsuite name="kqent gate" tests="{n}" failures="{f}" errors="0" skipped="0">"#
    );
    for c in &report.cases {
        let name = escape(&format!("{}: {}", c.config_id, c.check));
        let details = escape(&c.details.join("\n"));
        if c.passed {
            let _ = writeln!(s, r#"    <testcase classname="kqent.gate" name="{name}">"#);
            let _ = writeln!(s, "      <system-out>{details}</system-out>");
            let _ = writeln!(s, "    </testcase>");
        } else {
            let msg = escape(&format!("{} failed on {}", c.check, c.config_id));
            let _ = writeln!(s, r#"    <testcase classname="kqent.gate" name="{name}">"#);
            let _ = writeln!(
                s,
                r#"      <failure message="{msg}" type="{}">{details}</failure>"#,
                c.check
            );
            let _ = writeln!(s, "    </testcase>");
        }
    }
    let _ = writeln!(s, "  </testsuite>");
    let _ = writeln!(s, "</testsuites>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use kqent_pipeline::fixture::{knobs, synthetic_result};

    #[test]
    fn junit_escapes_and_counts() {
        let mut a = synthetic_result(&knobs(4, 0, 0), 1, 1, 4, 1000).unwrap();
        a.config_id = "odd <id> & \"quotes\"".into();
        let b = synthetic_result(&knobs(0, 4, 0), 1, 2, 0, 1000).unwrap();
        let opts = GateOptions {
            min_entropy: 1.0,
            max_autocorr: Some(0.5),
            require_iid: false,
        };
        let report = evaluate(&[a, b], &opts).unwrap();
        assert_eq!(report.cases.len(), 4);
        // b has constant symbols: both of its checks fail.
        assert_eq!(report.failures(), 2);
        assert!(!report.passed());
        let xml = junit_xml(&report);
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let names: Vec<&str> = doc
            .descendants()
            .filter(|n| n.has_tag_name("testcase"))
            .filter_map(|n| n.attribute("name"))
            .collect();
        assert_eq!(names[0], "odd <id> & \"quotes\": min-entropy");
        assert_eq!(
            doc.descendants()
                .filter(|n| n.has_tag_name("failure"))
                .count(),
            2
        );
        let bad = GateOptions {
            min_entropy: f64::NAN,
            ..opts
        };
        assert!(evaluate(&[], &bad).is_err());
    }
}
