//! Plots of one configuration.

use kqent_analysis::stats::{Autocorrelation, BlockEntropy, DurationStats};
use plotters::prelude::*;

use super::{category_at, colour, duration_label, empty, frame, legend, render, FONT};
use crate::series::EstimatorBar;
use crate::ReportError;

/// Histogram of the raw durations on a log x axis. The axis is drawn in log10 units and
/// labelled with the durations themselves.
pub fn duration_histogram_plot(d: &DurationStats) -> Result<String, ReportError> {
    let title = "How long wait calls took (raw durations, log scale)";
    let (Some(first), Some(last)) = (d.histogram.first(), d.histogram.last()) else {
        return empty("durations", title, "no non-zero duration");
    };
    if !(first.lo > 0.0 && last.hi > first.lo && last.hi.is_finite()) {
        return empty(
            "durations",
            title,
            "histogram bins are not positive and increasing",
        );
    }
    let ymax = d
        .histogram
        .iter()
        .map(|b| b.count)
        .max()
        .unwrap_or(1)
        .max(1);
    render("durations", |root| {
        let mut chart = frame(root, title, 18, 40, 70).build_cartesian_2d(
            first.lo.log10()..last.hi.log10(),
            0u64..ymax + ymax / 20 + 1,
        )?;
        chart
            .configure_mesh()
            .x_labels(8)
            .x_label_formatter(&|v| duration_label(10f64.powf(*v)))
            .x_desc("wait-call duration (log scale)")
            .y_desc("wait calls")
            .draw()?;
        chart.draw_series(d.histogram.iter().map(|b| {
            Rectangle::new(
                [(b.lo.log10(), 0), (b.hi.log10(), b.count)],
                colour(0).filled(),
            )
        }))?;
        Ok(())
    })
}

/// Count of each symbol value.
pub fn symbol_histogram_plot(histogram: &[u64], bits: u8) -> Result<String, ReportError> {
    let title = format!("How often each {bits}-bit symbol occurs");
    if histogram.is_empty() {
        return empty("symbols", &title, "no symbols");
    }
    let ymax = histogram.iter().copied().max().unwrap_or(1).max(1);
    let k = histogram.len() as u32;
    render("symbols", |root| {
        let mut chart = frame(root, &title, 18, 40, 70)
            .build_cartesian_2d(0u32..k, 0u64..ymax + ymax / 20 + 1)?;
        chart
            .configure_mesh()
            .x_desc("symbol value")
            .y_desc("occurrences")
            .draw()?;
        chart.draw_series(histogram.iter().enumerate().map(|(v, &c)| {
            Rectangle::new([(v as u32, 0), (v as u32 + 1, c)], colour(0).filled())
        }))?;
        Ok(())
    })
}

/// Autocorrelation per lag with the ±2/sqrt(n) band.
pub fn autocorrelation_plot(a: Option<&Autocorrelation>) -> Result<String, ReportError> {
    let title = "Autocorrelation of the symbols by lag (dashed: ±2/√n white-noise band)";
    let Some(a) = a else {
        return empty(
            "autocorrelation",
            title,
            "undefined: the symbols are constant",
        );
    };
    // |r_k| <= 1 and the band 2/sqrt(n) <= 2: a document claiming more (or NaN) must not
    // make the axis, and plotters' tick search with it, unbounded.
    let lim = (a.max_abs.max(a.band) * 1.15).clamp(1e-3, 2.5);
    let lim = if lim.is_finite() { lim } else { 2.5 };
    let lags = a.r.len() as f64;
    render("autocorrelation", |root| {
        let mut chart =
            frame(root, title, 16, 40, 70).build_cartesian_2d(0.0..lags + 1.0, -lim..lim)?;
        chart
            .configure_mesh()
            .x_label_formatter(&|v| format!("{v:.0}"))
            .x_desc("lag k (samples)")
            .y_desc("r_k (dimensionless)")
            .draw()?;
        chart.draw_series(a.r.iter().enumerate().map(|(i, &r)| {
            let k = (i + 1) as f64;
            let c = if r.abs() > a.band {
                colour(3)
            } else {
                colour(0)
            };
            Rectangle::new([(k - 0.3, 0.0), (k + 0.3, r)], c.filled())
        }))?;
        for b in [a.band, -a.band] {
            chart.draw_series(DashedLineSeries::new(
                [(0.0, b), (lags + 1.0, b)],
                6,
                4,
                colour(7).stroke_width(1),
            ))?;
        }
        Ok(())
    })
}

