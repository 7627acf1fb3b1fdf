//! How libbz2 cuts its input into blocks: the initial run-length coding (runs of 4 to 255
//! equal bytes become the 4 bytes and a count byte) and the block limit of
//! `100000 * level - 19` bytes.
//!
//! This follows libbz2's input state machine exactly, since block boundaries change the
//! compressed length: a run is written to the block only when the next, different byte
//! arrives, a block closes once it holds at least the limit, and the pending run then opens
//! the next block, except at the end of the input, where it joins the last block.

/// libbz2's block limit at block size `level` (clamped to 1..=9): a block closes once it
/// holds at least this many bytes.
pub fn limit(level: u32) -> usize {
    100_000 * level.clamp(1, 9) as usize - 19
}

/// One block as libbz2 sorts it: the bytes after the initial run-length coding.
pub struct Block {
    /// Block contents.
    pub bytes: Vec<u8>,
    /// Which byte values occur (they form the block's symbol map).
    pub in_use: [bool; 256],
}

/// Calls `f` on each block libbz2 forms from `input` with a block limit of `limit` bytes
/// ([`limit`] of the block size; at least 1: tests also cut small inputs into many blocks),
/// in order, reusing one buffer, when all input is given at once with `BZ_FINISH`. Empty
/// input has no block.
pub fn for_each_block(input: &[u8], limit: usize, mut f: impl FnMut(&Block)) {
    let limit = limit.max(1);
    if !has_run_of_four(input) {
        return for_each_verbatim_block(input, limit, f);
    }
    let mut rl = RunState::default();
    let mut block = Block::new(limit);
    let mut pos = 0;
    loop {
        while block.bytes.len() < limit && pos < input.len() {
            rl.add(input[pos], &mut block);
            pos += 1;
        }
        if pos == input.len() {
            rl.flush(&mut block);
            if !block.bytes.is_empty() {
                f(&block);
            }
            return;
        }
        f(&block);
        block.bytes.clear();
        block.in_use = [false; 256];
    }
}

/// Whether `input` holds four equal bytes in a row (the shortest run the initial
/// run-length coding changes).
fn has_run_of_four(input: &[u8]) -> bool {
    let n = input.len();
    if n < 4 {
        return false;
    }
    let (a, b, c, d) = (
        &input[..n - 3],
        &input[1..n - 2],
        &input[2..n - 1],
        &input[3..],
    );
    // Branch-free over chunks (vectorises), stopping at the first chunk with a run.
    const CHUNK: usize = 4096;
    (0..a.len()).step_by(CHUNK).any(|lo| {
        let hi = (lo + CHUNK).min(a.len());
        a[lo..hi]
            .iter()
            .zip(&b[lo..hi])
            .zip(&c[lo..hi])
            .zip(&d[lo..hi])
            .fold(false, |acc, (((w, x), y), z)| {
                acc | ((w == x) & (x == y) & (y == z))
            })
    })
}

/// [`for_each_block`] for input without runs of four (decimal text never has one): the
/// run-length coding then copies every byte, and libbz2's state machine reduces to this.
/// A run is written when the next, different byte arrives, and the block closes once it
/// holds at least `limit` bytes: so it ends with the run holding its `limit`-th byte. The
/// run that follows then opens the next block, except when it is the input's last byte,
/// which joins this block.
fn for_each_verbatim_block(input: &[u8], limit: usize, mut f: impl FnMut(&Block)) {
    let n = input.len();
    let mut block = Block::new(limit);
    let mut start = 0;
    while start < n {
        let mut end = n;
        if start + limit < n {
            let last = start + limit - 1;
            end = last + 1;
            while end < n && input[end] == input[last] {
                end += 1;
            }
            if end + 1 == n {
                end = n;
            }
        }
        block.bytes.clear();
        block.bytes.extend_from_slice(&input[start..end]);
        let mut seen = [0u32; 256];
        for &b in &block.bytes {
            seen[usize::from(b)] += 1;
        }
        for (u, &c) in block.in_use.iter_mut().zip(&seen) {
            *u = c > 0;
        }
        f(&block);
        start = end;
    }
}

impl Block {
    fn new(limit: usize) -> Block {
        Block {
            bytes: Vec::with_capacity(limit + 260),
            in_use: [false; 256],
        }
    }

    fn put_run(&mut self, ch: u8, len: u32) {
        self.in_use[usize::from(ch)] = true;
        for _ in 0..len.min(4) {
            self.bytes.push(ch);
        }
        if len >= 4 {
            let count = (len - 4) as u8;
            self.in_use[usize::from(count)] = true;
            self.bytes.push(count);
        }
    }
}

/// The run being read: its byte (`None` before the first) and length.
#[derive(Default)]
struct RunState {
    ch: Option<u8>,
    len: u32,
}

impl RunState {
    fn add(&mut self, c: u8, block: &mut Block) {
        match self.ch {
            Some(ch) if ch == c && self.len < 255 => self.len += 1,
            _ => {
                self.flush(block);
                self.ch = Some(c);
                self.len = 1;
            }
        }
    }

