//! How libbz2 cuts its input into blocks: the initial run-length coding (runs of 4 to 255
//! equal bytes become the 4 bytes and a count byte) and the block limit of
//! `100000 * level - 19` bytes.
//!
//! This follows libbz2's input state machine exactly, since block boundaries change the
//! compressed length: a run is written to the block only when the next, different byte
//! arrives, a block closes once it holds at least the limit, and the pending run then opens
//! the next block, except at the end of the input, where it joins the last block.

/// One block as libbz2 sorts it: the bytes after the initial run-length coding.
pub struct Block {
    /// Block contents.
    pub bytes: Vec<u8>,
    /// Which byte values occur (they form the block's symbol map).
    pub in_use: [bool; 256],
}

/// Calls `f` on each block libbz2 forms from `input` at block size `level` (clamped to
/// 1..=9), in order, reusing one buffer, when all input is given at once with `BZ_FINISH`.
/// Empty input has no block.
pub fn for_each_block(input: &[u8], level: u32, mut f: impl FnMut(&Block)) {
    let limit = 100_000 * level.clamp(1, 9) as usize - 19;
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
        for_each_block(input, level, |b| out.push(b.bytes.clone()));
        out
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
        super::for_each_block(b"aaaaaab", 9, |b| seen.push(b.bytes.clone()));
        assert_eq!(seen, vec![vec![b'a', b'a', b'a', b'a', 2, b'b']]);
    }
}
