//! Issue 10, one test (or a few) per point, through the CLI: the exit code, a one-line
//! message, and that nothing but the intended output changed (the inputs and a planted
//! victim file hashed before and after).
#![cfg(target_os = "linux")]

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::spawn_until_first_line;
use crate::limited::{hash, run, snapshot, Outcome};

const DEADLINE: Duration = Duration::from_secs(600);
/// The memory limit of the memory test: the stream bound (64 MiB) plus the program.
const RSS_LIMIT_KIB: i64 = 160 * 1024;

fn kq(dir: &Path, args: &[&str]) -> Outcome {
    let a: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
    run(&a, dir, &[], 0, DEADLINE)
}

fn kq_limited(dir: &Path, args: &[&str], as_limit: u64) -> Outcome {
    let a: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
    run(&a, dir, &[], as_limit, DEADLINE)
}

/// A mock trace of `n` samples at `dir/name`.
fn trace(dir: &Path, name: &str, n: u32) -> PathBuf {
    let o = kq(
        dir,
        &[
            "collect",
            "--backend",
            "mock",
            "--samples",
            &n.to_string(),
            "--out",
            name,
        ],
    );
    assert_eq!(o.code, Some(0), "{o:?}");
    dir.join(name)
}

/// A mock sweep of 2 configurations x 2 repetitions at `dir/name`.
fn sweep(dir: &Path, name: &str) -> PathBuf {
    let o = kq(
        dir,
        &[
            "sweep",
            "--backend",
            "mock",
            "--samples",
            "2000",
            "--timers",
            "0,1",
            "--repeat",
            "2",
            "--out",
            name,
        ],
    );
    assert_eq!(o.code, Some(0), "{o:?}");
    dir.join(name)
}

fn victim(dir: &Path) -> (PathBuf, String) {
    let v = dir.join("victim.txt");
    std::fs::write(&v, b"precious\n").unwrap();
    let h = hash(&v);
    (v, h)
}

/// A trace's header rewritten: `edit` gets the metadata JSON and returns the new count.
fn doctor_trace(src: &Path, dst: &Path, edit: impl FnOnce(&mut serde_json::Value) -> u64) {
    let d = std::fs::read(src).unwrap();
    let hl = u32::from_le_bytes(d[12..16].try_into().unwrap()) as usize;
    let jl = u32::from_le_bytes(d[24..28].try_into().unwrap()) as usize;
    let mut meta: serde_json::Value = serde_json::from_slice(&d[32..32 + jl]).unwrap();
    let count = edit(&mut meta);
    let j = serde_json::to_vec(&meta).unwrap();
    let mut out = d[..hl].to_vec();
    out[32..32 + j.len()].copy_from_slice(&j);
    for b in &mut out[32 + j.len()..hl] {
        *b = b' ';
    }
    out[16..24].copy_from_slice(&count.to_le_bytes());
    out[24..28].copy_from_slice(&(j.len() as u32).to_le_bytes());
    out.extend_from_slice(&d[hl..]);
    let f = std::fs::File::create(dst).unwrap();
    use std::io::Write;
    (&f).write_all(&out).unwrap();
    // Sparse: the length the header claims, without the blocks.
    f.set_len(hl as u64 + count * 28).unwrap();
}

// ---- 1. memory bounded by the work ----

#[test]
fn p1_dev_zero_is_refused_within_the_documented_memory() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["health", "/dev/zero", "--h", "1"][..],
        &["analyze", "/dev/zero"][..],
    ] {
        let o = kq(dir.path(), args);
        o.one_line_error(2, "stream longer than");
        eprintln!(
            "{args:?}: exit 2 in {:.2} s, peak RSS {} KiB",
            o.elapsed.as_secs_f64(),
            o.max_rss_kib
        );
        assert!(
            o.max_rss_kib < RSS_LIMIT_KIB,
            "{args:?}: peak RSS {} KiB over the {RSS_LIMIT_KIB} KiB limit",
            o.max_rss_kib
        );
    }
}

