//! `kqent gate` through the CLI: exit 0 / 1 / 2 and the JUnit XML.

use crate::report_fixtures::{result, with_iid, write_all};
use assert_cmd::Command;
use predicates::str::contains;

fn gate() -> Command {
    crate::common::kqent()
}

struct Case {
    name: String,
    failure: Option<String>,
}

fn junit_cases(path: &std::path::Path) -> Vec<Case> {
    let text = std::fs::read_to_string(path).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    // One suite per configuration; each counts its own cases.
    let mut all = Vec::new();
    for suite in doc.descendants().filter(|n| n.has_tag_name("testsuite")) {
        let cases: Vec<Case> = suite
            .children()
            .filter(|n| n.has_tag_name("testcase"))
            .map(|n| Case {
                name: n.attribute("name").unwrap().to_string(),
                failure: n
                    .children()
                    .find(|c| c.has_tag_name("failure"))
                    .map(|f| f.text().unwrap_or("").to_string()),
            })
            .collect();
        let failures = cases.iter().filter(|c| c.failure.is_some()).count();
        assert_eq!(suite.attribute("tests").unwrap(), cases.len().to_string());
        assert_eq!(suite.attribute("failures").unwrap(), failures.to_string());
        all.extend(cases);
    }
    all
}

#[test]
fn all_pass_exit_0_with_junit() {
    let dir = tempfile::tempdir().unwrap();
    write_all(
        dir.path(),
        &[
            result(4, 0, 0, 1, 4),
            result(4, 0, 0, 2, 4),
            result(0, 4, 0, 1, 4),
            result(0, 4, 0, 2, 4),
        ],
    );
    let junit = dir.path().join("out/junit.xml");
    gate()
        .args([
            "gate",
            "--allow-incomplete",
            "--min-entropy",
            "3",
            "--max-autocorr",
            "0.5",
            "--junit",
        ])
        .arg(&junit)
        .arg(dir.path())
        .assert()
        .code(0)
        .stdout(contains("4 passed, 0 failed"));
    let cases = junit_cases(&junit);
    let names: Vec<&str> = cases.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "t0-s4-w0-to1-p500-edge-wu1000: min-entropy",
            "t0-s4-w0-to1-p500-edge-wu1000: max-autocorr",
            "t4-s0-w0-to1-p500-edge-wu1000: min-entropy",
            "t4-s0-w0-to1-p500-edge-wu1000: max-autocorr",
        ]
    );
    assert!(cases.iter().all(|c| c.failure.is_none()));
}

#[test]
fn one_failing_repetition_fails_the_configuration_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    // Repetition 2 of t4 has 1 random bit only: about 0.9 bits/symbol.
    write_all(
        dir.path(),
        &[
            result(4, 0, 0, 1, 4),
            result(4, 0, 0, 2, 1),
            result(0, 4, 0, 1, 4),
        ],
    );
    let junit = dir.path().join("junit.xml");
    gate()
        .args([
            "gate",
            "--allow-incomplete",
            "--min-entropy",
            "3",
            "--junit",
        ])
        .arg(&junit)
        .arg(dir.path())
        .assert()
        .code(1)
        .stdout(contains("FAIL t4-s0-w0-to1-p500-edge-wu1000 min-entropy"))
        .stdout(contains("PASS t0-s4-w0-to1-p500-edge-wu1000 min-entropy"))
        .stdout(contains("1 passed, 1 failed"));
    let cases = junit_cases(&junit);
    assert_eq!(cases.len(), 2);
    let failed = cases.iter().find(|c| c.failure.is_some()).unwrap();
    assert_eq!(failed.name, "t4-s0-w0-to1-p500-edge-wu1000: min-entropy");
    let text = failed.failure.as_deref().unwrap();
    assert!(
        text.contains("r2: H_assessed") && text.contains("< 3"),
        "{text}"
    );
    assert!(
        text.contains("r1: H_assessed") && text.contains(">= 3"),
        "{text}"
    );

    // The same data passes a lower threshold, and a single file can be gated.
    gate()
        .args(["gate", "--allow-incomplete", "--min-entropy", "0.5"])
        .arg(dir.path())
        .assert()
        .code(0);
    let one = kqent_sweep::layout::result_path(dir.path(), "t4-s0-w0-to1-p500-edge-wu1000", 2);
    gate()
        .args(["gate", "--allow-incomplete", "--min-entropy", "3"])
        .arg(&one)
        .assert()
        .code(1);
}

