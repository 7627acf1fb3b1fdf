//! The self-contained HTML report: inline CSS, every plot an inline SVG, no script and no
//! network access.

use std::fmt::Write;

use kqent_analysis::stats::DurationStats;

use crate::overview::Overview;
use crate::plot;
use crate::series::{estimator_bars, grid, knob_series, varying_knobs, NUMERIC_KNOBS};
use crate::xml::escape;
use crate::ReportError;
use kqent_schema::{Provenance, ResultReport};

const STYLE: &str = "body{font-family:sans-serif;max-width:1600px;margin:1em auto;padding:0 1em;color:#222}\
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}\
th{background:#f0f0f0}td.l,th.l{text-align:left}.plots{display:block}\
.plots svg{display:block;border:1px solid #ddd;width:100%;height:auto;margin:.5em 0}\
.findings li,.caveats li{margin:.3em 0;font-size:1.05em}.caveats{color:#8a4b00}.note{color:#555;font-size:.9em}section{border-top:2px solid #888;margin-top:1.5em}\
code{background:#f4f4f4;padding:0 3px}";

fn f4(v: f64) -> String {
    let s = format!("{v:.4}");
    if s == "-0.0000" {
        "0.0000".into()
    } else {
        s
    }
}

fn kv_table(s: &mut String, rows: &[(&str, String)]) {
    let _ = writeln!(s, "<table>");
    for (k, v) in rows {
        let _ = writeln!(
            s,
            "<tr><th class=\"l\">{}</th><td>{}</td></tr>",
            escape(k),
            escape(v)
        );
    }
    let _ = writeln!(s, "</table>");
}

fn duration_rows(d: &DurationStats) -> Vec<(&'static str, String)> {
    let mut rows = vec![
        (
            "durations (ns): min / median / mean / max",
            format!("{} / {} / {:.1} / {}", d.min, d.median, d.mean, d.max),
        ),
        ("durations (ns): p1 / p99", format!("{} / {}", d.p1, d.p99)),
        ("observed tick (ns, GCD of durations)", d.tick.to_string()),
        ("zero durations", d.zeros.to_string()),
    ];
    if let Some(k) = &d.kinds {
        rows.push((
            "wait calls on which each kind fired",
            format!(
                "{} calls: timer {}, file {}, socket read {}, socket write {}, none {}, two or more kinds {}",
                k.calls, k.timer, k.file, k.socket_read, k.socket_write, k.none, k.mixed
            ),
        ));
    }
    rows
}

fn provenance_rows(p: &Provenance) -> Vec<(&'static str, String)> {
    let mut rows = vec![
        ("kqent", p.tool_version.clone()),
        ("host", p.host.clone()),
        ("OS / kernel", format!("{} / {}", p.os, p.kernel)),
        ("CPU", p.cpu.clone()),
        (
            "started / finished (UTC)",
            format!("{} / {}", p.started, p.finished),
        ),
    ];
    if let Some(c) = &p.collection {
        let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "unknown".into());
        rows.push(("collection started", show(&c.start_time)));
        rows.push(("CPU frequency governor", show(&c.scaling_governor)));
        rows.push(("virtualisation", show(&c.virtualization)));
        if let (Some(v), Some(i)) = (c.voluntary_ctx_switches, c.involuntary_ctx_switches) {
            rows.push((
                "collector context switches (voluntary / involuntary)",
                format!("{v} / {i}"),
            ));
        }
    }
    rows
}

fn config_section(s: &mut String, r: &ResultReport, reps: usize) -> Result<(), ReportError> {
    let st = &r.stats;
    let _ = writeln!(s, "<section id=\"{}\">", escape(&r.config_id));
    let _ = writeln!(
        s,
        "<h3><code>{}</code></h3><p>Plots and figures of repetition {} (the lowest H_assessed of {reps}).</p>",
        escape(&r.config_id),
        r.repetition
    );
    let mut rows = vec![
        ("H_assessed (bits/symbol)", f4(r.h_assessed())),
        (
            "symbols / width",
            format!("{} / {} bits", st.samples, st.bits),
        ),
        (
            "extraction",
            r.extraction
                .map(|e| e.to_string())
                .unwrap_or_else(|| "symbol file".into()),
        ),
        ("Shannon entropy (bits/symbol)", f4(st.shannon)),
        ("plug-in min-entropy (bits/symbol)", f4(st.min_entropy)),
        (
            "chi-square vs uniform (df, p-value)",
            format!(
                "{:.2} ({}, {:.4})",
                st.chi_square.statistic, st.chi_square.df, st.chi_square.p_value
            ),
        ),
        (
            "serial correlation (ent)",
            format!("{:.6}", st.serial_correlation),
        ),
        (
            "autocorrelation: max |r_k|, lags outside ±2/√n",
            match &st.autocorrelation {
                Some(a) => format!(
                    "{:.4}, {} of {} (band {:.4})",
                    a.max_abs,
                    a.outside,
                    a.r.len(),
                    a.band
                ),
                None => "undefined (constant symbols)".into(),
            },
        ),
        ("input SHA-256", r.input.sha256.clone()),
    ];
    if let Some(iid) = &r.iid {
        rows.push((
            "IID tests (SP 800-90B section 5)",
            match (iid.verdict, iid.h_assessed) {
                (true, Some(h)) => format!("passed; IID estimate {} bits/symbol", f4(h)),
                (true, None) => "passed".into(),
                (false, _) => "failed: only the non-IID estimate applies".into(),
            },
        ));
    }
    if let Some(d) = &r.durations {
        rows.extend(duration_rows(d));
    }
    kv_table(s, &rows);
    let mut plots = Vec::new();
    if let Some(d) = &r.durations {
        plots.push(plot::duration_histogram_plot(d)?);
    }
    plots.push(plot::symbol_histogram_plot(&st.histogram, st.bits)?);
    plots.push(plot::autocorrelation_plot(st.autocorrelation.as_ref())?);
    if !r.lag_pairs.is_empty() {
        plots.push(plot::lag_plot(&r.lag_pairs)?);
    }
    plots.push(plot::block_entropy_plot(&st.blocks, st.bits)?);
    plots.push(plot::estimator_plot(
        &estimator_bars(&r.assessment),
        r.h_assessed(),
        r.assessment.bits,
    )?);
    let _ = writeln!(s, "<div class=\"plots\">");
    for p in plots {
        s.push_str(&p);
        s.push('\n');
    }
    let _ = writeln!(s, "</div></section>");
    Ok(())
}

