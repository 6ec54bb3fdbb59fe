//! [`Acquire`]: the future of `acquire()` on every pool, generic over the pool's
//! handle. It tries the free list first and otherwise runs a [`Waiter`] on the pool's
//! waiter queue (`pool/wait.rs`, which has the design note).

use core::fmt;
use core::future::Future;
use core::marker::PhantomData;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::handle::PoolHandle;
use super::handle::sealed::Token;
use super::pool_ref::PoolRef;
use super::wait::{Waiter, Wakes};

/// The future of [`PoolRef::acquire`]: a buffer, as soon as one is free and
/// every task that waited longer has had one.
///
/// Waiting costs no allocation: the queue node is inside this future, which is
/// therefore `!Unpin` (`.await` pins it; to poll it by hand, pin it with
/// [`core::pin::pin!`]). Dropping it while it waits is safe at any time (cancellation
/// by a timeout or `select`): it leaves the queue, and a buffer it had been handed
/// already goes to the next waiter or back to the pool.
///
/// ```
/// # use core::{future::Future, pin::pin, task::{Context, Poll, Waker}};
/// use bufpress::pool::Pool;
///
/// static POOL: Pool<1, 64> = Pool::new();
///
/// let held = POOL.try_acquire()?;                  // the only buffer
/// let mut waiting = pin!(POOL.acquire());
/// let mut cx = Context::from_waker(Waker::noop());
/// assert!(waiting.as_mut().poll(&mut cx).is_pending()); // queued, not spinning
/// drop(held);                                      // handed straight to the waiter
/// let Poll::Ready(buf) = waiting.as_mut().poll(&mut cx) else { unreachable!() };
/// assert_eq!(buf.capacity(), 64);
/// # Ok::<(), bufpress::Error>(())
/// ```
///
/// # Interrupt handlers
///
/// With the default spin waiter lock, neither poll a waiting `Acquire` nor drop one in
/// an interrupt handler: both take the lock, which the interrupted code may hold.
/// With the `critical-section` feature both are allowed.
///
/// # Panics
///
/// Polling it again after it returned its buffer panics, as for most futures. A
/// waker's `clone`, `wake` or `drop` that panics unwinds out of `poll` or `drop`
/// with the pool consistent (see the `pool` module docs).
#[must_use = "futures do nothing unless polled"]
pub struct Acquire<'p, H: PoolHandle = PoolRef<'p>> {
    pool: H,
    waiter: Waiter,
    _lifetime: PhantomData<&'p ()>,
}

impl<'p> Acquire<'p> {
    /// The pool this future takes a buffer from.
    pub fn pool_ref(&self) -> PoolRef<'p> {
        self.pool
    }
}

impl<H: PoolHandle> Acquire<'_, H> {
    #[inline]
    pub(crate) fn new(pool: H) -> Self {
        Self {
            pool,
            waiter: Waiter::new(),
            _lifetime: PhantomData,
        }
    }
}

impl<H: PoolHandle> Future for Acquire<'_, H> {
    type Output = H::Guard;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<H::Guard> {
        // Everything the future changes is in `Cell`s and atomics: a shared reference
        // suffices, and nothing is ever moved out of the pinned future (so the waiter
        // stays pinned, as `Waiter::poll` requires).
        let this = self.into_ref().get_ref();
        // Read before any atomic operation, and every path below yields a slot index
        // that becomes a guard here: the compiler can keep `pool` in registers (and
        // constant-fold it for a future just made from a `static` pool).
        let pool = this.pool;
        let shared = pool.shared();
        if this.waiter.is_new() {
            // The fast path: a free slot and nobody ahead.
            if let Ok(index) = shared.free().pop_if_nobody_waits() {
                this.waiter.set_done();
                return Poll::Ready(pool.guard(index, Token::new()));
            }
        }
        // Other tasks' wakers, and wakers this one replaced, run when `wakes` is
        // dropped: after the slot is in a guard and the waiter's phase is current, so
        // a waker that panics unwinds through consistent state (the guard gives the
        // slot back, `Drop` leaves the queue).
        let mut wakes = Wakes::new(shared.free(), shared.waiters());
        let out = match this
            .waiter
            .poll(shared.free(), shared.waiters(), cx, &mut wakes)
        {
            Poll::Ready(index) => Poll::Ready(pool.guard(index, Token::new())),
            Poll::Pending => Poll::Pending,
        };
        drop(wakes);
        out
    }
}

impl<H: PoolHandle> Drop for Acquire<'_, H> {
    #[inline]
    fn drop(&mut self) {
        let shared = self.pool.shared();
        self.waiter.leave(shared.free(), shared.waiters());
    }
}

impl<H: PoolHandle + fmt::Debug> fmt::Debug for Acquire<'_, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Acquire")
            .field("pool", &self.pool)
            .field("waiter", &self.waiter)
            .finish()
    }
}
