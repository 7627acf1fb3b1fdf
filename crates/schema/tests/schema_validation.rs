//! Every document the crate writes validates against the shipped JSON Schema, and the
//! reader rejects newer schema versions and broken files with clear errors.

// The synthetic sweeps of the renderers' tests.
#[path = "../../report/tests/common/mod.rs"]
mod common;

use kqent_schema::json::{read_result, to_json, without_provenance};
use kqent_schema::{IidSlot, SchemaError, JSON_SCHEMA};
use kqent_sweep::layout::{load, result_files, MANIFEST};
use serde_json::Value;

fn validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(JSON_SCHEMA).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

fn assert_valid(v: &jsonschema::Validator, doc: &Value, what: &str) {
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} does not match the schema:\n{}",
        errors.join("\n")
    );
}

#[test]
fn every_written_document_validates() {
    let dir = tempfile::tempdir().unwrap();
    common::make_sweep(dir.path(), 2);
    let v = validator();
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join(MANIFEST)).unwrap()).unwrap();
    assert_valid(&v, &manifest, "sweep.json");
    let files = result_files(dir.path()).unwrap();
    assert_eq!(files.len(), 16);
    for f in &files {
        let doc: Value = serde_json::from_slice(&std::fs::read(f).unwrap()).unwrap();
        assert_valid(&v, &doc, &f.display().to_string());
    }
    // A result with an IID verdict and a symbol-file result (no knobs) validate too.
    let mut r = common::one_result(0, 0, 0, 1, 0);
    r.iid = Some(IidSlot {
        verdict: true,
        h_assessed: Some(3.5),
        detail: serde_json::json!({"tests": []}),
    });
    r.knobs = None;
    r.durations = None;
    r.extraction = None;
    r.backend = None;
    r.provenance.collection = Some(kqent_trace::Provenance {
        host: Some("h".into()),
        scaling_governor: Some("performance".into()),
        ..Default::default()
    });
    assert_valid(&v, &serde_json::to_value(&r).unwrap(), "symbol-file result");
}

#[test]
fn the_schema_rejects_what_it_should() {
    let v = validator();
    let good = serde_json::to_value(common::one_result(4, 0, 0, 1, 3)).unwrap();
    let mut bad = good.clone();
    bad["knobs"]["write_trigger"] = "sideways".into();
    assert!(!v.is_valid(&bad));
    let mut bad = good.clone();
    bad["repetition"] = 0.into();
    assert!(!v.is_valid(&bad));
    let mut bad = good.clone();
    bad.as_object_mut().unwrap().remove("provenance");
    assert!(!v.is_valid(&bad));
    let mut bad = good;
    bad["extraction"] = "msb:3".into();
    assert!(!v.is_valid(&bad));
}

#[test]
fn newer_schema_and_broken_files_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let r = common::one_result(4, 4, 0, 1, 3);
    let mut doc = serde_json::to_value(&r).unwrap();
    doc["schema_version"] = 2.into();
    let p = dir.path().join("new.json");
    std::fs::write(&p, to_json(&doc).unwrap()).unwrap();
    let e = read_result(&p).unwrap_err();
    assert!(
        matches!(
            e,
            SchemaError::NewerSchema {
                found: 2,
                supported: 1,
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("upgrade kqent"), "{e}");

    std::fs::write(&p, "{\"schema_version\": 1, \"kind\": \"result\"}").unwrap();
    assert!(read_result(&p)
        .unwrap_err()
        .to_string()
        .contains("missing field"));
    std::fs::write(&p, "not json").unwrap();
    assert!(read_result(&p)
        .unwrap_err()
        .to_string()
        .contains("not a valid kqent report"));
    std::fs::write(&p, "{\"kind\": \"result\"}").unwrap();
    assert!(read_result(&p)
        .unwrap_err()
        .to_string()
        .contains("no schema_version"));
    std::fs::write(
        &p,
        to_json(&common::manifest(Default::default(), 1)).unwrap(),
    )
    .unwrap();
    assert!(read_result(&p)
        .unwrap_err()
        .to_string()
        .contains("expected \"result\""));

    let empty = tempfile::tempdir().unwrap();
    assert!(matches!(
        load(empty.path()).unwrap_err(),
        kqent_sweep::SweepError::NoResults(_)
    ));
    assert!(matches!(
        load(&empty.path().join("absent")).unwrap_err(),
        kqent_sweep::SweepError::Io { .. }
    ));
}

#[test]
fn same_seed_same_json_outside_provenance() {
    let a = common::one_result(4, 4, 4, 2, 3);
    let mut b = common::one_result(4, 4, 4, 2, 3);
    b.provenance.host = "elsewhere".into();
    let (ja, jb) = (
        serde_json::to_value(&a).unwrap(),
        serde_json::to_value(&b).unwrap(),
    );
    assert_ne!(ja, jb);
    assert_eq!(
        to_json(&without_provenance(&ja)).unwrap(),
        to_json(&without_provenance(&jb)).unwrap()
    );
    // Round trip through the file format is lossless.
    let dir = tempfile::tempdir().unwrap();
    let p = kqent_sweep::layout::write_result(dir.path(), &a).unwrap();
    assert_eq!(read_result(&p).unwrap(), a);
}
