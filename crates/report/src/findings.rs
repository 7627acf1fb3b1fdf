//! The findings of a sweep in plain sentences, and the tables of its statistics, as text
//! that the HTML page, the Markdown summary and the terminal share. Everything is read from
//! a [`SummaryReport`]; nothing is computed here but the wording.

use crate::escape::code;
use std::fmt::Write;

use kqent_analysis::inference::family::{Answer, ComparisonKind, Verdict};
use kqent_analysis::inference::{Caveat, Comparison, ConfigStats, Role, Spread};

use kqent_schema::summary::SummaryReport;

/// `mean ± half-width` with `digits` decimals; `mean (1 run)` without an interval.
///
/// ```
/// use kqent_analysis::inference::Spread;
/// use kqent_report::findings::pm;
/// assert_eq!(pm(&Spread::of(&[1.0, 2.0, 3.0]).unwrap(), 2), "2.00 ± 2.48");
/// assert_eq!(pm(&Spread::of(&[1.5]).unwrap(), 1), "1.5 (1 run)");
/// ```
pub fn pm(s: &Spread, digits: usize) -> String {
    match s.half_width {
        Some(h) => format!("{:.digits$} ± {:.digits$}", s.mean, h),
        None => format!("{:.digits$} (1 run)", s.mean),
    }
}

/// A rate in bit/s with an SI prefix.
///
/// ```
/// assert_eq!(kqent_report::findings::rate(1.5e6), "1.50 Mbit/s");
/// assert_eq!(kqent_report::findings::rate(980.0), "980 bit/s");
/// ```
pub fn rate(bits_per_s: f64) -> String {
    let a = bits_per_s.abs();
    if a >= 1e9 {
        format!("{:.2} Gbit/s", bits_per_s / 1e9)
    } else if a >= 1e6 {
        format!("{:.2} Mbit/s", bits_per_s / 1e6)
    } else if a >= 1e3 {
        format!("{:.2} kbit/s", bits_per_s / 1e3)
    } else {
        format!("{bits_per_s:.0} bit/s")
    }
}

/// A rate spread as `mean ± half-width` in the unit of its mean.
pub fn rate_pm(s: &Spread) -> String {
    let (scale, unit) = rate_unit(s.mean);
    match s.half_width {
        Some(h) => format!("{:.2} ± {:.2} {unit}", s.mean / scale, h / scale),
        None => format!("{:.2} {unit} (1 run)", s.mean / scale),
    }
}

/// A rate per CPU-second spread: `mean ± half-width kbit/CPU-s`.
pub fn cpu_rate_pm(s: &Spread) -> String {
    rate_pm(s).replace("bit/s", "bit/CPU-s")
}

fn rate_unit(v: f64) -> (f64, &'static str) {
    let a = v.abs();
    if a >= 1e9 {
        (1e9, "Gbit/s")
    } else if a >= 1e6 {
        (1e6, "Mbit/s")
    } else if a >= 1e3 {
        (1e3, "kbit/s")
    } else {
        (1.0, "bit/s")
    }
}

/// Seconds as ns, µs, ms or s.
///
/// ```
/// assert_eq!(kqent_report::findings::seconds(0.00042), "420 µs");
/// assert_eq!(kqent_report::findings::seconds(2.5), "2.50 s");
/// ```
pub fn seconds(s: f64) -> String {
    let a = s.abs();
    if a >= 1.0 {
        format!("{s:.2} s")
    } else if a >= 1e-3 {
        format!("{:.3} ms", s * 1e3)
    } else if a >= 1e-6 {
        format!("{:.0} µs", s * 1e6)
    } else {
        format!("{:.0} ns", s * 1e9)
    }
}

/// The reading of a comparison, as the report words it.
pub fn verdict_text(c: &Comparison) -> String {
    match c.verdict {
        Verdict::More => "more".into(),
        Verdict::Less => "less".into(),
        Verdict::NoDetectableDifference => match c.detectable {
            Some(d) => format!(
                "no detectable difference (smallest difference this design could detect: {d:.3} bits)"
            ),
            None => "no detectable difference".into(),
        },
        Verdict::Untestable => "untestable (fewer than 2 repetitions)".into(),
    }
}

/// What a comparison compares, in words.
pub fn comparison_kind_text(k: ComparisonKind) -> &'static str {
    match k {
        ComparisonKind::KindVsEmpty => "kind vs empty queue",
        ComparisonKind::CombinationVsEmpty => "combination vs empty queue",
        ComparisonKind::CombinationVsBestSingle => "combination vs best single kind",
        ComparisonKind::EmptyVsClock => "empty queue vs clock-only floor",
        ComparisonKind::HostVsHost => "same configuration, host vs first host",
        ComparisonKind::ProfileVsKqent => "openentropy profile vs kqent design",
    }
}

