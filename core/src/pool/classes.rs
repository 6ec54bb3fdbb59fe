//! [`SizeClasses`]: several byte pools of different buffer sizes behind one acquire.

use super::buf::Buf;
use super::pool_ref::PoolRef;
use crate::error::ClassError;

/// `K` byte pools of different buffer sizes; [`try_acquire`](Self::try_acquire) picks
/// the smallest class whose buffers hold the length asked for.
///
/// ```
/// use bufpress::pool::{Pool, SizeClasses};
///
/// static SMALL: Pool<16, 256> = Pool::new();
/// static MEDIUM: Pool<4, 4096> = Pool::new();
/// static LARGE: Pool<1, 65536> = Pool::new();
/// static CLASSES: SizeClasses<'static, 3> =
///     SizeClasses::new([LARGE.pool_ref(), SMALL.pool_ref(), MEDIUM.pool_ref()]);
///
/// let a = CLASSES.try_acquire(100)?;
/// assert_eq!(a.capacity(), 256);
/// let b = CLASSES.try_acquire(3000)?;
/// assert_eq!(b.capacity(), 4096);
/// let c = CLASSES.try_acquire(5000)?;
/// // The only 64 KiB buffer is out: no exact class is left, but a caller that allows
/// // it may also fall back to a larger class.
/// assert!(CLASSES.try_acquire(5000).is_err());
/// drop(c);
/// assert!(CLASSES.try_acquire(70_000).is_err()); // no class is that large
/// # Ok::<(), bufpress::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct SizeClasses<'p, const K: usize> {
    /// Sorted by buffer size, smallest first.
    classes: [PoolRef<'p>; K],
}

impl<'p, const K: usize> SizeClasses<'p, K> {
    /// The classes, in any order (they are sorted by buffer size here).
    pub const fn new(mut classes: [PoolRef<'p>; K]) -> Self {
        // Insertion sort: K is small, and this must run in a `const` initializer.
        let mut i = 1;
        while i < K {
            let mut j = i;
            while j > 0 && classes[j - 1].buf_size() > classes[j].buf_size() {
                classes.swap(j - 1, j);
                j -= 1;
            }
            i += 1;
        }
        Self { classes }
    }

    /// Takes a buffer from the smallest class whose buffers hold `len` bytes.
    ///
    /// # Errors
    ///
    /// [`ClassError::TooLarge`] when no class is that large;
    /// [`ClassError::Exhausted`] when that class is empty (the larger ones are not
    /// tried: see [`try_acquire_or_larger`](Self::try_acquire_or_larger)).
    pub fn try_acquire(&self, len: usize) -> Result<Buf<'p>, ClassError> {
        let first = self.first_fitting(len)?;
        let size = self.classes[first].buf_size();
        self.classes[first..]
            .iter()
            .take_while(|class| class.buf_size() == size)
            .find_map(|class| class.try_acquire().ok())
            .ok_or(ClassError::Exhausted { requested: len })
    }

    /// Like [`try_acquire`](Self::try_acquire), but falls back to the next larger
    /// classes, in order, when the fitting one is empty.
    ///
    /// # Errors
    ///
    /// [`ClassError::TooLarge`] when no class is that large;
    /// [`ClassError::Exhausted`] when every class that fits is empty.
    pub fn try_acquire_or_larger(&self, len: usize) -> Result<Buf<'p>, ClassError> {
        let first = self.first_fitting(len)?;
        self.classes[first..]
            .iter()
            .find_map(|class| class.try_acquire().ok())
            .ok_or(ClassError::Exhausted { requested: len })
    }

    /// Waits for a buffer of the smallest class whose buffers hold `len` bytes
    /// (feature `async`; see [`PoolRef::acquire`]).
    ///
    /// When several classes have that size, it waits on the first with a free buffer,
    /// else on the first; it never falls back to a larger class.
    ///
    /// ```
    /// # use core::{future::Future, pin::pin, task::{Context, Poll, Waker}};
    /// use bufpress::pool::{Pool, SizeClasses};
    ///
    /// static SMALL: Pool<4, 256> = Pool::new();
    /// static LARGE: Pool<1, 4096> = Pool::new();
    /// static CLASSES: SizeClasses<'static, 2> =
    ///     SizeClasses::new([SMALL.pool_ref(), LARGE.pool_ref()]);
    ///
    /// let wait = CLASSES.acquire(1000)?;      // the 4 KiB class
    /// let mut wait = pin!(wait);
    /// let Poll::Ready(buf) = wait.as_mut().poll(&mut Context::from_waker(Waker::noop())) else {
    ///     unreachable!("a buffer is free")
    /// };
    /// assert_eq!(buf.capacity(), 4096);
    /// assert!(CLASSES.acquire(5000).is_err()); // no class is that large
    /// # Ok::<(), bufpress::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ClassError::TooLarge`] when no class is that large (at once, before any
    /// waiting).
    #[cfg(feature = "async")]
    pub fn acquire(&self, len: usize) -> Result<super::Acquire<'p>, ClassError> {
        let first = self.first_fitting(len)?;
        let size = self.classes[first].buf_size();
        let fitting = self.classes[first..]
            .iter()
            .take_while(|class| class.buf_size() == size);
        let class = fitting
            .clone()
            .find(|class| class.stats().available > 0)
            .or_else(|| fitting.clone().next())
            .copied()
            .unwrap_or(self.classes[first]);
        Ok(class.acquire())
    }

    fn first_fitting(&self, len: usize) -> Result<usize, ClassError> {
        self.classes
            .iter()
            .position(|c| c.buf_size() >= len)
            .ok_or(ClassError::TooLarge {
                requested: len,
                largest: self.classes.last().map_or(0, |c| c.buf_size()),
            })
    }

    /// The classes, smallest buffers first.
    pub fn classes(&self) -> &[PoolRef<'p>; K] {
        &self.classes
    }
}