    fn flush(&mut self, block: &mut Block) {
        if let Some(ch) = self.ch.take() {
            block.put_run(ch, self.len);
        }
        self.len = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocks(input: &[u8], level: u32) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for_each_block(input, limit(level), |b| out.push(b.bytes.clone()));
        out
    }

    /// libbz2's state machine byte by byte, whatever the input.
    fn blocks_by_state_machine(input: &[u8], level: u32) -> Vec<(Vec<u8>, [bool; 256])> {
        let limit = 100_000 * level as usize - 19;
        let mut out = Vec::new();
        let mut rl = RunState::default();
        let mut block = Block::new(limit);
        let mut pos = 0;
        loop {
            while block.bytes.len() < limit && pos < input.len() {
                rl.add(input[pos], &mut block);
                pos += 1;
            }
            if pos == input.len() {
                rl.flush(&mut block);
                if !block.bytes.is_empty() {
                    out.push((block.bytes.clone(), block.in_use));
                }
                return out;
            }
            out.push((block.bytes.clone(), block.in_use));
            block.bytes.clear();
            block.in_use = [false; 256];
        }
    }

    fn blocks_with_use(input: &[u8], level: u32) -> Vec<(Vec<u8>, [bool; 256])> {
        let mut out = Vec::new();
        for_each_block(input, limit(level), |b| {
            out.push((b.bytes.clone(), b.in_use))
        });
        out
    }

    #[test]
    fn verbatim_cutting_equals_the_state_machine_at_every_cut() {
        // Runs of one to three bytes placed at, before and after each cut, and inputs that
        // end one, two and three bytes past a cut.
        let limit = 100_000 - 19;
        for shift in 0..8usize {
            for tail in 0..6usize {
                let mut data: Vec<u8> = (0..limit - 4 + shift).map(|i| (i % 7) as u8).collect();
                data.extend([9, 9, 9, 1, 1, 2, 3, 3, 3, 4]);
                data.extend((0..limit + tail).map(|i| (i % 5) as u8 + 10));
                for end in [data.len(), limit + shift, limit + 1 + shift, limit + 2] {
                    let d = &data[..end.min(data.len())];
                    assert!(!has_run_of_four(d));
                    assert_eq!(blocks_with_use(d, 1), blocks_by_state_machine(d, 1));
                }
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn any_input_cuts_as_the_state_machine(
            runs in proptest::collection::vec((1u8..4, 1usize..4), 1..400),
            long_run_at in proptest::option::of(0usize..400),
            level in 1u32..=2,
        ) {
            // Runs of one to three bytes, each byte unlike the one before (so runs stay
            // short and the verbatim path runs), optionally one run of four or more (the
            // state machine runs), repeated past one or two blocks.
            let mut data: Vec<u8> = Vec::new();
            let mut b = 0u8;
            while data.len() < 230_000 {
                for (k, &(step, len)) in runs.iter().enumerate() {
                    b = (b + step) % 4;
                    let len = if long_run_at == Some(k) { len + 3 } else { len };
                    data.extend(std::iter::repeat_n(b, len));
                }
            }
            proptest::prop_assert_eq!(has_run_of_four(&data), long_run_at.is_some_and(|k| k < runs.len()));
            proptest::prop_assert_eq!(blocks_with_use(&data, level), blocks_by_state_machine(&data, level));
        }
    }

    #[test]
    fn long_runs_split_at_255() {
        let b = blocks(&[7u8; 300], 9);
        // 255 -> 7 7 7 7 251, then 45 -> 7 7 7 7 41.
        assert_eq!(b[0], vec![7, 7, 7, 7, 251, 7, 7, 7, 7, 41]);
    }

    #[test]
    fn blocks_close_at_the_limit_on_whole_runs() {
        let limit = 100_000 - 19;
        // Single bytes: the block closes at exactly the limit.
        let text: Vec<u8> = (0..250_000u32).map(|i| (i % 3) as u8).collect();
        let b = blocks(&text, 1);
        assert_eq!(b.len(), 3);
        assert_eq!(b[0].len(), limit);
        assert_eq!(b[0][..], text[..limit]);
        assert_eq!(b.iter().map(|b| b.len()).sum::<usize>(), text.len());
        // Pairs: a run is never split, so a block may pass the limit by one.
        let text: Vec<u8> = (0..250_000u32).map(|i| (i / 2 % 3) as u8).collect();
        let b = blocks(&text, 1);
        assert_eq!(b[0].len(), limit + 1);
        // The last byte, pending when the block fills, joins the last block.
        let text: Vec<u8> = (0..=limit as u32).map(|i| (i % 3) as u8).collect();
        let b = blocks(&text, 1);
        assert_eq!((b.len(), b[0].len()), (1, limit + 1));
        assert!(blocks(b"", 1).is_empty());
    }
}

#[cfg(test)]
mod example {
    #[test]
    fn a_run_of_six() {
        // "aaaaaa": a run of 6 is written as 4 bytes and the count 2.
        let mut seen = Vec::new();
        super::for_each_block(b"aaaaaab", super::limit(9), |b| seen.push(b.bytes.clone()));
        assert_eq!(seen, vec![vec![b'a', b'a', b'a', b'a', 2, b'b']]);
    }
}
