//! Conformance of the IID track with NIST's reference `ea_iid` 1.1.7
//! (`tests/data/conformance/iid_*.json|.txt`): chi-square and LRS numbers and outcomes, the
//! statistics of the original sequence, the permutation verdict and the MCV entropies.
//! The non-IID files must fail.

use kqent_analysis::iid::{self, IidAssessment, IidOptions, PermutationOutcome, Statistic};
use kqent_analysis::Symbols;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/conformance/");

fn load(name: &str, bits: u8) -> Symbols {
    let bytes = std::fs::read(format!("{DIR}{name}.bin")).unwrap();
    Symbols::from_nist_bytes(bytes, Some(bits)).unwrap()
}

fn txt(name: &str) -> String {
    std::fs::read_to_string(format!("{DIR}iid_{name}.txt")).unwrap()
}

fn json(name: &str) -> serde_json::Value {
    let s = std::fs::read_to_string(format!("{DIR}iid_{name}.json")).unwrap();
    serde_json::from_str(&s).unwrap()
}

/// The number after `key` on its line, the `n`-th such line.
fn num_after(text: &str, key: &str, n: usize) -> f64 {
    let line = text
        .lines()
        .filter(|l| l.contains(key))
        .nth(n)
        .unwrap_or_else(|| panic!("no line {n} with {key:?}"));
    let rest = &line[line.find(key).unwrap() + key.len()..];
    rest.trim().parse().unwrap_or_else(|_| panic!("{line:?}"))
}

fn close(what: &str, ours: f64, theirs: f64, tol: f64) {
    assert!(
        (ours - theirs).abs() <= tol,
        "{what}: ours {ours}, reference {theirs}"
    );
}

/// `cout` prints 6 significant digits: allow half a unit of the 6th.
fn close6(what: &str, ours: f64, theirs: f64) {
    close(what, ours, theirs, theirs.abs() * 5.01e-6 + 1e-9);
}

fn check(name: &str, bits: u8) -> IidAssessment {
    let s = load(name, bits);
    let opts = IidOptions {
        seed: 1,
        ..IidOptions::default()
    };
    let a = iid::assess_iid(&s, &opts).unwrap();
    let t = txt(name);
    let top = json(name);
    let j = &top["testCases"][0];

    // Baseline statistics (printed with %f).
    close("mean", a.mean, num_after(&t, "Raw Mean:", 0), 1e-6);
    close("median", a.median, num_after(&t, "Median:", 0), 1e-6);
    assert_eq!(a.binary, j["binary"].as_bool().unwrap_or(a.alphabet == 2));

    // Chi-square tests (%f: 6 decimals).
    // The reference prints independence first, goodness of fit second.
    let (ind, gof) = (&a.chi_square_independence, &a.chi_square_goodness_of_fit);
    for (n, (test, what)) in [(ind, "independence"), (gof, "goodness of fit")]
        .into_iter()
        .enumerate()
    {
        close(
            &format!("{what} T"),
            test.statistic,
            num_after(&t, "score =", n),
            1e-6,
        );
        assert_eq!(
            test.df as f64,
            num_after(&t, "degrees of freedom =", n),
            "{what} df"
        );
        close(
            &format!("{what} p"),
            test.p_value,
            num_after(&t, "p-value =", n),
            1e-6,
        );
    }
    assert_eq!(
        ind.pass && gof.pass,
        j["passedChiSquareTests"].as_bool().unwrap()
    );

    // LRS test.
    close("P_col", a.lrs.p_col, num_after(&t, "P_col:", 0), 1e-6);
    assert_eq!(a.lrs.w as f64, num_after(&t, "Length of LRS:", 0));
    close(
        "Pr(X>=1)",
        a.lrs.pr_at_least_one,
        num_after(&t, "Pr(X >= 1):", 0),
        1e-6,
    );
    assert_eq!(
        a.lrs.pass,
        j["passedLongestRepeatedSubstringTest"].as_bool().unwrap()
    );

    // The statistics of the original sequence ("Initial test results").
    for r in &a.permutation_tests {
        let key = format!(" {}: ", r.name);
        close6(&r.name, r.original, num_after(&t, &key, 0));
    }

    // The permutation verdict and the overall verdict.
    assert_eq!(
        a.permutation_pass,
        j["passedIidPermutationTests"].as_bool().unwrap()
    );
    assert_eq!(a.iid, top["IID"].as_bool().unwrap());

    // Entropies: full precision from the JSON, the assessed value from the .txt line.
    let e = a
        .entropy
        .as_ref()
        .expect("IID data gets an entropy estimate");
    close(
        "H_original",
        e.h_original,
        j["hOriginal"].as_f64().unwrap(),
        1e-9,
    );
    if a.alphabet > 2 {
        let hb = e.h_bitstring.unwrap();
        close("H_bitstring", hb, j["hBitstring"].as_f64().unwrap(), 1e-9);
        let key = format!("min(H_original, {bits} X H_bitstring):");
        close("h_assessed", e.h_assessed, num_after(&t, &key, 0), 1e-6);
    } else {
        assert!(e.h_bitstring.is_none());
        close(
            "h_assessed",
            e.h_assessed,
            num_after(&t, "H_original:", 0),
            1e-6,
        );
    }
    a
}

#[test]
fn v1_uniform8() {
    let a = check("v1_uniform8", 8);
    // Nothing failed, so compression ran too.
    let c = &a.permutation_tests[Statistic::Compression.index()];
    assert_eq!(c.outcome, PermutationOutcome::Pass);
}

