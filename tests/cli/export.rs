//! `kqent export`: symbol files, CSV, tick warning, and clean failures.

use std::fs;
use std::path::{Path, PathBuf};

use crate::common::kqent;
use kqent_trace::{ClockInfo, EventKinds, Knobs, Metadata, Record, TraceWriter};
use predicates::prelude::*;

/// `kqent export INPUT ARGS... --out OUT`, run.
fn export(input: &Path, args: &[&str], out: &Path) -> assert_cmd::assert::Assert {
    kqent()
        .arg("export")
        .arg(input)
        .args(args)
        .arg("--out")
        .arg(out)
        .assert()
}

/// Writes a trace with the given durations; kinds and events vary per record.
fn write_trace(path: &Path, durations: &[u64]) {
    let meta = Metadata::new("mock", Knobs::default(), ClockInfo::new("mock", 1));
    let mut w = TraceWriter::create(fs::File::create(path).unwrap(), &meta).unwrap();
    for (i, &d) in durations.iter().enumerate() {
        w.push(&Record {
            start_ns: i as u64 * 1000,
            duration_ns: d,
            events: (i % 3) as u32,
            kinds: EventKinds([0, 1, 5, 15][i % 4]),
            segment: 0,
        })
        .unwrap();
    }
    w.finish(|_| {}).unwrap();
}

const DURS: [u64; 6] = [0x1234, 0x00ff, 0x10_0001, 0x7, 0xfff0, 0x1234_5678_9abc];

fn setup() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("t.kqt");
    write_trace(&trace, &DURS);
    (dir, trace)
}

fn export_bin(method: &str) -> Vec<u8> {
    let (dir, trace) = setup();
    let out = dir.path().join("s.bin");
    export(&trace, &["--extract", method], &out)
        .success()
        .stderr(predicate::str::contains("warning").not());
    fs::read(out).unwrap()
}

#[test]
fn lsb_symbols_are_the_low_bits() {
    assert_eq!(export_bin("lsb:4"), vec![0x4, 0xf, 0x1, 0x7, 0x0, 0xc]);
    assert_eq!(
        export_bin("lsb:8"),
        vec![0x34, 0xff, 0x01, 0x07, 0xf0, 0xbc]
    );
    assert_eq!(export_bin("lsb:1"), vec![0, 1, 1, 1, 0, 0]);
}

#[test]
fn delta_lsb_symbols_are_low_bits_of_differences() {
    // d[i+1] - d[i] (wrapping), low 4 bits.
    let want: Vec<u8> = DURS
        .windows(2)
        .map(|w| (w[1].wrapping_sub(w[0]) & 0xf) as u8)
        .collect();
    assert_eq!(want, vec![0xb, 0x2, 0x6, 0x9, 0xc]);
    assert_eq!(export_bin("delta-lsb:4"), want);
}

#[test]
fn xorfold_symbols_fold_xored_differences() {
    let deltas: Vec<u64> = DURS.windows(2).map(|w| w[1].wrapping_sub(w[0])).collect();
    let want: Vec<u8> = deltas
        .windows(2)
        .map(|w| (w[0] ^ w[1]).to_le_bytes().iter().fold(0, |a, b| a ^ b))
        .collect();
    assert_eq!(want.len(), 4);
    assert_eq!(export_bin("xorfold"), want);
}

#[test]
fn csv_lists_every_record() {
    let (dir, trace) = setup();
    let out = dir.path().join("r.csv");
    export(&trace, &["--csv"], &out).success();
    assert_eq!(
        fs::read_to_string(out).unwrap(),
        "start_ns,duration_ns,events,kinds,segment\n\
         0,4660,0,none,0\n\
         1000,255,1,timer,0\n\
         2000,1048577,2,timer|socket_read,0\n\
         3000,7,0,timer|file|socket_read|socket_write,0\n\
         4000,65520,1,none,0\n\
         5000,20015998343868,2,timer,0\n"
    );
}

#[test]
fn coarse_tick_is_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("t.kqt");
    write_trace(&trace, &[1000, 3000, 42_000, 0]);
    let out = dir.path().join("s.bin");
    export(&trace, &["--extract", "lsb:2"], &out)
        .success()
        .stderr(predicate::str::contains("1000 ns").and(predicate::str::contains("not random")));
    assert_eq!(fs::read(out).unwrap(), vec![0, 0, 0, 0]);
}

#[test]
fn non_trace_input_fails_cleanly_without_output() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("symbols.bin");
    fs::write(&input, [0u8, 1, 1, 0, 1, 0, 0, 1, 1, 1]).unwrap();
    let out = dir.path().join("out.bin");
    let assert = export(&input, &["--extract", "lsb:1"], &out)
        .code(2)
        .stderr(predicate::str::contains("not a kqent trace"));
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        1,
        "only the input remains"
    );
}

#[test]
fn truncated_trace_names_the_offset_and_leaves_nothing() {
    let (dir, trace) = setup();
    let mut bytes = fs::read(&trace).unwrap();
    bytes.truncate(bytes.len() - 3);
    fs::write(&trace, bytes).unwrap();
    for args in [vec!["--csv"], vec!["--extract", "lsb:4"]] {
        let out = dir.path().join("out");
        export(&trace, &args, &out)
            .code(2)
            .stderr(predicate::str::contains("truncated trace at byte"));
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}

#[test]
fn unwritable_output_is_an_error() {
    let (dir, trace) = setup();
    // A folder that cannot be made (under a regular file); missing ones are made.
    fs::write(dir.path().join("afile"), b"x").unwrap();
    let out = dir.path().join("afile/dir/s.bin");
    export(&trace, &["--extract", "lsb:4"], &out)
        .code(2)
        .stderr(predicate::str::contains("cannot create the folder"));
}

#[test]
fn output_over_the_input_is_refused() {
    let (_dir, trace) = setup();
    let before = fs::read(&trace).unwrap();
    export(&trace, &["--csv"], &trace)
        .code(2)
        .stderr(predicate::str::contains("is the input"));
    assert_eq!(fs::read(&trace).unwrap(), before);
}

#[test]
fn a_format_is_required_and_bad_methods_are_usage_errors() {
    let (dir, trace) = setup();
    let out = dir.path().join("s.bin");
    export(&trace, &[], &out).code(2);
    export(&trace, &["--extract", "lsb:9"], &out).code(2);
    assert!(!out.exists());
}

#[test]
fn too_few_durations_for_the_method_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("t.kqt");
    write_trace(&trace, &[5, 6]);
    let out = dir.path().join("s.bin");
    export(&trace, &["--extract", "xorfold"], &out)
        .code(2)
        .stderr(predicate::str::contains("xorfold"));
    assert!(!out.exists());
}
