//! IID-track benchmark (harness-less: these runs take seconds to minutes).
//!
//! `cargo bench -p kqent-analysis --bench iid -- FILE BITS [--all-statistics] [--seed S]`
//!   times `iid::assess_iid` on a NIST-format file and where the time goes per permutation.
//! `cargo bench -p kqent-analysis --bench iid -- FILE BITS --floor N`
//!   times N bzip2 compressions of shuffles of FILE spread over all threads: the floor that
//!   any run computing the compression statistic N times cannot beat.
//! `cargo bench -p kqent-analysis --bench iid -- FILE BITS --vs-libbz2`
//!   times the computed bzip2 length against libbz2-rs compressing, on one permutation.
//! Prints wall times and the peak RSS (VmHWM).

use std::time::Instant;

use kqent_analysis::iid::statistic::{Context, StatSet, Statistic, COUNT};
use kqent_analysis::iid::{self, compression, permutation, IidOptions};
use kqent_analysis::Symbols;
use rayon::prelude::*;

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).map(str::to_string))
        })
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    if args.len() < 2 {
        eprintln!("usage: iid FILE BITS [--all-statistics] [--seed S] [--floor N]");
        return;
    }
    let bits: u8 = args[1].parse().expect("BITS");
    let bytes = std::fs::read(&args[0]).expect("read FILE");
    let symbols = Symbols::from_nist_bytes(bytes, Some(bits)).expect("symbols");
    let flag = |f: &str| args.iter().position(|a| a == f);
    let value = |f: &str| {
        flag(f)
            .and_then(|i| args.get(i + 1))
            .map(|v| v.parse::<u64>().expect(f))
    };
    let threads = rayon::current_num_threads();

    if let Some(n) = value("--floor") {
        let t = symbols.translated();
        let raw: Vec<u8> = t.data.iter().map(|&x| t.original[x as usize]).collect();
        let start = Instant::now();
        let total: u64 = (0..n)
            .into_par_iter()
            .map(|j| {
                let p = permutation::permuted(&raw, 0, j);
                compression::compression(&p)
            })
            .sum();
        let wall = start.elapsed().as_secs_f64();
        println!(
            "bzip2 floor: {n} compressions on {threads} threads: {wall:.2} s wall ({:.3} s per compression per thread), mean length {:.0}, peak RSS {} KiB",
            wall * threads as f64 / n as f64,
            total as f64 / n as f64,
            peak_rss_kib()
        );
        return;
    }

    if flag("--vs-libbz2").is_some() {
        // One thread: the computed length against libbz2-rs compressing, on a permutation.
        let t = symbols.translated();
        let raw: Vec<u8> = t.data.iter().map(|&x| t.original[x as usize]).collect();
        let text = compression::as_text(&permutation::permuted(&raw, 0, 0));
        let start = Instant::now();
        let ours = compression::bzip2_len(&text);
        let t_ours = start.elapsed().as_secs_f64();
        let start = Instant::now();
        let mut c = bzip2::Compress::new(bzip2::Compression::new(5), 0);
        let mut out = Vec::with_capacity(text.len() + text.len() / 100 + 601);
        c.compress_vec(&text, &mut out, bzip2::Action::Finish)
            .expect("bzip2");
        let t_lib = start.elapsed().as_secs_f64();
        println!(
            "{} bytes of text: computed length {ours} in {:.1} ms; libbz2-rs {} in {:.1} ms",
            text.len(),
            t_ours * 1e3,
            out.len(),
            t_lib * 1e3
        );
        return;
    }

    // Where the time goes: one shuffle, and each statistic alone on one permutation.
    let t = symbols.translated();
    let ctx = Context::new(&t.data, t.original.clone());
    let reps = 20;
    let start = Instant::now();
    for j in 0..reps {
        std::hint::black_box(permutation::permuted(&t.data, 0, j));
    }
    println!(
        "shuffle: {:.2} ms",
        start.elapsed().as_secs_f64() * 1e3 / reps as f64
    );
    let p = permutation::permuted(&t.data, 0, 0);
    let mut out = [0.0; COUNT];
    for s in Statistic::ALL {
        let reps = if s.expensive() { 2 } else { reps };
        let mut set = StatSet::default();
        set.0 |= 1 << s.index();
        let start = Instant::now();
        for _ in 0..reps {
            ctx.evaluate(&p, set, &mut out);
        }
        println!(
            "{:>22}: {:.3} ms",
            s.reference_name(),
            start.elapsed().as_secs_f64() * 1e3 / reps as f64
        );
    }
    let start = Instant::now();
    ctx.evaluate(&p, StatSet::ALL, &mut out);
    println!(
        "all 19 together: {:.2} ms",
        start.elapsed().as_secs_f64() * 1e3
    );

    let opts = IidOptions {
        permutations: value("--permutations").map_or(iid::PERMUTATIONS, |v| v as usize),
        seed: value("--seed").unwrap_or(0),
        all_statistics: flag("--all-statistics").is_some(),
    };
    let start = Instant::now();
    let a = iid::assess_iid(&symbols, &opts).expect("assess");
    let wall = start.elapsed().as_secs_f64();
    let max_perms = a.permutation_tests.iter().map(|r| r.permutations).max();
    let compr = &a.permutation_tests[Statistic::Compression.index()];
    println!(
        "assess: {wall:.2} s wall on {threads} threads; iid = {}, most permutations of one statistic {:?}, compression on {} permutations ({:?}); peak RSS {} KiB",
        a.iid,
        max_perms,
        compr.permutations,
        compr.outcome,
        peak_rss_kib()
    );
    for r in &a.permutation_tests {
        println!(
            "{:>22}: {:>5} permutations, C = ({}, {}, {}), {:?}",
            r.name, r.permutations, r.c0, r.c1, r.c2, r.outcome
        );
    }
}
