//! What the terminal shows: pure functions from finished results to text (the commands
//! print it). `kqent analyze`'s tables, `kqent health`'s report, a sweep's summary and the
//! gate's verdict lines.

use std::fmt::Write as _;

use kqent_analysis::assess::Assessment;
use kqent_analysis::health::{Failure, HealthReport};
use kqent_analysis::iid::{ChiSquareTest, IidAssessment, PermutationOutcome};
use kqent_analysis::restart::RestartAssessment;
use kqent_analysis::{Estimator, EstimatorResult, Extraction};

use crate::aggregate::ConfigSummary;
use crate::gate::GateReport;

/// The intermediate values shown in the table for each estimator (all of them are in the
/// JSON).
fn key_values(e: Estimator) -> &'static [&'static str] {
    match e {
        Estimator::Mcv => &["p_hat", "p_u"],
        Estimator::Collision => &["X_bar", "sigma_hat", "p"],
        Estimator::Markov => &["p_max"],
        Estimator::Compression => &["X_bar", "sigma_hat", "p"],
        Estimator::TTuple => &["t", "p_hat_max", "p_u"],
        Estimator::Lrs => &["u", "v", "p_hat", "p_u"],
        Estimator::MultiMcw | Estimator::Lag | Estimator::MultiMmc | Estimator::Lz78y => {
            &["C", "p_global_prime", "r", "p_local"]
        }
    }
}

fn describe(r: &EstimatorResult) -> String {
    if let Some(reason) = na_reason(r) {
        return format!("n/a: {reason}");
    }
    let shown: Vec<&kqent_analysis::Value> = key_values(r.estimator)
        .iter()
        .filter_map(|n| r.values.iter().find(|v| v.name == *n))
        .collect();
    shown
        .iter()
        .map(|v| format!("{}={}", v.name, short(v.value)))
        .collect::<Vec<_>>()
        .join(" ")
}

fn na_reason(r: &EstimatorResult) -> Option<&str> {
    match &r.outcome {
        kqent_analysis::Outcome::NotApplicable { reason } => Some(reason),
        kqent_analysis::Outcome::Estimate { .. } => None,
    }
}

/// A compact number: integers as such, others with 6 significant digits.
pub(crate) fn short(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x:.0}")
    } else if x != 0.0 && (x.abs() < 1e-4 || x.abs() >= 1e6) {
        format!("{x:.5e}")
    } else {
        format!("{x:.6}")
    }
}

fn cell(r: Option<&EstimatorResult>) -> String {
    match r {
        None => "-".into(),
        Some(r) => r.h().map_or_else(|| "n/a".into(), |h| format!("{h:.6}")),
    }
}

/// What `kqent analyze` ran, for its terminal report.
#[derive(Debug, Clone, Copy)]
pub struct Analysis<'a> {
    /// The input as given.
    pub path: &'a str,
    /// How a trace's durations became symbols; `None` for a symbol file.
    pub extraction: Option<Extraction>,
    /// SHA-256 of the input file.
    pub file_sha256: &'a str,
    /// The `auto` track: the IID tests decide which entropy is reported.
    pub auto: bool,
    /// The IID track, when it ran.
    pub iid: Option<&'a IidAssessment>,
    /// The non-IID assessment, when it ran.
    pub assessment: Option<&'a Assessment>,
}

/// The terminal report of `kqent analyze`: the IID tests when they ran, the non-IID table
/// when it ran, and which entropy the track settles on.
pub fn analysis(o: &Analysis<'_>) -> String {
    let mut out = String::new();
    let source = match &o.extraction {
        Some(m) => format!("trace, extracted with {m}"),
        None => "symbol file".into(),
    };
    let _ = writeln!(out, "{} ({source}, SHA-256 {})", o.path, o.file_sha256);
    if let Some(iid) = o.iid {
        render_iid(&mut out, iid);
    }
    if let Some(a) = o.assessment {
        if o.iid.is_some() {
            let _ = writeln!(out);
            let _ = writeln!(
                out,
                "{}",
                match o.auto {
                    true if o.iid.is_some_and(|i| !i.iid) =>
                        "Non-IID estimators (section 6.3), as the IID tests failed:",
                    _ => "Non-IID estimators (section 6.3), for the report:",
                }
            );
        }
        render_non_iid(&mut out, a);
    }
    if o.auto {
        let _ = writeln!(out);
        match (o.iid.and_then(|i| i.entropy.as_ref()), o.assessment) {
            (Some(e), _) => {
                let _ = writeln!(
                    out,
                    "Track auto: IID tests passed; entropy = IID H_assessed = {:.6} bits/symbol",
                    e.h_assessed
                );
            }
            (None, Some(a)) => {
                let _ = writeln!(
                    out,
                    "Track auto: IID tests failed; entropy = non-IID H_assessed = {:.6} \
                     bits/symbol",
                    a.h_assessed
                );
            }
            (None, None) => {}
        }
    }
    out
}

