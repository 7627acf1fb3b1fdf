//! `kqent collect` end to end: the mock through the CLI, reproducibility, the native backend, bad
//! input, and nothing left behind.

use std::path::Path;

use assert_cmd::Command;
use kqent_trace::{read_file, EventKinds, Metadata, Provenance};

/// Entries of `dir` (names), sorted.
fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// `kqent collect` with a private TMPDIR so leftovers can be checked.
fn kqent(tmp: &Path) -> Command {
    let mut c = Command::cargo_bin("kqent").unwrap();
    c.env("TMPDIR", tmp).arg("collect");
    c
}

fn without_provenance(mut m: Metadata) -> Metadata {
    m.provenance = Provenance::default();
    m
}

#[test]
fn mock_end_to_end_and_reproducible() {
    let dir = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let run = |name: &str, seed: &str| {
        let out = dir.path().join(name);
        kqent(tmp.path())
            .args([
                "--backend",
                "mock",
                "--samples",
                "5000",
                "--seed",
                seed,
                "--out",
            ])
            .arg(&out)
            .assert()
            .success()
            .stderr(predicates::str::contains(
                "kqent: collecting 5000 samples (mock) ...",
            ));
        read_file(&out).unwrap()
    };
    let (m1, r1) = run("a.kqt", "7");
    let (m2, r2) = run("b.kqt", "7");
    let (m3, r3) = run("c.kqt", "8");
    assert_eq!(m1.backend, "mock");
    assert_eq!(m1.samples, 5000);
    assert_eq!(m1.seed, Some(7));
    assert_eq!(m1.tick_ns, kqent_collector::MOCK_TICK_NS);
    assert_eq!(m1.clock.name, "mock");
    assert!(!m1.interrupted);
    assert!(m1.provenance.start_time.is_some() && m1.provenance.host.is_some());
    assert_eq!(r1.len(), 5000);
    assert_eq!(without_provenance(m1.clone()), without_provenance(m2));
    assert_eq!(r1, r2, "same seed, same records");
    assert_ne!(r1, r3, "another seed, other records");
    assert_ne!(without_provenance(m1), without_provenance(m3));
    let mut kinds = EventKinds::NONE;
    r1.iter().for_each(|r| kinds.insert(r.kinds));
    assert_eq!(kinds, EventKinds::ALL);
    // Only the three traces: no partial files.
    assert_eq!(entries(dir.path()), ["a.kqt", "b.kqt", "c.kqt"]);
    assert!(entries(tmp.path()).is_empty());
}

#[test]
fn knobs_are_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("k.kqt");
    kqent(dir.path())
        .args([
            "--backend",
            "mock",
            "--samples",
            "100",
            "--timers",
            "3",
            "--sockets",
            "0",
            "--watchers",
            "2",
            "--timeout-ms",
            "5",
            "--poke-us",
            "250",
            "--write-trigger",
            "level",
            "--warmup",
            "7",
        ])
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let (m, _) = read_file(&out).unwrap();
    let k = m.knobs;
    assert_eq!(
        (
            k.num_timers,
            k.num_sockets,
            k.num_file_watchers,
            k.timeout_ms
        ),
        (3, 0, 2, 5)
    );
    assert_eq!((k.poke_interval_us, k.warmup), (250, 7));
    assert_eq!(k.write_trigger, kqent_trace::WriteTrigger::Level);
}

#[cfg(any(target_os = "linux", target_os = "macos", target_os = "freebsd"))]
#[test]
fn native_backend_through_the_cli_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let out = dir.path().join("e.kqt");
    kqent(tmp.path())
        .args([
            "--backend",
            "auto",
            "--samples",
            "2000",
            "--warmup",
            "100",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let (m, r) = read_file(&out).unwrap();
    let native = if cfg!(target_os = "linux") {
        "epoll"
    } else {
        "kqueue"
    };
    assert_eq!(
        (m.backend.as_str(), m.samples, r.len()),
        (native, 2000, 2000)
    );
    assert!(entries(tmp.path()).is_empty(), "private directory removed");
    assert_eq!(entries(dir.path()), ["e.kqt"]);
}

/// Runs a failing collect and checks: exit 2, one line on stderr, `needle` in it, no panic,
/// nothing in the output directory or TMPDIR.
fn fails(args: &[&str], needle: &str) {
    let dir = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.kqt");
    let assert = kqent(tmp.path())
        .args(args)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(stderr.starts_with("kqent: error: "), "{stderr}");
    assert!(stderr.contains(needle), "{needle:?} not in {stderr}");
    assert!(!stderr.contains("panicked"));
    assert!(
        entries(dir.path()).is_empty(),
        "left {:?}",
        entries(dir.path())
    );
    assert!(
        entries(tmp.path()).is_empty(),
        "left {:?}",
        entries(tmp.path())
    );
}

#[test]
fn zero_samples() {
    fails(
        &["--backend", "mock", "--samples", "0"],
        "--samples must be at least 1",
    );
}

#[test]
fn unknown_backend() {
    fails(
        &["--backend", "poll", "--samples", "10"],
        "unknown backend \"poll\"",
    );
}

#[test]
fn bad_write_trigger() {
    fails(
        &["--write-trigger", "both", "--samples", "10"],
        "--write-trigger",
    );
}

#[cfg(target_os = "linux")]
#[test]
fn kqueue_on_linux() {
    fails(
        &["--backend", "kqueue", "--samples", "10"],
        "the kqueue backend is not available on linux",
    );
}

#[cfg(any(target_os = "linux", target_os = "macos", target_os = "freebsd"))]
#[test]
fn too_many_timers() {
    // Either the descriptor budget or the per-kind cap, whichever the machine hits first;
    // both messages name the number asked for.
    fails(
        &["--backend", "auto", "--timers", "100000", "--samples", "10"],
        "100000",
    );
}

#[test]
fn unwritable_output() {
    // Missing folders are made (the README's parent-folder policy); a folder that cannot
    // exist, under a regular file, is an error before anything is collected.
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("afile"), b"x").unwrap();
    let assert = kqent(tmp.path())
        .args(["--backend", "mock", "--samples", "10", "--out"])
        .arg(tmp.path().join("afile/dir/x.kqt"))
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("cannot create the folder"), "{stderr}");
    assert_eq!(entries(tmp.path()), ["afile"]);
}