/// Lag plot: each duration against the next, on log axes (durations span decades: a
/// ready wait takes microseconds, a timeout milliseconds). Zero durations sit at 1 ns.
pub fn lag_plot(pairs: &[[u64; 2]]) -> Result<String, ReportError> {
    let title = "Each duration against the next (lag plot, log axes): structure means dependence";
    let lo = pairs.iter().flatten().copied().min();
    let hi = pairs.iter().flatten().copied().max();
    let (Some(lo), Some(hi)) = (lo, hi) else {
        return empty("lag", title, "no duration pairs in this result");
    };
    let lo = lo.max(1) as f64 / 1.2;
    let hi = (hi.max(1) as f64 * 1.2).max(lo * 2.0);
    render("lag", |root| {
        let mut chart = frame(root, title, 16, 40, 80)
            .build_cartesian_2d((lo..hi).log_scale(), (lo..hi).log_scale())?;
        chart
            .configure_mesh()
            .x_label_formatter(&|v| duration_label(*v))
            .y_label_formatter(&|v| duration_label(*v))
            .x_desc("duration d_i (log scale)")
            .y_desc("next duration d_i+1 (log scale)")
            .draw()?;
        chart.draw_series(pairs.iter().map(|p| {
            Circle::new(
                (p[0].max(1) as f64, p[1].max(1) as f64),
                2,
                colour(0).mix(0.5).filled(),
            )
        }))?;
        Ok(())
    })
}

/// Entropy of each block over time.
pub fn block_entropy_plot(blocks: &[BlockEntropy], bits: u8) -> Result<String, ReportError> {
    let title = "Entropy per block over time (drift shows as a slope)";
    let Some(last) = blocks.last() else {
        return empty("blocks", title, "no blocks");
    };
    let xmax = (last.start + last.len).max(1);
    render("blocks", |root| {
        let mut chart = frame(root, title, 18, 40, 70)
            .build_cartesian_2d(0u64..xmax, 0.0..f64::from(bits.max(1)) * 1.05)?;
        chart
            .configure_mesh()
            .x_desc("block start (sample index)")
            .y_desc("entropy (bits/symbol)")
            .draw()?;
        for (i, (name, get)) in [
            (
                "Shannon",
                (|b: &BlockEntropy| b.shannon) as fn(&BlockEntropy) -> f64,
            ),
            ("plug-in min-entropy", |b: &BlockEntropy| b.min_entropy),
        ]
        .into_iter()
        .enumerate()
        {
            let c = colour(i);
            chart
                .draw_series(
                    LineSeries::new(blocks.iter().map(|b| (b.start, get(b))), c.stroke_width(2))
                        .point_size(3),
                )?
                .label(name)
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], c.stroke_width(2)));
        }
        legend(&mut chart, SeriesLabelPosition::LowerRight)?;
        Ok(())
    })
}

/// Each estimator's estimate (bits/symbol) with the H_assessed line.
pub fn estimator_plot(
    bars: &[EstimatorBar],
    h_assessed: f64,
    bits: u8,
) -> Result<String, ReportError> {
    let title = "SP 800-90B estimates per estimator (red line: H_assessed, the minimum)";
    if bars.is_empty() {
        return empty("estimators", title, "no estimator produced an estimate");
    }
    let n = bars.len();
    // Room for every bar even if a hand-edited file claims more than `bits`.
    let top = bars
        .iter()
        .map(|b| b.h)
        .chain([h_assessed, f64::from(bits)])
        .filter(|h| h.is_finite())
        .fold(1.0f64, f64::max);
    render("estimators", |root| {
        let mut chart = frame(root, title, 16, 60, 70)
            .build_cartesian_2d(-0.5..n as f64 - 0.5, 0.0..top * 1.3)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n)
            .x_label_formatter(&|x| {
                category_at(*x, n)
                    .map(|i| bars[i].label.clone())
                    .unwrap_or_default()
            })
            .x_label_style((FONT, 10))
            .x_desc("estimator")
            .y_desc("min-entropy (bits/symbol)")
            .draw()?;
        for (on_bits, name) in [
            (false, "on the symbols"),
            (true, "on the bitstring (x width)"),
        ] {
            let c = if on_bits { colour(1) } else { colour(0) };
            let series = bars
                .iter()
                .enumerate()
                .filter(|(_, b)| b.bitstring == on_bits);
            if series.clone().next().is_none() {
                continue;
            }
            chart
                .draw_series(series.map(|(i, b)| {
                    let x = i as f64;
                    Rectangle::new([(x - 0.35, 0.0), (x + 0.35, b.h)], c.filled())
                }))?
                .label(name)
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], c.filled()));
        }
        chart
            .draw_series(LineSeries::new(
                [(-0.5, h_assessed), (n as f64 - 0.5, h_assessed)],
                colour(3).stroke_width(2),
            ))?
            .label("H_assessed")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 14, y)], colour(3).stroke_width(2)));
        legend(&mut chart, SeriesLabelPosition::UpperRight)?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn durations_are_labelled_in_their_unit() {
        use crate::plot::duration_label;
        assert_eq!(duration_label(840.0), "840 ns");
        assert_eq!(duration_label(44_668.4), "44.7 µs");
        assert_eq!(duration_label(1_234_567.0), "1.23 ms");
        assert_eq!(duration_label(2.5e9), "2.50 s");
        assert_eq!(crate::plot::si(1_234_567.0), "1.23M");
    }
}
