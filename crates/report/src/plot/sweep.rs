//! Plots over a whole sweep.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{category_at, colour, empty, frame, legend, render, v_bar, FONT};
use crate::compare::KindComparison;
use crate::series::{Grid, Line};
use crate::ReportError;

/// H_assessed against knob `x` (unit `x_unit`), one line per value of knob `by`: each point
/// the mean over the other knobs' configurations, with a bar from the lowest to the highest
/// run among them (bars of different lines side by side, slightly apart).
pub fn knob_lines_plot(
    x: &str,
    x_unit: &str,
    by: Option<&str>,
    lines: &[Line],
) -> Result<String, ReportError> {
    let title = match by {
        Some(b) => format!(
            "H_assessed against {x}, one line per {b} (mean over other knobs; bars: lowest to highest run)"
        ),
        None => format!("H_assessed against {x} (mean over other knobs; bars: lowest to highest run)"),
    };
    let xs = lines.iter().flat_map(|l| l.points.iter().map(|p| p.x));
    let (Some(x0), Some(x1)) = (xs.clone().min(), xs.max()) else {
        return empty("knob", &title, "no configuration");
    };
    let (x0, x1) = (x0 as f64, (x1 as f64).max(x0 as f64 + 1.0));
    let ymax = lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p.highest.max(p.mean)))
        .fold(0.0f64, f64::max)
        .max(0.01);
    let span = x1 - x0;
    render("knob", |root| {
        let mut chart = frame(root, &title, 16, 40, 70)
            // Headroom above the data: the legend goes there, off the lines; room at the
            // sides for the bars of the first and last values.
            .build_cartesian_2d(x0 - 0.03 * span..x1 + 0.03 * span, 0.0..ymax * 1.5)?;
        chart
            .configure_mesh()
            .x_desc(format!("{x} ({x_unit})"))
            .y_desc("H_assessed (bits/symbol)")
            // Knob values are whole numbers: no tick label between them.
            .x_label_formatter(&|v| {
                if (v - v.round()).abs() < 1e-9 {
                    format!("{}", v.round())
                } else {
                    String::new()
                }
            })
            .draw()?;
        for (i, l) in lines.iter().enumerate() {
            let c = colour(i);
            let dx = (i as f64 - (lines.len() as f64 - 1.0) / 2.0) * 0.008 * span;
            for p in &l.points {
                chart.draw_series(v_bar(p.x as f64 + dx, p.lowest, p.highest, 0.004 * span, c))?;
            }
            let s = chart.draw_series(
                LineSeries::new(
                    l.points.iter().map(|p| (p.x as f64 + dx, p.mean)),
                    c.stroke_width(2),
                )
                .point_size(4),
            )?;
            if let (Some(b), Some(v)) = (by, l.value) {
                s.label(format!("{b} = {v}")).legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 20, y)], c.stroke_width(2))
                });
            }
        }
        if by.is_some() {
            legend(&mut chart, SeriesLabelPosition::UpperRight)?;
        }
        Ok(())
    })
}

