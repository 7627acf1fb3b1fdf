//! `kqent analyze` end to end: output, JSON document, and clean failures on bad input.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use kqent_trace::{ClockInfo, EventKinds, Knobs, Metadata, Record, TraceWriter};
use predicates::prelude::*;
use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/conformance")
        .join(name)
}

fn kqent() -> Command {
    Command::cargo_bin("kqent").expect("binary built")
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
    let doc: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let reference: Value =
        serde_json::from_slice(&std::fs::read(fixture("noniid_v3_gauss4.json")).unwrap()).unwrap();
    assert_eq!(doc["input"]["sha256"], reference["sha256"]);
    assert_eq!(doc["input"]["bits"], 4);
    assert_eq!(doc["input"]["samples"], 1_000_000);
    assert_eq!(doc["input"]["kind"], "symbols");
    assert_eq!(doc["tool_version"], env!("CARGO_PKG_VERSION"));
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
        std::fs::read(out).unwrap()
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
    let doc: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
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
    let doc: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
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
    let doc: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(doc["input"]["kind"], "trace");
    assert_eq!(doc["input"]["extraction"], "lsb:4");
    assert_eq!(doc["input"]["bits"], 4);
    assert_eq!(doc["input"]["samples"], 5_000);
    assert_eq!(doc["input"]["sha256"].as_str().unwrap().len(), 64);
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
    let constant = p("constant.bin", &[3; 100]);
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
    fails(&[&constant], "one symbol");
}
