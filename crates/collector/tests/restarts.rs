//! Restart collections: one segment per restart, each a fresh source.

use std::io::Cursor;
use std::sync::atomic::{AtomicBool, Ordering};

use kqent_collector::{collect_restarts, BackendKind, CollectConfig, CollectError};
use kqent_trace::{Record, RestartLayout, TraceReader};

/// Each completed restart's index and durations, as the callback saw them.
type Rows = Vec<(u32, Vec<u64>)>;

fn run(
    cfg: &CollectConfig,
    restarts: u32,
    per: u64,
    stop: &AtomicBool,
    stop_at: Option<u64>,
) -> (kqent_trace::Metadata, Vec<Record>, Rows) {
    let mut rows = Vec::new();
    let out = collect_restarts(
        cfg,
        restarts,
        per,
        Cursor::new(Vec::new()),
        stop,
        &mut |n| {
            if stop_at.is_some_and(|s| n >= s) {
                stop.store(true, Ordering::Relaxed);
            }
        },
        &mut |r, d| {
            rows.push((r, d.to_vec()));
            Ok(())
        },
    )
    .unwrap();
    let reader = TraceReader::open(Cursor::new(out.writer_output.into_inner())).unwrap();
    let meta = reader.metadata().clone();
    let records = reader.records().map(|r| r.unwrap()).collect();
    (meta, records, rows)
}

#[test]
fn mock_restarts_are_segments() {
    let mut cfg = CollectConfig::new(BackendKind::Mock, 1);
    cfg.seed = 11;
    let stop = AtomicBool::new(false);
    let (meta, records, rows) = run(&cfg, 7, 300, &stop, None);
    assert_eq!(
        meta.restarts,
        Some(RestartLayout {
            count: 7,
            per_restart: 300
        })
    );
    assert_eq!(meta.samples, 2100);
    assert_eq!(meta.samples_requested, 2100);
    assert!(!meta.interrupted);
    assert_eq!(records.len(), 2100);
    assert_eq!(rows.len(), 7);
    for (r, (idx, durations)) in rows.iter().enumerate() {
        assert_eq!(*idx as usize, r);
        let seg: Vec<u64> = records
            .iter()
            .filter(|x| x.segment as usize == r)
            .map(|x| x.duration_ns)
            .collect();
        assert_eq!(&seg, durations, "restart {r}: callback and trace agree");
    }
    // Every restart draws its own stream.
    assert_ne!(rows[0].1, rows[1].1);
    // Reproducible.
    let (meta2, records2, _) = run(&cfg, 7, 300, &stop, None);
    assert_eq!(records, records2);
    assert_eq!(meta.knobs, meta2.knobs);
}

#[test]
fn stop_ends_inside_a_restart() {
    let cfg = CollectConfig::new(BackendKind::Mock, 1);
    let stop = AtomicBool::new(false);
    // Progress runs after every completed restart: stop after the third.
    let (meta, records, rows) = run(&cfg, 10, 100, &stop, Some(300));
    assert!(meta.interrupted);
    assert_eq!(rows.len(), 3);
    assert_eq!(meta.samples, 300);
    assert_eq!(records.last().unwrap().segment, 2);
}

#[test]
fn bad_plans() {
    let cfg = CollectConfig::new(BackendKind::Mock, 1);
    let stop = AtomicBool::new(false);
    for (r, p) in [(0, 10), (10, 0)] {
        let err = collect_restarts(
            &cfg,
            r,
            p,
            Cursor::new(Vec::new()),
            &stop,
            &mut |_| {},
            &mut |_, _| Ok(()),
        )
        .unwrap_err();
        assert!(matches!(err, CollectError::InvalidConfig(_)), "{err}");
        assert!(err.to_string().contains("at least 1"), "{err}");
    }
    let err = collect_restarts(
        &cfg,
        u32::MAX,
        u64::MAX,
        Cursor::new(Vec::new()),
        &stop,
        &mut |_| {},
        &mut |_, _| Ok(()),
    )
    .unwrap_err();
    assert!(err.to_string().contains("overflows"), "{err}");
}

#[cfg(any(target_os = "linux", target_os = "macos", target_os = "freebsd"))]
#[test]
fn native_restarts_really_restart() {
    let mut cfg = CollectConfig::new(BackendKind::Auto, 1);
    cfg.knobs.warmup = 20;
    let stop = AtomicBool::new(false);
    let (meta, records, rows) = run(&cfg, 5, 200, &stop, None);
    assert_eq!(meta.samples, 1000);
    assert_eq!(rows.len(), 5);
    assert!(rows.iter().all(|(_, d)| d.len() == 200));
    let segs: Vec<u32> = records.iter().map(|r| r.segment).collect();
    assert!(segs.windows(2).all(|w| w[0] <= w[1]));
    for r in 0..5 {
        assert_eq!(segs.iter().filter(|s| **s == r).count(), 200);
    }
    assert!(records.windows(2).all(|w| w[1].start_ns >= w[0].start_ns));
}
