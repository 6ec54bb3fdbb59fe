//! [`ValuePool`]: the same free list over `N` values of any type, for codec states.
// `unsafe` here: a guard turns its slot index into its value. The crate root denies it everywhere else.
#![allow(unsafe_code)]

use core::cell::UnsafeCell;
use core::fmt;
use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};
use core::ptr::NonNull;

use super::freelist::{MAX_SLOTS, Stats};
use super::handle::{self, Header, PoolHandle, Shared, sealed};
use crate::error::AcquireError;
use crate::sync::{AtomicU16, const_fn, zero_links};

/// A fixed set of `N` values of type `T` (codec states, hash tables, scratch space)
/// shared through the same lock-free free list as the byte pools.
///
/// Values are built once, by the caller, and handed out as they were left: the
/// holder resets them (a codec calls its state's `reset`/`init`). So N users share M
/// states with no allocation.
///
/// ```
/// use bufpress::pool::ValuePool;
///
/// struct Table([u16; 4096]);
///
/// static TABLES: ValuePool<Table, 2> = ValuePool::new([const { Table([0; 4096]) }; 2]);
///
/// let mut t = TABLES.try_acquire()?;
/// t.0.fill(0);     // reset before use
/// t.0[7] = 1;
/// assert_eq!(TABLES.stats().in_use, 1);
/// # Ok::<(), bufpress::Error>(())
/// ```
///
/// A pool of values that cannot move between threads cannot be shared by them:
///
/// ```compile_fail
/// use bufpress::pool::ValuePool;
/// // Raw pointers are not `Send`, so this pool is not `Sync`: error.
/// static STATES: ValuePool<*const u8, 1> = ValuePool::new([core::ptr::null()]);
/// ```
///
/// # Limits
///
/// `N <= 32_767`, checked at compile time.
#[repr(C)]
pub struct ValuePool<T, const N: usize> {
    header: Header,
    links: [AtomicU16; N],
    values: UnsafeCell<[T; N]>,
}

// SAFETY: like `Mutex<T>`: each value is reached by one guard at a time (the free list
// hands each index to one owner), possibly on another thread, so `T: Send` suffices.
unsafe impl<T: Send, const N: usize> Sync for ValuePool<T, N> {}

impl<T, const N: usize> ValuePool<T, N> {
    const LIMITS: () = assert!(N <= MAX_SLOTS, "a pool has at most 32,767 values");

    const_fn! {
        /// A pool holding `values`, all free. `const`, so it can be a `static`.
        pub const fn new(values: [T; N]) -> Self {
            let () = Self::LIMITS;
            Self {
                header: Header::new(),
                links: zero_links(),
                values: UnsafeCell::new(values),
            }
        }
    }

    /// The non-generic handle the operations go through (see [`ValueRef`]).
    #[inline]
    pub fn value_ref(&self) -> ValueRef<'_, T> {
        ValueRef {
            shared: Shared::new(&self.header, &self.links),
            // SAFETY: `UnsafeCell::get` is never null.
            values: unsafe { NonNull::new_unchecked(self.values.get().cast::<T>()) },
            _pool: PhantomData,
        }
    }

    /// Takes a free value. Never blocks, never waits on a lock.
    ///
    /// # Errors
    ///
    /// [`AcquireError`] only when every value is taken.
    #[inline]
    pub fn try_acquire(&self) -> Result<Value<'_, T>, AcquireError> {
        handle::try_acquire(self.value_ref())
    }

    /// Takes a free value, spinning with backoff until one is free.
    ///
    /// It returns only when a value is released, so it must not run where the holders
    /// cannot: an interrupt handler, or an async task on an executor (a task that
    /// holds a value across an `.await` on a current-thread runtime is never polled
    /// again while this spins); tasks use `acquire` (feature `async`).
    pub fn acquire_blocking(&self) -> Value<'_, T> {
        handle::acquire_blocking(self.value_ref())
    }

    /// Like [`acquire_blocking`](Self::acquire_blocking), but gives up after `max_rounds` rounds of
    /// backoff (each at most 64 spin-loop hints): a bounded wait.
    ///
    /// # Errors
    ///
    /// [`AcquireError`] when no value came free within the rounds.
    pub fn acquire_spinning(&self, max_rounds: u32) -> Result<Value<'_, T>, AcquireError> {
        handle::acquire_spinning(self.value_ref(), max_rounds)
    }

    /// Waits for a free value without spinning (feature `async`): FIFO, cancel-safe,
    /// no allocation, as [`PoolRef::acquire`](super::PoolRef::acquire).
    #[cfg(feature = "async")]
    #[inline]
    pub fn acquire(&self) -> super::Acquire<'_, ValueRef<'_, T>> {
        super::Acquire::new(self.value_ref())
    }

    /// Sets the high-water mark to the current use and the failure count to 0.
    pub fn reset_stats(&self) {
        self.value_ref().shared.free().reset_stats();
    }

    /// The pool's counters in O(1), with no lock.
    pub fn stats(&self) -> Stats {
        self.value_ref().shared.free().stats()
    }

    /// Mutable access to every value, e.g. to reconfigure them; the `&mut` proves no
    /// guard is out.
    pub fn values_mut(&mut self) -> &mut [T; N] {
        self.values.get_mut()
    }
}

