//! The guard [`Buf`] and the raw handle [`RawBuf`].
// `unsafe` here: a guard turns its slot index into the slot's bytes. The crate root denies it everywhere else.
#![allow(unsafe_code)]

use core::fmt;
use core::mem::ManuallyDrop;
use core::ops::{Deref, DerefMut};

use super::handle;
use super::pool_ref::PoolRef;
use crate::error::CapacityError;

/// One buffer taken from a pool, owned until dropped; dropping it returns exactly this
/// buffer to its pool.
///
/// A `Buf` is a bounded byte vector over its buffer: the filled part (`len`) derefs to
/// `[u8]`; appending past the capacity is a [`CapacityError`], never a panic or a
/// reallocation. Codecs write straight into the unused part
/// ([`spare_capacity_mut`](Self::spare_capacity_mut)) and then
/// [`commit`](Self::commit) what they wrote.
///
/// ```
/// use bufpress::pool::Pool;
///
/// static POOL: Pool<2, 16> = Pool::new();
///
/// let mut buf = POOL.try_acquire()?;
/// buf.extend_from_slice(b"abc")?;
/// let spare = buf.spare_capacity_mut();
/// spare[..2].copy_from_slice(b"de");
/// buf.commit(2)?;
/// assert_eq!(&buf[..], b"abcde");
/// assert!(buf.extend_from_slice(&[0; 12]).is_err()); // 17 > 16: nothing written
/// assert_eq!(buf.len(), 5);
/// # Ok::<(), bufpress::Error>(())
/// ```
///
/// A guard is `Send` (and `Sync`): it can be moved to another thread, or through a
/// queue as a [`RawBuf`]. The borrow checker keeps it from outliving its pool, and a
/// released guard cannot be used again:
///
/// ```compile_fail
/// use bufpress::pool::Pool;
/// let buf = {
///     let pool: Pool<1, 8> = Pool::new();
///     pool.try_acquire().unwrap() // error: `pool` does not live long enough
/// };
/// ```
///
/// ```compile_fail
/// use bufpress::pool::Pool;
/// static POOL: Pool<1, 8> = Pool::new();
/// let buf = POOL.try_acquire().unwrap();
/// drop(buf);
/// let _ = buf.len(); // error: use of moved value
/// ```
///
/// Releasing twice is the same error, and a guard of a pool that does not live for
/// `'static` cannot be sent to a detached thread (scoped threads are fine):
///
/// ```compile_fail
/// use bufpress::pool::Pool;
/// static POOL: Pool<1, 8> = Pool::new();
/// let buf = POOL.try_acquire().unwrap();
/// drop(buf);
/// drop(buf); // error: use of moved value
/// ```
///
/// ```compile_fail
/// use bufpress::pool::Pool;
/// let pool: Pool<1, 8> = Pool::new();
/// let buf = pool.try_acquire().unwrap();
/// std::thread::spawn(move || drop(buf)); // error: `pool` does not live long enough
/// ```
///
/// ```
/// use bufpress::pool::Pool;
/// static POOL: Pool<1, 8> = Pool::new();
/// let buf = POOL.try_acquire().unwrap();
/// std::thread::spawn(move || drop(buf)).join().unwrap(); // a 'static pool's guard is Send
/// assert_eq!(POOL.stats().available, 1);
/// ```
// Invariants: `index` is a slot of `pool` that this guard alone owns;
// `len <= dirty <= capacity`, where `dirty` bounds every byte this holder may have
// written (what scrubbing zeroes).
pub struct Buf<'p> {
    pool: PoolRef<'p>,
    index: u16,
    len: u32,
    dirty: u32,
}

impl<'p> Buf<'p> {
    /// The caller owns `index` on `pool`'s free list and hands it to the guard.
    #[inline]
    pub(crate) fn new(pool: PoolRef<'p>, index: u16, len: u32, dirty: u32) -> Self {
        debug_assert!(len <= dirty && dirty as usize <= pool.buf_size());
        Self {
            pool,
            index,
            len,
            dirty,
        }
    }

    /// The filled part.
    #[inline]
    pub fn as_slice(&self) -> &[u8] {
        // SAFETY: the guard owns slot `index` (< capacity), whose bytes are initialized
        // and valid for 'p; `len <= capacity`.
        unsafe { core::slice::from_raw_parts(self.pool.slot_ptr(self.index), self.len()) }
    }

