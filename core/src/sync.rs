//! The atomics the pool is built on, picked once per target.
//!
//! - Targets with compare-and-swap use `core::sync::atomic`.
//! - Targets with no CAS (thumbv6m) use `portable-atomic`, which emulates it inside a
//!   critical section when the `critical-section` feature is on.
//! - Under `--cfg loom` (the model checker, see `core/tests/loom_wait.rs`) they are
//!   loom's, whose constructors are not `const`: the constructors below that build
//!   atomics are declared with [`const_fn!`], `const` everywhere else.
//! - The free-list head is one word holding index and tag; how it is popped depends on
//!   the target (`build.rs` picks it), see `pool::head`.

#[cfg(all(target_has_atomic = "32", not(loom)))]
pub(crate) use core::sync::atomic::{AtomicU16, AtomicU32, Ordering};
#[cfg(all(not(target_has_atomic = "32"), not(loom)))]
pub(crate) use portable_atomic::{AtomicU16, AtomicU32, Ordering};

// The `cas` head and the host's emulated LL/SC head hold a 64-bit word.
#[cfg(all(any(bufpress_head = "cas", bufpress_head = "llsc_emulated"), not(loom)))]
pub(crate) use core::sync::atomic::AtomicU64;

#[cfg(all(any(bufpress_head = "cas", bufpress_head = "llsc_emulated"), loom))]
pub(crate) use loom::sync::atomic::AtomicU64;
#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicU16, AtomicU32, Ordering};

/// The atomic for a process-wide `static` counter that hands over nothing (loom's
/// atomics cannot be `static`, and its models do not use it).
#[cfg(all(not(loom), target_has_atomic = "32"))]
pub(crate) use core::sync::atomic::AtomicU16 as PlainAtomicU16;
#[cfg(all(not(loom), not(target_has_atomic = "32")))]
pub(crate) use portable_atomic::AtomicU16 as PlainAtomicU16;

/// A `const fn`, except under loom, whose atomics are created at run time.
macro_rules! const_fn {
    ($(#[$attr:meta])* $vis:vis const fn $($rest:tt)*) => {
        #[cfg(not(loom))]
        $(#[$attr])* $vis const fn $($rest)*
        #[cfg(loom)]
        $(#[$attr])* $vis fn $($rest)*
    };
}
pub(crate) use const_fn;

const_fn! {
    /// `N` free-list links, all zero.
    #[inline]
    pub(crate) const fn zero_links<const N: usize>() -> [AtomicU16; N] {
        #[cfg(not(loom))]
        let links = [const { AtomicU16::new(0) }; N];
        #[cfg(loom)]
        let links = core::array::from_fn(|_| AtomicU16::new(0));
        links
    }
}

/// The hint for one round of a spin loop (under loom, a yield to the other threads).
#[inline]
pub(crate) fn spin_hint() {
    #[cfg(not(loom))]
    core::hint::spin_loop();
    #[cfg(loom)]
    loom::thread::yield_now();
}

/// An `UnsafeCell` with loom's closure API, so that loom can check every access.
#[cfg(all(feature = "async", not(loom)))]
pub(crate) struct UnsafeCell<T>(core::cell::UnsafeCell<T>);

#[cfg(all(feature = "async", not(loom)))]
impl<T> UnsafeCell<T> {
    #[inline]
    pub(crate) const fn new(value: T) -> Self {
        Self(core::cell::UnsafeCell::new(value))
    }

    /// Runs `f` on a pointer to the value; the caller makes the access exclusive.
    #[inline]
    pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}

#[cfg(all(feature = "async", loom))]
pub(crate) use loom::cell::UnsafeCell;