impl<T, const N: usize> fmt::Debug for ValuePool<T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ValuePool")
            .field("stats", &self.stats())
            .finish()
    }
}

/// A handle to a [`ValuePool`]: copyable, the size of a few pointers, and the same
/// for every `N` (the operations are not generated once per pool size).
///
/// # Invariants
///
/// `values` points at the pool's `N = shared.free().capacity()` values, each reached
/// only by whoever owns its slot on that free list.
pub struct ValueRef<'p, T> {
    shared: Shared<'p>,
    values: NonNull<T>,
    _pool: PhantomData<&'p UnsafeCell<T>>,
}

impl<T> Clone for ValueRef<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for ValueRef<'_, T> {}

// SAFETY: a shared view of a `ValuePool`, which is `Sync` for `T: Send`: each value is
// reached only by the guard that owns it (the type's invariant).
unsafe impl<T: Send> Send for ValueRef<'_, T> {}
// SAFETY: as for `Send`.
unsafe impl<T: Send> Sync for ValueRef<'_, T> {}

impl<T> fmt::Debug for ValueRef<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ValueRef")
            .field("stats", &self.shared.free().stats())
            .finish()
    }
}

impl<T> PoolHandle for ValueRef<'_, T> {}

// Crate-private types in a sealed trait's impl (see `handle.rs`).
#[allow(private_interfaces)]
impl<'p, T> sealed::Handle for ValueRef<'p, T> {
    type Guard = Value<'p, T>;

    #[inline]
    fn shared(&self) -> Shared<'_> {
        self.shared
    }

    #[inline]
    fn guard(self, index: u16, _: sealed::Token) -> Value<'p, T> {
        debug_assert!(usize::from(index) < self.shared.free().capacity());
        Value {
            shared: self.shared,
            // SAFETY: `index < N` (the free list only holds indices below N), so the
            // pointer stays inside the pool's array of values.
            ptr: unsafe { NonNull::new_unchecked(self.values.as_ptr().add(usize::from(index))) },
            index,
            _owns: PhantomData,
        }
    }
}

/// One value taken from a [`ValuePool`]; dropping it puts the value back.
///
/// # Invariants
///
/// `ptr` points at value `index` of the pool, which this guard alone owns.
pub struct Value<'p, T> {
    shared: Shared<'p>,
    ptr: NonNull<T>,
    index: u16,
    _owns: PhantomData<&'p mut T>,
}

// SAFETY: the guard is the only access to its value (like `&mut T`), and the free
// list is atomics.
unsafe impl<T: Send> Send for Value<'_, T> {}
// SAFETY: `&Value` only gives `&T`.
unsafe impl<T: Sync> Sync for Value<'_, T> {}

impl<T> Value<'_, T> {
    /// The value's index in its pool.
    pub fn index(&self) -> usize {
        usize::from(self.index)
    }
}

impl<T> Deref for Value<'_, T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: the guard owns the value (type invariant), so no `&mut` exists.
        unsafe { self.ptr.as_ref() }
    }
}

impl<T> DerefMut for Value<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard owns the value, and `&mut self` makes this the only access.
        unsafe { self.ptr.as_mut() }
    }
}

impl<T> Drop for Value<'_, T> {
    #[inline]
    fn drop(&mut self) {
        handle::release(self.shared, self.index);
    }
}

impl<T: fmt::Debug> fmt::Debug for Value<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Value")
            .field("index", &self.index)
            .field("value", &**self)
            .finish()
    }
}