#[test]
fn p1_claims_and_sizes_are_checked_before_allocating() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let t = trace(d, "t.kqt", 3000);
    let limit = 3_000_000 * 1024; // ulimit -v 3000000
                                  // A sparse trace claiming 10^8 records: an error, not an abort in with_capacity.
    doctor_trace(&t, &d.join("sparse.kqt"), |m| {
        m["samples"] = 100_000_000u64.into();
        100_000_000
    });
    let o = kq_limited(d, &["analyze", "sparse.kqt", "--extract", "lsb:4"], limit);
    o.one_line_error(2, "sparse.kqt");
    // 3 x 10^8 records need more memory than the limit leaves: refused before reading.
    doctor_trace(&t, &d.join("huge.kqt"), |m| {
        m["samples"] = 300_000_000u64.into();
        300_000_000
    });
    let o = kq_limited(
        d,
        &["health", "huge.kqt", "--extract", "lsb:4", "--h", "1"],
        limit,
    );
    o.one_line_error(2, "MiB of memory");
    // A 2 GB symbol file: refused by its size, before it is read.
    let big = std::fs::File::create(d.join("big.bin")).unwrap();
    big.set_len(2_000_000_000).unwrap();
    let o = kq_limited(d, &["analyze", "big.bin", "--bits", "8"], limit);
    o.one_line_error(2, "more than the 1073741824");
    // Six knob lists of 1,000 values: report and gate refuse the manifest.
    let sw = sweep(d, "sw");
    let mut m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(sw.join("sweep.json")).unwrap()).unwrap();
    for k in [
        "num_timers",
        "num_sockets",
        "num_file_watchers",
        "timeout_ms",
        "poke_interval_us",
        "warmup",
    ] {
        m["knobs"][k] = (0..1000).collect::<Vec<u32>>().into();
    }
    std::fs::write(sw.join("sweep.json"), serde_json::to_vec(&m).unwrap()).unwrap();
    let before = snapshot(&sw);
    for args in [
        &["report", "sw", "-q"][..],
        &["gate", "sw", "--min-entropy", "0"][..],
    ] {
        let o = kq_limited(d, args, limit);
        o.one_line_error(2, "more than the 100000 a sweep may hold");
    }
    assert_eq!(snapshot(&sw), before);
    // --threads is validated.
    let o = kq(
        d,
        &[
            "analyze",
            "t.kqt",
            "--extract",
            "lsb:4",
            "--threads",
            "10000",
        ],
    );
    o.one_line_error(2, "--threads 10000 is outside 1..=256");
}

// ---- 2. an output never overwrites an input ----

#[test]
fn p2_outputs_never_overwrite_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("in.bin"),
        (0..5000u32)
            .map(|i| (i * 7 % 251) as u8)
            .collect::<Vec<_>>(),
    )
    .unwrap();
    trace(d, "t.kqt", 3000);
    let sw = sweep(d, "sw");
    std::fs::hard_link(d.join("in.bin"), d.join("link.bin")).unwrap();
    let (v, vh) = victim(d);
    let before = snapshot(d);
    let r = std::fs::read_dir(sw.join("results"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let r = r.strip_prefix(d).unwrap().to_str().unwrap().to_string();
    for args in [
        vec!["analyze", "in.bin", "--bits", "8", "--json", "in.bin"],
        vec!["analyze", "in.bin", "--bits", "8", "--json", "./link.bin"],
        vec![
            "health",
            "t.kqt",
            "--extract",
            "lsb:4",
            "--h",
            "1",
            "--json",
            "t.kqt",
        ],
        vec!["report", "sw", "--html", &r],
        vec!["report", "sw", "--markdown", "sw/sweep.json"],
        vec!["gate", "sw", "--min-entropy", "0", "--junit", &r],
        vec!["export", "t.kqt", "--csv", "--out", "t.kqt"],
    ] {
        let o = kq(d, &args);
        o.one_line_error(2, "is the input");
    }
    assert_eq!(snapshot(d), before, "nothing changed");
    assert_eq!(hash(&v), vh);
}

#[test]
fn p2_outputs_are_checked_before_the_work_and_parents_are_made() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("existing")).unwrap();
    std::fs::write(d.join("afile"), b"x").unwrap();
    std::fs::write(
        d.join("in.bin"),
        (0..5000u32)
            .map(|i| (i * 7 % 251) as u8)
            .collect::<Vec<_>>(),
    )
    .unwrap();
    // An existing directory as --out: refused before collecting 10^9 samples.
    let o = kq(
        d,
        &[
            "collect",
            "--backend",
            "mock",
            "--samples",
            "1000000000",
            "--out",
            "existing",
        ],
    );
    o.one_line_error(2, "is a directory");
    // A --json whose folder cannot exist: refused before the IID tests run.
    let o = kq(
        d,
        &[
            "analyze",
            "in.bin",
            "--bits",
            "8",
            "--iid",
            "--json",
            "afile/r.json",
        ],
    );
    o.one_line_error(2, "cannot create the folder");
    assert!(!o.stdout.contains("IID"), "no work was done: {}", o.stdout);
    // The parent-folder policy: missing folders are made, for every command alike.
    let o = kq(
        d,
        &["analyze", "in.bin", "--bits", "8", "--json", "new/a/r.json"],
    );
    assert_eq!(o.code, Some(0), "{o:?}");
    assert!(d.join("new/a/r.json").is_file());
    let o = kq(
        d,
        &[
            "collect",
            "--backend",
            "mock",
            "--samples",
            "100",
            "--out",
            "new/b/t.kqt",
        ],
    );
    assert_eq!(o.code, Some(0), "{o:?}");
    let o = kq(
        d,
        &["export", "new/b/t.kqt", "--csv", "--out", "new/c/t.csv"],
    );
    assert_eq!(o.code, Some(0), "{o:?}");
    let o = kq(
        d,
        &["report", "new/a/r.json", "--html", "new/d/r.html", "-q"],
    );
    assert_eq!(o.code, Some(0), "{o:?}");
    assert!(d.join("new/d/r.html").is_file());
}