/// The role of a configuration, in words.
pub fn role_text(r: Role) -> &'static str {
    match r {
        Role::ClockControl => "clock-only control",
        Role::EmptyQueue => "empty queue (control)",
        Role::SingleKind => "single kind",
        Role::Combination => "combination",
        Role::Other => "symbol file",
    }
}

/// A comparison's difference with its CI and p-values, e.g.
/// `+0.0123 bits [−0.0100, +0.0346], p = 0.210, Holm p = 1.000`.
pub fn difference_text(c: &Comparison) -> String {
    match (&c.welch, c.p_holm) {
        (Some(w), Some(p)) => format!(
            "{:+.4} bits [{:+.4}, {:+.4}], p {}, Holm p {}",
            w.diff,
            w.ci_low,
            w.ci_high,
            p_text(w.p_value),
            p_text(p)
        ),
        _ => format!("{:+.4} bits (no test)", c.subject_mean - c.reference_mean),
    }
}

/// A p-value as `= 0.123`, or `< 0.001` below that.
pub fn p_text(p: f64) -> String {
    if p < 0.001 {
        "< 0.001".into()
    } else {
        format!("= {p:.3}")
    }
}

fn config<'a>(s: &'a SummaryReport, id: &str) -> Option<&'a ConfigStats> {
    s.summary.configs.iter().find(|c| c.config_id == id)
}

/// The overall answer to "does combining event kinds add entropy?" as one sentence with its
/// statistics; `None` when the sweep cannot answer it.
pub fn kinds_sentence(s: &SummaryReport) -> Option<String> {
    let a = s.summary.kinds_answer.as_ref()?;
    let o = &s.summary.options;
    let family = s
        .summary
        .comparisons
        .iter()
        .filter(|c| c.welch.is_some())
        .count();
    let word = match a.answer {
        Answer::Yes => "Yes",
        Answer::No => "No",
        Answer::Mixed => "Sometimes",
        Answer::Inconclusive => "Inconclusive",
    };
    let mut out = format!(
        "Does combining event kinds add entropy? {word}: of {} combination{} compared with {} best single kind, {} more, {} less, {} no detectable difference{} (Welch tests on H_assessed over at least {} repetition{} per configuration, Holm-corrected over {family} comparison{} at α = {}).",
        a.comparisons,
        if a.comparisons == 1 { "" } else { "s" },
        if a.comparisons == 1 { "its" } else { "their" },
        a.more,
        a.less,
        a.no_difference,
        if a.untestable > 0 {
            format!(", {} untestable", a.untestable)
        } else {
            String::new()
        },
        a.min_repetitions,
        if a.min_repetitions == 1 { "" } else { "s" },
        if family == 1 { "" } else { "s" },
        o.alpha
    );
    if a.answer == Answer::Inconclusive {
        let mut why = Vec::new();
        if a.min_repetitions < o.min_repetitions {
            why.push(format!(
                "fewer than {} repetitions per configuration",
                o.min_repetitions
            ));
        }
        if let Some(d) = a.widest_detectable.filter(|&d| d > o.margin) {
            why.push(format!(
                "the intervals are too wide: this design could only detect differences of {d:.3} bits/symbol, above the {} bits/symbol that matter",
                o.margin
            ));
        }
        if !why.is_empty() {
            let _ = write!(out, " Why inconclusive: {}.", why.join("; "));
        }
        match a.repetitions_needed {
            Some(n) => {
                let _ = write!(
                    out,
                    " About {n} repetitions per configuration would settle it (estimate from the observed spread)."
                );
            }
            None => {
                let _ = write!(
                    out,
                    " How many repetitions would settle it cannot be estimated from these runs (at least 2 per configuration are needed, or more than {} would be).",
                    kqent_analysis::inference::family::MAX_REPETITIONS
                );
            }
        }
    } else if let Some(d) = a.widest_detectable {
        let _ = write!(
            out,
            " Every comparison without a difference could have detected {d:.3} bits/symbol or less."
        );
    }
    Some(out)
}

