//! The atomics the pool is built on, picked once per target.
//!
//! - Targets with compare-and-swap use `core::sync::atomic`.
//! - Targets with no CAS (thumbv6m) use `portable-atomic`, which emulates it inside a
//!   critical section when the `critical-section` feature is on.
//! - The free-list head is one word holding index, tag (and, where 64-bit atomics
//!   exist, the in-use count); see `pool::head`.

#[cfg(target_has_atomic = "32")]
pub(crate) use core::sync::atomic::{AtomicU16, AtomicU32, Ordering};
#[cfg(not(target_has_atomic = "32"))]
pub(crate) use portable_atomic::{AtomicU16, AtomicU32, Ordering};

#[cfg(target_has_atomic = "64")]
pub(crate) use core::sync::atomic::AtomicU64;
