//! The lz4 block codec's hot loops with unchecked reads and writes: the one module
//! of the codecs with `unsafe` code (`codec` denies it everywhere else).
//!
//! Safe slice code left bounds checks that LLVM cannot fold ("16 bytes of slack"
//! does not prove `pos + 16 <= len` to it): lz4_flex's checked decoder ran ~57
//! instructions a sequence where C runs ~39, and this crate's safe compressor 15.5
//! instructions a byte where C runs 8.5 (`tests/benches/CODECS.md`). Here every read
//! and write goes through raw pointers derived once from the slices, and each is
//! preceded by an explicit test that proves it in bounds, named in its
//! `// SAFETY:` comment:
//!
//! - **[`decompress`]**: input reads after `i + n <= input.len()`; output writes
//!   after `o + n <= out.len()` (the "wild" copies of 8, 16 or 24 bytes only when
//!   that much room is left, so they may write past the sequence's end, never past
//!   `out`); match reads after `history <= o - offset`, and a chunk copy whose source
//!   and destination could overlap only when the offset is at least the chunk.
//!   Hostile input gets [`Error::Corrupt`] or [`Error::OutputTooSmall`], never an
//!   access outside the two slices.
//! - **[`compress`]**: the same parsing as the checked `block::compress` (the same
//!   bytes), run only when the output holds the worst case; reads at positions the
//!   parsing keeps below `src.len() - 12`, writes after a per-sequence room test.
//!
//! `core/tests/codec_lz4_fast.rs` runs this module's edges (every offset and length
//! near both ends, every capacity, hostile blocks against a byte-wise reference
//! decoder, both compressor paths) natively and under Miri (`.ci/test miri`); the
//! `lz4_block` fuzz target checks the decoder against the same reference, and
//! `lz4_frame` / `roundtrip_lz4` drive both directions through the frame codecs.
#![allow(unsafe_code)]

use core::ptr;

use super::block::{
    LAST_LITERALS, MAX_DISTANCE, MAX_INPUT, MFLIMIT, MIN_MATCH, SKIP_TRIGGER, TABLE_LEN, hash,
    max_compressed_len,
};

/// Why a block did not decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Error {
    /// The block decodes to more than the output holds.
    OutputTooSmall,
    /// Not a valid block: truncated, a zero offset, or a match reaching before the
    /// history.
    Corrupt,
}

/// Reads one length extension (bytes of 255, then one below) at `*i`; `None` when the
/// input ends first. Saturates (a huge length then fails the bounds tests).
#[inline(always)]
fn extension(input: &[u8], i: &mut usize) -> Result<usize, Error> {
    let mut n = 0usize;
    loop {
        let b = *input.get(*i).ok_or(Error::Corrupt)?;
        *i += 1;
        n = n.saturating_add(b as usize);
        if b != 255 {
            return Ok(n);
        }
    }
}

