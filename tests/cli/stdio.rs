//! The `-` convention: `-` as an input reads standard input (`analyze -`, `health -`,
//! `export -`), `--json -` and `--out -` write to standard output, which then holds the
//! data alone: tables, warnings and messages go to standard error.

use std::path::Path;

use crate::common::kqent;
use kqent_schema::json::without_provenance;
use serde_json::Value;

/// 20,000 4-bit symbols from a fixed LCG: varied enough to assess quickly.
fn symbols() -> Vec<u8> {
    let mut x: u32 = 12345;
    (0..20_000)
        .map(|_| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            ((x >> 16) & 0x0f) as u8
        })
        .collect()
}

/// A mock-backend trace of 3,000 samples in `dir`.
fn trace(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("t.trace");
    kqent()
        .args([
            "collect",
            "--backend",
            "mock",
            "--samples",
            "3000",
            "--seed",
            "5",
        ])
        .arg("--out")
        .arg(&path)
        .assert()
        .success();
    path
}

/// The document outside provenance and the fields that name the input (`-` against a path).
fn comparable(mut doc: Value) -> Value {
    doc["config_id"] = Value::Null;
    doc["input"]["file"] = Value::Null;
    without_provenance(&doc)
}

fn stdout_json(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON document ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

#[test]
fn analyze_reads_stdin_and_writes_json_to_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("noise.bin");
    std::fs::write(&file, symbols()).unwrap();
    let from_file = dir.path().join("file.json");
    kqent()
        .arg("analyze")
        .arg(&file)
        .arg("--json")
        .arg(&from_file)
        .assert()
        .success();
    let out = kqent()
        .args(["analyze", "-", "--json", "-"])
        .write_stdin(symbols())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let doc = stdout_json(&out);
    assert_eq!(doc["input"]["file"], "-");
    assert_eq!(doc["config_id"], "stdin");
    assert_eq!(
        comparable(doc),
        comparable(crate::common::json(&from_file)),
        "stdin and the file give the same result"
    );
    // The tables and the sample-count warning went to stderr.
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("H_assessed"), "{stderr}");
    assert!(stderr.contains("warning"), "{stderr}");
}

#[test]
fn analyze_reads_a_trace_on_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let t = trace(dir.path());
    let from_file = dir.path().join("file.json");
    kqent()
        .arg("analyze")
        .arg(&t)
        .args(["--extract", "lsb:4", "--json"])
        .arg(&from_file)
        .assert()
        .success();
    let out = kqent()
        .args(["analyze", "-", "--extract", "lsb:4", "--json", "-"])
        .write_stdin(std::fs::read(&t).unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let doc = stdout_json(&out);
    let file_doc = crate::common::json(&from_file);
    // A trace is named by its knobs, wherever it comes from.
    assert_eq!(doc["config_id"], file_doc["config_id"]);
    assert_eq!(comparable(doc), comparable(file_doc));
}

#[test]
fn analyze_without_json_keeps_its_tables_on_stdout() {
    let out = kqent()
        .args(["analyze", "-", "--bits", "4"])
        .write_stdin(symbols())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let tables = String::from_utf8(out.stdout).unwrap();
    assert!(tables.contains("H_assessed"));
    assert!(
        tables.starts_with("standard input (symbol file"),
        "{tables}"
    );
}

#[test]
fn empty_or_wrong_stdin_is_one_clear_error() {
    for (args, stdin, message) in [
        (&["analyze", "-"][..], Vec::new(), "standard input is empty"),
        (
            &["analyze", "-", "--extract", "lsb:4"][..],
            symbols(),
            "standard input is not a kqent trace",
        ),
        (
            &["health", "-", "--h-claim", "1"][..],
            Vec::new(),
            "standard input is empty",
        ),
    ] {
        let out = kqent().args(args).write_stdin(stdin).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(stderr.contains(message), "{args:?}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn health_reads_stdin_and_writes_json_to_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("noise.bin");
    std::fs::write(&file, symbols()).unwrap();
    let from_file = dir.path().join("h.json");
    kqent()
        .arg("health")
        .arg(&file)
        .args(["--h-claim", "3", "--json"])
        .arg(&from_file)
        .assert()
        .success();
    let out = kqent()
        .args(["health", "-", "--h-claim", "3", "--json", "-"])
        .write_stdin(symbols())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let mut doc = stdout_json(&out);
    assert_eq!(doc["input"], "-");
    let mut file_doc = crate::common::json(&from_file);
    doc["input"] = Value::Null;
    file_doc["input"] = Value::Null;
    assert_eq!(doc, file_doc);
    let summary = String::from_utf8(out.stderr).unwrap();
    assert!(
        summary.starts_with("Health tests (SP 800-90B 4.4) on standard input\n"),
        "the summary is on stderr and names its input: {summary}"
    );
}

#[test]
fn export_streams_from_stdin_to_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let t = trace(dir.path());
    let bytes = std::fs::read(&t).unwrap();
    for format in [&["--extract", "lsb:4"][..], &["--csv"][..]] {
        let to_file = dir.path().join("out");
        kqent()
            .arg("export")
            .arg(&t)
            .args(format)
            .arg("--out")
            .arg(&to_file)
            .assert()
            .success();
        let out = kqent()
            .args(["export", "-", "--out", "-"])
            .args(format)
            .write_stdin(bytes.clone())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{format:?}: {out:?}");
        assert_eq!(
            out.stdout,
            std::fs::read(&to_file).unwrap(),
            "{format:?}: stdout holds exactly what the file holds"
        );
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(stderr.contains("wrote"), "{stderr}");
        std::fs::remove_file(&to_file).unwrap();
    }
    // A truncated trace on stdin is refused like a truncated file.
    let out = kqent()
        .args(["export", "-", "--csv", "--out", "-"])
        .write_stdin(bytes[..bytes.len() / 2].to_vec())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}