/// Renders the page.
pub fn render(o: &Overview<'_>) -> Result<String, ReportError> {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/><title>kqent entropy report</title><style>{STYLE}</style></head><body>"
    );
    let _ = writeln!(s, "<h1>kqent entropy report</h1>");
    let _ = writeln!(
        s,
        "<p>{}</p>",
        escape(&o.headline().replace(['`', '*'], ""))
    );
    crate::html_stats::findings_section(&mut s, &o.summary);
    crate::html_stats::statistics_section(&mut s, &o.summary)?;
    crate::html_stats::comparisons_section(&mut s, &o.summary)?;
    crate::html_stats::extractions_section(&mut s, &o.summary)?;
    // Summary table.
    let _ = writeln!(s, "<h2>All configurations</h2><table><tr><th class=\"l\">configuration</th><th>timers</th><th>sockets</th><th>watchers</th><th>timeout (ms)</th><th>poke (µs)</th><th>trigger</th><th>warmup</th><th>reps</th><th>H_assessed min</th><th>mean</th><th>max</th><th>Shannon (mean)</th><th>max |r_k|</th></tr>");
    for (i, c) in o.summaries.iter().enumerate() {
        let mark = match o.best_worst {
            Some((b, _)) if b == i => " (best)",
            Some((_, w)) if w == i => " (worst)",
            _ => "",
        };
        let knobs = match &c.knobs {
            Some(k) => format!(
                "<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
                k.num_timers,
                k.num_sockets,
                k.num_file_watchers,
                k.timeout_ms,
                k.poke_interval_us,
                escape(&k.write_trigger.to_string()),
                k.warmup
            ),
            None => "<td>–</td>".repeat(7),
        };
        let ac = c
            .max_abs_autocorr
            .map(|a| f4(a.max))
            .unwrap_or_else(|| "undefined".into());
        let _ = writeln!(
            s,
            "<tr><td class=\"l\"><a href=\"#{id}\">{id}</a>{mark}</td>{knobs}<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{ac}</td></tr>",
            c.repetitions.len(),
            f4(c.h_assessed.min),
            f4(c.h_assessed.mean),
            f4(c.h_assessed.max),
            f4(c.shannon.mean),
            id = escape(&c.config_id),
        );
    }
    let _ = writeln!(s, "</table>");
    // Sweep plots.
    let varying = varying_knobs(&o.summaries);
    if !varying.is_empty() {
        let _ = writeln!(s, "<h2>Sweep</h2><div class=\"plots\">");
        for &x in &varying {
            let unit = NUMERIC_KNOBS
                .iter()
                .find(|k| k.0 == x)
                .map(|k| k.1)
                .unwrap_or("");
            let by = varying.iter().copied().find(|&b| b != x);
            s.push_str(&plot::knob_lines_plot(
                x,
                unit,
                by,
                &knob_series(&o.summaries, x, by),
            )?);
            s.push('\n');
        }
        if varying.len() >= 2 {
            let full_scale = o
                .loaded
                .results
                .iter()
                .map(|r| f64::from(r.assessment.bits))
                .fold(1.0, f64::max);
            s.push_str(&plot::heatmap_plot(
                &grid(&o.summaries, varying[0], varying[1]),
                full_scale,
            )?);
            s.push('\n');
        }
        let _ = writeln!(s, "</div>");
    }
    let _ = writeln!(s, "<h2>Configurations</h2>");
    for c in &o.summaries {
        config_section(&mut s, &o.loaded.results[c.worst], c.repetitions.len())?;
    }
    let prov = o.loaded.manifest.as_ref().map(|m| &m.provenance).or(o
        .loaded
        .results
        .first()
        .map(|r| &r.provenance));
    if let Some(p) = prov {
        let _ = writeln!(s, "<h2>Provenance</h2>");
        kv_table(&mut s, &provenance_rows(p));
    }
    let _ = writeln!(s, "</body></html>");
    Ok(s)
}
