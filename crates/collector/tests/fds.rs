//! Descriptors and temporary files are released after a collection, a failing one and an
//! interrupted one. Its own test binary with a single test: threads share the descriptor
//! table and the environment (TMPDIR), so nothing else may run while the count is taken
//! (which is why it is not a module of the CLI test binary).
#![cfg(target_os = "linux")]

use std::io::{self, Cursor, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use kqent_collector::{
    collect, collect_restarts, BackendKind, CollectConfig, CollectError, TEMP_DIR_PREFIX,
};

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").unwrap().count()
}

fn leftovers(tmp: &Path) -> Vec<String> {
    std::fs::read_dir(tmp)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(TEMP_DIR_PREFIX))
        .collect()
}

/// An output that fails once `limit` bytes were written: the error reaches the collector
/// in the middle of the sampling loop, with every source open.
#[derive(Debug)]
struct FailAfter {
    inner: Cursor<Vec<u8>>,
    limit: u64,
}

impl Write for FailAfter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.inner.position() + buf.len() as u64 > self.limit {
            return Err(io::Error::other("device full (test)"));
        }
        self.inner.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Seek for FailAfter {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.inner.seek(pos)
    }
}

#[test]
fn descriptors_threads_and_files_are_released() {
    let tmp = tempfile::tempdir().unwrap();
    // The only test in this binary: setting TMPDIR races with nothing.
    std::env::set_var("TMPDIR", tmp.path());
    let stop = AtomicBool::new(false);
    let before = open_fds();
    let threads_before = threads();

    // Success.
    let cfg = CollectConfig::new(BackendKind::Epoll, 2_000);
    let mut seen_open = None;
    let out = collect(&cfg, Cursor::new(Vec::new()), &stop, &mut |n| {
        if n == 0 {
            seen_open = Some((open_fds(), leftovers(tmp.path()).len(), threads()));
        }
    })
    .unwrap();
    assert_eq!(out.metadata.samples, 2_000);
    let (during, dirs, threads_during) = seen_open.unwrap();
    assert_eq!(threads_during, threads_before + 1, "the poker thread ran");
    // 8 timers + 4 pairs x 2 + 4 x (file + inotify) + epoll + the private directory's
    // lock (which tells a live directory from one a SIGKILL orphaned).
    assert_eq!(
        during,
        before + 26,
        "sources were open during the collection"
    );
    assert_eq!(
        dirs, 1,
        "the private directory existed during the collection"
    );
    assert_eq!(open_fds(), before, "after success");
    assert_eq!(threads(), threads_before, "after success");
    assert!(leftovers(tmp.path()).is_empty());

    // Failure in the middle of the loop (the output fails after ~100 KiB of records).
    let failing = FailAfter {
        inner: Cursor::new(Vec::new()),
        limit: 100 * 1024,
    };
    let cfg = CollectConfig::new(BackendKind::Epoll, 1_000_000);
    let err = collect(&cfg, failing, &stop, &mut |_| {}).unwrap_err();
    assert!(matches!(err, CollectError::Trace(_)), "{err}");
    assert!(err.to_string().contains("device full (test)"), "{err}");
    assert_eq!(open_fds(), before, "after a failing collection");
    assert_eq!(threads(), threads_before, "after a failing collection");
    assert!(leftovers(tmp.path()).is_empty());

    // Failure while opening the sources (TMPDIR is not a directory).
    let not_dir = tmp.path().join("plain");
    std::fs::write(&not_dir, b"x").unwrap();
    std::env::set_var("TMPDIR", &not_dir);
    let err = collect(&cfg, Cursor::new(Vec::new()), &stop, &mut |_| {}).unwrap_err();
    assert!(err.to_string().contains("private directory"), "{err}");
    assert_eq!(open_fds(), before, "after a failed setup");
    assert_eq!(threads(), threads_before, "after a failed setup");
    std::env::set_var("TMPDIR", tmp.path());

    // Stopped part-way (as on SIGINT): the flag is raised from the progress callback.
    let out = collect(&cfg, Cursor::new(Vec::new()), &stop, &mut |n| {
        if n >= 2048 {
            stop.store(true, Ordering::Relaxed);
        }
    })
    .unwrap();
    assert!(out.interrupted && out.metadata.interrupted);
    assert_eq!(out.metadata.samples, 2048);
    assert_eq!(open_fds(), before, "after an interrupted collection");
    assert_eq!(threads(), threads_before, "after an interrupted collection");
    assert!(leftovers(tmp.path()).is_empty());

    // Restarts: each restart's source is closed before the next opens, so between
    // restarts nothing of it remains.
    let stop = AtomicBool::new(false);
    let mut cfg = CollectConfig::new(BackendKind::Epoll, 1);
    cfg.knobs.warmup = 10;
    let mut between = Vec::new();
    let out = collect_restarts(
        &cfg,
        4,
        100,
        Cursor::new(Vec::new()),
        &stop,
        &mut |_| {},
        &mut |_, d| {
            between.push((open_fds(), threads(), leftovers(tmp.path()).len(), d.len()));
            Ok(())
        },
    )
    .unwrap();
    assert_eq!(out.metadata.samples, 400);
    assert_eq!(between, vec![(before, threads_before, 0, 100); 4]);
    assert_eq!(open_fds(), before, "after restarts");
}
