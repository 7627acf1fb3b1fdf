//! The Markdown summary, fit for a CI comment: headline, best and worst configurations,
//! the kind comparison when there is one, and a table of every configuration.

use std::fmt::Write;

use crate::aggregate::ConfigSummary;
use crate::escape::code;
use crate::overview::Overview;

/// Four decimals; `-0.0000` (a rounding artefact) prints as `0.0000`.
fn f4(v: f64) -> String {
    let s = format!("{v:.4}");
    if s == "-0.0000" {
        "0.0000".into()
    } else {
        s
    }
}

fn knob_cells(s: &ConfigSummary) -> String {
    match &s.knobs {
        Some(k) => format!(
            "{} | {} | {} | {} | {} | {} | {}",
            k.num_timers,
            k.num_sockets,
            k.num_file_watchers,
            k.timeout_ms,
            k.poke_interval_us,
            k.write_trigger,
            k.warmup
        ),
        None => "– | – | – | – | – | – | –".to_string(),
    }
}

fn iid_cell(s: &ConfigSummary) -> String {
    match s.iid_passed {
        Some((p, n)) => format!("{p}/{n} pass"),
        None => "–".to_string(),
    }
}

fn line_for(s: &ConfigSummary) -> String {
    format!(
        "{}: H_assessed {} bits/symbol (lowest of {} repetition{}; mean {})",
        code(&s.config_id),
        f4(s.h_assessed.min),
        s.repetitions.len(),
        if s.repetitions.len() == 1 { "" } else { "s" },
        f4(s.h_assessed.mean)
    )
}

/// Renders the summary.
pub fn render(o: &Overview<'_>) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "## kqent entropy report\n");
    let _ = writeln!(s, "{}\n", o.headline());
    crate::markdown_stats::findings(&mut s, &o.summary);
    match o.best_worst {
        Some(_) if o.summaries.len() == 1 => {
            let _ = writeln!(s, "- {}\n", line_for(&o.summaries[0]));
        }
        Some((b, w)) => {
            let _ = writeln!(s, "- **Best:** {}", line_for(&o.summaries[b]));
            let _ = writeln!(s, "- **Worst:** {}\n", line_for(&o.summaries[w]));
        }
        None => {}
    }
    if let Some(answer) = crate::findings::kinds_sentence(&o.summary) {
        let _ = writeln!(s, "### Does combining event kinds add entropy?\n");
        let _ = writeln!(s, "{answer}\n");
    }
    if !o.summary.summary.comparisons.is_empty() {
        crate::markdown_stats::comparisons(&mut s, &o.summary);
    }
    crate::markdown_stats::statistics(&mut s, &o.summary);
    crate::markdown_stats::extractions(&mut s, &o.summary);
    let _ = writeln!(s, "### All configurations\n");
    let _ = writeln!(
        s,
        "| configuration | timers | sockets | watchers | timeout (ms) | poke (µs) | trigger | warmup | reps | H_assessed min | mean | max | Shannon (mean) | max \\|r_k\\| (max) | IID |"
    );
    let _ = writeln!(
        s,
        "|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|"
    );
    for c in &o.summaries {
        let ac = c
            .max_abs_autocorr
            .map(|a| f4(a.max))
            .unwrap_or_else(|| "undefined".into());
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            code(&c.config_id),
            knob_cells(c),
            c.repetitions.len(),
            f4(c.h_assessed.min),
            f4(c.h_assessed.mean),
            f4(c.h_assessed.max),
            f4(c.shannon.mean),
            ac,
            iid_cell(c)
        );
    }
    s
}