// ---- 3. temporary files ----

#[test]
fn p3_planted_symlinks_at_predictable_names_are_never_followed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("in.bin"),
        (0..5000u32)
            .map(|i| (i * 7 % 251) as u8)
            .collect::<Vec<_>>(),
    )
    .unwrap();
    let o = kq(d, &["analyze", "in.bin", "--bits", "8", "--json", "r.json"]);
    assert_eq!(o.code, Some(0), "{o:?}");
    let outside = tempfile::tempdir().unwrap();
    let (v, vh) = victim(outside.path());
    // Every name the old writers used for the next PIDs points at the victim.
    let next = std::process::id();
    for pid in next..next + 300 {
        for name in [
            format!(".r.html.tmp{pid}"),
            format!(".r.md.tmp{pid}"),
            format!(".r.html.kqent-tmp-{pid}"),
            format!(".r.md.kqent-tmp-{pid}"),
            format!(".r.summary.json.kqent-tmp-{pid}"),
        ] {
            std::os::unix::fs::symlink(&v, d.join(name)).unwrap();
        }
    }
    let o = kq(d, &["report", "r.json", "-q"]);
    assert_eq!(o.code, Some(0), "{o:?}");
    assert_eq!(hash(&v), vh, "the victim outside is untouched");
    // Temporaries are random O_EXCL names beside the target, all gone afterwards.
    let left: Vec<String> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| kqent_pipeline::atomic::is_temporary(n))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

// ---- 4. every terminating signal ----

fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// `collect` on epoll for far more samples than any test waits for, into `out`.
fn endless_collect(out: &str) -> [&str; 7] {
    [
        "collect",
        "--backend",
        "epoll",
        "--samples",
        "1000000000",
        "--out",
        out,
    ]
}

/// Starts kqent with TMPDIR=`tmp`, waits for the first stderr line (printed once the
/// collection runs), sends `sig`, returns (exit code, rest of stderr).
fn signal_during(
    args: &[&str],
    cwd: &Path,
    tmp: &Path,
    sig: i32,
    ready: impl Fn() -> bool,
) -> (Option<i32>, String) {
    let (mut child, line, mut stderr) = spawn_until_first_line(args, Some(cwd), tmp);
    let deadline = Instant::now() + Duration::from_secs(300);
    while !ready() {
        assert!(Instant::now() < deadline, "never ready: {line}");
        assert!(child.try_wait().unwrap().is_none(), "exited early: {line}");
        std::thread::sleep(Duration::from_millis(20));
    }
    // SAFETY: kill(2) on our own child.
    assert_eq!(unsafe { libc::kill(child.id() as libc::pid_t, sig) }, 0);
    let status = child.wait().unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    (status.code(), line + &rest)
}

/// A partial trace with records exists in `dir`.
fn partial_has_records(dir: &Path) -> bool {
    entries(dir)
        .into_iter()
        .filter(|n| kqent_pipeline::atomic::is_temporary(n))
        .any(|n| {
            std::fs::read(dir.join(n)).is_ok_and(|b| {
                b.len() >= 16 && b.len() > u32::from_le_bytes([b[12], b[13], b[14], b[15]]) as usize
            })
        })
}

