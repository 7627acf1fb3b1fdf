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

/// A collection with every field (CPU time included).
fn collection() -> kqent_analysis::inference::CollectionInfo {
    kqent_analysis::inference::CollectionInfo {
        wall_ns: 2_000_000_000,
        cpu_ns: Some(500_000_000),
        clock: "CLOCK_MONOTONIC_RAW".into(),
        clock_resolution_ns: 1,
    }
}

/// Resolves a local `$ref` (`#/$defs/NAME`) against the root schema.
fn resolve<'a>(root: &'a Value, node: &'a Value) -> &'a Value {
    match node.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r.strip_prefix("#/$defs/").expect("local $ref");
            resolve(root, &root["$defs"][name])
        }
        None => node,
    }
}

/// Walks the schema along a document: every object the schema describes with
/// `properties` must have exactly those fields (a field on one side only is drift), and
/// the walk continues into every field and array item. Free-form parts (`detail`, the
/// trace's own provenance) have no `properties` and end the walk.
fn same_fields(root: &Value, node: &Value, doc: &Value, at: &str, seen: &mut usize) {
    let node = resolve(root, node);
    if let Some(branches) = node.get("oneOf").and_then(Value::as_array) {
        if doc.is_null() {
            return;
        }
        // The branch whose `const` fields the document has, else the first non-null one.
        let fits = |b: &&Value| {
            let b = resolve(root, b);
            b.get("type") != Some(&Value::from("null"))
                && b.get("properties")
                    .and_then(Value::as_object)
                    .is_none_or(|props| {
                        props.iter().all(|(k, p)| match p.get("const") {
                            Some(c) => doc.get(k) == Some(c),
                            None => true,
                        })
                    })
        };
        let branch = branches.iter().find(fits).expect("a branch fits");
        return same_fields(root, branch, doc, at, seen);
    }
    if let (Some(props), Some(obj)) = (
        node.get("properties").and_then(Value::as_object),
        doc.as_object(),
    ) {
        let in_schema: std::collections::BTreeSet<&str> =
            props.keys().map(String::as_str).collect();
        let in_doc: std::collections::BTreeSet<&str> = obj.keys().map(String::as_str).collect();
        assert_eq!(
            in_doc, in_schema,
            "{at}: the type's fields (left) and the schema's properties (right) differ"
        );
        *seen += 1;
        for (k, p) in props {
            same_fields(root, p, &obj[k], &format!("{at}.{k}"), seen);
        }
    }
    if let (Some(items), Some(arr)) = (node.get("items"), doc.as_array()) {
        if items.is_object() {
            for (i, v) in arr.iter().enumerate() {
                same_fields(root, items, v, &format!("{at}[{i}]"), seen);
            }
        }
    }
}

