//! Ctrl-C during a long IID run (`kqent analyze --iid --all-statistics` on non-IID data,
//! ~20-30 min to the end): exit 130 soon after, no JSON written.
#![cfg(target_os = "linux")]

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// True once `pid` catches SIGINT: bit 1 (signal 2) of the `SigCgt` mask in
/// /proc/PID/status. That is the readiness signal: the handler is installed before the
/// input is read, so no fixed sleep is needed.
fn catches_sigint(pid: u32) -> bool {
    let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
        return false;
    };
    status
        .lines()
        .find_map(|l| l.strip_prefix("SigCgt:"))
        .and_then(|m| u64::from_str_radix(m.trim(), 16).ok())
        .is_some_and(|mask| mask & (1 << (libc::SIGINT - 1)) != 0)
}

#[test]
fn ctrl_c_stops_a_long_iid_run_with_exit_130() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("never.json");
    let input = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("crates/analysis/tests/data/conformance/nist_ringOsc.bin");
    let mut child = Command::new(env!("CARGO_BIN_EXE_kqent"))
        .args(["analyze", "--iid", "--all-statistics", "--json"])
        .arg(&json)
        .arg(&input)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !catches_sigint(child.id()) {
        assert!(
            Instant::now() < deadline,
            "the SIGINT handler was never installed"
        );
        assert!(child.try_wait().unwrap().is_none(), "kqent exited early");
        std::thread::sleep(Duration::from_millis(10));
    }
    let sent = Instant::now();
    // SAFETY: plain kill(2) on our own child.
    let rc = unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    assert_eq!(rc, 0);
    // Poll rather than wait: were the flag not wired to the IID run, it would go on for
    // tens of minutes.
    let limit = Duration::from_secs(120);
    while child.try_wait().unwrap().is_none() {
        if sent.elapsed() > limit {
            let _ = child.kill();
            panic!("still running {limit:?} after SIGINT");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!json.exists(), "an interrupted run writes no report");
}