fn chi_square_name(t: ChiSquareTest) -> &'static str {
    match t {
        ChiSquareTest::Independence => "chi-square independence",
        ChiSquareTest::GoodnessOfFit => "chi-square goodness of fit",
        ChiSquareTest::BinaryIndependence => "chi-square independence (binary)",
        ChiSquareTest::BinaryGoodnessOfFit => "chi-square goodness of fit (binary)",
    }
}

fn pass_fail(pass: bool) -> &'static str {
    if pass {
        "pass"
    } else {
        "FAIL"
    }
}

/// The IID tests of section 5: chi-square, LRS, each permutation statistic, the verdict
/// and the IID entropy.
fn render_iid(out: &mut String, a: &IidAssessment) {
    let _ = writeln!(
        out,
        "{} samples of {} distinct {}-bit symbols{}; IID tests (section 5), seed {}, {} \
         permutations{}",
        a.samples,
        a.alphabet,
        a.bits,
        if a.binary { " (binary)" } else { "" },
        a.options.seed,
        a.options.permutations,
        if a.options.all_statistics {
            ", all statistics"
        } else {
            ""
        }
    );
    let _ = writeln!(out);
    if let Some(reason) = &a.not_applicable {
        let _ = writeln!(
            out,
            "{reason}: the symbols carry no entropy and no permutation test applies"
        );
    }
    for c in [&a.chi_square_independence, &a.chi_square_goodness_of_fit] {
        let _ = writeln!(
            out,
            "{:<34} {:<7} T={} df={} p={}  {}",
            chi_square_name(c.test),
            c.section,
            short(c.statistic),
            c.df,
            short(c.p_value),
            pass_fail(c.pass)
        );
    }
    let l = &a.lrs;
    let _ = writeln!(
        out,
        "{:<34} {:<7} W={} p_col={} Pr(X>=1)={}  {}",
        "longest repeated substring",
        "5.2.5",
        l.w,
        short(l.p_col),
        short(l.pr_at_least_one),
        pass_fail(l.pass)
    );
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{:<24} {:<7} {:>14} {:>6} {:>6} {:>6} {:>6}  outcome",
        "permutation statistic", "section", "original", "C0", "C1", "C2", "perms"
    );
    for p in &a.permutation_tests {
        let outcome = match &p.outcome {
            PermutationOutcome::Pass => "pass".to_string(),
            PermutationOutcome::Fail => "FAIL".to_string(),
            PermutationOutcome::NotEvaluated { reason } => format!("not evaluated: {reason}"),
        };
        let _ = writeln!(
            out,
            "{:<24} {:<7} {:>14} {:>6} {:>6} {:>6} {:>6}  {outcome}",
            p.name,
            p.section,
            short(p.original),
            p.c0,
            p.c1,
            p.c2,
            p.permutations
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "IID verdict: {}",
        if a.iid {
            "pass (the data may be treated as IID)"
        } else {
            "FAIL (the data cannot be treated as IID)"
        }
    );
    match &a.entropy {
        Some(e) => {
            let _ = writeln!(
                out,
                "IID H_original:  {:.6} bits/symbol (MCV)",
                e.h_original
            );
            let mut terms = vec![a.bits.to_string(), "H_original".to_string()];
            if let Some(h) = e.h_bitstring {
                let _ = writeln!(out, "IID H_bitstring: {h:.6} bits/bit (MCV)");
                terms.push(format!("{} x H_bitstring", a.bits));
            }
            let _ = writeln!(
                out,
                "IID H_assessed = min({}) = {:.6} bits/symbol",
                terms.join(", "),
                e.h_assessed
            );
        }
        None => {
            let _ = writeln!(out, "no IID entropy claimed");
        }
    }
}

