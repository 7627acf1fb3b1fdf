//! `kqent analyze` end to end: output, JSON document, and clean failures on bad input.

use std::path::{Path, PathBuf};

use crate::common::kqent;
use kqent_trace::{ClockInfo, EventKinds, Knobs, Metadata, Record, TraceWriter};
use predicates::prelude::*;
use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("crates/analysis/tests/data/conformance")
        .join(name)
}

/// Reads a JSON document `analyze --json` wrote and checks it against the report crate's
/// JSON Schema (the document `kqent gate` and `kqent report` read).
fn read_report(path: &Path) -> Value {
    let doc: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    crate::common::assert_schema_valid(&doc, &path.display().to_string());
    assert_eq!(doc["schema_version"], kqent_schema::SCHEMA_VERSION);
    assert_eq!(doc["kind"], "result");
    // And the report crate reads it back.
    kqent_schema::json::read_result(path).unwrap();
    doc
}

/// The document without `provenance`, as the bytes that must be reproducible.
fn reproducible(path: &Path) -> String {
    let doc: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    serde_json::to_string_pretty(&kqent_schema::json::without_provenance(&doc)).unwrap()
}

fn lcg_bytes(n: usize, modulus: u32) -> Vec<u8> {
    let mut x = 12_345u32;
    (0..n)
        .map(|_| {
            x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            ((x >> 16) % modulus) as u8
        })
        .collect()
}

fn write_trace(path: &Path, n: u64) {
    let meta = Metadata::new(
        "mock",
        Knobs::default(),
        ClockInfo::new("CLOCK_MONOTONIC", 1),
    );
    let file = std::fs::File::create(path).unwrap();
    let mut w = TraceWriter::create(file, &meta).unwrap();
    let mut x = 99u64;
    for i in 0..n {
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        w.push(&Record {
            start_ns: i * 10_000,
            duration_ns: 1_000 + (x >> 50),
            events: 1,
            kinds: EventKinds::TIMER,
            segment: 0,
        })
        .unwrap();
    }
    w.finish(|m| m.interrupted = false).unwrap();
}

#[test]
fn symbol_file_table_and_json_match_the_reference() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("out.json");
    kqent()
        .arg("analyze")
        .arg(fixture("v3_gauss4.bin"))
        .arg("--json")
        .arg(&json)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "H_assessed = min(4, H_original, 4 x H_bitstring)",
        ))
        .stdout(predicate::str::contains("Compression"))
        .stderr(predicate::str::contains("warning").not());
    let doc = read_report(&json);
    let reference: Value =
        serde_json::from_slice(&std::fs::read(fixture("noniid_v3_gauss4.json")).unwrap()).unwrap();
    assert_eq!(doc["input"]["sha256"], reference["sha256"]);
    assert_eq!(doc["assessment"]["bits"], 4);
    assert_eq!(doc["input"]["samples"], 1_000_000);
    assert_eq!(doc["config_id"], "v3_gauss4");
    assert!(doc["backend"].is_null() && doc["extraction"].is_null());
    assert!(
        doc["iid"].is_null(),
        "the non-IID track does not run the IID tests"
    );
    assert_eq!(doc["seed"], 0);
    assert_eq!(doc["stats"]["samples"], 1_000_000);
    assert_eq!(doc["provenance"]["tool_version"], env!("CARGO_PKG_VERSION"));
    let overall = reference["testCases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["testCaseDesc"] == "Overall")
        .unwrap();
    let ours = doc["assessment"]["h_assessed"].as_f64().unwrap();
    assert!((ours - overall["hAssessed"].as_f64().unwrap()).abs() < 1e-6);
    // Every intermediate value is there.
    let mcv = &doc["assessment"]["original"][0];
    assert_eq!(mcv["estimator"], "mcv");
    assert!(mcv["values"]
        .as_array()
        .unwrap()
        .iter()
        .any(|v| v["name"] == "p_u"));
}

#[test]
fn json_is_identical_whatever_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("s.bin");
    std::fs::write(&input, lcg_bytes(50_000, 8)).unwrap();
    let run = |threads: &str, out: &str| {
        let out = dir.path().join(out);
        kqent()
            .args(["analyze", "--threads", threads, "--json"])
            .arg(&out)
            .arg(&input)
            .assert()
            .success();
        reproducible(&out)
    };
    assert_eq!(run("1", "a.json"), run("3", "b.json"));
}

