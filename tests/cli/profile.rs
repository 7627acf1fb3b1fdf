//! `collect --profile openentropy` and `--extract openentropy` through the CLI: the trace
//! says which profile made it, sessions are segments of n + 64 calls, the extraction takes
//! the first n bytes of each session, and the result records the profile and validates.

use std::path::Path;

use crate::common::{assert_schema_valid, json, kqent};
use kqent_analysis::Extraction;

fn collect(dir: &Path, backend: &str, extra: &[&str]) -> std::path::PathBuf {
    let out = dir.join(format!("{backend}.kqt"));
    kqent()
        .args(["collect", "--profile", "openentropy", "--backend", backend])
        .args(extra)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    out
}

fn columns(path: &Path) -> (kqent_trace::Metadata, Vec<u64>, Vec<u32>, Vec<usize>) {
    let r = kqent_trace::open_file(path).unwrap();
    let meta = r.metadata().clone();
    let (d, k, lens) = r.durations_kinds_segments().unwrap();
    (meta, d, k, lens)
}

#[test]
fn mock_sessions_are_segments_and_the_extraction_takes_n_per_session() {
    let dir = tempfile::tempdir().unwrap();
    let trace = collect(
        dir.path(),
        "mock",
        &["--samples", "250", "--session-n", "100", "--seed", "3"],
    );
    let (meta, d, _, lens) = columns(&trace);
    let p = meta.profile.clone().expect("the trace names its profile");
    assert_eq!(p.name, "openentropy");
    assert_eq!(
        (p.sessions, p.session_n, p.calls_per_session),
        (3, 100, 164)
    );
    assert_eq!(lens, [164, 164, 164]);
    assert_eq!(meta.knobs.warmup, 0);

    let bin = dir.path().join("oe.bin");
    kqent()
        .args(["export"])
        .arg(&trace)
        .args(["--extract", "openentropy", "-o"])
        .arg(&bin)
        .assert()
        .success();
    let got = std::fs::read(&bin).unwrap();
    let mut want = Vec::new();
    for s in d.chunks(164) {
        want.extend_from_slice(&Extraction::XorFold.apply_raw(s)[..100]);
    }
    assert_eq!(got, want);

    let doc = dir.path().join("r.json");
    kqent()
        .arg("analyze")
        .arg(&trace)
        .args(["--extract", "openentropy", "--json"])
        .arg(&doc)
        .assert()
        .success();
    let v = json(&doc);
    assert_schema_valid(&v, "result");
    assert_eq!(v["profile"], "openentropy");
    assert_eq!(v["extraction"], "openentropy");
    assert_eq!(v["assessment"]["samples"], 300);
}

#[cfg(target_os = "linux")]
#[test]
fn epoll_sessions_restart_the_queue_and_have_n_plus_64_records() {
    let dir = tempfile::tempdir().unwrap();
    // Sockets and timers only keep each session well inside the 4 s deadline on a busy
    // machine (path pokes on a journalling file system take milliseconds each).
    let trace = collect(
        dir.path(),
        "epoll",
        &["--samples", "100", "--session-n", "50", "--watchers", "0"],
    );
    let (meta, d, kinds, lens) = columns(&trace);
    assert_eq!(meta.backend, "epoll");
    assert_eq!(meta.clock.name, "CLOCK_MONOTONIC");
    assert_eq!(
        lens,
        [114, 114],
        "one segment per session, n + 64 calls each"
    );
    // A fresh queue per session: each session starts with the priming byte and the
    // writable sockets reported at once, so its first call returns events.
    let mut at = 0;
    for len in &lens {
        assert!(kinds[at] & 4 != 0 && kinds[at] & 8 != 0, "{:#x}", kinds[at]);
        at += len;
    }
    assert!(d.iter().all(|&x| x > 0));
}