    /// The filled part, mutably.
    #[inline]
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        // SAFETY: as in `as_slice`; `&mut self` makes this the only live reference to
        // the slot's bytes.
        unsafe { core::slice::from_raw_parts_mut(self.pool.slot_ptr(self.index), self.len()) }
    }

    /// Bytes `start..end` of the buffer, mutably, with no bounds check (so no panic
    /// path: `try_acquire`, release and the writes must have none).
    ///
    /// # Safety
    ///
    /// `start <= end <= self.capacity()`.
    #[inline]
    unsafe fn range_mut(&mut self, start: usize, end: usize) -> &mut [u8] {
        debug_assert!(start <= end && end <= self.capacity());
        // SAFETY: the guard owns slot `index` (below the pool's capacity), whose
        // `capacity()` bytes are initialized and valid for 'p; the caller keeps
        // `start <= end <= capacity`; `&mut self` makes this the only live reference.
        unsafe {
            core::slice::from_raw_parts_mut(self.pool.slot_ptr(self.index).add(start), end - start)
        }
    }

    /// A pointer to the buffer's first byte, e.g. for a DMA descriptor. Valid for
    /// `capacity()` bytes while the buffer is held (as a guard or a [`RawBuf`]) and its
    /// pool is neither moved nor dropped: a `RawBuf` does not borrow the pool, so for a
    /// pool that is not a `static` that is the caller's to ensure.
    ///
    /// Since anything may be written through it, a scrubbing pool zeroes the whole
    /// buffer when it comes back.
    #[inline]
    pub fn as_mut_ptr(&mut self) -> *mut u8 {
        self.note_dirty(self.capacity());
        // SAFETY: the guard owns slot `index`, which is below the capacity.
        unsafe { self.pool.slot_ptr(self.index) }
    }

    /// How many bytes are filled.
    #[inline]
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// Whether nothing is filled.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The buffer's size in bytes.
    #[inline]
    pub fn capacity(&self) -> usize {
        self.pool.buf_size()
    }

    /// How many more bytes fit.
    #[inline]
    pub fn remaining(&self) -> usize {
        self.capacity() - self.len()
    }

    /// Empties the buffer (the bytes stay until release, where scrubbing zeroes them).
    #[inline]
    pub fn clear(&mut self) {
        self.len = 0;
    }

    /// Shortens the filled part to `len`; does nothing if it is already shorter.
    #[inline]
    pub fn truncate(&mut self, len: usize) {
        if len < self.len() {
            self.len = len as u32;
        }
    }

    /// Appends `data`, all or nothing.
    ///
    /// # Errors
    ///
    /// [`CapacityError`] when `data` does not fit; nothing is written then.
    #[inline]
    pub fn extend_from_slice(&mut self, data: &[u8]) -> Result<(), CapacityError> {
        let start = self.len();
        let end = self.end_after(data.len())?;
        self.note_dirty(end);
        // SAFETY: `start = len <= end <= capacity` (checked by `end_after`); the
        // destination is the guard's own slot and cannot overlap `data`, which is
        // borrowed while `self` is borrowed mutably.
        unsafe { self.range_mut(start, end) }.copy_from_slice(data);
        self.len = end as u32;
        Ok(())
    }

    /// Appends one byte.
    ///
    /// # Errors
    ///
    /// [`CapacityError`] when the buffer is full.
    #[inline]
    pub fn push(&mut self, byte: u8) -> Result<(), CapacityError> {
        self.extend_from_slice(&[byte])
    }

    /// The unused part of the buffer, to write into before [`commit`](Self::commit).
    ///
    /// Its bytes are initialized: zeros in a fresh pool or one that scrubs, otherwise
    /// whatever an earlier holder left there. When the bound on what will be written
    /// is known, [`try_spare_capacity_mut`](Self::try_spare_capacity_mut) lets a scrubbing pool zero less.
    #[inline]
    pub fn spare_capacity_mut(&mut self) -> &mut [u8] {
        let (start, cap) = (self.len(), self.capacity());
        self.note_dirty(cap);
        // SAFETY: `len <= capacity` (type invariant).
        unsafe { self.range_mut(start, cap) }
    }

    /// The next `n` bytes of the unused part.
    ///
    /// # Errors
    ///
    /// [`CapacityError`] when fewer than `n` bytes are unused.
    #[inline]
    pub fn try_spare_capacity_mut(&mut self, n: usize) -> Result<&mut [u8], CapacityError> {
        let start = self.len();
        let end = self.end_after(n)?;
        self.note_dirty(end);
        // SAFETY: `start = len <= end <= capacity` (checked by `end_after`).
        Ok(unsafe { self.range_mut(start, end) })
    }

    /// Adds `n` bytes written into the unused part to the filled part.
    ///
    /// # Errors
    ///
    /// [`CapacityError`] when fewer than `n` bytes are unused; the length is unchanged.
    #[inline]
    pub fn commit(&mut self, n: usize) -> Result<(), CapacityError> {
        let end = self.end_after(n)?;
        self.note_dirty(end);
        self.len = end as u32;
        Ok(())
    }

    /// Records that bytes up to `end` (at most the capacity) may have been written.
    #[inline]
    fn note_dirty(&mut self, end: usize) {
        if end as u32 > self.dirty {
            self.dirty = end as u32;
        }
    }

    fn end_after(&self, n: usize) -> Result<usize, CapacityError> {
        let capacity = self.capacity();
        match self.len().checked_add(n) {
            Some(end) if end <= capacity => Ok(end),
            _ => Err(CapacityError {
                needed: self.len().saturating_add(n),
                capacity,
            }),
        }
    }

    /// The slot index of this buffer in its pool (below the pool's capacity).
    #[inline]
    pub fn index(&self) -> usize {
        usize::from(self.index)
    }

    /// The pool this buffer came from.
    #[inline]
    pub fn pool_ref(&self) -> PoolRef<'p> {
        self.pool
    }

    /// Gives up the guard for a small `Copy` handle (8 bytes) that a DMA descriptor or
    /// an interrupt queue can carry; the buffer stays taken until the handle is turned
    /// back with the pool's `try_from_raw`.
    ///
    /// A handle that is never turned back keeps its buffer out of the pool (like
    /// forgetting the guard): no memory is unsafe, but the buffer is lost.
    ///
    /// A DMA descriptor needs the buffer's address and capacity too:
    /// [`PoolRef::raw_parts`] gives them for the handle. Handles travel from an
    /// interrupt handler to a task through a [`RawQueue`](super::RawQueue).
    pub fn into_raw(self) -> RawBuf {
        let mut this = ManuallyDrop::new(self);
        if this.pool.scrub_on_release() {
            // Bytes past `len` will not be known to the next guard: zero them now.
            let (len, dirty) = (this.len(), this.dirty as usize);
            // SAFETY: `len <= dirty <= capacity` (type invariant).
            unsafe { this.range_mut(len, dirty) }.fill(0);
        }
        let key = this.pool.free().mark_raw(this.index);
        RawBuf {
            index: this.index,
            key,
            len: this.len,
        }
    }
}

