//! One path from input to result: a trace run through `kqent sweep` and through
//! `kqent analyze` gives the same result document outside `provenance`, including a
//! constant trace and a coarse-tick trace (both commands also warn of the tick).

use std::path::Path;

use kqent_schema::json::without_provenance;
use predicates::prelude::*;
use serde_json::Value;

use crate::common::{json, kqent};

const TICK_WARNING: &str = "every duration is a multiple of the observed tick, 42 ns";

/// Sweeps one mock configuration with `extract` and the IID track; returns its result.
fn sweep_one(dir: &Path, extract: &str) -> Value {
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
        .args([
            "--watchers",
            "1",
            "--samples",
            "2000",
            "--iid",
            "--extract",
            extract,
        ])
        .arg("--out")
        .arg(dir)
        .assert()
        .success()
        .stderr(predicate::str::contains(TICK_WARNING));
    let results = kqent_sweep::layout::result_files(dir).unwrap();
    assert_eq!(results.len(), 1);
    json(&results[0])
}

/// `kqent analyze` of the sweep's trace, named as the sweep names it (from the sweep
/// directory), with the sweep's seed for that run.
fn analyze_alone(dir: &Path, extract: &str, from_sweep: &Value) -> Value {
    let file = from_sweep["input"]["file"].as_str().unwrap();
    let seed = from_sweep["seed"].as_u64().unwrap().to_string();
    let out = dir.join("alone.json");
    kqent()
        .current_dir(dir)
        .args([
            "analyze",
            file,
            "--extract",
            extract,
            "--iid",
            "--seed",
            &seed,
        ])
        .arg("--json")
        .arg(&out)
        .assert()
        .success()
        .stderr(predicate::str::contains(TICK_WARNING));
    json(&out)
}

#[test]
fn analyze_and_sweep_give_the_same_document() {
    // lsb:4 of the mock's durations (multiples of its 42 ns tick): varied symbols, a coarse
    // tick. lsb:1 of them: every symbol is 0, a constant trace.
    for (extract, constant) in [("lsb:4", false), ("lsb:1", true)] {
        let dir = tempfile::tempdir().unwrap();
        let sweep = dir.path().join("sweep");
        let from_sweep = sweep_one(&sweep, extract);
        let alone = analyze_alone(&sweep, extract, &from_sweep);
        assert_eq!(
            without_provenance(&alone),
            without_provenance(&from_sweep),
            "{extract}"
        );
        assert_eq!(from_sweep["durations"]["tick"], 42);
        let h = from_sweep["assessment"]["h_assessed"].as_f64().unwrap();
        if constant {
            assert_eq!(h, 0.0);
            assert_eq!(from_sweep["iid"]["verdict"], false);
            assert_eq!(
                from_sweep["iid"]["detail"]["not_applicable"],
                "every symbol has the same value"
            );
        } else {
            assert!(h > 0.0, "{h}");
            assert!(from_sweep["iid"]["detail"]["not_applicable"].is_null());
        }
    }
}
