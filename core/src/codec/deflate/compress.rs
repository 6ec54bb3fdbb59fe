//! The deflate compressor (RFC 1951) whose whole state lives in caller memory:
//! [`EncoderState`], sized by its window and hash table.
//!
//! It is zlib's design, written in safe Rust with no allocation:
//!
//! - input is copied into a window of `2 * WINDOW` bytes; strings of 3 bytes are found
//!   through a hash table (`HASH` heads) and chains (`WINDOW` links), both `u16`;
//!   when the window is full its upper half slides down;
//! - levels follow zlib's configuration table (greedy matching at 1-3, lazy matching
//!   at 4-9, with chain limits; 10 searches longer chains; 0 writes stored blocks);
//! - symbols wait in a buffer of `WINDOW` `u16` (a literal takes one, a match two);
//!   when it fills, the block is written as dynamic Huffman (length-limited codes of at
//!   most 15 bits, code-length codes of at most 7), fixed Huffman or stored, whichever
//!   is smallest. A block never outgrows its stored size, and its bytes are still in
//!   the window when it is written (a block ends before the window slides past it);
//! - blocks are written through a 64-bit bit buffer into the caller's output, and the
//!   writer stops at any symbol when the output is full and resumes there.
//!
//! The bytes written do not depend on how input and output are cut: the matcher runs
//! only while 262 bytes of lookahead are buffered, or when the stream is finished.

use core::fmt;

/// The shortest match.
const MIN_MATCH: usize = 3;
/// The longest match.
const MAX_MATCH: usize = 258;
/// Lookahead the matcher needs before it looks at a position (zlib's MIN_LOOKAHEAD).
const MIN_LOOKAHEAD: usize = MAX_MATCH + MIN_MATCH + 1;
/// Matches of length 3 farther than this are not worth it (zlib's TOO_FAR).
const TOO_FAR: usize = 4096;
/// Literal/length symbols, distance symbols, code-length symbols.
const L_CODES: usize = 286;
const D_CODES: usize = 30;
const BL_CODES: usize = 19;
const END_BLOCK: usize = 256;
/// The longest code, and the longest code-length code.
const MAX_BITS: u32 = 15;
const MAX_BL_BITS: u32 = 7;
/// Bytes of one stored block at most.
const MAX_STORED: usize = 65_535;
/// The order in which code-length code lengths are sent.
const BL_ORDER: [u8; BL_CODES] = [
    16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
];
/// A match in the symbol buffer: this bit set, then `length - 3`; the next entry is
/// `distance - 1`.
const MATCH_FLAG: u16 = 0x8000;

const LEN_BASE: [u16; 29] = [
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131,
    163, 195, 227, 258,
];
const LEN_EXTRA: [u8; 29] = [
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
const DIST_BASE: [u16; D_CODES] = [
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
    2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
];
const DIST_EXTRA: [u8; D_CODES] = [
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13,
    13,
];

/// The length code (0 to 28) of `length - 3` (0 to 255).
const LEN_CODE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut code = 0;
    while code < 29 {
        let mut l = LEN_BASE[code] as usize - 3;
        let end = if code == 28 {
            256
        } else {
            LEN_BASE[code + 1] as usize - 3
        };
        while l < end {
            t[l] = code as u8;
            l += 1;
        }
        code += 1;
    }
    // 258 has its own code, not 284's last value.
    t[255] = 28;
    t
};

/// The distance code of `distance - 1`: entries 0..256 for distances 1 to 256, then
/// 256 + ((distance - 1) >> 7) (zlib's `_dist_code`).
const DIST_CODE: [u8; 512] = {
    let mut t = [0u8; 512];
    let mut code = 0;
    while code < D_CODES {
        let mut d = DIST_BASE[code] as usize - 1;
        let end = if code == D_CODES - 1 {
            32768
        } else {
            DIST_BASE[code + 1] as usize - 1
        };
        while d < end {
            if d < 256 {
                t[d] = code as u8;
            } else {
                t[256 + (d >> 7)] = code as u8;
            }
            d += 1;
        }
        code += 1;
    }
    t
};

fn dist_code(d: usize) -> usize {
    let i = if d < 256 { d } else { 256 + (d >> 7) };
    usize::from(DIST_CODE[i & 511])
}

/// `code` with its low `len` bits reversed (deflate sends Huffman codes from the top).
const fn reverse(code: u16, len: u8) -> u16 {
    if len == 0 {
        return 0;
    }
    code.reverse_bits() >> (16 - len as u32)
}

/// Canonical codes (bit-reversed) for `lens`.
const fn canonical(lens: &[u8], codes: &mut [u16]) {
    let mut count = [0u16; 16];
    let mut i = 0;
    while i < lens.len() {
        count[(lens[i] & 15) as usize] += 1;
        i += 1;
    }
    count[0] = 0;
    let mut next = [0u16; 16];
    let mut code = 0u16;
    let mut bits = 1;
    while bits < 16 {
        code = (code + count[bits - 1]) << 1;
        next[bits] = code;
        bits += 1;
    }
    let mut s = 0;
    while s < lens.len() && s < codes.len() {
        let len = lens[s] & 15;
        if len != 0 {
            codes[s] = reverse(next[len as usize], len);
            next[len as usize] = next[len as usize].wrapping_add(1);
        } else {
            codes[s] = 0;
        }
        s += 1;
    }
}

const FIXED_LIT_LEN: [u8; 288] = {
    let mut t = [8u8; 288];
    let mut i = 144;
    while i < 256 {
        t[i] = 9;
        i += 1;
    }
    while i < 280 {
        t[i] = 7;
        i += 1;
    }
    t
};
const FIXED_LIT_CODE: [u16; 288] = {
    let mut t = [0u16; 288];
    canonical(&FIXED_LIT_LEN, &mut t);
    t
};
const FIXED_DIST_LEN: [u8; D_CODES] = [5; D_CODES];
const FIXED_DIST_CODE: [u16; D_CODES] = {
    let mut t = [0u16; D_CODES];
    let mut i = 0;
    while i < D_CODES {
        t[i] = reverse(i as u16, 5);
        i += 1;
    }
    t
};

/// One row of zlib's configuration table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Config {
    /// Reduce the chain search when the previous match is this long.
    good: u16,
    /// Lazy levels: do not look for a better match after one this long. Greedy
    /// levels: insert the strings of matches up to this long only.
    lazy: u16,
    /// Stop the search at a match this long.
    nice: u16,
    /// Chain links followed at most.
    chain: u16,
    /// Lazy matching (levels 4 and up).
    slow: bool,
}