#[test]
fn p4_sigterm_and_sighup_end_collect_like_ctrl_c() {
    for (sig, code) in [(libc::SIGTERM, 143), (libc::SIGHUP, 129)] {
        let dir = tempfile::tempdir().unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let d = dir.path();
        let (code_got, err) = signal_during(
            &[
                "collect",
                "--backend",
                "epoll",
                "--warmup",
                "10",
                "--samples",
                "1000000000",
                "--out",
                "t.kqt",
            ],
            d,
            tmp.path(),
            sig,
            || partial_has_records(d),
        );
        assert_eq!(code_got, Some(code), "{err}");
        assert!(err.contains("interrupted: wrote"), "{err}");
        let (meta, records) = kqent_trace::read_file(&d.join("t.kqt")).unwrap();
        assert!(meta.interrupted && meta.samples > 0);
        assert_eq!(meta.samples, records.len() as u64);
        assert_eq!(entries(d), ["t.kqt"], "no temporary trace");
        assert!(entries(tmp.path()).is_empty(), "private directory removed");
    }
    // --restarts too.
    let dir = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (code, err) = signal_during(
        &[
            "collect",
            "--backend",
            "epoll",
            "--warmup",
            "0",
            "--restarts",
            "1000000",
            "--per-restart",
            "100",
            "--out",
            "M.bin",
        ],
        d,
        tmp.path(),
        libc::SIGTERM,
        || partial_has_records(d),
    );
    assert_eq!(code, Some(143), "{err}");
    assert_eq!(entries(d), ["M.bin.trace"]);
    assert!(entries(tmp.path()).is_empty());
}

#[test]
fn p4_sigterm_during_a_sweep_and_orphans_of_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let d = dir.path();
    let traces = d.join("sw/traces");
    let args = [
        "sweep",
        "--backend",
        "epoll",
        "--samples",
        "200000",
        "--timers",
        "0,1",
        "--out",
        "sw",
    ];
    let (code, err) = signal_during(&args, d, tmp.path(), libc::SIGTERM, || {
        traces.is_dir() && partial_has_records(&traces)
    });
    assert_eq!(code, Some(143), "{err}");
    crate::common::assert_no_temporaries(&d.join("sw"));
    assert!(entries(tmp.path()).is_empty(), "private directory removed");

    // SIGKILL leaves the collector's private directory; --resume removes it.
    let (mut child, _, _) = spawn_until_first_line(endless_collect("k.kqt"), Some(d), tmp.path());
    child.kill().unwrap();
    child.wait().unwrap();
    let orphans = entries(tmp.path());
    assert_eq!(orphans.len(), 1, "{orphans:?}");
    // Its lock is older than the minute a starting collector is given.
    let lock = tmp.path().join(&orphans[0]).join(".lock");
    std::fs::File::options()
        .write(true)
        .open(&lock)
        .unwrap()
        .set_modified(std::time::SystemTime::now() - Duration::from_secs(120))
        .unwrap();
    let mut resume: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
    resume.push(OsStr::new("--resume"));
    let o = run(&resume, d, &[("TMPDIR", tmp.path())], 0, DEADLINE);
    assert_eq!(o.code, Some(0), "{o:?}");
    assert!(
        entries(tmp.path()).is_empty(),
        "orphan removed: {:?}",
        entries(tmp.path())
    );
}

// ---- 5. one writer per sweep directory ----

