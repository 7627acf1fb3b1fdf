//! `kqent health`: cutoffs, firing positions, inputs and errors.

use std::fs;
use std::path::{Path, PathBuf};

use crate::common::kqent;
use kqent_trace::{ClockInfo, EventKinds, Knobs, Metadata, Record, TraceWriter};
use predicates::prelude::*;
use serde_json::Value;

/// 2007 4-bit symbols: a 0..15 cycle with a run of seven 3s at 101..=107 (RCT, H = 4:
/// cutoff 6, fires at 106) and a third window (from 1024) whose first symbol 0 comes
/// back at every even offset up to 158 (APT, W = 512, cutoff 62: fires at 1024 + 2*61).
fn crafted() -> Vec<u8> {
    let mut d: Vec<u8> = (0..2000u32).map(|i| (i % 16) as u8).collect();
    d.splice(101..101, [3u8; 7]);
    for i in 0..80 {
        d[1024 + 2 * i] = 0;
        d[1024 + 2 * i + 1] = 1;
    }
    d
}

fn write_bin(dir: &Path, data: &[u8]) -> PathBuf {
    let p = dir.join("s.bin");
    fs::write(&p, data).unwrap();
    p
}

#[test]
fn crafted_symbols_fire_where_expected() {
    let dir = tempfile::tempdir().unwrap();
    let data = crafted();
    let input = write_bin(dir.path(), &data);
    let json = dir.path().join("h.json");
    kqent()
        .args(["health", input.to_str().unwrap(), "--h", "4", "--json"])
        .arg(&json)
        .assert()
        .success()
        .stdout(
            predicate::str::contains("cutoff 6 repeats; fired 1 time(s); longest run 7")
                .and(predicate::str::contains("reached the cutoff at sample 106"))
                .and(predicate::str::contains(
                    "window 512, cutoff 62; fired in 1 of 4",
                ))
                .and(predicate::str::contains(
                    "reached the cutoff at sample 1146",
                )),
        );
    let v: Value = serde_json::from_slice(&fs::read(&json).unwrap()).unwrap();
    assert_eq!(v["bits"], 4);
    assert_eq!(v["cutoffs"]["rct_cutoff"], 6);
    assert_eq!(v["cutoffs"]["apt_window"], 512);
    assert_eq!(v["cutoffs"]["apt_cutoff"], 62);
    assert_eq!(v["cutoffs"]["binary"], false);
    assert_eq!(
        v["rct_failures"],
        serde_json::json!([{"index": 106, "start": 101, "symbol": 3, "count": 7}])
    );
    let zeros_after = data[1184..1536].iter().filter(|&&x| x == 0).count() as u64;
    assert_eq!(
        v["apt_failures"],
        serde_json::json!([{"index": 1146, "start": 1024, "symbol": 0, "count": 80 + zeros_after}])
    );
    assert_eq!(v["counts"]["samples"], 2007);
    assert_eq!(v["counts"]["apt_windows"], 4);
}

#[test]
fn json_is_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let input = write_bin(dir.path(), &crafted());
    let run = |name: &str| {
        let out = dir.path().join(name);
        kqent()
            .args([
                "health",
                input.to_str().unwrap(),
                "--h",
                "2.5",
                "--alpha",
                "2^-30",
            ])
            .arg("--json")
            .arg(&out)
            .assert()
            .success();
        fs::read(out).unwrap()
    };
    assert_eq!(run("a.json"), run("b.json"));
}

#[test]
fn quiet_data_reports_no_failure_and_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    let data: Vec<u8> = (0..5000u32).map(|i| (i % 16) as u8).collect();
    let input = write_bin(dir.path(), &data);
    kqent()
        .args(["health", input.to_str().unwrap(), "--h", "1", "--bits", "4"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("fired 0 time(s)")
                .and(predicate::str::contains("fired in 0 of 10 window(s)")),
        );
}

fn write_trace(path: &Path, durations: &[u64]) {
    let meta = Metadata::new("mock", Knobs::default(), ClockInfo::new("mock", 1));
    let mut w = TraceWriter::create(fs::File::create(path).unwrap(), &meta).unwrap();
    for (i, &d) in durations.iter().enumerate() {
        w.push(&Record {
            start_ns: i as u64 * 100,
            duration_ns: d,
            events: 1,
            kinds: EventKinds::TIMER,
            segment: 0,
        })
        .unwrap();
    }
    w.finish(|_| {}).unwrap();
}

