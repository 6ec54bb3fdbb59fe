//! The lz4 block format: a compressor over a [`Table`] the caller owns, and the
//! decoder (both with their hot loops in `fast.rs`, the codecs' one `unsafe` module;
//! the checked compressor here runs when the output may not hold the worst case).
//!
//! The compressor is this crate's own (safe code, the reference's "fast" parsing at
//! acceleration 1) rather than lz4_flex's, because lz4_flex's hash tables are boxed
//! when its `alloc` feature is on (so they cannot be built in a `const` and cost an
//! allocation each), and its dictionary API builds a fresh table per call (16 KiB on
//! the stack without `alloc`, a box with it). The linked blocks of the frame format
//! need that dictionary mode, so one compressor serves both.

use super::fast;
use crate::codec::Output;
use crate::codec::{DecodeError, EncodeError};

/// log2 of the hash table's entries (the reference's default 16 KiB table).
pub(super) const HASH_LOG: u32 = 12;
pub(super) const TABLE_LEN: usize = 1 << HASH_LOG;
/// A match is at least 4 bytes.
pub(super) const MIN_MATCH: usize = 4;
/// The last match starts at least 12 bytes before the end of a block.
pub(super) const MFLIMIT: usize = 12;
/// The last 5 bytes of a block are literals.
pub(super) const LAST_LITERALS: usize = 5;
/// The farthest a match may reach back.
pub(super) const MAX_DISTANCE: usize = 65_535;
/// After 2^6 misses in a row the search skips ahead faster.
pub(super) const SKIP_TRIGGER: u32 = 6;
/// The largest input one block call takes (the reference's `LZ4_MAX_INPUT_SIZE`).
pub const MAX_INPUT: usize = 0x7E00_0000;

/// The hash table of the compressor: 4,096 positions (16 KiB), reused from call to
/// call with no clearing and no allocation.
///
/// 16 KiB is more than a small embedded stack holds: there, keep tables in a
/// `static` (as below) rather than in local variables.
///
/// [`Table::new`] is `const` whatever features lz4_flex is built with, and a new
/// table is all zero bytes, so tables can sit in a `static`
/// [`ValuePool`](crate::pool::ValuePool) in `.bss`:
///
/// ```
/// use bufpress::codec::lz4;
/// use bufpress::pool::ValuePool;
///
/// static TABLES: ValuePool<lz4::Table, 2> = ValuePool::new([const { lz4::Table::new() }; 2]);
/// # let _ = TABLES.try_acquire()?;
/// # Ok::<(), bufpress::Error>(())
/// ```
///
/// # How it is reused
///
/// Entries are stored as `base + position`. A call that must not see earlier data
/// moves `base` past every stored value instead of clearing 16 KiB, so the stale
/// entries read as "no candidate"; a full clear happens only when the 32-bit
/// positions would wrap (every ~4 GiB of input).
pub struct Table {
    entries: [u32; TABLE_LEN],
    /// Position 0 of the current call's source is stored as `base`.
    base: u32,
    /// One past the largest value any entry may hold.
    end: u32,
}

impl Table {
    /// A new, empty table (all zero bytes).
    pub const fn new() -> Self {
        Self {
            entries: [0; TABLE_LEN],
            base: 0,
            end: 0,
        }
    }

    /// Forgets every stored position: the next call sees no history.
    pub(super) fn start_independent(&mut self) {
        self.base = self.end;
    }

    /// The source of the next call starts `by` bytes later than the last call's:
    /// entries keep pointing at the same bytes; those before the new start expire.
    pub(super) fn slide(&mut self, by: usize) {
        match u32::try_from(by)
            .ok()
            .and_then(|by| self.base.checked_add(by))
        {
            Some(base) => self.base = base,
            None => self.clear(),
        }
    }

    fn clear(&mut self) {
        self.entries.fill(0);
        // Every zero entry is below `base`, so none is a candidate.
        self.base = 1;
        self.end = 1;
    }

    /// Makes room for a source of `len` bytes (positions must not wrap) and returns
    /// `base`.
    fn prepare(&mut self, len: usize) -> u32 {
        let fits = |base: u32| {
            u32::try_from(len)
                .ok()
                .and_then(|len| base.checked_add(len))
        };
        match fits(self.base) {
            Some(end) => self.end = self.end.max(end),
            None => {
                self.clear();
                self.end = fits(1).unwrap_or(u32::MAX);
            }
        }
        self.base
    }
}

