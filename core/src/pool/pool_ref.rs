//! [`PoolRef`]: any byte pool seen through one non-generic handle.
//!
//! `Pool<N, SIZE, ..>` and `RegionPool<N>` differ only in where their memory is; both
//! hand out a `PoolRef`, and every operation (acquire, release, raw handles, stats) is
//! written once, here and in [`Buf`](super::Buf), instead of once per `N` and `SIZE`.
// `unsafe` here: slot addresses, and the `Send`/`Sync` of the handle. The crate root denies it everywhere else.
#![allow(unsafe_code)]

use core::fmt;
use core::ptr::NonNull;

use super::buf::{Buf, RawBuf};
use super::freelist::{FreeList, Stats};
use super::handle::Shared;
use super::handle::{self, PoolHandle, sealed};
use crate::error::{AcquireError, RawError};

/// The operations of a byte pool, forwarded to its [`PoolRef`]: written once for
/// [`Pool`](super::Pool) and [`RegionPool`](super::RegionPool), so they cannot drift
/// apart. Expands inside their `impl` blocks, next to their `pool_ref`.
macro_rules! forward_to_pool_ref {
    () => {
        /// Takes a free buffer, empty. Never blocks, never waits on a lock; safe in an
        /// interrupt handler. See [`PoolRef::try_acquire`].
        ///
        /// # Errors
        ///
        /// [`AcquireError`](crate::error::AcquireError) only when every buffer is taken.
        #[inline]
        pub fn try_acquire(&self) -> Result<$crate::pool::Buf<'_>, $crate::error::AcquireError> {
            self.pool_ref().try_acquire()
        }

        /// Takes a free buffer, spinning with backoff until one is free. Not in an
        /// interrupt handler, nor in an async task: see [`PoolRef::acquire_blocking`].
        pub fn acquire_blocking(&self) -> $crate::pool::Buf<'_> {
            self.pool_ref().acquire_blocking()
        }

        /// A bounded wait: see [`PoolRef::acquire_spinning`].
        ///
        /// # Errors
        ///
        /// [`AcquireError`](crate::error::AcquireError) when no buffer came free within
        /// `max_rounds`.
        pub fn acquire_spinning(
            &self,
            max_rounds: u32,
        ) -> Result<$crate::pool::Buf<'_>, $crate::error::AcquireError> {
            self.pool_ref().acquire_spinning(max_rounds)
        }

        /// Waits for a free buffer (feature `async`): see [`PoolRef::acquire`].
        #[cfg(feature = "async")]
        #[inline]
        pub fn acquire(&self) -> $crate::pool::Acquire<'_> {
            self.pool_ref().acquire()
        }

        /// Turns a raw handle back into a guard: see [`PoolRef::try_from_raw`].
        ///
        /// # Errors
        ///
        /// [`RawError`](crate::error::RawError) for a handle that is not held as raw
        /// in this pool.
        pub fn try_from_raw(
            &self,
            raw: $crate::pool::RawBuf,
        ) -> Result<$crate::pool::Buf<'_>, $crate::error::RawError> {
            self.pool_ref().try_from_raw(raw)
        }

        /// The address and capacity of a raw handle's buffer: see
        /// [`PoolRef::raw_parts`].
        ///
        /// # Errors
        ///
        /// [`RawError`](crate::error::RawError) as for `try_from_raw`.
        pub fn raw_parts(
            &self,
            raw: $crate::pool::RawBuf,
        ) -> Result<(core::ptr::NonNull<u8>, usize), $crate::error::RawError> {
            self.pool_ref().raw_parts(raw)
        }

        /// The pool's counters in O(1), with no lock.
        pub fn stats(&self) -> $crate::pool::Stats {
            self.pool_ref().stats()
        }

        /// Sets the high-water mark to the current use and the failure count to 0.
        pub fn reset_stats(&self) {
            self.pool_ref().reset_stats();
        }
    };
}
pub(crate) use forward_to_pool_ref;

/// A handle to a byte pool: copyable, the size of a few pointers, non-generic.
///
/// Get one from [`Pool::pool_ref`](super::Pool::pool_ref) or
/// [`RegionPool::pool_ref`](super::RegionPool::pool_ref). Code that takes a `PoolRef`
/// (a codec, a queue, [`SizeClasses`](super::SizeClasses)) works with every pool.
/// Copying it shares the pool, never a buffer: each buffer is reached only through the
/// [`Buf`] or raw handle that holds it.
// Invariants: for every slot index `i` below `shared.free().capacity()`, the `size` bytes at
// `base + i * stride` are initialized, valid for reads and writes for `'p`, disjoint
// from every other slot, and touched only by whoever owns slot `i` on that free list (a `Buf`
// or a raw handle). `stride >= size`, and `size` fits in a `u32`.
#[derive(Clone, Copy)]
pub struct PoolRef<'p> {
    shared: Shared<'p>,
    base: NonNull<u8>,
    stride: usize,
    size: u32,
    scrub: bool,
}