/// When the sweep holds both collection profiles, their comparison as one sentence with
/// its statistics (`None` otherwise): how many openentropy-profile configurations have more,
/// less or no detectable difference in H_assessed than kqent's design with the same sources,
/// the range of the differences, and what the two loops time.
pub fn profiles_sentence(s: &SummaryReport) -> Option<String> {
    let rows: Vec<&Comparison> = s
        .summary
        .comparisons
        .iter()
        .filter(|c| c.kind == ComparisonKind::ProfileVsKqent)
        .collect();
    if rows.is_empty() {
        return None;
    }
    let o = &s.summary.options;
    let family = s
        .summary
        .comparisons
        .iter()
        .filter(|c| c.welch.is_some())
        .count();
    let n = |v: Verdict| rows.iter().filter(|c| c.verdict == v).count();
    let diffs: Vec<f64> = rows
        .iter()
        .map(|c| c.subject_mean - c.reference_mean)
        .collect();
    let lo = diffs.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = diffs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let unresolved = rows.iter().filter(|c| !c.resolved).count();
    let mut out = format!(
        "This sweep holds both collection profiles: of {} openentropy-profile configuration{} (openentropy-core's shipped loop, `oe-…`) compared with kqent's design on the same sources and timeout, {} {} more H_assessed, {} less, {} no detectable difference{} (differences of means {}; Welch tests over repetitions, Holm-corrected over {family} comparison{} at α = {}).",
        rows.len(),
        if rows.len() == 1 { "" } else { "s" },
        n(Verdict::More),
        if n(Verdict::More) == 1 { "has" } else { "have" },
        n(Verdict::Less),
        n(Verdict::NoDetectableDifference),
        if n(Verdict::Untestable) > 0 {
            format!(", {} untestable", n(Verdict::Untestable))
        } else {
            String::new()
        },
        if rows.len() == 1 {
            format!("{lo:+.4} bits/symbol")
        } else {
            format!("{lo:+.4} to {hi:+.4} bits/symbol")
        },
        if family == 1 { "" } else { "s" },
        o.alpha
    );
    if unresolved > 0 {
        let _ = write!(
            out,
            " {unresolved} of these {} not settled (too few repetitions or intervals too wide; see the comparisons table).",
            if unresolved == 1 { "is" } else { "are" }
        );
    }
    out.push_str(" The loops time different things: the shipped loop's blocking drain paces it to the poker, so its durations time a wait that follows a poker wake-up; neither profile's figures transfer to the other.");
    Some(out)
}

/// Every finding, one sentence each (no markup).
pub fn sentences(s: &SummaryReport) -> Vec<String> {
    let mut out = Vec::new();
    let sum = &s.summary;
    if let Some(k) = kinds_sentence(s) {
        out.push(k);
    }
    if let Some(p) = profiles_sentence(s) {
        out.push(p);
    }
    let vs_empty: Vec<&Comparison> = sum
        .comparisons
        .iter()
        .filter(|c| {
            matches!(
                c.kind,
                ComparisonKind::KindVsEmpty | ComparisonKind::CombinationVsEmpty
            )
        })
        .collect();
    if !vs_empty.is_empty() {
        let n = |v: Verdict| vs_empty.iter().filter(|c| c.verdict == v).count();
        out.push(format!(
            "Against the empty queue (no sources: the wait call only times out), {} of {} configurations with sources have more H_assessed, {} less, {} no detectable difference{}.",
            n(Verdict::More),
            vs_empty.len(),
            n(Verdict::Less),
            n(Verdict::NoDetectableDifference),
            if n(Verdict::Untestable) > 0 {
                format!(", {} untestable", n(Verdict::Untestable))
            } else {
                String::new()
            }
        ));
    }
    for c in sum
        .comparisons
        .iter()
        .filter(|c| c.kind == ComparisonKind::EmptyVsClock)
    {
        out.push(format!(
            "The empty queue {} against the clock-only floor {} (two clock reads, no wait call): {}, difference {}.",
            code(&c.subject),
            code(&c.reference),
            verdict_text(c),
            difference_text(c)
        ));
    }
    if let Some(c) = sum.best_by_h.as_deref().and_then(|id| config(s, id)) {
        out.push(format!(
            "Highest H_assessed: {} ({}), {} bits/symbol (mean ± 95% CI half-width over {} repetition{}; Shannon {}, plug-in min-entropy {}).",
            code(&c.config_id),
            role_text(c.role),
            pm(&c.h_assessed, 4),
            c.h_assessed.n,
            if c.h_assessed.n == 1 { "" } else { "s" },
            pm(&c.shannon, 4),
            pm(&c.min_entropy, 4)
        ));
    }
    if let Some(c) = sum.best_by_rate.as_deref().and_then(|id| config(s, id)) {
        if let Some(r) = &c.rate {
            out.push(format!(
                "Highest entropy rate: {}, {} of collection{}{}.",
                code(&c.config_id),
                rate_pm(&r.bits_per_s),
                r.bits_per_cpu_s
                    .as_ref()
                    .map(|x| format!(", {} of the collector", cpu_rate_pm(x)))
                    .unwrap_or_default(),
                r.seconds_to_320_bits
                    .as_ref()
                    .map(|t| format!(
                        "; 320 bits (SP 800-90C input for a full-entropy 256-bit output) take {}",
                        seconds(t.mean)
                    ))
                    .unwrap_or_default()
            ));
        }
    }
    let iid: Vec<(&ConfigStats, [usize; 2])> = sum
        .configs
        .iter()
        .filter_map(|c| c.iid_passed.map(|p| (c, p)))
        .collect();
    if !iid.is_empty() {
        let passed: usize = iid.iter().map(|x| x.1[0]).sum();
        let total: usize = iid.iter().map(|x| x.1[1]).sum();
        let list: Vec<String> = iid
            .iter()
            .map(|(c, p)| format!("{} {}/{}", code(&c.config_id), p[0], p[1]))
            .collect();
        out.push(format!(
            "IID tests (SP 800-90B section 5): passed in {passed} of {total} runs ({}). Where they fail, only the non-IID estimate may be claimed.",
            list.join(", ")
        ));
    }
    out
}

