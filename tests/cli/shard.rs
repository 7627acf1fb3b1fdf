//! `kqent sweep --shard K/N` and `kqent merge`: shards in separate processes merge back to
//! the unsharded sweep; other grids, duplicates and missing shards are refused or flagged;
//! hosts are kept apart; a real epoll sweep in two shards.

use std::path::{Path, PathBuf};

use crate::common::{json, kqent, mock_grid_sweep, validated_results};
use kqent_schema::json::without_provenance;
use predicates::str::contains;
use serde_json::Value;

/// A 2 x 2 mock grid, 2 repetitions (8 runs), into `out`, plus `extra` arguments.
fn mock_sweep(out: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    mock_sweep_repeated(out, 2, extra)
}

/// [`mock_sweep`] with `repeat` repetitions.
fn mock_sweep_repeated(out: &Path, repeat: u32, extra: &[&str]) -> assert_cmd::assert::Assert {
    mock_grid_sweep(out, 7, repeat, extra)
}

fn merge(out: &Path, dirs: &[&Path]) -> assert_cmd::assert::Assert {
    kqent().arg("merge").arg(out).args(dirs).assert()
}

/// Every result without its provenance, by file name.
fn reproducible(dir: &Path) -> Vec<(String, Value)> {
    validated_results(dir)
        .into_iter()
        .map(|(n, d)| (n, without_provenance(&d)))
        .collect()
}

/// The manifest without what differs between a sweep, its shards and their merge.
fn grid_of(dir: &Path) -> Value {
    let mut m = json(&dir.join("sweep.json"));
    let o = m.as_object_mut().unwrap();
    for k in ["provenance", "shard", "merged"] {
        o.remove(k);
    }
    m
}

/// Makes `dir` look as if it had been swept on another machine.
pub fn simulate_host(dir: &Path, host: &str, os: &str, kernel: &str) {
    let mut files: Vec<PathBuf> = vec![dir.join("sweep.json")];
    for e in std::fs::read_dir(dir.join("results")).unwrap() {
        files.push(e.unwrap().path());
    }
    for f in files {
        let mut doc = json(&f);
        let p = &mut doc["provenance"];
        p["host"] = host.into();
        p["os"] = os.into();
        p["kernel"] = kernel.into();
        std::fs::write(&f, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    }
}

#[test]
fn three_shards_in_separate_processes_merge_to_the_unsharded_sweep() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    mock_sweep(&t.join("full"), &[]).success();
    let shards: Vec<PathBuf> = (1..=3).map(|k| t.join(format!("shard-{k}"))).collect();
    for (k, dir) in shards.iter().enumerate() {
        mock_sweep(dir, &["--shard", &format!("{}/3", k + 1)]).success();
        let m = json(&dir.join("sweep.json"));
        // The whole grid, the shard and the host are recorded.
        assert_eq!(m["shard"], serde_json::json!({"index": k + 1, "count": 3}));
        assert_eq!(m["knobs"]["num_timers"], serde_json::json!([0, 2]));
        assert!(m["provenance"]["host"].is_string());
        assert_eq!(grid_of(dir), grid_of(&t.join("full")));
    }
    // 8 runs dealt 3, 3, 2, each run exactly once.
    let names: Vec<Vec<String>> = shards
        .iter()
        .map(|d| reproducible(d).into_iter().map(|(n, _)| n).collect())
        .collect();
    assert_eq!(names.iter().map(Vec::len).collect::<Vec<_>>(), [3, 3, 2]);
    let mut all: Vec<String> = names.concat();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 8);

    let merged = t.join("merged");
    let dirs: Vec<&Path> = shards.iter().map(PathBuf::as_path).collect();
    merge(&merged, &dirs).success();
    let m = json(&merged.join("sweep.json"));
    assert_eq!(m["merged"]["sources"].as_array().unwrap().len(), 3);
    assert_eq!(m["merged"]["missing"], serde_json::json!([]));
    // The report data: the same summary document, the same Markdown.
    assert_merge_is_the_sweep(&merged, &t.join("full"), &["summary.json", "summary.md"]);
}