const fn config(level: u8) -> Config {
    let (good, lazy, nice, chain, slow) = match level {
        0 => (0, 0, 0, 0, false),
        1 => (4, 4, 8, 4, false),
        2 => (4, 5, 16, 8, false),
        3 => (4, 6, 32, 32, false),
        4 => (4, 4, 16, 16, true),
        5 => (8, 16, 32, 32, true),
        6 => (8, 16, 128, 128, true),
        7 => (8, 32, 128, 256, true),
        8 => (32, 128, 258, 1024, true),
        9 => (32, 258, 258, 4096, true),
        _ => (32, 258, 258, 32768, true),
    };
    Config {
        good,
        lazy,
        nice,
        chain,
        slow,
    }
}

/// The kind of the block being written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Stored,
    Fixed,
    Dynamic,
}

/// What the block writer does next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Emit {
    /// No block is being written.
    Idle,
    /// The block header (and for a dynamic block the counts HLIT, HDIST, HCLEN).
    Header,
    /// Code-length code lengths, `pos` of them written.
    CodeLens,
    /// The run-length coded code lengths, `pos` items written.
    Lens,
    /// Symbols, from `pos` in the symbol buffer.
    Symbols,
    /// The end-of-block code.
    EndOfBlock,
    /// A stored block's header (`pos` bytes of the block are written).
    StoredHeader,
    /// A stored block's bytes (`pos` of them written).
    StoredBytes,
    /// The final block is written: pad to a byte and drain the bit buffer.
    Tail,
    /// The stream is complete.
    Done,
}

/// Where a sync flush ([`EncoderState::sync_flush`]) is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sync {
    /// No flush under way (0: the all-zero state).
    None,
    /// The input taken so far is being compressed and its blocks written.
    Blocks,
    /// The empty stored block that marks the flush is next.
    Marker,
    /// The marker is being written; the flush is over once it is out.
    Ending,
}

/// What [`EncoderState::compress`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Step {
    /// Input bytes taken.
    pub(super) consumed: usize,
    /// Output bytes written.
    pub(super) produced: usize,
    /// The stream is complete (only when finishing).
    pub(super) done: bool,
}

/// The memory of the deflate compressor: a window of `2 * WINDOW` bytes, a hash table
/// of `HASH` heads, `WINDOW` chain links, a symbol buffer of `WINDOW` entries and the
/// Huffman scratch (about 5 KB); nothing of it is allocated and nothing large goes on
/// the stack.
///
/// `WINDOW` is the largest match distance, a power of two from 1024 to 32768 (the
/// deflate maximum and the default); `HASH` the number of hash heads, a power of two
/// from 256 to 65536 (default 32768, zlib's `memLevel` 8 at 32 KiB). Other values fail
/// to compile. Memory is `6 * WINDOW + 2 * HASH` bytes plus 5,416 of Huffman scratch
/// and counters (on a 64-bit host; 32-bit targets a few bytes less):
///
/// | `WINDOW` | `HASH` | bytes |
/// |---|---|---|
/// | 32768 | 32768 | 267,560 |
/// | 16384 | 16384 | 136,488 |
/// | 8192 | 8192 | 70,952 |
/// | 4096 | 4096 | 38,184 |
/// | 2048 | 2048 | 21,800 |
/// | 1024 | 1024 | 13,608 |
///
/// [`new`](Self::new) is a `const fn` giving an all-zero value, so a `static` state
/// takes no flash and no boot copy (`.bss`), and is built at compile time; a value
/// built at run time (`Box::new(EncoderState::new())`) may pass through the stack
/// first, as any Rust value, so on a small stack prefer a `static` (a
/// [`ValuePool`](crate::pool::ValuePool) of states, or a `Mutex`). A deflate stream
/// written with a smaller window is read by any inflater; the zlib header states the
/// window used.
///
/// The matcher's deepest stack is about 1 KB on thumbv7em (all scratch is here).
///
/// ```
/// use bufpress::codec::deflate::{self, EncoderState, Format};
/// use bufpress::pool::Pool;
///
/// // 4 KiB window, 4096 hash heads: 38 KB.
/// let mut state = Box::new(EncoderState::<4096, 4096>::new());
/// static OUT: Pool<1, 1024> = Pool::new();
/// let mut out = OUT.try_acquire()?;
/// let log = b"temp=21.5 hum=40 temp=21.6 hum=41 temp=21.5 hum=40\n".repeat(8);
/// let n = deflate::compress_into(&log, &mut out, Format::Gzip, 6, &mut state)?;
/// assert!(n < log.len() / 4);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct EncoderState<const WINDOW: usize = 32768, const HASH: usize = 32768> {
    window: [[u8; WINDOW]; 2],
    prev: [u16; WINDOW],
    head: [u16; HASH],
    /// Pending symbols (see [`MATCH_FLAG`]).
    syms: [u16; WINDOW],
    sym_len: usize,
    lit_freq: [u32; L_CODES],
    dist_freq: [u32; D_CODES],
    bl_freq: [u32; BL_CODES],
    lit_len: [u8; L_CODES],
    dist_len: [u8; D_CODES],
    bl_len: [u8; BL_CODES],
    lit_code: [u16; L_CODES],
    dist_code: [u16; D_CODES],
    bl_code: [u16; BL_CODES],
    /// Huffman scratch: symbols sorted by frequency, and the lengths being built.
    sort: [u32; L_CODES],
    depth: [u32; L_CODES],
    /// The run-length coded code lengths: symbol, extra bits.
    rle: [[u8; 2]; L_CODES + D_CODES],
    rle_len: usize,
    hlit: usize,
    hdist: usize,
    hclen: usize,

    level: u8,
    cfg: Config,
    strstart: usize,
    lookahead: usize,
    block_start: usize,
    match_length: usize,
    match_start: usize,
    prev_length: usize,
    prev_match: usize,
    match_available: bool,

    bits: u64,
    bit_count: u32,
    emit: Emit,
    kind: Kind,
    last: bool,
    pos: usize,
    /// The bytes of the block being written: `window[lo..hi]`.
    lo: usize,
    hi: usize,
    sync: Sync,
}