/// Decodes the lz4 block `input` into `out[start..]`, where matches may reach back
/// to `out[history..]` (the previous blocks of a linked frame, decoded into the same
/// buffer; `history == start` for an independent block). Returns the end of the
/// decoded data in `out` (`end - start` bytes were decoded).
///
/// Bytes of `out` after the returned end may have been overwritten (with garbage);
/// nothing outside `out` is touched, and `out[..start]` is only read.
///
/// # Errors
///
/// [`Error::OutputTooSmall`] when the block decodes to more than `out.len() -
/// start` bytes, [`Error::Corrupt`] when it is not a valid block (an empty input,
/// `history > start` or `start > out.len()` included).
#[inline]
pub(super) fn decompress(
    input: &[u8],
    out: &mut [u8],
    history: usize,
    start: usize,
) -> Result<usize, Error> {
    if history > start || start > out.len() || input.is_empty() {
        return Err(Error::Corrupt);
    }
    let in_len = input.len();
    let out_len = out.len();
    let src = input.as_ptr();
    // Every access to `out` below goes through this one pointer.
    let dst = out.as_mut_ptr();
    // The short-sequence path needs 16 bytes of input after the token and 38 of
    // output (`i + 16 <= in_len` is `i < in_fast`, `o + 38 <= out_len` is
    // `o < out_fast`; both are 0, so never true, when the buffer is shorter).
    let in_fast = in_len.saturating_sub(15);
    let out_fast = out_len.saturating_sub(37);
    let mut i = 0usize;
    let mut o = start;
    loop {
        // Invariants here: `i <= in_len`, `history <= start <= o <= out_len`.
        let Some(&token) = input.get(i) else {
            return Err(Error::Corrupt);
        };
        i += 1;
        let lit_nib = (token >> 4) as usize;
        let ml_nib = (token & 15) as usize;

        // Short sequence, far from both ends: 16 literal bytes copied at once, the
        // offset read, and (offset >= 8) the match copied as 8 + 8 + 2 bytes, as the
        // reference does.
        if lit_nib < 15 && i < in_fast && o < out_fast {
            // SAFETY: `i + 16 <= in_len` and `o + 38 <= out_len` (`in_fast`, `out_fast`);
            // `input` and `out` are distinct slices, so the ranges do not overlap.
            unsafe { ptr::copy_nonoverlapping(src.add(i), dst.add(o), 16) };
            i += lit_nib;
            o += lit_nib;
            // SAFETY: `lit_nib <= 14` and 16 bytes were left, so `i + 2 <= in_len`.
            let offset =
                u16::from_le_bytes(unsafe { ptr::read_unaligned(src.add(i).cast::<[u8; 2]>()) })
                    as usize;
            i += 2;
            if ml_nib < 15 && offset >= 8 && offset <= o - history {
                // SAFETY: the match is `ml_nib + 4 <= 18` bytes, all written at
                // `o <= out_len - 24` (`o` grew by at most 14 from a position with
                // 38 bytes of room), and read from `o - offset >= history`. With
                // `offset >= 8`, each read ends at or before the write that follows
                // it starts, so it reads bytes already final.
                unsafe {
                    let m = o - offset;
                    ptr::copy_nonoverlapping(dst.add(m), dst.add(o), 8);
                    ptr::copy_nonoverlapping(dst.add(m + 8), dst.add(o + 8), 8);
                    ptr::copy_nonoverlapping(dst.add(m + 16), dst.add(o + 16), 2);
                }
                o += ml_nib + 4;
                continue;
            }
            let ml = match_len(input, &mut i, ml_nib)?;
            o = copy_match(dst, out_len, history, o, offset, ml)?;
            continue;
        }

        // The general case: literals of any length, exact copies near the ends.
        let mut lit = lit_nib;
        if lit == 15 {
            lit = lit.saturating_add(extension(input, &mut i)?);
        }
        if lit > in_len - i {
            return Err(Error::Corrupt);
        }
        if lit > out_len - o {
            return Err(Error::OutputTooSmall);
        }
        if lit <= 16 && in_len - i >= 16 && out_len - o >= 16 {
            // SAFETY: `i + 16 <= in_len`, `o + 16 <= out_len`; distinct slices.
            unsafe { ptr::copy_nonoverlapping(src.add(i), dst.add(o), 16) };
        } else {
            // SAFETY: `i + lit <= in_len`, `o + lit <= out_len` (tested above).
            unsafe { ptr::copy_nonoverlapping(src.add(i), dst.add(o), lit) };
        }
        i += lit;
        o += lit;
        if i == in_len {
            // The last sequence has literals only.
            return Ok(o);
        }
        if in_len - i < 2 {
            return Err(Error::Corrupt);
        }
        let offset = u16::from_le_bytes([input[i], input[i + 1]]) as usize;
        i += 2;
        let ml = match_len(input, &mut i, ml_nib)?;
        o = copy_match(dst, out_len, history, o, offset, ml)?;
    }
}

