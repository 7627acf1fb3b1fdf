use kqent_analysis::estimators::{lag, lz78y, multi_mcw, multi_mmc};
use kqent_analysis::Symbols;
use std::time::Instant;
fn cpu() -> f64 {
    let s = std::fs::read_to_string("/proc/self/stat").unwrap();
    let f: Vec<&str> = s.rsplit(')').next().unwrap().split_whitespace().collect();
    (f[11].parse::<f64>().unwrap() + f[12].parse::<f64>().unwrap()) * 10.0
}
fn main() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data/conformance/");
    let args: Vec<String> = std::env::args().collect();
    let mut files: Vec<(&str, u8)> = vec![("v1_uniform8", 8), ("v3_gauss4", 4)];
    if let Some(f) = args.get(2) {
        files.retain(|x| x.0 == f);
    }
    let only = args.get(1).cloned();
    for (f, bits) in files {
        let s =
            Symbols::from_nist_bytes(std::fs::read(format!("{dir}{f}.bin")).unwrap(), Some(bits))
                .unwrap();
        let t = s.translated();
        let b = s.bitstring();
        for (name, est) in [
            ("mcw", multi_mcw::estimate as fn(&[u8], usize) -> _),
            ("lag", lag::estimate),
            ("mmc", multi_mmc::estimate),
            ("lz78y", lz78y::estimate),
        ] {
            if let Some(o) = &only {
                if o != name {
                    continue;
                }
            }
            let mut best = (f64::MAX, f64::MAX, f64::MAX, f64::MAX);
            let mut r = None;
            let mut r2 = None;
            for _ in 0..3 {
                let (t0, c0) = (Instant::now(), cpu());
                r = Some(est(&t.data, t.alphabet));
                let (a, ac) = (t0.elapsed(), cpu() - c0);
                let (t0, c0) = (Instant::now(), cpu());
                r2 = Some(if args.get(3).is_some() {
                    est(&t.data[..100], t.alphabet)
                } else {
                    est(&b, 2)
                });
                let (bt, bc) = (t0.elapsed(), cpu() - c0);
                best = (
                    best.0.min(a.as_secs_f64()),
                    best.1.min(ac),
                    best.2.min(bt.as_secs_f64()),
                    best.3.min(bc),
                );
            }
            let (r, r2) = (r.unwrap(), r2.unwrap());
            let (a, ac, bt, bc) = (
                std::time::Duration::from_secs_f64(best.0),
                best.1,
                std::time::Duration::from_secs_f64(best.2),
                best.3,
            );
            println!("{f:12} {name:6} symbols {:7.1} ms wall {:6.0} ms cpu | bits {:7.1} ms wall {:6.0} ms cpu | h={:.6} hb={:.6}", a.as_secs_f64()*1e3, ac, bt.as_secs_f64()*1e3, bc, r.h().unwrap(), r2.h().unwrap());
        }
    }
}
