//! A per-thread cache of pool buffers: a small stack of guards in front of the shared
//! lock-free pool, refilled and drained in batches.
//!
//! Under contention every acquire and release on a [`Pool`](bufpress::pool::Pool)
//! moves the free list's head cache line between cores. A [`Cache`] owned by one thread
//! takes `M / 2` buffers at a time from the pool when it runs empty and gives `M / 2`
//! back when it fills, so a thread that acquires and releases in a steady state
//! touches no shared memory at all, and the head moves between cores once per batch.
//!
//! # The cache's rule
//!
//! The pool's own [`try_acquire`](bufpress::pool::PoolRef::try_acquire) fails only
//! when every buffer is taken. [`Cache::try_acquire`] fails only when this cache is
//! empty **and** the pool is: buffers parked in *other* threads' caches (at most `M`
//! per cache) count as taken. With `K` caches, a pool of `N` buffers therefore
//! guarantees each thread a buffer only while fewer than `N - K * M` are really in use;
//! size `N` for that, or call [`Cache::flush`] when a thread goes idle. Parked buffers
//! count as in use in the pool's [`Stats`](bufpress::pool::Stats) and do not serve the
//! pool's async or parked waiters until they are flushed or drained. Dropping the cache
//! returns every parked buffer.
//!
//! A pool that scrubs on release ([`PoolRef::scrub_on_release`]) keeps that promise:
//! its buffers skip the cache on release (they go back to the pool, zeroed), so only
//! acquires are batched.

use core::cell::{Cell, RefCell, RefMut};
use core::fmt;
use core::ops::{Deref, DerefMut};

use bufpress::error::AcquireError;
use bufpress::pool::{Buf, PoolRef};

/// Up to `M` buffers of one pool, kept by one thread (see the [module](self)).
///
/// The buffers stay in place in the cache, lent and returned by position: a round trip
/// through the cache moves no guard (a [`Buf`] is 64 bytes on 64-bit targets; moving
/// it in and out of a stack measured slower than the pool's atomics) and touches no
/// memory shared with other threads. A thread may hold more than `M` buffers through
/// one cache: those beyond `M` come from the pool and go back to it directly.
///
/// `Send` but not `Sync`: it belongs to one thread at a time, and its guards
/// ([`CachedBuf`]) borrow it, so they stay on that thread; [`CachedBuf::into_buf`]
/// turns one into a plain [`Buf`] that may travel and goes back to the pool itself.
///
/// ```
/// use bufpress::pool::Pool;
/// use bufpress_std::cache::Cache;
///
/// static POOL: Pool<64, 4096> = Pool::new();
///
/// std::thread::scope(|s| {
///     for _ in 0..2 {
///         s.spawn(|| {
///             let cache = Cache::<8>::new(POOL.pool_ref());
///             for i in 0..1000u32 {
///                 let mut buf = cache.try_acquire()?;
///                 buf.extend_from_slice(&i.to_le_bytes())?;
///             } // each release lands in this thread's cache
///             assert!(cache.cached() <= 8);
///             Ok::<(), bufpress::Error>(())
///         });
///     }
/// });
/// assert_eq!(POOL.stats().available, 64); // dropping a cache gives its buffers back
/// ```
pub struct Cache<'p, const M: usize> {
    pool: PoolRef<'p>,
    // Invariant: every position below M is in exactly one of `free[..nfree]` (its slot
    // holds a free buffer), `empty[..nempty]` (its slot holds `None`), or lent to one
    // live `CachedBuf` (its slot holds a buffer, mutably borrowed by that guard).
    slots: [RefCell<Option<Buf<'p>>>; M],
    free: [Cell<u8>; M],
    nfree: Cell<usize>,
    empty: [Cell<u8>; M],
    nempty: Cell<usize>,
}

impl<'p, const M: usize> Cache<'p, M> {
    const BATCH: usize = {
        assert!(M >= 2 && M <= 256, "a cache holds 2 to 256 buffers");
        M / 2
    };

