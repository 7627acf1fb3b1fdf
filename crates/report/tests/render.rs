//! The renderers: every SVG parses as XML and is inlined in the HTML; the Markdown summary
//! matches its snapshot; the kind comparison and per-knob series are right on a sweep
//! built to have a known answer.

mod common;

use std::path::Path;

use kqent_report::overview::Overview;
use kqent_report::{html, markdown, plot};
use kqent_sweep::layout::load;

/// Compares `actual` with `tests/snapshots/<name>`; `UPDATE_SNAPSHOTS=1` rewrites it.
fn snapshot(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("{} missing: run with UPDATE_SNAPSHOTS=1", path.display()));
    assert_eq!(
        actual, expected,
        "snapshot {name} differs (UPDATE_SNAPSHOTS=1 to accept)"
    );
}

fn svgs(html: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<svg") {
        let end = rest[start..].find("</svg>").expect("unterminated svg") + start + "</svg>".len();
        out.push(&rest[start..end]);
        rest = &rest[end..];
    }
    out
}

#[test]
fn html_is_self_contained_and_every_svg_parses() {
    let dir = tempfile::tempdir().unwrap();
    common::make_sweep(dir.path(), 2);
    let loaded = load(dir.path()).unwrap();
    let o = Overview::new(&loaded);
    let page = html::render(&o).unwrap();
    // Whole page: well-formed enough to parse as XML once the doctype is dropped.
    let body = page.trim_start_matches("<!DOCTYPE html>\n");
    roxmltree::Document::parse(body).unwrap_or_else(|e| panic!("HTML is not well-formed: {e}"));
    let found = svgs(&page);
    // 8 configurations x 6 plots, 3 knob plots + 1 heatmap, the spread, rate and
    // comparison plots.
    assert_eq!(found.len(), 8 * 6 + 3 + 1 + 3);
    for svg in &found {
        let doc =
            roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("SVG does not parse: {e}"));
        assert_eq!(doc.root_element().tag_name().name(), "svg");
    }
    for forbidden in ["http://", "https://", "<script", "<link", "src="] {
        let hits: Vec<_> = page
            .match_indices(forbidden)
            .map(|(i, _)| &page[i..(i + 60).min(page.len())])
            .collect();
        // The SVG namespace URI is an identifier, not a fetch.
        let real: Vec<_> = hits
            .iter()
            .filter(|h| !h.starts_with("http://www.w3.org/2000/svg"))
            .collect();
        assert!(real.is_empty(), "page refers outside itself: {real:?}");
    }
    assert!(page.contains("Does combining event kinds add entropy?"));
    for c in &o.summaries {
        assert!(page.contains(&format!("id=\"{}\"", c.config_id)));
    }
}

#[test]
fn standalone_plots_parse_including_empty_ones() {
    let r = common::one_result(0, 0, 4, 1, 0); // constant low bits: no autocorrelation
    assert!(r.stats.autocorrelation.is_none());
    let d = r.durations.as_ref().unwrap();
    let plots = [
        plot::duration_histogram_plot(d).unwrap(),
        plot::symbol_histogram_plot(&r.stats.histogram, r.stats.bits).unwrap(),
        plot::autocorrelation_plot(None).unwrap(),
        plot::lag_plot(&[]).unwrap(),
        plot::block_entropy_plot(&[], 4).unwrap(),
        plot::estimator_plot(&[], 0.0, 4).unwrap(),
        plot::kind_comparison_plot(&[]).unwrap(),
    ];
    for p in plots {
        roxmltree::Document::parse(&p).unwrap();
        assert!(p.contains("<text"), "every plot has a title");
    }
}

#[test]
fn markdown_summary_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    common::make_sweep(dir.path(), 2);
    let loaded = load(dir.path()).unwrap();
    snapshot(
        "sweep_summary.md",
        &markdown::render(&Overview::new(&loaded)),
    );
}

#[test]
fn markdown_single_result_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("one.json");
    let mut r = common::one_result(8, 0, 0, 1, 3);
    r.knobs = None;
    r.config_id = "v1_uniform8".into();
    std::fs::write(&p, kqent_schema::json::to_json(&r).unwrap()).unwrap();
    let loaded = load(&p).unwrap();
    snapshot(
        "single_summary.md",
        &markdown::render(&Overview::new(&loaded)),
    );
}

#[test]
fn kind_comparison_on_a_sweep_with_a_known_answer() {
    let dir = tempfile::tempdir().unwrap();
    common::make_sweep(dir.path(), 1);
    let loaded = load(dir.path()).unwrap();
    let o = Overview::new(&loaded);
    // Combinations: t+s, t+w, s+w, t+s+w, each with every single present.
    assert_eq!(o.comparisons.len(), 4);
    let all = o
        .comparisons
        .iter()
        .find(|c| c.counts == [4, 4, 4])
        .unwrap();
    assert_eq!(all.singles.len(), 3);
    // Noise bits: timers 2, sockets 1, watchers 0, all three 4 -> the combination wins.
    assert!(all.gain > 0.5, "{all:?}");
    let sw = o
        .comparisons
        .iter()
        .find(|c| c.counts == [0, 4, 4])
        .unwrap();
    let best_single = sw.singles.iter().map(|s| s.2).fold(0.0, f64::max);
    assert!((sw.gain - (sw.h_combined - best_single)).abs() < 1e-12);
    assert!(o.verdict.as_deref().unwrap().contains("of 4 comparisons"));
}

