//! How much kqent reads and allocates, decided before it reads or allocates: the largest
//! inputs, the stream bound, and a check of the memory an input will need against the
//! address-space limit the process runs under (`ulimit -v`), so that a large input is a
//! one-line error (exit 2) instead of an allocation failure, which aborts a Rust program.
//!
//! The figures are in the README's "Limits" section; `tests/cli/hardening.rs` measures
//! the memory of `health` and `analyze` on `/dev/zero` against [`MAX_STREAM_BYTES`].

use crate::PipelineError;

/// The largest regular symbol file read (1 GiB): one byte per sample, a thousand times
/// what SP 800-90B asks for; larger is refused before it is read.
pub const MAX_SYMBOL_FILE_BYTES: u64 = 1 << 30;

/// The most a stream (a FIFO, a character device such as `/dev/zero`, a pipe on stdin)
/// is read: 64 MiB, 64 times what SP 800-90B asks for. A stream has no size to check
/// first, so it is read up to this bound and refused beyond it; write it to a file to
/// assess more.
pub const MAX_STREAM_BYTES: u64 = 64 << 20;

/// The most records a trace may hold (2^30, as many samples as the largest symbol file).
pub const MAX_TRACE_RECORDS: u64 = 1 << 30;

/// Memory the input path holds per trace record (duration, kinds, symbol).
pub const INPUT_BYTES_PER_RECORD: u64 = 13;

/// Memory the SP 800-90B assessment needs per sample, measured with margin (4,000,000
/// 8-bit samples: 208 MB peak RSS, about 52 bytes a sample).
pub const ASSESS_BYTES_PER_SAMPLE: u64 = 64;

/// Address space a kqent process needs whatever its input (code, thread stacks, the
/// allocator's arenas): the part of `ulimit -v` no input can use.
pub const BASE_ADDRESS_SPACE: u64 = 512 << 20;

/// The address-space limit of this process (`RLIMIT_AS`), when there is one.
pub fn address_space_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        let mut r = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit only writes the struct it is given.
        let rc = unsafe { libc::getrlimit(libc::RLIMIT_AS, &mut r) };
        if rc == 0 && r.rlim_cur != libc::RLIM_INFINITY {
            // rlim_t is u64 on Linux and macOS, i64 on FreeBSD.
            #[allow(clippy::unnecessary_cast)]
            return Some(r.rlim_cur as u64);
        }
        None
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// Refuses work that needs `need` bytes when the process may not have them: `what` says
/// what the memory is for ("reading t.kqt's 100000000 records").
pub fn check_memory(need: u64, what: &str) -> Result<(), PipelineError> {
    let Some(limit) = address_space_limit() else {
        return Ok(());
    };
    let usable = limit.saturating_sub(BASE_ADDRESS_SPACE);
    if need > usable {
        return Err(PipelineError::InvalidArgument(format!(
            "{what} needs about {} MiB of memory, more than the {} MiB this process may use \
             (ulimit -v {} KiB)",
            need.div_ceil(1 << 20),
            usable >> 20,
            limit >> 10
        )));
    }
    Ok(())
}

/// `Vec::try_reserve`, as this crate's error: an allocation that fails is reported, not
/// an abort.
pub fn reserve<T>(v: &mut Vec<T>, n: usize, what: &str) -> Result<(), PipelineError> {
    v.try_reserve(n).map_err(|_| {
        PipelineError::InvalidArgument(format!(
            "out of memory: cannot allocate {what} ({n} elements)"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserve_reports_impossible_sizes() {
        let mut v: Vec<u64> = Vec::new();
        let e = reserve(&mut v, usize::MAX / 2, "durations").unwrap_err();
        assert!(e.to_string().contains("out of memory"), "{e}");
        reserve(&mut v, 10, "durations").unwrap();
        assert!(v.capacity() >= 10);
        // Without a limit nothing is refused; with one, what exceeds it is.
        if address_space_limit().is_none() {
            check_memory(u64::MAX, "x").unwrap();
        }
    }
}