/// `sweep --profile kqent,openentropy`: every configuration under both loops, openentropy's
/// under `oe-` ids; the traces and results say which profile made them; the report compares
/// the profiles source for source (Welch + Holm, in the findings family) in the summary
/// JSON, the Markdown and the HTML; resuming with other profiles is refused.
#[test]
fn sweep_holds_both_profiles_and_the_report_compares_them() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sweep");
    let sweep = |profiles: &str| {
        let mut c = kqent();
        c.args(["sweep", "--backend", "mock", "--profile", profiles])
            .args(["--session-n", "100", "--samples", "300", "--repeat", "3"])
            .args(["--timers", "0,4", "--sockets", "0", "--watchers", "0"])
            .arg("--out")
            .arg(&out);
        c
    };
    sweep("kqent,openentropy").assert().success();
    let manifest = json(&out.join("sweep.json"));
    assert_eq!(
        manifest["profiles"],
        serde_json::json!(["kqent", "openentropy"])
    );
    assert_eq!(manifest["session_n"], 100);
    let results = crate::common::validated_results(&out);
    assert_eq!(results.len(), 12, "{:?}", results.keys());
    for (name, r) in &results {
        let oe = name.starts_with("oe-");
        assert_eq!(r["profile"] == "openentropy", oe, "{name}");
        assert_eq!(r["profile"].is_null(), !oe, "{name}");
        if oe {
            assert_eq!(r["knobs"]["write_trigger"], "level", "{name}");
            assert_eq!(r["knobs"]["warmup"], 0, "{name}");
        }
    }
    let (meta, _, _, lens) = columns(&out.join("traces/oe-t4-s0-w0-to1-p500-level-wu0-r2.trace"));
    let p = meta.profile.expect("the trace names its profile");
    assert_eq!(
        (p.name.as_str(), p.session_n, p.sessions),
        ("openentropy", 100, 3)
    );
    assert_eq!(lens, [164, 164, 164]);
    let (meta, ..) = columns(&out.join("traces/t4-s0-w0-to1-p500-edge-wu1000-r2.trace"));
    assert!(meta.profile.is_none());

    kqent().arg("report").arg(&out).arg("-q").assert().success();
    let summary = json(&out.join("summary.json"));
    assert_schema_valid(&summary, "summary.json");
    let pairs: Vec<(String, String)> = summary["comparisons"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "profile_vs_kqent")
        .map(|c| {
            assert!(c["welch"]["p_value"].is_number() && c["p_holm"].is_number());
            (
                c["subject"].as_str().unwrap().to_string(),
                c["reference"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        pairs,
        [
            (
                "oe-t0-s0-w0-to1-p500-level-wu0".to_string(),
                "t0-s0-w0-to1-p500-edge-wu1000".to_string()
            ),
            (
                "oe-t4-s0-w0-to1-p500-level-wu0".to_string(),
                "t4-s0-w0-to1-p500-edge-wu1000".to_string()
            ),
        ]
    );
    let md = std::fs::read_to_string(out.join("summary.md")).unwrap();
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    for (what, text) in [("summary.md", &md), ("report.html", &html)] {
        assert!(
            text.contains("This sweep holds both collection profiles: of 2 openentropy-profile configurations"),
            "{what}"
        );
        assert_eq!(
            text.matches("openentropy profile vs kqent design").count(),
            2,
            "{what}: one comparison row per pair"
        );
    }

    let e = sweep("kqent").arg("--resume").assert().code(2);
    let err = String::from_utf8_lossy(&e.get_output().stderr).to_string();
    assert!(
        err.contains("--profile kqent, the sweep has kqent,openentropy"),
        "{err}"
    );
    // `--resume DIR` alone takes the profiles and --session-n from the manifest.
    let e = kqent()
        .args(["sweep", "--resume"])
        .arg(&out)
        .assert()
        .success();
    let err = String::from_utf8_lossy(&e.get_output().stderr).to_string();
    assert!(err.contains("12 already done"), "{err}");
}

/// A sweep of openentropy's loop alone on the real epoll backend: each run's trace is its
/// sessions of n + 64 calls on a fresh queue, and no profile comparison is made without
/// kqent's design in the sweep.
#[cfg(target_os = "linux")]
#[test]
fn epoll_sweep_runs_the_openentropy_profile() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sweep");
    kqent()
        .args(["sweep", "--backend", "epoll", "--profile", "openentropy"])
        .args(["--session-n", "50", "--samples", "100", "--repeat", "2"])
        .args(["--timers", "2", "--sockets", "1", "--watchers", "0"])
        .args(["--extract", "openentropy"])
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let results = crate::common::validated_results(&out);
    assert_eq!(
        results.keys().collect::<Vec<_>>(),
        [
            "oe-t2-s1-w0-to1-p500-level-wu0-r1.json",
            "oe-t2-s1-w0-to1-p500-level-wu0-r2.json"
        ]
    );
    for r in results.values() {
        assert_eq!(r["profile"], "openentropy");
        assert_eq!(r["backend"], "epoll");
        assert_eq!(r["extraction"], "openentropy");
        // Two sessions' first n bytes.
        assert_eq!(r["assessment"]["samples"], 100);
    }
    let (meta, _, _, lens) = columns(&out.join("traces/oe-t2-s1-w0-to1-p500-level-wu0-r1.trace"));
    assert_eq!(meta.profile.map(|p| p.sessions), Some(2));
    assert_eq!(lens, [114, 114]);
    kqent().arg("report").arg(&out).arg("-q").assert().success();
    let md = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(!md.contains("holds both collection profiles"));
}
