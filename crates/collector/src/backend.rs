//! The one interface every event source implements, so that a single sampling loop
//! ([`crate::sampler`]) times epoll, kqueue, the mock and the tests' fake source alike.

use crate::CollectError;

/// Bits of the kinds mask a [`Backend::drain`] returns: `kqent_trace::EventKinds`, where
/// the event kinds are defined, as plain `u32` for the backends' tokens.
pub(crate) mod kind_bits {
    use kqent_trace::EventKinds;
    /// A timer fired.
    pub const TIMER: u32 = EventKinds::TIMER.0;
    /// A watched file was modified or its attributes changed.
    pub const FILE: u32 = EventKinds::FILE.0;
    /// A socket had data to read.
    pub const SOCKET_READ: u32 = EventKinds::SOCKET_READ.0;
    /// A socket became writable.
    pub const SOCKET_WRITE: u32 = EventKinds::SOCKET_WRITE.0;
}

/// What one wait call returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// The call completed with this many ready events (0 on timeout).
    Ready(u32),
    /// A signal interrupted the call (EINTR); the sample is not a real wait and is dropped.
    Interrupted,
}

/// A source of timed wait calls.
///
/// The sampling loop calls, for every sample, `now_ns`, `wait`, `now_ns` (the timed
/// window) and then, outside the window, `drain` when events were ready. Implementations
/// must not allocate in `now_ns` or `wait`.
pub trait Backend {
    /// Short name written to the trace metadata ("epoll", "kqueue", "mock").
    fn name(&self) -> &'static str;

    /// Reads the backend's clock, in nanoseconds from an arbitrary origin.
    fn now_ns(&mut self) -> u64;

    /// Makes one wait call (the operation being timed).
    fn wait(&mut self) -> Result<Wait, CollectError>;

    /// Consumes whatever the last `wait` reported ready (timer expirations, socket bytes,
    /// inotify records) and returns the `kqent_trace::EventKinds` bits of the sources that fired.
    fn drain(&mut self) -> Result<u32, CollectError>;

    /// A failure of what feeds the source (the poker's writes to the watched files and
    /// sockets), checked between batches, outside the timed windows: a source that lost
    /// its events would change the measurement without saying so.
    fn check(&self) -> Result<(), CollectError> {
        Ok(())
    }
}