#[test]
fn small_input_warns_and_reports_not_applicable_estimators() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("tiny.bin");
    let json = dir.path().join("tiny.json");
    std::fs::write(&input, lcg_bytes(40, 4)).unwrap();
    kqent()
        .arg("analyze")
        .arg(&input)
        .arg("--json")
        .arg(&json)
        .assert()
        .success()
        .stderr(predicate::str::contains("warning: 40 samples"))
        .stdout(predicate::str::contains("n/a"));
    let doc = read_report(&json);
    let original = doc["assessment"]["original"].as_array().unwrap();
    let ttuple = original
        .iter()
        .find(|r| r["estimator"] == "t_tuple")
        .unwrap();
    assert_eq!(ttuple["outcome"]["status"], "not_applicable");
    assert!(ttuple["outcome"]["reason"].as_str().unwrap().contains("35"));
}

#[test]
fn options_reach_the_assessment() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("s.bin");
    let json = dir.path().join("o.json");
    std::fs::write(&input, lcg_bytes(30_000, 16)).unwrap();
    kqent()
        .arg("analyze")
        .arg(&input)
        .args([
            "--bits",
            "5",
            "--conditioned",
            "--truncate",
            "--block",
            "1,10000",
        ])
        .args(["--h-submitter", "0.25", "--json"])
        .arg(&json)
        .assert()
        .success()
        .stdout(predicate::str::contains("= 0.250000 bits/symbol"));
    let doc = read_report(&json);
    let a = &doc["assessment"];
    assert_eq!(a["bits"], 5);
    assert_eq!(a["samples"], 10_000);
    assert_eq!(a["bitstring_len"], 50_000);
    assert_eq!(a["original"].as_array().unwrap().len(), 0);
    assert_eq!(a["options"]["block"], serde_json::json!([1, 10_000]));
}

#[test]
fn traces_need_an_extraction_and_use_it() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("t.kqt");
    let json = dir.path().join("t.json");
    write_trace(&trace, 5_000);
    kqent()
        .arg("analyze")
        .arg(&trace)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--extract"));
    kqent()
        .arg("analyze")
        .arg(&trace)
        .args(["--extract", "lsb:4", "--json"])
        .arg(&json)
        .assert()
        .success();
    let doc = read_report(&json);
    assert_eq!(doc["extraction"], "lsb:4");
    assert_eq!(doc["backend"], "mock");
    assert_eq!(doc["knobs"]["num_timers"], Knobs::default().num_timers);
    assert_eq!(doc["assessment"]["bits"], 4);
    assert_eq!(doc["input"]["samples"], 5_000);
    assert_eq!(doc["durations"]["count"], 5_000);
    // As in a sweep: the durations' hash is the input's, the file's goes to provenance.
    let durations: Vec<u64> = kqent_trace::open_file(&trace).unwrap().durations().unwrap();
    assert_eq!(
        doc["input"]["sha256"],
        kqent_pipeline::input::durations_sha256(&durations)
    );
    let file_hash = doc["provenance"]["input_file_sha256"].as_str().unwrap();
    assert_eq!(file_hash.len(), 64);
    assert_ne!(doc["input"]["sha256"], file_hash);
    // --bits belongs to symbol files.
    kqent()
        .arg("analyze")
        .arg(&trace)
        .args(["--extract", "lsb:4", "--bits", "4"])
        .assert()
        .code(2);
}

#[test]
fn truncated_trace_is_a_clean_error() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("t.kqt");
    write_trace(&trace, 1_000);
    let bytes = std::fs::read(&trace).unwrap();
    std::fs::write(&trace, &bytes[..bytes.len() - 7]).unwrap();
    kqent()
        .arg("analyze")
        .arg(&trace)
        .args(["--extract", "xorfold"])
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with("kqent: error:"))
        .stderr(predicate::str::contains("panicked").not());
}