/// `merged` holds the unsharded sweep `full`: the same results outside provenance, the same
/// grid, the same report `files` (both reported here), and the gate passes it.
fn assert_merge_is_the_sweep(merged: &Path, full: &Path, files: &[&str]) {
    assert_eq!(reproducible(merged), reproducible(full));
    assert_eq!(grid_of(merged), grid_of(full));
    for d in [merged, full] {
        kqent()
            .args(["report", "--quiet"])
            .arg(d)
            .assert()
            .success();
    }
    for f in files {
        assert_eq!(
            std::fs::read_to_string(merged.join(f)).unwrap(),
            std::fs::read_to_string(full.join(f)).unwrap(),
            "{f}"
        );
    }
    kqent()
        .args(["gate", "--min-entropy", "0.1"])
        .arg(merged)
        .assert()
        .success();
}

#[test]
fn a_both_profile_sweep_shards_and_merges_to_the_unsharded_sweep() {
    // 2 timer counts x 2 repetitions under kqent's loop and openentropy's: 8 runs, dealt
    // 3, 3, 2 over three shards in the sweep's own run order (both loops interleaved).
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let sweep = |out: &Path, extra: &[&str]| {
        kqent()
            .args([
                "sweep",
                "--backend",
                "mock",
                "--profile",
                "kqent,openentropy",
            ])
            .args(["--session-n", "100", "--samples", "300", "--repeat", "2"])
            .args(["--timers", "0,4", "--sockets", "0", "--watchers", "0"])
            .args(["--seed", "11", "--out"])
            .arg(out)
            .args(extra)
            .assert()
    };
    sweep(&t.join("full"), &[]).success();
    let shards: Vec<PathBuf> = (1..=3).map(|k| t.join(format!("shard-{k}"))).collect();
    for (k, dir) in shards.iter().enumerate() {
        sweep(dir, &["--shard", &format!("{}/3", k + 1)]).success();
    }
    let counts: Vec<usize> = shards.iter().map(|d| reproducible(d).len()).collect();
    assert_eq!(counts, [3, 3, 2]);
    let oe: usize = shards
        .iter()
        .flat_map(|d| reproducible(d))
        .filter(|(n, _)| n.starts_with("oe-"))
        .count();
    assert_eq!(oe, 4, "both loops are dealt out");

    // Shards 1 and 3 only: the missing runs are recorded, the report says so, the gate
    // refuses it (exit 2, an input error) unless told to judge what is there.
    let partial = t.join("partial");
    merge(&partial, &[&shards[0], &shards[2]]).success();
    let m = json(&partial.join("sweep.json"));
    assert_eq!(m["merged"]["missing"].as_array().unwrap().len(), 3);
    kqent()
        .args(["report", "--quiet"])
        .arg(&partial)
        .assert()
        .success();
    let md = std::fs::read_to_string(partial.join("summary.md")).unwrap();
    assert!(md.contains("incomplete: 5 of 8 results"), "{md}");
    kqent()
        .args(["gate", "--min-entropy", "0.1"])
        .arg(&partial)
        .assert()
        .code(2)
        .stderr(contains("missing 3 run(s)"));
    kqent()
        .args(["gate", "--min-entropy", "0.1", "--allow-incomplete"])
        .arg(&partial)
        .assert()
        .success();

    // All three: the unsharded sweep's results, manifest, summary and a passing gate.
    let merged = t.join("merged");
    let dirs: Vec<&Path> = shards.iter().map(PathBuf::as_path).collect();
    merge(&merged, &dirs).success();
    assert_merge_is_the_sweep(&merged, &t.join("full"), &["summary.json"]);
}

#[test]
fn a_shard_resumes_its_own_runs_only() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("s2");
    mock_sweep(&dir, &["--shard", "2/3"]).success();
    let before = reproducible(&dir);
    let first = dir.join("results").join(&before[0].0);
    std::fs::remove_file(&first).unwrap();
    mock_sweep(&dir, &["--shard", "2/3", "--resume"])
        .success()
        .stderr(contains("1 run(s) to do, 2 already done"));
    assert_eq!(reproducible(&dir), before);
    mock_sweep(&dir, &["--shard", "1/3", "--resume"])
        .code(2)
        .stderr(contains("--shard 1/3, the sweep has 2/3"));
    // --resume DIR alone takes the shard from the manifest, as every other setting.
    std::fs::remove_file(&first).unwrap();
    kqent()
        .args(["sweep", "--resume"])
        .arg(&dir)
        .assert()
        .success()
        .stderr(contains("1 run(s) to do, 2 already done"));
    assert_eq!(reproducible(&dir), before);
    for bad in ["0/3", "4/3", "3", "1/0"] {
        mock_sweep(&tmp.path().join("x"), &["--shard", bad])
            .code(2)
            .stderr(contains("--shard"));
    }
}