/// A buffer is the pool's [`Output`](crate::codec::Output): its capacity is the bound.
impl crate::codec::Output for Buf<'_> {
    #[inline]
    fn len(&self) -> usize {
        self.len()
    }
    #[inline]
    fn capacity(&self) -> usize {
        self.capacity()
    }
    #[inline]
    fn as_slice(&self) -> &[u8] {
        self.as_slice()
    }
    #[inline]
    fn filled_and_spare_mut(&mut self) -> &mut [u8] {
        let cap = self.capacity();
        self.note_dirty(cap);
        // SAFETY: `0 <= capacity`.
        unsafe { self.range_mut(0, cap) }
    }
    #[inline]
    fn commit(&mut self, n: usize) -> Result<(), CapacityError> {
        self.commit(n)
    }
    #[inline]
    fn truncate(&mut self, len: usize) {
        self.truncate(len);
    }
    #[inline]
    fn remaining(&self) -> usize {
        self.remaining()
    }
    #[inline]
    fn spare_capacity_mut(&mut self) -> &mut [u8] {
        self.spare_capacity_mut()
    }
    #[inline]
    fn try_spare_capacity_mut(&mut self, n: usize) -> Result<&mut [u8], CapacityError> {
        self.try_spare_capacity_mut(n)
    }
    #[inline]
    fn extend_from_slice(&mut self, data: &[u8]) -> Result<(), CapacityError> {
        self.extend_from_slice(data)
    }
}

impl Drop for Buf<'_> {
    #[inline]
    fn drop(&mut self) {
        if self.pool.scrub_on_release() {
            let dirty = self.dirty as usize;
            // SAFETY: `dirty <= capacity` (type invariant).
            unsafe { self.range_mut(0, dirty) }.fill(0);
        }
        handle::release(self.pool.shared(), self.index);
    }
}

impl Deref for Buf<'_> {
    type Target = [u8];

    #[inline]
    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl DerefMut for Buf<'_> {
    #[inline]
    fn deref_mut(&mut self) -> &mut [u8] {
        self.as_mut_slice()
    }
}

impl AsRef<[u8]> for Buf<'_> {
    fn as_ref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl AsMut<[u8]> for Buf<'_> {
    fn as_mut(&mut self) -> &mut [u8] {
        self.as_mut_slice()
    }
}

impl fmt::Debug for Buf<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Buf")
            .field("index", &self.index)
            .field("len", &self.len)
            .field("capacity", &self.capacity())
            .finish()
    }
}

