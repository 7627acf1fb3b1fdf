//! Conformance with NIST's reference tool (SP800-90B_EntropyAssessment 1.1.7, `ea_non_iid
//! -v -o result.json FILE BITS`): every estimator's H_original and H_bitstring and the
//! overall H_original, H_bitstring and H_assessed agree within 1e-6 on the six fixtures.
//! The expected numbers are read from the tool's JSON output, never copied here.

use kqent_analysis::assess::{assess_non_iid, AssessOptions, Assessment};
use kqent_analysis::{Estimator, EstimatorResult, Symbols};
use serde_json::Value;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/conformance/");
const TOLERANCE: f64 = 1e-6;

/// The reference's `testCaseDesc` for each estimator.
fn desc(e: Estimator) -> &'static str {
    match e {
        Estimator::Mcv => "Most Common Value",
        Estimator::Collision => "Collision Test (for bit strings only)",
        Estimator::Markov => "Markov Test (for bit strings only)",
        Estimator::Compression => "Compression Test (for bit strings only)",
        Estimator::TTuple => "T-Tuple Test",
        Estimator::Lrs => "LRS Test",
        Estimator::MultiMcw => "Multi Most Common in Window Test",
        Estimator::Lag => "Lag Prediction Test",
        Estimator::MultiMmc => "Multi Markov Model with Counting Test (MultiMMC)",
        Estimator::Lz78y => "LZ78Y Test",
    }
}

/// The JSON keys holding an estimator's (original, bitstring) results.
fn keys(e: Estimator) -> (&'static str, &'static str) {
    match e {
        Estimator::TTuple => ("tTupleRes", "binTTupleRes"),
        Estimator::Lrs => ("lrsRes", "binLrsRes"),
        _ => ("hOriginal", "hBitstring"),
    }
}

fn case<'a>(json: &'a Value, desc: &str) -> &'a Value {
    json["testCases"]
        .as_array()
        .expect("testCases")
        .iter()
        .find(|c| c["testCaseDesc"] == desc)
        .unwrap_or_else(|| panic!("no test case {desc:?}"))
}

fn close(what: &str, ours: Option<f64>, reference: Option<f64>, errors: &mut Vec<String>) {
    match (ours, reference) {
        (Some(a), Some(b)) if (a - b).abs() <= TOLERANCE => {}
        (None, None) => {}
        _ => errors.push(format!("{what}: ours {ours:?}, reference {reference:?}")),
    }
}

fn check_side(
    name: &str,
    side: &str,
    results: &[EstimatorResult],
    ran: bool,
    json: &Value,
    errors: &mut Vec<String>,
) {
    for e in Estimator::ALL {
        let (orig_key, bit_key) = keys(e);
        let key = if side == "original" {
            orig_key
        } else {
            bit_key
        };
        let reference = case(json, desc(e))[key].as_f64();
        let ours = if ran {
            results
                .iter()
                .find(|r| r.estimator == e)
                .and_then(|r| r.h())
        } else {
            None
        };
        close(&format!("{name} {side} {e:?}"), ours, reference, errors);
    }
}

/// Our name for an intermediate value the reference's verbose text prints, per estimator.
fn our_name(e: Estimator, theirs: &str) -> Option<&'static str> {
    Some(match (e, theirs) {
        (Estimator::Mcv, "mode") => "mode",
        (Estimator::Mcv, "p-hat") => "p_hat",
        (Estimator::Mcv | Estimator::TTuple | Estimator::Lrs, "p_u") => "p_u",
        (Estimator::Collision | Estimator::Compression, "X-bar") => "X_bar",
        (Estimator::Collision | Estimator::Compression, "sigma-hat") => "sigma_hat",
        (Estimator::Collision | Estimator::Compression, "p") => "p",
        (Estimator::Markov, "P_0") => "P_0",
        (Estimator::Markov, "P_1") => "P_1",
        (Estimator::Markov, "P_0,0") => "P_00",
        (Estimator::Markov, "P_0,1") => "P_01",
        (Estimator::Markov, "P_1,0") => "P_10",
        (Estimator::Markov, "P_1,1") => "P_11",
        (Estimator::Markov, "p_max") => "p_max",
        (Estimator::TTuple, "t") => "t",
        (Estimator::TTuple, "p-hat_max") => "p_hat_max",
        (Estimator::Lrs, "u") => "u",
        (Estimator::Lrs, "v") => "v",
        (Estimator::Lrs, "p-hat") => "p_hat",
        _ => return None,
    })
}

