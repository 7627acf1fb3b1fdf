//! The HTML sections drawn from the summary document: Findings (with every caveat), the
//! statistics over repetitions, the comparisons, the extractions. Text and numbers come
//! from [`crate::findings`] and the summary; nothing is computed here.

use std::fmt::Write;

use crate::findings::{
    caveat_sentences, comparison_kind_text, cpu_rate_pm, difference_text, pm, rate_pm, role_text,
    seconds, sentences, verdict_text,
};
use crate::plot;
use crate::xml::escape;
use crate::ReportError;
use kqent_schema::summary::SummaryReport;

/// Escapes `text` and turns its `code` spans into `<code>` elements.
fn inline(text: &str) -> String {
    let mut out = String::new();
    for (i, part) in text.split('`').enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<code>{}</code>", escape(part));
        } else {
            out.push_str(&escape(part));
        }
    }
    out
}

/// The Findings section: plain sentences, then the caveats.
pub fn findings_section(s: &mut String, sum: &SummaryReport) {
    let _ = writeln!(
        s,
        "<section id=\"findings\"><h2>Findings</h2><ul class=\"findings\">"
    );
    for line in sentences(sum) {
        let _ = writeln!(s, "<li>{}</li>", inline(&line));
    }
    let _ = writeln!(s, "</ul>");
    let caveats = caveat_sentences(sum);
    if !caveats.is_empty() {
        let _ = writeln!(s, "<h3>Caveats</h3><ul class=\"caveats\">");
        for line in caveats {
            let _ = writeln!(s, "<li>{}</li>", inline(&line));
        }
        let _ = writeln!(s, "</ul>");
    }
    let _ = writeln!(
        s,
        "<p class=\"note\">Intervals are 95% confidence intervals of the mean over repetitions (Student t); comparisons are Welch tests with a Holm correction over the whole family. See the README's \"How to read the findings\".</p></section>"
    );
}

/// The statistics over repetitions: one row per configuration, `mean ± half-width`, with
/// the error-bar and rate plots.
pub fn statistics_section(s: &mut String, sum: &SummaryReport) -> Result<(), ReportError> {
    let _ = writeln!(
        s,
        "<h2 id=\"statistics\">Statistics over repetitions</h2><p>mean ± 95% CI half-width over repetitions.</p>"
    );
    let _ = writeln!(
        s,
        "<table><tr><th class=\"l\">configuration</th><th class=\"l\">role</th><th>reps</th><th>H_assessed (bits/symbol)</th><th>Shannon</th><th>plug-in min-entropy</th><th>samples/s</th><th>bits/s</th><th>bits/CPU-s</th><th>time to 320 bits</th><th>IID tests passed</th></tr>"
    );
    for c in &sum.summary.configs {
        let (sps, bps, cpu, t320) = match &c.rate {
            Some(r) => (
                pm(&r.samples_per_s, 0),
                rate_pm(&r.bits_per_s),
                r.bits_per_cpu_s
                    .as_ref()
                    .map(cpu_rate_pm)
                    .unwrap_or_else(|| "–".into()),
                r.seconds_to_320_bits
                    .as_ref()
                    .map(|t| seconds(t.mean))
                    .unwrap_or_else(|| "never (0 bits)".into()),
            ),
            None => ("–".into(), "–".into(), "–".into(), "–".into()),
        };
        let iid = c
            .iid_passed
            .map(|[p, n]| format!("{p}/{n}"))
            .unwrap_or_else(|| "not run".into());
        let _ = writeln!(
            s,
            "<tr><td class=\"l\"><code>{}</code></td><td class=\"l\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&c.config_id),
            role_text(c.role),
            c.h_assessed.n,
            pm(&c.h_assessed, 4),
            pm(&c.shannon, 4),
            pm(&c.min_entropy, 4),
            escape(&sps),
            escape(&bps),
            escape(&cpu),
            escape(&t320),
            iid
        );
    }
    let _ = writeln!(s, "</table><div class=\"plots\">");
    s.push_str(&plot::spread_plot(&sum.summary.configs)?);
    s.push('\n');
    s.push_str(&plot::rate_plot(&sum.summary.configs)?);
    let _ = writeln!(s, "\n</div>");
    Ok(())
}

/// The comparisons table and plot.
pub fn comparisons_section(s: &mut String, sum: &SummaryReport) -> Result<(), ReportError> {
    if sum.summary.comparisons.is_empty() {
        return Ok(());
    }
    let o = &sum.summary.options;
    let _ = writeln!(
        s,
        "<h2 id=\"comparisons\">Comparisons</h2><p>Difference of mean H_assessed (subject − reference) with its 95% CI (Welch), p-value and Holm-adjusted p-value over all {} comparisons; α = {}, detectable difference at power {}, margin {} bits/symbol.</p>",
        sum.summary.comparisons.len(),
        o.alpha,
        o.power,
        o.margin
    );
    let _ = writeln!(
        s,
        "<table><tr><th class=\"l\">comparison</th><th class=\"l\">subject</th><th class=\"l\">reference</th><th class=\"l\">difference [95% CI], p, Holm p</th><th class=\"l\">reading</th><th>settled</th></tr>"
    );
    for c in &sum.summary.comparisons {
        let _ = writeln!(
            s,
            "<tr><td class=\"l\">{}</td><td class=\"l\"><code>{}</code></td><td class=\"l\"><code>{}</code></td><td class=\"l\">{}</td><td class=\"l\">{}</td><td>{}</td></tr>",
            comparison_kind_text(c.kind),
            escape(&c.subject),
            escape(&c.reference),
            escape(&difference_text(c)),
            escape(&verdict_text(c)),
            if c.resolved {
                "yes".to_string()
            } else {
                c.repetitions_needed
                    .map(|n| format!("no (≈{n} reps)"))
                    .unwrap_or_else(|| "no".into())
            }
        );
    }
    let _ = writeln!(
        s,
        "</table><div class=\"plots\">{}</div>",
        plot::comparison_plot(&sum.summary.comparisons, o.margin)?
    );
    Ok(())
}

/// The extractions of the same traces, when the sweep ran several.
pub fn extractions_section(s: &mut String, sum: &SummaryReport) -> Result<(), ReportError> {
    if sum.summary.extractions.is_empty() {
        return Ok(());
    }
    let _ = writeln!(
        s,
        "<h2 id=\"extractions\">Extractions of the same traces</h2><table><tr><th class=\"l\">configuration</th><th class=\"l\">extraction</th><th>width</th><th>bits/symbol</th><th>bits per bit of width</th><th>bits/s</th></tr>"
    );
    for e in &sum.summary.extractions {
        let _ = writeln!(
            s,
            "<tr><td class=\"l\"><code>{}</code></td><td class=\"l\">{}{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&e.config_id),
            escape(&e.extraction.to_string()),
            if e.main { " (main)" } else { "" },
            e.bits,
            pm(&e.per_symbol, 4),
            pm(&e.per_bit, 4),
            escape(
                &e.per_second
                    .as_ref()
                    .map(rate_pm)
                    .unwrap_or_else(|| "–".into())
            )
        );
    }
    let _ = writeln!(
        s,
        "</table><div class=\"plots\">{}</div>",
        plot::extraction_plot(&sum.summary.extractions)?
    );
    Ok(())
}
