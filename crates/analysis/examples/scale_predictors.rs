use kqent_analysis::estimators::{lag, lz78y, multi_mcw, multi_mmc};
use kqent_analysis::Symbols;
use std::time::Instant;
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let s = Symbols::from_nist_bytes(std::fs::read(&args[1]).unwrap(), Some(8)).unwrap();
    let t = s.translated();
    let b = s.bitstring();
    for (name, est) in [
        ("mcw", multi_mcw::estimate as fn(&[u8], usize) -> _),
        ("lag", lag::estimate),
        ("mmc", multi_mmc::estimate),
        ("lz78y", lz78y::estimate),
    ] {
        if args.get(2).is_some_and(|o| o != name) {
            continue;
        }
        let t0 = Instant::now();
        let r = est(&t.data, t.alphabet);
        let a = t0.elapsed();
        let t0 = Instant::now();
        let r2 = est(&b, 2);
        println!(
            "{name:6} symbols {:?} h={:.6} | bits {:?} h={:.6}",
            a,
            r.h().unwrap(),
            t0.elapsed(),
            r2.h().unwrap()
        );
    }
}