#[test]
fn symbol_file_results_and_odd_values_render() {
    let dir = tempfile::tempdir().unwrap();
    let mut r = common::one_result(8, 0, 0, 1, 3);
    r.knobs = None;
    r.durations = None;
    r.lag_pairs.clear();
    r.extraction = None;
    r.backend = None;
    r.config_id = "nist_ringOsc".into();
    // A hand-edited file: no symbols, an estimate above the width.
    let mut odd = r.clone();
    odd.config_id = "odd <&>".into();
    odd.stats.histogram.clear();
    odd.stats.blocks.clear();
    odd.assessment.h_assessed = 9.0;
    let p = dir.path().join("results");
    std::fs::create_dir_all(&p).unwrap();
    for (i, x) in [r, odd].iter().enumerate() {
        std::fs::write(
            p.join(format!("{i}.json")),
            kqent_schema::json::to_json(x).unwrap(),
        )
        .unwrap();
    }
    let loaded = load(dir.path()).unwrap();
    let page = html::render(&Overview::new(&loaded)).unwrap();
    roxmltree::Document::parse(page.trim_start_matches("<!DOCTYPE html>\n")).unwrap();
    // No duration histogram and no lag plot: 4 plots per result, then the spread and rate
    // plots (no comparison: symbol files have no kinds).
    assert_eq!(svgs(&page).len(), 8 + 2);
    assert!(page.contains("odd &lt;&amp;&gt;"));
    let md = markdown::render(&Overview::new(&loaded));
    assert!(md.contains("| `nist_ringOsc` | – | – |"), "{md}");
}

#[test]
fn degenerate_plot_inputs_do_not_panic() {
    use kqent_analysis::stats::{Autocorrelation, LogBin};
    let mut d = common::one_result(4, 0, 0, 1, 3).durations.unwrap();
    d.histogram = vec![LogBin {
        lo: 0.0,
        hi: 0.0,
        count: 3,
    }];
    let a = Autocorrelation {
        r: vec![],
        band: 0.0,
        outside: 0,
        max_abs: 0.0,
    };
    for svg in [
        plot::duration_histogram_plot(&d).unwrap(),
        plot::autocorrelation_plot(Some(&a)).unwrap(),
        plot::lag_plot(&[[5, 5]]).unwrap(),
        plot::symbol_histogram_plot(&[0, 0], 1).unwrap(),
    ] {
        roxmltree::Document::parse(&svg).unwrap();
    }
}

#[test]
fn an_incomplete_sweep_says_so() {
    let dir = tempfile::tempdir().unwrap();
    common::make_sweep(dir.path(), 2);
    let loaded = load(dir.path()).unwrap();
    assert_eq!(Overview::new(&loaded).completeness(), Some((16, 16)));
    assert!(!markdown::render(&Overview::new(&loaded)).contains("incomplete"));
    let files = kqent_sweep::layout::result_files(dir.path()).unwrap();
    std::fs::remove_file(&files[3]).unwrap();
    let loaded = load(dir.path()).unwrap();
    let md = markdown::render(&Overview::new(&loaded));
    assert!(md.contains("**incomplete: 15 of 16 results**"), "{md}");
    let page = html::render(&Overview::new(&loaded)).unwrap();
    assert!(page.contains("incomplete: 15 of 16 results"));
}

#[test]
fn a_both_profile_sweep_counts_its_openentropy_runs() {
    // The same 16 kqent results, but the manifest says both profiles were swept: the 8
    // openentropy configurations x 2 repetitions are missing.
    let dir = tempfile::tempdir().unwrap();
    common::make_sweep(dir.path(), 2);
    let mut m = load(dir.path()).unwrap().manifest.unwrap();
    m.profiles = Some(vec![
        kqent_schema::Profile::Kqent,
        kqent_schema::Profile::Openentropy,
    ]);
    kqent_sweep::layout::write_manifest(dir.path(), &m).unwrap();
    let loaded = load(dir.path()).unwrap();
    assert_eq!(Overview::new(&loaded).completeness(), Some((16, 32)));
    let md = markdown::render(&Overview::new(&loaded));
    assert!(md.contains("**incomplete: 16 of 32 results**"), "{md}");
}

#[test]
fn knob_plot_points_carry_their_spread() {
    use kqent_report::series::{KnobPoint, Line};
    let point = |x: u64, mean: f64| KnobPoint {
        x,
        mean,
        lowest: mean - 0.5,
        highest: mean + 0.25,
    };
    let line = |v: u64| Line {
        value: Some(v),
        points: vec![point(0, 1.0), point(4, 2.0), point(16, 3.0)],
    };
    let polylines = |lines: &[Line]| {
        let svg = plot::knob_lines_plot("num_timers", "sources", None, lines).unwrap();
        roxmltree::Document::parse(&svg).unwrap();
        assert!(svg.contains("bars: lowest to highest run"));
        svg.matches("<polyline").count()
    };
    // A second line adds its own line and, per point, a bar with two caps.
    assert_eq!(
        polylines(&[line(0), line(1)]) - polylines(&[line(0)]),
        1 + 3 * 3
    );
    // Whole-number knob values label the axis without decimals.
    let svg = plot::knob_lines_plot("num_timers", "sources", None, &[line(0)]).unwrap();
    let label = |t: &str| svg.lines().any(|l| l.trim() == t);
    assert!(label("16") && !label("16.0") && !label("15.5"), "{svg}");
}
