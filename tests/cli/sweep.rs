//! `kqent sweep` through the CLI on the mock backend: layout, reproducibility outside
//! `provenance`, repetitions, `--pipeline`, `--resume` checks, short runs, bad input.

use std::path::Path;

use crate::common::{assert_no_temporaries, files, json, validated_results};
use crate::common::{kqent, mock_grid_sweep};
use kqent_schema::json::without_provenance;
use predicates::prelude::*;
use predicates::str::contains;
use serde_json::Value;

/// A 2 x 2 mock sweep with 2 repetitions into `out`, plus `extra` arguments.
fn mock_sweep(out: &Path, seed: u64, extra: &[&str]) -> assert_cmd::assert::Assert {
    mock_grid_sweep(out, seed, 2, extra)
}

/// Every result without its provenance, as pretty JSON text, by file name.
fn reproducible_part(dir: &Path) -> Vec<(String, String)> {
    validated_results(dir)
        .into_iter()
        .map(|(name, doc)| {
            (
                name,
                serde_json::to_string_pretty(&without_provenance(&doc)).unwrap(),
            )
        })
        .collect()
}

#[test]
fn mock_sweep_writes_every_run_and_is_reproducible() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b, c) = (
        tmp.path().join("a"),
        tmp.path().join("b"),
        tmp.path().join("c"),
    );
    mock_sweep(&a, 11, &[])
        .success()
        .stdout(contains("t2-s3-w1-to1-p500-edge-wu1000     2"))
        .stderr(contains("8 run(s) to do"));
    mock_sweep(&b, 11, &[]).success();
    mock_sweep(&c, 12, &[]).success();

    let ra = reproducible_part(&a);
    assert_eq!(ra.len(), 8, "4 configurations x 2 repetitions");
    assert_eq!(ra, reproducible_part(&b), "same seed, same JSON");
    assert_ne!(ra, reproducible_part(&c), "another seed, other durations");
    assert_eq!(
        without_provenance(&json(&a.join("sweep.json"))),
        without_provenance(&json(&b.join("sweep.json")))
    );
    // Each result says what it is, names its trace, and the trace exists.
    for (name, doc) in validated_results(&a) {
        let id = doc["config_id"].as_str().unwrap();
        let rep = doc["repetition"].as_u64().unwrap();
        assert_eq!(name, format!("{id}-r{rep}.json"));
        let file = doc["input"]["file"].as_str().unwrap();
        assert_eq!(file, format!("traces/{id}-r{rep}.trace"));
        assert!(a.join(file).is_file());
        assert_eq!(doc["input"]["samples"], 3000);
        assert_eq!(doc["extraction"], "lsb:4");
        assert_eq!(doc["backend"], "mock");
    }
    // Repetitions of one configuration are different runs (their own seeds).
    let r1 = json(&a.join("results/t0-s0-w1-to1-p500-edge-wu1000-r1.json"));
    let r2 = json(&a.join("results/t0-s0-w1-to1-p500-edge-wu1000-r2.json"));
    assert_ne!(r1["seed"], r2["seed"]);
    assert_ne!(r1["input"]["sha256"], r2["input"]["sha256"]);
    assert_eq!(files(&a, "traces").len(), 8);
    assert_no_temporaries(&a);
}

#[test]
fn pipelined_sweep_gives_the_same_results() {
    let tmp = tempfile::tempdir().unwrap();
    let (seq, pipe) = (tmp.path().join("seq"), tmp.path().join("pipe"));
    mock_sweep(&seq, 5, &[]).success();
    mock_sweep(&pipe, 5, &["--pipeline"]).success();
    assert_eq!(reproducible_part(&seq), reproducible_part(&pipe));
}

#[test]
fn resume_skips_finished_runs_and_redoes_missing_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("s");
    mock_sweep(&dir, 3, &[]).success();
    let before = files(&dir, "results");
    // Lose one result, and leave the debris of a killed run behind.
    let lost = "t2-s0-w1-to1-p500-edge-wu1000-r2.json";
    std::fs::remove_file(dir.join("results").join(lost)).unwrap();
    std::fs::write(dir.join("results/.x-r1.json.tmp999"), b"{").unwrap();
    std::fs::write(dir.join("traces/.x-r1.trace.partial-999"), b"KQ").unwrap();
    std::fs::write(dir.join("traces/.kqent-tmp-AbC123"), b"KQ").unwrap();

    mock_sweep(&dir, 3, &[]).failure().code(2).stderr(contains(
        "already holds a sweep: add --resume to continue it",
    ));
    mock_sweep(&dir, 3, &["--resume"])
        .success()
        .stderr(contains("1 run(s) to do, 7 already done"));
    let after = files(&dir, "results");
    assert_eq!(after.len(), 8);
    assert_no_temporaries(&dir);
    for (name, bytes) in &before {
        if name == lost {
            // Redone: same run, same seed, so the same result outside provenance.
            let old: Value = serde_json::from_slice(bytes).unwrap();
            let new: Value = serde_json::from_slice(&after[name]).unwrap();
            assert_eq!(without_provenance(&old), without_provenance(&new));
        } else {
            assert_eq!(&after[name], bytes, "{name} was rewritten");
        }
    }
    // Nothing left to do.
    mock_sweep(&dir, 3, &["--resume"])
        .success()
        .stderr(contains("0 run(s) to do, 8 already done"));
}

