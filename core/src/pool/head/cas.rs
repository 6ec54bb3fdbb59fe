//! The pop on targets with 64-bit atomics: load the head, read the top's link, CAS.
//!
//! ABA: the CAS compares the whole word, whose 48-bit tag counts pops. A stale pop is
//! one whose top was popped (and pushed back) after it read the head; its CAS then
//! succeeds only if others made a multiple of 2^48 pops while this thread sat between
//! its load and its CAS, two adjacent steps: at one pop per nanosecond (faster than
//! this machine's uncontended round trip of several ns) that is 78 hours without
//! being scheduled.

use super::{Snap, Step};
use crate::sync::{AtomicU64, Ordering, spin_hint};

pub(super) type Raw = u64;
pub(super) type Word = AtomicU64;

#[inline]
pub(super) fn pop(word: &Word, mut step: impl FnMut(Snap) -> Step) -> Option<Snap> {
    let mut cur = Snap(word.load(Ordering::Acquire));
    loop {
        match step(cur) {
            Step::Take(next) => {
                match word.compare_exchange_weak(
                    cur.0,
                    cur.popped(next).0,
                    Ordering::Acquire,
                    Ordering::Acquire,
                ) {
                    Ok(_) => return Some(cur),
                    Err(now) => cur = Snap(now),
                }
            }
            Step::Stop => return None,
            Step::Again => {
                spin_hint();
                cur = Snap(word.load(Ordering::Acquire));
            }
        }
    }
}
