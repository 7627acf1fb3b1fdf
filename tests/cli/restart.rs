//! `kqent restart`: results, determinism and bad input (exit 2 with a one-line message).

use crate::common::kqent;
use predicates::prelude::*;
use tempfile::TempDir;

/// A 1000 x 1000 matrix of `bits`-bit values from a fixed LCG (independent-looking).
fn random_matrix(bits: u8, seed: u64) -> Vec<u8> {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..1_000_000)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((x >> 33) as u8) & ((1u16 << bits) - 1) as u8
        })
        .collect()
}

fn write(dir: &TempDir, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

#[test]
fn iid_matrix_validates_and_json_is_deterministic() {
    let dir = TempDir::new().unwrap();
    let m = write(&dir, "m.bin", &random_matrix(4, 1));
    let mut docs = Vec::new();
    for threads in ["1", "2"] {
        let json = dir.path().join(format!("r{threads}.json"));
        kqent()
            .arg("restart")
            .arg(&m)
            .args(["--bits", "4", "--h-initial", "3.5", "--iid", "--seed", "9"])
            .args(["--simulation-rounds", "200000", "--threads", threads])
            .arg("--json")
            .arg(&json)
            .assert()
            .success()
            .stdout(predicate::str::contains("Sanity check (3.1.4.3)"))
            .stdout(predicate::str::contains("Validation (3.1.4.2) passed"));
        docs.push(std::fs::read_to_string(&json).unwrap());
    }
    assert_eq!(docs[0], docs[1], "same seed, different thread counts");
    let v: serde_json::Value = serde_json::from_str(&docs[0]).unwrap();
    let r = &v["restart"];
    assert_eq!(r["pass"], true);
    assert_eq!(r["sanity"]["pass"], true);
    let h = r["h_validated"].as_f64().unwrap();
    // 16 equally likely values: MCV gives a little under 4 bits; H_I caps it at 3.5.
    assert_eq!(h, 3.5);
    assert_eq!(r["rows"][0]["estimator"], "mcv");
}

#[test]
fn stuck_restarts_fail_the_sanity_check() {
    let dir = TempDir::new().unwrap();
    // Every restart starts over with the same 1000 samples: columns are constant.
    let row: Vec<u8> = random_matrix(8, 2)[..1000].to_vec();
    let bytes: Vec<u8> = row.iter().copied().cycle().take(1_000_000).collect();
    let m = write(&dir, "stuck.bin", &bytes);
    kqent()
        .arg("restart")
        .arg(&m)
        .args(["--bits", "8", "--h-initial", "7", "--iid"])
        .args(["--simulation-rounds", "100000"])
        .assert()
        .success()
        .stdout(predicate::str::contains("X_max = 1000"))
        .stdout(predicate::str::contains("FAILED"));
}

#[test]
fn non_iid_estimators_on_binary_matrix() {
    let dir = TempDir::new().unwrap();
    let m = write(&dir, "b.bin", &random_matrix(1, 3));
    let json = dir.path().join("b.json");
    kqent()
        .arg("restart")
        .arg(&m)
        .args(["--bits", "1", "--h-initial", "0.9"])
        .args(["--simulation-rounds", "100000", "--json"])
        .arg(&json)
        .assert()
        .success();
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
    let rows = v["restart"]["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 10, "all ten estimators on binary data");
    assert_eq!(v["restart"]["pass"], true);
    assert_eq!(v["estimators"], "non_iid");
}

fn fails_with(args: &[&str], bytes: &[u8], message: &str) {
    let dir = TempDir::new().unwrap();
    let m = write(&dir, "m.bin", bytes);
    let out = kqent()
        .arg("restart")
        .arg(&m)
        .args(args)
        .args(["--simulation-rounds", "10000"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(message))
        .get_output()
        .stderr
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(!text.contains("panicked"), "{text}");
}

#[test]
fn bad_input_exits_2() {
    let ok = random_matrix(2, 4);
    fails_with(
        &["--bits", "2", "--h-initial", "1"],
        &ok[..999_999],
        "holds 999999 samples",
    );
    let mut big = ok.clone();
    big.push(0);
    fails_with(
        &["--bits", "2", "--h-initial", "1"],
        &big,
        "holds 1000001 samples",
    );
    fails_with(
        &["--bits", "1", "--h-initial", "1"],
        &ok,
        "does not fit in 1 bit",
    );
    fails_with(&["--bits", "9", "--h-initial", "1"], &ok, "outside 1..=8");
    for h in ["0", "-1", "2.5", "NaN"] {
        fails_with(&["--bits", "2", "--h-initial", h], &ok, "must be in (0, 2]");
    }
    let out = kqent()
        .args([
            "restart",
            "/nonexistent/m.bin",
            "--bits",
            "2",
            "--h-initial",
            "1",
        ])
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    assert!(String::from_utf8(out).unwrap().contains("cannot read"));
}
