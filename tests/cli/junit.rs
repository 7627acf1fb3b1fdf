//! `kqent gate --junit` against the JUnit schemas CI dashboards use: the Jenkins xUnit
//! plugin's `junit-10.xsd` and the stricter Apache Ant `JUnit.xsd` (tests/data/junit,
//! sources and licences in its README), checked with `xmllint` fetched by
//! `scripts/fetch-xmllint.sh`. When xmllint cannot be fetched the schema check is skipped
//! loudly, except under CI (`CI` set), where it fails.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::kqent;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const SCHEMAS: [&str; 2] = ["junit-10.xsd", "JUnit.xsd"];

fn xmllint() -> Option<PathBuf> {
    let bin = Path::new(ROOT).join("target/xmllint/run-xmllint");
    let runs = |b: &Path| {
        Command::new(b)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !runs(&bin) {
        let status = Command::new("bash")
            .arg(Path::new(ROOT).join("scripts/fetch-xmllint.sh"))
            .status();
        if !matches!(status, Ok(s) if s.success()) || !runs(&bin) {
            let msg = "xmllint could not be fetched (scripts/fetch-xmllint.sh failed)";
            assert!(std::env::var_os("CI").is_none(), "{msg}");
            eprintln!("\n!!!!!!!!!! SKIPPED JUnit schema check: {msg} !!!!!!!!!!\n");
            return None;
        }
    }
    Some(bin)
}

/// xmllint's verdict on `file` against `schema`: Ok, or its complaint.
fn validate(xmllint: &Path, schema: &str, file: &Path) -> Result<(), String> {
    let xsd = Path::new(ROOT).join("tests/data/junit").join(schema);
    let out = Command::new(xmllint)
        .args(["--noout", "--schema"])
        .arg(&xsd)
        .arg(file)
        .output()
        .unwrap();
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// A mock sweep of two configurations x 2 repetitions, gated into `junit.xml`.
fn gated_sweep(dir: &Path, min_entropy: &str) -> PathBuf {
    let sweep = dir.join("s");
    kqent()
        .args([
            "sweep",
            "--backend",
            "mock",
            "--timers",
            "0,2",
            "--sockets",
            "3",
        ])
        .args(["--samples", "2000", "--repeat", "2", "--out"])
        .arg(&sweep)
        .assert()
        .success();
    let junit = dir.join("junit.xml");
    let code = kqent()
        .args([
            "gate",
            "--min-entropy",
            min_entropy,
            "--max-autocorr",
            "0.5",
            "--junit",
        ])
        .arg(&junit)
        .arg(&sweep)
        .assert()
        .get_output()
        .status
        .code();
    assert!(matches!(code, Some(0 | 1)), "{code:?}");
    junit
}

#[test]
fn gate_junit_has_what_dashboards_show_and_is_schema_valid() {
    let dir = tempfile::tempdir().unwrap();
    // A threshold every configuration fails too, so that <failure> is checked.
    for min_entropy in ["0", "8"] {
        let junit = gated_sweep(dir.path(), min_entropy);
        let text = std::fs::read_to_string(&junit).unwrap();
        let doc = roxmltree::Document::parse(&text).unwrap();
        let results = crate::common::validated_results(&dir.path().join("s"));
        let suites: Vec<_> = doc
            .descendants()
            .filter(|n| n.has_tag_name("testsuite"))
            .collect();
        assert_eq!(suites.len(), 2, "one suite per configuration");
        let mut total_time = 0.0;
        for suite in &suites {
            let id = suite.attribute("name").unwrap();
            let reps: Vec<_> = results.values().filter(|r| r["config_id"] == id).collect();
            assert_eq!(reps.len(), 2, "{id}");
            // time: the repetitions' collection and assessment, from their provenance.
            let time: f64 = suite.attribute("time").unwrap().parse().unwrap();
            let want: f64 = reps
                .iter()
                .map(|r| r["provenance"]["elapsed_s"].as_f64().unwrap())
                .sum();
            assert!((time - want).abs() < 0.0011, "{id}: {time} vs {want}");
            total_time += time;
            // timestamp: the first repetition's start, UTC without a zone.
            let first = reps
                .iter()
                .map(|r| r["provenance"]["started"].as_str().unwrap())
                .min()
                .unwrap();
            assert_eq!(
                suite.attribute("timestamp"),
                Some(first.trim_end_matches('Z'))
            );
            assert_eq!(
                suite.attribute("hostname"),
                reps[0]["provenance"]["host"].as_str()
            );
            // properties: the configuration's knobs and the thresholds it was gated with.
            let props: Vec<(&str, &str)> = suite
                .descendants()
                .filter(|p| p.has_tag_name("property"))
                .map(|p| (p.attribute("name").unwrap(), p.attribute("value").unwrap()))
                .collect();
            let knobs = &reps[0]["knobs"];
            for (name, value) in [
                ("backend", "mock".to_string()),
                ("extraction", "lsb:4".to_string()),
                ("num_timers", knobs["num_timers"].to_string()),
                ("num_sockets", "3".to_string()),
                ("poke_interval_us", knobs["poke_interval_us"].to_string()),
                ("write_trigger", "edge".to_string()),
                ("samples", "2000".to_string()),
                ("repetitions", "2".to_string()),
                ("gate.min_entropy", min_entropy.to_string()),
                ("gate.max_autocorr", "0.5".to_string()),
            ] {
                assert!(
                    props.contains(&(name, value.as_str())),
                    "{id}: {name}={value} not in {props:?}"
                );
            }
            let failures = suite
                .descendants()
                .filter(|n| n.has_tag_name("failure"))
                .count();
            assert_eq!(
                suite.attribute("failures"),
                Some(failures.to_string().as_str())
            );
            if min_entropy == "8" {
                assert!(failures >= 1, "H_assessed < 8 on 4-bit symbols");
            }
        }
        assert!(total_time > 0.0, "the sweep took time");
        if let Some(xmllint) = xmllint() {
            for schema in SCHEMAS {
                if let Err(e) = validate(&xmllint, schema, &junit) {
                    panic!("{schema} rejects the gate's JUnit:\n{e}\n{text}");
                }
            }
            // The check can fail: the same file without a hostname is rejected by the Ant
            // schema, with a stray element by both.
            let no_host = dir.path().join("no-host.xml");
            let stripped = regex_free_remove_attr(&text, "hostname");
            std::fs::write(&no_host, stripped).unwrap();
            assert!(validate(&xmllint, "JUnit.xsd", &no_host).is_err());
            let stray = dir.path().join("stray.xml");
            std::fs::write(&stray, text.replace("<properties>", "<properties><oops/>")).unwrap();
            for schema in SCHEMAS {
                assert!(validate(&xmllint, schema, &stray).is_err(), "{schema}");
            }
        }
        std::fs::remove_dir_all(dir.path().join("s")).unwrap();
    }
}

/// `text` without any `name="..."` attribute (values hold no quotes: they are escaped).
fn regex_free_remove_attr(text: &str, name: &str) -> String {
    let needle = format!(" {name}=\"");
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find(&needle) {
        out.push_str(&rest[..i]);
        let after = &rest[i + needle.len()..];
        let end = after.find('"').unwrap();
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}