/// The non-IID estimators' table and H_assessed.
fn render_non_iid(out: &mut String, a: &Assessment) {
    let _ = writeln!(
        out,
        "{} samples of {} distinct {}-bit symbols{}{}",
        a.samples,
        a.alphabet,
        a.bits,
        if a.binary { " (binary)" } else { "" },
        if a.bitstring_len > 0 {
            format!("; bitstring of {} bits", a.bitstring_len)
        } else {
            String::new()
        }
    );
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{:<20} {:<7} {:>11} {:>11}  intermediate values",
        "estimator", "section", "H_original", "H_bitstring"
    );
    for e in Estimator::ALL {
        let orig = a.original.iter().find(|r| r.estimator == e);
        let bits = a.bitstring.iter().find(|r| r.estimator == e);
        if orig.is_none() && bits.is_none() {
            continue;
        }
        let mut notes = Vec::new();
        if let Some(r) = orig {
            notes.push(describe(r));
        }
        if let Some(r) = bits {
            notes.push(format!("bits: {}", describe(r)));
        }
        let _ = writeln!(
            out,
            "{:<20} {:<7} {:>11} {:>11}  {}",
            e.display_name(),
            e.section(),
            cell(orig),
            cell(bits),
            notes.join(" | ")
        );
    }
    let _ = writeln!(out);
    if let Some(h) = a.h_original {
        let _ = writeln!(out, "H_original:  {h:.6} bits/symbol");
    }
    if let Some(h) = a.h_bitstring {
        let _ = writeln!(out, "H_bitstring: {h:.6} bits/bit");
    }
    let mut terms = vec![a.bits.to_string()];
    if a.h_original.is_some() {
        terms.push("H_original".into());
    }
    if a.h_bitstring.is_some() {
        terms.push(format!("{} x H_bitstring", a.bits));
    }
    if a.options.h_submitter.is_some() {
        terms.push("H_submitter".into());
    }
    let _ = writeln!(
        out,
        "H_assessed = min({}) = {:.6} bits/symbol",
        terms.join(", "),
        a.h_assessed
    );
}

/// `2^-k` when alpha is an exact power of two, otherwise the number.
pub fn fmt_alpha(a: f64) -> String {
    let k = a.log2();
    if k.fract() == 0.0 && 2f64.powi(k as i32) == a {
        format!("2^{k}")
    } else {
        format!("{a:e}")
    }
}

/// The terminal report of `kqent health` on `input` (as given) of `bits`-bit symbols:
/// cutoffs, counts and the first `list` firing positions of each test.
pub fn health(
    input: &str,
    extract: Option<Extraction>,
    bits: u8,
    r: &HealthReport,
    list: usize,
) -> String {
    let c = &r.cutoffs;
    let n = &r.counts;
    let mut s = String::new();
    let source = match extract {
        Some(m) => format!("{input} ({m})"),
        None => input.to_string(),
    };
    let _ = writeln!(s, "Health tests (SP 800-90B 4.4) on {source}");
    let _ = writeln!(
        s,
        "  {} symbols of {} bit(s), {}; claimed H = {} bits/symbol, alpha = {}",
        n.samples,
        bits,
        if c.binary { "binary" } else { "non-binary" },
        c.h,
        fmt_alpha(c.alpha)
    );
    let _ = writeln!(
        s,
        "Repetition Count Test:    cutoff {} repeats; fired {} time(s); longest run {}",
        c.rct_cutoff, n.rct_failures, n.longest_run
    );
    list_failures(&mut s, &r.rct_failures, list, |f| {
        format!(
            "run of {} x {:#04x} from sample {} reached the cutoff at sample {}",
            f.count, f.symbol, f.start, f.index
        )
    });
    let _ = writeln!(
        s,
        "Adaptive Proportion Test: window {}, cutoff {}; fired in {} of {} window(s); highest count {}",
        c.apt_window, c.apt_cutoff, n.apt_failures, n.apt_windows, n.max_window_count
    );
    list_failures(&mut s, &r.apt_failures, list, |f| {
        format!(
            "window from sample {}: {:#04x} reached the cutoff at sample {} ({} in the window)",
            f.start, f.symbol, f.index, f.count
        )
    });
    s
}

fn list_failures(s: &mut String, f: &[Failure], list: usize, line: impl Fn(&Failure) -> String) {
    for x in f.iter().take(list) {
        let _ = writeln!(s, "    {}", line(x));
    }
    if f.len() > list {
        let _ = writeln!(s, "    ... and {} more (see --json)", f.len() - list);
    }
}