/// The match length of a sequence whose token's low nibble is `nib`.
#[inline(always)]
fn match_len(input: &[u8], i: &mut usize, nib: usize) -> Result<usize, Error> {
    let ml = nib + 4;
    if nib == 15 {
        Ok(ml.saturating_add(extension(input, i)?))
    } else {
        Ok(ml)
    }
}

/// Copies a match of `ml` bytes `offset` back to `dst[o..]` (`dst` has `out_len`
/// bytes, matches may start at `history`); returns the new output position.
#[inline(always)]
fn copy_match(
    dst: *mut u8,
    out_len: usize,
    history: usize,
    o: usize,
    offset: usize,
    ml: usize,
) -> Result<usize, Error> {
    // Invariant from the caller: `history <= o <= out_len`.
    if offset == 0 || offset > o - history {
        return Err(Error::Corrupt);
    }
    if ml > out_len - o {
        return Err(Error::OutputTooSmall);
    }
    let m = o - offset;
    let end = o + ml;
    if out_len - end >= 16 {
        if offset >= 16 {
            let mut k = 0;
            while k < ml {
                // SAFETY: `o + k < end`, so the write ends before `end + 16 <=
                // out_len`; the read starts at `m + k >= history` and ends at
                // `o + k - offset + 16 <= o + k` (offset >= 16): written bytes, not
                // overlapping the write.
                unsafe { ptr::copy_nonoverlapping(dst.add(m + k), dst.add(o + k), 16) };
                k += 16;
            }
        } else if offset >= 8 {
            let mut k = 0;
            while k < ml {
                // SAFETY: as above with 8-byte chunks (offset >= 8).
                unsafe { ptr::copy_nonoverlapping(dst.add(m + k), dst.add(o + k), 8) };
                k += 8;
            }
        } else {
            // offset 1 to 7: the first 8 bytes one at a time (they overlap their
            // source), then 8-byte chunks from `d` back, `d` the smallest multiple of
            // `offset` that is at least 8: the same bytes (the output repeats with
            // period `offset`), and no overlap.
            for k in 0..8 {
                // SAFETY: `o + 8 <= end + 16 <= out_len`; `m + k < o + k`, read
                // before being written (in order), and `m >= history`.
                unsafe { *dst.add(o + k) = *dst.add(m + k) };
            }
            let d = offset * 8_usize.div_ceil(offset);
            let mut k = 8;
            while k < ml {
                // SAFETY: `d < offset + 8 <= k + offset`, so the read starts at
                // `o + k - d > m >= history`; `d >= 8`, so it ends at or before
                // `o + k`, where the write starts; the write ends before `end + 8`.
                unsafe { ptr::copy_nonoverlapping(dst.add(o + k - d), dst.add(o + k), 8) };
                k += 8;
            }
        }
    } else {
        for k in 0..ml {
            // SAFETY: `o + k < end <= out_len`; `m + k < o + k`, written before.
            unsafe { *dst.add(o + k) = *dst.add(m + k) };
        }
    }
    Ok(end)
}

// ---- compressor ------------------------------------------------------------------------