/// Runs `analyze` with `args` and expects exit 2 with one clear line mentioning `needle`.
fn fails(args: &[&std::ffi::OsStr], needle: &str) {
    let out = kqent().arg("analyze").args(args).assert().code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(stderr.contains(needle), "{needle:?} not in {stderr:?}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
}

#[test]
fn bad_input_is_a_one_line_error_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str, data: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, data).unwrap();
        path.into_os_string()
    };
    let empty = p("empty.bin", &[]);
    let wide = p("wide.bin", &[0, 1, 5, 2]);
    let good = p("good.bin", &lcg_bytes(100, 4));
    fails(&[&empty], "empty");
    fails(
        &[&wide, "--bits".as_ref(), "2".as_ref()],
        "does not fit in 2 bit",
    );
    fails(&[&good, "--bits".as_ref(), "9".as_ref()], "outside 1..=8");
    fails(&[&good, "--bits".as_ref(), "0".as_ref()], "outside 1..=8");
    fails(&[dir.path().as_os_str()], "is a directory");
    fails(&[dir.path().join("missing.bin").as_os_str()], "cannot open");
    fails(
        &[&good, "--extract".as_ref(), "lsb:2".as_ref()],
        "not a kqent trace",
    );
    fails(
        &[&good, "--block".as_ref(), "9,100".as_ref()],
        "past the end",
    );
    fails(
        &[&good, "--h-submitter".as_ref(), "7".as_ref()],
        "H_submitter",
    );
    fails(&[&good, "--threads".as_ref(), "0".as_ref()], "--threads");
}

/// Symbols that all have one value are not an error: every track reports 0 bits with the
/// reason, exit 0, as a sweep records them (the gate then fails them).
#[test]
fn constant_input_is_zero_entropy_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let constant = dir.path().join("c.bin");
    std::fs::write(&constant, [3u8; 200]).unwrap();
    let json = dir.path().join("c.json");
    kqent()
        .arg("analyze")
        .arg(&constant)
        .arg("--json")
        .arg(&json)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "H_assessed = min(2, H_original) = 0.000000 bits/symbol",
        ))
        .stdout(predicate::str::contains(
            "n/a: every symbol has the same value",
        ));
    let doc = read_report(&json);
    assert_eq!(doc["assessment"]["h_assessed"], 0.0);
    for track in ["iid", "auto"] {
        kqent()
            .arg("analyze")
            .arg(&constant)
            .args(["--track", track, "--permutations", "10", "--json"])
            .arg(&json)
            .assert()
            .success()
            .stdout(predicate::str::contains(
                "every symbol has the same value: the symbols carry no entropy",
            ))
            .stdout(predicate::str::contains("IID verdict: FAIL"));
        let doc = read_report(&json);
        assert_eq!(doc["assessment"]["h_assessed"], 0.0);
        assert_eq!(doc["iid"]["verdict"], false);
        assert_eq!(
            doc["iid"]["detail"]["not_applicable"],
            "every symbol has the same value"
        );
    }
    kqent()
        .args(["gate", "--min-entropy", "0.5"])
        .arg(&json)
        .assert()
        .code(1);
}

/// Reads `KEY: VALUE` (the last such line) from a reference `.txt` output.
fn reference_value(txt: &str, key: &str) -> f64 {
    txt.lines()
        .filter_map(|l| l.trim().strip_prefix(key))
        .filter_map(|rest| rest.trim_start_matches(':').trim().parse().ok())
        .next_back()
        .unwrap_or_else(|| panic!("{key} not in the reference output"))
}

