//! Progress on a terminal: rates rounded for people (`4,385/s`, never `4385.0976/s`).
//! stderr is a pseudo-terminal (openpty), so the bar draws as it does for a user.

use std::io::Read;
use std::os::fd::{FromRawFd, OwnedFd};
use std::process::Stdio;

use crate::common::kqent_bin;

/// Runs `kqent args` with stderr on a pseudo-terminal; returns everything it drew there.
fn stderr_on_a_terminal(args: &[&str]) -> String {
    let (mut master, mut slave) = (0, 0);
    let size = libc::winsize {
        ws_row: 40,
        ws_col: 160,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: openpty writes two descriptors into the integers we pass; no names or termios.
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            &size,
        )
    };
    assert_eq!(rc, 0, "openpty failed");
    // SAFETY: both descriptors were just opened and are owned here alone.
    let (master, slave) = unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
    let mut child = std::process::Command::new(kqent_bin())
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::from(slave))
        .spawn()
        .unwrap();
    // The child holds the only slave descriptor: reading ends (EIO) once it exits.
    let mut reader = std::fs::File::from(master);
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match reader.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
        }
    }
    assert!(child.wait().unwrap().success());
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn collect_progress_shows_rounded_rates_and_counts() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("t.trace");
    let text = stderr_on_a_terminal(&[
        "collect",
        "--backend",
        "mock",
        "--samples",
        "3000000",
        "--out",
        out.to_str().unwrap(),
    ]);
    // Every rate drawn: digits in groups of three, or one decimal below 10.
    let rate = regex_lite_rates(&text);
    assert!(!rate.is_empty(), "no rate drawn: {text:?}");
    for r in &rate {
        let whole = r.split(',').enumerate().all(|(i, g)| {
            g.chars().all(|c| c.is_ascii_digit())
                && if i == 0 {
                    (1..=3).contains(&g.len())
                } else {
                    g.len() == 3
                }
        });
        let small = r.len() == 3 && r.as_bytes()[1] == b'.';
        assert!(
            whole || small,
            "rate {r:?} is not rounded for people: {text:?}"
        );
    }
    // Counts too: the total as people write it.
    assert!(text.contains("/3,000,000 samples"), "{text:?}");
}

/// The `X` of every `(X/s` in `text`.
fn regex_lite_rates(text: &str) -> Vec<String> {
    text.split('(')
        .skip(1)
        .filter_map(|s| s.split_once("/s").map(|(r, _)| r.to_string()))
        .filter(|r| !r.is_empty() && r.len() < 20)
        .collect()
}