/// Compresses `src[start..]` as one block into `out`, exactly as
/// [`block::compress`](super::block::compress) does (the same parsing, table updates
/// and bytes), with unchecked reads and writes. `entries` and `base` are the
/// [`Table`](super::Table)'s, already prepared for `src`.
///
/// Returns `Some(Some(size))`, or `Some(None)` when the block takes more than
/// `limit` bytes (`out` past `limit` is scratch; the size is compared at the end: a
/// test per sequence cost 3% of the speed), or `None` when `out` is shorter than
/// `max_compressed_len(src.len() - start)` or `start > src.len()` (the caller then
/// runs the checked compressor on `out[..limit]`, which gives the same outcome).
///
/// Why every write is in bounds: a sequence of `lit` literals and a match of
/// `ml >= 4` bytes takes at most `lit + ml + lit / 255` bytes (token 1, literal
/// length `1 + (lit - 15) / 255` when `lit >= 15`, offset 2, match length
/// `1 + (ml - 19) / 255` when `ml >= 19`), so after consuming `c` input bytes at most
/// `c + c / 255` are written. On top of that, each sequence checks its own room
/// before writing (`need`, below), so the writes are proven locally, and the check
/// never fails when `out` holds the worst case.
pub(super) fn compress(
    entries: &mut [u32; TABLE_LEN],
    base: u32,
    src: &[u8],
    start: usize,
    out: &mut [u8],
    limit: usize,
) -> Option<Option<usize>> {
    let end = src.len();
    // `end <= MAX_INPUT` keeps every length sum below (the `need` test) from
    // overflowing, on 32-bit targets too.
    if start > end || end > MAX_INPUT || out.len() < max_compressed_len(end - start) {
        return None;
    }
    let p = src.as_ptr();
    let out_len = out.len();
    let dst = out.as_mut_ptr();
    let mut pos = 0usize;
    let mut anchor = start;
    if end - start > MFLIMIT {
        let mflimit = end - MFLIMIT;
        let match_limit = end - LAST_LITERALS;
        let mut ip = start;
        // The 8 bytes at `ip`, read once per position (after a match, taken from
        // the read at `ip - 2`).
        // SAFETY: `ip = start <= mflimit = end - 12` (`end - start > MFLIMIT`).
        let mut sequence = u64::from_le(unsafe { ptr::read_unaligned(p.add(ip).cast::<u64>()) });
        'blocks: loop {
            // Find a match (see `block::compress` for the reasoning of each step).
            let mut misses = 1u32 << SKIP_TRIGGER;
            let (mut at, offset) = loop {
                // Here `ip <= mflimit` and `sequence` holds the bytes at `ip`.
                let h = hash(sequence);
                let candidate = entries[h];
                entries[h] = base.wrapping_add(ip as u32);
                let c = candidate.wrapping_sub(base) as usize;
                // The distance in u64, as in `block::compress`: a stale entry (below
                // `base`) wraps to at least `src.len()`, but in a 32-bit `usize`
                // `ip - c` wraps back into reach (a bogus offset: corrupt frames from
                // a reused table on thumbv7em, caught by examples/bare under QEMU).
                let distance = (ip as u64).wrapping_sub(c as u64);
                // One branch for both tests (in reach, then equal bytes), as in
                // `block::compress`: with a table reused across calls the first is
                // as unpredictable as the second (two branches measured 660 MB/s
                // against 835). The read is clamped into bounds; a candidate in reach
                // is below `ip <= mflimit`, so the clamp leaves it alone.
                let reach = distance.wrapping_sub(1) < MAX_DISTANCE as u64;
                // SAFETY: `c.min(mflimit) + 4 <= end`.
                let bytes = u32::from_le(unsafe {
                    ptr::read_unaligned(p.add(c.min(mflimit)).cast::<u32>())
                });
                if reach & (bytes == sequence as u32) {
                    break (ip, distance as usize);
                }
                ip += (misses >> SKIP_TRIGGER) as usize;
                misses += 1;
                if ip > mflimit {
                    break 'blocks;
                }
                // SAFETY: `ip <= mflimit = end - 12`, so `ip + 8 <= end`.
                sequence = u64::from_le(unsafe { ptr::read_unaligned(p.add(ip).cast::<u64>()) });
            };
            // The match is `offset` (1 to 65,535) back from `at <= mflimit`: extend it
            // backwards over equal bytes (not before `anchor` nor position 0), then
            // forwards.
            let back = (at - anchor).min(at - offset);
            let mut k = 0;
            // SAFETY: `k < back <= at - offset`, so `at - offset - 1 - k` and
            // `at - 1 - k` are in `src[..at]`.
            while k < back && unsafe { *p.add(at - 1 - k) == *p.add(at - offset - 1 - k) } {
                k += 1;
            }
            at -= k;
            // SAFETY: `offset >= 1`, and `at + 4 <= mflimit + 4 < match_limit <= end`.
            let ml = unsafe { common_len(p, at + MIN_MATCH, at + MIN_MATCH - offset, match_limit) };
            let lit = at - anchor;
            // Room for this sequence: at most `21 + lit + lit / 255 + ml / 255` bytes
            // (the 16-byte literal copy when short included). The quick test
            // (`(lit + ml) >> 7` is at least `lit / 255 + ml / 255`) is looser than
            // the bound on a long run of literals; only when it fails, the exact one
            // (`(lit + ml) / 255`), which never fails when `out` holds the worst case
            // (`out_len - pos >= r + r / 255 + 16` for the `r = end - anchor >=
            // lit + ml + 9` bytes still to compress, since each earlier sequence
            // wrote at most its input plus 1/255 of it). Without it the path gave
            // up there and the block was compressed a second time. No overflow:
            // `lit + ml <= end <= MAX_INPUT`.
            let room = out_len - pos;
            if room < lit + ((lit + ml) >> 7) + 24 && room < lit + (lit + ml) / 255 + 24 {
                return None;
            }
            // SAFETY: every write is within `out[pos..pos + 21 + lit + lit / 255 +
            // ml / 255]`, inside `out` by the test above (token 1,
            // literal length `1 + (lit - 15) / 255`, literals `lit` or 16 when
            // `lit <= 16`, offset 2, match length `1 + (ml - 15) / 255`); reads
            // are in `src[anchor..at]`, or `src[anchor..anchor + 16]` when that is
            // in bounds (tested). `src` and `out` are distinct slices.
            unsafe {
                let mut q = pos + 1;
                if lit >= 15 {
                    q = length(dst, q, lit - 15);
                }
                if lit <= 16 && anchor + 16 <= end {
                    ptr::copy_nonoverlapping(p.add(anchor), dst.add(q), 16);
                } else {
                    copy_long(p.add(anchor), dst.add(q), lit);
                }
                q += lit;
                ptr::write_unaligned(dst.add(q).cast::<[u8; 2]>(), (offset as u16).to_le_bytes());
                q += 2;
                let lits = (lit.min(15) as u8) << 4;
                let token = if ml >= 15 {
                    q = length(dst, q, ml - 15);
                    lits | 15
                } else {
                    lits | ml as u8
                };
                *dst.add(pos) = token;
                pos = q;
            }
            ip = at + MIN_MATCH + ml;
            anchor = ip;
            if ip > mflimit {
                break;
            }
            // Remember a position inside the match, as the reference does.
            let p2 = ip - 2;
            // SAFETY: `p2 + 8 <= mflimit + 6 < end`.
            let s2 = u64::from_le(unsafe { ptr::read_unaligned(p.add(p2).cast::<u64>()) });
            entries[hash(s2)] = base.wrapping_add(p2 as u32);
            // The bytes at `ip` (6 of them; the hash reads 5, the test 4).
            sequence = s2 >> 16;
        }
    }
    // The last literals, with checked writes (once per block).
    Some(last_literals(src.get(anchor..)?, out, pos).filter(|&n| n <= limit))
}