/// Every caveat that applies, one sentence each.
pub fn caveat_sentences(s: &SummaryReport) -> Vec<String> {
    s.summary
        .caveats
        .iter()
        .map(|c| match c {
            Caveat::FewSamples { min_samples } => format!(
                "Runs of {min_samples} samples are a quick look: SP 800-90B asks for 1,000,000 samples per assessment, and estimates from shorter runs are less certain."
            ),
            Caveat::CoarseTick { tick_ns } => format!(
                "Every duration of some run is a multiple of {tick_ns} ns (observed tick above 1 ns): the lowest bits of such durations are not random, and an lsb extraction counts them anyway."
            ),
            Caveat::Clock { name, resolution_ns } => format!(
                "Durations were read from {name} (resolution {}).",
                if *resolution_ns == 0 {
                    "unknown".to_string()
                } else {
                    format!("{resolution_ns} ns")
                }
            ),
            Caveat::Virtualized { what } => format!(
                "The collector ran under virtualisation ({what}): timer and interrupt behaviour differ from bare metal, and the hypervisor can see or shape these timings."
            ),
            Caveat::FewRepetitions { min, wanted } => format!(
                "Some configuration has only {min} repetition{} (the comparisons need at least {wanted}): its interval is wide or missing and its comparisons are inconclusive.",
                if *min == 1 { "" } else { "s" }
            ),
            Caveat::Pipelined => "Collections overlapped with the analysis of the previous run (--pipeline): the analysis competed for the CPU whose timing was measured.".to_string(),
            Caveat::Mock => "The mock backend's durations are synthetic: they test the pipeline, not an operating system.".to_string(),
            Caveat::SeveralHosts { hosts } => format!(
                "The results come from {} hosts ({}): each configuration is shown per host (`<configuration>@<host>`) and compared with its first host, never pooled.",
                hosts.len(),
                hosts.join("; ")
            ),
        })
        .collect()
}

/// The plain-text summary `kqent sweep` prints: one line per configuration (mean ± 95% CI
/// half-width of H_assessed, rate) and the findings.
pub fn terminal(s: &SummaryReport) -> String {
    let mut out = String::new();
    let width = s
        .summary
        .configs
        .iter()
        .map(|c| c.config_id.len())
        .max()
        .unwrap_or(0)
        .max("configuration".len());
    let _ = writeln!(
        out,
        "{:<width$}  {:>4}  {:<22}  {:<24}  role",
        "configuration", "runs", "H_assessed (bits/sym)", "rate (bits/s)"
    );
    for c in &s.summary.configs {
        let _ = writeln!(
            out,
            "{:<width$}  {:>4}  {:<22}  {:<24}  {}",
            c.config_id,
            c.h_assessed.n,
            pm(&c.h_assessed, 4),
            c.rate
                .as_ref()
                .map(|r| rate_pm(&r.bits_per_s))
                .unwrap_or_else(|| "–".into()),
            role_text(c.role)
        );
    }
    let _ = writeln!(
        out,
        "(mean ± 95% confidence-interval half-width over repetitions)"
    );
    for line in sentences(s).into_iter().chain(caveat_sentences(s)) {
        let _ = writeln!(out, "- {}", line.replace('`', ""));
    }
    out
}