#[test]
fn p5_a_second_sweep_names_the_holder_and_collects_do_not_silently_replace() {
    let dir = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut first = Command::new(env!("CARGO_BIN_EXE_kqent"))
        .env("TMPDIR", tmp.path())
        .current_dir(d)
        .args([
            "sweep",
            "--backend",
            "epoll",
            "--samples",
            "100000000",
            "--out",
            "sw",
        ])
        .stderr(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let lock = d.join("sw/.lock");
    let deadline = Instant::now() + Duration::from_secs(300);
    let pid = first.id().to_string();
    while std::fs::read_to_string(&lock)
        .map(|s| s.trim().to_string())
        .ok()
        != Some(pid.clone())
        || !d.join("sw/sweep.json").is_file()
    {
        assert!(
            Instant::now() < deadline,
            "the first sweep never took the lock"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let before = snapshot(&d.join("sw"));
    let o = kq(
        d,
        &[
            "sweep",
            "--backend",
            "epoll",
            "--samples",
            "100000000",
            "--out",
            "sw",
            "--resume",
        ],
    );
    o.one_line_error(2, &format!("PID {pid}"));
    // SAFETY: kill(2) on our own child.
    unsafe { libc::kill(first.id() as libc::pid_t, libc::SIGINT) };
    assert_eq!(first.wait().unwrap().code(), Some(130));
    // The second writer touched nothing (the first's temporary trace may have grown).
    for (name, h) in before {
        if !name.contains(".kqent-tmp-") && name != ".lock" {
            assert_eq!(hash(&d.join("sw").join(&name)), h, "{name}");
        }
    }

    // A collect whose --out appears meanwhile (another collect finished there) keeps
    // that file and says so; an --out that exists at the start is announced.
    let (mut c, _, mut err) = spawn_until_first_line(endless_collect("c.kqt"), Some(d), tmp.path());
    std::fs::write(d.join("c.kqt"), b"the other collect's trace").unwrap();
    let h = hash(&d.join("c.kqt"));
    // SAFETY: kill(2) on our own child.
    unsafe { libc::kill(c.id() as libc::pid_t, libc::SIGINT) };
    let code = c.wait().unwrap().code();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut err, &mut rest).unwrap();
    assert_eq!(code, Some(130), "{rest}");
    assert!(rest.contains("appeared while"), "{rest}");
    assert_eq!(hash(&d.join("c.kqt")), h, "the other trace is kept");
    let o = kq(
        d,
        &[
            "collect",
            "--backend",
            "mock",
            "--samples",
            "100",
            "--out",
            "c.kqt",
        ],
    );
    assert_eq!(o.code, Some(0));
    assert!(o.stderr.contains("exists; it is replaced"), "{}", o.stderr);
}

// ---- 6. the gate checks what it reads ----

fn doctor_results(sw: &Path, edit: impl Fn(&mut serde_json::Value)) {
    for e in std::fs::read_dir(sw.join("results")).unwrap() {
        let p = e.unwrap().path();
        let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
        edit(&mut v);
        std::fs::write(&p, serde_json::to_vec(&v).unwrap()).unwrap();
    }
}

#[test]
fn p6_gate_validates_ranges_manifest_and_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let sw = sweep(d, "sw");
    let copy = |name: &str| {
        let to = d.join(name);
        let o = Command::new("cp")
            .arg("-r")
            .arg(&sw)
            .arg(&to)
            .status()
            .unwrap();
        assert!(o.success());
        to
    };
    let gate = |dir: &str, extra: &[&str]| {
        let mut a = vec!["gate", dir, "--min-entropy", "0"];
        a.extend_from_slice(extra);
        kq(d, &a)
    };
    assert_eq!(gate("sw", &[]).code, Some(0));
    let h = copy("h");
    doctor_results(&h, |v| v["assessment"]["h_assessed"] = 9.5.into());
    let o = kq(d, &["gate", "h", "--min-entropy", "8"]);
    o.one_line_error(2, "H_assessed 9.5 is outside 0..=4");
    let r = copy("r");
    doctor_results(&r, |v| {
        v["stats"]["autocorrelation"]["max_abs"] = (-0.5).into()
    });
    let o = kq(
        d,
        &["gate", "r", "--min-entropy", "0", "--max-autocorr", "0.1"],
    );
    o.one_line_error(2, "max |r_k| -0.5 is outside 0..=1");
    // Found by the fuzz test (seed 7, case 102): a huge autocorrelation band made the
    // plot's axis unbounded and `report` loop; now both commands refuse it.
    let b = copy("b");
    doctor_results(&b, |v| v["stats"]["autocorrelation"]["band"] = 1e308.into());
    gate("b", &[]).one_line_error(2, "band 1e308 is outside 0..=2");
    kq(d, &["report", "b", "-q"]).one_line_error(2, "band 1e308 is outside 0..=2");
    // Manifest present, runs missing.
    let m = copy("m");
    std::fs::remove_file(m.join("results/t1-s4-w4-to1-p500-edge-wu1000-r2.json")).unwrap();
    gate("m", &[]).one_line_error(2, "sweep incomplete, 3 of 4 results");
    let o = gate("m", &["--allow-incomplete"]);
    assert_eq!(o.code, Some(0), "{o:?}");
    assert!(
        o.stderr.contains("warning: sweep incomplete"),
        "{}",
        o.stderr
    );
    // Manifest and results deleted.
    let n = copy("n");
    std::fs::remove_file(n.join("sweep.json")).unwrap();
    std::fs::remove_file(n.join("results/t1-s4-w4-to1-p500-edge-wu1000-r2.json")).unwrap();
    gate("n", &[]).one_line_error(2, "no sweep.json");
    // A copied result: by (config, repetition) and by input hash.
    let c = copy("c");
    std::fs::copy(
        c.join("results/t0-s4-w4-to1-p500-edge-wu1000-r1.json"),
        c.join("results/copy.json"),
    )
    .unwrap();
    gate("c", &[]).one_line_error(2, "twice");
    let c2 = copy("c2");
    let mut v: serde_json::Value = serde_json::from_slice(
        &std::fs::read(c2.join("results/t0-s4-w4-to1-p500-edge-wu1000-r1.json")).unwrap(),
    )
    .unwrap();
    v["repetition"] = 3.into();
    std::fs::write(c2.join("results/x.json"), serde_json::to_vec(&v).unwrap()).unwrap();
    gate("c2", &[]).one_line_error(2, "same input");
    // Nothing was recomputed or rewritten.
    let before = snapshot(&sw);
    let _ = gate("sw", &[]);
    assert_eq!(snapshot(&sw), before);
}

// ---- 7. escaping ----

#[test]
fn p7_hostile_names_and_metadata_stay_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let name = "a` <img src=x onerror=alert(1)> `b.bin";
    std::fs::write(
        d.join(name),
        (0..3000u32)
            .map(|i| (i * 7 % 251) as u8)
            .collect::<Vec<_>>(),
    )
    .unwrap();
    let o = kq(d, &["analyze", name, "--bits", "8", "--json", "r.json"]);
    assert_eq!(o.code, Some(0), "{o:?}");
    let o = kq(d, &["report", "r.json", "-q"]);
    assert_eq!(o.code, Some(0), "{o:?}");
    let md = std::fs::read_to_string(d.join("r.md")).unwrap();
    assert!(!md.contains("<img"), "{md}");
    assert!(md.contains("&#60;img"), "the name is shown, escaped");
    for line in md.lines().filter(|l| l.contains("onerror")) {
        // Neither a code span nor a table cell can be closed by the name.
        assert!(!line.contains('`') && !line.contains("> "), "{line}");
    }
    // A config id with a newline and an escape in a result: refused in one line.
    let mut v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("r.json")).unwrap()).unwrap();
    v["config_id"] = "x\nkqent: all good\n\u{1b}[2K".into();
    std::fs::write(d.join("evil.json"), serde_json::to_vec(&v).unwrap()).unwrap();
    kq(d, &["gate", "evil.json", "--min-entropy", "0"]).one_line_error(2, "control characters");
    // Trace metadata holding a newline and an escape sequence: one line, escaped.
    let t = trace(d, "t.kqt", 2000);
    doctor_trace(&t, &d.join("m.kqt"), |m| {
        m["knobs"]["write_trigger"] = "x\nkqent: all good\n\u{1b}[2K".into();
        2000
    });
    for args in [
        &["analyze", "m.kqt", "--extract", "lsb:4"][..],
        &["export", "m.kqt", "--extract", "lsb:4", "--out", "m.bin"][..],
    ] {
        kq(d, args).one_line_error(2, "\\u{1b}[2K");
    }
}