#[test]
fn merge_refuses_other_grids_and_different_duplicates_and_flags_missing_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let (a, b) = (t.join("a"), t.join("b"));
    mock_sweep(&a, &["--shard", "1/2"]).success();
    mock_sweep(&b, &["--shard", "2/2"]).success();

    // Another grid or other settings: exit 2, the setting named.
    let other = t.join("other-samples");
    kqent()
        .args([
            "sweep",
            "--backend",
            "mock",
            "--timers",
            "0,2",
            "--sockets",
            "0,3",
        ])
        .args([
            "--watchers",
            "1",
            "--samples",
            "4000",
            "--repeat",
            "2",
            "--seed",
            "7",
        ])
        .args(["--shard", "2/2", "--out"])
        .arg(&other)
        .assert()
        .success();
    merge(&t.join("m1"), &[&a, &other])
        .code(2)
        .stderr(contains("not shards of one sweep"))
        .stderr(contains("--samples 4000"));
    let other = t.join("other-timers");
    kqent()
        .args([
            "sweep",
            "--backend",
            "mock",
            "--timers",
            "0,4",
            "--sockets",
            "0,3",
        ])
        .args([
            "--watchers",
            "1",
            "--samples",
            "3000",
            "--repeat",
            "2",
            "--seed",
            "7",
        ])
        .args(["--shard", "2/2", "--out"])
        .arg(&other)
        .assert()
        .success();
    merge(&t.join("m2"), &[&a, &other])
        .code(2)
        .stderr(contains("--timers 0,4"));
    assert!(!t.join("m1").exists() && !t.join("m2").exists());

    // An identical copy of a shard is taken once.
    let copy = t.join("a-copy");
    copy_dir(&a, &copy);
    merge(&t.join("m3"), &[&a, &copy, &b]).success();
    assert_eq!(reproducible(&t.join("m3")).len(), 8);
    // The same shard run twice (other results, here other timestamps): refused.
    let again = t.join("a-again");
    mock_sweep(&again, &["--shard", "1/2"]).success();
    merge(&t.join("m4"), &[&a, &again, &b])
        .code(2)
        .stderr(contains("with different results"));

    // A missing shard: merged, listed, the report says incomplete, the gate refuses.
    let m5 = t.join("m5");
    merge(&m5, &[&a])
        .success()
        .stderr(contains("incomplete: 4 run(s) of the grid missing"));
    let missing = json(&m5.join("sweep.json"))["merged"]["missing"].clone();
    let missing = missing.as_array().unwrap();
    assert_eq!(missing.len(), 4);
    assert!(missing.iter().all(
        |m| m["platform"] == "linux/mock" || m["platform"].as_str().unwrap().ends_with("/mock")
    ));
    kqent()
        .arg("report")
        .arg(&m5)
        .assert()
        .success()
        .stdout(contains("incomplete: 4 of 8 results"));
    kqent()
        .args(["gate", "--min-entropy", "0.1"])
        .arg(&m5)
        .assert()
        .code(2)
        .stderr(contains("incomplete"));
    // Not into an existing sweep, and only sweep directories.
    merge(&m5, &[&b])
        .code(2)
        .stderr(contains("already holds a sweep"));
    merge(&t.join("m6"), &[&a.join("results")])
        .code(2)
        .stderr(contains("not a sweep directory"));
}