#[test]
fn resume_with_other_settings_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("s");
    mock_sweep(&dir, 3, &[]).success();
    let before = files(&dir, "results");
    // mock_sweep's settings, one changed at a time.
    let base = [
        ("--timers", "0,2"),
        ("--sockets", "0,3"),
        ("--watchers", "1"),
        ("--samples", "3000"),
        ("--repeat", "2"),
        ("--seed", "3"),
        ("--extract", "lsb:4"),
    ];
    for (flag, value, says) in [
        ("--seed", "4", "--seed 4, the sweep has 3"),
        ("--samples", "2000", "--samples 2000, the sweep has 3000"),
        ("--timers", "0,4", "--timers 0,4, the sweep has 0,2"),
        (
            "--extract",
            "xorfold",
            "--extract xorfold, the sweep has lsb:4",
        ),
        ("--repeat", "3", "--repeat 3, the sweep has 2"),
    ] {
        let mut cmd = kqent();
        cmd.args(["sweep", "--backend", "mock", "--resume", "--out"])
            .arg(&dir);
        for (f, v) in base {
            cmd.args([f, if f == flag { value } else { v }]);
        }
        cmd.assert()
            .failure()
            .code(2)
            .stderr(contains(says))
            .stderr(contains("panicked").not());
    }
    assert_eq!(files(&dir, "results"), before);
}

#[test]
fn short_runs_and_not_applicable_estimators_are_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("s");
    kqent()
        .args([
            "sweep",
            "--backend",
            "mock",
            "--timers",
            "0,1",
            "--samples",
            "40",
        ])
        .args(["--warmup", "0", "--extract", "xorfold", "--out"])
        .arg(&dir)
        .assert()
        .success();
    let results = validated_results(&dir);
    assert_eq!(results.len(), 2);
    for doc in results.values() {
        let h = doc["assessment"]["h_assessed"].as_f64().unwrap();
        assert!((0.0..=8.0).contains(&h), "{h}");
        assert_eq!(doc["input"]["samples"], 40);
    }
    let na = results
        .values()
        .flat_map(|d| {
            let a = &d["assessment"];
            let mut all = a["original"].as_array().unwrap().clone();
            all.extend(a["bitstring"].as_array().unwrap().iter().cloned());
            all
        })
        .filter(|e| e["outcome"]["status"] == "not_applicable")
        .count();
    assert!(na > 0, "40 samples leave some estimators not applicable");
    kqent()
        .arg("report")
        .arg(&dir)
        .assert()
        .success()
        .stdout(contains("2 configurations, 2 results"));
}