impl Default for Table {
    fn default() -> Self {
        Self::new()
    }
}

impl core::fmt::Debug for Table {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Table")
            .field("bytes", &size_of::<Self>())
            .finish()
    }
}

/// The largest compressed size of `len` bytes as one block (the reference's
/// `LZ4_COMPRESSBOUND`): incompressible data grows by at most `len / 255 + 16` bytes.
pub const fn max_compressed_len(len: usize) -> usize {
    len.saturating_add(len / 255).saturating_add(16)
}

/// Compresses `input` as one independent lz4 block into the spare capacity of `out`,
/// using (and overwriting) `table`. Returns the compressed size; the bytes are
/// committed to `out` only on success.
///
/// The output is the raw block format (no size prefix, no frame): pair it with
/// [`decompress_into`], and keep the original length if the reader needs it.
///
/// # Errors
///
/// - [`EncodeError::OutputTooSmall`] when the block does not fit in `out`; `needed` is
///   the worst case, `out.len() + max_compressed_len(input.len())`. Nothing is
///   committed.
/// - [`EncodeError::InvalidSetting`] when `input` is longer than [`MAX_INPUT`]
///   (0x7E00_0000 bytes), the format's limit for one block.
pub fn compress_into(
    input: &[u8],
    out: &mut (impl Output + ?Sized),
    table: &mut Table,
) -> Result<usize, EncodeError> {
    if input.len() > MAX_INPUT {
        return Err(EncodeError::InvalidSetting);
    }
    table.start_independent();
    let n =
        compress(table, input, 0, out.spare_capacity_mut()).ok_or(EncodeError::OutputTooSmall {
            needed: Some(out.len().saturating_add(max_compressed_len(input.len()))),
            capacity: out.capacity(),
        })?;
    commit(out, n).map_err(|()| EncodeError::OutputTooSmall {
        needed: None,
        capacity: out.capacity(),
    })?;
    Ok(n)
}

/// Decompresses one lz4 block into the spare capacity of `out`; returns the
/// decompressed size. It never writes past `out`'s capacity, and the bytes are
/// committed only on success.
///
/// # Errors
///
/// - [`DecodeError::OutputTooSmall`] when the data does not fit in `out` (nothing
///   committed).
/// - [`DecodeError::Corrupt`] when `input` is not a valid block (an empty input
///   included).
pub fn decompress_into(
    input: &[u8],
    out: &mut (impl Output + ?Sized),
) -> Result<usize, DecodeError> {
    let capacity = out.capacity();
    let too_small = DecodeError::OutputTooSmall {
        needed: None,
        capacity,
    };
    let n = fast::decompress(input, out.spare_capacity_mut(), 0, 0).map_err(|e| match e {
        fast::Error::OutputTooSmall => too_small,
        fast::Error::Corrupt => DecodeError::Corrupt,
    })?;
    commit(out, n).map_err(|()| too_small)?;
    Ok(n)
}

fn commit(out: &mut (impl Output + ?Sized), n: usize) -> Result<(), ()> {
    out.commit(n).map_err(|_| ())
}

/// Where the compressor writes: a slice and a position; every write is checked, so a
/// full output is `None`, never a panic.
struct Sink<'a> {
    out: &'a mut [u8],
    pos: usize,
}

