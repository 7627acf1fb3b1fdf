//! `kqent gate --policy FILE`: default thresholds and per-configuration overrides from a
//! TOML or JSON file, with clear errors on unknown keys.

use crate::common::kqent;
use crate::report_fixtures::{result, write_all};
use predicates::prelude::*;
use predicates::str::contains;

const NOISY: &str = "t4-s0-w0-to1-p500-edge-wu1000";
const CONSTANT: &str = "t0-s4-w0-to1-p500-edge-wu1000";

/// Two configurations: one with 4 bits of noise, one constant (0 bits).
fn results(dir: &std::path::Path) {
    write_all(
        dir,
        &[
            result(4, 0, 0, 1, 4),
            result(4, 0, 0, 2, 4),
            result(0, 4, 0, 1, 0),
            result(0, 4, 0, 2, 0),
        ],
    );
}

fn gate_with(dir: &std::path::Path, policy: &std::path::Path) -> assert_cmd::assert::Assert {
    kqent()
        .arg("gate")
        .arg(dir)
        // Fixture results without a sweep.json (the gate asks for the flag then).
        .arg("--allow-incomplete")
        .arg("--policy")
        .arg(policy)
        .assert()
}

#[test]
fn overrides_apply_per_configuration_in_toml_and_json() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("r");
    std::fs::create_dir(&dir).unwrap();
    results(&dir);
    // The defaults alone: the constant configuration fails.
    let strict = tmp.path().join("strict.toml");
    std::fs::write(&strict, "[defaults]\nmin_entropy = 1.0\n").unwrap();
    gate_with(&dir, &strict)
        .code(1)
        .stdout(contains("1 passed, 1 failed"));
    // An override lowers its bar: everything passes, in TOML and in JSON alike.
    let toml = tmp.path().join("policy.toml");
    std::fs::write(
        &toml,
        format!(
            "[defaults]\nmin_entropy = 1.0\n\n[configurations.\"{CONSTANT}\"]\nmin_entropy = 0.0\n"
        ),
    )
    .unwrap();
    let json = tmp.path().join("policy.json");
    std::fs::write(
        &json,
        format!(r#"{{"defaults": {{"min_entropy": 1.0}}, "configurations": {{"{CONSTANT}": {{"min_entropy": 0.0}}}}}}"#),
    )
    .unwrap();
    for policy in [&toml, &json] {
        let junit = tmp.path().join("j.xml");
        kqent()
            .arg("gate")
            .arg(&dir)
            .arg("--allow-incomplete")
            .arg("--policy")
            .arg(policy)
            .arg("--junit")
            .arg(&junit)
            .assert()
            .code(0)
            .stdout(contains("2 passed, 0 failed"));
        // The JUnit records the thresholds each configuration was gated with.
        let text = std::fs::read_to_string(&junit).unwrap();
        let doc = roxmltree::Document::parse(&text).unwrap();
        let threshold = |id: &str| {
            doc.descendants()
                .find(|s| s.has_tag_name("testsuite") && s.attribute("name") == Some(id))
                .unwrap()
                .descendants()
                .find(|p| p.attribute("name") == Some("gate.min_entropy"))
                .and_then(|p| p.attribute("value"))
                .unwrap()
                .to_string()
        };
        assert_eq!(threshold(NOISY), "1");
        assert_eq!(threshold(CONSTANT), "0");
    }
    // An override can be stricter too: the noisy configuration's bar above its 4 bits.
    let stricter = tmp.path().join("stricter.toml");
    std::fs::write(
        &stricter,
        format!("[defaults]\nmin_entropy = 0.0\n[configurations.\"{NOISY}\"]\nmin_entropy = 4.5\nmax_autocorr = 0.9\n"),
    )
    .unwrap();
    gate_with(&dir, &stricter)
        .code(1)
        .stdout(contains(NOISY).and(contains("1 failed")));
}

#[test]
fn policy_mistakes_are_one_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("r");
    std::fs::create_dir(&dir).unwrap();
    results(&dir);
    for (name, text, says) in [
        (
            "typo.toml",
            "[defaults]\nmin_entropy = 1.0\nmax_autocor = 0.1\n".to_string(),
            "unknown field `max_autocor`",
        ),
        (
            "typo.json",
            r#"{"defaults": {"min_entropy": 1.0}, "configuration": {}}"#.to_string(),
            "unknown field `configuration`",
        ),
        (
            "nodefault.toml",
            "[defaults]\nmax_autocorr = 0.1\n".to_string(),
            "missing field `min_entropy`",
        ),
        (
            "range.toml",
            "[defaults]\nmin_entropy = 12.0\n".to_string(),
            "min_entropy 12 is outside 0..=8",
        ),
        (
            "unknown-config.toml",
            "[defaults]\nmin_entropy = 1.0\n[configurations.t9]\nmin_entropy = 0.0\n".to_string(),
            "overrides configuration \"t9\", which the results do not hold",
        ),
    ] {
        let path = tmp.path().join(name);
        std::fs::write(&path, text).unwrap();
        let out = gate_with(&dir, &path).code(2).get_output().clone();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(stderr.contains(says), "{name}: {stderr}");
        assert!(
            stderr.contains(name) || name == "unknown-config.toml",
            "{name}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(out.stdout.is_empty(), "{name}: no verdict printed");
    }
    // --policy replaces the threshold flags.
    let ok = tmp.path().join("ok.toml");
    std::fs::write(&ok, "[defaults]\nmin_entropy = 1.0\n").unwrap();
    kqent()
        .arg("gate")
        .arg(&dir)
        .args(["--min-entropy", "1", "--policy"])
        .arg(&ok)
        .assert()
        .code(2)
        .stderr(contains("cannot be used with"));
    kqent()
        .arg("gate")
        .arg(&dir)
        .assert()
        .code(2)
        .stderr(contains("--min-entropy"));
}
