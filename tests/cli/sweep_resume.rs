//! A real epoll sweep killed half-way and resumed, and a sweep stopped with Ctrl-C: every
//! finished configuration survives intact, nothing is lost or done twice. Own test binary:
//! these tests signal the `kqent` processes they start, and poll the results directory for
//! readiness instead of sleeping.
#![cfg(target_os = "linux")]

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{assert_no_temporaries, files, kqent_bin, result_count, validated_results};

/// Generous: the machine may be shared and slow; the wait ends as soon as the condition
/// holds.
const DEADLINE: Duration = Duration::from_secs(600);

/// Polls until `dir` holds at least `n` results, or the child exits (returns false).
fn wait_for_results(child: &mut Child, dir: &Path, n: usize) -> bool {
    let start = Instant::now();
    loop {
        if result_count(dir) >= n {
            return true;
        }
        if child.try_wait().unwrap().is_some() {
            return result_count(dir) >= n;
        }
        assert!(
            start.elapsed() < DEADLINE,
            "no {n} results after {DEADLINE:?}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The 2 x 2 x 2 x 2 epoll sweep of the issue, short runs.
fn epoll_sweep(dir: &Path, log: &Path, resume: bool) -> Command {
    let mut cmd = Command::new(kqent_bin());
    cmd.args([
        "sweep",
        "--backend",
        "epoll",
        "--timers",
        "0,2",
        "--sockets",
        "0,2",
    ])
    .args([
        "--watchers",
        "0,2",
        "--timeout-ms",
        "0,1",
        "--samples",
        "2000",
    ])
    .args(["--warmup", "50", "--seed", "1", "--out"])
    .arg(dir)
    .stdout(Stdio::null())
    .stderr(std::fs::File::create(log).unwrap());
    if resume {
        cmd.arg("--resume");
    }
    cmd
}

fn text(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

#[test]
fn killed_epoll_sweep_resumes_without_loss_or_repetition() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("sweep");
    let log = tmp.path().join("first.log");
    let mut child = epoll_sweep(&dir, &log, false).spawn().unwrap();
    assert!(
        wait_for_results(&mut child, &dir, 8),
        "sweep ended early: {}",
        text(&log)
    );
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    let before = files(&dir, "results");
    let finished: Vec<&String> = before.keys().filter(|n| !n.starts_with('.')).collect();
    let n = finished.len();
    assert!(
        (8..16).contains(&n),
        "{n} results at the kill: the sweep must be half-way for this test to mean anything"
    );

    let log2 = tmp.path().join("resume.log");
    let status = epoll_sweep(&dir, &log2, true).status().unwrap();
    assert!(status.success(), "resume failed: {}", text(&log2));
    assert!(
        text(&log2).contains(&format!("{} run(s) to do, {n} already done", 16 - n)),
        "{}",
        text(&log2)
    );

    let results = validated_results(&dir);
    assert_eq!(results.len(), 16);
    for name in &finished {
        assert_eq!(
            std::fs::read(dir.join("results").join(name)).unwrap(),
            before[*name],
            "{name} changed on resume"
        );
    }
    let runs: BTreeSet<(String, u64)> = results
        .values()
        .map(|d| {
            (
                d["config_id"].as_str().unwrap().to_string(),
                d["repetition"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(runs.len(), 16, "every configuration exactly once");
    assert!(runs.iter().all(|(_, rep)| *rep == 1));
    assert_eq!(files(&dir, "traces").len(), 16);
    assert_no_temporaries(&dir);

    let out = Command::new(kqent_bin())
        .arg("report")
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(
        summary.contains("16 configurations, 16 results"),
        "{summary}"
    );
    // Rows of the table of all configurations (the summary has other tables after it).
    let rows = summary
        .lines()
        .skip_while(|l| !l.starts_with("### All configurations"))
        .skip(1)
        .take_while(|l| !l.starts_with("###"))
        .filter(|l| l.starts_with("| `t"))
        .count();
    assert_eq!(rows, 16, "{summary}");
    assert!(dir.join("report.html").is_file());
}

/// Starts a sweep of three epoll configurations of about 2, 4 and 6 s, sends SIGINT once
/// `results_before` results exist, and checks what is left.
fn interrupt_sweep(extra: &[&str], results_before: usize) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("sweep");
    let log = tmp.path().join("sweep.log");
    let mut child = Command::new(kqent_bin())
        .args([
            "sweep",
            "--backend",
            "epoll",
            "--timers",
            "0",
            "--sockets",
            "0",
        ])
        .args([
            "--watchers",
            "0",
            "--timeout-ms",
            "1,2,3",
            "--samples",
            "2000",
        ])
        .args(["--warmup", "0", "--out"])
        .arg(&dir)
        .args(extra)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    assert!(
        wait_for_results(&mut child, &dir, results_before),
        "{}",
        text(&log)
    );
    // SAFETY: kill(2) on the pid of a child this test started and has not reaped.
    let rc = unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    assert_eq!(rc, 0);
    let status = child.wait().unwrap();
    let stderr = text(&log);
    assert_eq!(status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("continue with --resume"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let results = validated_results(&dir);
    assert!(
        (results_before..3).contains(&results.len()),
        "{}",
        results.len()
    );
    // Every finished run has its trace; the interrupted ones left nothing.
    assert_eq!(files(&dir, "traces").len(), results.len());
    assert_no_temporaries(&dir);
}

#[test]
fn ctrl_c_stops_the_run_in_progress_and_keeps_the_finished_ones() {
    // The signal lands while the second configuration is collected.
    interrupt_sweep(&[], 1);
}

#[test]
fn ctrl_c_in_a_pipelined_sweep_drops_the_analysis_under_way() {
    // The first result is written once the second run is collected; the signal then lands
    // while the third is collected and the second analysed.
    interrupt_sweep(&["--pipeline"], 1);
}
