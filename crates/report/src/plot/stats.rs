//! Plots of the statistics over repetitions (`summary.json`): every mean with its 95%
//! confidence interval as an error bar, the comparisons as differences with their
//! intervals, the rate trade-off and the extractions side by side. They draw what the
//! summary holds; nothing is computed here.

use kqent_analysis::inference::{Comparison, ConfigStats, ExtractionStats, Spread};
use plotters::prelude::*;

use plotters::coord::types::RangedCoordf64;

use super::{category_at, colour, empty, frame, legend, render, v_bar, FONT};
use crate::findings::rate;
use crate::ReportError;

/// A configuration id without the knobs every kinds-grid configuration shares: `t4-s0-w4`.
pub fn short_id(id: &str) -> String {
    id.split("-to").next().unwrap_or(id).to_string()
}

/// The interval of a spread, the mean itself when there is none (one repetition).
fn interval(s: &Spread) -> (f64, f64) {
    (s.ci_low.unwrap_or(s.mean), s.ci_high.unwrap_or(s.mean))
}

/// The mesh of a chart with one category per configuration along x, labelled `labels`
/// (ids short enough to read), and `y_desc` along y.
fn configuration_mesh<'b>(
    chart: &mut ChartContext<'_, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    labels: &[String],
    y_desc: &str,
) -> super::DrawResult {
    let n = labels.len();
    chart
        .configure_mesh()
        .x_labels(n.max(2))
        .x_label_formatter(&|v| {
            category_at(*v, n)
                .map(|i| labels[i].clone())
                .unwrap_or_default()
        })
        .label_style((FONT, 15))
        .axis_desc_style((FONT, 16))
        .x_desc("configuration")
        .y_desc(y_desc)
        .draw()?;
    Ok(())
}

/// Which spread of a configuration a series shows.
type Getter = fn(&ConfigStats) -> &Spread;

/// Mean H_assessed, Shannon entropy and plug-in min-entropy of every configuration with
/// their 95% confidence intervals over repetitions.
pub fn spread_plot(configs: &[ConfigStats]) -> Result<String, ReportError> {
    let title = "Entropy per configuration: mean with 95% CI over repetitions";
    if configs.is_empty() {
        return empty("spread", title, "no configuration");
    }
    let n = configs.len();
    let top = configs
        .iter()
        .flat_map(|c| [&c.h_assessed, &c.shannon, &c.min_entropy])
        .map(|s| interval(s).1)
        .chain(configs.iter().map(|c| f64::from(c.bits)))
        .filter(|v| v.is_finite())
        .fold(0.1f64, f64::max);
    let labels: Vec<String> = configs.iter().map(|c| short_id(&c.config_id)).collect();
    render("spread", |root| {
        let mut chart = frame(root, title, 22, 70, 80)
            .build_cartesian_2d(-0.5..n as f64 - 0.5, 0.0..top * 1.35)?;
        configuration_mesh(&mut chart, &labels, "bits/symbol")?;
        let series: [(&str, Getter); 3] = [
            ("H_assessed (SP 800-90B)", |c| &c.h_assessed),
            ("Shannon", |c| &c.shannon),
            ("plug-in min-entropy", |c| &c.min_entropy),
        ];
        for (k, (name, get)) in series.into_iter().enumerate() {
            let c = colour(k);
            let dx = (k as f64 - 1.0) * 0.2;
            for (i, cfg) in configs.iter().enumerate() {
                let (lo, hi) = interval(get(cfg));
                chart.draw_series(v_bar(i as f64 + dx, lo, hi, 0.05, c))?;
            }
            chart
                .draw_series(
                    configs
                        .iter()
                        .enumerate()
                        .map(|(i, cfg)| Circle::new((i as f64 + dx, get(cfg).mean), 5, c.filled())),
                )?
                .label(name)
                .legend(move |(x, y)| Circle::new((x + 10, y), 5, c.filled()));
        }
        // The headroom above the data keeps the legend off it.
        legend(&mut chart, SeriesLabelPosition::UpperMiddle)?;
        Ok(())
    })
}

