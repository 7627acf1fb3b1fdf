//! Collector throughput: wait calls per second of a full collection (clock reads, drain,
//! trace records) against a bare wait loop over the same registrations, with
//! `--timeout-ms 0` so the wait never sleeps. A third loop adds only the two clock reads
//! per call, to separate the clock's cost (fixed by the platform) from the collector's own.
//! Rounds are interleaved and medians reported.
//!
//! Environment: `KQENT_BENCH_SAMPLES` (default 1,000,000), `KQENT_BENCH_ROUNDS` (default
//! 5), `KQENT_BIN` (path to the `kqent` binary: also times `kqent collect` end to end).
//! Run through `scripts/bench-collector.sh`.

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

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let samples = env_u64("KQENT_BENCH_SAMPLES", 1_000_000);
    let rounds = env_u64("KQENT_BENCH_ROUNDS", 5).max(1);
    let cli = std::env::var_os("KQENT_BIN");
    let backend = BackendKind::Auto;
    let mut cfg = CollectConfig::new(backend, samples);
    cfg.knobs.timeout_ms = 0;
    let calls = samples + cfg.knobs.warmup;
    let dir = std::env::temp_dir();
    let out_path = dir.join(format!("kqent-bench-{}.kqt", std::process::id()));

    let (mut bare, mut timed, mut lib, mut bin) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        let t = Instant::now();
        let events = bare_wait_loop(&cfg, calls, false).expect("bare loop");
        bare.push(calls as f64 / t.elapsed().as_secs_f64());
        assert!(events > 0);

        let t = Instant::now();
        let events = bare_wait_loop(&cfg, calls, true).expect("timed bare loop");
        timed.push(calls as f64 / t.elapsed().as_secs_f64());
        assert!(events > 0);

        let t = Instant::now();
        let file = std::fs::File::create(&out_path).expect("bench output");
        let out = collect(&cfg, file, &AtomicBool::new(false), &mut |_| {}).expect("collect");
        lib.push(calls as f64 / t.elapsed().as_secs_f64());
        assert_eq!(out.metadata.samples, samples);

        if let Some(kqent) = &cli {
            // Renaming over an existing file makes ext4 flush the new one first
            // (auto_da_alloc): time a fresh output, as a user's first run would.
            let _ = std::fs::remove_file(&out_path);
            let t = Instant::now();
            let status = Command::new(kqent)
                .args([
                    "collect",
                    "--timeout-ms",
                    "0",
                    "--samples",
                    &samples.to_string(),
                    "--out",
                ])
                .arg(&out_path)
                .stderr(std::process::Stdio::null())
                .status()
                .expect("run kqent");
            assert!(status.success());
            bin.push(calls as f64 / t.elapsed().as_secs_f64());
        }
        eprintln!("round {}/{rounds} done", round + 1);
    }
    let _ = std::fs::remove_file(&out_path);

    let b = median(&mut bare);
    let bt = median(&mut timed);
    let l = median(&mut lib);
    println!(
        "backend {}, {samples} samples (+{} warm-up), --timeout-ms 0, {rounds} rounds (medians)",
        backend.resolve().map(|k| k.to_string()).unwrap_or_default(),
        cfg.knobs.warmup
    );
    println!("                                             vs bare   vs bare+clock");
    println!("bare wait loop            {b:>12.0} calls/s");
    println!(
        "bare loop + 2 clock reads {bt:>12.0} calls/s   {:.3}",
        bt / b
    );
    println!(
        "collect() (library)       {l:>12.0} calls/s   {:.3}     {:.3}",
        l / b,
        l / bt
    );
    if !bin.is_empty() {
        let c = median(&mut bin);
        println!(
            "kqent collect (CLI)       {c:>12.0} calls/s   {:.3}     {:.3}",
            c / b,
            c / bt
        );
    }
}
