//! Sweep-level series: H_assessed against one knob, one line per value of another, and a
//! grid over two knobs. Each point is the mean, over every configuration sharing those knob
//! values (so averaged over the other knobs), of the configurations' mean H_assessed.

use serde::{Deserialize, Serialize};

use crate::aggregate::ConfigSummary;
use kqent_schema::Knobs;

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
        "num_timers" => u64::from(k.num_timers),
        "num_sockets" => u64::from(k.num_sockets),
        "num_file_watchers" => u64::from(k.num_file_watchers),
        "timeout_ms" => u64::from(k.timeout_ms),
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
    /// Its points, x ascending.
    pub points: Vec<KnobPoint>,
}

/// One point of a [`Line`]: the mean over the configurations at this x (each weighted once,
/// by its mean over repetitions) and the spread of their runs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct KnobPoint {
    /// The knob's value.
    pub x: u64,
    /// Mean H_assessed of the configurations.
    pub mean: f64,
    /// The lowest H_assessed of any of their runs.
    pub lowest: f64,
    /// The highest H_assessed of any of their runs.
    pub highest: f64,
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
                    point_where(xv, summaries, |k| {
                        knob_value(k, x) == Some(xv)
                            && match (by, lv) {
                                (Some(b), Some(v)) => knob_value(k, b) == Some(v),
                                _ => true,
                            }
                    })
                })
                .collect(),
        })
        .collect()
}

/// The point at `x` over the configurations whose knobs `keep` accepts; `None` when there
/// are none.
fn point_where(
    x: u64,
    summaries: &[ConfigSummary],
    keep: impl Fn(&Knobs) -> bool,
) -> Option<KnobPoint> {
    let kept: Vec<&ConfigSummary> = summaries
        .iter()
        .filter(|s| s.knobs.as_ref().is_some_and(&keep))
        .collect();
    (!kept.is_empty()).then(|| KnobPoint {
        x,
        mean: kept.iter().map(|s| s.h_assessed.mean).sum::<f64>() / kept.len() as f64,
        lowest: kept
            .iter()
            .map(|s| s.h_assessed.min)
            .fold(f64::MAX, f64::min),
        highest: kept
            .iter()
            .map(|s| s.h_assessed.max)
            .fold(f64::MIN, f64::max),
    })
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
    /// `cells[j][i]` is the mean H_assessed at (`xs[i]`, `ys[j]`); `None` where no
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
                    point_where(xv, summaries, |k| {
                        knob_value(k, x) == Some(xv) && knob_value(k, y) == Some(yv)
                    })
                    .map(|p| p.mean)
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
    /// Short estimator name (`MCV`, `t-Tuple`, `MMC`, ...).
    pub label: String,
    /// Its estimate in bits per symbol (bitstring estimates multiplied by the width).
    pub h: f64,
    /// Whether it ran on the bitstring.
    pub bitstring: bool,
}

/// A name short enough to label a bar.
pub fn short_name(e: kqent_analysis::Estimator) -> &'static str {
    use kqent_analysis::Estimator as E;
    match e {
        E::Mcv => "MCV",
        E::Collision => "Collision",
        E::Markov => "Markov",
        E::Compression => "Compress",
        E::TTuple => "t-Tuple",
        E::Lrs => "LRS",
        E::MultiMcw => "MCW",
        E::Lag => "Lag",
        E::MultiMmc => "MMC",
        E::Lz78y => "LZ78Y",
    }
}