/// Runs `kqent sweep` with `args` on the mock backend and expects a one-line error.
fn refused(args: &[&str], out: &Path, says: &str) {
    let assert = kqent()
        .args(["sweep", "--out"])
        .arg(out)
        .args(args)
        .assert()
        .failure()
        .code(2)
        .stderr(contains(says));
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn bad_input_is_refused_before_anything_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("s");
    let mock = ["--backend", "mock", "--samples", "100"];
    let with = |extra: &[&'static str]| {
        let mut v: Vec<&str> = mock.to_vec();
        v.extend_from_slice(extra);
        v
    };
    refused(
        &with(&["--timers", "4,8,4"]),
        &out,
        "--timers: invalid knob list \"4,8,4\": 4 appears twice",
    );
    refused(
        &with(&["--sockets=0,-4"]),
        &out,
        "--sockets: invalid knob list \"0,-4\": -4 is negative",
    );
    refused(
        &with(&["--timeout-ms", "1,x"]),
        &out,
        "is not a non-negative integer",
    );
    refused(
        &with(&["--write-trigger", "edge,edge"]),
        &out,
        "edge appears twice",
    );
    refused(
        &with(&["--repeat", "0"]),
        &out,
        "--repeat must be at least 1",
    );
    refused(
        &["--backend", "mock", "--samples", "0"],
        &out,
        "--samples must be at least 1",
    );
    refused(&with(&["--extract", "lsb:9"]), &out, "lsb:9");
    refused(&["--backend", "nope"], &out, "nope");
    // The native backend of another OS.
    let foreign = if cfg!(target_os = "linux") {
        "kqueue"
    } else {
        "epoll"
    };
    refused(&["--backend", foreign], &out, "is not available on");
    refused(
        &with(&["--timers", "5000000000"]),
        &out,
        "--timers 5000000000 is too large",
    );
    assert!(!out.exists(), "nothing created for bad input");

    // An --out that cannot be created: its parent is a regular file.
    let file = tmp.path().join("plain");
    std::fs::write(&file, b"x").unwrap();
    refused(
        &mock,
        &file.join("sub"),
        "cannot create the sweep directory",
    );
    refused(&mock, &file, "exists and is not a directory");
    // A directory with other things in it is not taken over.
    let busy = tmp.path().join("busy");
    std::fs::create_dir(&busy).unwrap();
    std::fs::write(busy.join("notes.txt"), b"mine").unwrap();
    refused(&mock, &busy, "is not empty and holds no sweep");
    assert_eq!(std::fs::read(busy.join("notes.txt")).unwrap(), b"mine");
}

#[test]
fn resume_of_a_newer_schema_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("s");
    mock_sweep(&dir, 1, &[]).success();
    let path = dir.join("sweep.json");
    let mut m = json(&path);
    m["schema_version"] = Value::from(999);
    std::fs::write(&path, serde_json::to_vec(&m).unwrap()).unwrap();
    mock_sweep(&dir, 1, &["--resume"])
        .failure()
        .code(2)
        .stderr(contains("schema_version 999 is newer"));
}

#[test]
fn iid_track_feeds_the_gate_and_resume_keeps_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("s");
    let sweep = |extra: &[&str]| {
        kqent()
            .args([
                "sweep",
                "--backend",
                "mock",
                "--timers",
                "0,2",
                "--samples",
                "3000",
            ])
            .args(["--seed", "2", "--out"])
            .arg(&dir)
            .args(extra)
            .assert()
    };
    sweep(&["--iid"])
        .success()
        .stderr(predicate::str::is_match(r"bits/symbol, IID tests (passed|failed) \(").unwrap());
    let results = validated_results(&dir);
    assert_eq!(results.len(), 2);
    for doc in results.values() {
        let slot = &doc["iid"];
        assert_eq!(slot["verdict"], slot["detail"]["iid"]);
        assert_eq!(slot["detail"]["options"]["seed"], doc["seed"]);
        assert_eq!(slot["detail"]["samples"], 3000);
    }
    // The gate has a verdict to read (exit 0 or 1, never the "no IID verdict" error).
    let code = kqent()
        .arg("gate")
        .arg(&dir)
        .args(["--min-entropy", "0.1", "--require-iid"])
        .assert()
        .get_output()
        .status
        .code();
    assert!(matches!(code, Some(0 | 1)), "{code:?}");
    // Resuming without --iid would mix results with and without a verdict; with --pipeline,
    // results measured under other conditions. The manifest records both.
    let manifest = json(&dir.join("sweep.json"));
    crate::common::assert_schema_valid(&manifest, "sweep.json");
    assert_eq!(
        (manifest["iid"].clone(), manifest["pipeline"].clone()),
        (true.into(), false.into())
    );
    // --resume alone takes --iid from the manifest (sweep_resume_alone.rs has the rest).
    sweep(&["--resume"])
        .success()
        .stderr(contains("0 run(s) to do"));
    sweep(&["--resume", "--iid", "--pipeline"])
        .failure()
        .code(2)
        .stderr(contains("--pipeline given, the sweep was made without it"));
    sweep(&["--resume", "--iid"]).success();
    // A manifest from before these were recorded: the results still tell about --iid.
    let mut old = manifest;
    old.as_object_mut().unwrap().remove("iid");
    old.as_object_mut().unwrap().remove("pipeline");
    std::fs::write(
        dir.join("sweep.json"),
        serde_json::to_vec_pretty(&old).unwrap(),
    )
    .unwrap();
    sweep(&["--resume"])
        .failure()
        .code(2)
        .stderr(contains("were made with --iid; resume with it"));
    sweep(&["--resume", "--iid", "--pipeline"]).success();
}