impl Sink<'_> {
    #[inline]
    fn push(&mut self, byte: u8) -> Option<()> {
        *self.out.get_mut(self.pos)? = byte;
        self.pos += 1;
        Some(())
    }

    /// The extension bytes of a literal or match length (`n` past the 15 in the token).
    #[inline]
    fn length(&mut self, mut n: usize) -> Option<()> {
        while n >= 255 {
            self.push(255)?;
            n -= 255;
        }
        self.push(n as u8)
    }

    /// One sequence: literals, then a match of `len` bytes `offset` back. The
    /// literals and the offset share one bounds check.
    #[inline]
    fn sequence(&mut self, literals: &[u8], offset: u16, len: usize) -> Option<()> {
        let lit = literals.len();
        let ml = len - MIN_MATCH;
        self.push(((lit.min(15) as u8) << 4) | ml.min(15) as u8)?;
        if lit >= 15 {
            self.length(lit - 15)?;
        }
        let end = self.pos.checked_add(lit + 2)?;
        let (lits, off) = self.out.get_mut(self.pos..end)?.split_at_mut_checked(lit)?;
        copy(lits, literals);
        if let Some(off) = off.first_chunk_mut::<2>() {
            *off = offset.to_le_bytes();
        }
        self.pos = end;
        if ml >= 15 {
            self.length(ml - 15)?;
        }
        Some(())
    }

    /// The last sequence: literals only (once per block: `copy` for a short run, a
    /// plain `memcpy` otherwise, which keeps the code small).
    fn last(&mut self, literals: &[u8]) -> Option<()> {
        let lit = literals.len();
        self.push((lit.min(15) as u8) << 4)?;
        if lit >= 15 {
            self.length(lit - 15)?;
        }
        let end = self.pos.checked_add(lit)?;
        let dst = self.out.get_mut(self.pos..end)?;
        if lit <= 16 {
            copy(dst, literals);
        } else {
            dst.copy_from_slice(literals);
        }
        self.pos = end;
        Some(())
    }
}

/// `dst.copy_from_slice(src)` (same lengths), with copies of up to 32 bytes done as
/// one or two overlapping fixed-size moves rather than a `memcpy` call: literals are
/// short. An `if` chain, not a `match`, which compiles to a jump table.
#[inline]
fn copy(dst: &mut [u8], src: &[u8]) {
    #[inline]
    fn two<const N: usize>(dst: &mut [u8], src: &[u8]) {
        if let (Some(d), Some(s)) = (dst.first_chunk_mut::<N>(), src.first_chunk::<N>()) {
            *d = *s;
        }
        if let (Some(d), Some(s)) = (dst.last_chunk_mut::<N>(), src.last_chunk::<N>()) {
            *d = *s;
        }
    }
    debug_assert_eq!(dst.len(), src.len());
    let n = src.len();
    if n < 4 {
        // 1 to 3 bytes: the first, and the last two (overlapping).
        if let (Some(d), Some(s)) = (dst.first_mut(), src.first()) {
            *d = *s;
        }
        if n >= 2 {
            two::<2>(dst, src);
        }
    } else if n < 8 {
        two::<4>(dst, src);
    } else if n <= 16 {
        two::<8>(dst, src);
    } else if n <= 32 {
        two::<16>(dst, src);
    } else {
        dst.copy_from_slice(src);
    }
}

#[inline]
fn read_u32(src: &[u8], at: usize) -> Option<u32> {
    let bytes = src.get(at..)?.first_chunk::<4>()?;
    Some(u32::from_le_bytes(*bytes))
}

#[inline]
fn read_u64(src: &[u8], at: usize) -> Option<u64> {
    let bytes = src.get(at..)?.first_chunk::<8>()?;
    Some(u64::from_le_bytes(*bytes))
}

/// The hash of the 5 bytes at the low end of `sequence` (the reference's 64-bit
/// hash, used on every target so the output does not depend on the target).
#[inline]
pub(super) fn hash(sequence: u64) -> usize {
    ((sequence << 24).wrapping_mul(889_523_592_379) >> (64 - HASH_LOG)) as usize & (TABLE_LEN - 1)
}

/// How many bytes from `a` equal those from `b` (`b < a`), stopping at `limit`: a
/// word at a time (XOR, then the trailing zeros of the difference), over slices
/// bounded once.
#[inline]
fn common_len(src: &[u8], a: usize, b: usize, limit: usize) -> usize {
    const W: usize = size_of::<usize>();
    let (Some(x), Some(y)) = (src.get(a..limit), src.get(b..)) else {
        return 0;
    };
    let mut n = 0;
    let mut xs = x.chunks_exact(W);
    for (p, q) in xs.by_ref().zip(y.chunks_exact(W)) {
        let (Some(p), Some(q)) = (p.first_chunk::<W>(), q.first_chunk::<W>()) else {
            break;
        };
        let diff = usize::from_le_bytes(*p) ^ usize::from_le_bytes(*q);
        if diff != 0 {
            return n + (diff.trailing_zeros() / 8) as usize;
        }
        n += W;
    }
    n + tail_len(xs.remainder(), y.get(n..).unwrap_or_default())
}

/// The common prefix of the last few (under 8) bytes before the limit.
#[cold]
fn tail_len(x: &[u8], y: &[u8]) -> usize {
    x.iter().zip(y).take_while(|(p, q)| p == q).count()
}

