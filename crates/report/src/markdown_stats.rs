//! The Markdown sections drawn from the summary document: Findings with caveats, the
//! statistics over repetitions (`mean ± half-width`), the comparisons and the extractions.

use crate::escape::code;
use std::fmt::Write;

use crate::findings::{
    caveat_sentences, comparison_kind_text, cpu_rate_pm, difference_text, pm, rate_pm, role_text,
    seconds, sentences, verdict_text,
};
use kqent_schema::summary::SummaryReport;

/// `### Findings` and `#### Caveats`, one bullet per sentence.
pub fn findings(s: &mut String, sum: &SummaryReport) {
    let _ = writeln!(s, "### Findings\n");
    for line in sentences(sum) {
        let _ = writeln!(s, "- {line}");
    }
    let caveats = caveat_sentences(sum);
    if !caveats.is_empty() {
        let _ = writeln!(s, "\n#### Caveats\n");
        for line in caveats {
            let _ = writeln!(s, "- {line}");
        }
    }
    let _ = writeln!(s);
}

/// `### Statistics over repetitions`.
pub fn statistics(s: &mut String, sum: &SummaryReport) {
    let _ = writeln!(
        s,
        "### Statistics over repetitions\n\nmean ± 95% CI half-width over repetitions.\n"
    );
    let _ = writeln!(
        s,
        "| configuration | role | reps | H_assessed | Shannon | plug-in min-entropy | bits/s | bits/CPU-s | time to 320 bits | IID |"
    );
    let _ = writeln!(s, "|---|---|---:|---:|---:|---:|---:|---:|---:|---|");
    for c in &sum.summary.configs {
        let (bps, cpu, t) = match &c.rate {
            Some(r) => (
                rate_pm(&r.bits_per_s),
                r.bits_per_cpu_s
                    .as_ref()
                    .map(cpu_rate_pm)
                    .unwrap_or_else(|| "–".into()),
                r.seconds_to_320_bits
                    .as_ref()
                    .map(|t| seconds(t.mean))
                    .unwrap_or_else(|| "never".into()),
            ),
            None => ("–".into(), "–".into(), "–".into()),
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {bps} | {cpu} | {t} | {} |",
            code(&c.config_id),
            role_text(c.role),
            c.h_assessed.n,
            pm(&c.h_assessed, 4),
            pm(&c.shannon, 4),
            pm(&c.min_entropy, 4),
            c.iid_passed
                .map(|[p, n]| format!("{p}/{n} pass"))
                .unwrap_or_else(|| "–".into())
        );
    }
    let _ = writeln!(s);
}

/// The comparisons table (every comparison of the family).
pub fn comparisons(s: &mut String, sum: &SummaryReport) {
    if sum.summary.comparisons.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "| comparison | subject | reference | difference [95% CI], p, Holm p | reading |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|");
    for c in &sum.summary.comparisons {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {}{} |",
            comparison_kind_text(c.kind),
            code(&c.subject),
            code(&c.reference),
            difference_text(c),
            verdict_text(c),
            match (c.resolved, c.repetitions_needed) {
                (true, _) => String::new(),
                (false, Some(n)) => format!("; not settled (≈{n} repetitions would)"),
                (false, None) => "; not settled".into(),
            }
        );
    }
    let _ = writeln!(s);
}

/// The extractions table, when the sweep ran several.
pub fn extractions(s: &mut String, sum: &SummaryReport) {
    if sum.summary.extractions.is_empty() {
        return;
    }
    let _ = writeln!(s, "### Extractions of the same traces\n");
    let _ = writeln!(
        s,
        "| configuration | extraction | width | bits/symbol | bits per bit of width | bits/s |"
    );
    let _ = writeln!(s, "|---|---|---:|---:|---:|---:|");
    for e in &sum.summary.extractions {
        let _ = writeln!(
            s,
            "| {} | {}{} | {} | {} | {} | {} |",
            code(&e.config_id),
            e.extraction,
            if e.main { " (main)" } else { "" },
            e.bits,
            pm(&e.per_symbol, 4),
            pm(&e.per_bit, 4),
            e.per_second
                .as_ref()
                .map(rate_pm)
                .unwrap_or_else(|| "–".into())
        );
    }
    let _ = writeln!(s);
}