/// Each comparison's difference of means with its 95% CI (Welch); the dashed lines mark
/// ± the margin that matters.
pub fn comparison_plot(comparisons: &[Comparison], margin: f64) -> Result<String, ReportError> {
    let title = "Comparisons: difference of mean H_assessed with 95% CI (Welch); dashed: ± margin";
    let rows: Vec<&Comparison> = comparisons.iter().filter(|c| c.welch.is_some()).collect();
    if rows.is_empty() {
        return empty(
            "comparisons",
            title,
            "no comparison could be tested (fewer than 2 repetitions)",
        );
    }
    let n = rows.len();
    let (lo, hi) = rows
        .iter()
        .filter_map(|c| c.welch.as_ref())
        .fold((-margin, margin), |(a, b), w| {
            (a.min(w.ci_low), b.max(w.ci_high))
        });
    let pad = (hi - lo).max(1e-6) * 0.08;
    let labels: Vec<String> = rows
        .iter()
        .map(|c| format!("{} − {}", short_id(&c.subject), short_id(&c.reference)))
        .collect();
    let height = (120 + 34 * n as u32).max(300);
    super::render_sized("comparisons", (1100, height), |root| {
        let mut chart = frame(root, title, 20, 55, 260)
            .build_cartesian_2d(lo - pad..hi + pad, -0.5..n as f64 - 0.5)?;
        chart
            .configure_mesh()
            .y_labels(n.max(2))
            .y_label_formatter(&|v| {
                category_at(*v, n)
                    .map(|i| labels[i].clone())
                    .unwrap_or_default()
            })
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 16))
            .x_desc("difference (bits/symbol): subject − reference")
            .draw()?;
        chart.draw_series([PathElement::new(
            vec![(0.0, -0.5), (0.0, n as f64 - 0.5)],
            BLACK.stroke_width(1),
        )])?;
        for m in [margin, -margin] {
            chart.draw_series(DashedLineSeries::new(
                [(m, -0.5), (m, n as f64 - 0.5)],
                6,
                4,
                colour(7).stroke_width(1),
            ))?;
        }
        for (i, c) in rows.iter().enumerate() {
            let Some(w) = &c.welch else { continue };
            let y = i as f64;
            let col = match c.verdict {
                kqent_analysis::inference::Verdict::More => colour(2),
                kqent_analysis::inference::Verdict::Less => colour(3),
                _ => colour(7),
            };
            let s = col.stroke_width(2);
            chart.draw_series([
                PathElement::new(vec![(w.ci_low, y), (w.ci_high, y)], s),
                PathElement::new(vec![(w.ci_low, y - 0.15), (w.ci_low, y + 0.15)], s),
                PathElement::new(vec![(w.ci_high, y - 0.15), (w.ci_high, y + 0.15)], s),
            ])?;
            chart.draw_series([Circle::new((w.diff, y), 5, col.filled())])?;
        }
        Ok(())
    })
}

