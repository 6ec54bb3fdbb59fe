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

use core::cell::RefCell;
use core::fmt;
use core::ops::{Deref, DerefMut};

use bufpress::error::AcquireError;
use bufpress::pool::{Buf, PoolRef};
use heapless::Vec;

/// Up to `M` free buffers of one pool, kept by one thread (see the [module](self)).
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
    free: RefCell<Vec<Buf<'p>, M>>,
}

impl<'p, const M: usize> Cache<'p, M> {
    const BATCH: usize = {
        assert!(M >= 2, "a cache holds at least 2 buffers");
        M / 2
    };

    /// An empty cache in front of `pool`; it takes no buffer until the first acquire.
    #[must_use]
    pub fn new(pool: PoolRef<'p>) -> Self {
        let _ = Self::BATCH;
        Self {
            pool,
            free: RefCell::new(Vec::new()),
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
        self.free.borrow().len()
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
        let cached = self.free.borrow_mut().pop();
        let buf = match cached {
            Some(buf) => buf,
            None => self.refill()?,
        };
        Ok(CachedBuf {
            buf: Some(buf),
            cache: self,
        })
    }

    /// Takes one buffer for the caller and up to `M / 2 - 1` more for the cache.
    #[cold]
    fn refill(&self) -> Result<Buf<'p>, AcquireError> {
        let first = self.pool.try_acquire()?;
        // No more than the pool has free, so a refill near the end of the pool does not
        // count failed acquires (a racing thread may still make one fail: then stop).
        let more = (Self::BATCH - 1).min(self.pool.stats().available);
        let mut free = self.free.borrow_mut();
        for _ in 0..more {
            match self.pool.try_acquire() {
                // The cache was empty and holds M >= BATCH.
                Ok(buf) => free.push(buf).ok().expect("the cache has room"),
                Err(_) => break,
            }
        }
        Ok(first)
    }

    /// Puts a released buffer in the cache; when it is full, first gives `M / 2`
    /// back to the pool.
    #[inline]
    fn give_back(&self, mut buf: Buf<'p>) {
        if self.pool.scrub_on_release() {
            return drop(buf);
        }
        buf.clear();
        let mut free = self.free.borrow_mut();
        if let Err(buf) = free.push(buf) {
            drop(free);
            self.drain(buf);
        }
    }

    /// The cache is full: keep `M - BATCH` (plus `buf`), release the rest.
    #[cold]
    fn drain(&self, buf: Buf<'p>) {
        let mut out: Vec<Buf<'p>, M> = Vec::new();
        {
            let mut free = self.free.borrow_mut();
            for _ in 0..Self::BATCH {
                if let Some(b) = free.pop() {
                    out.push(b).ok().expect("out has room for M");
                }
            }
            free.push(buf).ok().expect("room was just made");
        }
        // Released with the cache not borrowed: a release may wake a waiter, and
        // nothing it runs can then find the cache locked.
        drop(out);
    }

    /// Gives every cached buffer back to the pool.
    pub fn flush(&self) {
        let all = core::mem::take(&mut *self.free.borrow_mut());
        drop(all);
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
    // Invariant: `Some` until dropped or turned into a `Buf`.
    buf: Option<Buf<'p>>,
    cache: &'c Cache<'p, M>,
}

impl<'p, const M: usize> CachedBuf<'_, 'p, M> {
    /// The pool's own guard: it leaves the cache, may move to another thread, and goes
    /// back to the pool (not to the cache) when dropped.
    #[must_use]
    pub fn into_buf(mut self) -> Buf<'p> {
        self.buf.take().expect("a CachedBuf holds a buffer")
    }
}

impl<'p, const M: usize> Deref for CachedBuf<'_, 'p, M> {
    type Target = Buf<'p>;

    #[inline]
    fn deref(&self) -> &Buf<'p> {
        self.buf.as_ref().expect("a CachedBuf holds a buffer")
    }
}

impl<'p, const M: usize> DerefMut for CachedBuf<'_, 'p, M> {
    #[inline]
    fn deref_mut(&mut self) -> &mut Buf<'p> {
        self.buf.as_mut().expect("a CachedBuf holds a buffer")
    }
}

impl<const M: usize> Drop for CachedBuf<'_, '_, M> {
    #[inline]
    fn drop(&mut self) {
        if let Some(buf) = self.buf.take() {
            self.cache.give_back(buf);
        }
    }
}

impl<const M: usize> fmt::Debug for CachedBuf<'_, '_, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
