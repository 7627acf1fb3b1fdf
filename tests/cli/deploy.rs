//! The scheduler recipes of `deploy/` and `.github/workflows/`: every YAML file parses, and
//! every kqent command line in them runs here, with the mock backend and small runs,
//! exactly as written (the scripts and `run:` blocks are executed by the shell).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{json, kqent_bin};
use crate::shard::{copy_dir, simulate_host};
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn yaml(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every YAML file of the workflows and the deploy recipes.
fn yaml_files() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in [
        ".github/workflows",
        "deploy/kubernetes",
        "deploy/github-actions",
    ] {
        for e in std::fs::read_dir(root().join(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "yml" || x == "yaml") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The environment every recipe runs under here: the binary under test first on PATH,
/// the mock backend, short runs.
fn mock_env(cmd: &mut Command) -> &mut Command {
    let bin = kqent_bin();
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    cmd.env("PATH", path)
        .env("KQENT_BACKEND", "mock")
        .env("KQENT_SAMPLES", "2000")
        .env("KQENT_REPEAT", "2")
}

fn run_ok(cmd: &mut Command, what: &str) {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{what}: {:?}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The lines of `text` that run kqent.
fn kqent_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| l.starts_with("kqent "))
        .map(str::to_string)
        .collect()
}

fn assert_complete(merged: &Path, results: usize) {
    let m = json(&merged.join("sweep.json"));
    assert_eq!(m["merged"]["missing"], serde_json::json!([]), "{m}");
    assert_eq!(crate::common::result_count(merged), results);
    assert!(merged.join("summary.json").is_file() && merged.join("report.html").is_file());
    assert!(merged.join("gate.xml").is_file());
}

#[test]
fn every_yaml_file_parses() {
    let files = yaml_files();
    assert!(files.len() >= 4, "{files:?}");
    for f in &files {
        let doc = yaml(f);
        assert!(doc.is_object(), "{}", f.display());
    }
    let ci = yaml(&root().join(".github/workflows/ci.yml"));
    assert_eq!(ci["permissions"]["contents"], "read");
    assert!(ci["concurrency"]["group"].is_string());
    for job in ["linux", "macos", "freebsd", "msrv"] {
        assert!(ci["jobs"][job].is_object(), "ci.yml has no {job} job");
    }
    // The MSRV job builds with the rust-version the manifest declares.
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    let declared = manifest
        .lines()
        .find_map(|l| l.strip_prefix("rust-version = "))
        .unwrap()
        .trim_matches('"');
    let msrv = serde_json::to_string(&ci["jobs"]["msrv"]).unwrap();
    assert!(
        msrv.contains(declared),
        "msrv job does not use {declared}: {msrv}"
    );
}

#[test]
fn github_workflow_runs_its_shards_and_merge() {
    let wf = yaml(&root().join(".github/workflows/sweep.yml"));
    assert!(wf["on"]["workflow_dispatch"].is_object());
    assert_eq!(wf["permissions"]["contents"], "read");
    let matrix = &wf["jobs"]["shard"]["strategy"]["matrix"];
    let oses: Vec<&str> = matrix["os"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(oses, ["ubuntu-latest", "macos-latest"]);
    let shards: Vec<u64> = matrix["shard"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    let n: u64 = wf["env"]["SHARDS"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        shards,
        (1..=n).collect::<Vec<_>>(),
        "env.SHARDS and the matrix disagree"
    );
    let script = |job: &str| -> String {
        let steps = wf["jobs"][job]["steps"].as_array().unwrap();
        let runs: Vec<&str> = steps
            .iter()
            .filter_map(|s| s["run"].as_str())
            .filter(|r| !kqent_lines(r).is_empty())
            .collect();
        assert_eq!(runs.len(), 1, "{job}: one step runs kqent");
        runs[0].to_string()
    };
    let (sweep, merge) = (script("shard"), script("merge"));
    assert!(sweep.contains("--shard \"$SHARD/$SHARDS\""));

    let tmp = tempfile::tempdir().unwrap();
    let downloads = tmp.path().join("merge/shards");
    for os in &oses {
        for k in &shards {
            let job = tmp.path().join(format!("{os}-{k}"));
            std::fs::create_dir_all(&job).unwrap();
            run_ok(
                mock_env(Command::new("bash").args(["-e", "-c", &sweep]))
                    .current_dir(&job)
                    .env("SHARD", k.to_string())
                    .env("SHARDS", n.to_string()),
                &format!("{os} shard {k}"),
            );
            // upload-artifact (path: out/) then download-artifact (path: shards).
            let artifact = downloads.join(format!("kqent-{os}-shard-{k}"));
            copy_dir(&job.join("out"), &artifact);
            if os.starts_with("macos") {
                simulate_host(&artifact, "mac-runner", "macos", "24.0.0");
            }
        }
    }
    run_ok(
        mock_env(Command::new("bash").args(["-e", "-c", &merge]))
            .current_dir(tmp.path().join("merge")),
        "merge job",
    );
    let merged = tmp.path().join("merge/merged");
    // 4 configurations, 2 repetitions, 2 hosts.
    assert_complete(&merged, 16);
    let s = json(&merged.join("summary.json"));
    let hosts: std::collections::BTreeSet<&str> = s["configs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["host"].as_str().unwrap())
        .collect();
    assert_eq!(hosts.len(), 2, "{hosts:?}");
}

#[test]
fn slurm_array_runs_each_task_and_the_merge() {
    let dir = root().join("deploy/slurm");
    let sweep = std::fs::read_to_string(dir.join("sweep.sbatch")).unwrap();
    assert!(sweep.contains("#SBATCH --array=1-"));
    assert!(!kqent_lines(&sweep).is_empty());
    let tmp = tempfile::tempdir().unwrap();
    let n = 3;
    let task = |k: u32| {
        run_ok(
            mock_env(Command::new("bash").arg(dir.join("sweep.sbatch")))
                .current_dir(tmp.path())
                .env("KQENT_ROOT", tmp.path().join("root"))
                .env("SLURM_ARRAY_TASK_ID", k.to_string())
                .env("SLURM_ARRAY_TASK_COUNT", n.to_string()),
            &format!("array task {k}"),
        )
    };
    for k in 1..=n {
        task(k);
    }
    // A requeued task continues (here: finds) its shard.
    task(2);
    run_ok(
        mock_env(Command::new("bash").arg(dir.join("merge.sbatch")))
            .current_dir(tmp.path())
            .env("KQENT_ROOT", tmp.path().join("root")),
        "merge",
    );
    // 3 x 2 x 2 configurations, 2 repetitions.
    assert_complete(&tmp.path().join("root/merged"), 24);
}

#[test]
fn kubernetes_indexed_job_runs_each_index_and_the_merge() {
    let dir = root().join("deploy/kubernetes");
    let job = yaml(&dir.join("sweep-job.yaml"));
    assert_eq!(job["kind"], "Job");
    assert_eq!(job["spec"]["completionMode"], "Indexed");
    let completions = job["spec"]["completions"].as_u64().unwrap();
    let container = |doc: &Value| -> (BTreeMap<String, String>, String) {
        let c = &doc["spec"]["template"]["spec"]["containers"][0];
        assert_eq!(c["command"], serde_json::json!(["sh", "-c"]));
        let env = c["env"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["name"].as_str().unwrap().to_string(),
                    e["value"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        (env, c["args"][0].as_str().unwrap().to_string())
    };
    let (env, script) = container(&job);
    assert_eq!(
        env["SHARDS"],
        completions.to_string(),
        "SHARDS != completions"
    );
    assert!(!kqent_lines(&script).is_empty());
    let tmp = tempfile::tempdir().unwrap();
    let results = tmp.path().join("results");
    for i in 0..completions {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", &script]).envs(&env);
        run_ok(
            mock_env(&mut cmd)
                .env("KQENT_ROOT", &results)
                .env("JOB_COMPLETION_INDEX", i.to_string()),
            &format!("index {i}"),
        );
    }
    let merge_job = yaml(&dir.join("merge-job.yaml"));
    let (env, script) = container(&merge_job);
    let mut cmd = Command::new("sh");
    cmd.args(["-c", &script]).envs(&env);
    run_ok(mock_env(&mut cmd).env("KQENT_ROOT", &results), "merge job");
    // 3 x 2 configurations, 2 repetitions.
    assert_complete(&results.join("merged"), 12);
}
