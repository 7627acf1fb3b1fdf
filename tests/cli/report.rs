//! `kqent report` through the CLI: HTML with inline SVGs and the Markdown summary, from a
//! sweep directory or one result file; clear errors on bad input.

use crate::common::kqent;
use crate::report_fixtures::{result, write_all};
use kqent_schema::{KnobLists, WriteTrigger};
use kqent_sweep::layout::write_manifest;
use predicates::str::contains;

fn svg_count(html: &str) -> usize {
    html.matches("<svg").count()
}

#[test]
fn sweep_directory_gives_html_and_markdown() {
    let dir = tempfile::tempdir().unwrap();
    let lists = KnobLists {
        num_timers: vec![0, 4],
        num_sockets: vec![0, 4],
        num_file_watchers: vec![0],
        timeout_ms: vec![1],
        poke_interval_us: vec![500],
        write_trigger: vec![WriteTrigger::Edge],
        warmup: vec![1000],
    };
    write_manifest(
        dir.path(),
        &kqent_pipeline::fixture::synthetic_manifest(lists, 9, 3000, 1),
    )
    .unwrap();
    write_all(
        dir.path(),
        &[
            result(0, 0, 0, 1, 0),
            result(4, 0, 0, 1, 2),
            result(0, 4, 0, 1, 1),
            result(4, 4, 0, 1, 3),
        ],
    );
    let out = kqent()
        .arg("report")
        .arg(dir.path())
        .assert()
        .code(0)
        .get_output()
        .clone();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let md = std::fs::read_to_string(dir.path().join("summary.md")).unwrap();
    assert_eq!(stdout, md);
    assert!(
        md.contains("4 configurations, 4 results · backend `mock` · extraction `lsb:4` · seed 9"),
        "{md}"
    );
    assert!(
        md.contains("**Best:** `t4-s4-w0-to1-p500-edge-wu1000`"),
        "{md}"
    );
    assert!(
        md.contains("**Worst:** `t0-s0-w0-to1-p500-edge-wu1000`"),
        "{md}"
    );
    assert!(
        md.contains("### Does combining event kinds add entropy?"),
        "{md}"
    );
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    // 4 x 6 configuration plots, 2 knob plots, 1 heatmap, and the statistics plots: the
    // spread, the rate trade-off and the comparisons.
    assert_eq!(svg_count(&html), 4 * 6 + 2 + 1 + 3);
    roxmltree::Document::parse(html.trim_start_matches("<!DOCTYPE html>\n")).unwrap();

    // The manifest's path stands for its directory.
    kqent()
        .arg("report")
        .arg(dir.path().join("sweep.json"))
        .arg("-q")
        .assert()
        .code(0);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("summary.md")).unwrap(),
        md
    );

    // Explicit output paths, quiet.
    let h = dir.path().join("x/page.html");
    let m = dir.path().join("x/sum.md");
    kqent()
        .arg("report")
        .arg(dir.path())
        .arg("--html")
        .arg(&h)
        .arg("--markdown")
        .arg(&m)
        .arg("--quiet")
        .assert()
        .code(0)
        .stdout("");
    assert_eq!(std::fs::read_to_string(&m).unwrap(), md);
    assert_eq!(std::fs::read_to_string(&h).unwrap(), html);
}

#[test]
fn single_result_file() {
    let dir = tempfile::tempdir().unwrap();
    let r = result(8, 0, 0, 1, 4);
    let p = dir.path().join("one.json");
    std::fs::write(&p, kqent_schema::json::to_json(&r).unwrap()).unwrap();
    kqent()
        .arg("report")
        .arg(&p)
        .assert()
        .code(0)
        .stdout(contains("1 configuration, 1 result"));
    let html = std::fs::read_to_string(dir.path().join("one.html")).unwrap();
    // 6 configuration plots, the spread and the rate trade-off (no comparison).
    assert_eq!(svg_count(&html), 6 + 2);
    assert!(dir.path().join("one.md").is_file());
    assert!(dir.path().join("one.summary.json").is_file());
}