/// The hand-written JSON Schema and the serde types cannot drift apart: fully populated
/// documents (every optional field present) have exactly the fields the schema lists, at
/// every level it describes.
#[test]
fn schema_and_types_have_the_same_fields() {
    let root: Value = serde_json::from_str(JSON_SCHEMA).unwrap();
    let mut r = common::one_result(4, 4, 4, 1, 3);
    r.iid = Some(IidSlot {
        verdict: true,
        h_assessed: Some(3.5),
        detail: serde_json::json!({"anything": 1}),
    });
    r.provenance.input_file_sha256 = Some("0".repeat(64));
    r.provenance.collection = Some(kqent_trace::Provenance::default());
    r.assessment.options.h_submitter = Some(1.0);
    r.assessment.options.block = Some((0, 100));
    r.assessment
        .original
        .push(kqent_analysis::EstimatorResult::not_applicable(
            kqent_analysis::Estimator::Lag,
            "why",
        ));
    r.collection = Some(collection());
    r.extractions = vec![kqent_analysis::inference::ExtractionAssessment {
        extraction: kqent_analysis::Extraction::XorFold,
        bits: 8,
        h_assessed: 5.5,
    }];
    r.profile = Some("openentropy".into());
    r.source = Some(kqent_schema::ExternalSource {
        library: "openentropy-core".into(),
        version: "0.12.3".into(),
        name: "clock_jitter".into(),
        settings: [("k".to_string(), "v".to_string())].into_iter().collect(),
        bytes_per_call: 1000,
        calls: 1,
        bytes_requested: 1000,
        bytes_collected: 1000,
        library_min_entropy: 7.5,
        library_p_upper: 0.006,
        library_grade: "A".into(),
    });
    assert!(r.stats.autocorrelation.is_some());
    assert!(r.durations.as_ref().is_some_and(|d| d.kinds.is_some()));
    let doc = serde_json::to_value(&r).unwrap();
    let mut seen = 0;
    same_fields(&root, &root["$defs"]["result"], &doc, "result", &mut seen);
    // result, knobs, input, assessment, options, estimator results and their outcomes,
    // iid, stats, chi_square, autocorrelation, blocks, durations, histogram bins, kinds,
    // provenance: the walk reached them all.
    assert!(seen >= 15, "only {seen} objects compared");

    let mut m = common::manifest(common::manifest(Default::default(), 1).knobs, 2);
    m.knobs = kqent_schema::KnobLists {
        num_timers: vec![0],
        num_sockets: vec![0],
        num_file_watchers: vec![0],
        timeout_ms: vec![1],
        poke_interval_us: vec![500],
        write_trigger: vec![kqent_schema::WriteTrigger::Edge],
        warmup: vec![0],
    };
    m.extractions = Some(vec![
        kqent_analysis::Extraction::Lsb(4),
        kqent_analysis::Extraction::XorFold,
    ]);
    m.clock_control = Some(true);
    m.shard = Some(kqent_schema::Shard { index: 2, count: 3 });
    m.merged = Some(kqent_schema::MergeRecord {
        sources: vec![kqent_schema::MergeSource {
            dir: "shard-2".into(),
            shard: Some(kqent_schema::Shard { index: 2, count: 3 }),
            host: "h".into(),
            os: "linux".into(),
            kernel: "6.1".into(),
            backend: "epoll".into(),
            results: 1,
        }],
        missing: vec![kqent_schema::MissingRun {
            platform: "linux/epoll".into(),
            config_id: "t0-s0-w0-to1-p500-edge-wu0".into(),
            repetition: 1,
        }],
    });
    m.profiles = Some(vec![
        kqent_schema::Profile::Kqent,
        kqent_schema::Profile::Openentropy,
    ]);
    m.session_n = Some(1000);
    let doc = serde_json::to_value(&m).unwrap();
    let mut seen = 0;
    same_fields(&root, &root["$defs"]["sweep"], &doc, "sweep", &mut seen);
    assert!(seen >= 3, "only {seen} objects compared");

    // The summary of a sweep whose results carry everything the summary reads (rates, IID
    // verdicts, other extractions), 3 repetitions so that every spread has its interval.
    let dir = tempfile::tempdir().unwrap();
    common::make_sweep(dir.path(), 3);
    let mut loaded = load(dir.path()).unwrap();
    for r in &mut loaded.results {
        r.collection = Some(collection());
        r.extractions = vec![kqent_analysis::inference::ExtractionAssessment {
            extraction: kqent_analysis::Extraction::XorFold,
            bits: 8,
            h_assessed: r.h_assessed() / 2.0,
        }];
        r.iid = Some(IidSlot {
            verdict: true,
            h_assessed: Some(3.5),
            detail: serde_json::json!({}),
        });
    }
    // The same runs on a second host, so that the per-host fields appear too.
    let other: Vec<_> = loaded
        .results
        .iter()
        .cloned()
        .map(|mut r| {
            r.provenance.host = "second-host".into();
            r
        })
        .collect();
    loaded.results.extend(other);
    let summary = kqent_schema::summary::summary_of(&loaded);
    assert!(summary.summary.kinds_answer.is_some() && !summary.summary.comparisons.is_empty());
    assert!(summary.summary.configs.iter().all(|c| c.host.is_some()));
    let doc = serde_json::to_value(&summary).unwrap();
    assert_valid(&validator(), &doc, "summary.json");
    let mut seen = 0;
    same_fields(&root, &root["$defs"]["summary"], &doc, "summary", &mut seen);
    // summary, options, configs and their spreads and rates, comparisons with their Welch
    // tests, the kinds answer, extractions: the walk reached them all.
    assert!(seen >= 20, "only {seen} objects compared");

    // And the walk does catch drift: a field the schema does not know.
    let mut extra = serde_json::to_value(&r).unwrap();
    extra["input"]["new_field"] = 1.into();
    let caught = std::panic::catch_unwind(|| {
        same_fields(&root, &root["$defs"]["result"], &extra, "result", &mut 0)
    });
    assert!(caught.is_err());
}