/// Writes the last sequence (literals only) at `out[pos..]`; returns the end, or
/// `None` when it does not fit. Out of line: once per block.
#[inline(never)]
fn last_literals(literals: &[u8], out: &mut [u8], mut pos: usize) -> Option<usize> {
    let lit = literals.len();
    *out.get_mut(pos)? = (lit.min(15) as u8) << 4;
    pos += 1;
    if lit >= 15 {
        let mut n = lit - 15;
        while n >= 255 {
            *out.get_mut(pos)? = 255;
            pos += 1;
            n -= 255;
        }
        *out.get_mut(pos)? = n as u8;
        pos += 1;
    }
    out.get_mut(pos..pos.checked_add(lit)?)?
        .copy_from_slice(literals);
    Some(pos + lit)
}

/// Writes a length extension (`n` past the token's 15) at `dst[q..]`: `n / 255`
/// bytes of 255 and one more; returns the end. One byte inline; longer runs out of
/// line, so the hot loop keeps its registers.
///
/// # Safety
///
/// `dst[q..q + 1 + n / 255]` must be valid for writes.
#[inline(always)]
unsafe fn length(dst: *mut u8, q: usize, n: usize) -> usize {
    if n < 255 {
        // SAFETY: `dst[q]`, the caller's range (`n / 255 == 0`).
        unsafe { *dst.add(q) = n as u8 };
        q + 1
    } else {
        // SAFETY: the caller's contract.
        unsafe { long_length(dst, q, n) }
    }
}