impl<const WINDOW: usize, const HASH: usize> EncoderState<WINDOW, HASH> {
    const CHECK: () = {
        assert!(
            WINDOW.is_power_of_two() && WINDOW >= 1024 && WINDOW <= 32768,
            "WINDOW must be a power of two from 1024 to 32768"
        );
        assert!(
            HASH.is_power_of_two() && HASH >= 256 && HASH <= 65536,
            "HASH must be a power of two from 256 to 65536"
        );
    };
    const WMASK: usize = WINDOW - 1;
    const HASH_SHIFT: u32 = 32 - HASH.trailing_zeros();
    /// The farthest match (zlib's MAX_DIST).
    const MAX_DIST: usize = WINDOW - MIN_LOOKAHEAD;
    /// The matcher stops and the window slides when `strstart` reaches this (at the
    /// same positions however the input is cut, so the output does not depend on it).
    const SLIDE_AT: usize = WINDOW + Self::MAX_DIST;

    /// An all-zero state (level 0 until a stream starts); `const`, so a `static` one
    /// lands in `.bss`.
    #[allow(clippy::let_unit_value)]
    pub const fn new() -> Self {
        let () = Self::CHECK;
        Self {
            window: [[0; WINDOW]; 2],
            prev: [0; WINDOW],
            head: [0; HASH],
            syms: [0; WINDOW],
            sym_len: 0,
            lit_freq: [0; L_CODES],
            dist_freq: [0; D_CODES],
            bl_freq: [0; BL_CODES],
            lit_len: [0; L_CODES],
            dist_len: [0; D_CODES],
            bl_len: [0; BL_CODES],
            lit_code: [0; L_CODES],
            dist_code: [0; D_CODES],
            bl_code: [0; BL_CODES],
            sort: [0; L_CODES],
            depth: [0; L_CODES],
            rle: [[0; 2]; L_CODES + D_CODES],
            rle_len: 0,
            hlit: 0,
            hdist: 0,
            hclen: 0,
            level: 0,
            cfg: config(0),
            strstart: 0,
            lookahead: 0,
            block_start: 0,
            match_length: 0,
            match_start: 0,
            prev_length: 0,
            prev_match: 0,
            match_available: false,
            bits: 0,
            bit_count: 0,
            emit: Emit::Idle,
            kind: Kind::Stored,
            last: false,
            pos: 0,
            lo: 0,
            hi: 0,
            sync: Sync::None,
        }
    }

    /// The window size (largest match distance).
    pub const fn window(&self) -> usize {
        WINDOW
    }

    /// Makes the state ready for a new raw deflate stream at `level` (0 to 10; higher
    /// values act as 10). Clears the hash heads (`2 * HASH` bytes); the rest needs no
    /// clearing.
    pub(super) fn start(&mut self, level: u8) {
        self.head.fill(0);
        self.level = level;
        self.cfg = config(level);
        self.sym_len = 0;
        self.lit_freq.fill(0);
        self.dist_freq.fill(0);
        self.strstart = 0;
        self.lookahead = 0;
        self.block_start = 0;
        self.match_length = MIN_MATCH - 1;
        self.match_start = 0;
        self.prev_length = MIN_MATCH - 1;
        self.prev_match = 0;
        self.match_available = false;
        self.bits = 0;
        self.bit_count = 0;
        self.emit = Emit::Idle;
        self.last = false;
        self.pos = 0;
        self.sync = Sync::None;
    }

    /// Whether a sync flush was started and is not done (its output was cut short).
    pub(super) fn flushing(&self) -> bool {
        self.sync != Sync::None
    }

    /// A sync flush (zlib's `Z_SYNC_FLUSH`): compresses all input taken so far, writes
    /// it as complete blocks (not the last), then an empty stored block (`000`, padding
    /// to a byte, `00 00 FF FF`), so that a reader can inflate everything given until
    /// now. Compression goes on afterwards with the same window. Returns `done` once the
    /// whole flush is in `out`; when `out` fills first, call again with more room (no
    /// input may be given in between).
    pub(super) fn sync_flush(&mut self, out: &mut [u8]) -> Step {
        let mut step = Step {
            consumed: 0,
            produced: 0,
            done: false,
        };
        if self.sync == Sync::None {
            self.sync = Sync::Blocks;
        }
        loop {
            if self.emit != Emit::Idle {
                if !self.write_block(out, &mut step.produced) {
                    return step;
                }
                if self.emit == Emit::Done {
                    // The stream was finished: nothing to flush.
                    self.sync = Sync::None;
                    step.done = true;
                    return step;
                }
                continue;
            }
            match self.sync {
                Sync::None | Sync::Ending => {
                    self.sync = Sync::None;
                    step.done = true;
                    return step;
                }
                Sync::Blocks => {
                    if self.strstart >= Self::SLIDE_AT {
                        if self.block_start < WINDOW {
                            let hi = self.strstart - usize::from(self.match_available);
                            self.close_block(hi, false);
                            continue;
                        }
                        self.slide();
                    }
                    // As at the end of the stream: the lookahead is used up. (The last
                    // position matched had fewer than `MIN_MATCH` bytes of lookahead,
                    // so no match is left pending past it.)
                    let full = match (self.level, self.cfg.slow) {
                        (0, _) => self.run_stored(true),
                        (_, false) => self.run_fast(true),
                        (_, true) => self.run_slow(true),
                    };
                    if full || self.lookahead > 0 {
                        continue;
                    }
                    if self.match_available {
                        let c = self.byte(self.strstart.wrapping_sub(1));
                        self.tally_lit(c);
                        self.match_available = false;
                    }
                    self.sync = Sync::Marker;
                    if self.sym_len > 0 || self.block_start < self.strstart {
                        self.close_block(self.strstart, false);
                    }
                }
                Sync::Marker => {
                    // An empty stored block: written once the bit buffer is empty
                    // (`StoredBytes` waits for that), so the flush ends on a byte.
                    self.lo = self.block_start;
                    self.hi = self.block_start;
                    self.last = false;
                    self.pos = 0;
                    self.kind = Kind::Stored;
                    self.emit = Emit::StoredHeader;
                    self.sync = Sync::Ending;
                }
            }
        }
    }