#[test]
fn bad_input_exits_2_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let check = |path: &std::path::Path, want: &str| {
        let a = kqent().arg("report").arg(path).assert().code(2);
        let e = String::from_utf8(a.get_output().stderr.clone()).unwrap();
        assert!(e.contains(want) && !e.contains("panicked"), "{e}");
        assert_eq!(e.trim().lines().count(), 1, "{e}");
    };
    check(dir.path(), "no results found");
    let mut doc = serde_json::to_value(result(4, 0, 0, 1, 4)).unwrap();
    doc["schema_version"] = 2.into();
    std::fs::create_dir_all(dir.path().join("results")).unwrap();
    std::fs::write(
        dir.path().join("results/a-r1.json"),
        serde_json::to_string(&doc).unwrap(),
    )
    .unwrap();
    check(
        dir.path(),
        "schema_version 2 is newer than this kqent understands (1)",
    );
    std::fs::write(dir.path().join("results/a-r1.json"), "{").unwrap();
    check(dir.path(), "not a valid kqent report");
    check(&dir.path().join("absent"), "absent");
    assert!(!dir.path().join("report.html").exists());
}

/// `--margin` and `--alpha` decide the comparisons and are recorded in summary.json; out of
/// range, they are usage errors.
#[test]
fn decision_flags_change_the_verdicts_and_are_recorded() {
    let dir = tempfile::tempdir().unwrap();
    // Three repetitions of four configurations: timers add noise, sockets do not.
    let mut results = Vec::new();
    for rep in 1..=3 {
        for (t, s) in [(0, 0), (4, 0), (0, 4), (4, 4)] {
            results.push(result(t, s, 0, rep, if t > 0 { 3 } else { 1 }));
        }
    }
    write_all(dir.path(), &results);
    // Each comparison's verdict and whether it is resolved.
    let decide = |extra: &[&str]| -> (serde_json::Value, Vec<(String, bool)>) {
        kqent()
            .arg("report")
            .arg(dir.path())
            .arg("-q")
            .args(extra)
            .assert()
            .code(0);
        let text = std::fs::read_to_string(dir.path().join("summary.json")).unwrap();
        let s: serde_json::Value = serde_json::from_str(&text).unwrap();
        let v = s["comparisons"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let verdict = c["verdict"].as_str().unwrap().to_string();
                (verdict, c["resolved"].as_bool().unwrap())
            })
            .collect();
        (s, v)
    };
    let (s, default) = decide(&[]);
    assert_eq!(s["options"]["margin"], 0.05);
    assert_eq!(s["options"]["alpha"], 0.05);
    let has = |v: &[(String, bool)], want: (&str, bool)| {
        v.iter()
            .any(|(verdict, r)| verdict == want.0 && *r == want.1)
    };
    assert!(has(&default, ("more", true)), "{default:?}");
    // Three repetitions cannot see 0.05 bits/symbol: no difference is not yet an answer.
    assert!(
        has(&default, ("no_detectable_difference", false)),
        "{default:?}"
    );
    // With a margin of 8 bits/symbol (any difference smaller than a byte's entropy does not
    // matter) the same design settles every comparison; the verdicts stay.
    let (s, wide) = decide(&["--margin", "8"]);
    assert_eq!(s["options"]["margin"], 8.0);
    let expect: Vec<(String, bool)> = default.iter().map(|(v, _)| (v.clone(), true)).collect();
    assert_eq!(wide, expect);
    // A family-wise error rate of 2^-40: nothing is a finding.
    let (s, strict) = decide(&["--alpha", "2^-40"]);
    assert_eq!(s["options"]["alpha"], 2f64.powi(-40));
    assert!(
        strict.iter().all(|(v, _)| v != "more" && v != "less"),
        "{strict:?}"
    );
    for bad in [["--margin", "0"], ["--margin", "nan"], ["--alpha", "1.5"]] {
        kqent()
            .arg("report")
            .arg(dir.path())
            .args(bad)
            .assert()
            .code(2)
            .stderr(contains(bad[0]));
    }
}