/// A buffer held without a guard: a slot index, a 15-bit key and a length, 8 bytes,
/// `Copy`.
///
/// Made by [`Buf::into_raw`], turned back by `try_from_raw` on the same pool. The pool
/// checks the key, so a handle turned back twice, or given to the wrong pool, is an
/// error rather than a second owner.
///
/// The key is a check, not a secret: every handle gets a new one (a counter the pool
/// advances, mixed with the pool's address), so a stale handle or one of another pool
/// is refused unless it matches a handle live in this pool, which a handle made up at
/// random does with a chance of about 1 in 2^15 per live handle. Such a match takes
/// the slot instead of the live handle (which is refused afterwards), never besides
/// it, and its length (at most the buffer's size) is taken as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct RawBuf {
    index: u16,
    key: u16,
    len: u32,
}

impl RawBuf {
    /// The slot index.
    pub fn index(self) -> usize {
        usize::from(self.index)
    }

    /// The filled length carried by the handle.
    pub fn len(self) -> usize {
        self.len as usize
    }

    /// Whether the carried length is 0.
    pub fn is_empty(self) -> bool {
        self.len == 0
    }

    /// The same handle with another filled length, e.g. the bytes a DMA transfer
    /// wrote. `try_from_raw` checks it against the capacity (a length past
    /// `u32::MAX`, more than any buffer holds, is kept as `u32::MAX` and refused there
    /// unless the buffer is exactly `u32::MAX` bytes).
    #[must_use]
    pub fn with_len(self, len: usize) -> Self {
        Self {
            len: u32::try_from(len).unwrap_or(u32::MAX),
            ..self
        }
    }

    /// The handle packed into one `u64`, for queues and descriptors that carry words.
    pub fn to_bits(self) -> u64 {
        u64::from(self.index) | (u64::from(self.key) << 16) | (u64::from(self.len) << 32)
    }

    /// The handle from [`to_bits`](Self::to_bits). Any value is accepted here; the
    /// pool checks it when it is turned back.
    pub fn from_bits(bits: u64) -> Self {
        Self {
            index: bits as u16,
            key: (bits >> 16) as u16,
            len: (bits >> 32) as u32,
        }
    }

    pub(crate) fn index_u16(self) -> u16 {
        self.index
    }

    pub(crate) fn key(self) -> u16 {
        self.key
    }
}

/// Fills the buffer from code written for `bytes::BytesMut` (feature `bytes`): `put_*`
/// append to the filled part, [`remaining_mut`](bytes::BufMut::remaining_mut) is the
/// unused part ([`Buf::remaining`]). The buffer never grows.
///
/// ```
/// use bufpress::pool::Pool;
/// use bytes::BufMut;
///
/// static POOL: Pool<1, 16> = Pool::new();
/// let mut buf = POOL.try_acquire()?;
/// buf.put_u16(0xCAFE);
/// buf.put_slice(b"abc");
/// assert_eq!(&buf[..], b"\xCA\xFEabc");
/// assert_eq!(buf.remaining_mut(), 11);
/// # Ok::<(), bufpress::Error>(())
/// ```
///
/// # Panics
///
/// As `BufMut`'s contract says of a buffer that cannot grow: `put_slice`, the
/// `put_*` integer methods and `advance_mut` panic when the bytes do not fit in
/// [`remaining_mut`](bytes::BufMut::remaining_mut) (nothing is appended then). Check
/// `remaining_mut()` first, or use [`Buf::extend_from_slice`], which fails instead.
///
/// `bytes` links the `alloc` crate (for `Bytes` and `BytesMut`), so a `no_std` binary
/// that turns this feature on needs a `#[global_allocator]`, although nothing here
/// calls it.
// SAFETY: the trait asks that `chunk_mut` give memory writable for its length that
// belongs to the buffer, that `remaining_mut` bound what can be written, and that
// `advance_mut(cnt)` make exactly the next `cnt` bytes of that memory part of the
// filled data. `chunk_mut` is the guard's own unused part (`spare_capacity_mut`: slot
// bytes from `len` to the capacity, which this guard alone owns), `remaining_mut` is
// its length, and `advance_mut` moves `len` by `cnt` through `commit`, which refuses
// (and this panics) past the capacity, so `len <= capacity` always holds.
#[cfg(feature = "bytes")]
unsafe impl bytes::BufMut for Buf<'_> {
    #[inline]
    fn remaining_mut(&self) -> usize {
        self.remaining()
    }

    #[inline]
    unsafe fn advance_mut(&mut self, cnt: usize) {
        // The bytes are initialized whatever the caller did: a guard's slot bytes
        // always are (zeros or an earlier holder's data), so this needs no `unsafe`.
        if let Err(e) = self.commit(cnt) {
            panic!("Buf::advance_mut: {e}");
        }
    }

    #[inline]
    fn chunk_mut(&mut self) -> &mut bytes::buf::UninitSlice {
        bytes::buf::UninitSlice::new(self.spare_capacity_mut())
    }
}