    /// Compresses: takes what `input` it can into the window, writes finished blocks
    /// into `out`; with `finish`, once all of `input` is taken, writes the final block.
    /// Returns when `input` is all taken and nothing more can be written without more
    /// input, when `out` is full, or when the stream is complete (`done`).
    pub(super) fn compress(&mut self, mut input: &[u8], out: &mut [u8], finish: bool) -> Step {
        let mut step = Step {
            consumed: 0,
            produced: 0,
            done: false,
        };
        loop {
            if self.emit != Emit::Idle {
                if !self.write_block(out, &mut step.produced) {
                    return step;
                }
                if self.emit == Emit::Done {
                    step.done = true;
                    return step;
                }
                continue;
            }
            // Input that makes the window slide is taken first, so the call that closes
            // the block there has consumed some: a caller that stops after a full
            // output and finishes gets the blocks one-shot writes for the input taken.
            if self.strstart >= Self::SLIDE_AT && self.lookahead == 0 && !input.is_empty() {
                let n = self.fill(input);
                input = input.get(n..).unwrap_or_default();
                step.consumed += n;
            }
            // With nothing left to take, the slide waits: the next input slides as one
            // call would have, and the end closes the last block below, so blocks end at
            // the same bytes however the input is cut.
            let idle = input.is_empty() && self.lookahead == 0;
            if self.strstart >= Self::SLIDE_AT && idle && !finish {
                return step;
            }
            if self.strstart >= Self::SLIDE_AT && !idle {
                if self.block_start < WINDOW {
                    // The block's bytes would leave the window: write it first.
                    let hi = self.strstart - usize::from(self.match_available);
                    self.close_block(hi, false);
                    continue;
                }
                self.slide();
            }
            if self.lookahead < MIN_LOOKAHEAD && !input.is_empty() {
                let n = self.fill(input);
                input = input.get(n..).unwrap_or_default();
                step.consumed += n;
            }
            let flush = finish && input.is_empty();
            if self.lookahead < MIN_LOOKAHEAD && !flush {
                if input.is_empty() {
                    return step;
                }
                continue;
            }
            let full = match (self.level, self.cfg.slow) {
                (0, _) => self.run_stored(flush),
                (_, false) => self.run_fast(flush),
                (_, true) => self.run_slow(flush),
            };
            if !full && flush && self.lookahead == 0 {
                if self.match_available {
                    let c = self.byte(self.strstart.wrapping_sub(1));
                    self.tally_lit(c);
                    self.match_available = false;
                }
                self.close_block(self.strstart, true);
            }
        }
    }

    fn byte(&self, i: usize) -> u8 {
        self.window.as_flattened().get(i).copied().unwrap_or(0)
    }

    /// Copies input after the lookahead; returns how much.
    fn fill(&mut self, input: &[u8]) -> usize {
        let at = self.strstart + self.lookahead;
        let w = self.window.as_flattened_mut();
        let room = w.len().saturating_sub(at);
        let n = room.min(input.len());
        if let (Some(dst), Some(src)) = (w.get_mut(at..at + n), input.get(..n)) {
            dst.copy_from_slice(src);
            self.lookahead += n;
            n
        } else {
            0
        }
    }

    /// Moves the upper half of the window down and the positions with it.
    fn slide(&mut self) {
        let [low, high] = &mut self.window;
        low.copy_from_slice(high);
        let w = WINDOW as u16;
        // Two plain loops (not a chained iterator) so that they vectorize.
        for p in &mut self.head {
            *p = p.saturating_sub(w);
        }
        for p in &mut self.prev {
            *p = p.saturating_sub(w);
        }
        self.strstart -= WINDOW;
        self.block_start -= WINDOW;
        // A match may start just below the slide; distances are taken with wrapping
        // subtraction, as zlib's unsigned arithmetic does.
        self.match_start = self.match_start.wrapping_sub(WINDOW);
        self.prev_match = self.prev_match.wrapping_sub(WINDOW);
    }

    fn hash(&self, p: usize) -> usize {
        let w = self.window.as_flattened();
        let v = match w.get(p..p + 3) {
            Some(&[a, b, c]) => u32::from(a) | u32::from(b) << 8 | u32::from(c) << 16,
            _ => 0,
        };
        (v.wrapping_mul(0x9E37_79B1) >> Self::HASH_SHIFT) as usize & (HASH - 1)
    }

    /// Inserts the string at `p` and returns the previous head of its chain (0: none).
    fn insert(&mut self, p: usize) -> usize {
        let h = self.hash(p);
        let head = self.head[h];
        self.prev[p & Self::WMASK] = head;
        self.head[h] = p as u16;
        usize::from(head)
    }

    /// The longest match at `strstart` along the chain from `cur`, longer than
    /// `best`; sets `match_start`.
    #[inline(always)]
    fn longest_match(&mut self, mut cur: usize, mut best: usize) -> usize {
        let max_len = MAX_MATCH.min(self.lookahead);
        if best >= max_len {
            return best;
        }
        let mut chain = u32::from(self.cfg.chain);
        if self.prev_length >= usize::from(self.cfg.good) {
            chain >>= 2;
        }
        let nice = usize::from(self.cfg.nice).min(self.lookahead);
        let scan = self.strstart;
        let limit = scan.saturating_sub(Self::MAX_DIST);
        let w = self.window.as_flattened();
        let Some(here) = w.get(scan..scan + max_len) else {
            return best;
        };
        loop {
            if cur >= scan {
                break;
            }
            if let Some(there) = w.get(cur..cur + max_len) {
                if there.get(best) == here.get(best)
                    && there.get(best.saturating_sub(1)) == here.get(best.saturating_sub(1))
                    && there.get(..2) == here.get(..2)
                {
                    let len = common(there, here);
                    if len > best {
                        self.match_start = cur;
                        best = len;
                        if len >= nice {
                            break;
                        }
                    }
                }
            }
            cur = usize::from(self.prev[cur & Self::WMASK]);
            chain = chain.saturating_sub(1);
            if cur <= limit || chain == 0 {
                break;
            }
        }
        best.min(self.lookahead)
    }

    /// Adds a literal; returns whether the symbol buffer is full.
    fn tally_lit(&mut self, c: u8) -> bool {
        self.syms[self.sym_len & Self::WMASK] = u16::from(c);
        self.sym_len += 1;
        self.lit_freq[usize::from(c)] += 1;
        self.sym_len + 2 > WINDOW
    }

    /// Adds a match of `len` (3 to 258) at `dist` (1 to WINDOW); returns whether the
    /// symbol buffer is full.
    fn tally_match(&mut self, dist: usize, len: usize) -> bool {
        let lc = len.wrapping_sub(MIN_MATCH) & 255;
        let d = dist.wrapping_sub(1) & 0x7fff;
        self.syms[self.sym_len & Self::WMASK] = MATCH_FLAG | lc as u16;
        self.syms[(self.sym_len + 1) & Self::WMASK] = d as u16;
        self.sym_len += 2;
        self.lit_freq[257 + usize::from(LEN_CODE[lc])] += 1;
        self.dist_freq[dist_code(d) % D_CODES] += 1;
        self.sym_len + 2 > WINDOW
    }