#[test]
fn iid_track_matches_the_reference() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("iid.json");
    let out = kqent()
        .arg("analyze")
        .arg(fixture("v1_uniform8.bin"))
        .args(["--iid", "--seed", "7", "--json"])
        .arg(&json)
        .assert()
        .success()
        .stdout(predicate::str::contains("chi-square independence"))
        .stdout(predicate::str::contains("longest repeated substring"))
        .stdout(predicate::str::contains("IID verdict: pass"))
        .get_output()
        .stdout
        .clone();
    let stdout = String::from_utf8(out).unwrap();
    let txt = std::fs::read_to_string(fixture("iid_v1_uniform8.txt")).unwrap();
    let reference: Value =
        serde_json::from_slice(&std::fs::read(fixture("iid_v1_uniform8.json")).unwrap()).unwrap();
    assert_eq!(reference["IID"], true);
    // The reference JSON's hAssessed holds the width (see the fixtures' README): take the
    // assessed value from the text output.
    let h_ref = reference_value(&txt, "min(H_original, 8 X H_bitstring)");
    let case = &reference["testCases"][0];
    let doc = read_report(&json);
    assert_eq!(doc["seed"], 7);
    assert_eq!(doc["input"]["sha256"], reference["sha256"]);
    let slot = &doc["iid"];
    assert_eq!(slot["verdict"], true);
    let h = slot["h_assessed"].as_f64().unwrap();
    assert!((h - h_ref).abs() < 1e-6, "{h} vs {h_ref}");
    let detail = &slot["detail"];
    assert_eq!(detail["options"]["seed"], 7);
    assert_eq!(detail["options"]["permutations"], 10_000);
    let e = &detail["entropy"];
    for (ours, theirs) in [("h_original", "hOriginal"), ("h_bitstring", "hBitstring")] {
        let (a, b) = (e[ours].as_f64().unwrap(), case[theirs].as_f64().unwrap());
        assert!((a - b).abs() < 1e-6, "{ours}: {a} vs {b}");
    }
    let chi = &detail["chi_square_independence"];
    // The reference prints the independence score first, then the goodness-of-fit one.
    let scores: Vec<f64> = txt
        .lines()
        .filter_map(|l| l.trim().strip_prefix("score = "))
        .map(|v| v.trim().parse().unwrap())
        .collect();
    assert!((chi["statistic"].as_f64().unwrap() - scores[0]).abs() < 1e-5);
    let gof = &detail["chi_square_goodness_of_fit"];
    assert!((gof["statistic"].as_f64().unwrap() - scores[1]).abs() < 1e-5);
    assert_eq!(detail["permutation_tests"].as_array().unwrap().len(), 19);
    assert!(stdout.contains(&format!(
        "IID H_assessed = min(8, H_original, 8 x H_bitstring) = {h_ref:.6}"
    )));
    // The report's own H_assessed stays the non-IID estimate, which gate --min-entropy reads.
    assert!(doc["assessment"]["h_assessed"].as_f64().unwrap() <= h + 1e-9);
    kqent()
        .arg("gate")
        .arg(&json)
        .args(["--min-entropy", "1", "--require-iid"])
        .assert()
        .success();
}

#[test]
fn auto_track_falls_back_to_the_non_iid_estimators() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("auto.json");
    // 200 permutations: the Markov source fails within them; 10,000 would only take longer.
    let out = kqent()
        .arg("analyze")
        .arg(fixture("v4_markov1.bin"))
        .args(["--track", "auto", "--permutations", "200", "--json"])
        .arg(&json)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("IID verdict: FAIL"))
        .stdout(predicate::str::contains("no IID entropy claimed"))
        .stdout(predicate::str::contains(
            "not evaluated: verdict already decided",
        ))
        .stdout(predicate::str::contains("as the IID tests failed"))
        .get_output()
        .stdout
        .clone();
    let stdout = String::from_utf8(out).unwrap();
    let doc = read_report(&json);
    let h = doc["assessment"]["h_assessed"].as_f64().unwrap();
    assert!(stdout.contains(&format!(
        "Track auto: IID tests failed; entropy = non-IID H_assessed = {h:.6}"
    )));
    let reference: Value =
        serde_json::from_slice(&std::fs::read(fixture("noniid_v4_markov1.json")).unwrap()).unwrap();
    let overall = reference["testCases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["testCaseDesc"] == "Overall")
        .unwrap();
    assert!((h - overall["hAssessed"].as_f64().unwrap()).abs() < 1e-6);
    let slot = &doc["iid"];
    assert_eq!(slot["verdict"], false);
    assert!(slot["h_assessed"].is_null());
    assert!(slot["detail"]["entropy"].is_null());
    assert_eq!(slot["detail"]["options"]["permutations"], 200);
    // Without --json the non-IID estimators still run, because the IID tests failed.
    kqent()
        .arg("analyze")
        .arg(fixture("v4_markov1.bin"))
        .args(["--track", "auto", "--permutations", "200"])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(
            "H_assessed = min(1, H_original) = {h:.6}"
        )));
    kqent()
        .arg("gate")
        .arg(&json)
        .args(["--min-entropy", "0.01", "--require-iid"])
        .assert()
        .code(1);
    kqent()
        .arg("report")
        .arg(&json)
        .arg("--quiet")
        .assert()
        .success();
    let html = std::fs::read_to_string(json.with_extension("html")).unwrap();
    assert!(html.contains("<svg"), "the page shows the analysis' plots");
}