// SAFETY: a `PoolRef` is a shared view of a pool: the free list is made of atomics, and
// slot memory is reached only by the owner of the slot (the invariant above), so
// sending or sharing the handle across threads is like sharing `&Pool`.
unsafe impl Send for PoolRef<'_> {}
// SAFETY: as for `Send`.
unsafe impl Sync for PoolRef<'_> {}

impl<'p> PoolRef<'p> {
    /// # Safety
    ///
    /// The arguments must satisfy the type's invariants for `'p`.
    #[inline]
    pub(crate) const unsafe fn from_parts(
        shared: Shared<'p>,
        base: NonNull<u8>,
        stride: usize,
        size: u32,
        scrub: bool,
    ) -> Self {
        Self {
            shared,
            base,
            stride,
            size,
            scrub,
        }
    }

    /// Takes a free buffer, empty (`len() == 0`).
    ///
    /// Never blocks and never waits on a lock: it is safe to call from an interrupt
    /// handler that interrupted another holder of the pool.
    ///
    /// # Errors
    ///
    /// [`AcquireError`] only when every buffer is taken (never spuriously).
    #[inline]
    pub fn try_acquire(self) -> Result<Buf<'p>, AcquireError> {
        handle::try_acquire(self)
    }

    /// Takes a free buffer, spinning with exponential backoff while none is free.
    ///
    /// For code that may wait. It returns only when a buffer is released, so on a
    /// single core it must not be called where the holders cannot run (an interrupt
    /// handler); use [`try_acquire`](Self::try_acquire) or
    /// [`acquire_spinning`](Self::acquire_spinning) there. The std adapter adds a
    /// parking acquire with a timeout.
    pub fn acquire_blocking(self) -> Buf<'p> {
        handle::acquire_blocking(self)
    }

    /// Like [`acquire_blocking`](Self::acquire_blocking), but gives up after `max_rounds` rounds of
    /// backoff (each at most 64 spin-loop hints): a bounded wait.
    ///
    /// # Errors
    ///
    /// [`AcquireError`] when no buffer came free within the rounds.
    pub fn acquire_spinning(self, max_rounds: u32) -> Result<Buf<'p>, AcquireError> {
        handle::acquire_spinning(self, max_rounds)
    }

    /// Waits for a free buffer without spinning: a future that completes at once when
    /// a buffer is free and nobody waits, and otherwise queues the task (FIFO) until a
    /// release hands it one (feature `async`).
    ///
    /// Works on any executor and allocates nothing (the queue node lives in the
    /// future). Cancel-safe: dropping the future at any point loses no buffer. Not for
    /// interrupt handlers unless the `critical-section` feature is on: neither polling
    /// the future nor dropping one that waits (both take the waiter lock; see
    /// [`Acquire`](super::Acquire)); they use [`try_acquire`](Self::try_acquire).
    ///
    /// ```
    /// # use core::{future::Future, pin::pin, task::{Context, Poll, Waker}};
    /// use bufpress::pool::{Buf, PoolRef, Pool};
    ///
    /// static POOL: Pool<2, 512> = Pool::new();
    ///
    /// async fn frame(pool: PoolRef<'static>) -> Result<Buf<'static>, bufpress::Error> {
    ///     let mut buf = pool.acquire().await; // waits while both buffers are out
    ///     buf.extend_from_slice(b"frame")?;
    ///     Ok(buf)
    /// }
    ///
    /// # fn block_on<F: Future>(f: F) -> F::Output {
    /// #     let mut f = pin!(f);
    /// #     let mut cx = Context::from_waker(Waker::noop());
    /// #     loop { if let Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } }
    /// # }
    /// let buf = block_on(frame(POOL.pool_ref()))?;
    /// assert_eq!(&buf[..], b"frame");
    /// # Ok::<(), bufpress::Error>(())
    /// ```
    #[cfg(feature = "async")]
    #[inline]
    pub fn acquire(self) -> super::Acquire<'p> {
        super::Acquire::new(self)
    }

    /// Turns a raw handle from [`Buf::into_raw`] back into a guard.
    ///
    /// The pool checks the handle: a handle that is stale (already turned back),
    /// duplicated, from another pool, or forged gives an error, never a second owner.
    /// The buffer is scrubbed whole on release (when scrubbing is on), since the pool
    /// cannot know what was written to it while it was raw (a DMA transfer).
    ///
    /// # Errors
    ///
    /// [`RawError`] when the handle does not stand for a buffer of this pool held as
    /// raw, or its length exceeds the capacity.
    pub fn try_from_raw(self, raw: RawBuf) -> Result<Buf<'p>, RawError> {
        let capacity = self.buf_size();
        if raw.len() > capacity {
            return Err(RawError::Length {
                len: raw.len(),
                capacity,
            });
        }
        self.free().claim_raw(raw.index_u16(), raw.key())?;
        let dirty = if self.scrub {
            self.size
        } else {
            raw.len() as u32
        };
        Ok(Buf::new(self, raw.index_u16(), raw.len() as u32, dirty))
    }

    /// The address and capacity of the buffer a raw handle holds, e.g. for a DMA
    /// descriptor, checked like [`try_from_raw`](Self::try_from_raw) but without
    /// claiming the buffer: the handle stays valid.
    ///
    /// The pointer is valid for reads and writes of `capacity` bytes while the raw
    /// handle is held, that is until it is turned back with `try_from_raw` (after
    /// which the guard owns the bytes, and then the pool), and while the pool is
    /// neither moved nor dropped: a `RawBuf` does not borrow the pool, so for a pool
    /// that is not a `static` (a `RegionPool`'s buffers never move) that is the
    /// caller's to ensure. Using it is `unsafe` and
    /// the caller's to get right: the pool cannot see a DMA transfer still running
    /// when the handle is turned back. Because anything may be written through it, a
    /// scrubbing pool zeroes the whole buffer when it comes back.
    ///
    /// ```
    /// use bufpress::pool::Pool;
    ///
    /// static POOL: Pool<2, 256> = Pool::new();
    ///
    /// let raw = POOL.try_acquire()?.into_raw();
    /// let (ptr, capacity) = POOL.raw_parts(raw)?; // into the DMA descriptor
    /// assert_eq!(capacity, 256);
    /// // ... the transfer writes 5 bytes at `ptr`, its completion interrupt posts:
    /// # unsafe { ptr.as_ptr().copy_from_nonoverlapping(b"hello".as_ptr(), 5) };
    /// let buf = POOL.try_from_raw(raw.with_len(5))?;
    /// assert_eq!(buf, *b"hello");
    /// # Ok::<(), bufpress::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`RawError`] as for `try_from_raw`: the handle is not held as raw in this
    /// pool, or its length exceeds the capacity.
    pub fn raw_parts(self, raw: RawBuf) -> Result<(NonNull<u8>, usize), RawError> {
        let capacity = self.buf_size();
        if raw.len() > capacity {
            return Err(RawError::Length {
                len: raw.len(),
                capacity,
            });
        }
        self.free().check_raw(raw.index_u16(), raw.key())?;
        // SAFETY: `check_raw` found the index below the capacity (a link exists).
        let ptr = unsafe { self.slot_ptr(raw.index_u16()) };
        // SAFETY: `slot_ptr` offsets the non-null `base` inside its allocation.
        Ok((unsafe { NonNull::new_unchecked(ptr) }, capacity))
    }

    /// The pool's counters, read in O(1) with no lock.
    pub fn stats(self) -> Stats {
        self.free().stats()
    }

    /// Sets the high-water mark to the current use and the failure count to 0.
    pub fn reset_stats(self) {
        self.free().reset_stats();
    }

    /// How many buffers the pool has.
    #[inline]
    pub const fn capacity(self) -> usize {
        self.shared.free().capacity()
    }

    /// The size of each buffer in bytes.
    #[inline]
    pub const fn buf_size(self) -> usize {
        self.size as usize
    }

    /// Whether released buffers are zeroed (see the pool's docs).
    #[inline]
    pub fn scrub_on_release(self) -> bool {
        self.scrub
    }

    /// Whether `buf` came from this pool.
    pub fn owns(self, buf: &Buf<'_>) -> bool {
        buf.pool_ref().base == self.base
    }

    #[inline]
    pub(crate) fn free(self) -> FreeList<'p> {
        self.shared.free()
    }

    #[inline]
    pub(crate) fn shared(self) -> Shared<'p> {
        self.shared
    }

    /// The first byte of slot `index`.
    ///
    /// # Safety
    ///
    /// `index < self.capacity()`.
    #[inline]
    pub(crate) unsafe fn slot_ptr(self, index: u16) -> *mut u8 {
        debug_assert!(usize::from(index) < self.capacity());
        // SAFETY: by the type's invariant the slots `0..capacity` lie inside one
        // allocation at `base + i * stride`, and the caller keeps `index` below it.
        unsafe { self.base.as_ptr().add(usize::from(index) * self.stride) }
    }
}

impl fmt::Debug for PoolRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PoolRef")
            .field("buf_size", &self.size)
            .field("stats", &self.stats())
            .field("scrub", &self.scrub)
            .finish()
    }
}

impl PoolHandle for PoolRef<'_> {}

// Crate-private types in a sealed trait's impl (see `handle.rs`).
#[allow(private_interfaces)]
impl<'p> sealed::Handle for PoolRef<'p> {
    type Guard = Buf<'p>;

    #[inline]
    fn shared(&self) -> Shared<'_> {
        self.shared
    }

    #[inline]
    fn guard(self, index: u16, _: sealed::Token) -> Buf<'p> {
        Buf::new(self, index, 0, 0)
    }
}
