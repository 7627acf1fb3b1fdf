//! Estimator profile of the non-IID assessment of one file (harness-less).
//!
//! `cargo bench -p kqent-analysis --bench profile -- FILE BITS [TASK]`
//!   runs each task of the assessment (`assess::assess` runs the same ones side by side)
//!   one after another, symbols and bitstring, and prints its CPU time (the process's, so
//!   a task's own worker threads count and a busy machine does not inflate it) and wall
//!   time, heaviest first, so that what one file costs and another does not shows per
//!   estimator. With TASK, only the tasks whose name contains it run (e.g. `"MultiMMC on
//!   the bitstring"`), so that an instruction counter (callgrind) can measure one alone.

use std::time::Instant;

use kqent_analysis::estimators::{
    collision, compression, lag, lrs, lz78y, markov, mcv, multi_mcw, multi_mmc, t_tuple, tuples,
};
use kqent_analysis::{EstimatorResult, Symbols};

type Task = (&'static str, fn(&[u8], usize) -> Vec<EstimatorResult>);

/// CPU time of the whole process in seconds (Linux: utime + stime of /proc/self/stat, in
/// clock ticks of 1/100 s), counting the estimators' own worker threads; 0 where it cannot
/// be read.
fn process_cpu() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            // Fields after the command name, which ends with the last ')': state is the
            // first, utime the 12th, stime the 13th.
            let rest = &s[s.rfind(')')? + 1..];
            let f: Vec<&str> = rest.split_whitespace().collect();
            Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
        })
        .map_or(0.0, |ticks| ticks as f64 / 100.0)
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let (Some(file), Some(bits)) = (args.first(), args.get(1)) else {
        eprintln!("usage: profile FILE BITS [TASK]");
        std::process::exit(2);
    };
    let bits: u8 = bits.parse().expect("BITS is 1..=8");
    let bytes = std::fs::read(file).expect("read FILE");
    let symbols = Symbols::from_nist_bytes(bytes, Some(bits)).expect("symbols");
    let t = symbols.translated();
    let binary = t.alphabet == 2;
    let bitstring = if binary {
        Vec::new()
    } else {
        symbols.bitstring()
    };

    let tasks: [Task; 9] = [
        ("MultiMMC", |d, k| vec![multi_mmc::estimate(d, k)]),
        ("LZ78Y", |d, k| vec![lz78y::estimate(d, k)]),
        ("t-Tuple + LRS", |d, k| match tuples::analyze(d, k) {
            Ok(c) => vec![t_tuple::from_counts(&c), lrs::from_counts(&c)],
            Err(_) => Vec::new(),
        }),
        ("MultiMCW", |d, k| vec![multi_mcw::estimate(d, k)]),
        ("Lag", |d, k| vec![lag::estimate(d, k)]),
        ("Compression", |d, _| vec![compression::estimate(d)]),
        ("Collision", |d, _| vec![collision::estimate(d)]),
        ("Markov", |d, _| vec![markov::estimate(d)]),
        ("MCV", |d, k| vec![mcv::estimate(d, k)]),
    ];
    let binary_only = ["Compression", "Collision", "Markov"];
    let mut rows: Vec<(f64, f64, String)> = Vec::new();
    let (mut total, mut total_wall) = (0.0, 0.0);
    for (name, run) in tasks {
        let mut on = Vec::new();
        if binary || !binary_only.contains(&name) {
            on.push(("symbols", &t.data[..], t.alphabet));
        }
        if !binary {
            on.push(("bitstring", &bitstring[..], 2));
        }
        for (what, data, k) in on {
            if args
                .get(2)
                .is_some_and(|only| !format!("{name} on the {what}").contains(only.as_str()))
            {
                continue;
            }
            let (start, cpu) = (Instant::now(), process_cpu());
            std::hint::black_box(run(data, k));
            let (c, w) = (process_cpu() - cpu, start.elapsed().as_secs_f64());
            total += c;
            total_wall += w;
            rows.push((c, w, format!("{name} on the {what}")));
        }
    }
    rows.sort_by(|a, b| b.0.total_cmp(&a.0));
    println!(
        "estimator profile of {file}: {} samples, {} symbols, one task at a time",
        symbols.len(),
        t.alphabet
    );
    println!("       CPU  share       wall  task");
    for (c, w, what) in &rows {
        println!(
            "  {c:>8.3} s {:>5.1}% {w:>8.3} s  {what}",
            100.0 * c / total.max(f64::MIN_POSITIVE)
        );
    }
    println!("  {total:>8.3} s        {total_wall:>8.3} s  total (the assessment's CPU, less its parallel overhead)");
}