/// The estimates of an assessment as bars in bits per symbol, symbols first; estimators
/// without an estimate are left out.
pub fn estimator_bars(a: &kqent_analysis::assess::Assessment) -> Vec<EstimatorBar> {
    let on_symbols = a.original.iter().filter_map(|r| {
        r.h().map(|h| EstimatorBar {
            label: short_name(r.estimator).to_string(),
            h,
            bitstring: false,
        })
    });
    let on_bits = a.bitstring.iter().filter_map(|r| {
        r.h().map(|h| EstimatorBar {
            label: short_name(r.estimator).to_string(),
            h: h * f64::from(a.bits),
            bitstring: true,
        })
    });
    on_symbols.chain(on_bits).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::{ConfigSummary, MinMeanMax};
    use kqent_pipeline::fixture::knobs;

    fn summary(t: u32, s: u32, w: u32, h: f64) -> ConfigSummary {
        let k = knobs(t, s, w);
        ConfigSummary {
            config_id: kqent_schema::config_id(&k),
            knobs: Some(k),
            repetitions: vec![1],
            h_assessed: MinMeanMax {
                min: h,
                mean: h,
                max: h,
            },
            shannon: MinMeanMax {
                min: h,
                mean: h,
                max: h,
            },
            max_abs_autocorr: None,
            iid_passed: None,
            worst: 0,
        }
    }

    #[test]
    fn series_and_grid_average_over_other_knobs() {
        // h = t + 10 s + 100 w.
        let mut v = Vec::new();
        for t in [0, 4] {
            for s in [0, 2] {
                for w in [0, 1] {
                    v.push(summary(t, s, w, (t + 10 * s + 100 * w) as f64));
                }
            }
        }
        assert_eq!(
            varying_knobs(&v),
            vec!["num_timers", "num_sockets", "num_file_watchers"]
        );
        let lines = knob_series(&v, "num_timers", Some("num_sockets"));
        assert_eq!(lines.len(), 2);
        // s = 2: mean over w of t + 20 + 100 w = t + 70.
        assert_eq!(lines[1].value, Some(2));
        let means = |l: &Line| l.points.iter().map(|p| (p.x, p.mean)).collect::<Vec<_>>();
        assert_eq!(means(&lines[1]), vec![(0, 70.0), (4, 74.0)]);
        let single = knob_series(&v, "num_file_watchers", None);
        assert_eq!(means(&single[0]), vec![(0, 12.0), (1, 112.0)]);
        let g = grid(&v, "num_timers", "num_file_watchers");
        assert_eq!((g.xs.clone(), g.ys.clone()), (vec![0, 4], vec![0, 1]));
        assert_eq!(g.cells[1][1], Some(4.0 + 10.0 + 100.0));
        let sparse = grid(&v[..1], "num_timers", "num_sockets");
        assert_eq!(sparse.cells, vec![vec![Some(0.0)]]);
    }

    #[test]
    fn a_point_spans_the_lowest_to_the_highest_run_of_its_configurations() {
        // Two configurations at t = 4 (s = 0 and s = 2), each with a spread over its runs.
        let mut a = summary(4, 0, 0, 2.0);
        a.h_assessed = MinMeanMax {
            min: 1.5,
            mean: 2.0,
            max: 2.25,
        };
        let mut b = summary(4, 2, 0, 3.0);
        b.h_assessed = MinMeanMax {
            min: 2.75,
            mean: 3.0,
            max: 3.5,
        };
        let c = summary(0, 0, 0, 1.0);
        let line = &knob_series(&[a, b, c], "num_timers", None)[0];
        assert_eq!(
            line.points,
            vec![
                KnobPoint {
                    x: 0,
                    mean: 1.0,
                    lowest: 1.0,
                    highest: 1.0
                },
                KnobPoint {
                    x: 4,
                    mean: 2.5,
                    lowest: 1.5,
                    highest: 3.5
                }
            ]
        );
    }

    #[test]
    fn estimator_bars_scale_bitstring_estimates() {
        let r = kqent_pipeline::fixture::synthetic_result(&knobs(1, 0, 0), 1, 1, 4, 500).unwrap();
        let mut a = r.assessment.clone();
        a.bitstring = vec![kqent_analysis::EstimatorResult::estimate(
            kqent_analysis::Estimator::Lag,
            0.5,
            vec![],
        )];
        a.original
            .push(kqent_analysis::EstimatorResult::not_applicable(
                kqent_analysis::Estimator::Markov,
                "binary only",
            ));
        let bars = estimator_bars(&a);
        assert_eq!(bars.len(), 2);
        assert_eq!(
            (bars[1].label.as_str(), bars[1].h, bars[1].bitstring),
            ("Lag", 2.0, true)
        );
    }
}
