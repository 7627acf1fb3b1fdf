//! Real collections with the native backend (epoll on Linux, kqueue on macOS and
//! FreeBSD): the durations vary and every configured kind fires.
#![cfg(any(target_os = "linux", target_os = "macos", target_os = "freebsd"))]

use std::io::Cursor;
use std::sync::atomic::AtomicBool;

use kqent_collector::{collect, BackendKind, CollectConfig};
use kqent_trace::{EventKinds, Record, TraceReader, WriteTrigger};

/// This platform's backend and clock names.
fn native() -> (&'static str, &'static str) {
    if cfg!(target_os = "linux") {
        ("epoll", "CLOCK_MONOTONIC_RAW")
    } else if cfg!(target_os = "macos") {
        // Raw ticks, with the timebase in the metadata.
        ("kqueue", "mach_absolute_time")
    } else {
        ("kqueue", "CLOCK_MONOTONIC_PRECISE")
    }
}

fn run(cfg: &CollectConfig) -> (kqent_trace::Metadata, Vec<Record>) {
    let mut readiness = 0;
    let out = collect(
        cfg,
        Cursor::new(Vec::new()),
        &AtomicBool::new(false),
        &mut |n| {
            if n == 0 {
                readiness += 1;
            }
        },
    )
    .unwrap();
    assert_eq!(readiness, 1, "the readiness callback runs exactly once");
    let reader = TraceReader::open(Cursor::new(out.writer_output.into_inner())).unwrap();
    let meta = reader.metadata().clone();
    assert_eq!(meta, out.metadata, "returned metadata is what was written");
    let records: Vec<Record> = reader.records().map(|r| r.unwrap()).collect();
    (meta, records)
}

#[test]
fn ten_thousand_samples_with_every_kind() {
    let cfg = CollectConfig::new(BackendKind::Auto, 10_000);
    let (meta, records) = run(&cfg);
    assert_eq!(meta.backend, native().0);
    assert_eq!(meta.samples, 10_000);
    assert_eq!(meta.samples_requested, 10_000);
    assert_eq!(meta.clock.name, native().1);
    assert!(meta.clock.resolution_ns >= 1);
    assert_eq!(meta.clock.timebase.is_some(), cfg!(target_os = "macos"));
    assert_eq!(meta.seed, None);
    assert!(!meta.interrupted);
    assert!(meta.provenance.voluntary_ctx_switches.is_some());
    assert_eq!(records.len(), 10_000);

    let mut kinds = EventKinds::NONE;
    for r in &records {
        kinds.insert(r.kinds);
        assert_eq!(r.kinds.is_empty(), r.events == 0, "{r:?}");
        assert_eq!(r.segment, 0);
    }
    assert_eq!(kinds, EventKinds::ALL, "every configured kind fired");

    let min = records.iter().map(|r| r.duration_ns).min().unwrap();
    let max = records.iter().map(|r| r.duration_ns).max().unwrap();
    assert!(min < max, "durations vary");
    let mut distinct: Vec<u64> = records.iter().map(|r| r.duration_ns).collect();
    distinct.sort_unstable();
    distinct.dedup();
    assert!(
        distinct.len() > 100,
        "{} distinct durations",
        distinct.len()
    );
    // A wait lasts at most the 1 ms timeout plus scheduling delays; allow a busy machine.
    assert!(max < 2_000_000_000, "max {max} ns");
    assert_eq!(records[0].start_ns, 0);
    assert!(records
        .windows(2)
        .all(|w| w[1].start_ns >= w[0].start_ns + w[0].duration_ns));
}

#[test]
fn level_triggered_writes_make_every_wait_return_at_once() {
    let mut cfg = CollectConfig::new(BackendKind::Auto, 2_000);
    cfg.knobs.write_trigger = WriteTrigger::Level;
    cfg.knobs.warmup = 10;
    // A long timeout: only the level-triggered writability can make waits return quickly.
    cfg.knobs.timeout_ms = 10_000;
    let (meta, records) = run(&cfg);
    assert_eq!(meta.knobs.write_trigger, WriteTrigger::Level);
    assert!(records
        .iter()
        .all(|r| r.kinds.contains(EventKinds::SOCKET_WRITE) && r.events >= 4));
}

#[test]
fn only_configured_kinds_fire() {
    let mut cfg = CollectConfig::new(BackendKind::Auto, 300);
    cfg.knobs.num_sockets = 0;
    cfg.knobs.num_file_watchers = 0;
    cfg.knobs.num_timers = 2;
    cfg.knobs.warmup = 5;
    let (_, records) = run(&cfg);
    let mut kinds = EventKinds::NONE;
    for r in &records {
        kinds.insert(r.kinds);
    }
    assert_eq!(kinds, EventKinds::TIMER);
}
