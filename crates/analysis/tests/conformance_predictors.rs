//! The four prediction estimators (SP 800-90B 6.3.7 - 6.3.10) against NIST's reference tool
//! 1.1.7 on the conformance files: every H within 1e-6 of the reference's JSON, and N, C
//! and r exactly as its verbose output prints them.

use kqent_analysis::estimators::{lag, lz78y, multi_mcw, multi_mmc};
use kqent_analysis::{EstimatorResult, Symbols};
use serde_json::Value;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data/conformance/");
const FILES: [&str; 6] = [
    "v1_uniform8",
    "v2_biased1",
    "v3_gauss4",
    "v4_markov1",
    "v5_narrow8_small",
    "nist_ringOsc",
];

type Estimate = fn(&[u8], usize) -> EstimatorResult;

/// (JSON `testCaseDesc`, name in the verbose text, function)
const PREDICTORS: [(&str, &str, Estimate); 4] = [
    (
        "Multi Most Common in Window Test",
        "MultiMCW",
        multi_mcw::estimate,
    ),
    ("Lag Prediction Test", "Lag", lag::estimate),
    (
        "Multi Markov Model with Counting Test (MultiMMC)",
        "MultiMMC",
        multi_mmc::estimate,
    ),
    ("LZ78Y Test", "LZ78Y", lz78y::estimate),
];

/// N, C and r from a verbose line such as
/// `Literal Lag Prediction Estimate: N = 999999, Pglobal' = 0.58 (C = 579732) ... (r = 28)`.
fn verbose_counts(txt: &str, label: &str, name: &str) -> (f64, f64, f64) {
    let prefix = format!("{label} {name} Prediction Estimate: ");
    let line = txt
        .lines()
        .find(|l| l.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no line {prefix:?}"));
    let field = |key: &str| -> f64 {
        let at = line.find(key).unwrap_or_else(|| panic!("{key} in {line}")) + key.len();
        let digits: String = line[at..]
            .chars()
            .take_while(|c| c.is_ascii_digit())
            .collect();
        digits.parse().unwrap()
    };
    (field("N = "), field("(C = "), field("(r = "))
}

fn check(result: &EstimatorResult, expected_h: f64, counts: (f64, f64, f64), what: &str) {
    let h = result
        .h()
        .unwrap_or_else(|| panic!("{what}: not applicable: {result:?}"));
    assert!(
        (h - expected_h).abs() <= 1e-6,
        "{what}: H = {h}, reference {expected_h}"
    );
    let got = (
        result.value("N").unwrap(),
        result.value("C").unwrap(),
        result.value("r").unwrap(),
    );
    assert_eq!(got, counts, "{what}: (N, C, r)");
}

fn run_file(name: &str) {
    let json: Value =
        serde_json::from_slice(&std::fs::read(format!("{DIR}noniid_{name}.json")).unwrap())
            .unwrap();
    let txt = std::fs::read_to_string(format!("{DIR}noniid_{name}.txt")).unwrap();
    let cases = json["testCases"].as_array().unwrap();
    let case = |desc: &str| {
        cases
            .iter()
            .find(|c| c["testCaseDesc"] == desc)
            .unwrap_or_else(|| panic!("{name}: no test case {desc:?}"))
    };
    let bits = case("Overall")["dataWordSize"].as_f64().unwrap() as u8;
    let symbols = Symbols::from_nist_bytes(
        std::fs::read(format!("{DIR}{name}.bin")).unwrap(),
        Some(bits),
    )
    .unwrap();
    let translated = symbols.translated();
    let bitstring = (!symbols.is_binary()).then(|| symbols.bitstring());

    for (desc, verbose_name, estimate) in PREDICTORS {
        let case = case(desc);
        let h_original = case["hOriginal"].as_f64().unwrap();
        let result = estimate(&translated.data, translated.alphabet);
        check(
            &result,
            h_original,
            verbose_counts(&txt, "Literal", verbose_name),
            &format!("{name} {verbose_name} symbols"),
        );
        match &bitstring {
            Some(b) => {
                let h_bitstring = case["hBitstring"].as_f64().unwrap();
                let result = estimate(b, 2);
                check(
                    &result,
                    h_bitstring,
                    verbose_counts(&txt, "Bitstring", verbose_name),
                    &format!("{name} {verbose_name} bitstring"),
                );
            }
            None => assert!(case.get("hBitstring").is_none()),
        }
    }
}

#[test]
fn v1_uniform8() {
    run_file(FILES[0]);
}

#[test]
fn v2_biased1() {
    run_file(FILES[1]);
}

#[test]
fn v3_gauss4() {
    run_file(FILES[2]);
}

#[test]
fn v4_markov1() {
    run_file(FILES[3]);
}

#[test]
fn v5_narrow8_small() {
    run_file(FILES[4]);
}

#[test]
fn nist_ring_osc() {
    run_file(FILES[5]);
}
