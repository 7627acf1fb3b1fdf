//! Collector throughput: samples per second of a full collection (clock reads, drain, trace
//! records) against a bare wait loop over the same registrations and the same poker, with
//! `--timeout-ms 0` so the wait never sleeps. Four variants run in every round, in an order
//! rotated from round to round so that machine-load drift hits them alike:
//!
//! - `bare`: wait + drain, nothing else;
//! - `timed`: the same with the sample's two clock reads around each wait (the clock's cost
//!   is fixed by the platform, so this is the best a collector can do);
//! - `lib`: [`collect`] into a file;
//! - `cli`: `kqent collect` as a child process (when `KQENT_BIN` is set).
//!
//! Two rates are reported, as medians over the rounds (ratios are medians of the ratios
//! within each round): the steady-state loop rate (samples
//! over the time between the first and the last kept sample; for `lib` and `cli` this is
//! read from the trace's own timestamps) and the end-to-end rate (samples over the wall time
//! of the whole call or process, setup and teardown included).
//!
//! Environment: `KQENT_BENCH_SAMPLES` (default 1,000,000), `KQENT_BENCH_ROUNDS` (default
//! 7), `KQENT_BIN` (path to the `kqent` binary). Run through `scripts/bench-collector.sh`.

use std::path::Path;
use std::process::Command;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use kqent_collector::{bare_wait_loop, collect, BackendKind, CollectConfig};

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "n/a".into())
}

/// Nanoseconds from the first record's start to the last record's end: the sampling
/// loop's time as the trace itself measured it.
fn trace_span_ns(path: &Path) -> u64 {
    let reader = kqent_trace::open_file(path).expect("open trace");
    let last = reader
        .records()
        .last()
        .expect("trace holds records")
        .expect("record");
    // Records are relative to the first sample's start.
    last.start_ns + last.duration_ns
}

/// Steady-state and end-to-end rates of one variant, per round.
#[derive(Default)]
struct Rates {
    name: &'static str,
    loop_rate: Vec<f64>,
    e2e_rate: Vec<f64>,
}

fn main() {
    let samples = env_u64("KQENT_BENCH_SAMPLES", 1_000_000).max(2);
    let rounds = env_u64("KQENT_BENCH_ROUNDS", 7).max(1);
    let cli = std::env::var_os("KQENT_BIN");
    let backend = BackendKind::Auto;
    let mut cfg = CollectConfig::new(backend, samples);
    cfg.knobs.timeout_ms = 0;
    let out_path = std::env::temp_dir().join(format!("kqent-bench-{}.kqt", std::process::id()));
    let load_before = loadavg();

    let n = samples as f64;
    let mut v: Vec<Rates> = ["bare", "timed", "lib", "cli"]
        .into_iter()
        .map(|name| Rates {
            name,
            ..Rates::default()
        })
        .collect();
    let variants = if cli.is_some() { 4 } else { 3 };
    for round in 0..rounds as usize {
        for k in 0..variants {
            let which = (round + k) % variants;
            // Every variant writes nothing or a fresh file: renaming or truncating over an
            // existing one makes ext4 flush it first (auto_da_alloc).
            let _ = std::fs::remove_file(&out_path);
            let t = Instant::now();
            let loop_ns = match which {
                0 | 1 => {
                    let run = bare_wait_loop(&cfg, which == 1).expect("bare loop");
                    assert!(run.checksum > 0 && run.calls == samples);
                    run.loop_ns
                }
                2 => {
                    let file = std::fs::File::create(&out_path).expect("bench output");
                    let out =
                        collect(&cfg, file, &AtomicBool::new(false), &mut |_| {}).expect("collect");
                    assert_eq!(out.metadata.samples, samples);
                    drop(out);
                    let e2e = t.elapsed().as_secs_f64();
                    v[2].e2e_rate.push(n / e2e);
                    trace_span_ns(&out_path)
                }
                _ => {
                    let kqent = cli.as_ref().expect("KQENT_BIN");
                    let status = Command::new(kqent)
                        .args(["collect", "--timeout-ms", "0", "--samples"])
                        .arg(samples.to_string())
                        .arg("--out")
                        .arg(&out_path)
                        .stderr(std::process::Stdio::null())
                        .status()
                        .expect("run kqent");
                    assert!(status.success());
                    let e2e = t.elapsed().as_secs_f64();
                    v[3].e2e_rate.push(n / e2e);
                    trace_span_ns(&out_path)
                }
            };
            if which < 2 {
                v[which].e2e_rate.push(n / t.elapsed().as_secs_f64());
            }
            v[which].loop_rate.push(n / (loop_ns as f64 * 1e-9));
        }
        eprintln!("round {}/{rounds} done", round + 1);
    }
    let _ = std::fs::remove_file(&out_path);

    println!(
        "backend {}, {samples} samples (+{} warm-up), --timeout-ms 0, {rounds} interleaved rounds, \
         medians; load average {load_before} before, {} after",
        backend.resolve().map(|k| k.to_string()).unwrap_or_default(),
        cfg.knobs.warmup,
        loadavg()
    );
    let label = |name: &str| match name {
        "bare" => "bare wait loop",
        "timed" => "bare loop + 2 clock reads",
        "lib" => "collect() (library)",
        _ => "kqent collect (CLI)",
    };
    println!(
        "{:<27}{:>12} {:>7} {:>8} {:>8}  {:>12} {:>8}",
        "", "loop samp/s", "ns/samp", "vs bare", "vs timed", "e2e samp/s", "vs bare"
    );
    // Ratios are taken within each round (neighbours in time share the machine's load),
    // then the median over rounds.
    let ratio =
        |a: &[f64], b: &[f64]| median(&a.iter().zip(b).map(|(x, y)| x / y).collect::<Vec<_>>());
    for r in v.iter().take(variants) {
        let l = median(&r.loop_rate);
        println!(
            "{:<27}{:>12.0} {:>7.1} {:>8.3} {:>8.3}  {:>12.0} {:>8.3}",
            label(r.name),
            l,
            1e9 / l,
            ratio(&r.loop_rate, &v[0].loop_rate),
            ratio(&r.loop_rate, &v[1].loop_rate),
            median(&r.e2e_rate),
            ratio(&r.e2e_rate, &v[0].e2e_rate),
        );
    }
}