#[test]
fn traces_are_tested_through_extraction() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("t.kqt");
    // lsb:1 gives alternating bits with a run of 25 ones from sample 500: binary, so the
    // window is 1024 and H = 1 gives an RCT cutoff of 21 (fires at 520).
    let mut durs: Vec<u64> = (0..3000u64).map(|i| 1000 + i % 2).collect();
    for d in &mut durs[500..525] {
        *d = 1001;
    }
    durs[499] = 1000;
    durs[525] = 1000;
    write_trace(&trace, &durs);
    let json = dir.path().join("h.json");
    kqent()
        .args([
            "health",
            trace.to_str().unwrap(),
            "--extract",
            "lsb:1",
            "--h",
            "1",
        ])
        .arg("--json")
        .arg(&json)
        .assert()
        .success()
        .stdout(predicate::str::contains("(lsb:1)").and(predicate::str::contains("binary")))
        .stderr(predicate::str::contains("warning").not());
    let v: Value = serde_json::from_slice(&fs::read(&json).unwrap()).unwrap();
    assert_eq!(v["extraction"], "lsb:1");
    assert_eq!(v["cutoffs"]["apt_window"], 1024);
    assert_eq!(v["cutoffs"]["apt_cutoff"], 589);
    assert_eq!(
        v["rct_failures"],
        serde_json::json!([{"index": 520, "start": 500, "symbol": 1, "count": 25}])
    );
}

#[test]
fn coarse_tick_is_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("t.kqt");
    let durs: Vec<u64> = (0..600u64).map(|i| 4000 + 4 * (i * 7 % 13)).collect();
    write_trace(&trace, &durs);
    kqent()
        .args([
            "health",
            trace.to_str().unwrap(),
            "--extract",
            "lsb:4",
            "--h",
            "1",
        ])
        .assert()
        .success()
        .stderr(predicate::str::contains("tick, 4 ns"));
}

fn fails_with(args: &[&str], input: &Path, message: &str) {
    let assert = kqent()
        .arg("health")
        .arg(input)
        .args(args)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(message));
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
}

#[test]
fn bad_input_exits_2_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let bin = write_bin(dir.path(), &crafted());
    let trace = dir.path().join("t.kqt");
    write_trace(&trace, &[1, 2, 3, 4]);
    let empty = dir.path().join("empty.bin");
    fs::write(&empty, []).unwrap();

    fails_with(&["--h", "5"], &bin, "exceeds the 4-bit symbol width");
    fails_with(&["--h", "0"], &bin, "positive");
    fails_with(&["--h", "-1"], &bin, "positive");
    fails_with(
        &["--h", "2", "--bits", "2"],
        &bin,
        "does not fit in 2 bit(s)",
    );
    fails_with(
        &["--h", "1", "--extract", "lsb:1"],
        &bin,
        "not a kqent trace",
    );
    fails_with(&["--h", "1"], &trace, "give --extract");
    fails_with(
        &["--h", "1", "--extract", "lsb:1", "--bits", "1"],
        &trace,
        "--bits",
    );
    fails_with(&["--h", "1"], &empty, "no samples");
    fails_with(
        &["--h", "1"],
        &dir.path().join("missing.bin"),
        "cannot open",
    );
    for alpha in ["0", "1", "2^1", "abc"] {
        kqent()
            .arg("health")
            .arg(&bin)
            .args(["--h", "1", "--alpha", alpha])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("alpha"));
    }
}

#[test]
fn unwritable_json_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let bin = write_bin(dir.path(), &crafted());
    kqent()
        .arg("health")
        .arg(&bin)
        .args(["--h", "1", "--json"])
        .arg(bin.join("h.json"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot create the folder"));
}

/// `--h-claim` is the claim's name; `--h` and `--min-entropy` (which `kqent gate` uses for a
/// threshold) still work but are no longer shown.
#[test]
fn the_claim_is_h_claim_and_old_spellings_are_hidden_aliases() {
    let dir = tempfile::tempdir().unwrap();
    let bin = write_bin(dir.path(), &crafted());
    let mut outputs = Vec::new();
    for flag in ["--h-claim", "--h", "--min-entropy"] {
        let out = kqent()
            .arg("health")
            .arg(&bin)
            .args([flag, "2"])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        outputs.push(out);
    }
    assert!(outputs.windows(2).all(|w| w[0] == w[1]));
    let help = kqent().args(["health", "--help"]).assert().success();
    let help = String::from_utf8(help.get_output().stdout.clone()).unwrap();
    assert!(help.contains("--h-claim <H>"), "{help}");
    // No alias is advertised (the help still names gate's --min-entropy, as a contrast).
    assert!(!help.contains("aliases"), "{help}");
}