#[cfg(any(target_os = "linux", target_os = "macos", target_os = "freebsd"))]
#[test]
fn error_after_the_sources_exist_cleans_up() {
    // A TMPDIR that is not a directory passes validation, then makes opening the source
    // fail after the partial trace was created: it must be removed.
    let dir = tempfile::tempdir().unwrap();
    let not_a_dir = dir.path().join("plain-file");
    std::fs::write(&not_a_dir, b"x").unwrap();
    let out = dir.path().join("x.kqt");
    let assert = Command::cargo_bin("kqent")
        .unwrap()
        .env("TMPDIR", &not_a_dir)
        .args(["collect", "--backend", "auto", "--samples", "10", "--out"])
        .arg(&out)
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("cannot create a private directory"),
        "{stderr}"
    );
    assert_eq!(entries(dir.path()), ["plain-file"], "partial trace removed");
}

/// Runs `collect --restarts` and returns (matrix bytes, trace metadata, records).
fn restart_run(
    backend: &str,
    restarts: &str,
    per: &str,
    extract: &str,
) -> (Vec<u8>, Metadata, Vec<kqent_trace::Record>) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("M.bin");
    kqent(dir.path())
        .args([
            "--backend",
            backend,
            "--restarts",
            restarts,
            "--per-restart",
            per,
            "--extract",
            extract,
            "--warmup",
            "20",
            "--seed",
            "5",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success()
        .stderr(predicates::str::contains("restart matrix"));
    assert_eq!(entries(dir.path()), ["M.bin", "M.bin.trace"]);
    let matrix = std::fs::read(&out).unwrap();
    let (meta, records) = read_file(&dir.path().join("M.bin.trace")).unwrap();
    (matrix, meta, records)
}

#[test]
fn mock_restart_matrix_matches_its_trace() {
    for (extract, extra) in [("lsb:8", 0u64), ("delta-lsb:3", 1), ("xorfold", 2)] {
        let (matrix, meta, records) = restart_run("mock", "12", "50", extract);
        assert_eq!(matrix.len(), 12 * 50, "{extract}");
        let layout = meta.restarts.unwrap();
        assert_eq!((layout.count, layout.per_restart), (12, 50 + extra));
        assert_eq!(meta.samples, 12 * (50 + extra));
        let ex: kqent_analysis::Extraction = extract.parse().unwrap();
        for r in 0..12u32 {
            let d: Vec<u64> = records
                .iter()
                .filter(|x| x.segment == r)
                .map(|x| x.duration_ns)
                .collect();
            let row = &matrix[r as usize * 50..(r as usize + 1) * 50];
            assert_eq!(ex.apply_raw(&d), row, "{extract}, restart {r}");
        }
    }
    // Reproducible for a seed.
    let (a, _, ra) = restart_run("mock", "3", "40", "lsb:4");
    let (b, _, rb) = restart_run("mock", "3", "40", "lsb:4");
    assert_eq!((a, ra), (b, rb));
}

#[cfg(any(target_os = "linux", target_os = "macos", target_os = "freebsd"))]
#[test]
fn native_restart_matrix() {
    let (matrix, meta, records) = restart_run("auto", "5", "200", "lsb:8");
    assert_eq!(matrix.len(), 1000);
    assert_eq!(records.len(), 1000);
    assert_eq!(meta.restarts.unwrap().count, 5);
    assert_eq!(
        matrix,
        records
            .iter()
            .map(|r| r.duration_ns as u8)
            .collect::<Vec<u8>>()
    );
}

#[test]
fn restart_bad_input() {
    fails(
        &["--backend", "mock", "--restarts", "3", "--extract", "lsb:9"],
        "lsb:9",
    );
    fails(&["--backend", "mock", "--restarts", "0"], "at least 1");
    // --per-restart without --restarts is a usage error (clap), also exit 2.
    let dir = tempfile::tempdir().unwrap();
    kqent(dir.path())
        .args(["--backend", "mock", "--per-restart", "10", "--out"])
        .arg(dir.path().join("x"))
        .assert()
        .code(2);
    assert!(entries(dir.path()).is_empty());
}
