//! Helpers shared by the integration tests: the `kqent` command, reading a sweep
//! directory's documents and checking documents against the JSON Schema.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use kqent_schema::JSON_SCHEMA;
use serde_json::Value;

/// A command running the `kqent` binary under test (the one copy of this helper).
pub fn kqent() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("kqent").expect("binary built")
}

/// The `kqent` binary under test.
pub fn kqent_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_kqent"))
}

/// Parses a JSON file.
pub fn json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every file name in `dir/sub` with its bytes (temporary files included, so that tests
/// can see any left behind).
pub fn files(dir: &Path, sub: &str) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(dir.join(sub)) else {
        return out;
    };
    for e in entries {
        let p = e.unwrap().path();
        out.insert(
            p.file_name().unwrap().to_string_lossy().into_owned(),
            std::fs::read(&p).unwrap(),
        );
    }
    out
}

/// Number of finished result files (`results/*.json`, no temporaries).
pub fn result_count(dir: &Path) -> usize {
    std::fs::read_dir(dir.join("results"))
        .map(|it| {
            it.filter_map(Result::ok)
                .filter(|e| {
                    let n = e.file_name();
                    let n = n.to_string_lossy();
                    n.ends_with(".json") && !n.starts_with('.')
                })
                .count()
        })
        .unwrap_or(0)
}

/// Asserts that `doc` (named `what` in the failure message) follows the report crate's JSON
/// Schema.
pub fn assert_schema_valid(doc: &Value, what: &str) {
    let schema: Value = serde_json::from_str(JSON_SCHEMA).unwrap();
    let v = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what}: {}", errors.join("\n"));
}

/// Checks the manifest and every result of a sweep directory against the JSON Schema;
/// returns the results by file name.
pub fn validated_results(dir: &Path) -> BTreeMap<String, Value> {
    let check = |doc: &Value, what: &str| assert_schema_valid(doc, what);
    check(&json(&dir.join("sweep.json")), "sweep.json");
    let mut out = BTreeMap::new();
    for (name, bytes) in files(dir, "results") {
        assert!(!name.starts_with('.'), "temporary file left: {name}");
        let doc: Value = serde_json::from_slice(&bytes).unwrap();
        check(&doc, &name);
        out.insert(name, doc);
    }
    out
}

/// No temporary trace or result file is left in the sweep directory.
pub fn assert_no_temporaries(dir: &Path) {
    for sub in ["results", "traces"] {
        for name in files(dir, sub).keys() {
            assert!(!name.starts_with('.'), "{sub}/{name} left behind");
        }
    }
}

/// Starts `kqent ARGS` (in `cwd` when given) with TMPDIR=`tmp` and stdout discarded, and
/// waits for its first stderr line (a collection prints it once it runs: readiness without
/// sleeping). Returns the child, that line and the rest of its stderr.
pub fn spawn_until_first_line<I, S>(
    args: I,
    cwd: Option<&Path>,
    tmp: &Path,
) -> (
    std::process::Child,
    String,
    std::io::BufReader<std::process::ChildStderr>,
)
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    use std::io::BufRead;
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_kqent"));
    cmd.env("TMPDIR", tmp)
        .args(args)
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null());
    if let Some(dir) = cwd {
        cmd.current_dir(dir);
    }
    let mut child = cmd.spawn().unwrap();
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    (child, line, stderr)
}

/// A 2 x 2 mock sweep (timers 0 or 2, sockets 0 or 3, one watched file, 3,000 samples) with
/// `seed` and `repeat` repetitions into `out`, plus `extra` arguments.
pub fn mock_grid_sweep(
    out: &Path,
    seed: u64,
    repeat: u32,
    extra: &[&str],
) -> assert_cmd::assert::Assert {
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
        .args(["--watchers", "1", "--samples", "3000"])
        .args(["--seed", &seed.to_string(), "--repeat", &repeat.to_string()])
        .arg("--out")
        .arg(out)
        .args(extra)
        .assert()
}