    /// Level 0: takes the lookahead as it is; returns whether a block was closed.
    /// It stops at the slide point, so blocks end at the same bytes however the input
    /// is cut.
    fn run_stored(&mut self, flush: bool) -> bool {
        let _ = flush;
        let n = self
            .lookahead
            .min(Self::SLIDE_AT.saturating_sub(self.strstart));
        self.strstart += n;
        self.lookahead -= n;
        false
    }

    /// zlib's `deflate_fast`: greedy matching. Returns whether a block was closed.
    fn run_fast(&mut self, flush: bool) -> bool {
        loop {
            if self.strstart >= Self::SLIDE_AT
                || (self.lookahead < MIN_LOOKAHEAD && (!flush || self.lookahead == 0))
            {
                return false;
            }
            let mut head = 0;
            if self.lookahead >= MIN_MATCH {
                head = self.insert(self.strstart);
            }
            if head != 0 && self.strstart - head <= Self::MAX_DIST {
                self.match_length = self.longest_match(head, MIN_MATCH - 1);
            }
            let full;
            if self.match_length >= MIN_MATCH {
                let dist = self.strstart.wrapping_sub(self.match_start);
                full = self.tally_match(dist, self.match_length);
                self.lookahead -= self.match_length;
                if self.match_length <= usize::from(self.cfg.lazy) && self.lookahead >= MIN_MATCH {
                    for _ in 1..self.match_length {
                        self.strstart += 1;
                        self.insert(self.strstart);
                    }
                    self.strstart += 1;
                } else {
                    self.strstart += self.match_length;
                }
                self.match_length = 0;
            } else {
                let c = self.byte(self.strstart);
                full = self.tally_lit(c);
                self.lookahead -= 1;
                self.strstart += 1;
            }
            if full {
                self.close_block(self.strstart, false);
                return true;
            }
        }
    }

    /// zlib's `deflate_slow`: lazy matching. Returns whether a block was closed.
    fn run_slow(&mut self, flush: bool) -> bool {
        loop {
            if self.strstart >= Self::SLIDE_AT
                || (self.lookahead < MIN_LOOKAHEAD && (!flush || self.lookahead == 0))
            {
                return false;
            }
            let mut head = 0;
            if self.lookahead >= MIN_MATCH {
                head = self.insert(self.strstart);
            }
            self.prev_length = self.match_length;
            self.prev_match = self.match_start;
            self.match_length = MIN_MATCH - 1;
            if head != 0
                && self.prev_length < usize::from(self.cfg.lazy)
                && self.strstart - head <= Self::MAX_DIST
            {
                self.match_length = self.longest_match(head, self.prev_length);
                if self.match_length == MIN_MATCH && self.strstart - self.match_start > TOO_FAR {
                    self.match_length = MIN_MATCH - 1;
                }
            }
            if self.prev_length >= MIN_MATCH && self.match_length <= self.prev_length {
                let max_insert = self.strstart + self.lookahead - MIN_MATCH;
                let dist = self.strstart.wrapping_sub(1).wrapping_sub(self.prev_match);
                let full = self.tally_match(dist, self.prev_length);
                self.lookahead -= self.prev_length - 1;
                for _ in 2..self.prev_length {
                    self.strstart += 1;
                    if self.strstart <= max_insert {
                        self.insert(self.strstart);
                    }
                }
                self.match_available = false;
                self.match_length = MIN_MATCH - 1;
                self.strstart += 1;
                if full {
                    self.close_block(self.strstart, false);
                    return true;
                }
            } else if self.match_available {
                let c = self.byte(self.strstart - 1);
                let full = self.tally_lit(c);
                if full {
                    self.close_block(self.strstart, false);
                }
                self.strstart += 1;
                self.lookahead -= 1;
                if full {
                    return true;
                }
            } else {
                self.match_available = true;
                self.strstart += 1;
                self.lookahead -= 1;
            }
        }
    }

    /// Ends the block of the symbols buffered, covering `window[block_start..hi]`, and
    /// starts writing it.
    fn close_block(&mut self, hi: usize, last: bool) {
        self.lo = self.block_start;
        self.hi = hi.max(self.lo);
        self.block_start = self.hi;
        self.last = last;
        self.pos = 0;
        self.lit_freq[END_BLOCK] = 1;
        let stored_len = self.hi - self.lo;
        let stored_blocks = stored_len.div_ceil(MAX_STORED).max(1);
        // Bytes, counting the header bits and the padding of the first block.
        let stored = stored_len + 5 * stored_blocks;
        self.kind = if self.level == 0 {
            Kind::Stored
        } else {
            let dynamic_bits = self.build_dynamic();
            let fixed_bits = self.fixed_bits();
            let dynamic = dynamic_bits.div_ceil(8);
            let fixed = fixed_bits.div_ceil(8);
            if stored <= fixed.min(dynamic) {
                Kind::Stored
            } else if fixed <= dynamic {
                Kind::Fixed
            } else {
                Kind::Dynamic
            }
        };
        self.emit = match self.kind {
            Kind::Stored => Emit::StoredHeader,
            Kind::Fixed | Kind::Dynamic => Emit::Header,
        };
    }

    /// Bits of the block with the fixed codes.
    fn fixed_bits(&self) -> usize {
        let mut bits = 3;
        for (s, &f) in self.lit_freq.iter().enumerate() {
            let extra = s.checked_sub(257).map_or(0, |c| LEN_EXTRA[c % 29]);
            bits += f as usize * usize::from(FIXED_LIT_LEN[s] + extra);
        }
        for (c, &f) in self.dist_freq.iter().enumerate() {
            bits += f as usize * usize::from(FIXED_DIST_LEN[c] + DIST_EXTRA[c]);
        }
        bits
    }

