//! The LL/SC pop of `llsc.rs` on the host (`--cfg bufpress_head32`), with the exclusive
//! monitor emulated, so that the tests, Miri and loom check the algorithm ARMv7-M runs.
//!
//! The emulated head is one `AtomicU64`: the 32-bit head word in the low half, and in
//! the high half a count of the stores made to it. Every store (pop, push, the
//! `waiting` bit) advances the count, so a store-exclusive, a CAS on the whole
//! 64 bits from the value the load-exclusive read, fails if anyone stored to the
//! word since: LDREX/STREX's contract. (The count wraps after 2^32 stores; the
//! hardware monitor does not. This is a test double, not a target.) The other
//! operations are CAS loops on the whole 64 bits that look only at the low half, as
//! `compare_exchange` and `fetch_add` on ARM are LDREX/STREX loops.

use super::{Snap, Step};
use crate::sync::{AtomicU64, Ordering, const_fn, spin_hint};

pub(super) type Raw = u32;

/// A 32-bit atomic with an emulated exclusive monitor: see the module docs.
pub(super) struct Word {
    /// `stores << 32 | word`.
    both: AtomicU64,
}

/// The value stored when `word` replaces the value `old` (both halves).
fn store_of(old: u64, word: u32) -> u64 {
    ((old >> 32).wrapping_add(1) << 32) | u64::from(word)
}

impl Word {
    const_fn! {
        pub(super) const fn new(word: u32) -> Self {
            Self { both: AtomicU64::new(word as u64) }
        }
    }

    pub(super) fn load(&self, order: Ordering) -> u32 {
        self.both.load(order) as u32
    }

    /// Replaces the word by `f(word)` when that is `Some`; returns the old word.
    fn update(
        &self,
        success: Ordering,
        failure: Ordering,
        mut f: impl FnMut(u32) -> Option<u32>,
    ) -> Result<u32, u32> {
        let mut old = self.both.load(failure);
        loop {
            let Some(new) = f(old as u32) else {
                return Err(old as u32);
            };
            match self
                .both
                .compare_exchange(old, store_of(old, new), success, failure)
            {
                Ok(_) => return Ok(old as u32),
                Err(now) => old = now,
            }
        }
    }

    pub(super) fn compare_exchange(
        &self,
        cur: u32,
        new: u32,
        success: Ordering,
        failure: Ordering,
    ) -> Result<u32, u32> {
        self.update(success, failure, |word| (word == cur).then_some(new))
    }

    pub(super) fn compare_exchange_weak(
        &self,
        cur: u32,
        new: u32,
        success: Ordering,
        failure: Ordering,
    ) -> Result<u32, u32> {
        self.compare_exchange(cur, new, success, failure)
    }

    #[cfg(feature = "async")]
    pub(super) fn fetch_and(&self, and: u32, order: Ordering) -> u32 {
        let loads = if order == Ordering::AcqRel {
            Ordering::Acquire
        } else {
            Ordering::Relaxed
        };
        self.update(order, loads, |word| Some(word & and))
            .unwrap_or_else(|word| word)
    }

    /// LDREX: the word, and the reservation (the whole value) a store-exclusive needs.
    fn load_exclusive(&self) -> (u32, u64) {
        let both = self.both.load(Ordering::Acquire);
        (both as u32, both)
    }

    /// STREX: stores `word` if nobody stored since the load-exclusive that made
    /// `reservation`.
    fn store_exclusive(&self, reservation: u64, word: u32) -> bool {
        self.both
            .compare_exchange(
                reservation,
                store_of(reservation, word),
                Ordering::Relaxed,
                Ordering::Relaxed,
            )
            .is_ok()
    }
}

/// `llsc.rs`'s pop, step for step (the `Acquire` of the load-exclusive is its `DMB`).
#[inline]
pub(super) fn pop(word: &Word, mut step: impl FnMut(Snap) -> Step) -> Option<Snap> {
    loop {
        let (cur, reservation) = word.load_exclusive();
        let cur = Snap(cur);
        match step(cur) {
            Step::Take(next) => {
                if word.store_exclusive(reservation, cur.popped(next).0) {
                    return Some(cur);
                }
            }
            Step::Stop => return None,
            Step::Again => spin_hint(),
        }
    }
}
