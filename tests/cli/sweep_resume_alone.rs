//! `kqent sweep --resume DIR` alone: every setting comes from the sweep's manifest; a
//! setting given that differs is still refused, one that agrees is accepted.

use std::path::Path;

use crate::common::{assert_no_temporaries, files, json, kqent};
use kqent_schema::json::without_provenance;
use predicates::prelude::*;
use predicates::str::contains;
use serde_json::Value;

/// Settings far from every default, so that a default slipping in is seen.
const SETTINGS: [&str; 20] = [
    "--backend",
    "mock",
    "--timers",
    "0,2",
    "--sockets",
    "3",
    "--watchers",
    "1",
    "--poke-us",
    "250",
    "--warmup",
    "10",
    "--samples",
    "2500",
    "--repeat",
    "2",
    "--seed",
    "3",
    "--extract",
    "lsb:3,xorfold",
];

fn resume(dir: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    kqent()
        .args(["sweep", "--resume"])
        .arg(dir)
        .args(extra)
        .assert()
}

#[test]
fn resume_dir_alone_reads_every_setting_from_the_manifest() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("s");
    kqent()
        .arg("sweep")
        .args(SETTINGS)
        .args(["--clock-control", "--out"])
        .arg(&dir)
        .assert()
        .success();
    let before = files(&dir, "results");
    assert_eq!(before.len(), 6, "2 configurations + the clock control, x 2");
    let manifest = json(&dir.join("sweep.json"));
    // Lose two results: --resume DIR redoes exactly them, with the sweep's own settings.
    let lost = ["t2-s3-w1-to1-p250-edge-wu10-r2.json", "clock-r1.json"];
    for name in lost {
        std::fs::remove_file(dir.join("results").join(name)).unwrap();
    }
    resume(&dir, &[])
        .success()
        .stderr(contains("2 run(s) to do, 4 already done"))
        .stderr(contains("on mock"));
    let after = files(&dir, "results");
    assert_eq!(after.len(), 6);
    for (name, bytes) in &before {
        if lost.contains(&name.as_str()) {
            let old: Value = serde_json::from_slice(bytes).unwrap();
            let new: Value = serde_json::from_slice(&after[name]).unwrap();
            if name.starts_with("clock") {
                // The clock control times the real clock: same run (seed, samples), new
                // durations.
                assert_eq!(old["seed"], new["seed"]);
                assert_eq!(new["input"]["samples"], 2500);
            } else {
                assert_eq!(without_provenance(&old), without_provenance(&new), "{name}");
                // The further extraction came from the manifest too.
                assert_eq!(new["extractions"][0]["extraction"], "xorfold", "{name}");
            }
        } else {
            assert_eq!(&after[name], bytes, "{name} was rewritten");
        }
    }
    assert_eq!(
        json(&dir.join("sweep.json")),
        manifest,
        "the manifest is kept"
    );
    assert_no_temporaries(&dir);

    // A setting given that agrees with the manifest is accepted; one that differs is
    // refused as before, and nothing is touched.
    resume(&dir, &["--timers", "0,2", "--seed", "3", "--clock-control"])
        .success()
        .stderr(contains("0 run(s) to do, 6 already done"));
    for (extra, says) in [
        (&["--seed", "4"][..], "--seed 4, the sweep has 3"),
        (
            &["--samples", "2000"][..],
            "--samples 2000, the sweep has 2500",
        ),
        (
            &["--extract", "lsb:3"][..],
            "--extract lsb:3, the sweep has lsb:3,xorfold",
        ),
        (
            &["--pipeline"][..],
            "--pipeline given, the sweep was made without it",
        ),
    ] {
        resume(&dir, extra)
            .failure()
            .code(2)
            .stderr(contains(says))
            .stderr(contains("panicked").not());
    }
    assert_eq!(files(&dir, "results"), after);
    // The old spelling, --out DIR --resume, still works.
    kqent()
        .args(["sweep", "--out"])
        .arg(&dir)
        .arg("--resume")
        .assert()
        .success()
        .stderr(contains("0 run(s) to do, 6 already done"));
}

#[test]
fn resume_dir_mistakes_are_one_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    resume(&empty, &[])
        .failure()
        .code(2)
        .stderr(contains("holds no sweep (sweep.json is missing)"));
    assert_eq!(
        std::fs::read_dir(&empty).unwrap().count(),
        0,
        "nothing created"
    );
    kqent()
        .args(["sweep", "--resume"])
        .arg(&empty)
        .arg("--out")
        .arg(tmp.path().join("other"))
        .assert()
        .failure()
        .code(2)
        .stderr(contains("name two directories"));
    // Neither --out nor --resume: clap's usage error.
    kqent()
        .args(["sweep", "--backend", "mock"])
        .assert()
        .failure()
        .code(2)
        .stderr(contains("--out"));
}
