//! Context dictionaries for the MultiMMC (6.3.9) and LZ78Y (6.3.10) predictors: for every
//! context string `x` of one fixed length seen so far, how often each symbol `y` followed
//! it, and which `y` it currently predicts (the most frequent, ties to the larger symbol,
//! as the reference tool breaks them).
//!
//! A context is a key holding its symbols packed `bits` bits each, the newest in the lowest
//! bits. Short contexts over small alphabets are indexed directly by their key (flat
//! arrays, no hashing); longer ones live in a compact open-addressing index over an
//! append-only array of contexts, each holding its prediction and first successor inline,
//! with any further successors in one pair table per length. Nothing is allocated per
//! step beyond amortised growth.

/// Flat tables up to this many counters (4 MiB of `u32`); hashed beyond.
const DENSE_LIMIT_LOG2: u32 = 20;

/// A table of `len` zeros whose every page has already been written.
///
/// `vec![0; len]` maps fresh pages lazily: a table that is read before it is written (every
/// lookup here) first maps the kernel's shared zero page, then takes a second fault on the
/// first write, which replaces that mapping and so must flush the TLB of every CPU running
/// this process (an inter-processor interrupt while the other thread works). Writing one
/// element per page up front takes a single fault per page instead.
pub(crate) fn written_zeros<T: Copy + Default>(len: usize) -> Vec<T> {
    let mut table = vec![T::default(); len];
    let per_page = (4096 / std::mem::size_of::<T>().max(1)).max(1);
    for i in (0..len).step_by(per_page) {
        // An opaque value, so the store is not dropped as writing what is already there.
        table[i] = std::hint::black_box(T::default());
    }
    table
}

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

/// Binary contexts: a pair of counts for every possible context of its length.
pub(crate) struct BinaryLevel {
    /// counts[ctx] = (times followed by 0, times followed by 1)
    pub(crate) counts: Vec<[u32; 2]>,
}

impl BinaryLevel {
    /// A level for contexts of `len` bits.
    pub(crate) fn new(len: u32) -> Self {
        BinaryLevel {
            counts: written_zeros(1 << len),
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
    #[inline(always)]
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
            counts: written_zeros(contexts << bits),
            best_count: written_zeros(contexts),
            best_y: written_zeros(contexts),
        }
    }
}

/// A hashed context with its prediction and one successor inline, so that predicting and
/// (usually) counting touch one cache line. The inline successor is the first one until
/// another outnumbers it; they then trade places, so that the most frequent successor,
/// which is counted most often, stays inline (in biased data a context's first successor
/// is often not its usual one, and every count of that one would search the pair table).
#[derive(Clone, Copy, Default)]
struct Slot {
    key: u128,
    best_count: u32,
    inline_count: u32,
    /// Number of further successors, counted in the level's pair table.
    more: u32,
    best_y: u8,
    inline_y: u8,
}

/// Hashed contexts. The index is open addressing (linear probing) over words holding
/// 32 bits of the key's hash and the context's number; contexts themselves are appended
/// in order of arrival. The index stays small enough for the caches, most lookups of an
/// absent context end there, and adding a context writes sequentially.
pub(crate) struct SparseLevel {
    /// (hash >> 32) << 32 | (context + 1); 0 marks an empty slot
    index: Vec<u64>,
    shift: u32,
    slots: Vec<Slot>,
    /// Counts of every successor after a context's first, keyed by (context, symbol).
    pairs: PairTable,
}

impl SparseLevel {
    fn with_capacity_log2(log2: u32) -> Self {
        SparseLevel {
            index: written_zeros(1 << log2),
            shift: 64 - log2,
            slots: Vec::new(),
            pairs: PairTable::with_capacity_log2(8),
        }
    }

    #[inline]
    fn hash(key: u128) -> u64 {
        let lo = key as u64;
        let hi = (key >> 64) as u64;
        (lo ^ hi.rotate_left(32).wrapping_mul(0xC2B2_AE3D_27D4_EB4F))
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
    }

