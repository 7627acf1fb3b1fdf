//! Wall time of each estimator on one NIST-format file, on the symbols and on the
//! bitstring, one at a time (no parallelism across estimators; set RAYON_NUM_THREADS=1
//! to time them on one core):
//! `cargo run --release -p kqent-analysis --example estimator_times -- FILE [FILTER]`.

use std::time::Instant;

use kqent_analysis::estimators::{
    collision, compression, lag, lrs, lz78y, markov, mcv, multi_mcw, multi_mmc, t_tuple, tuples,
};
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
    // An optional second argument runs only the estimators whose label contains it (to
    // read one estimator's peak memory with /usr/bin/time).
    let only = std::env::args().nth(2);
    let time = |label: &str, f: &dyn Fn()| {
        if only.as_deref().is_some_and(|o| !label.contains(o)) {
            return;
        }
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
    time("multi_mcw (symbols)", &|| {
        drop(multi_mcw::estimate(&t.data, t.alphabet))
    });
    time("lag (symbols)", &|| {
        drop(lag::estimate(&t.data, t.alphabet))
    });
    time("multi_mmc (symbols)", &|| {
        drop(multi_mmc::estimate(&t.data, t.alphabet))
    });
    time("lz78y (symbols)", &|| {
        drop(lz78y::estimate(&t.data, t.alphabet))
    });
    time("mcv (bits)", &|| drop(mcv::estimate(&bits, 2)));
    time("collision (bits)", &|| drop(collision::estimate(&bits)));
    time("markov (bits)", &|| drop(markov::estimate(&bits)));
    time("compression (bits)", &|| drop(compression::estimate(&bits)));
    time("tuples (bits)", &|| {
        drop(tuples::analyze(&bits, 2).map(|c| (t_tuple::from_counts(&c), lrs::from_counts(&c))))
    });
    time("multi_mcw (bits)", &|| drop(multi_mcw::estimate(&bits, 2)));
    time("lag (bits)", &|| drop(lag::estimate(&bits, 2)));
    time("multi_mmc (bits)", &|| drop(multi_mmc::estimate(&bits, 2)));
    time("lz78y (bits)", &|| drop(lz78y::estimate(&bits, 2)));
}
