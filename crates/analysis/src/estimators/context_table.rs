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

/// The contexts of one length.
pub(crate) enum Level {
    /// Every possible context has a slot; a context exists once it has a count.
    Dense(DenseLevel),
    /// Only the contexts seen are stored.
    Sparse(SparseLevel),
}

impl Level {
    /// A level for contexts of `len` symbols of `bits` bits each.
    pub(crate) fn new(len: u32, bits: u32) -> Level {
        let key_bits = len * bits;
        if key_bits + bits <= DENSE_LIMIT_LOG2 {
            Level::Dense(DenseLevel::new(key_bits, bits))
        } else {
            Level::Sparse(SparseLevel::new())
        }
    }

    /// The context with this key, if it has been added.
    #[inline]
    pub(crate) fn find(&self, key: u128) -> Option<Ctx> {
        match self {
            Level::Dense(d) => {
                let c = key as usize;
                (d.best_count[c] > 0).then_some(c as Ctx)
            }
            Level::Sparse(s) => s.index.get(key),
        }
    }

    /// The predicted symbol of a context and how often it followed it.
    #[inline]
    pub(crate) fn predict(&self, ctx: Ctx) -> (u8, u32) {
        let c = ctx as usize;
        match self {
            Level::Dense(d) => (d.best_y[c], d.best_count[c]),
            Level::Sparse(s) => (s.best_y[c], s.best_count[c]),
        }
    }

    /// Counts one more `y` after `ctx`. A pair never seen before is created only when
    /// `make_new`; returns whether it was created.
    #[inline]
    pub(crate) fn increment(&mut self, ctx: Ctx, y: u8, make_new: bool) -> bool {
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
    pub(crate) fn find_or_add(&mut self, key: u128) -> Ctx {
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

/// One successor count, chained per context.
#[derive(Clone, Copy)]
struct Node {
    next: u32,
    count: u32,
    y: u8,
}

const NIL: u32 = u32::MAX;

/// Hashed contexts with chained successor counts.
pub(crate) struct SparseLevel {
    index: KeyTable,
    best_count: Vec<u32>,
    best_y: Vec<u8>,
    head: Vec<u32>,
    nodes: Vec<Node>,
}

impl SparseLevel {
    fn new() -> Self {
        SparseLevel {
            index: KeyTable::with_capacity_log2(10),
            best_count: Vec::new(),
            best_y: Vec::new(),
            head: Vec::new(),
            nodes: Vec::new(),
        }
    }

    fn find_or_add(&mut self, key: u128) -> Ctx {
        let next = self.head.len() as Ctx;
        let ctx = self.index.get_or_insert(key, next);
        if ctx == next {
            self.best_count.push(0);
            self.best_y.push(0);
            self.head.push(NIL);
        }
        ctx
    }

    fn increment(&mut self, c: usize, y: u8, make_new: bool) -> bool {
        let mut at = self.head[c];
        while at != NIL {
            let node = &mut self.nodes[at as usize];
            if node.y == y {
                node.count += 1;
                let count = node.count;
                bump_best(&mut self.best_count[c], &mut self.best_y[c], count, y);
                return false;
            }
            at = node.next;
        }
        if !make_new {
            return false;
        }
        self.nodes.push(Node {
            next: self.head[c],
            count: 1,
            y,
        });
        self.head[c] = (self.nodes.len() - 1) as u32;
        bump_best(&mut self.best_count[c], &mut self.best_y[c], 1, y);
        true
    }
}

/// Open-addressing map from packed context keys to context indices.
struct KeyTable {
    keys: Vec<u128>,
    /// index + 1; 0 marks an empty slot
    vals: Vec<u32>,
    len: usize,
    shift: u32,
}

impl KeyTable {
    fn with_capacity_log2(log2: u32) -> Self {
        KeyTable {
            keys: vec![0; 1 << log2],
            vals: vec![0; 1 << log2],
            len: 0,
            shift: 64 - log2,
        }
    }

    #[inline]
    fn slot_of(&self, key: u128) -> usize {
        let lo = key as u64;
        let hi = (key >> 64) as u64;
        let h = (lo ^ hi.rotate_left(32).wrapping_mul(0xC2B2_AE3D_27D4_EB4F))
            .wrapping_mul(0x9E37_79B9_7F4A_7C15);
        (h >> self.shift) as usize
    }

    #[inline]
    fn get(&self, key: u128) -> Option<Ctx> {
        let mask = self.keys.len() - 1;
        let mut i = self.slot_of(key);
        loop {
            let v = self.vals[i];
            if v == 0 {
                return None;
            }
            if self.keys[i] == key {
                return Some(v - 1);
            }
            i = (i + 1) & mask;
        }
    }

    /// The value stored for `key`, or `value` after storing it.
    fn get_or_insert(&mut self, key: u128, value: Ctx) -> Ctx {
        if 2 * (self.len + 1) > self.keys.len() {
            self.grow();
        }
        let mask = self.keys.len() - 1;
        let mut i = self.slot_of(key);
        loop {
            let v = self.vals[i];
            if v == 0 {
                self.keys[i] = key;
                self.vals[i] = value + 1;
                self.len += 1;
                return value;
            }
            if self.keys[i] == key {
                return v - 1;
            }
            i = (i + 1) & mask;
        }
    }

    fn grow(&mut self) {
        let log2 = 64 - self.shift + 1;
        let mut bigger = KeyTable::with_capacity_log2(log2);
        for (&k, &v) in self.keys.iter().zip(&self.vals) {
            if v != 0 {
                bigger.get_or_insert(k, v - 1);
            }
        }
        *self = bigger;
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
        let mut dense = Level::new(2, 4);
        assert!(matches!(dense, Level::Dense(_)));
        exercise(&mut dense);
        let mut sparse = Level::new(3, 8);
        assert!(matches!(sparse, Level::Sparse(_)));
        exercise(&mut sparse);
    }

    #[test]
    fn key_table_grows_and_keeps_entries() {
        let mut t = KeyTable::with_capacity_log2(2);
        for k in 0..10_000u128 {
            let key = k * 0x1_0000_0000_0000_0001 + (k << 100);
            assert_eq!(t.get_or_insert(key, k as u32), k as u32);
        }
        for k in 0..10_000u128 {
            let key = k * 0x1_0000_0000_0000_0001 + (k << 100);
            assert_eq!(t.get(key), Some(k as u32));
        }
        assert_eq!(t.get(u128::MAX), None);
    }
}
