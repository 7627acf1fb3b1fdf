//! Context dictionaries for the MultiMMC (6.3.9) and LZ78Y (6.3.10) predictors: for every
//! context string `x` of one fixed length seen so far, how often each symbol `y` followed
//! it, and which `y` it currently predicts (the most frequent, ties to the larger symbol,
//! as the reference tool breaks them).
//!
//! A context is a key holding its symbols packed `bits` bits each, the newest in the lowest
//! bits. Short contexts over small alphabets are indexed directly by their key (flat
//! arrays, no hashing); longer ones live in an open-addressing hash table whose successor
//! counts are chained in one arena, so nothing is allocated per step.

/// Flat tables up to this many counters (4 MiB of `u32`); hashed beyond.
const DENSE_LIMIT_LOG2: u32 = 20;

/// Index of a context inside one [`Level`].
pub(crate) type Ctx = u32;

/// The operations the predictors need from the contexts of one length.
pub(crate) trait Contexts: Send {
    /// The context with this key, if it has been added.
    fn find(&self, key: u128) -> Option<Ctx>;
    /// The predicted symbol of a context and how often it followed it.
    fn predict(&self, ctx: Ctx) -> (u8, u32);
    /// Counts one more `y` after `ctx`. A pair never seen before is created only when
    /// `make_new`; returns whether it was created.
    fn increment(&mut self, ctx: Ctx, y: u8, make_new: bool) -> bool;
    /// The context with this key, added (with no counts yet) if absent.
    fn find_or_add(&mut self, key: u128) -> Ctx;
}

/// Binary contexts of up to 20 bits: a pair of counts per possible context.
pub(crate) struct BinaryLevel {
    /// counts[ctx] = (times followed by 0, times followed by 1)
    pub(crate) counts: Vec<[u32; 2]>,
}

impl BinaryLevel {
    /// A level for contexts of `len` bits.
    pub(crate) fn new(len: u32) -> Self {
        BinaryLevel {
            counts: vec![[0; 2]; 1 << len],
        }
    }
}

impl Contexts for BinaryLevel {
    #[inline]
    fn find(&self, key: u128) -> Option<Ctx> {
        let e = self.counts[key as usize];
        (e[0] | e[1] != 0).then_some(key as Ctx)
    }

    #[inline]
    fn predict(&self, ctx: Ctx) -> (u8, u32) {
        let e = self.counts[ctx as usize];
        // Ties go to 1, the larger symbol.
        if e[0] > e[1] {
            (0, e[0])
        } else {
            (1, e[1])
        }
    }

    #[inline]
    fn increment(&mut self, ctx: Ctx, y: u8, make_new: bool) -> bool {
        let c = &mut self.counts[ctx as usize][usize::from(y & 1)];
        if *c == 0 && !make_new {
            return false;
        }
        *c += 1;
        *c == 1
    }

    #[inline]
    fn find_or_add(&mut self, key: u128) -> Ctx {
        key as Ctx
    }
}

/// The contexts of one length.
pub(crate) enum Level {
    /// Every possible context has a slot; a context exists once it has a count.
    Dense(DenseLevel),
    /// Only the contexts seen are stored.
    Sparse(SparseLevel),
}

impl Level {
    /// A level for contexts of `len` symbols of `bits` bits each, expected to hold up to
    /// about `expected` contexts (a hint that saves rehashing while it fills).
    pub(crate) fn new(len: u32, bits: u32, expected: usize) -> Level {
        let key_bits = len * bits;
        if key_bits + bits <= DENSE_LIMIT_LOG2 {
            Level::Dense(DenseLevel::new(key_bits, bits))
        } else {
            let room = expected.saturating_mul(5) / 4;
            let log2 = room.next_power_of_two().trailing_zeros().clamp(10, 17);
            Level::Sparse(SparseLevel::with_capacity_log2(log2))
        }
    }
}

impl Contexts for Level {
    /// The context with this key, if it has been added.
    #[inline]
    fn find(&self, key: u128) -> Option<Ctx> {
        match self {
            Level::Dense(d) => {
                let c = key as usize;
                (d.best_count[c] > 0).then_some(c as Ctx)
            }
            Level::Sparse(s) => s.find(key),
        }
    }

    /// The predicted symbol of a context and how often it followed it.
    #[inline]
    fn predict(&self, ctx: Ctx) -> (u8, u32) {
        let c = ctx as usize;
        match self {
            Level::Dense(d) => (d.best_y[c], d.best_count[c]),
            Level::Sparse(s) => (s.slots[c].best_y, s.slots[c].best_count),
        }
    }