/// Compares the intermediate values of the six estimators of 6.3.1 - 6.3.6 with the
/// reference's verbose text (`Literal|Bitstring NAME Estimate: a = x, b = y, ...`).
fn check_intermediates(name: &str, a: &Assessment, errors: &mut Vec<String>) -> usize {
    let text = std::fs::read_to_string(format!("{DIR}noniid_{name}.txt")).expect("verbose text");
    let mut checked = 0;
    for line in text.lines() {
        let Some((head, rest)) = line.split_once(" Estimate: ") else {
            continue;
        };
        let Some((side, label)) = head.split_once(' ') else {
            continue;
        };
        let results = match side {
            "Literal" => &a.original,
            "Bitstring" => &a.bitstring,
            _ => continue,
        };
        let e = match label {
            "MCV" => Estimator::Mcv,
            "Collision" => Estimator::Collision,
            "Markov" => Estimator::Markov,
            "Compression" => Estimator::Compression,
            "t-Tuple" => Estimator::TTuple,
            "LRS" => Estimator::Lrs,
            _ => continue,
        };
        let Some(ours) = results.iter().find(|r| r.estimator == e) else {
            errors.push(format!("{name} {side} {e:?}: not run"));
            continue;
        };
        for item in rest.split(", ") {
            let Some((key, value)) = item.split_once(" = ") else {
                continue;
            };
            let Some(our_key) = our_name(e, key.trim()) else {
                continue;
            };
            let reference: f64 = value.trim().parse().expect("a number");
            let mine = ours.value(our_key);
            // Relative: p_max runs down to 1e-32.
            let ok = mine.is_some_and(|m| {
                (m - reference).abs() <= 1e-9 * reference.abs().max(1e-300)
                    || (m - reference).abs() <= 1e-12
            });
            if !ok {
                errors.push(format!(
                    "{name} {side} {e:?} {key}: ours {mine:?}, reference {reference}"
                ));
            }
            checked += 1;
        }
    }
    checked
}

fn run(name: &str, bits: u8) -> (Vec<String>, Assessment) {
    let data = std::fs::read(format!("{DIR}{name}.bin")).expect("fixture");
    let json: Value = serde_json::from_slice(
        &std::fs::read(format!("{DIR}noniid_{name}.json")).expect("reference json"),
    )
    .expect("valid json");
    let symbols = Symbols::from_nist_bytes(data, None).expect("symbols");
    assert_eq!(symbols.bits(), bits, "inferred width of {name}");
    let a: Assessment = assess_non_iid(&symbols, &AssessOptions::default()).expect("assessment");
    let mut errors = Vec::new();
    check_side(name, "original", &a.original, true, &json, &mut errors);
    check_side(
        name,
        "bitstring",
        &a.bitstring,
        !a.binary,
        &json,
        &mut errors,
    );

    let overall = case(&json, "Overall");
    close(
        &format!("{name} overall H_original"),
        a.h_original,
        overall["hOriginal"].as_f64(),
        &mut errors,
    );
    close(
        &format!("{name} overall H_bitstring"),
        a.h_bitstring,
        overall["hBitstring"].as_f64(),
        &mut errors,
    );
    close(
        &format!("{name} overall H_assessed"),
        Some(a.h_assessed),
        overall["hAssessed"].as_f64(),
        &mut errors,
    );
    assert_eq!(overall["dataWordSize"].as_f64(), Some(f64::from(bits)));

    // MCV's intermediate values are in the JSON too.
    let mcv_case = case(&json, desc(Estimator::Mcv));
    let mcv = a.original.iter().find(|r| r.estimator == Estimator::Mcv);
    let mcv = mcv.expect("MCV ran");
    assert_eq!(mcv.value("mode"), mcv_case["mcvEstimateMode"].as_f64());
    close(
        &format!("{name} MCV p_hat"),
        mcv.value("p_hat"),
        mcv_case["mcvEstimatePHat"].as_f64(),
        &mut errors,
    );
    close(
        &format!("{name} MCV p_u"),
        mcv.value("p_u"),
        mcv_case["mcvEstimatePU"].as_f64(),
        &mut errors,
    );
    let checked = check_intermediates(name, &a, &mut errors);
    assert!(
        checked >= 20,
        "only {checked} intermediate values found for {name}"
    );
    (errors, a)
}