// ---- 8. the poker's writes ----

#[test]
fn p8_a_poker_that_cannot_write_ends_the_collection() {
    // A full $TMPDIR: an 8 KiB tmpfs, filled, in a private mount namespace.
    let probe = Command::new("unshare").args(["-rm", "true"]).status();
    if !probe.is_ok_and(|s| s.success()) {
        eprintln!("SKIPPED: unshare -rm is not available here (needs user namespaces)");
        assert!(std::env::var_os("CI").is_none(), "CI must run this test");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let full = dir.path().join("full");
    std::fs::create_dir(&full).unwrap();
    let out = dir.path().join("t.kqt");
    let script = format!(
        "mount -t tmpfs -o size=8k tmpfs {f} && (dd if=/dev/zero of={f}/fill bs=4k 2>/dev/null; true) && TMPDIR={f} exec {k} collect --backend epoll --samples 5000 --out {o}",
        f = full.display(),
        k = env!("CARGO_BIN_EXE_kqent"),
        o = out.display()
    );
    let o = Command::new("unshare")
        .args(["-rm", "sh", "-c", &script])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("the poker cannot write"), "{err}");
    assert_eq!(
        err.matches("(os error").count(),
        1,
        "the OS error once: {err}"
    );
    assert!(
        !out.exists(),
        "no trace of a measurement without file events"
    );
}