/// The RNG designer's trade-off: bits per sample against samples per second (log x), each
/// with its 95% CI, and dashed iso-rate lines (bits/s constant) across them.
pub fn rate_plot(configs: &[ConfigStats]) -> Result<String, ReportError> {
    let title = "Entropy per sample against samples per second (dashed: constant bits/s)";
    let pts: Vec<(&ConfigStats, &Spread)> = configs
        .iter()
        .filter_map(|c| c.rate.as_ref().map(|r| (c, &r.samples_per_s)))
        .filter(|(_, s)| s.mean > 0.0)
        .collect();
    if pts.is_empty() {
        return empty(
            "rate",
            title,
            "no collection times recorded (symbol files or old results)",
        );
    }
    let x_lo = pts
        .iter()
        .map(|(_, s)| interval(s).0.max(s.mean / 10.0))
        .fold(f64::INFINITY, f64::min);
    let x_hi = pts
        .iter()
        .map(|(_, s)| interval(s).1)
        .fold(0.0f64, f64::max);
    let (x0, x1) = (x_lo / 2.0, x_hi * 2.0);
    let y_top = pts
        .iter()
        .map(|(c, _)| interval(&c.h_assessed).1)
        .chain(pts.iter().map(|(c, _)| f64::from(c.bits)))
        .fold(0.1f64, f64::max)
        * 1.3;
    render("rate", |root| {
        let mut chart =
            frame(root, title, 20, 60, 80).build_cartesian_2d((x0..x1).log_scale(), 0.0..y_top)?;
        chart
            .configure_mesh()
            .label_style((FONT, 15))
            .axis_desc_style((FONT, 16))
            .x_label_formatter(&|v| super::si(*v))
            .x_desc("samples per second of collection (log scale)")
            .y_desc("H_assessed (bits/sample)")
            .draw()?;
        // Iso-rate lines: y = R / x for R at each power of ten that crosses the plot.
        let r_lo = (x0 * y_top / 200.0).log10().floor() as i32;
        let r_hi = (x1 * y_top).log10().ceil() as i32;
        for e in r_lo..=r_hi {
            let r = 10f64.powi(e);
            let line: Vec<(f64, f64)> = (0..=60)
                .map(|i| x0 * (x1 / x0).powf(f64::from(i) / 60.0))
                .map(|x| (x, r / x))
                .filter(|&(_, y)| y <= y_top && y >= 0.0)
                .collect();
            if line.len() < 2 {
                continue;
            }
            chart.draw_series(DashedLineSeries::new(
                line.clone(),
                5,
                5,
                colour(7).mix(0.6).stroke_width(1),
            ))?;
            if let Some(&(x, y)) = line.first() {
                chart.draw_series([Text::new(
                    rate(r),
                    (x * 1.05, y.min(y_top * 0.97)),
                    (FONT, 13).into_font().color(&colour(7)),
                )])?;
            }
        }
        for (i, (c, s)) in pts.iter().enumerate() {
            let col = colour(i);
            let (ylo, yhi) = interval(&c.h_assessed);
            let (xlo, xhi) = interval(s);
            let st = col.stroke_width(2);
            chart.draw_series([
                PathElement::new(vec![(s.mean, ylo), (s.mean, yhi)], st),
                PathElement::new(
                    vec![
                        (xlo.max(x0), c.h_assessed.mean),
                        (xhi.min(x1), c.h_assessed.mean),
                    ],
                    st,
                ),
            ])?;
            let id = short_id(&c.config_id);
            chart
                .draw_series([Circle::new((s.mean, c.h_assessed.mean), 5, col.filled())])?
                .label(id)
                .legend(move |(x, y)| Circle::new((x + 10, y), 5, col.filled()));
        }
        legend(&mut chart, SeriesLabelPosition::UpperRight)?;
        Ok(())
    })
}

/// Each configuration's H_assessed per bit of symbol width under each extraction of the
/// same traces, with 95% CIs.
pub fn extraction_plot(rows: &[ExtractionStats]) -> Result<String, ReportError> {
    let title = "Extractions of the same traces: H_assessed per bit of symbol width, 95% CI";
    if rows.is_empty() {
        return empty("extractions", title, "one extraction only");
    }
    let mut ids: Vec<&str> = Vec::new();
    let mut methods: Vec<String> = Vec::new();
    for r in rows {
        if !ids.contains(&r.config_id.as_str()) {
            ids.push(&r.config_id);
        }
        let m = r.extraction.to_string();
        if !methods.contains(&m) {
            methods.push(m);
        }
    }
    let n = ids.len();
    let labels: Vec<String> = ids.iter().map(|i| short_id(i)).collect();
    let k = methods.len().max(1) as f64;
    render("extractions", |root| {
        let mut chart =
            frame(root, title, 20, 70, 80).build_cartesian_2d(-0.5..n as f64 - 0.5, 0.0..1.4)?;
        configuration_mesh(&mut chart, &labels, "H_assessed / symbol width (bits/bit)")?;
        for (j, m) in methods.iter().enumerate() {
            let col = colour(j);
            let dx = (j as f64 - (k - 1.0) / 2.0) * (0.6 / k);
            let mine: Vec<(f64, &ExtractionStats)> = rows
                .iter()
                .filter(|r| r.extraction.to_string() == *m)
                .filter_map(|r| {
                    ids.iter()
                        .position(|i| *i == r.config_id)
                        .map(|i| (i as f64 + dx, r))
                })
                .collect();
            for (x, r) in &mine {
                let (lo, hi) = interval(&r.per_bit);
                chart.draw_series(v_bar(*x, lo, hi, 0.04, col))?;
            }
            chart
                .draw_series(
                    mine.iter()
                        .map(|(x, r)| Circle::new((*x, r.per_bit.mean), 5, col.filled())),
                )?
                .label(m.clone())
                .legend(move |(x, y)| Circle::new((x + 10, y), 5, col.filled()));
        }
        legend(&mut chart, SeriesLabelPosition::UpperMiddle)?;
        Ok(())
    })
}
