//! Getting a buffer when the pool may be empty: at once, or waiting with a timeout.

use std::io;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use bufpress::pool::{Buf, PoolRef};

use crate::to_io_error;

/// What to do when the pool has no free buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AcquirePolicy {
    /// Fail at once (`ErrorKind::OutOfMemory`).
    #[default]
    Now,
    /// Wait up to this long for another thread to release one (`ErrorKind::TimedOut`
    /// after that).
    Wait(Duration),
}

impl AcquirePolicy {
    /// Takes a buffer from `pool` as this policy says.
    ///
    /// # Errors
    ///
    /// `OutOfMemory` for [`AcquirePolicy::Now`] on an empty pool, `TimedOut` when
    /// [`AcquirePolicy::Wait`]'s time ran out.
    pub fn acquire<'p>(self, pool: PoolRef<'p>) -> io::Result<Buf<'p>> {
        match self {
            Self::Now => pool.try_acquire().map_err(to_io_error),
            Self::Wait(timeout) => acquire_timeout(pool, timeout),
        }
    }
}

/// Takes a buffer from `pool`, blocking the thread up to `timeout` while the pool is
/// empty: the thread parks in the pool's FIFO waiter queue (bufpress's
/// [`acquire`](PoolRef::acquire)) and the release that hands it a buffer
/// unparks it; no spinning, no polling. Waiting threads are served in arrival order;
/// a thread that times out leaves the queue, and a buffer handed to it in that instant
/// goes to the next waiter.
///
/// No allocation, but once per thread: its waker (an `Arc` around the thread handle)
/// is built the first time the thread waits and kept in a thread-local.
///
/// # Errors
///
/// `ErrorKind::TimedOut` when no buffer came free in time (an error that allocates
/// nothing: under load, a timeout is an ordinary event).
///
/// ```
/// use bufpress::pool::Pool;
/// use bufpress_std::acquire_timeout;
/// use std::time::Duration;
///
/// static POOL: Pool<1, 64> = Pool::new();
///
/// let held = POOL.try_acquire()?;
/// std::thread::scope(|s| {
///     s.spawn(move || {
///         std::thread::sleep(Duration::from_millis(20));
///         drop(held);
///     });
///     // Parks until the other thread releases its buffer.
///     let buf = acquire_timeout(POOL.pool_ref(), Duration::from_secs(10))?;
///     assert_eq!(buf.capacity(), 64);
///     Ok::<(), std::io::Error>(())
/// })?;
///
/// let _held = POOL.try_acquire()?;
/// let err = acquire_timeout(POOL.pool_ref(), Duration::from_millis(5)).unwrap_err();
/// assert_eq!(err.kind(), std::io::ErrorKind::TimedOut);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn acquire_timeout(pool: PoolRef<'_>, timeout: Duration) -> io::Result<Buf<'_>> {
    if let Ok(buf) = pool.try_acquire() {
        return Ok(buf);
    }
    let deadline = Instant::now().checked_add(timeout);
    let waker = THREAD_WAKER.with(Waker::clone);
    let mut cx = Context::from_waker(&waker);
    let mut wait = pin!(pool.acquire());
    loop {
        if let Poll::Ready(buf) = wait.as_mut().poll(&mut cx) {
            return Ok(buf);
        }
        // A wake-up may be spurious (an unpark meant for an earlier wait): poll again.
        match deadline.map(|d| d.saturating_duration_since(Instant::now())) {
            Some(Duration::ZERO) => {
                // A kind-only error: no allocation, also on this path.
                return Err(io::ErrorKind::TimedOut.into());
            }
            Some(left) => std::thread::park_timeout(left),
            None => std::thread::park(),
        }
    }
}

/// Unparks the thread it was made on.
struct Unpark(std::thread::Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

thread_local! {
    /// This thread's waker, built on its first wait (the one allocation).
    static THREAD_WAKER: Waker = Waker::from(Arc::new(Unpark(std::thread::current())));
}
