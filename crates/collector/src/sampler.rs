//! The sampling loop shared by every backend: time one wait call per sample, drain outside
//! the timed window, discard the warm-up, stop on request.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::backend::{Backend, Wait};
use crate::CollectError;

/// How often (in kept samples) the progress callback runs; a power of two keeps the check
/// a mask.
pub(crate) const PROGRESS_EVERY: u64 = 1024;

/// Samples buffered before they are handed to `emit`: between two wait calls the loop only
/// stores the sample, per-batch work (trace origin, restart durations) is done once per
/// batch, and the records are encoded in a loop of their own rather than between system
/// calls. A batch is also the progress interval.
const BATCH: usize = PROGRESS_EVERY as usize;

/// One timed wait call, before it becomes a trace record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Sample {
    /// Start of the wait, on the backend clock.
    pub start_ns: u64,
    /// Duration of the wait call.
    pub duration_ns: u64,
    /// Ready events the call reported.
    pub events: u32,
    /// Kinds of the sources that fired (see [`crate::backend::kind_bits`]).
    pub kinds: u32,
}

/// How the loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LoopEnd {
    /// Samples handed to `emit`.
    pub kept: u64,
    /// Whether the stop flag ended the loop before `samples` were kept.
    pub interrupted: bool,
}

/// One wait call timed by two clock reads, then drained outside the timed window.
/// `None` when a signal interrupted the call.
#[inline(always)]
fn step<B: Backend + ?Sized>(backend: &mut B) -> Result<Option<Sample>, CollectError> {
    // The timed window: two clock reads around the wait call, nothing else.
    let t0 = backend.now_ns();
    let wait = backend.wait();
    let t1 = backend.now_ns();
    let events = match wait? {
        Wait::Ready(n) => n,
        Wait::Interrupted => return Ok(None),
    };
    let kinds = if events > 0 { backend.drain()? } else { 0 };
    Ok(Some(Sample {
        start_ns: t0,
        duration_ns: t1.saturating_sub(t0),
        events,
        kinds,
    }))
}

