//! Writes a sweep directory of SYNTHETIC results (the crate's fixtures, not measurements) so
//! that the renderers can be looked at: `cargo run -p kqent-sweep --example fixture_sweep
//! -- DIR`, then `kqent report DIR`.

use kqent_pipeline::fixture::{synthetic_manifest, synthetic_result};
use kqent_schema::{KnobLists, SweepManifest, WriteTrigger};
use kqent_sweep::layout::{write_manifest, write_result};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).ok_or("usage: fixture_sweep DIR")?;
    let dir = std::path::Path::new(&dir);
    let lists = KnobLists {
        num_timers: vec![0, 4, 8],
        num_sockets: vec![0, 4],
        num_file_watchers: vec![0, 4],
        timeout_ms: vec![1],
        poke_interval_us: vec![500],
        write_trigger: vec![WriteTrigger::Edge],
        warmup: vec![1000],
    };
    let now = std::time::SystemTime::now();
    write_manifest(
        dir,
        &SweepManifest {
            provenance: kqent_pipeline::provenance::collect(env!("CARGO_PKG_VERSION"), now, now),
            ..synthetic_manifest(lists.clone(), 1, 20_000, 2)
        },
    )?;
    for (i, k) in lists.configs().iter().enumerate() {
        let noise =
            k.num_timers / 4 + u32::from(k.num_sockets > 0) + u32::from(k.num_file_watchers > 0);
        for rep in 1..=2 {
            let r = synthetic_result(k, rep, (i as u64) << 8 | u64::from(rep), noise, 20_000)?;
            write_result(dir, &r)?;
        }
    }
    Ok(())
}