/// The per-configuration summary a sweep prints at its end: H_assessed min / mean / max
/// over the repetitions.
pub fn sweep_summary(summaries: &[ConfigSummary]) -> String {
    let mut out = String::new();
    let width = summaries
        .iter()
        .map(|s| s.config_id.len())
        .max()
        .unwrap_or(0)
        .max("configuration".len());
    let _ = writeln!(
        out,
        "{:<width$}  {:>4}  H_assessed min / mean / max (bits/symbol)",
        "configuration", "runs"
    );
    for s in summaries {
        let h = &s.h_assessed;
        let _ = writeln!(
            out,
            "{:<width$}  {:>4}  {:.4} / {:.4} / {:.4}",
            s.config_id,
            s.repetitions.len(),
            h.min,
            h.mean,
            h.max
        );
    }
    out
}

/// The gate's verdict, one line per configuration and check, then the counts.
pub fn gate(report: &GateReport) -> String {
    let mut out = String::new();
    for case in &report.cases {
        let verdict = if case.passed { "PASS" } else { "FAIL" };
        let _ = writeln!(
            out,
            "{verdict} {} {}: {}",
            case.config_id,
            case.check,
            case.details.join("; ")
        );
    }
    let failures = report.failures();
    let _ = writeln!(
        out,
        "{} passed, {} failed",
        report.cases.len() - failures,
        failures
    );
    out
}

fn estimates(rs: &[EstimatorResult]) -> String {
    rs.iter()
        .map(|r| match r.h() {
            Some(h) => format!("{} {h:.6}", r.estimator.display_name()),
            None => format!("{} n/a", r.estimator.display_name()),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The terminal report of `kqent restart` on `path`: the sanity check, then the row and
/// column estimates and the validation (`iid`: the MCV estimate alone was used).
pub fn restart(path: &str, iid: bool, r: &RestartAssessment) -> String {
    let s = &r.sanity;
    let mut out = String::new();
    let _ = writeln!(out, "Restart tests (SP 800-90B 3.1.4): {path}");
    let _ = writeln!(
        out,
        "  {} bits per symbol, H_I = {}, {} estimators",
        r.bits,
        r.options.h_initial,
        if iid { "IID (MCV)" } else { "non-IID" }
    );
    let _ = writeln!(
        out,
        "Sanity check (3.1.4.3): X_max = {} (rows {}, columns {}), cutoff {} \
         (simulated, {} rounds, seed {}, alpha {:.4e}): {}",
        s.x_max,
        s.x_rows,
        s.x_columns,
        s.cutoff,
        s.simulation_rounds,
        r.options.seed,
        s.alpha,
        if s.pass { "passed" } else { "FAILED" }
    );
    if !s.pass {
        let _ = writeln!(
            out,
            "Restart testing failed: the sanity check failed, no entropy is validated."
        );
        return out;
    }
    let _ = writeln!(out, "Rows:    {}", estimates(&r.rows));
    let _ = writeln!(out, "Columns: {}", estimates(&r.columns));
    let (hr, hc) = (r.h_r.unwrap_or(f64::NAN), r.h_c.unwrap_or(f64::NAN));
    let _ = writeln!(
        out,
        "H_r = {hr:.6}, H_c = {hc:.6}, H_I = {}",
        r.options.h_initial
    );
    match r.h_validated {
        Some(h) => {
            let _ = writeln!(
                out,
                "Validation (3.1.4.2) passed: min(H_r, H_c, H_I) = {h:.6} bits per symbol"
            );
        }
        None => {
            let _ = writeln!(
                out,
                "Validation (3.1.4.2) FAILED: min(H_r, H_c) = {:.6} < H_I / 2 = {:.6}; \
                 no entropy is validated",
                hr.min(hc),
                r.options.h_initial / 2.0
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_numbers() {
        assert_eq!(short(35.0), "35");
        assert_eq!(short(0.5), "0.500000");
        assert_eq!(short(2.5e-30), "2.50000e-30");
    }

    #[test]
    fn alpha_is_shown_as_a_power_of_two_when_it_is_one() {
        assert_eq!(fmt_alpha(2f64.powi(-20)), "2^-20");
        assert_eq!(fmt_alpha(0.001), "1e-3");
    }
}
