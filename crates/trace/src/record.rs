//! One record per wait call, and the event-kind bitmask.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::layout::RECORD_LEN;

/// Kinds of event that a wait call returned, as a bitmask.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[serde(transparent)]
pub struct EventKinds(pub u32);

const NAMES: [(u32, &str); 5] = [
    (EventKinds::TIMER.0, "timer"),
    (EventKinds::FILE.0, "file"),
    (EventKinds::SOCKET_READ.0, "socket_read"),
    (EventKinds::SOCKET_WRITE.0, "socket_write"),
    (EventKinds::FAILED.0, "failed"),
];

impl EventKinds {
    /// No event (the wait call timed out).
    pub const NONE: EventKinds = EventKinds(0);
    /// A timer fired.
    pub const TIMER: EventKinds = EventKinds(1);
    /// A watched file changed.
    pub const FILE: EventKinds = EventKinds(2);
    /// A socket became readable.
    pub const SOCKET_READ: EventKinds = EventKinds(4);
    /// A socket became writable.
    pub const SOCKET_WRITE: EventKinds = EventKinds(8);
    /// The wait call failed (openentropy profile, which records failed calls as samples);
    /// the record's `events` then holds the `errno`, and no other kind is set.
    pub const FAILED: EventKinds = EventKinds(16);
    /// Every event bit: what a wait call can report when every configured kind fires.
    pub const ALL: EventKinds = EventKinds(0xf);
    /// Every bit this format version defines; the others are reserved and must be 0.
    pub const DEFINED: EventKinds = EventKinds(0x1f);

    /// True when every bit of `other` is set in `self`.
    ///
    /// ```
    /// use kqent_trace::EventKinds;
    /// let mut k = EventKinds::TIMER;
    /// k.insert(EventKinds::SOCKET_READ);
    /// assert!(k.contains(EventKinds::TIMER) && !k.contains(EventKinds::FILE));
    /// assert_eq!(k.to_string(), "timer|socket_read");
    /// ```
    pub fn contains(self, other: EventKinds) -> bool {
        self.0 & other.0 == other.0
    }

    /// Sets the bits of `other`.
    pub fn insert(&mut self, other: EventKinds) {
        self.0 |= other.0;
    }

    /// The raw bitmask.
    pub fn bits(self) -> u32 {
        self.0
    }

    /// True when no bit is set.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Bits set outside [`EventKinds::DEFINED`] (0 for a valid value).
    pub fn unknown_bits(self) -> u32 {
        self.0 & !Self::DEFINED.0
    }
}

impl fmt::Display for EventKinds {
    /// `|`-separated names (`timer|socket_read`), `none` when empty, unknown bits in hex.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0 {
            return f.write_str("none");
        }
        let mut first = true;
        let mut sep = |f: &mut fmt::Formatter<'_>| {
            let r = if first { Ok(()) } else { f.write_str("|") };
            first = false;
            r
        };
        for (bit, name) in NAMES {
            if self.0 & bit != 0 {
                sep(f)?;
                f.write_str(name)?;
            }
        }
        if self.unknown_bits() != 0 {
            sep(f)?;
            write!(f, "{:#x}", self.unknown_bits())?;
        }
        Ok(())
    }
}

impl FromStr for EventKinds {
    type Err = String;

    /// Parses the [`Display`](fmt::Display) form of known kinds.
    ///
    /// ```
    /// use kqent_trace::EventKinds;
    /// assert_eq!("file|timer".parse::<EventKinds>(), Ok(EventKinds(3)));
    /// assert_eq!("none".parse::<EventKinds>(), Ok(EventKinds::NONE));
    /// ```
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "none" {
            return Ok(EventKinds::NONE);
        }
        let mut k = EventKinds::NONE;
        for part in s.split('|') {
            let bit = NAMES
                .iter()
                .find(|(_, n)| *n == part)
                .map(|(b, _)| *b)
                .ok_or_else(|| {
                    format!("unknown event kind {part:?} (expected timer, file, socket_read, socket_write, failed)")
                })?;
            k.0 |= bit;
        }
        Ok(k)
    }
}

/// One timed wait call.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Record {
    /// When the call started, in ns since the start of the trace (non-decreasing).
    pub start_ns: u64,
    /// How long the call took, in ns.
    pub duration_ns: u64,
    /// Number of events it returned.
    pub events: u32,
    /// Kinds of the events it returned.
    pub kinds: EventKinds,
    /// Restart index (0 for an ordinary collection; non-decreasing).
    pub segment: u32,
}

impl Record {
    /// Little-endian encoding: `start_ns u64, duration_ns u64, events u32, kinds u32, segment u32`.
    #[inline]
    pub fn encode(&self) -> [u8; RECORD_LEN as usize] {
        let mut b = [0u8; RECORD_LEN as usize];
        b[0..8].copy_from_slice(&self.start_ns.to_le_bytes());
        b[8..16].copy_from_slice(&self.duration_ns.to_le_bytes());
        b[16..20].copy_from_slice(&self.events.to_le_bytes());
        b[20..24].copy_from_slice(&self.kinds.0.to_le_bytes());
        b[24..28].copy_from_slice(&self.segment.to_le_bytes());
        b
    }

    /// Inverse of [`Record::encode`] (no validation).
    pub fn decode(b: &[u8; RECORD_LEN as usize]) -> Self {
        let u64_at = |o: usize| {
            let mut x = [0u8; 8];
            x.copy_from_slice(&b[o..o + 8]);
            u64::from_le_bytes(x)
        };
        let u32_at = |o: usize| u32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]);
        Record {
            start_ns: u64_at(0),
            duration_ns: u64_at(8),
            events: u32_at(16),
            kinds: EventKinds(u32_at(20)),
            segment: u32_at(24),
        }
    }
}

/// Greatest common divisor (`gcd(0, x) == x`), used for the observed tick.
///
/// ```
/// assert_eq!(kqent_trace::gcd(0, 42), 42);
/// assert_eq!(kqent_trace::gcd(1000, 1500), 500);
/// ```
pub fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        let t = a % b;
        a = b;
        b = t;
    }
    a
}

/// Rules every record must follow, shared by the writer (which rejects the record) and the
/// reader (which reports corruption). `prev` is the previous record; `segments` the number
/// of segments the metadata allows. On failure, returns the offset of the offending field
/// within the record and what is wrong, phrased to follow "record N has".
#[inline]
pub(crate) fn check_record(
    r: &Record,
    prev: Option<&Record>,
    segments: u32,
) -> Result<(), (u64, String)> {
    if r.kinds.unknown_bits() != 0 {
        return Err((
            20,
            format!("unknown kind bits {:#x}", r.kinds.unknown_bits()),
        ));
    }
    if r.kinds.contains(EventKinds::FAILED) && r.kinds != EventKinds::FAILED {
        return Err((20, format!("a failed call with event kinds {}", r.kinds)));
    }
    if r.segment >= segments {
        return Err((
            24,
            if segments == 1 {
                format!("segment {} in a trace without restarts", r.segment)
            } else {
                format!(
                    "segment {} but the trace has {segments} restarts",
                    r.segment
                )
            },
        ));
    }
    if let Some(p) = prev {
        if r.start_ns < p.start_ns {
            return Err((
                0,
                format!(
                    "start offset {} ns, before the previous record's {} ns",
                    r.start_ns, p.start_ns
                ),
            ));
        }
        if r.segment < p.segment {
            return Err((
                24,
                format!("segment {} after segment {}", r.segment, p.segment),
            ));
        }
    }
    Ok(())
}