// ---- 9. small ones ----

#[test]
fn p9_small_ones() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("in.bin"),
        (0..5000u32).map(|i| (i * 7 % 16) as u8).collect::<Vec<_>>(),
    )
    .unwrap();
    // The OS's reason once.
    let o = kq(d, &["analyze", "missing.bin"]);
    o.one_line_error(2, "No such file or directory");
    assert_eq!(o.stderr.matches("os error").count(), 1, "{}", o.stderr);
    let o = kq(
        d,
        &[
            "collect",
            "--backend",
            "mock",
            "--samples",
            "10",
            "--out",
            "in.bin/x",
        ],
    );
    assert_eq!(o.code, Some(2));
    assert!(o.stderr.matches("os error").count() <= 1, "{}", o.stderr);
    // A 250-byte output name works (the temporary name does not grow with it).
    let long = format!("{}.json", "r".repeat(245));
    let o = kq(d, &["analyze", "in.bin", "--json", &long]);
    assert_eq!(o.code, Some(0), "{o:?}");
    assert!(d.join(&long).is_file());
    // restart on a directory.
    kq(d, &["restart", ".", "--bits", "8", "--h-initial", "1"])
        .one_line_error(2, "not a regular file");
    // A block past the end is refused, not cut.
    kq(d, &["analyze", "in.bin", "--block", "1,3000"])
        .one_line_error(2, "past the end of the 5000 samples");
    // --bits 9 is the option's fault.
    kq(d, &["analyze", "in.bin", "--bits", "9"]).one_line_error(2, "--bits 9 is outside 1..=8");
    // Header lengths and JSON lengths as the README says.
    let t = trace(d, "t.kqt", 1000);
    let mut b = std::fs::read(&t).unwrap();
    let hl = u32::from_le_bytes(b[12..16].try_into().unwrap());
    let jl = u32::from_le_bytes(b[24..28].try_into().unwrap());
    b[24..28].copy_from_slice(&(jl + 3).to_le_bytes());
    std::fs::write(d.join("j.kqt"), &b).unwrap();
    kq(d, &["analyze", "j.kqt", "--extract", "lsb:4"])
        .one_line_error(2, "runs past the end of the metadata JSON");
    let mut b = std::fs::read(&t).unwrap();
    // Header 4 bytes longer (not a multiple of 4096), records moved along.
    b[12..16].copy_from_slice(&(hl + 4).to_le_bytes());
    b.splice(hl as usize..hl as usize, *b"    ");
    std::fs::write(d.join("h.kqt"), &b).unwrap();
    kq(d, &["analyze", "h.kqt", "--extract", "lsb:4"]).one_line_error(2, "not a multiple of 4096");
}

#[test]
fn p9_an_interrupted_iid_run_says_so_once() {
    let dir = tempfile::tempdir().unwrap();
    let input = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("crates/analysis/tests/data/conformance/nist_ringOsc.bin");
    let mut args: Vec<OsString> = ["analyze", "--iid", "--all-statistics"]
        .iter()
        .map(OsString::from)
        .collect();
    args.push(input.into_os_string());
    let child = Command::new(env!("CARGO_BIN_EXE_kqent"))
        .args(&args)
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Ready once the handler of SIGTERM (bit 15 of SigCgt) is installed.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let s = std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap_or_default();
        let caught = s
            .lines()
            .find_map(|l| l.strip_prefix("SigCgt:"))
            .and_then(|m| u64::from_str_radix(m.trim(), 16).ok())
            .is_some_and(|m| m & (1 << (libc::SIGTERM - 1)) != 0);
        if caught {
            break;
        }
        assert!(Instant::now() < deadline, "no SIGTERM handler");
        std::thread::sleep(Duration::from_millis(10));
    }
    // SAFETY: kill(2) on our own child.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(143), "{err}");
    assert_eq!(err.trim_end(), "kqent: interrupted", "{err}");
}
