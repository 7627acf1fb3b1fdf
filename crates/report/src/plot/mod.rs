//! SVG plots drawn with plotters' SVG backend. Each function draws the data it is given
//! (every figure is computed beforehand, in `kqent_analysis::stats` or this crate's pure
//! modules) and returns the SVG text.

mod config;
mod stats;
mod sweep;

pub use config::{
    autocorrelation_plot, block_entropy_plot, duration_histogram_plot, estimator_plot, lag_plot,
    symbol_histogram_plot,
};
pub use stats::{comparison_plot, extraction_plot, rate_plot, short_id, spread_plot};
pub use sweep::{heatmap_plot, kind_comparison_plot, knob_lines_plot};

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::ReportError;

/// Width and height of every plot, px.
pub const SIZE: (u32, u32) = (1100, 480);

pub(crate) type DrawResult = Result<(), Box<dyn std::error::Error>>;

pub(crate) const FONT: &str = "sans-serif";

/// The frame every plot shares: a caption of `title_px` px, a 12 px margin, and label areas
/// of `x_area` (below) and `y_area` (left) px.
pub(crate) fn frame<'a, 'b>(
    root: &'a DrawingArea<SVGBackend<'b>, Shift>,
    title: &str,
    title_px: u32,
    x_area: u32,
    y_area: u32,
) -> ChartBuilder<'a, 'b, SVGBackend<'b>> {
    let mut builder = ChartBuilder::on(root);
    builder
        .caption(title, (FONT, title_px))
        .margin(12)
        .x_label_area_size(x_area)
        .y_label_area_size(y_area);
    builder
}

/// Draws the series legend at `position`, boxed on a translucent white background.
pub(crate) fn legend<'a, 'b: 'a, CT: plotters::coord::CoordTranslate>(
    chart: &mut ChartContext<'a, SVGBackend<'b>, CT>,
    position: SeriesLabelPosition,
) -> DrawResult {
    chart
        .configure_series_labels()
        .border_style(BLACK)
        .background_style(WHITE.mix(0.8))
        .position(position)
        .draw()?;
    Ok(())
}

/// Runs `draw` on a fresh SVG canvas and returns the document.
pub(crate) fn render(
    name: &str,
    draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> DrawResult,
) -> Result<String, ReportError> {
    render_sized(name, SIZE, draw)
}

/// A number with an SI prefix and 3 significant figures: `1.23k`, `45.0M`.
pub(crate) fn si(v: f64) -> String {
    let a = v.abs();
    let (scale, p) = if a >= 1e9 {
        (1e9, "G")
    } else if a >= 1e6 {
        (1e6, "M")
    } else if a >= 1e3 {
        (1e3, "k")
    } else {
        (1.0, "")
    };
    let x = v / scale;
    let digits = if x.abs() >= 100.0 {
        0
    } else if x.abs() >= 10.0 {
        1
    } else {
        2
    };
    format!("{x:.digits$}{p}")
}

/// A duration in ns written as ns, µs, ms or s with 3 significant figures.
pub(crate) fn duration_label(ns: f64) -> String {
    let a = ns.abs();
    let (scale, unit) = if a >= 1e9 {
        (1e9, "s")
    } else if a >= 1e6 {
        (1e6, "ms")
    } else if a >= 1e3 {
        (1e3, "µs")
    } else {
        (1.0, "ns")
    };
    let x = ns / scale;
    let digits = if x.abs() >= 100.0 || unit == "ns" {
        0
    } else if x.abs() >= 10.0 {
        1
    } else {
        2
    };
    format!("{x:.digits$} {unit}")
}

/// [`render`] on a canvas of `size` px.
pub(crate) fn render_sized(
    name: &str,
    size: (u32, u32),
    draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> DrawResult,
) -> Result<String, ReportError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        let result = root
            .fill(&WHITE)
            .map_err(|e| e.into())
            .and_then(|()| draw(&root))
            .and_then(|()| root.present().map_err(|e| e.into()));
        result.map_err(|e| ReportError::Plot {
            name: name.to_string(),
            message: e.to_string(),
        })?;
    }
    Ok(svg)
}

/// A plot that says there is nothing to draw, so the page keeps its layout.
pub(crate) fn empty(name: &str, title: &str, why: &str) -> Result<String, ReportError> {
    render(name, |root| {
        root.titled(title, (FONT, 18))?
            .draw(&Text::new(why.to_string(), (40, 60), (FONT, 14)))?;
        Ok(())
    })
}

/// A palette of distinguishable colours for lines and bars.
/// The bar index a tick at `x` labels on a categorical axis (bars centred on 0, 1, ...,
/// `n - 1`); `None` for ticks between bars or outside them.
pub(crate) fn category_at(x: f64, n: usize) -> Option<usize> {
    let i = x.round();
    ((x - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < n).then_some(i as usize)
}

pub(crate) fn colour(i: usize) -> RGBColor {
    const C: [RGBColor; 8] = [
        RGBColor(31, 119, 180),
        RGBColor(255, 127, 14),
        RGBColor(44, 160, 44),
        RGBColor(214, 39, 40),
        RGBColor(148, 103, 189),
        RGBColor(140, 86, 75),
        RGBColor(227, 119, 194),
        RGBColor(127, 127, 127),
    ];
    C[i % C.len()]
}

/// A vertical error bar with caps at `x` from `lo` to `hi`, in data coordinates (`cap` is
/// the half-width of the caps in x units).
pub(super) fn v_bar(
    x: f64,
    lo: f64,
    hi: f64,
    cap: f64,
    c: RGBColor,
) -> Vec<PathElement<(f64, f64)>> {
    let s = c.stroke_width(2);
    vec![
        PathElement::new(vec![(x, lo), (x, hi)], s),
        PathElement::new(vec![(x - cap, lo), (x + cap, lo)], s),
        PathElement::new(vec![(x - cap, hi), (x + cap, hi)], s),
    ]
}