    /// Builds the dynamic codes of the block and its header; returns its size in bits.
    fn build_dynamic(&mut self) -> usize {
        build_lengths(
            &self.lit_freq,
            &mut self.lit_len,
            MAX_BITS,
            &mut self.sort,
            &mut self.depth,
        );
        build_lengths(
            &self.dist_freq,
            &mut self.dist_len,
            MAX_BITS,
            &mut self.sort,
            &mut self.depth,
        );
        canonical(&self.lit_len, &mut self.lit_code);
        canonical(&self.dist_len, &mut self.dist_code);
        self.hlit = 257
            + self
                .lit_len
                .get(257..)
                .unwrap_or_default()
                .iter()
                .rposition(|&l| l != 0)
                .map_or(0, |i| i + 1);
        self.hdist = 1 + self.dist_len.iter().rposition(|&l| l != 0).unwrap_or(0);
        self.run_length();
        build_lengths(
            &self.bl_freq,
            &mut self.bl_len,
            MAX_BL_BITS,
            &mut self.sort,
            &mut self.depth,
        );
        canonical(&self.bl_len, &mut self.bl_code);
        self.hclen = 4 + BL_ORDER
            .iter()
            .rposition(|&s| self.bl_len[usize::from(s)] != 0)
            .map_or(0, |i| i + 1)
            .saturating_sub(4);
        let mut bits = 3 + 5 + 5 + 4 + 3 * self.hclen;
        for &[s, _] in self.rle.get(..self.rle_len).unwrap_or_default() {
            let s = usize::from(s) % BL_CODES;
            bits += usize::from(self.bl_len[s])
                + [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 3, 7][s];
        }
        for (s, &f) in self.lit_freq.iter().enumerate() {
            let extra = s.checked_sub(257).map_or(0, |c| LEN_EXTRA[c % 29]);
            bits += f as usize * usize::from(self.lit_len[s] + extra);
        }
        for (c, &f) in self.dist_freq.iter().enumerate() {
            bits += f as usize * usize::from(self.dist_len[c] + DIST_EXTRA[c]);
        }
        bits
    }

    /// Run-length codes the literal/length and distance code lengths (symbols 16, 17,
    /// 18) into `rle`, counting `bl_freq`.
    fn run_length(&mut self) {
        self.bl_freq.fill(0);
        self.rle_len = 0;
        let (hlit, hdist) = (self.hlit, self.hdist);
        let len_at = |s: &Self, i: usize| -> u8 {
            if i < hlit {
                s.lit_len[i % L_CODES]
            } else {
                s.dist_len[(i - hlit) % D_CODES]
            }
        };
        let total = hlit + hdist;
        let mut i = 0;
        while i < total {
            let l = len_at(self, i);
            let mut run = 1;
            while i + run < total && len_at(self, i + run) == l {
                run += 1;
            }
            i += run;
            if l == 0 {
                while run >= 11 {
                    let n = run.min(138);
                    self.push_rle(18, (n - 11) as u8);
                    run -= n;
                }
                if run >= 3 {
                    self.push_rle(17, (run - 3) as u8);
                    run = 0;
                }
            } else {
                self.push_rle(l, 0);
                run -= 1;
                while run >= 3 {
                    let n = run.min(6);
                    self.push_rle(16, (n - 3) as u8);
                    run -= n;
                }
            }
            for _ in 0..run {
                self.push_rle(l, 0);
            }
        }
    }

    fn push_rle(&mut self, sym: u8, extra: u8) {
        if let Some(slot) = self.rle.get_mut(self.rle_len) {
            *slot = [sym, extra];
            self.rle_len += 1;
            self.bl_freq[usize::from(sym) % BL_CODES] += 1;
        }
    }

    fn put(&mut self, value: u32, n: u32) {
        self.bits |= u64::from(value) << self.bit_count;
        self.bit_count += n;
    }

    /// Moves whole bytes of the bit buffer into `out`; returns whether at least 48
    /// bits are free in it.
    fn drain(&mut self, out: &mut [u8], at: &mut usize) -> bool {
        drain_bytes(&mut self.bits, &mut self.bit_count, out, at)
    }

    /// Writes the block being written into `out` from `*at`; returns `false` when
    /// `out` filled first (call again with more room).
    fn write_block(&mut self, out: &mut [u8], at: &mut usize) -> bool {
        loop {
            if !self.drain(out, at) {
                return false;
            }
            match self.emit {
                Emit::Idle | Emit::Done => return true,
                Emit::Header => {
                    let kind = if self.kind == Kind::Fixed { 1 } else { 2 };
                    self.put(u32::from(self.last) | kind << 1, 3);
                    if self.kind == Kind::Dynamic {
                        self.put((self.hlit - 257) as u32, 5);
                        self.put((self.hdist - 1) as u32, 5);
                        self.put((self.hclen - 4) as u32, 4);
                        self.emit = Emit::CodeLens;
                    } else {
                        self.emit = Emit::Symbols;
                    }
                }
                Emit::CodeLens => {
                    while self.pos < self.hclen && self.bit_count <= 40 {
                        let s = usize::from(BL_ORDER[self.pos % BL_CODES]);
                        self.put(u32::from(self.bl_len[s]), 3);
                        self.pos += 1;
                    }
                    if self.pos >= self.hclen {
                        self.pos = 0;
                        self.emit = Emit::Lens;
                    }
                }
                Emit::Lens => {
                    if let Some(&[s, extra]) = self.rle.get(self.pos) {
                        let s = usize::from(s) % BL_CODES;
                        self.put(u32::from(self.bl_code[s]), u32::from(self.bl_len[s]));
                        match s {
                            16 => self.put(u32::from(extra), 2),
                            17 => self.put(u32::from(extra), 3),
                            18 => self.put(u32::from(extra), 7),
                            _ => {}
                        }
                        self.pos += 1;
                    }
                    if self.pos >= self.rle_len {
                        self.pos = 0;
                        self.emit = Emit::Symbols;
                    }
                }
                Emit::Symbols => {
                    if !self.write_symbols(out, at) {
                        return false;
                    }
                    self.emit = Emit::EndOfBlock;
                }
                Emit::EndOfBlock => {
                    let (code, len) = match self.kind {
                        Kind::Fixed => (FIXED_LIT_CODE[END_BLOCK], FIXED_LIT_LEN[END_BLOCK]),
                        _ => (self.lit_code[END_BLOCK], self.lit_len[END_BLOCK]),
                    };
                    self.put(u32::from(code), u32::from(len));
                    self.end_block();
                }
                Emit::StoredHeader => {
                    let len = (self.hi - self.lo - self.pos).min(MAX_STORED);
                    let last = self.last && self.lo + self.pos + len == self.hi;
                    self.put(u32::from(last), 3);
                    self.bit_count = (self.bit_count + 7) & !7;
                    self.put(len as u32 | (!len as u32 & 0xffff) << 16, 32);
                    self.emit = Emit::StoredBytes;
                }
                Emit::StoredBytes => {
                    if self.bit_count != 0 {
                        return false;
                    }
                    let from = self.lo + self.pos;
                    let end = from + (self.hi - from).min(MAX_STORED - self.pos % MAX_STORED);
                    let room = out.len().saturating_sub(*at);
                    let n = (end - from).min(room);
                    let w = self.window.as_flattened();
                    if let (Some(dst), Some(src)) =
                        (out.get_mut(*at..*at + n), w.get(from..from + n))
                    {
                        dst.copy_from_slice(src);
                        *at += n;
                        self.pos += n;
                    }
                    if self.lo + self.pos == self.hi {
                        self.end_block();
                    } else if n > 0 && self.pos.is_multiple_of(MAX_STORED) {
                        self.emit = Emit::StoredHeader;
                    } else {
                        return false;
                    }
                }
                Emit::Tail => {
                    self.bit_count = (self.bit_count + 7) & !7;
                    if !self.drain(out, at) || self.bit_count != 0 {
                        return false;
                    }
                    self.emit = Emit::Done;
                    return true;
                }
            }
        }
    }