/// Compresses `src[start..]` as one block into `out`; `src[..start]` is history that
/// matches may reach back into (the previous blocks of a linked frame). `table`
/// maps hashes to positions in `src` (stored as `base + position`).
///
/// Returns the compressed size, or `None` when it does not fit in `out` (the bytes
/// written so far are garbage then). Never panics.
pub(super) fn compress(
    table: &mut Table,
    src: &[u8],
    start: usize,
    out: &mut [u8],
) -> Option<usize> {
    let limit = out.len();
    compress_limited(table, src, start, out, limit)
}

/// [`compress`] for a block that counts only if it takes at most `limit` bytes
/// (`None` otherwise), with `out` as scratch: when `out` holds the worst case, the
/// same parsing runs with unchecked reads and writes (`fast::compress`) and may
/// write past `limit`, inside `out`; otherwise this checked version runs on
/// `out[..limit]`. Either way the bytes and the outcome are the same.
pub(super) fn compress_limited(
    table: &mut Table,
    src: &[u8],
    start: usize,
    out: &mut [u8],
    limit: usize,
) -> Option<usize> {
    let base = table.prepare(src.len());
    if let Some(result) = fast::compress(&mut table.entries, base, src, start, out, limit) {
        return result;
    }
    let out = out.get_mut(..limit)?;
    let entries = &mut table.entries;
    let end = src.len();
    let mut sink = Sink { out, pos: 0 };
    let mut anchor = start;
    if end.saturating_sub(start) > MFLIMIT {
        // Matches start at or before `mflimit` and end at or before `match_limit`;
        // every 8-byte read in the search starts at or before `mflimit`, so it is in
        // bounds (the checks fold away).
        let mflimit = end - MFLIMIT;
        let match_limit = end - LAST_LITERALS;
        let mut ip = start;
        'blocks: loop {
            // Find a match: hash 4 bytes, check the position last seen with that hash.
            let mut misses = 1u32 << SKIP_TRIGGER;
            let (mut at, mut from) = loop {
                if ip > mflimit {
                    break 'blocks;
                }
                let sequence = read_u64(src, ip)?;
                let h = hash(sequence);
                let candidate = entries[h];
                entries[h] = base.wrapping_add(ip as u32);
                // `prepare` keeps `base + src.len()` within u32, so an entry below
                // `base` (stale) wraps to at least `src.len()`: the distance test
                // rejects it along with entries at or after `ip`. The test is in u64:
                // in a 32-bit `usize`, `ip - c` for such a `c` wraps back into reach
                // (a stale entry became a match with a bogus offset: corrupt blocks
                // on 32-bit targets from a reused table, found running under QEMU).
                // One branch for both tests (in reach, then equal bytes): with a table
                // reused across calls the first is as unpredictable as the second.
                // The read is clamped into bounds (a candidate in reach is below
                // `ip`, so the clamp leaves it alone).
                let c = candidate.wrapping_sub(base) as usize;
                let reach =
                    (ip as u64).wrapping_sub(c as u64).wrapping_sub(1) < MAX_DISTANCE as u64;
                let bytes = read_u32(src, c.min(mflimit)).unwrap_or(!(sequence as u32));
                if reach & (bytes == sequence as u32) {
                    break (ip, c);
                }
                ip += (misses >> SKIP_TRIGGER) as usize;
                misses += 1;
            };
            // Extend it backwards over equal bytes, then forwards.
            while at > anchor && from > 0 {
                match (src.get(at - 1), src.get(from - 1)) {
                    (Some(x), Some(y)) if x == y => {
                        at -= 1;
                        from -= 1;
                    }
                    _ => break,
                }
            }
            let len = MIN_MATCH + common_len(src, at + MIN_MATCH, from + MIN_MATCH, match_limit);
            sink.sequence(src.get(anchor..at)?, (at - from) as u16, len)?;
            ip = at + len;
            anchor = ip;
            if ip > mflimit {
                break;
            }
            // Remember a position inside the match, as the reference does.
            let p = ip - 2;
            let sequence = read_u64(src, p)?;
            entries[hash(sequence)] = base.wrapping_add(p as u32);
        }
    }
    sink.last(src.get(anchor..)?)?;
    Some(sink.pos)
}
