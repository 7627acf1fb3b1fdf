//! Structure-aware fuzzing of every input kqent reads, through every command that reads
//! it: traces (preamble fields, metadata JSON, records), symbol files, result documents
//! and sweep manifests (JSON values replaced by extremes, hostile strings, huge lists;
//! fields deleted; bytes flipped, cut, appended). A seeded mutator (SplitMix64), so a
//! failure is reproduced by its seed and case number.
//!
//! Each run is a child under a 2 GiB address-space limit and a deadline; it must end by
//! exiting 0 or 2 (the gate also 1), never by a signal (an abort is SIGABRT), print no
//! panic, end an error with one `kqent: error:` line, keep its peak RSS under 1 GiB and
//! leave its input unchanged. `KQENT_FUZZ_CASES` (default below, about a minute on a busy
//! 2-core machine) and `KQENT_FUZZ_SEED` set the run; `scripts/fuzz.sh N` runs N cases.
#![cfg(target_os = "linux")]

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use kqent_trace::SplitMix64;
use serde_json::Value;

use crate::limited::{hash, run, Outcome};

/// Cases per input kind in CI.
const DEFAULT_CASES: u64 = 120;
const AS_LIMIT: u64 = 2 << 30;
const RSS_LIMIT_KIB: i64 = 1 << 20;
const DEADLINE: Duration = Duration::from_secs(120);

struct Rng(SplitMix64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0.next_u64() % n.max(1)
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len() as u64) as usize]
    }
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The seeds: a trace, a symbol file, a result and a sweep directory.
struct Seeds {
    dir: tempfile::TempDir,
}