/// [`length`] for `n >= 255`.
///
/// # Safety
///
/// As [`length`].
#[cold]
#[inline(never)]
unsafe fn long_length(dst: *mut u8, mut q: usize, mut n: usize) -> usize {
    while n >= 255 {
        // SAFETY: at most `n / 255` such bytes, within the caller's range.
        unsafe { *dst.add(q) = 255 };
        q += 1;
        n -= 255;
    }
    // SAFETY: the last byte of the caller's range.
    unsafe { *dst.add(q) = n as u8 };
    q + 1
}

/// Copies `n` bytes (out of line: long literal runs are rare).
///
/// # Safety
///
/// As [`ptr::copy_nonoverlapping`].
#[cold]
#[inline(never)]
unsafe fn copy_long(src: *const u8, dst: *mut u8, n: usize) {
    // SAFETY: the caller's contract.
    unsafe { ptr::copy_nonoverlapping(src, dst, n) };
}

/// How many bytes from `a` equal those from `b`, stopping at `limit`: a word at a
/// time, XOR and trailing zeros.
///
/// # Safety
///
/// `b < a <= limit` and `src[..limit]` valid for reads.
#[inline(always)]
unsafe fn common_len(src: *const u8, a: usize, b: usize, limit: usize) -> usize {
    const W: usize = size_of::<usize>();
    let mut n = 0;
    while limit - a - n >= W {
        // SAFETY: `b + n < a + n` and `a + n + W <= limit`: both words are in
        // `src[..limit]`.
        let (x, y) = unsafe {
            (
                ptr::read_unaligned(src.add(a + n).cast::<usize>()),
                ptr::read_unaligned(src.add(b + n).cast::<usize>()),
            )
        };
        let diff = x ^ y;
        if diff != 0 {
            return n + (diff.to_le().trailing_zeros() / 8) as usize;
        }
        n += W;
    }
    // SAFETY: `b + n < a + n < limit`.
    while a + n < limit && unsafe { *src.add(a + n) == *src.add(b + n) } {
        n += 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    /// An xorshift byte stream: incompressible to lz4.
    fn noise(len: usize, mut x: u64) -> Vec<u8> {
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect()
    }

    /// With exactly `max_compressed_len` bytes of room the unchecked compressor must
    /// finish (its per-sequence room test within the bound): a long literal run and
    /// then a short match is the case where a looser test gave up half-way, and the
    /// checked compressor ran the block a second time.
    #[test]
    fn worst_case_room_is_always_enough() {
        let sizes: &[usize] = if cfg!(miri) {
            &[2000]
        } else {
            &[600, 3000, 20_000, 65_536]
        };
        for &len in sizes {
            let lits = noise(len, 7);
            let input = [&lits[..], &lits[..40], &noise(16, 8)[..]].concat();
            let mut entries = std::boxed::Box::new([0u32; TABLE_LEN]);
            let mut out = std::vec![0u8; max_compressed_len(input.len())];
            let limit = out.len();
            let got = compress(&mut entries, 0, &input, 0, &mut out, limit);
            assert!(matches!(got, Some(Some(_))), "{len}: {got:?}");
        }
    }

    /// A small xorshift generator for the property test below.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    /// Literal run lengths at the edges of the length encoding (15, 15 + 255k) and
    /// of the 16-byte short copy, and random ones, long ones included.
    fn literal_run(rng: &mut Rng) -> usize {
        const EDGES: [usize; 12] = [0, 1, 14, 15, 16, 17, 269, 270, 271, 524, 525, 526];
        match rng.below(4) {
            0 => EDGES[rng.below(EDGES.len())],
            1 => rng.below(40),
            2 => rng.below(2000),
            _ => 255 * (1 + rng.below(8)) + 15 - 1 + rng.below(3),
        }
    }

    /// Noise with literal runs and matches mixed at random: short matches right after
    /// long runs (the most output per input byte), long matches (length
    /// extensions), runs of one byte (offset 1).
    fn mixed_input(rng: &mut Rng, len: usize) -> Vec<u8> {
        let mut v: Vec<u8> = Vec::with_capacity(len + 4000);
        let mut seed = rng.next() | 1;
        while v.len() < len {
            let lit = literal_run(rng);
            v.extend(noise(lit, seed));
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1) | 1;
            if v.is_empty() {
                continue;
            }
            match rng.below(3) {
                0 => {
                    // A copy from up to 65,535 back, of 4 to a few hundred bytes.
                    let offset = 1 + rng.below(v.len().min(65_535));
                    let ml = match rng.below(3) {
                        0 => 4,
                        1 => 4 + rng.below(30),
                        _ => 4 + rng.below(700),
                    };
                    for _ in 0..ml {
                        let b = v[v.len() - offset];
                        v.push(b);
                    }
                }
                1 => {
                    let b = v[v.len() - 1];
                    let n = 4 + rng.below(600);
                    v.extend(core::iter::repeat_n(b, n));
                }
                _ => {}
            }
        }
        v.truncate(len);
        v
    }

    /// Over many random inputs (and history before `start`), with exactly
    /// `max_compressed_len` bytes of room: the unchecked compressor always finishes,
    /// writes nothing past `out` (guard bytes after it; Miri checks the rest), gives
    /// the checked compressor's bytes, and they decode to the input.
    #[test]
    fn exact_worst_case_room_on_random_mixed_inputs() {
        let (rounds, max_len) = if cfg!(miri) { (6, 700) } else { (400, 6000) };
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let mut entries = std::boxed::Box::new([0u32; TABLE_LEN]);
        for round in 0..rounds {
            let len = rng.below(max_len) + 1;
            let src = mixed_input(&mut rng, len);
            let start = if rng.below(3) == 0 { rng.below(len) } else { 0 };
            let room = max_compressed_len(len - start);
            entries.fill(0);
            let mut buf = std::vec![0xA5u8; room + 64];
            let got = compress(&mut entries, 0, &src, start, &mut buf[..room], room);
            assert!(
                buf[room..].iter().all(|&b| b == 0xA5),
                "round {round}: wrote past out"
            );
            let Some(Some(n)) = got else {
                panic!("round {round}: len {len}, start {start}: {got:?}");
            };
            // The checked compressor (one byte short of the worst case: the fast
            // path declines at once), from the same empty table.
            let mut table = super::super::block::Table::new();
            let mut checked = std::vec![0u8; room - 1];
            let m = super::super::block::compress(&mut table, &src, start, &mut checked);
            assert_eq!(m, Some(n), "round {round}");
            assert_eq!(buf[..n], checked[..n], "round {round}");
            // And it decodes back (after the history).
            let mut back = src[..start].to_vec();
            back.resize(len, 0);
            assert_eq!(decompress(&buf[..n], &mut back, 0, start), Ok(len));
            assert_eq!(back, src, "round {round}");
        }
    }
}