    /// An empty cache in front of `pool`; it takes no buffer until the first acquire.
    #[must_use]
    pub fn new(pool: PoolRef<'p>) -> Self {
        let _ = Self::BATCH;
        Self {
            pool,
            slots: core::array::from_fn(|_| RefCell::new(None)),
            free: core::array::from_fn(|i| Cell::new(i as u8)),
            nfree: Cell::new(0),
            empty: core::array::from_fn(|i| Cell::new(i as u8)),
            nempty: Cell::new(M),
        }
    }

    /// The pool behind the cache.
    #[must_use]
    pub fn pool_ref(&self) -> PoolRef<'p> {
        self.pool
    }

    /// How many free buffers the cache holds now.
    #[must_use]
    pub fn cached(&self) -> usize {
        self.nfree.get()
    }

    /// Takes a buffer from the cache; when it is empty, first moves up to `M / 2` from
    /// the pool into it. Never blocks. The buffer is empty (`len() == 0`); its spare
    /// bytes may hold what an earlier holder wrote, as with the pool's own guards.
    ///
    /// # Errors
    ///
    /// [`AcquireError`] when the cache and the pool are both empty (buffers in other
    /// threads' caches are not taken back: see the [module](self)). The failure is
    /// counted in the pool's `failed_acquires`.
    #[inline]
    pub fn try_acquire(&self) -> Result<CachedBuf<'_, 'p, M>, AcquireError> {
        let n = self.nfree.get();
        if n == 0 {
            return self.refill();
        }
        self.nfree.set(n - 1);
        let pos = self.free[n - 1].get();
        Ok(self.lend(pos))
    }

    /// Lends the buffer in slot `pos` (which holds one and is in no list).
    #[inline]
    fn lend(&self, pos: u8) -> CachedBuf<'_, 'p, M> {
        let slot = self.slots[usize::from(pos)].borrow_mut();
        let buf = RefMut::map(slot, |b| b.as_mut().expect("a lent slot holds a buffer"));
        CachedBuf {
            held: Held::Lent(buf, pos),
            cache: self,
        }
    }

    /// The cache is empty: one buffer for the caller and up to `M / 2 - 1` more.
    #[cold]
    fn refill(&self) -> Result<CachedBuf<'_, 'p, M>, AcquireError> {
        let first = self.pool.try_acquire()?;
        let Some(pos) = self.take_empty() else {
            // All M slots are lent: this one is the caller's alone.
            return Ok(CachedBuf {
                held: Held::Own(first),
                cache: self,
            });
        };
        *self.slots[usize::from(pos)].borrow_mut() = Some(first);
        // No more than the pool has free, so a refill near the end of the pool does not
        // count failed acquires (a racing thread may still make one fail: then stop).
        let more = (Self::BATCH - 1).min(self.pool.stats().available);
        for _ in 0..more {
            let Ok(buf) = self.pool.try_acquire() else {
                break;
            };
            let Some(p) = self.take_empty() else {
                break; // (drops `buf`: back to the pool)
            };
            *self.slots[usize::from(p)].borrow_mut() = Some(buf);
            self.push_free(p);
        }
        Ok(self.lend(pos))
    }

    fn take_empty(&self) -> Option<u8> {
        let n = self.nempty.get().checked_sub(1)?;
        self.nempty.set(n);
        Some(self.empty[n].get())
    }

    fn push_empty(&self, pos: u8) {
        let n = self.nempty.get();
        self.empty[n].set(pos);
        self.nempty.set(n + 1);
    }

    #[inline]
    fn push_free(&self, pos: u8) {
        let n = self.nfree.get();
        self.free[n].set(pos);
        self.nfree.set(n + 1);
    }

    /// Slot `pos`'s guard was dropped (its borrow ended): keep the buffer, or, on a
    /// scrubbing pool, give it back to the pool.
    #[inline]
    fn returned(&self, pos: u8) {
        if self.pool.scrub_on_release() {
            return self.evict(pos);
        }
        self.push_free(pos);
        if self.nfree.get() == M {
            self.drain();
        }
    }

    /// Empties slot `pos` (in no list) and releases its buffer to the pool.
    fn evict(&self, pos: u8) {
        let buf = self.slots[usize::from(pos)].borrow_mut().take();
        self.push_empty(pos);
        // Released with no slot borrowed and the lists consistent: a release may wake a
        // waiter, and whatever that runs finds the cache in order.
        drop(buf);
    }

    /// A buffer beyond the M slots came back: keep it if a slot is empty (emptied,
    /// as every buffer the cache lends starts empty).
    fn adopt(&self, mut buf: Buf<'p>) {
        if self.pool.scrub_on_release() {
            return drop(buf);
        }
        buf.clear();
        match self.take_empty() {
            Some(pos) => {
                *self.slots[usize::from(pos)].borrow_mut() = Some(buf);
                self.push_free(pos);
                if self.nfree.get() == M {
                    self.drain();
                }
            }
            None => drop(buf),
        }
    }

    /// Every slot holds a free buffer: give `M / 2` back to the pool.
    #[cold]
    fn drain(&self) {
        for _ in 0..Self::BATCH {
            self.release_top();
        }
    }

    /// Gives every cached buffer back to the pool (lent ones stay lent).
    pub fn flush(&self) {
        while self.nfree.get() > 0 {
            self.release_top();
        }
    }

    /// Releases the most recently cached buffer (there is one) to the pool.
    fn release_top(&self) {
        let n = self.nfree.get() - 1;
        self.nfree.set(n);
        let pos = self.free[n].get();
        self.evict(pos);
    }
}

