//! Wall time of each estimator on one NIST-format file, on the symbols and on the
//! bitstring, one at a time (no parallelism across estimators):
//! `cargo run --release -p kqent-analysis --example estimator_times -- FILE`.

use std::time::Instant;

use kqent_analysis::estimators::{collision, compression, lrs, markov, mcv, t_tuple, tuples};
use kqent_analysis::Symbols;

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: estimator_times FILE");
        std::process::exit(2);
    };
    let data = match std::fs::read(&path) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("cannot read {path}: {e}");
            std::process::exit(2);
        }
    };
    let symbols = match Symbols::from_nist_bytes(data, None) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(2);
        }
    };
    let t = symbols.translated();
    let bits = symbols.bitstring();
    let time = |label: &str, f: &dyn Fn()| {
        let start = Instant::now();
        f();
        println!("{label:<28} {:>8.3} s", start.elapsed().as_secs_f64());
    };
    time("mcv (symbols)", &|| {
        drop(mcv::estimate(&t.data, t.alphabet))
    });
    time("tuples (symbols)", &|| {
        drop(
            tuples::analyze(&t.data, t.alphabet)
                .map(|c| (t_tuple::from_counts(&c), lrs::from_counts(&c))),
        )
    });
    time("mcv (bits)", &|| drop(mcv::estimate(&bits, 2)));
    time("collision (bits)", &|| drop(collision::estimate(&bits)));
    time("markov (bits)", &|| drop(markov::estimate(&bits)));
    time("compression (bits)", &|| drop(compression::estimate(&bits)));
    time("tuples (bits)", &|| {
        drop(tuples::analyze(&bits, 2).map(|c| (t_tuple::from_counts(&c), lrs::from_counts(&c))))
    });
}