    /// Counts one more `y` after `ctx`. A pair never seen before is created only when
    /// `make_new`; returns whether it was created.
    #[inline]
    fn increment(&mut self, ctx: Ctx, y: u8, make_new: bool) -> bool {
        let c = ctx as usize;
        match self {
            Level::Dense(d) => {
                let slot = (c << d.bits) | y as usize;
                let count = d.counts[slot];
                if count == 0 && !make_new {
                    return false;
                }
                d.counts[slot] = count + 1;
                bump_best(&mut d.best_count[c], &mut d.best_y[c], count + 1, y);
                count == 0
            }
            Level::Sparse(s) => s.increment(c, y, make_new),
        }
    }

    /// The context with this key, added (with no counts yet) if absent.
    #[inline]
    fn find_or_add(&mut self, key: u128) -> Ctx {
        match self {
            // A dense context springs into existence with its first count.
            Level::Dense(_) => key as Ctx,
            Level::Sparse(s) => s.find_or_add(key),
        }
    }
}

/// Keeps the running prediction: the most frequent successor, ties to the larger symbol.
#[inline]
fn bump_best(best_count: &mut u32, best_y: &mut u8, count: u32, y: u8) {
    if count > *best_count || (count == *best_count && y > *best_y) {
        *best_count = count;
        *best_y = y;
    }
}

/// Directly indexed contexts.
pub(crate) struct DenseLevel {
    bits: u32,
    /// counts[(ctx << bits) | y]
    counts: Vec<u32>,
    best_count: Vec<u32>,
    best_y: Vec<u8>,
}

impl DenseLevel {
    fn new(key_bits: u32, bits: u32) -> Self {
        let contexts = 1usize << key_bits;
        DenseLevel {
            bits,
            counts: vec![0; contexts << bits],
            best_count: vec![0; contexts],
            best_y: vec![0; contexts],
        }
    }
}

/// One successor count beyond a context's first, chained per context.
#[derive(Clone, Copy)]
struct Node {
    next: u32,
    count: u32,
    y: u8,
}

const NIL: u32 = u32::MAX;

/// A hashed context with its prediction and first successor inline, so that finding,
/// predicting and (usually) counting touch one cache line.
#[derive(Clone, Copy, Default)]
struct Slot {
    key: u128,
    best_count: u32,
    first_count: u32,
    /// Further successors, chained in `nodes`; `NIL` when none (0 in an unused slot).
    more: u32,
    best_y: u8,
    first_y: u8,
    used: bool,
}

/// Hashed contexts: open addressing (linear probing) on the packed key. A context is
/// the index of its slot, stable until the next [`SparseLevel::find_or_add`].
pub(crate) struct SparseLevel {
    slots: Vec<Slot>,
    len: usize,
    shift: u32,
    nodes: Vec<Node>,
}

impl SparseLevel {
    fn with_capacity_log2(log2: u32) -> Self {
        SparseLevel {
            slots: vec![Slot::default(); 1 << log2],
            len: 0,
            shift: 64 - log2,
            nodes: Vec::new(),
        }
    }

    #[inline]
    fn home(&self, key: u128) -> usize {
        let lo = key as u64;
        let hi = (key >> 64) as u64;
        let h = (lo ^ hi.rotate_left(32).wrapping_mul(0xC2B2_AE3D_27D4_EB4F))
            .wrapping_mul(0x9E37_79B9_7F4A_7C15);
        (h >> self.shift) as usize
    }

    #[inline]
    fn find(&self, key: u128) -> Option<Ctx> {
        let mask = self.slots.len() - 1;
        let mut i = self.home(key);
        loop {
            let slot = &self.slots[i];
            if !slot.used {
                return None;
            }
            if slot.key == key {
                return Some(i as Ctx);
            }
            i = (i + 1) & mask;
        }
    }

    fn find_or_add(&mut self, key: u128) -> Ctx {
        // Grow beyond 4/5 load: 100,000 contexts (the MultiMMC cap) fit in 2^17 slots.
        if 5 * (self.len + 1) > 4 * self.slots.len() {
            self.grow();
        }
        let mask = self.slots.len() - 1;
        let mut i = self.home(key);
        loop {
            let slot = &mut self.slots[i];
            if !slot.used {
                *slot = Slot {
                    key,
                    more: NIL,
                    used: true,
                    ..Slot::default()
                };
                self.len += 1;
                return i as Ctx;
            }
            if slot.key == key {
                return i as Ctx;
            }
            i = (i + 1) & mask;
        }
    }

