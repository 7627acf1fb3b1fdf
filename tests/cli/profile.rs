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