/// Heatmap of mean H_assessed over two knobs; each cell is labelled with its value. The
/// colour scale runs from 0 to `full_scale` (the symbol width), not from the smallest to
/// the largest cell, so that small differences look small.
pub fn heatmap_plot(g: &Grid, full_scale: f64) -> Result<String, ReportError> {
    let title = format!(
        "Mean H_assessed (bits/symbol) over {} and {}; colour 0 to {full_scale} bits",
        g.x, g.y
    );
    if g.xs.is_empty() || g.ys.is_empty() {
        return empty("heatmap", &title, "no configuration");
    }
    let lo = 0.0;
    let span = if full_scale > 0.0 { full_scale } else { 1.0 };
    let (nx, ny) = (g.xs.len(), g.ys.len());
    let label = |vals: &[u64], v: &f64| {
        let i = v.round();
        if (v - i).abs() < 1e-6 && i >= 0.0 {
            vals.get(i as usize)
                .map(|x| x.to_string())
                .unwrap_or_default()
        } else {
            String::new()
        }
    };
    render("heatmap", |root| {
        let mut chart = frame(root, &title, 16, 40, 70)
            .build_cartesian_2d(-0.5..nx as f64 - 0.5, -0.5..ny as f64 - 0.5)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(nx)
            .y_labels(ny)
            .x_label_formatter(&|v| label(&g.xs, v))
            .y_label_formatter(&|v| label(&g.ys, v))
            .x_desc(g.x.as_str())
            .y_desc(g.y.as_str())
            .draw()?;
        let centred = TextStyle::from((FONT, 15).into_font())
            .color(&BLACK)
            .pos(Pos::new(HPos::Center, VPos::Center));
        for (j, row) in g.cells.iter().enumerate() {
            for (i, cell) in row.iter().enumerate() {
                let (x, y) = (i as f64, j as f64);
                let fill = match cell {
                    // Light to dark green: darker is more entropy.
                    Some(v) => {
                        let t = ((v - lo) / span).clamp(0.0, 1.0);
                        RGBColor(
                            (235.0 - 200.0 * t) as u8,
                            (245.0 - 110.0 * t) as u8,
                            (235.0 - 180.0 * t) as u8,
                        )
                    }
                    None => RGBColor(230, 230, 230),
                };
                chart.draw_series([Rectangle::new(
                    [(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)],
                    fill.filled(),
                )])?;
                let text = cell
                    .map(|v| format!("{v:.3}"))
                    .unwrap_or_else(|| "n/a".into());
                let style = if cell.is_some_and(|v| (v - lo) / span > 0.6) {
                    centred.color(&WHITE)
                } else {
                    centred.clone()
                };
                chart.draw_series([Text::new(text, (x, y), style)])?;
            }
        }
        Ok(())
    })
}

/// For each combination of kinds: each kind alone and the combination, side by side.
pub fn kind_comparison_plot(rows: &[KindComparison]) -> Result<String, ReportError> {
    let title = "Does combining event kinds add entropy? Each kind alone vs. together";
    if rows.is_empty() {
        return empty(
            "kinds",
            title,
            "the sweep has no single-kind configurations to compare",
        );
    }
    let n = rows.len();
    let ymax = rows
        .iter()
        .flat_map(|r| r.singles.iter().map(|s| s.2).chain([r.h_combined]))
        .fold(0.0f64, f64::max)
        .max(0.01);
    render("kinds", |root| {
        let mut chart = frame(root, title, 16, 50, 70)
            .build_cartesian_2d(-0.5..n as f64 - 0.5, 0.0..ymax * 1.5)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n)
            .x_label_formatter(&|x| {
                category_at(*x, n)
                    .map(|i| {
                        let c = rows[i].counts;
                        format!("{}t+{}s+{}w", c[0], c[1], c[2])
                    })
                    .unwrap_or_default()
            })
            .x_label_style((FONT, 10))
            .x_desc(
                "combination (timers t, socket pairs s, watched files w; other knobs in the table)",
            )
            .y_desc("mean H_assessed (bits/symbol)")
            .draw()?;
        let names = ["timers", "sockets", "watchers", "combined"];
        for (k, name) in names.iter().enumerate() {
            let c = colour(k);
            let bars: Vec<(f64, f64)> = rows
                .iter()
                .enumerate()
                .filter_map(|(i, r)| {
                    let h = if *name == "combined" {
                        Some(r.h_combined)
                    } else {
                        r.singles.iter().find(|s| s.0 == *name).map(|s| s.2)
                    };
                    h.map(|h| (i as f64 - 0.4 + 0.2 * k as f64, h))
                })
                .collect();
            chart
                .draw_series(
                    bars.into_iter()
                        .map(|(x, h)| Rectangle::new([(x, 0.0), (x + 0.18, h)], c.filled())),
                )?
                .label(if *name == "combined" {
                    "combined".to_string()
                } else {
                    format!("{name} alone")
                })
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], c.filled()));
        }
        legend(&mut chart, SeriesLabelPosition::UpperRight)?;
        Ok(())
    })
}