impl Seeds {
    fn new() -> Seeds {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let ok = |args: &[&str]| {
            let a: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
            let o = run(&a, d, &[], 0, DEADLINE);
            assert_eq!(o.code, Some(0), "{o:?}");
        };
        ok(&[
            "collect",
            "--backend",
            "mock",
            "--samples",
            "1500",
            "--out",
            "t.kqt",
        ]);
        let mut st = SplitMix64::new(7);
        let sym: Vec<u8> = (0..2000).map(|_| (st.next_u64() % 16) as u8).collect();
        std::fs::write(d.join("s.bin"), sym).unwrap();
        ok(&["analyze", "t.kqt", "--extract", "lsb:4", "--json", "r.json"]);
        ok(&[
            "sweep",
            "--backend",
            "mock",
            "--samples",
            "1000",
            "--timers",
            "0,1",
            "--out",
            "sw",
        ]);
        Seeds { dir }
    }
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

/// Extreme and hostile JSON values.
fn hostile_value(rng: &mut Rng) -> Value {
    match rng.below(12) {
        0 => Value::from(-1),
        1 => Value::from(9.5),
        2 => Value::from(1e308),
        3 => Value::from(u64::MAX),
        4 => Value::from(0),
        5 => Value::Null,
        6 => Value::from("x\nkqent: all good\n\u{1b}[2K"),
        7 => Value::from("a` <img src=x onerror=alert(1)> `b|c"),
        8 => Value::from((0..1000).collect::<Vec<u32>>()),
        9 => Value::from(-0.5),
        10 => Value::from(true),
        _ => Value::from("z".repeat(5000)),
    }
}

/// Paths (as key/index lists) of every node of `v`.
fn nodes(v: &Value, prefix: &mut Vec<Value>, out: &mut Vec<Vec<Value>>) {
    out.push(prefix.clone());
    match v {
        Value::Object(m) => {
            for (k, c) in m {
                prefix.push(Value::from(k.clone()));
                nodes(c, prefix, out);
                prefix.pop();
            }
        }
        Value::Array(a) => {
            // A few elements suffice: arrays are long and alike.
            for (i, c) in a.iter().enumerate().take(3) {
                prefix.push(Value::from(i));
                nodes(c, prefix, out);
                prefix.pop();
            }
        }
        _ => {}
    }
}

fn at<'a>(v: &'a mut Value, path: &[Value]) -> Option<&'a mut Value> {
    let mut cur = v;
    for p in path {
        cur = match p {
            Value::String(k) => cur.get_mut(k.as_str())?,
            Value::Number(i) => cur.get_mut(i.as_u64()? as usize)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// One to three structural mutations of a JSON document.
fn mutate_json(rng: &mut Rng, v: &mut Value) {
    for _ in 0..=rng.below(3) {
        let mut all = Vec::new();
        nodes(v, &mut Vec::new(), &mut all);
        let path = rng.pick(&all).clone();
        if rng.below(4) == 0 && !path.is_empty() {
            // Delete the field (or element).
            let (last, parent) = path.split_last().unwrap();
            if let Some(p) = at(v, parent) {
                match (p, last) {
                    (Value::Object(m), Value::String(k)) => {
                        m.remove(k);
                    }
                    (Value::Array(a), Value::Number(i)) => {
                        let i = i.as_u64().unwrap_or(0) as usize;
                        if i < a.len() {
                            a.remove(i);
                        }
                    }
                    _ => {}
                }
            }
        } else if let Some(node) = at(v, &path) {
            *node = hostile_value(rng);
        }
    }
}

/// Byte-level mutations; `structure` lists (offset, width) fields worth hitting.
fn mutate_bytes(rng: &mut Rng, b: &mut Vec<u8>, structure: &[(usize, usize)]) {
    for _ in 0..=rng.below(3) {
        match rng.below(6) {
            0 if !b.is_empty() => {
                let i = rng.below(b.len() as u64) as usize;
                b[i] ^= 1 << rng.below(8);
            }
            1 if !b.is_empty() => {
                let cut = rng.below(b.len() as u64) as usize;
                b.truncate(cut);
            }
            2 => {
                let n = rng.below(5000) as usize;
                let mut st = SplitMix64::new(rng.0.next_u64());
                b.extend((0..n).map(|_| st.next_u64() as u8));
            }
            3 if !structure.is_empty() => {
                let &(off, w) = rng.pick(structure);
                let vals: [u64; 8] = [
                    0,
                    1,
                    4095,
                    4096,
                    4097,
                    u32::MAX as u64,
                    u64::MAX,
                    100_000_000,
                ];
                let v = *rng.pick(&vals);
                if off + w <= b.len() {
                    b[off..off + w].copy_from_slice(&v.to_le_bytes()[..w]);
                }
            }
            4 if b.len() > 8 => {
                let i = rng.below(b.len() as u64) as usize;
                b[i] = *rng.pick(&[0u8, 0xff, b'"', b'\n', 0x1b, b'}']);
            }
            _ if b.len() > 16 => {
                // Duplicate a chunk in place.
                let i = rng.below(b.len() as u64 - 8) as usize;
                let chunk = b[i..i + 8].to_vec();
                let j = rng.below(b.len() as u64 - 8) as usize;
                b[j..j + 8].copy_from_slice(&chunk);
            }
            _ => {}
        }
    }
}

/// A trace mutated in its preamble, its metadata JSON or its bytes.
fn mutate_trace(rng: &mut Rng, seed: &[u8]) -> Vec<u8> {
    let mut b = seed.to_vec();
    if rng.below(2) == 0 {
        let hl = u32::from_le_bytes(b[12..16].try_into().unwrap()) as usize;
        let jl = u32::from_le_bytes(b[24..28].try_into().unwrap()) as usize;
        let mut meta: Value = serde_json::from_slice(&b[32..32 + jl]).unwrap();
        mutate_json(rng, &mut meta);
        let j = serde_json::to_vec(&meta).unwrap();
        if 32 + j.len() <= hl {
            b[32..32 + j.len()].copy_from_slice(&j);
            for x in &mut b[32 + j.len()..hl] {
                *x = b' ';
            }
            b[24..28].copy_from_slice(&(j.len() as u32).to_le_bytes());
            // Keep the count consistent with the metadata sometimes, so that the reader
            // gets past its first checks.
            if let Some(n) = meta.get("samples").and_then(Value::as_u64) {
                if rng.below(2) == 0 {
                    b[16..24].copy_from_slice(&n.to_le_bytes());
                }
            }
        }
    } else {
        mutate_bytes(
            rng,
            &mut b,
            &[(8, 2), (10, 2), (12, 4), (16, 8), (24, 4), (28, 4)],
        );
    }
    b
}

fn mutate_doc(rng: &mut Rng, seed: &[u8]) -> Vec<u8> {
    if rng.below(4) == 0 {
        let mut b = seed.to_vec();
        mutate_bytes(rng, &mut b, &[]);
        b
    } else {
        let mut v: Value = serde_json::from_slice(seed).unwrap();
        mutate_json(rng, &mut v);
        serde_json::to_vec_pretty(&v).unwrap()
    }
}

#[derive(Default)]
struct Tally {
    runs: u64,
    codes: BTreeMap<i32, u64>,
    max_rss_kib: i64,
}

/// Runs kqent on a mutated input; checks every property; `gate` allows exit 1.
fn check(tally: &mut Tally, cwd: &Path, input: &Path, args: &[&str], gate: bool, what: &str) {
    let before = if input.is_file() {
        Some(hash(input))
    } else {
        None
    };
    let a: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
    let o: Outcome = run(&a, cwd, &[("TMPDIR", cwd)], AS_LIMIT, DEADLINE);
    let ctx = || {
        // Keep the input that failed, for reproducing it outside the test.
        let keep = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
            "fuzz-failure-{}",
            what.replace(|c: char| !c.is_ascii_alphanumeric(), "_")
        ));
        let _ = std::fs::create_dir_all(&keep);
        let _ = std::fs::copy(input, keep.join(input.file_name().unwrap_or_default()));
        format!(
            "{what}: kqent {args:?} (input kept in {}): {o:?}",
            keep.display()
        )
    };
    assert!(!o.timed_out, "killed at the deadline: {}", ctx());
    assert_eq!(o.signal, None, "ended by a signal: {}", ctx());
    let code = o.code.unwrap_or(-1);
    let allowed = code == 0 || code == 2 || (gate && code == 1);
    assert!(allowed, "exit {code}: {}", ctx());
    assert!(!o.stderr.contains("panicked"), "{}", ctx());
    assert!(!o.stderr.contains('\u{1b}'), "raw escape: {}", ctx());
    if code == 2 {
        let last = o.stderr.lines().last().unwrap_or("");
        assert!(last.starts_with("kqent: error: "), "{}", ctx());
    }
    assert!(
        o.max_rss_kib < RSS_LIMIT_KIB,
        "RSS {} KiB: {}",
        o.max_rss_kib,
        ctx()
    );
    if let Some(h) = before {
        assert_eq!(hash(input), h, "input changed: {}", ctx());
    }
    tally.runs += 1;
    *tally.codes.entry(code).or_default() += 1;
    tally.max_rss_kib = tally.max_rss_kib.max(o.max_rss_kib);
}

