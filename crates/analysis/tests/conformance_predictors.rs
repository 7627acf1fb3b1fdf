//! The four prediction estimators (SP 800-90B 6.3.7 - 6.3.10) against NIST's reference tool
//! 1.1.7 on the conformance files: every H within 1e-6 of the reference's JSON; N, C and
//! r exactly, and P_global' and P_local (or its absence) as its verbose output prints them.

use kqent_analysis::estimators::{lag, lz78y, multi_mcw, multi_mmc};
use kqent_analysis::{EstimatorResult, Symbols};
use serde_json::Value;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/conformance/");
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

/// What the reference's verbose line prints for one run, e.g.
/// `Literal Lag Prediction Estimate: N = 999999, Pglobal' = 0.58 (C = 579732) Plocal can't
/// affect result (r = 28)` or `... Plocal = 0.518 (r = 29)`.
struct Verbose {
    n: f64,
    c: f64,
    r: f64,
    p_global_prime: f64,
    /// `None` when the reference says P_local can't affect the result.
    p_local: Option<f64>,
}

fn verbose(txt: &str, label: &str, name: &str) -> Verbose {
    let prefix = format!("{label} {name} Prediction Estimate: ");
    let line = txt
        .lines()
        .find(|l| l.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no line {prefix:?}"));
    let number = |key: &str| -> f64 {
        let at = line.find(key).unwrap_or_else(|| panic!("{key} in {line}")) + key.len();
        let text: String = line[at..]
            .chars()
            .take_while(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | '-' | '+'))
            .collect();
        text.parse().unwrap()
    };
    Verbose {
        n: number("N = "),
        c: number("(C = "),
        r: number("(r = "),
        p_global_prime: number("Pglobal' = "),
        p_local: line.contains("Plocal = ").then(|| number("Plocal = ")),
    }
}

fn check(result: &EstimatorResult, expected_h: f64, v: Verbose, what: &str) {
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
    assert_eq!(got, (v.n, v.c, v.r), "{what}: (N, C, r)");
    let pgp = result.value("p_global_prime").unwrap();
    assert!(
        (pgp - v.p_global_prime).abs() <= 1e-12,
        "{what}: P_global' = {pgp}, reference {}",
        v.p_global_prime
    );
    match (result.value("p_local"), v.p_local) {
        (None, None) => {}
        (Some(ours), Some(theirs)) => assert!(
            (ours - theirs).abs() <= 1e-9,
            "{what}: P_local = {ours}, reference {theirs}"
        ),
        (ours, theirs) => panic!("{what}: P_local {ours:?}, reference {theirs:?}"),
    }
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
            verbose(&txt, "Literal", verbose_name),
            &format!("{name} {verbose_name} symbols"),
        );
        match &bitstring {
            Some(b) => {
                let h_bitstring = case["hBitstring"].as_f64().unwrap();
                let result = estimate(b, 2);
                check(
                    &result,
                    h_bitstring,
                    verbose(&txt, "Bitstring", verbose_name),
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

/// Pseudo-random bytes from a seeded xorshift generator.
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

/// Noise with one long run of a constant: predictions are almost never right, except
/// through the run, so the local bound (from the longest run) must decide every estimate.
#[test]
fn a_long_run_of_correct_predictions_decides_through_p_local() {
    let mut data = noise(7, 200_000);
    data[120_000..120_400].fill(0);
    let t = Symbols::new(data, 8).unwrap().translated();
    for (_, name, estimate) in PREDICTORS {
        let r = estimate(&t.data, t.alphabet);
        let p_local = r
            .value("p_local")
            .unwrap_or_else(|| panic!("{name}: P_local was not computed: {r:?}"));
        let p_global_prime = r.value("p_global_prime").unwrap();
        assert!(p_global_prime < 0.01, "{name}: {p_global_prime}");
        assert!(p_local > 0.9 && p_local < 1.0, "{name}: {p_local}");
        assert!(r.value("r").unwrap() > 250.0, "{name}");
        assert_eq!(r.value("p_max"), Some(p_local), "{name}");
        let h = r.h().unwrap();
        assert!((h + p_local.log2()).abs() < 1e-15, "{name}: {h}");
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]

    /// Every estimate lies in [0, log2 k] (k the alphabet it ran on), symbols and bits.
    #[test]
    fn estimates_lie_between_zero_and_the_width(
        bits in 1u8..=8,
        len in 1usize..6_000,
        seed in proptest::prelude::any::<u64>(),
        sticky in 0u8..4,
    ) {
        // A few distinct values, more, or all: `sticky` narrows the range used.
        let raw = noise(seed, len);
        let limit = (1u16 << bits) >> sticky.min(bits - 1);
        let data: Vec<u8> = raw.iter().map(|&v| (u16::from(v) % limit) as u8).collect();
        let symbols = Symbols::new(data, bits).unwrap();
        let t = symbols.translated();
        let bitstring = symbols.bitstring();
        for (_, name, estimate) in PREDICTORS {
            for (input, k) in [(&t.data, t.alphabet), (&bitstring, 2)] {
                let r = estimate(input, k);
                if let Some(h) = r.h() {
                    let top = (k as f64).log2();
                    proptest::prop_assert!(
                        (0.0..=top + 1e-12).contains(&h),
                        "{} on {} samples of {}: {}", name, input.len(), k, h
                    );
                }
            }
        }
    }
}

/// The parallel parts (windows, orders, length groups, pipeline stages) must not change a
/// bit of the result: one thread and several give identical results.
#[test]
fn results_do_not_depend_on_the_thread_count() {
    let symbols = Symbols::from_nist_bytes(
        std::fs::read(format!("{DIR}v3_gauss4.bin")).unwrap()[..300_000].to_vec(),
        Some(4),
    )
    .unwrap();
    let t = symbols.translated();
    let bits = symbols.bitstring();
    let pool = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
    };
    let (one, four) = (pool(1), pool(4));
    for (_, name, estimate) in PREDICTORS {
        for (data, k) in [(&t.data, t.alphabet), (&bits, 2)] {
            let a = one.install(|| estimate(data, k));
            let b = four.install(|| estimate(data, k));
            assert_eq!(a, b, "{name}");
        }
    }
}