    /// Writes the symbols from `pos`; returns `false` when `out` filled first.
    fn write_symbols(&mut self, out: &mut [u8], at: &mut usize) -> bool {
        let (lit_code, lit_len, dist_codes, dist_len) = match self.kind {
            Kind::Fixed => (
                &FIXED_LIT_CODE[..L_CODES],
                &FIXED_LIT_LEN[..L_CODES],
                &FIXED_DIST_CODE[..],
                &FIXED_DIST_LEN[..],
            ),
            _ => (
                &self.lit_code[..],
                &self.lit_len[..],
                &self.dist_code[..],
                &self.dist_len[..],
            ),
        };
        let mut bits = self.bits;
        let mut count = self.bit_count;
        let mut i = self.pos;
        let syms = self.syms.get(..self.sym_len).unwrap_or_default();
        let mut ok = true;
        while let Some(&s) = syms.get(i) {
            if count > 16 {
                // Drain: 8 bytes at once when there is room.
                if let Some(dst) = out.get_mut(*at..*at + 8) {
                    dst.copy_from_slice(&bits.to_le_bytes());
                    let n = count / 8;
                    *at += n as usize;
                    bits = bits.checked_shr(8 * n).unwrap_or(0);
                    count -= 8 * n;
                } else if !drain_bytes(&mut bits, &mut count, out, at) {
                    ok = false;
                    break;
                }
            }
            if s & MATCH_FLAG == 0 {
                let c = usize::from(s & 0xff);
                bits |= u64::from(lit_code[c]) << count;
                count += u32::from(lit_len[c]);
                i += 1;
            } else {
                let lc = usize::from(s & 0xff);
                let d = usize::from(syms.get(i + 1).copied().unwrap_or(0) & 0x7fff);
                let code = usize::from(LEN_CODE[lc]);
                let sym = 257 + code;
                bits |= u64::from(lit_code[sym]) << count;
                count += u32::from(lit_len[sym]);
                let extra = u32::from(LEN_EXTRA[code]);
                bits |= ((lc - usize::from(LEN_BASE[code] - 3)) as u64) << count;
                count += extra;
                let dc = dist_code(d) % D_CODES;
                bits |= u64::from(dist_codes[dc]) << count;
                count += u32::from(dist_len[dc]);
                let extra = u32::from(DIST_EXTRA[dc]);
                bits |= ((d - usize::from(DIST_BASE[dc] - 1)) as u64) << count;
                count += extra;
                i += 2;
            }
        }
        self.bits = bits;
        self.bit_count = count;
        self.pos = i;
        ok
    }

    /// The block is written: clear its counts and go on (or to the tail).
    fn end_block(&mut self) {
        self.sym_len = 0;
        self.pos = 0;
        self.lit_freq.fill(0);
        self.dist_freq.fill(0);
        self.emit = if self.last { Emit::Tail } else { Emit::Idle };
    }
}

impl<const WINDOW: usize, const HASH: usize> Default for EncoderState<WINDOW, HASH> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const WINDOW: usize, const HASH: usize> fmt::Debug for EncoderState<WINDOW, HASH> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EncoderState")
            .field("window", &WINDOW)
            .field("hash", &HASH)
            .field("level", &self.level)
            .finish_non_exhaustive()
    }
}

/// Moves whole bytes of the bit buffer `bits` (`count` bits) into `out` from `*at`;
/// returns whether at least 48 bits are free in it.
fn drain_bytes(bits: &mut u64, count: &mut u32, out: &mut [u8], at: &mut usize) -> bool {
    if let Some(dst) = out.get_mut(*at..*at + 8) {
        dst.copy_from_slice(&bits.to_le_bytes());
        let n = *count / 8;
        *at += n as usize;
        *bits = bits.checked_shr(8 * n).unwrap_or(0);
        *count -= 8 * n;
    } else {
        while *count >= 8 {
            let Some(b) = out.get_mut(*at) else { break };
            *b = *bits as u8;
            *at += 1;
            *bits >>= 8;
            *count -= 8;
        }
    }
    *count <= 16
}

/// How many leading bytes `a` and `b` share.
fn common(a: &[u8], b: &[u8]) -> usize {
    let mut n = 0;
    for (x, y) in a.chunks_exact(8).zip(b.chunks_exact(8)) {
        let (Ok(x), Ok(y)) = (<[u8; 8]>::try_from(x), <[u8; 8]>::try_from(y)) else {
            break;
        };
        let diff = u64::from_le_bytes(x) ^ u64::from_le_bytes(y);
        if diff != 0 {
            return n + (diff.trailing_zeros() / 8) as usize;
        }
        n += 8;
    }
    let rest = a.get(n..).unwrap_or_default().iter();
    n + rest
        .zip(b.get(n..).unwrap_or_default())
        .take_while(|(x, y)| x == y)
        .count()
}