fn conforms(name: &str, bits: u8) -> Assessment {
    let (errors, a) = run(name, bits);
    assert!(
        errors.is_empty(),
        "{} mismatches:\n{}",
        errors.len(),
        errors.join("\n")
    );
    a
}

#[test]
fn v1_uniform8() {
    conforms("v1_uniform8", 8);
}

#[test]
fn v2_biased1() {
    conforms("v2_biased1", 1);
}

#[test]
fn v3_gauss4() {
    let a = conforms("v3_gauss4", 4);
    // The reference's edge case: on this bitstring X-bar' exceeds 2.5, no p solves the
    // Collision equation, and the estimate falls back to its bound of 1 bit per bit.
    let collision = a
        .bitstring
        .iter()
        .find(|r| r.estimator == Estimator::Collision);
    let collision = collision.expect("Collision ran on the bitstring");
    assert_eq!(collision.value("fallback"), Some(1.0));
    assert_eq!(collision.h(), Some(1.0));
}

#[test]
fn v4_markov1() {
    conforms("v4_markov1", 1);
}

#[test]
fn v5_narrow8_small() {
    conforms("v5_narrow8_small", 8);
}

#[test]
fn nist_ring_osc() {
    conforms("nist_ringOsc", 1);
}

/// No reference output exists for `-c` and `-t`; they are checked against what they must
/// equal. On 1-bit data the bitstring is the data itself, so conditioned mode must give
/// H_bitstring = H_original of the initial estimate, estimator by estimator.
#[test]
fn conditioned_mode_on_one_bit_data_equals_the_initial_estimate() {
    let data = std::fs::read(format!("{DIR}v2_biased1.bin")).expect("fixture");
    let s = Symbols::from_nist_bytes(data, None).expect("symbols");
    let initial = assess_non_iid(&s, &AssessOptions::default()).expect("initial");
    let conditioned = AssessOptions {
        conditioned: true,
        ..AssessOptions::default()
    };
    let c = assess_non_iid(&s, &conditioned).expect("conditioned");
    assert!(c.original.is_empty());
    assert_eq!(c.bitstring, initial.original);
    assert_eq!(c.h_bitstring, initial.h_original);
    assert_eq!(c.h_assessed, initial.h_assessed);
}

/// `--truncate` assesses the first 1,000,000 bits: the same as conditioned mode on the
/// samples those bits come from.
#[test]
fn truncation_assesses_the_first_million_bits() {
    let data = std::fs::read(format!("{DIR}v3_gauss4.bin")).expect("fixture");
    let s = Symbols::from_nist_bytes(data, None).expect("symbols");
    let truncated = AssessOptions {
        truncate: true,
        ..AssessOptions::default()
    };
    let t = assess_non_iid(&s, &truncated).expect("truncated");
    assert_eq!(t.bitstring_len, 1_000_000);
    let head = s.block(0, 250_000).expect("first 250,000 4-bit samples");
    let conditioned = AssessOptions {
        conditioned: true,
        ..AssessOptions::default()
    };
    let c = assess_non_iid(&head, &conditioned).expect("conditioned");
    assert_eq!(t.bitstring, c.bitstring);
    assert_eq!(t.h_bitstring, c.h_bitstring);
}
