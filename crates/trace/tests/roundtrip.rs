//! Property: any metadata and any valid records survive writing and reading unchanged.

mod common;

use std::collections::BTreeMap;

use common::read_all;
use kqent_trace::{
    gcd, ClockInfo, EventKinds, Knobs, Metadata, Provenance, Record, RestartLayout, TraceWriter,
    WriteTrigger, FORMAT_VERSION,
};
use proptest::prelude::*;

fn text() -> impl Strategy<Value = String> {
    "\\PC{0,24}"
}

fn provenance() -> impl Strategy<Value = Provenance> {
    (
        (
            proptest::option::of(text()),
            proptest::option::of(text()),
            proptest::option::of(text()),
            proptest::option::of(text()),
            proptest::option::of(text()),
        ),
        (
            proptest::option::of(proptest::collection::vec(any::<u32>(), 0..8)),
            proptest::option::of(text()),
            proptest::option::of(text()),
            proptest::option::of(any::<u64>()),
            proptest::option::of(any::<u64>()),
            proptest::collection::btree_map(text(), text(), 0..4),
        ),
    )
        .prop_map(
            |((host, os, kernel, cpu_model, start_time), (aff, gov, virt, vol, invol, extra))| {
                Provenance {
                    host,
                    os,
                    kernel,
                    cpu_model,
                    start_time,
                    cpu_affinity: aff,
                    scaling_governor: gov,
                    virtualization: virt,
                    voluntary_ctx_switches: vol,
                    involuntary_ctx_switches: invol,
                    extra: extra.into_iter().collect::<BTreeMap<_, _>>(),
                    collector_cpu_ns: vol,
                }
            },
        )
}

fn knobs() -> impl Strategy<Value = Knobs> {
    (
        any::<u32>(),
        any::<u32>(),
        any::<u32>(),
        any::<u32>(),
        any::<u64>(),
        any::<bool>(),
        any::<u64>(),
    )
        .prop_map(|(t, s, f, to, p, level, w)| Knobs {
            num_timers: t,
            num_sockets: s,
            num_file_watchers: f,
            timeout_ms: to,
            poke_interval_us: p,
            write_trigger: if level {
                WriteTrigger::Level
            } else {
                WriteTrigger::Edge
            },
            warmup: w,
        })
}

fn metadata() -> impl Strategy<Value = Metadata> {
    (
        (text(), text(), text(), knobs()),
        (
            proptest::option::of(any::<u64>()),
            any::<u64>(),
            text(),
            any::<u64>(),
            proptest::option::of((1u32..6, any::<u64>())),
            any::<bool>(),
            provenance(),
        ),
    )
        .prop_map(
            |((tool, tool_version, backend, knobs), (seed, req, clock, res, rs, intr, prov))| {
                Metadata {
                    format_version: FORMAT_VERSION,
                    tool,
                    tool_version,
                    backend,
                    knobs,
                    seed,
                    samples_requested: req,
                    clock: ClockInfo {
                        name: clock,
                        resolution_ns: res,
                        timebase: None,
                    },
                    samples: 0,
                    tick_ns: 0,
                    restarts: rs.map(|(count, per_restart)| RestartLayout { count, per_restart }),
                    interrupted: intr,
                    profile: None,
                    provenance: prov,
                }
            },
        )
}

/// Raw record material: start increments, durations, events, kinds, segment increments.
fn raw_records() -> impl Strategy<Value = Vec<(u64, u64, u32, u32, bool)>> {
    proptest::collection::vec(
        (
            0u64..1 << 40,
            prop_oneof![any::<u64>(), (0u64..50).prop_map(|x| x * 125)],
            any::<u32>(),
            0u32..16,
            any::<bool>(),
        ),
        0..200,
    )
}

fn build(meta: &Metadata, raw: &[(u64, u64, u32, u32, bool)]) -> Vec<Record> {
    let max_seg = meta.restarts.map_or(0, |r| r.count - 1);
    let mut start = 0u64;
    let mut seg = 0u32;
    raw.iter()
        .map(|&(ds, dur, events, kinds, next_seg)| {
            start = start.saturating_add(ds);
            if next_seg && seg < max_seg {
                seg += 1;
            }
            Record {
                start_ns: start,
                duration_ns: dur,
                events,
                kinds: EventKinds(kinds),
                segment: seg,
            }
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn metadata_and_records_round_trip(meta in metadata(), raw in raw_records(), late in provenance()) {
        let recs = build(&meta, &raw);
        let mut w = TraceWriter::create(std::io::Cursor::new(Vec::new()), &meta).unwrap();
        for r in &recs {
            w.push(r).unwrap();
        }
        let bytes = w.finish(|m| m.provenance = late.clone()).unwrap().into_inner();
        let (back_meta, back) = read_all(bytes.clone()).unwrap();

        let mut want = meta.clone();
        want.provenance = late;
        want.samples = recs.len() as u64;
        want.tick_ns = recs.iter().fold(0, |g, r| gcd(g, r.duration_ns));
        prop_assert_eq!(&back_meta, &want);
        prop_assert_eq!(&back, &recs);

        // Writing the read-back data again gives the same bytes.
        let mut w = TraceWriter::create(std::io::Cursor::new(Vec::new()), &meta).unwrap();
        for r in &back {
            w.push(r).unwrap();
        }
        let again = w.finish(|m| m.provenance = back_meta.provenance.clone()).unwrap().into_inner();
        prop_assert_eq!(again, bytes);
    }
}
