//! End to end on the mock backend: `kqent collect` traces -> extraction -> SP 800-90B
//! assessment -> `build_result` -> sweep directory -> schema validation -> `kqent report`
//! and `kqent gate`. Checks that real assessments fit the schema and that two runs with the
//! same seed give the same JSON outside `provenance`.

use std::path::Path;
use std::time::SystemTime;

use kqent_analysis::assess::{assess_non_iid, AssessOptions};
use kqent_analysis::iid::{self, IidOptions};
use kqent_analysis::Extraction;
use kqent_pipeline::build::{build_result, ResultInput};
use kqent_pipeline::input::{durations_sha256, sha256_hex};
use kqent_schema::json::{to_json, without_provenance};
use kqent_schema::{config_id, IidSlot, InputInfo, Knobs, WriteTrigger};
use kqent_sweep::layout::{trace_path, write_result};

use crate::common::{self, kqent};

/// Collects, assesses and writes one configuration; returns the result file's bytes.
fn run_config(dir: &Path, t: u32, s: u32, seed: u64) -> Vec<u8> {
    let knobs = Knobs {
        num_timers: t,
        num_sockets: s,
        num_file_watchers: 0,
        timeout_ms: 1,
        poke_interval_us: 500,
        write_trigger: WriteTrigger::Edge,
        warmup: 1000,
    };
    let id = config_id(&knobs);
    let trace = trace_path(dir, &id, 1, "trace");
    std::fs::create_dir_all(trace.parent().unwrap()).unwrap();
    let started = SystemTime::now();
    kqent()
        .args([
            "collect",
            "--backend",
            "mock",
            "--watchers",
            "0",
            "--samples",
            "20000",
        ])
        .args(["--timers", &t.to_string(), "--sockets", &s.to_string()])
        .args(["--seed", &seed.to_string(), "--out"])
        .arg(&trace)
        .assert()
        .code(0);
    let bytes = std::fs::read(&trace).unwrap();
    let (meta, records) = kqent_trace::read_file(&trace).unwrap();
    assert_eq!(meta.knobs, knobs, "knobs as recorded in the trace");
    let durations: Vec<u64> = records.iter().map(|r| r.duration_ns).collect();
    let kinds: Vec<u32> = records.iter().map(|r| r.kinds.0).collect();
    let extraction: Extraction = "lsb:4".parse().unwrap();
    let symbols = extraction.apply(&durations).unwrap();
    let assessment = assess_non_iid(&symbols, &AssessOptions::default()).unwrap();
    let iid_opts = IidOptions {
        seed,
        permutations: 200,
        all_statistics: false,
    };
    let iid = IidSlot::from_assessment(&iid::assess_iid(&symbols, &iid_opts).unwrap()).unwrap();
    let mut provenance = kqent_pipeline::provenance::collect("test", started, SystemTime::now());
    provenance.collection = Some(meta.provenance.clone());
    provenance.input_file_sha256 = Some(sha256_hex(&bytes));
    let result = build_result(ResultInput {
        config_id: id,
        repetition: 1,
        backend: Some(meta.backend.clone()),
        knobs: Some(knobs),
        input: InputInfo {
            sha256: durations_sha256(&durations),
            file: Some(format!(
                "traces/{}",
                trace.file_name().unwrap().to_string_lossy()
            )),
            samples: durations.len() as u64,
        },
        extraction: Some(extraction),
        seed,
        symbols: &symbols,
        durations: Some((&durations, &kinds)),
        assessment,
        iid: Some(iid),
        provenance,
    })
    .unwrap();
    assert!(result.assessment.h_assessed > 0.0 && result.assessment.h_assessed <= 4.0);
    let path = write_result(dir, &result).unwrap();
    std::fs::read(path).unwrap()
}

/// One seed per configuration: the mock backend's durations depend on the seed only, and
/// the gate refuses two results computed from the same input. The first configuration in
/// the report's order, t0-s4, has seed 7.
fn seed_of(t: u32, s: u32) -> u64 {
    match (t, s) {
        (0, 4) => 7,
        (4, 0) => 8,
        _ => 9,
    }
}

#[test]
fn mock_sweep_to_report_and_gate() {
    let dir = tempfile::tempdir().unwrap();
    let configs = [(4, 0), (0, 4), (4, 4)];
    let first: Vec<Vec<u8>> = configs
        .iter()
        .map(|&(t, s)| run_config(dir.path(), t, s, seed_of(t, s)))
        .collect();

    // Real assessments fit the schema.
    for (doc, &(t, s)) in first.iter().zip(&configs) {
        let v: serde_json::Value = serde_json::from_slice(doc).unwrap();
        common::assert_schema_valid(&v, &format!("result t{t} s{s}"));
    }

    // Same seed, same JSON outside provenance.
    let again = tempfile::tempdir().unwrap();
    for (&(t, s), a) in configs.iter().zip(&first) {
        let b = run_config(again.path(), t, s, seed_of(t, s));
        let (va, vb): (serde_json::Value, serde_json::Value) = (
            serde_json::from_slice(a).unwrap(),
            serde_json::from_slice(&b).unwrap(),
        );
        assert_eq!(
            to_json(&without_provenance(&va)).unwrap(),
            to_json(&without_provenance(&vb)).unwrap()
        );
    }

    let out = kqent()
        .arg("report")
        .arg(dir.path())
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let md = String::from_utf8(out).unwrap();
    assert!(
        md.contains("3 configurations, 3 results · backend `mock` · extraction `lsb:4` · seed 7"),
        "{md}"
    );
    // The combination against its best single kind: one repetition each, so no test.
    let row = md
        .lines()
        .find(|l| {
            l.starts_with("| combination vs best single kind | `t4-s4-w0-to1-p500-edge-wu1000` |")
        })
        .unwrap_or_else(|| panic!("kind comparison row missing: {md}"));
    assert!(row.contains("untestable"), "{row}");
    assert!(md.contains("Inconclusive"), "{md}");
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    // 3 x 6 configuration plots, 2 knob plots, 1 heatmap, the spread, rate and comparison
    // plots.
    assert_eq!(html.matches("<svg").count(), 3 * 6 + 2 + 1 + 3);

    kqent()
        .args(["gate", "--allow-incomplete", "--min-entropy", "0"])
        .arg(dir.path())
        .assert()
        .code(0);
    kqent()
        .args(["gate", "--allow-incomplete", "--min-entropy", "4.0"])
        .arg(dir.path())
        .assert()
        .code(1);
    // The IID verdicts ride along: the gate's answer follows them.
    let loaded = kqent_sweep::layout::load(dir.path()).unwrap();
    let all_iid = loaded.results.iter().all(|r| {
        let slot = r.iid.as_ref().unwrap();
        assert_eq!(slot.assessment().unwrap().iid, slot.verdict);
        slot.verdict
    });
    kqent()
        .args([
            "gate",
            "--allow-incomplete",
            "--min-entropy",
            "0",
            "--require-iid",
        ])
        .arg(dir.path())
        .assert()
        .code(if all_iid { 0 } else { 1 });
}