/// Runs `warmup` discarded waits, then keeps `samples` of them, handing them to `emit`
/// after the timed windows, in order, in batches of at most [`PROGRESS_EVERY`] (never
/// empty). Interrupted waits (EINTR) are neither kept nor counted as warm-up. `progress`
/// runs with the number kept so far every [`PROGRESS_EVERY`] samples. The stop flag is
/// checked before every wait; samples kept before it was seen are all emitted.
pub(crate) fn run<B, E, P>(
    backend: &mut B,
    warmup: u64,
    samples: u64,
    stop: &AtomicBool,
    mut emit: E,
    mut progress: P,
) -> Result<LoopEnd, CollectError>
where
    B: Backend + ?Sized,
    E: FnMut(&[Sample]) -> Result<(), CollectError>,
    P: FnMut(u64),
{
    let mut warmed = 0u64;
    while warmed < warmup {
        if stop.load(Ordering::Relaxed) {
            return Ok(LoopEnd {
                kept: 0,
                interrupted: true,
            });
        }
        if step(backend)?.is_some() {
            warmed += 1;
        }
    }
    // Allocated once, before sampling, so the loop itself never allocates.
    let mut batch = vec![Sample::default(); BATCH];
    let mut kept = 0u64;
    while kept < samples {
        // Never more than a batch, never more than what is still wanted.
        let want = (samples - kept).min(BATCH as u64) as usize;
        let mut n = 0;
        let mut stopped = false;
        while n < want {
            if stop.load(Ordering::Relaxed) {
                stopped = true;
                break;
            }
            if let Some(s) = step(backend)? {
                batch[n] = s;
                n += 1;
            }
        }
        if n > 0 {
            emit(&batch[..n])?;
        }
        backend.check()?;
        kept += n as u64;
        if stopped {
            return Ok(LoopEnd {
                kept,
                interrupted: true,
            });
        }
        if kept % PROGRESS_EVERY == 0 {
            progress(kept);
        }
    }
    Ok(LoopEnd {
        kept,
        interrupted: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::kind_bits::*;
    use std::collections::VecDeque;

    /// What the fake source was asked to do, in order.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Call {
        Now,
        Wait,
        Drain,
    }

    /// One scripted wait: how long it takes, what it returns, what draining finds.
    #[derive(Debug, Clone, Copy)]
    struct Step {
        dur: u64,
        wait: Wait,
        kinds: u32,
    }

    fn ready(dur: u64, n: u32, kinds: u32) -> Step {
        Step {
            dur,
            wait: Wait::Ready(n),
            kinds,
        }
    }

    /// A scripted event source with a fake clock; draining costs 1000 ns of fake time,
    /// so a drain inside the timed window would show up in the durations.
    struct Fake<'a> {
        clock: u64,
        steps: VecDeque<Step>,
        pending: Option<u32>,
        calls: Vec<Call>,
        stop_after_waits: Option<(usize, &'a AtomicBool)>,
        waits: usize,
        fail_drain_at: Option<usize>,
    }

    impl<'a> Fake<'a> {
        fn new(steps: impl IntoIterator<Item = Step>) -> Self {
            Fake {
                clock: 5_000,
                steps: steps.into_iter().collect(),
                pending: None,
                calls: Vec::new(),
                stop_after_waits: None,
                waits: 0,
                fail_drain_at: None,
            }
        }
    }

    impl Backend for Fake<'_> {
        fn name(&self) -> &'static str {
            "fake"
        }
        fn now_ns(&mut self) -> u64 {
            self.calls.push(Call::Now);
            self.clock
        }
        fn wait(&mut self) -> Result<Wait, CollectError> {
            self.calls.push(Call::Wait);
            self.waits += 1;
            if let Some((n, flag)) = self.stop_after_waits {
                if self.waits == n {
                    flag.store(true, Ordering::Relaxed);
                }
            }
            let step = self.steps.pop_front().expect("script exhausted");
            self.clock += step.dur;
            self.pending = Some(step.kinds);
            Ok(step.wait)
        }
        fn drain(&mut self) -> Result<u32, CollectError> {
            self.calls.push(Call::Drain);
            if self.fail_drain_at == Some(self.waits) {
                return Err(CollectError::InvalidConfig("drain failed".into()));
            }
            self.clock += 1000;
            Ok(self.pending.take().unwrap_or(0))
        }
    }

    fn collect_all(fake: &mut Fake<'_>, warmup: u64, samples: u64) -> (Vec<Sample>, LoopEnd) {
        let stop = AtomicBool::new(false);
        let mut out = Vec::new();
        let end = run(
            fake,
            warmup,
            samples,
            &stop,
            |b: &[Sample]| {
                out.extend_from_slice(b);
                Ok(())
            },
            |_| {},
        )
        .unwrap();
        (out, end)
    }

    #[test]
    fn warmup_is_discarded_and_drain_is_outside_the_window() {
        let steps = [
            ready(10, 1, TIMER),
            ready(20, 2, FILE),
            ready(30, 1, SOCKET_READ),
            ready(40, 0, 0),
            ready(50, 3, SOCKET_READ | SOCKET_WRITE),
        ];
        let mut fake = Fake::new(steps);
        let (samples, end) = collect_all(&mut fake, 2, 3);
        assert_eq!(
            end,
            LoopEnd {
                kept: 3,
                interrupted: false
            }
        );
        // Durations are exactly the waits': the 1000 ns drains stayed outside.
        let durs: Vec<u64> = samples.iter().map(|s| s.duration_ns).collect();
        assert_eq!(durs, [30, 40, 50]);
        let kinds: Vec<u32> = samples.iter().map(|s| s.kinds).collect();
        assert_eq!(kinds, [SOCKET_READ, 0, SOCKET_READ | SOCKET_WRITE]);
        let events: Vec<u32> = samples.iter().map(|s| s.events).collect();
        assert_eq!(events, [1, 0, 3]);
        // Starts advance by wait + drain: 5000 +10+1000 +20+1000 = 7030, then +30+1000, +40.
        let starts: Vec<u64> = samples.iter().map(|s| s.start_ns).collect();
        assert_eq!(starts, [7030, 8060, 8100]);
        // Call order: now, wait, now, then drain only when something was ready.
        use Call::*;
        let per_sample = [
            vec![Now, Wait, Now, Drain],
            vec![Now, Wait, Now, Drain],
            vec![Now, Wait, Now, Drain],
            vec![Now, Wait, Now],
            vec![Now, Wait, Now, Drain],
        ]
        .concat();
        assert_eq!(fake.calls, per_sample);
    }

    #[test]
    fn eintr_is_retried_and_not_counted() {
        let intr = Step {
            dur: 7,
            wait: Wait::Interrupted,
            kinds: 0,
        };
        let steps = [
            intr,
            ready(11, 1, TIMER),
            intr,
            intr,
            ready(12, 1, FILE),
            ready(13, 1, TIMER),
        ];
        let mut fake = Fake::new(steps);
        let (samples, end) = collect_all(&mut fake, 1, 2);
        assert_eq!(end.kept, 2);
        let durs: Vec<u64> = samples.iter().map(|s| s.duration_ns).collect();
        assert_eq!(
            durs,
            [12, 13],
            "interrupted waits are neither warm-up nor samples"
        );
        assert!(fake.steps.is_empty());
        // An interrupted wait is never drained.
        let drains = fake.calls.iter().filter(|c| **c == Call::Drain).count();
        assert_eq!(drains, 3);
    }

    #[test]
    fn stop_flag_ends_the_loop_with_what_was_kept() {
        let stop = AtomicBool::new(false);
        let steps = (0..100).map(|i| ready(100 + i, 1, TIMER));
        let mut fake = Fake::new(steps);
        fake.stop_after_waits = Some((5, &stop));
        let mut out = Vec::new();
        let end = run(
            &mut fake,
            1,
            1_000,
            &stop,
            |b: &[Sample]| {
                out.extend_from_slice(b);
                Ok(())
            },
            |_| {},
        )
        .unwrap();
        // The flag is seen before the 6th wait: 5 waits, the first one warm-up.
        assert_eq!(
            end,
            LoopEnd {
                kept: 4,
                interrupted: true
            }
        );
        assert_eq!(out.len(), 4);
        assert_eq!(fake.waits, 5);
    }

    #[test]
    fn batches_keep_order_and_a_stop_flushes_the_partial_batch() {
        let stop = AtomicBool::new(false);
        let warmup = 3u64;
        let steps = (0..3 * BATCH as u64).map(|i| ready(100 + i, 0, 0));
        let mut fake = Fake::new(steps);
        // The flag rises during the (BATCH + 10)-th kept wait, inside the second batch.
        fake.stop_after_waits = Some((warmup as usize + BATCH + 10, &stop));
        let mut out = Vec::new();
        let mut seen = Vec::new();
        let end = run(
            &mut fake,
            warmup,
            10 * BATCH as u64,
            &stop,
            |b: &[Sample]| {
                out.extend(b.iter().map(|s| s.duration_ns));
                Ok(())
            },
            |k| seen.push(k),
        )
        .unwrap();
        let kept = BATCH as u64 + 10;
        assert_eq!(
            end,
            LoopEnd {
                kept,
                interrupted: true
            }
        );
        // Every kept sample was emitted once, in order, the warm-up ones skipped.
        let expected: Vec<u64> = (warmup..warmup + kept).map(|i| 100 + i).collect();
        assert_eq!(out, expected);
        assert_eq!(seen, [PROGRESS_EVERY]);
    }

    #[test]
    fn a_sample_count_not_a_multiple_of_the_batch_is_exact() {
        let total = 2 * BATCH as u64 + 7;
        let steps = (0..total + 1).map(|i| ready(1 + i, 0, 0));
        let mut fake = Fake::new(steps);
        let (samples, end) = collect_all(&mut fake, 1, total);
        assert_eq!(end.kept, total);
        let durs: Vec<u64> = samples.iter().map(|s| s.duration_ns).collect();
        assert_eq!(durs, (2..total + 2).collect::<Vec<_>>());
        // Exactly warm-up + samples waits, no more.
        assert_eq!(fake.waits as u64, total + 1);
    }

    #[test]
    fn stop_before_start_keeps_nothing() {
        let stop = AtomicBool::new(true);
        let mut fake = Fake::new([]);
        let end = run(&mut fake, 0, 10, &stop, |_| Ok(()), |_| {}).unwrap();
        assert_eq!(
            end,
            LoopEnd {
                kept: 0,
                interrupted: true
            }
        );
        assert!(fake.calls.is_empty());
    }

    #[test]
    fn errors_propagate() {
        let steps = (0..10).map(|_| ready(1, 1, TIMER));
        let mut fake = Fake::new(steps);
        fake.fail_drain_at = Some(3);
        let stop = AtomicBool::new(false);
        let err = run(&mut fake, 0, 10, &stop, |_| Ok(()), |_| {}).unwrap_err();
        assert_eq!(err.to_string(), "drain failed");

        // A failing emit stops the loop at once: the first batch went out, the second
        // failed, and no further wait was made.
        let total = 3 * BATCH;
        let steps = (0..total).map(|_| ready(1, 1, TIMER));
        let mut fake = Fake::new(steps);
        let mut delivered = Vec::new();
        let err = run(
            &mut fake,
            0,
            total as u64,
            &stop,
            |b: &[Sample]| {
                if delivered.is_empty() {
                    delivered.push(b.len());
                    Ok(())
                } else {
                    Err(CollectError::Trace(kqent_trace::TraceError::Metadata(
                        "disk full".into(),
                    )))
                }
            },
            |_| {},
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot write the trace: invalid trace metadata: disk full"
        );
        assert_eq!(delivered, [BATCH]);
        assert_eq!(fake.waits, 2 * BATCH);
    }

    #[test]
    fn progress_runs_every_block() {
        let total = PROGRESS_EVERY * 3 + 5;
        let steps = (0..total).map(|_| ready(1, 0, 0));
        let mut fake = Fake::new(steps);
        let stop = AtomicBool::new(false);
        let mut seen = Vec::new();
        run(&mut fake, 0, total, &stop, |_| Ok(()), |k| seen.push(k)).unwrap();
        assert_eq!(
            seen,
            [PROGRESS_EVERY, 2 * PROGRESS_EVERY, 3 * PROGRESS_EVERY]
        );
    }
}
