//! Ctrl-C during `kqent collect`: exit 130, a valid trace marked interrupted with the
//! samples so far, no partial file and no private directory left.
#![cfg(any(target_os = "linux", target_os = "macos", target_os = "freebsd"))]

use crate::common::spawn_until_first_line;
use std::ffi::OsStr;
use std::io::Read;
use std::path::Path;
use std::time::{Duration, Instant};

fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// True once a partial trace in `dir` (the atomic writer's temporary file) holds at least
/// one record: the file is longer than
/// the header length its preamble announces (u32 LE at byte 12).
fn has_records(dir: &Path) -> bool {
    entries(dir)
        .into_iter()
        .filter(|n| kqent_pipeline::atomic::is_temporary(n))
        .any(|name| {
            let Ok(bytes) = std::fs::read(dir.join(name)) else {
                return false;
            };
            if bytes.len() < 16 || &bytes[..8] != b"KQENTTRC" {
                return false;
            }
            let header = u32::from_le_bytes([bytes[12], bytes[13], bytes[14], bytes[15]]);
            bytes.len() > header as usize
        })
}

fn native() -> &'static str {
    if cfg!(target_os = "linux") {
        "epoll"
    } else {
        "kqueue"
    }
}

/// Starts `kqent collect ARGS --out OUT` with TMPDIR=`tmp`, checks the readiness line
/// starts with `expect` (and, for a plain collection, that the private directory exists),
/// waits (polling, generous deadline) until records reach the partial trace, sends SIGINT,
/// and returns the exit code and the rest of stderr.
fn interrupt(args: &[&str], out: &Path, tmp: &Path, expect: &str) -> (Option<i32>, String) {
    let dir = out.parent().unwrap();
    let mut full: Vec<&OsStr> = vec![OsStr::new("collect")];
    full.extend(args.iter().map(OsStr::new));
    full.extend([OsStr::new("--out"), out.as_os_str()]);
    let (mut child, line, mut stderr) = spawn_until_first_line(full, None, tmp);
    assert!(line.starts_with(expect), "{line}");
    if !args.contains(&"--restarts") {
        assert_eq!(
            entries(tmp).len(),
            1,
            "private directory exists while collecting"
        );
    }
    // The writer buffers 64 KiB, so records in the file mean thousands of samples kept.
    let deadline = Instant::now() + Duration::from_secs(120);
    while !has_records(dir) {
        assert!(Instant::now() < deadline, "no records after 120 s");
        std::thread::sleep(Duration::from_millis(20));
    }
    // SAFETY: plain kill(2) on our own child.
    let rc = unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    assert_eq!(rc, 0);
    let status = child.wait().unwrap();
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    (status.code(), rest)
}

#[test]
fn sigint_finishes_the_trace_and_cleans_up() {
    let dir = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let out = dir.path().join("int.kqt");
    let (code, rest) = interrupt(
        &[
            "--backend",
            "auto",
            "--warmup",
            "10",
            "--samples",
            "1000000000",
        ],
        &out,
        tmp.path(),
        &format!("kqent: collecting 1000000000 samples ({})", native()),
    );
    assert_eq!(code, Some(130), "stderr: {rest}");
    assert!(rest.contains("interrupted: wrote"), "{rest}");

    let (meta, records) = kqent_trace::read_file(&out).unwrap();
    assert!(meta.interrupted);
    assert!(meta.samples > 0);
    assert_eq!(meta.samples, records.len() as u64);
    assert_eq!(meta.samples_requested, 1_000_000_000);
    assert_eq!(entries(dir.path()), ["int.kqt"], "no partial file");
    assert!(entries(tmp.path()).is_empty(), "private directory removed");
}

#[test]
fn sigint_during_restarts_keeps_the_trace_but_no_matrix() {
    let dir = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let out = dir.path().join("M.bin");
    let (code, rest) = interrupt(
        &[
            "--backend",
            "auto",
            "--warmup",
            "0",
            "--restarts",
            "1000000",
            "--per-restart",
            "100",
        ],
        &out,
        tmp.path(),
        &format!(
            "kqent: collecting 1000000 restarts x 100 samples ({})",
            native()
        ),
    );
    assert_eq!(code, Some(130), "stderr: {rest}");
    assert!(rest.contains("no restart matrix written"), "{rest}");
    let (meta, records) = kqent_trace::read_file(&dir.path().join("M.bin.trace")).unwrap();
    assert!(meta.interrupted && meta.samples > 0);
    assert_eq!(meta.restarts.unwrap().count, 1_000_000);
    assert!(records.last().unwrap().segment > 0, "several restarts ran");
    assert_eq!(
        entries(dir.path()),
        ["M.bin.trace"],
        "no matrix, no partial files"
    );
    assert!(entries(tmp.path()).is_empty(), "private directory removed");
}