#[test]
fn v2_biased1() {
    check("v2_biased1", 1);
}

#[test]
fn v3_gauss4() {
    check("v3_gauss4", 4);
}

#[test]
fn v5_narrow8_small() {
    check("v5_narrow8_small", 8);
}

/// The chi-square scores, degrees of freedom and p-values of the reference on two files from
/// NIST's own repository, where proportions computed as `count / n` (rather than the
/// reference's running sum of `1/n`) bin some expected counts differently: 1026.242376
/// instead of 1013.164903 on `rand8_short.bin`, 4123.205550 instead of 4116.613429 on
/// `biased-random-bytes.bin`.
#[test]
fn chi_square_scores_equal_the_reference_on_nists_files() {
    use kqent_analysis::iid::chi_square;
    for name in ["rand8_short", "biased-random-bytes"] {
        let s = load(name, 8);
        let t = std::fs::read_to_string(format!("{DIR}iid_nist_{name}.txt")).unwrap();
        let tr = s.translated();
        let (ind, gof) = chi_square::tests(&tr.data, tr.alphabet);
        for (n, (test, what)) in [(ind, "independence"), (gof, "goodness of fit")]
            .into_iter()
            .enumerate()
        {
            let what = format!("{name} {what}");
            close(
                &format!("{what} T"),
                test.statistic,
                num_after(&t, "score =", n),
                1e-6,
            );
            assert_eq!(
                test.df as f64,
                num_after(&t, "degrees of freedom =", n),
                "{what} df"
            );
            close(
                &format!("{what} p"),
                test.p_value,
                num_after(&t, "p-value =", n),
                1e-6,
            );
        }
    }
}

/// Strongly non-IID files fail; 1,000 permutations keep the test fast (their failing
/// statistics sit at the edge of the permutation distribution whatever the count: the
/// benchmark runs the full 10,000).
fn check_not_iid(name: &str, bits: u8) -> IidAssessment {
    let opts = IidOptions {
        seed: 3,
        permutations: 1_000,
        all_statistics: false,
    };
    let a = iid::assess_iid(&load(name, bits), &opts).unwrap();
    assert!(!a.iid, "{name} must not pass as IID");
    assert!(a.entropy.is_none(), "no IID entropy is claimed");
    assert!(
        !a.permutation_pass,
        "{name}: some permutation statistic fails"
    );
    let failed: Vec<&str> = a
        .permutation_tests
        .iter()
        .filter(|r| r.outcome == PermutationOutcome::Fail)
        .map(|r| r.name.as_str())
        .collect();
    assert!(!failed.is_empty());
    // A failed statistic ran every permutation; compression was skipped once decided.
    for r in &a.permutation_tests {
        if r.outcome == PermutationOutcome::Fail {
            assert_eq!(r.permutations, 1_000);
            assert!(r.c0 + r.c1 <= 5 || r.c1 + r.c2 <= 5);
        }
    }
    let c = &a.permutation_tests[Statistic::Compression.index()];
    assert_eq!(
        c.outcome,
        PermutationOutcome::NotEvaluated {
            reason: iid::VERDICT_DECIDED.into()
        }
    );
    assert_eq!(c.permutations, 0);
    a
}

#[test]
fn nist_ring_osc_is_not_iid() {
    check_not_iid("nist_ringOsc", 1);
}

#[test]
fn v4_markov1_is_not_iid() {
    let a = check_not_iid("v4_markov1", 1);
    // P(stay) = 0.8: consecutive pairs are far from independent.
    assert!(!a.chi_square_independence.pass);
}

/// The compression statistic equals libbz2's length exactly (values from python3's `bz2`
/// module, which wraps C libbz2: `len(bz2.compress(text, 5))`; it feeds the input before
/// finishing, which differs from the reference's one-shot call only when the text ends
/// exactly as a block fills, not the case here).
#[test]
fn bzip2_lengths_equal_libbz2() {
    use kqent_analysis::iid::compression::compression;
    for (name, bits, expected) in [
        ("v1_uniform8", 8, 1_067_432),
        ("v2_biased1", 1, 143_804),
        ("v3_gauss4", 4, 421_191),
        ("nist_ringOsc", 1, 111_319),
    ] {
        let s = load(name, bits);
        assert_eq!(compression(s.as_slice()), expected, "{name}");
    }
}

/// On the permutations the statistic is actually computed on, the length also equals what
/// the `bzip2` crate (libbz2-rs) writes.
#[test]
fn bzip2_lengths_of_permutations_equal_libbz2_rs() {
    use bzip2::{Action, Compress, Compression};
    use kqent_analysis::iid::compression::{as_text, compression};
    use kqent_analysis::iid::permutation::permuted;
    for (name, bits) in [("v1_uniform8", 8), ("v3_gauss4", 4), ("nist_ringOsc", 1)] {
        let s = load(name, bits);
        for j in 0..2 {
            let p = permuted(s.as_slice(), 7, j);
            let text = as_text(&p);
            let mut c = Compress::new(Compression::new(5), 0);
            let mut out = Vec::with_capacity(text.len() + text.len() / 100 + 601);
            c.compress_vec(&text, &mut out, Action::Finish).unwrap();
            assert_eq!(compression(&p), out.len() as u64, "{name} permutation {j}");
        }
    }
}
