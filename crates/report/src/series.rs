//! Sweep-level series: H_assessed against one knob, one line per value of another, and a
//! grid over two knobs. Each point is the mean, over every configuration sharing those knob
//! values (so averaged over the other knobs), of the configurations' mean H_assessed.

use serde::{Deserialize, Serialize};

use crate::aggregate::ConfigSummary;
use crate::schema::Knobs;

/// The numeric knobs a sweep plots against, with their names and units.
pub const NUMERIC_KNOBS: [(&str, &str); 6] = [
    ("num_timers", "timers"),
    ("num_sockets", "socket pairs"),
    ("num_file_watchers", "watched files"),
    ("timeout_ms", "ms"),
    ("poke_interval_us", "µs"),
    ("warmup", "calls"),
];

/// Value of numeric knob `name` (one of [`NUMERIC_KNOBS`]).
pub fn knob_value(k: &Knobs, name: &str) -> Option<u64> {
    Some(match name {
        "num_timers" => k.num_timers,
        "num_sockets" => k.num_sockets,
        "num_file_watchers" => k.num_file_watchers,
        "timeout_ms" => k.timeout_ms,
        "poke_interval_us" => k.poke_interval_us,
        "warmup" => k.warmup,
        _ => return None,
    })
}

/// Numeric knobs taking two or more values across `summaries`, in [`NUMERIC_KNOBS`] order.
pub fn varying_knobs(summaries: &[ConfigSummary]) -> Vec<&'static str> {
    NUMERIC_KNOBS
        .iter()
        .map(|(n, _)| *n)
        .filter(|n| distinct(summaries, n).len() > 1)
        .collect()
}

fn distinct(summaries: &[ConfigSummary], name: &str) -> Vec<u64> {
    let mut v: Vec<u64> = summaries
        .iter()
        .filter_map(|s| s.knobs.as_ref().and_then(|k| knob_value(k, name)))
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// One line: H_assessed against `x` for a fixed value of the line knob.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Line {
    /// The line knob's value (`None` when there is no line knob).
    pub value: Option<u64>,
    /// (x, mean H_assessed) points, x ascending.
    pub points: Vec<(u64, f64)>,
}

/// H_assessed against `x`, one [`Line`] per value of `by` (or a single line).
pub fn knob_series(summaries: &[ConfigSummary], x: &str, by: Option<&str>) -> Vec<Line> {
    let xs = distinct(summaries, x);
    let lines: Vec<Option<u64>> = match by {
        Some(b) => distinct(summaries, b).into_iter().map(Some).collect(),
        None => vec![None],
    };
    lines
        .into_iter()
        .map(|lv| Line {
            value: lv,
            points: xs
                .iter()
                .filter_map(|&xv| {
                    mean_where(summaries, |k| {
                        knob_value(k, x) == Some(xv)
                            && match (by, lv) {
                                (Some(b), Some(v)) => knob_value(k, b) == Some(v),
                                _ => true,
                            }
                    })
                    .map(|h| (xv, h))
                })
                .collect(),
        })
        .collect()
}

fn mean_where(summaries: &[ConfigSummary], keep: impl Fn(&Knobs) -> bool) -> Option<f64> {
    let v: Vec<f64> = summaries
        .iter()
        .filter(|s| s.knobs.as_ref().is_some_and(&keep))
        .map(|s| s.h_assessed.mean)
        .collect();
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

/// Mean H_assessed over a grid of two knobs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Grid {
    /// Knob along x.
    pub x: String,
    /// Knob along y.
    pub y: String,
    /// x values, ascending.
    pub xs: Vec<u64>,
    /// y values, ascending.
    pub ys: Vec<u64>,
    /// `cells[j][i]` is the mean H_assessed at (xs[i], ys[j]); `None` where no
    /// configuration has those values.
    pub cells: Vec<Vec<Option<f64>>>,
}

/// The grid of mean H_assessed over knobs `x` and `y`.
pub fn grid(summaries: &[ConfigSummary], x: &str, y: &str) -> Grid {
    let xs = distinct(summaries, x);
    let ys = distinct(summaries, y);
    let cells = ys
        .iter()
        .map(|&yv| {
            xs.iter()
                .map(|&xv| {
                    mean_where(summaries, |k| {
                        knob_value(k, x) == Some(xv) && knob_value(k, y) == Some(yv)
                    })
                })
                .collect()
        })
        .collect();
    Grid {
        x: x.to_string(),
        y: y.to_string(),
        xs,
        ys,
        cells,
    }
}

/// One bar of the estimator chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EstimatorBar {
    /// Estimator name, prefixed `bit:` when it ran on the bitstring.
    pub label: String,
    /// Its estimate in bits per symbol (bitstring estimates multiplied by the width).
    pub h: f64,
    /// Whether it ran on the bitstring.
    pub bitstring: bool,
}

/// The estimates of an assessment as bars in bits per symbol, symbols first; estimators
/// without an estimate are left out.
pub fn estimator_bars(a: &kqent_analysis::assess::Assessment) -> Vec<EstimatorBar> {
    let on_symbols = a.original.iter().filter_map(|r| {
        r.h().map(|h| EstimatorBar {
            label: r.estimator.display_name().to_string(),
            h,
            bitstring: false,
        })
    });
    let on_bits = a.bitstring.iter().filter_map(|r| {
        r.h().map(|h| EstimatorBar {
            label: format!("bit:{}", r.estimator.display_name()),
            h: h * f64::from(a.bits),
            bitstring: true,
        })
    });
    on_symbols.chain(on_bits).collect()
}