#[test]
fn two_hosts_are_kept_apart_in_the_report_data() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let (a, b) = (t.join("host-a"), t.join("host-b"));
    mock_sweep_repeated(&a, 3, &[]).success();
    mock_sweep_repeated(&b, 3, &[]).success();
    simulate_host(&a, "host-a", "linux", "6.1.0");
    simulate_host(&b, "host-b", "freebsd", "14.1");
    let merged = t.join("merged");
    merge(&merged, &[&a, &b])
        .success()
        .stderr(contains("2 host(s)"));
    // One result file per host and run.
    let names: Vec<String> = reproducible(&merged).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names.len(), 24);
    assert!(names.iter().any(|n| n.contains("@host-a-linux-mock")));
    assert!(names.iter().any(|n| n.contains("@host-b-freebsd-mock")));
    kqent()
        .arg("report")
        .arg(&merged)
        .arg("-q")
        .assert()
        .success();
    let s = json(&merged.join("summary.json"));
    let configs = s["configs"].as_array().unwrap();
    // 4 configurations x 2 hosts, each row one host's 3 repetitions, none pooled.
    assert_eq!(configs.len(), 8);
    for c in configs {
        let id = c["config_id"].as_str().unwrap();
        let host = c["host"].as_str().unwrap();
        assert_eq!(c["h_assessed"]["n"], 3, "{id}");
        assert!(
            id.ends_with(&format!("@{}", host.split(" (").next().unwrap())),
            "{id} {host}"
        );
    }
    let comparisons = s["comparisons"].as_array().unwrap();
    let host_tests: Vec<&Value> = comparisons
        .iter()
        .filter(|c| c["kind"] == "host_vs_host")
        .collect();
    assert_eq!(host_tests.len(), 4);
    for c in &host_tests {
        let (sub, re) = (
            c["subject"].as_str().unwrap(),
            c["reference"].as_str().unwrap(),
        );
        assert_eq!(sub.split('@').next(), re.split('@').next());
        assert_ne!(sub, re);
    }
    // The comparisons between configurations stay within one host.
    for c in comparisons.iter().filter(|c| c["kind"] != "host_vs_host") {
        let host = |k: &str| c[k].as_str().unwrap().split('@').nth(1).map(str::to_string);
        assert_eq!(host("subject"), host("reference"), "{c}");
    }
    assert!(s["caveats"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["kind"] == "several_hosts"));
    let md = std::fs::read_to_string(merged.join("summary.md")).unwrap();
    assert!(md.contains("2 hosts"), "{md}");
    // The per-configuration table has one row per host too: 8 rows, none pooled.
    let rows = md
        .lines()
        .filter(|l| l.starts_with("| `t") && l.contains("@host-"))
        .count();
    assert!(rows >= 8, "{md}");
    kqent()
        .args(["gate", "--min-entropy", "0.1"])
        .arg(&merged)
        .assert()
        .success();
}

#[cfg(target_os = "linux")]
#[test]
fn real_epoll_sweep_in_two_shards_merged_reports_every_configuration() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let dirs: Vec<PathBuf> = (1..=2).map(|k| t.join(format!("epoll-{k}"))).collect();
    for (k, d) in dirs.iter().enumerate() {
        kqent()
            .args([
                "sweep",
                "--backend",
                "epoll",
                "--timers",
                "0,2",
                "--sockets",
                "0,2",
            ])
            .args(["--samples", "2000", "--timeout-ms", "1", "--poke-us", "200"])
            .args(["--shard", &format!("{}/2", k + 1), "--out"])
            .arg(d)
            .assert()
            .success();
    }
    let merged = t.join("merged");
    merge(&merged, &[&dirs[0], &dirs[1]]).success();
    kqent()
        .arg("report")
        .arg(&merged)
        .arg("-q")
        .assert()
        .success();
    let s = json(&merged.join("summary.json"));
    let mut ids: Vec<&str> = s["configs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["config_id"].as_str().unwrap())
        .collect();
    ids.sort();
    assert_eq!(
        ids,
        [
            "t0-s0-w4-to1-p200-edge-wu1000",
            "t0-s2-w4-to1-p200-edge-wu1000",
            "t2-s0-w4-to1-p200-edge-wu1000",
            "t2-s2-w4-to1-p200-edge-wu1000"
        ]
    );
    assert!(s["configs"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["backend"] == "epoll"));
}

/// Copies a sweep directory (files and one level of subdirectories).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}