impl<const M: usize> fmt::Debug for Cache<'_, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cache")
            .field("capacity", &M)
            .field("cached", &self.cached())
            .finish()
    }
}

/// A buffer taken through a [`Cache`]; it goes back to that cache when dropped.
///
/// Dereferences to the pool's [`Buf`], so every `Buf` method works on it.
pub struct CachedBuf<'c, 'p, const M: usize> {
    held: Held<'c, 'p>,
    cache: &'c Cache<'p, M>,
}

enum Held<'c, 'p> {
    /// The buffer in the cache's slot at this position.
    Lent(RefMut<'c, Buf<'p>>, u8),
    /// A buffer beyond the cache's M slots.
    Own(Buf<'p>),
    /// Taken by `into_buf` or `drop`.
    Gone,
}

impl<'p, const M: usize> CachedBuf<'_, 'p, M> {
    /// The pool's own guard: it leaves the cache, may move to another thread, and goes
    /// back to the pool (not to the cache) when dropped.
    ///
    /// # Panics
    ///
    /// Never: a lent slot holds its buffer until this guard gives it up.
    #[must_use]
    pub fn into_buf(mut self) -> Buf<'p> {
        match core::mem::replace(&mut self.held, Held::Gone) {
            Held::Lent(buf, pos) => {
                drop(buf);
                let taken = self.cache.slots[usize::from(pos)].borrow_mut().take();
                self.cache.push_empty(pos);
                taken.expect("a lent slot holds a buffer")
            }
            Held::Own(buf) => buf,
            Held::Gone => unreachable!("a CachedBuf holds a buffer until dropped"),
        }
    }
}

impl<'p, const M: usize> Deref for CachedBuf<'_, 'p, M> {
    type Target = Buf<'p>;

    #[inline]
    fn deref(&self) -> &Buf<'p> {
        match &self.held {
            Held::Lent(buf, _) => buf,
            Held::Own(buf) => buf,
            Held::Gone => unreachable!("a CachedBuf holds a buffer until dropped"),
        }
    }
}

impl<'p, const M: usize> DerefMut for CachedBuf<'_, 'p, M> {
    #[inline]
    fn deref_mut(&mut self) -> &mut Buf<'p> {
        match &mut self.held {
            Held::Lent(buf, _) => buf,
            Held::Own(buf) => buf,
            Held::Gone => unreachable!("a CachedBuf holds a buffer until dropped"),
        }
    }
}

impl<const M: usize> Drop for CachedBuf<'_, '_, M> {
    #[inline]
    fn drop(&mut self) {
        match core::mem::replace(&mut self.held, Held::Gone) {
            Held::Lent(mut buf, pos) => {
                buf.clear();
                drop(buf);
                self.cache.returned(pos);
            }
            Held::Own(buf) => self.cache.adopt(buf),
            Held::Gone => {}
        }
    }
}

impl<const M: usize> fmt::Debug for CachedBuf<'_, '_, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
