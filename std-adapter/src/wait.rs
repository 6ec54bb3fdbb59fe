//! Getting a buffer when the pool may be empty: at once, or waiting with a timeout.

use std::io;
use std::time::{Duration, Instant};

use bufpress::pool::{Buf, PoolRef};

use crate::to_io_error;

/// What to do when the pool has no free buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Acquire {
    /// Fail at once (`ErrorKind::OutOfMemory`).
    #[default]
    Now,
    /// Wait up to this long for another thread to release one (`ErrorKind::TimedOut`
    /// after that).
    Wait(Duration),
}

impl Acquire {
    /// Takes a buffer from `pool` as this policy says.
    ///
    /// # Errors
    ///
    /// `OutOfMemory` for [`Acquire::Now`] on an empty pool, `TimedOut` when
    /// [`Acquire::Wait`]'s time ran out.
    pub fn acquire<'p>(self, pool: PoolRef<'p>) -> io::Result<Buf<'p>> {
        match self {
            Self::Now => pool.try_acquire().map_err(to_io_error),
            Self::Wait(timeout) => acquire_timeout(pool, timeout),
        }
    }
}

/// Takes a buffer from `pool`, blocking the thread (parked, not spinning) up to
/// `timeout` while the pool is empty.
///
/// # Errors
///
/// `ErrorKind::TimedOut` when no buffer came free in time.
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
    let start = Instant::now();
    let mut nap = Duration::from_micros(2);
    loop {
        if let Ok(buf) = pool.try_acquire() {
            return Ok(buf);
        }
        let waited = start.elapsed();
        if waited >= timeout {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "no pool buffer came free in time",
            ));
        }
        std::thread::park_timeout(nap.min(timeout - waited));
        nap = (nap * 2).min(Duration::from_millis(1));
    }
}
