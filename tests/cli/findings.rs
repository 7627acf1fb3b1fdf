//! Null controls, statistics over repetitions and findings through the CLI: the clock-only
//! control through collect, analyze, sweep and report; a mock sweep with the clock control
//! and several extractions whose summary validates against the JSON Schema; the Findings
//! section in both renderings.

use std::path::Path;

use crate::common::{assert_schema_valid, json, kqent, validated_results};
use predicates::str::contains;

#[cfg(any(target_os = "linux", target_os = "macos", target_os = "freebsd"))]
#[test]
fn clock_backend_through_collect_analyze_sweep_and_report() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("clock.trace");
    kqent()
        .args([
            "collect",
            "--backend",
            "clock",
            "--samples",
            "3000",
            "--out",
        ])
        .arg(&trace)
        .assert()
        .success();
    let meta = kqent_trace::open_file(&trace).unwrap().metadata().clone();
    assert_eq!(meta.backend, "clock");
    assert_eq!(meta.samples, 3000);
    assert!(meta.provenance.collector_cpu_ns.is_some());
    let out = dir.path().join("clock.json");
    kqent()
        .args(["analyze", "--extract", "lsb:4", "--json"])
        .arg(&out)
        .arg(&trace)
        .assert()
        .success();
    let r = json(&out);
    assert_schema_valid(&r, "analyze result of a clock trace");
    assert_eq!(r["backend"], "clock");
    assert!(r["collection"]["wall_ns"].as_u64().unwrap() > 0);
    let sweep = dir.path().join("sweep");
    kqent()
        .args([
            "sweep",
            "--backend",
            "clock",
            "--timers",
            "0",
            "--sockets",
            "0",
        ])
        .args([
            "--watchers",
            "0",
            "--samples",
            "2000",
            "--repeat",
            "2",
            "--out",
        ])
        .arg(&sweep)
        .assert()
        .success()
        .stdout(contains("clock-only control"));
    kqent()
        .arg("report")
        .arg(&sweep)
        .arg("--quiet")
        .assert()
        .success();
    let s = json(&sweep.join("summary.json"));
    assert_schema_valid(&s, "summary of a clock sweep");
    assert_eq!(s["configs"][0]["role"], "clock_control");
    let md = std::fs::read_to_string(sweep.join("summary.md")).unwrap();
    assert!(md.contains("### Findings"), "{md}");
    assert!(md.contains("only 2 repetitions"), "{md}");
}

fn mock_sweep(out: &Path, extract: &str, extra: &[&str]) -> assert_cmd::assert::Assert {
    kqent()
        .args([
            "sweep",
            "--backend",
            "mock",
            "--timers",
            "0,16",
            "--sockets",
            "0",
        ])
        .args(["--watchers", "0,16", "--samples", "4000", "--repeat", "3"])
        .args(["--clock-control", "--extract", extract, "--out"])
        .arg(out)
        .args(extra)
        .assert()
}

#[cfg(any(target_os = "linux", target_os = "macos", target_os = "freebsd"))]
#[test]
fn mock_sweep_with_controls_and_extractions() {
    let dir = tempfile::tempdir().unwrap();
    let sweep = dir.path().join("s");
    mock_sweep(&sweep, "lsb:8,lsb:4,xorfold", &[])
        .success()
        .stdout(contains("Does combining event kinds add entropy?"))
        .stdout(contains("mean ± 95% confidence-interval half-width"));
    let results = validated_results(&sweep);
    // 4 configurations + the clock control, 3 repetitions each.
    assert_eq!(results.len(), 15);
    let r = &results["t16-s0-w0-to1-p500-edge-wu1000-r1.json"];
    let ex: Vec<&str> = r["extractions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["extraction"].as_str().unwrap())
        .collect();
    assert_eq!(ex, ["lsb:4", "xorfold"]);
    assert_eq!(results["clock-r2.json"]["backend"], "clock");
    let manifest = json(&sweep.join("sweep.json"));
    assert_eq!(manifest["clock_control"], true);
    assert_eq!(manifest["extractions"][2], "xorfold");
    kqent()
        .arg("report")
        .arg(&sweep)
        .arg("--quiet")
        .assert()
        .success();
    let s = json(&sweep.join("summary.json"));
    assert_schema_valid(&s, "summary.json");
    assert_eq!(s["results"], 15);
    let kinds: Vec<&str> = s["comparisons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "empty_vs_clock",
            "kind_vs_empty",
            "kind_vs_empty",
            "combination_vs_empty",
            "combination_vs_best_single"
        ]
    );
    // Every configuration under every extraction: 5 x 3.
    assert_eq!(s["extractions"].as_array().unwrap().len(), 15);
    // The mock's sources change its durations: some comparison is a finding.
    assert!(s["comparisons"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["verdict"] == "more" || c["verdict"] == "less"));
    let caveats: Vec<&str> = s["caveats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    assert!(
        caveats.contains(&"few_samples") && caveats.contains(&"mock"),
        "{caveats:?}"
    );
    let page = std::fs::read_to_string(sweep.join("report.html")).unwrap();
    for want in [
        "<h2>Findings</h2>",
        "Caveats",
        "Statistics over repetitions",
        "Comparisons",
        "Extractions of the same traces",
        "SP 800-90B asks for 1,000,000 samples",
    ] {
        assert!(page.contains(want), "{want}");
    }
    // Same results, same summary: byte for byte.
    let first = std::fs::read(sweep.join("summary.json")).unwrap();
    kqent()
        .arg("report")
        .arg(&sweep)
        .arg("--quiet")
        .assert()
        .success();
    assert_eq!(first, std::fs::read(sweep.join("summary.json")).unwrap());
    // --resume with another extraction list is refused; without --clock-control it takes
    // the control from the manifest (`--resume DIR` alone reads every setting there).
    mock_sweep(&sweep, "lsb:8", &["--resume"])
        .code(2)
        .stderr(contains(
            "--extract lsb:8, the sweep has lsb:8,lsb:4,xorfold",
        ));
    kqent()
        .args([
            "sweep",
            "--backend",
            "mock",
            "--timers",
            "0,16",
            "--sockets",
            "0",
        ])
        .args(["--watchers", "0,16", "--samples", "4000", "--repeat", "3"])
        .args(["--extract", "lsb:8,lsb:4,xorfold", "--resume", "--out"])
        .arg(&sweep)
        .assert()
        .code(0)
        .stderr(contains("+ the clock control"))
        .stderr(contains("0 run(s) to do"));
    kqent()
        .args([
            "sweep",
            "--backend",
            "mock",
            "--extract",
            "lsb:4,lsb:4",
            "--out",
        ])
        .arg(dir.path().join("dup"))
        .assert()
        .code(2)
        .stderr(contains("--extract lists lsb:4 twice"));
}