#[test]
fn fuzz_every_input_through_every_reader() {
    let cases = env_u64("KQENT_FUZZ_CASES", DEFAULT_CASES);
    let seed = env_u64("KQENT_FUZZ_SEED", 1);
    let started = Instant::now();
    let seeds = Seeds::new();
    let trace = std::fs::read(seeds.path("t.kqt")).unwrap();
    let symbols = std::fs::read(seeds.path("s.bin")).unwrap();
    let result = std::fs::read(seeds.path("r.json")).unwrap();
    let manifest = std::fs::read(seeds.path("sw/sweep.json")).unwrap();
    let mut tally = Tally::default();
    for case in 0..cases {
        let mut rng = Rng(SplitMix64::new(
            seed.wrapping_mul(0x9e37_79b9).wrapping_add(case),
        ));
        let work = tempfile::tempdir().unwrap();
        let w = work.path();
        let what = |kind: &str| format!("seed {seed} case {case} ({kind})");

        // A trace through analyze, health and both exports.
        let t = w.join("t.kqt");
        std::fs::write(&t, mutate_trace(&mut rng, &trace)).unwrap();
        let ex = *rng.pick(&["lsb:4", "delta-lsb:2", "xorfold", "openentropy"]);
        for args in [
            vec!["analyze", "t.kqt", "--extract", ex, "--json", "a.json"],
            vec!["health", "t.kqt", "--extract", ex, "--h", "1"],
            vec!["export", "t.kqt", "--extract", ex, "--out", "o.bin"],
            vec!["export", "t.kqt", "--csv", "--out", "o.csv"],
        ] {
            check(&mut tally, w, &t, &args, false, &what("trace"));
        }

        // A symbol file through analyze and health.
        let s = w.join("s.bin");
        let mut sb = symbols.clone();
        mutate_bytes(&mut rng, &mut sb, &[]);
        std::fs::write(&s, &sb).unwrap();
        check(
            &mut tally,
            w,
            &s,
            &["analyze", "s.bin"],
            false,
            &what("symbols"),
        );
        check(
            &mut tally,
            w,
            &s,
            &["health", "s.bin", "--h", "1"],
            false,
            &what("symbols"),
        );

        // A result document through report and gate.
        let r = w.join("r.json");
        std::fs::write(&r, mutate_doc(&mut rng, &result)).unwrap();
        check(
            &mut tally,
            w,
            &r,
            &["report", "r.json", "-q"],
            false,
            &what("result"),
        );
        check(
            &mut tally,
            w,
            &r,
            &["gate", "r.json", "--min-entropy", "1"],
            true,
            &what("result"),
        );

        // A sweep directory with a mutated manifest or result, through report, gate and
        // sweep --resume.
        let sw = w.join("sw");
        let st = std::process::Command::new("cp")
            .arg("-r")
            .arg(seeds.path("sw"))
            .arg(&sw)
            .status()
            .unwrap();
        assert!(st.success());
        let target = if rng.below(2) == 0 {
            std::fs::write(sw.join("sweep.json"), mutate_doc(&mut rng, &manifest)).unwrap();
            sw.join("sweep.json")
        } else {
            let first = std::fs::read_dir(sw.join("results"))
                .unwrap()
                .next()
                .unwrap()
                .unwrap()
                .path();
            let b = std::fs::read(&first).unwrap();
            std::fs::write(&first, mutate_doc(&mut rng, &b)).unwrap();
            first
        };
        check(
            &mut tally,
            w,
            &target,
            &["report", "sw", "-q"],
            false,
            &what("sweep"),
        );
        check(
            &mut tally,
            w,
            &target,
            &["gate", "sw", "--min-entropy", "1"],
            true,
            &what("sweep"),
        );
        check(
            &mut tally,
            w,
            &target,
            &[
                "sweep",
                "--backend",
                "mock",
                "--samples",
                "1000",
                "--timers",
                "0,1",
                "--out",
                "sw",
                "--resume",
            ],
            false,
            &what("sweep"),
        );
    }
    eprintln!(
        "fuzz: seed {seed}, {cases} cases, {} runs in {:.1} s; exit codes {:?}; peak RSS {} KiB",
        tally.runs,
        started.elapsed().as_secs_f64(),
        tally.codes,
        tally.max_rss_kib
    );
}