#[test]
fn autocorrelation_threshold_and_constant_symbols_fail() {
    let dir = tempfile::tempdir().unwrap();
    write_all(dir.path(), &[result(4, 0, 0, 1, 4), result(0, 0, 4, 1, 0)]);
    let out = gate()
        .args([
            "gate",
            "--allow-incomplete",
            "--min-entropy",
            "0",
            "--max-autocorr",
            "0.0001",
        ])
        .arg(dir.path())
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    assert!(
        out.contains("FAIL t4-s0-w0-to1-p500-edge-wu1000 max-autocorr: r1: max |r_k|"),
        "{out}"
    );
    assert!(
        out.contains("autocorrelation undefined (constant symbols)"),
        "{out}"
    );
    assert!(
        out.contains("PASS t0-s0-w4-to1-p500-edge-wu1000 min-entropy"),
        "{out}"
    );
}

#[test]
fn require_iid() {
    let dir = tempfile::tempdir().unwrap();
    write_all(
        dir.path(),
        &[result(4, 0, 0, 1, 4), with_iid(result(0, 4, 0, 1, 4), true)],
    );
    // One result has no IID verdict: an error, not a failure.
    gate()
        .args([
            "gate",
            "--allow-incomplete",
            "--min-entropy",
            "1",
            "--require-iid",
        ])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(contains("--require-iid"))
        .stderr(contains(
            "t4-s0-w0-to1-p500-edge-wu1000 r1 has no IID verdict",
        ));
    write_all(dir.path(), &[with_iid(result(4, 0, 0, 1, 4), false)]);
    let junit = dir.path().join("j.xml");
    gate()
        .args([
            "gate",
            "--allow-incomplete",
            "--min-entropy",
            "1",
            "--require-iid",
            "--junit",
        ])
        .arg(&junit)
        .arg(dir.path())
        .assert()
        .code(1)
        .stdout(contains(
            "FAIL t4-s0-w0-to1-p500-edge-wu1000 iid: r1: IID verdict fail",
        ))
        .stdout(contains("PASS t0-s4-w0-to1-p500-edge-wu1000 iid"));
    assert_eq!(junit_cases(&junit).len(), 4);
}

#[test]
fn errors_exit_2_without_panic() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str], path: &std::path::Path| {
        let a = gate().arg("gate").args(args).arg(path).assert().code(2);
        let stderr = String::from_utf8(a.get_output().stderr.clone()).unwrap();
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "one-line error: {stderr}");
        stderr
    };
    // Empty directory.
    assert!(run(&["--min-entropy", "1"], dir.path()).contains("no results found"));
    // Missing path.
    assert!(run(&["--min-entropy", "1"], &dir.path().join("absent")).contains("absent"));
    // A result from a newer schema.
    let mut doc = serde_json::to_value(result(4, 0, 0, 1, 4)).unwrap();
    doc["schema_version"] = 99.into();
    let p = dir.path().join("new.json");
    std::fs::write(&p, serde_json::to_string(&doc).unwrap()).unwrap();
    let e = run(&["--min-entropy", "1"], &p);
    assert!(
        e.contains("schema_version 99 is newer") && e.contains("upgrade kqent"),
        "{e}"
    );
    // Not JSON.
    std::fs::write(&p, b"\x00garbage").unwrap();
    assert!(run(&["--min-entropy", "1"], &p).contains("not a valid kqent report"));
    // Thresholds out of range.
    write_all(dir.path(), &[result(4, 0, 0, 1, 4)]);
    assert!(run(&["--min-entropy", "9"], dir.path()).contains("outside 0..=8"));
    assert!(
        run(&["--min-entropy", "1", "--max-autocorr", "2"], dir.path()).contains("outside 0..=1")
    );
    assert!(run(&["--min-entropy", "NaN"], dir.path()).contains("outside"));
    // Missing --min-entropy is a usage error (clap), also 2.
    gate().arg("gate").arg(dir.path()).assert().code(2);
}

#[test]
fn an_incomplete_sweep_is_an_error() {
    use kqent_schema::{KnobLists, WriteTrigger};
    use kqent_sweep::layout::write_manifest;
    let dir = tempfile::tempdir().unwrap();
    let lists = KnobLists {
        num_timers: vec![0, 4],
        num_sockets: vec![0],
        num_file_watchers: vec![0],
        timeout_ms: vec![1],
        poke_interval_us: vec![500],
        write_trigger: vec![WriteTrigger::Edge],
        warmup: vec![1000],
    };
    let manifest = kqent_pipeline::fixture::synthetic_manifest(lists, 1, 3000, 2);
    write_manifest(dir.path(), &manifest).unwrap();
    write_all(
        dir.path(),
        &[
            result(4, 0, 0, 1, 4),
            result(4, 0, 0, 2, 4),
            result(0, 0, 0, 1, 4),
        ],
    );
    gate()
        .args(["gate", "--min-entropy", "1"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(contains("sweep incomplete, 3 of 4 results"));
    write_all(dir.path(), &[result(0, 0, 0, 2, 4)]);
    gate()
        .args(["gate", "--min-entropy", "1"])
        .arg(dir.path())
        .assert()
        .code(0);
}
