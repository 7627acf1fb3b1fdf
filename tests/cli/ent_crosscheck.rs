//! Cross-check of the basic statistics against Fourmilab's `ent` (Debian package `ent`),
//! fetched by `scripts/fetch-ent.sh` into `target/ent/`. On the 8-bit conformance files,
//! Shannon entropy, chi-square and serial correlation must print exactly as `ent -t` prints
//! them (six decimals). When `ent` is absent the test runs the fetch script; if that fails
//! it skips loudly, except under CI (`CI` set), where it fails.
//!
//! `ent` comes from Debian through apt-get (scripts/fetch-ent.sh): Linux only. Elsewhere the
//! module is compiled out rather than failing under `CI`, so the macOS and FreeBSD jobs run
//! every other test.
#![cfg(target_os = "linux")]

use std::path::{Path, PathBuf};
use std::process::Command;

use kqent_analysis::stats::{chi_square_uniform, serial_correlation_ent, shannon_entropy};
use kqent_analysis::Symbols;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn ent_binary() -> Option<PathBuf> {
    let bin = Path::new(ROOT).join("target/ent/usr/bin/ent");
    if !bin.exists() {
        let status = Command::new("bash")
            .arg(Path::new(ROOT).join("scripts/fetch-ent.sh"))
            .status();
        if !matches!(status, Ok(s) if s.success()) {
            let msg = "ent could not be fetched (scripts/fetch-ent.sh failed)";
            assert!(std::env::var_os("CI").is_none(), "{msg}");
            eprintln!("\n!!!!!!!!!! SKIPPED ent cross-check: {msg} !!!!!!!!!!\n");
            return None;
        }
    }
    Some(bin)
}

/// `ent -t` prints `1,bytes,entropy,chisq,mean,montepi,scc` on its second line.
fn ent_terse(ent: &Path, file: &Path) -> Vec<String> {
    let out = Command::new(ent).arg("-t").arg(file).output().unwrap();
    assert!(out.status.success(), "ent failed on {}", file.display());
    let text = String::from_utf8(out.stdout).unwrap();
    let line = text.lines().nth(1).expect("ent -t prints two lines");
    line.split(',').map(str::to_string).collect()
}

#[test]
fn agrees_with_ent_on_8_bit_conformance_files() {
    let Some(ent) = ent_binary() else { return };
    for name in ["v1_uniform8.bin", "v5_narrow8_small.bin"] {
        let path = Path::new(ROOT)
            .join("crates/analysis/tests/data/conformance")
            .join(name);
        let bytes = std::fs::read(&path).unwrap();
        let fields = ent_terse(&ent, &path);
        assert_eq!(fields[1], bytes.len().to_string(), "{name}: byte count");
        let symbols = Symbols::new(bytes, 8).unwrap();
        let counts = symbols.counts();
        let ours = [
            ("entropy", format!("{:.6}", shannon_entropy(&counts))),
            (
                "chi-square",
                format!("{:.6}", chi_square_uniform(&symbols).unwrap().statistic),
            ),
            (
                "serial correlation",
                format!("{:.6}", serial_correlation_ent(symbols.as_slice())),
            ),
        ];
        for ((what, got), want) in ours.iter().zip([&fields[2], &fields[3], &fields[6]]) {
            assert_eq!(got, want, "{name}: {what} (ours vs ent)");
        }
    }
}