    fn grow(&mut self) {
        let log2 = 64 - self.shift + 1;
        let old = std::mem::replace(&mut self.slots, vec![Slot::default(); 1 << log2]);
        self.shift = 64 - log2;
        let mask = self.slots.len() - 1;
        for slot in old.into_iter().filter(|s| s.used) {
            let mut i = self.home(slot.key);
            while self.slots[i].used {
                i = (i + 1) & mask;
            }
            self.slots[i] = slot;
        }
    }

    #[inline]
    fn increment(&mut self, c: usize, y: u8, make_new: bool) -> bool {
        let slot = &mut self.slots[c];
        if slot.first_count > 0 && slot.first_y == y {
            slot.first_count += 1;
            let count = slot.first_count;
            bump_best(&mut slot.best_count, &mut slot.best_y, count, y);
            return false;
        }
        if slot.first_count == 0 {
            if !make_new {
                return false;
            }
            slot.first_y = y;
            slot.first_count = 1;
            bump_best(&mut slot.best_count, &mut slot.best_y, 1, y);
            return true;
        }
        let mut at = slot.more;
        while at != NIL {
            let node = &mut self.nodes[at as usize];
            if node.y == y {
                node.count += 1;
                let count = node.count;
                bump_best(&mut slot.best_count, &mut slot.best_y, count, y);
                return false;
            }
            at = node.next;
        }
        if !make_new {
            return false;
        }
        self.nodes.push(Node {
            next: slot.more,
            count: 1,
            y,
        });
        slot.more = (self.nodes.len() - 1) as u32;
        bump_best(&mut slot.best_count, &mut slot.best_y, 1, y);
        true
    }
}

/// Bits per packed symbol for an alphabet of `k` symbols (at least 1).
pub(crate) fn symbol_bits(k: usize) -> u32 {
    (usize::BITS - k.saturating_sub(1).leading_zeros()).max(1)
}

/// Mask keeping the newest `len` symbols of a packed key.
#[inline]
pub(crate) fn key_mask(len: u32, bits: u32) -> u128 {
    let b = len * bits;
    if b >= 128 {
        u128::MAX
    } else {
        (1u128 << b) - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbol_bits_cover_the_alphabet() {
        assert_eq!(symbol_bits(1), 1);
        assert_eq!(symbol_bits(2), 1);
        assert_eq!(symbol_bits(3), 2);
        assert_eq!(symbol_bits(16), 4);
        assert_eq!(symbol_bits(17), 5);
        assert_eq!(symbol_bits(256), 8);
    }

    fn exercise(level: &mut Level) {
        let key = 0x2a;
        assert!(level.find(key).is_none());
        let c = level.find_or_add(key);
        assert!(level.increment(c, 3, true));
        assert_eq!(level.find(key), Some(c));
        assert_eq!(level.predict(c), (3, 1));
        // a tie goes to the larger symbol, a lower one never displaces it
        assert!(level.increment(c, 1, true));
        assert_eq!(level.predict(c), (3, 1));
        assert!(level.increment(c, 5, true));
        assert_eq!(level.predict(c), (5, 1));
        assert!(!level.increment(c, 1, false));
        assert_eq!(level.predict(c), (1, 2));
        // no new pair without permission
        assert!(!level.increment(c, 7, false));
        assert_eq!(level.predict(c), (1, 2));
    }

    #[test]
    fn dense_and_sparse_levels_agree() {
        let mut dense = Level::new(2, 4, 10);
        assert!(matches!(dense, Level::Dense(_)));
        exercise(&mut dense);
        let mut sparse = Level::new(3, 8, 10);
        assert!(matches!(sparse, Level::Sparse(_)));
        exercise(&mut sparse);
    }

    #[test]
    fn sparse_level_grows_and_keeps_entries() {
        let mut t = SparseLevel::with_capacity_log2(2);
        let key = |k: u128| k * 0x1_0000_0000_0000_0001 + (k << 100);
        for k in 0..10_000u128 {
            let c = t.find_or_add(key(k));
            t.increment(c as usize, (k % 251) as u8, true);
            t.increment(c as usize, 7, true);
        }
        for k in 0..10_000u128 {
            let c = t.find(key(k)).expect("present") as usize;
            let s = &t.slots[c];
            assert_eq!(s.key, key(k));
            // two followers once each: the larger wins; the same one twice: it, twice
            let best = if k % 251 == 7 {
                (7, 2)
            } else {
                (((k % 251) as u8).max(7), 1)
            };
            assert_eq!((s.best_y, s.best_count), best);
        }
        assert_eq!(t.find(u128::MAX), None);
    }
}
