//! Running `kqent` as a child under limits, for the hardening and fuzz tests: an
//! address-space limit (`RLIMIT_AS`, so that unbounded memory shows as a failure rather
//! than a swapping machine), a deadline after which the child is killed (a hang detector,
//! not a speed goal), and the child's peak RSS from `wait4`'s rusage (the kernel's
//! figure, not a sample).
#![allow(dead_code)]

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How a limited run ended.
#[derive(Debug)]
pub struct Outcome {
    /// Exit code, when the child exited.
    pub code: Option<i32>,
    /// Signal number, when a signal ended it.
    pub signal: Option<i32>,
    /// Peak resident set size, KiB (`ru_maxrss`).
    pub max_rss_kib: i64,
    /// Wall time.
    pub elapsed: Duration,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// Killed at the deadline.
    pub timed_out: bool,
}

impl Outcome {
    /// Panics unless the run exited with `code` and printed exactly one line on stderr
    /// holding `needle`, with no escape byte.
    pub fn one_line_error(&self, code: i32, needle: &str) {
        assert!(!self.timed_out, "killed at the deadline: {self:?}");
        assert_eq!(self.code, Some(code), "{self:?}");
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "one line expected: {:?}", self.stderr);
        assert!(lines[0].starts_with("kqent: "), "{:?}", self.stderr);
        assert!(
            self.stderr.contains(needle),
            "{needle:?} not in {:?}",
            self.stderr
        );
        assert!(!self.stderr.contains('\u{1b}'), "{:?}", self.stderr);
        assert!(!self.stderr.contains("panicked"), "{:?}", self.stderr);
    }
}

/// Runs the kqent binary with `args` in `cwd`, under an address-space limit of
/// `as_limit` bytes (none when 0), killed after `deadline`. `env` adds variables.
pub fn run(
    args: &[&std::ffi::OsStr],
    cwd: &Path,
    env: &[(&str, &Path)],
    as_limit: u64,
    deadline: Duration,
) -> Outcome {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kqent"));
    cmd.args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    if as_limit > 0 {
        // SAFETY: setrlimit is async-signal-safe; nothing else runs between fork and exec.
        unsafe {
            cmd.pre_exec(move || {
                let r = libc::rlimit {
                    rlim_cur: as_limit as libc::rlim_t,
                    rlim_max: as_limit as libc::rlim_t,
                };
                if libc::setrlimit(libc::RLIMIT_AS, &r) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    let started = Instant::now();
    // Reaped below with wait4 (for its rusage), not Child::wait.
    #[allow(clippy::zombie_processes)]
    let mut child = cmd.spawn().expect("kqent starts");
    let pid = child.id() as libc::pid_t;
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let t_out = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let t_err = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let mut status = 0;
    let mut timed_out = false;
    // SAFETY: rusage is plain data that wait4 fills.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: wait4 on our own child, writing into the two locals.
        let rc = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if rc == pid {
            break;
        }
        assert!(rc == 0, "wait4 failed: {}", std::io::Error::last_os_error());
        if started.elapsed() > deadline {
            // SAFETY: kill(2) on our own child, not yet reaped.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            let _ = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
            timed_out = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let elapsed = started.elapsed();
    let stdout = String::from_utf8_lossy(&t_out.join().unwrap()).into_owned();
    let stderr = String::from_utf8_lossy(&t_err.join().unwrap()).into_owned();
    let (code, signal) = if libc::WIFEXITED(status) {
        (Some(libc::WEXITSTATUS(status)), None)
    } else if libc::WIFSIGNALED(status) {
        (None, Some(libc::WTERMSIG(status)))
    } else {
        (None, None)
    };
    Outcome {
        code,
        signal,
        max_rss_kib: usage.ru_maxrss,
        elapsed,
        stdout,
        stderr,
        timed_out,
    }
}

/// SHA-256 of a file's bytes, hex (for "nothing else changed" checks).
pub fn hash(path: &Path) -> String {
    kqent_pipeline::input::sha256_hex(&std::fs::read(path).unwrap())
}

/// Every file under `dir` (recursively) with its hash, so a test can assert that a
/// command changed nothing but its output.
pub fn snapshot(dir: &Path) -> std::collections::BTreeMap<String, String> {
    let mut out = std::collections::BTreeMap::new();
    fn walk(base: &Path, d: &Path, out: &mut std::collections::BTreeMap<String, String>) {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(base).unwrap().to_string_lossy().into_owned();
            let meta = std::fs::symlink_metadata(&p).unwrap();
            if meta.is_dir() {
                walk(base, &p, out);
            } else if meta.is_file() {
                out.insert(rel, hash(&p));
            } else {
                out.insert(rel, "(not a file)".into());
            }
        }
    }
    walk(dir, dir, &mut out);
    out
}
