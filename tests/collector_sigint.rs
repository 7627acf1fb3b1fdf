//! Ctrl-C during `kqent collect`: exit 130, a valid trace marked interrupted with the
//! samples so far, no partial file and no private directory left.
#![cfg(any(target_os = "linux", target_os = "macos", target_os = "freebsd"))]

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// True once the partial trace in `dir` holds at least one record: the file is longer than
/// the header length its preamble announces (u32 LE at byte 12).
fn has_records(dir: &Path) -> bool {
    let Some(name) = entries(dir).into_iter().find(|n| n.contains(".partial-")) else {
        return false;
    };
    let Ok(bytes) = std::fs::read(dir.join(name)) else {
        return false;
    };
    if bytes.len() < 16 {
        return false;
    }
    let header = u32::from_le_bytes([bytes[12], bytes[13], bytes[14], bytes[15]]) as usize;
    bytes.len() > header
}

#[test]
fn sigint_finishes_the_trace_and_cleans_up() {
    let dir = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let out = dir.path().join("int.kqt");
    let mut child = Command::new(env!("CARGO_BIN_EXE_kqent"))
        .env("TMPDIR", tmp.path())
        .args([
            "collect",
            "--backend",
            "auto",
            "--warmup",
            "10",
            "--samples",
            "1000000000",
            "--out",
        ])
        .arg(&out)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let native = if cfg!(target_os = "linux") {
        "epoll"
    } else {
        "kqueue"
    };
    assert!(
        line.starts_with(&format!("kqent: collecting 1000000000 samples ({native})")),
        "{line}"
    );
    assert_eq!(entries(tmp.path()).len(), 1, "private directory exists");
    // Wait (polling, with a generous deadline) until records reach the file: the writer
    // buffers 64 KiB, so this means a few thousand samples were kept.
    let deadline = Instant::now() + Duration::from_secs(120);
    while !has_records(dir.path()) {
        assert!(Instant::now() < deadline, "no records after 120 s");
        std::thread::sleep(Duration::from_millis(20));
    }
    // SAFETY: plain kill(2) on our own child.
    let rc = unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    assert_eq!(rc, 0);
    let status = child.wait().unwrap();
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    assert_eq!(status.code(), Some(130), "stderr: {rest}");
    assert!(rest.contains("interrupted: wrote"), "{rest}");

    let (meta, records) = kqent_trace::read_file(&out).unwrap();
    assert!(meta.interrupted);
    assert!(meta.samples > 0);
    assert_eq!(meta.samples, records.len() as u64);
    assert_eq!(meta.samples_requested, 1_000_000_000);
    assert_eq!(entries(dir.path()), ["int.kqt"], "no partial file");
    assert!(entries(tmp.path()).is_empty(), "private directory removed");
}
