//! Against openentropy-core itself (cargo feature `openentropy`): `--extract openentropy`
//! gives exactly the bytes of its public `sources::helpers::extract_timing_entropy` on random
//! and on real traces, and one of its sources available on Linux is collected and assessed
//! end to end through the CLI, its result validating against the JSON Schema.
#![cfg(feature = "openentropy")]

use crate::common::{assert_schema_valid, json, kqent};
use kqent_analysis::Extraction;
use openentropy_core::sources::helpers::extract_timing_entropy;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// One session of any length and any n, including wrapping differences.
    #[test]
    fn random_sessions_match(
        d in proptest::collection::vec(
            prop_oneof![any::<u64>(), 0u64..5000, (0u64..100).prop_map(|x| x * 41)],
            0..400,
        ),
        n in 0usize..500,
    ) {
        let ours = if d.is_empty() {
            Vec::new()
        } else {
            Extraction::OpenEntropy
                .apply_sessions(&d, &[d.len()], Some(n as u64))
                .map(|s| s.as_slice().to_vec())
                .unwrap_or_default()
        };
        prop_assert_eq!(ours, extract_timing_entropy(&d, n));
    }
}

#[test]
fn real_traces_match_session_by_session() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("oe.kqt");
    // The native backend where there is one; the mock elsewhere.
    let backend = if cfg!(any(
        target_os = "linux",
        target_os = "macos",
        target_os = "freebsd"
    )) {
        "auto"
    } else {
        "mock"
    };
    kqent()
        .args(["collect", "--profile", "openentropy", "--backend", backend])
        .args([
            "--samples",
            "300",
            "--session-n",
            "100",
            "--watchers",
            "1",
            "--out",
        ])
        .arg(&trace)
        .assert()
        .success();
    let bin = dir.path().join("oe.bin");
    kqent()
        .arg("export")
        .arg(&trace)
        .args(["--extract", "openentropy", "-o"])
        .arg(&bin)
        .assert()
        .success();
    let r = kqent_trace::open_file(&trace).unwrap();
    let n = r.metadata().profile.as_ref().unwrap().session_n as usize;
    let (d, _, lens) = r.durations_kinds_segments().unwrap();
    assert_eq!(lens.len(), 3);
    let mut want = Vec::new();
    let mut at = 0;
    for len in lens {
        want.extend(extract_timing_entropy(&d[at..at + len], n));
        at += len;
    }
    assert_eq!(std::fs::read(&bin).unwrap(), want);
}

#[test]
fn a_source_is_listed_collected_and_assessed() {
    let out = kqent().args(["openentropy", "list"]).assert().success();
    let listing = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(listing.starts_with("openentropy-core 0.12.3: sources available here"));
    assert!(
        listing.lines().any(|l| l.starts_with("clock_jitter ")),
        "{listing}"
    );

    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("cj.json");
    let bin = dir.path().join("cj.bin");
    let out = kqent()
        .args([
            "openentropy",
            "assess",
            "--source",
            "clock_jitter",
            "--bytes",
            "20000",
        ])
        .args(["--per-call", "1000", "--symbols"])
        .arg(&bin)
        .arg("--out")
        .arg(&doc)
        .assert()
        .success();
    let line = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(line.contains("openentropy's MCV-only H"), "{line}");
    let v = json(&doc);
    assert_schema_valid(&v, "openentropy result");
    let s = &v["source"];
    assert_eq!(s["library"], "openentropy-core");
    assert_eq!(s["version"], "0.12.3");
    assert_eq!(s["name"], "clock_jitter");
    assert_eq!(s["bytes_collected"], 20000);
    assert_eq!(s["calls"], 20);
    // The library's own figure is its MCV estimate of the very bytes assessed.
    let bytes = std::fs::read(&bin).unwrap();
    let (h, p) = openentropy_core::conditioning::mcv_estimate(&bytes);
    assert_eq!(s["library_min_entropy"].as_f64().unwrap(), h);
    assert_eq!(s["library_p_upper"].as_f64().unwrap(), p);
    assert_eq!(v["input"]["samples"], 20000);
    assert_eq!(v["assessment"]["bits"], 8);
    // kqent's H_assessed is the minimum over all estimators, MCV included, so never above
    // an MCV estimate of the same bytes by more than rounding.
    let mcv = v["assessment"]["original"][0]["outcome"]["h"]
        .as_f64()
        .unwrap();
    assert!(v["assessment"]["h_assessed"].as_f64().unwrap() <= mcv + 1e-12);

    let e = kqent()
        .args([
            "openentropy",
            "assess",
            "--source",
            "no_such_source",
            "--out",
        ])
        .arg(dir.path().join("x.json"))
        .assert()
        .code(2);
    let err = String::from_utf8(e.get_output().stderr.clone()).unwrap();
    assert!(err.contains("has no source \"no_such_source\""), "{err}");
}