    /// The index position holding `key`, or the empty one where it would go.
    #[inline]
    fn probe(&self, key: u128) -> (usize, Option<Ctx>) {
        let h = Self::hash(key);
        let tag = h & 0xFFFF_FFFF_0000_0000;
        let mask = self.index.len() - 1;
        let mut i = (h >> self.shift) as usize;
        loop {
            let e = self.index[i];
            if e == 0 {
                return (i, None);
            }
            if e & 0xFFFF_FFFF_0000_0000 == tag {
                let c = (e as u32) - 1;
                if self.slots[c as usize].key == key {
                    return (i, Some(c));
                }
            }
            i = (i + 1) & mask;
        }
    }

    #[inline]
    fn find(&self, key: u128) -> Option<Ctx> {
        self.probe(key).1
    }

    fn find_or_add(&mut self, key: u128) -> Ctx {
        // Grow beyond 4/5 load: 100,000 contexts (the MultiMMC cap) fit in 2^17 slots.
        if 5 * (self.slots.len() + 1) > 4 * self.index.len() {
            self.grow();
        }
        let (at, found) = self.probe(key);
        if let Some(c) = found {
            return c;
        }
        let c = self.slots.len() as Ctx;
        self.slots.push(Slot {
            key,
            ..Slot::default()
        });
        self.index[at] = (Self::hash(key) & 0xFFFF_FFFF_0000_0000) | u64::from(c + 1);
        c
    }

    fn grow(&mut self) {
        let log2 = 64 - self.shift + 1;
        self.index = written_zeros(1 << log2);
        self.shift = 64 - log2;
        let mask = self.index.len() - 1;
        for (c, slot) in self.slots.iter().enumerate() {
            let h = Self::hash(slot.key);
            let mut i = (h >> self.shift) as usize;
            while self.index[i] != 0 {
                i = (i + 1) & mask;
            }
            self.index[i] = (h & 0xFFFF_FFFF_0000_0000) | (c as u64 + 1);
        }
    }

    #[inline]
    fn increment(&mut self, c: usize, y: u8, make_new: bool) -> bool {
        let slot = &mut self.slots[c];
        if slot.inline_count > 0 && slot.inline_y == y {
            slot.inline_count += 1;
            let count = slot.inline_count;
            bump_best(&mut slot.best_count, &mut slot.best_y, count, y);
            return false;
        }
        if slot.inline_count == 0 {
            if !make_new {
                return false;
            }
            slot.inline_y = y;
            slot.inline_count = 1;
            bump_best(&mut slot.best_count, &mut slot.best_y, 1, y);
            return true;
        }
        let pair = (u64::from(c as u32) << 8) | u64::from(y);
        let count = if slot.more > 0 {
            self.pairs.increment(pair, make_new)
        } else if make_new {
            self.pairs.insert_new(pair)
        } else {
            0
        };
        match count {
            0 => false,
            1 => {
                slot.more += 1;
                bump_best(&mut slot.best_count, &mut slot.best_y, 1, y);
                true
            }
            count => {
                bump_best(&mut slot.best_count, &mut slot.best_y, count, y);
                if count > slot.inline_count {
                    let outnumbered = (u64::from(c as u32) << 8) | u64::from(slot.inline_y);
                    self.pairs.replace(pair, outnumbered, slot.inline_count);
                    slot.inline_y = y;
                    slot.inline_count = count;
                }
                false
            }
        }
    }
}

/// Open-addressing map from (context, symbol) pairs to counts.
struct PairTable {
    /// pair + 1; 0 marks an empty slot
    keys: Vec<u64>,
    counts: Vec<u32>,
    len: usize,
    shift: u32,
}

impl PairTable {
    fn with_capacity_log2(log2: u32) -> Self {
        PairTable {
            keys: written_zeros(1 << log2),
            counts: written_zeros(1 << log2),
            len: 0,
            shift: 64 - log2,
        }
    }