#[test]
fn iid_json_is_identical_whatever_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("s.bin");
    std::fs::write(&input, lcg_bytes(20_000, 16)).unwrap();
    let run = |threads: &str, seed: &str, out: &str| {
        let out = dir.path().join(out);
        kqent()
            .args(["analyze", "--track", "auto", "--permutations", "300"])
            .args(["--all-statistics", "--seed", seed, "--threads", threads])
            .arg("--json")
            .arg(&out)
            .arg(&input)
            .assert()
            .success()
            .stderr(predicate::str::contains("warning: 20000 samples"));
        read_report(&out);
        reproducible(&out)
    };
    let one = run("1", "5", "a.json");
    assert!(one.contains("\"all_statistics\": true"));
    assert_eq!(one, run("2", "5", "b.json"));
    assert_ne!(
        one,
        run("2", "6", "c.json"),
        "the seed reaches the permutations"
    );
}

#[test]
fn bad_track_and_seed_values_exit_2() {
    let input = fixture("v5_narrow8_small.bin");
    for args in [
        &["--seed", "abc"][..],
        &["--seed", "-1"],
        &["--track", "bogus"],
        &["--iid", "--track", "non-iid"],
        &["--iid", "--permutations", "0"],
    ] {
        kqent()
            .arg("analyze")
            .arg(&input)
            .args(args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("error"))
            .stderr(predicate::str::contains("panicked").not());
    }
}

#[test]
fn a_sweep_trace_analysed_alone_gives_the_sweeps_figures() {
    let dir = tempfile::tempdir().unwrap();
    let sweep = dir.path().join("sweep");
    kqent()
        .args([
            "sweep",
            "--backend",
            "mock",
            "--timers",
            "2",
            "--sockets",
            "1",
        ])
        .args(["--watchers", "1", "--samples", "4000", "--extract", "lsb:3"])
        .arg("--out")
        .arg(&sweep)
        .assert()
        .success();
    let results = kqent_sweep::layout::result_files(&sweep).unwrap();
    assert_eq!(results.len(), 1);
    let from_sweep = read_report(&results[0]);
    let trace = sweep.join(from_sweep["input"]["file"].as_str().unwrap());
    let json = dir.path().join("alone.json");
    kqent()
        .arg("analyze")
        .arg(&trace)
        .args(["--extract", "lsb:3", "--json"])
        .arg(&json)
        .assert()
        .success();
    let alone = read_report(&json);
    for key in [
        "backend",
        "knobs",
        "extraction",
        "assessment",
        "stats",
        "durations",
        "lag_pairs",
    ] {
        assert_eq!(alone[key], from_sweep[key], "{key}");
    }
    assert_eq!(alone["input"]["sha256"], from_sweep["input"]["sha256"]);
    assert_eq!(alone["input"]["samples"], 4000);
    assert_eq!(
        alone["provenance"]["input_file_sha256"],
        from_sweep["provenance"]["input_file_sha256"]
    );
}

#[test]
fn block_selects_the_samples_of_the_iid_tests_too() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("s.bin");
    let json = dir.path().join("b.json");
    std::fs::write(&input, lcg_bytes(30_000, 16)).unwrap();
    kqent()
        .arg("analyze")
        .arg(&input)
        .args([
            "--iid",
            "--permutations",
            "50",
            "--block",
            "2,5000",
            "--json",
        ])
        .arg(&json)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "5000 samples of 16 distinct 4-bit symbols; IID tests (section 5), seed 0, 50 \
             permutations",
        ));
    let doc = read_report(&json);
    assert_eq!(doc["iid"]["detail"]["samples"], 5000);
    assert_eq!(doc["assessment"]["samples"], 5000);
    assert_eq!(doc["input"]["samples"], 30_000);
}
