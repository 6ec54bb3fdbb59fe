//! The pop on targets with no 64-bit atomics and no LL/SC pop (thumbv6m, riscv32, 32-bit
//! MIPS and PowerPC): load the head, read the top's link and CAS, all inside one
//! `critical_section::with`.
//!
//! ABA: pops exclude each other (on a single core the critical section masks
//! interrupts; on several cores the `critical-section` implementation is a lock). The
//! head's index comes back to a slot only by popping that slot, so a CAS that finds the
//! index it read means the slot stayed on the list and its link (written only by the
//! slot's owner) is the one read: the successor is right. Pushes, raw-handle keys and
//! the `waiting` bit stay plain atomics (on multicore they may race the CAS, which then
//! fails and retries).
//!
//! The cost: `try_acquire` masks interrupts for a few instructions instead of being
//! lock-free. It stays usable in an interrupt handler (critical sections nest).
//!
//! Under loom a `loom::sync::Mutex` per head stands for the critical section.

#[cfg(not(any(feature = "critical-section", loom)))]
compile_error!(
    "bufpress: on targets with neither 64-bit atomics nor LDREX/STREX (thumbv6m, riscv32, ...) \
     the pool's pop runs in a critical section: enable the `critical-section` feature \
     and link a `critical-section` implementation"
);

use super::{Snap, Step};
use crate::sync::{AtomicU32, Ordering, spin_hint};

pub(super) type Raw = u32;
#[cfg(not(loom))]
pub(super) type Word = AtomicU32;

/// The head word and the lock that stands for the critical section under loom.
#[cfg(loom)]
pub(super) struct Word {
    word: AtomicU32,
    lock: loom::sync::Mutex<()>,
}

#[cfg(loom)]
impl Word {
    pub(super) fn new(value: u32) -> Self {
        Self {
            word: AtomicU32::new(value),
            lock: loom::sync::Mutex::new(()),
        }
    }
}

#[cfg(loom)]
impl core::ops::Deref for Word {
    type Target = AtomicU32;
    fn deref(&self) -> &AtomicU32 {
        &self.word
    }
}

/// One pop attempt's outcome.
enum Tried {
    Done(Option<Snap>),
    Again,
}

#[inline]
pub(super) fn pop(word: &Word, mut step: impl FnMut(Snap) -> Step) -> Option<Snap> {
    loop {
        // `Again` leaves the critical section before reading the head again, so a
        // broken invariant never spins with interrupts masked.
        match critical(word, || attempt(word, &mut step)) {
            Tried::Done(taken) => return taken,
            Tried::Again => spin_hint(),
        }
    }
}

/// Load, link, CAS (retried while a push on another core wins the race).
#[inline]
fn attempt(word: &AtomicU32, step: &mut impl FnMut(Snap) -> Step) -> Tried {
    let mut cur = Snap(word.load(Ordering::Acquire));
    loop {
        match step(cur) {
            Step::Take(next) => match word.compare_exchange(
                cur.0,
                cur.popped(next).0,
                Ordering::Acquire,
                Ordering::Acquire,
            ) {
                Ok(_) => return Tried::Done(Some(cur)),
                Err(now) => cur = Snap(now),
            },
            Step::Stop => return Tried::Done(None),
            Step::Again => return Tried::Again,
        }
    }
}

#[cfg(not(loom))]
#[inline]
fn critical<R>(_word: &Word, f: impl FnOnce() -> R) -> R {
    critical_section::with(|_| f())
}

#[cfg(loom)]
fn critical<R>(word: &Word, f: impl FnOnce() -> R) -> R {
    let _held = word.lock.lock().unwrap();
    f()
}