    #[inline]
    fn home(&self, pair: u64) -> usize {
        (pair.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    /// Counts one more of `pair`, creating it only when `make_new`. Returns its new count,
    /// or 0 when it was absent and not created.
    #[inline]
    fn increment(&mut self, pair: u64, make_new: bool) -> u32 {
        let mask = self.keys.len() - 1;
        let mut i = self.home(pair);
        loop {
            let k = self.keys[i];
            if k == pair + 1 {
                self.counts[i] += 1;
                return self.counts[i];
            }
            if k == 0 {
                return if make_new { self.insert_new(pair) } else { 0 };
            }
            i = (i + 1) & mask;
        }
    }

    /// Adds `pair`, known to be absent, with count 1. Returns 1.
    fn insert_new(&mut self, pair: u64) -> u32 {
        if 2 * (self.len + 1) > self.keys.len() {
            self.grow();
        }
        let mask = self.keys.len() - 1;
        let mut i = self.home(pair);
        while self.keys[i] != 0 {
            i = (i + 1) & mask;
        }
        self.keys[i] = pair + 1;
        self.counts[i] = 1;
        self.len += 1;
        1
    }

    /// Replaces `pair`, which is present, by `other`, absent, with count `count`.
    fn replace(&mut self, pair: u64, other: u64, count: u32) {
        let mask = self.keys.len() - 1;
        let mut i = self.home(pair);
        while self.keys[i] != pair + 1 {
            debug_assert!(self.keys[i] != 0, "the pair to replace is present");
            i = (i + 1) & mask;
        }
        // Backward-shift deletion: later entries of the run move up into the hole unless
        // their home lies after it, so that every entry stays reachable from its home
        // without tombstones.
        let mut hole = i;
        let mut j = i;
        loop {
            j = (j + 1) & mask;
            let k = self.keys[j];
            if k == 0 {
                break;
            }
            let home = self.home(k - 1);
            if (j.wrapping_sub(home) & mask) >= (j.wrapping_sub(hole) & mask) {
                self.keys[hole] = k;
                self.counts[hole] = self.counts[j];
                hole = j;
            }
        }
        self.keys[hole] = 0;
        self.counts[hole] = 0;
        let mut i = self.home(other);
        while self.keys[i] != 0 {
            debug_assert!(self.keys[i] != other + 1, "the replacing pair is absent");
            i = (i + 1) & mask;
        }
        self.keys[i] = other + 1;
        self.counts[i] = count;
    }

    fn grow(&mut self) {
        let log2 = 64 - self.shift + 1;
        let keys = std::mem::replace(&mut self.keys, written_zeros(1 << log2));
        let counts = std::mem::replace(&mut self.counts, written_zeros(1 << log2));
        self.shift = 64 - log2;
        let mask = self.keys.len() - 1;
        for (k, c) in keys.into_iter().zip(counts).filter(|(k, _)| *k != 0) {
            let mut i = self.home(k - 1);
            while self.keys[i] != 0 {
                i = (i + 1) & mask;
            }
            self.keys[i] = k;
            self.counts[i] = c;
        }
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
    fn written_zeros_are_zeros_of_the_length_asked() {
        assert!(written_zeros::<u64>(0).is_empty());
        let pairs: Vec<[u32; 2]> = written_zeros(3 * 512 + 7);
        assert_eq!(pairs.len(), 3 * 512 + 7);
        assert!(pairs.iter().all(|&p| p == [0, 0]));
        let bytes: Vec<u8> = written_zeros(10_000);
        assert_eq!(bytes.len(), 10_000);
        assert!(bytes.iter().all(|&b| b == 0));
    }

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

    /// The count of `pair` in a pair table, found by probing as a lookup does.
    fn pair_count(t: &PairTable, pair: u64) -> u32 {
        let mask = t.keys.len() - 1;
        let mut i = t.home(pair);
        loop {
            match t.keys[i] {
                0 => return 0,
                k if k == pair + 1 => return t.counts[i],
                _ => i = (i + 1) & mask,
            }
        }
    }

    #[test]
    fn pair_table_replace_keeps_every_pair_reachable() {
        // Pairs whose homes crowd the last and first slots of a table that never grows:
        // one run of collisions wrapping around the end, where a wrong backward shift
        // strands an entry behind a hole.
        let mut t = PairTable::with_capacity_log2(6);
        let mask = t.keys.len() - 1;
        let keys: Vec<u64> = (0..100_000u64)
            .filter(|&k| (t.home(k) + 3) & mask < 6)
            .take(32)
            .collect();
        assert_eq!(keys.len(), 32);
        let mut rng = crate::rng::Rng::new(14, 0);
        let mut model = std::collections::HashMap::<u64, u32>::new();
        let mut replaced = 0;
        for step in 0..20_000 {
            let pair = keys[(rng.next_u64() % 32) as usize];
            if model.contains_key(&pair) && step % 3 == 0 {
                // Replace it by an absent pair, as an inline successor's trade does.
                let start = rng.next_u64() as usize;
                let other = (0..32)
                    .map(|k| keys[(start + k) % 32])
                    .find(|k| !model.contains_key(k));
                if let Some(other) = other {
                    let count = rng.next_u64() as u32 % 1000 + 1;
                    t.replace(pair, other, count);
                    model.remove(&pair);
                    model.insert(other, count);
                    replaced += 1;
                }
            } else if model.len() < 24 || model.contains_key(&pair) {
                let count = t.increment(pair, true);
                let expected = model.entry(pair).or_insert(0);
                *expected += 1;
                assert_eq!(count, *expected);
            }
            assert_eq!(t.keys.len(), mask + 1, "the table never grows here");
            assert_eq!(t.len, model.len());
            for &k in &keys {
                let expected = model.get(&k).copied().unwrap_or(0);
                assert_eq!(pair_count(&t, k), expected, "pair {k} after step {step}");
            }
        }
        assert!(replaced > 1_000, "only {replaced} replacements");
    }

    #[test]
    fn the_most_frequent_successor_moves_inline_and_counts_stay_exact() {
        let mut rng = crate::rng::Rng::new(15, 0);
        let mut level = SparseLevel::with_capacity_log2(10);
        let contexts: Vec<usize> = (0..20u128)
            .map(|k| level.find_or_add(k * 0x1_0001) as usize)
            .collect();
        let mut model = vec![[0u32; 256]; contexts.len()];
        let mut trades = 0;
        for step in 0..60_000u64 {
            let which = (rng.next_u64() % contexts.len() as u64) as usize;
            let c = contexts[which];
            // Successors drift: each context's usual one changes every 2,000 steps, and
            // rarer ones come in between, so inline successors are outnumbered often.
            let r = rng.next_u64();
            let y = if r % 4 == 0 {
                (r >> 8) as u8
            } else {
                (which as u64 * 7 + step / 2_000) as u8
            };
            let before = level.slots[c].inline_y;
            let created = level.increment(c, y, true);
            model[which][usize::from(y)] += 1;
            assert_eq!(created, model[which][usize::from(y)] == 1);
            let slot = level.slots[c];
            trades += usize::from(slot.inline_y != before);
            for (v, &n) in model[which].iter().enumerate() {
                let held = if slot.inline_y as usize == v {
                    slot.inline_count
                } else {
                    pair_count(&level.pairs, ((c as u64) << 8) | v as u64)
                };
                assert_eq!(held, n, "context {which}, successor {v}");
            }
            // Ties go to the larger symbol.
            let best = (0..256).max_by_key(|&v| (model[which][v], v)).unwrap_or(0);
            assert_eq!(
                (slot.best_y, slot.best_count),
                (best as u8, model[which][best])
            );
            // No successor in the pair table outnumbers the inline one.
            assert_eq!(slot.inline_count, model[which][best]);
        }
        assert!(trades > 50, "only {trades} trades");
    }
}