/// Huffman code lengths for `freq`, at most `limit` bits, into `lens` (Moffat and
/// Katajainen's in-place algorithm, then miniz's length limiting). At least two
/// symbols get a code, so every code is complete.
fn build_lengths(freq: &[u32], lens: &mut [u8], limit: u32, sort: &mut [u32], depth: &mut [u32]) {
    lens.fill(0);
    let mut n = 0;
    for (s, &f) in freq.iter().enumerate() {
        if f != 0 {
            if let Some(slot) = sort.get_mut(n) {
                *slot = f.min(0x7f_ffff) << 9 | s as u32;
                n += 1;
            }
        }
    }
    if n < 2 {
        // One or no symbol: two codes of one bit (the used one and another).
        let used = sort.first().map_or(0, |&k| (k & 511) as usize);
        let other = if n == 1 && used == 0 { 1 } else { 0 };
        let first = if n == 1 { used } else { 1 };
        for s in [first, other] {
            if let Some(l) = lens.get_mut(s) {
                *l = 1;
            }
        }
        return;
    }
    let (Some(keys), Some(a)) = (sort.get_mut(..n), depth.get_mut(..n)) else {
        return;
    };
    keys.sort_unstable();
    for (d, &k) in a.iter_mut().zip(keys.iter()) {
        *d = k >> 9;
    }
    minimum_redundancy(a);
    // Count codes per length, lengths past the limit at the limit.
    let limit = limit as usize;
    let mut count = [0u32; 16];
    for &d in a.iter() {
        count[(d as usize).clamp(1, limit) & 15] += 1;
    }
    let mut total: u32 = (1..=limit).map(|l| count[l] << (limit - l)).sum();
    while total > 1 << limit {
        count[limit] = count[limit].saturating_sub(1);
        for l in (1..limit).rev() {
            if count[l] != 0 {
                count[l] -= 1;
                count[l + 1] += 2;
                break;
            }
        }
        total -= 1;
    }
    // The most frequent symbols (at the end) get the shortest codes.
    let mut j = n;
    for (len, &c) in count.iter().enumerate().take(limit + 1).skip(1) {
        for _ in 0..c {
            j = j.saturating_sub(1);
            let s = keys.get(j).map_or(usize::MAX, |&k| (k & 511) as usize);
            if let Some(l) = lens.get_mut(s) {
                *l = len as u8;
            }
        }
    }
}

/// Code lengths of an optimal prefix code for the ascending weights `a` (at least
/// two), in place (Moffat and Katajainen, "In-place calculation of minimum-redundancy
/// codes", 1995).
fn minimum_redundancy(a: &mut [u32]) {
    let n = a.len();
    if n < 2 {
        return;
    }
    // Phase 1: internal node weights, and parent pointers.
    a[0] += a[1];
    let (mut root, mut leaf) = (0usize, 2usize);
    for next in 1..n - 1 {
        if leaf >= n || a[root] < a[leaf] {
            a[next] = a[root];
            a[root] = next as u32;
            root += 1;
        } else {
            a[next] = a[leaf];
            leaf += 1;
        }
        if leaf >= n || (root < next && a[root] < a[leaf]) {
            a[next] += a[root];
            a[root] = next as u32;
            root += 1;
        } else {
            a[next] += a[leaf];
            leaf += 1;
        }
    }
    // Phase 2: internal node depths.
    a[n - 2] = 0;
    for next in (0..n.saturating_sub(2)).rev() {
        let parent = a[next] as usize;
        a[next] = a.get(parent).map_or(0, |&d| d + 1);
    }
    // Phase 3: leaf depths.
    let (mut avail, mut used, mut depth) = (1usize, 0usize, 0u32);
    let mut root = n as isize - 2;
    let mut next = n as isize - 1;
    while avail > 0 {
        while root >= 0 && a[root as usize] == depth {
            used += 1;
            root -= 1;
        }
        while avail > used && next >= 0 {
            a[next as usize] = depth;
            next -= 1;
            avail -= 1;
        }
        if next < 0 {
            break;
        }
        avail = 2 * used;
        depth += 1;
        used = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Kraft sum of `lens` in units of 2^-limit, and the longest length.
    fn kraft(lens: &[u8], limit: u32) -> (u64, u8) {
        let sum = lens
            .iter()
            .filter(|&&l| l != 0)
            .map(|&l| 1u64 << (limit - u32::from(l)))
            .sum();
        (sum, lens.iter().copied().max().unwrap_or(0))
    }

    fn lengths(freq: &[u32], limit: u32) -> [u8; L_CODES] {
        let mut lens = [0u8; L_CODES];
        let (mut sort, mut depth) = ([0u32; L_CODES], [0u32; L_CODES]);
        build_lengths(freq, &mut lens[..freq.len()], limit, &mut sort, &mut depth);
        lens
    }

    #[test]
    fn skewed_frequencies_give_complete_codes_within_the_limit() {
        // Fibonacci frequencies make an unlimited Huffman code as deep as there are
        // symbols: the limiter must cut it to 15 (or 7) bits and keep it complete.
        let mut fib = [0u32; L_CODES];
        let (mut a, mut b) = (1u32, 1u32);
        for f in fib.iter_mut().take(30) {
            *f = a;
            (a, b) = (b, a + b);
        }
        for (freq, limit) in [(&fib[..], MAX_BITS), (&fib[..BL_CODES], MAX_BL_BITS)] {
            let lens = lengths(freq, limit);
            let (sum, max) = kraft(&lens, limit);
            assert_eq!(sum, 1 << limit, "complete code");
            assert!(u32::from(max) <= limit, "max length {max}");
            for (s, &f) in freq.iter().enumerate() {
                assert_eq!(f != 0, lens[s] != 0, "symbol {s}");
            }
        }
        // Uniform, a single symbol, none: complete codes too.
        for freq in [
            [7u32; L_CODES],
            {
                let mut f = [0u32; L_CODES];
                f[200] = 5;
                f
            },
            [0u32; L_CODES],
        ] {
            let lens = lengths(&freq, MAX_BITS);
            assert_eq!(kraft(&lens, MAX_BITS).0, 1 << MAX_BITS);
        }
    }

    #[test]
    fn length_and_distance_tables_cover_every_value() {
        for (lc, &code) in LEN_CODE.iter().enumerate() {
            let code = usize::from(code);
            let base = usize::from(LEN_BASE[code]) - 3;
            assert!(
                lc >= base && lc - base < 1 << LEN_EXTRA[code],
                "length {}",
                lc + 3
            );
        }
        for d in 0..32768usize {
            let code = dist_code(d);
            let base = usize::from(DIST_BASE[code]) - 1;
            assert!(
                d >= base && d - base < 1 << DIST_EXTRA[code],
                "distance {}",
                d + 1
            );
        }
    }
}
