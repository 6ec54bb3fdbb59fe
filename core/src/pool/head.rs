//! The free-list head on targets with 64-bit atomics: one `AtomicU64` holding
//! `index: 16 | in_use: 16 | tag: 32`.
//!
//! The in-use count rides in the same word as the head, so acquire and release each
//! cost one CAS and the stats need no second atomic. The 32-bit tag changes on every
//! successful update; a thread preempted between its load and its CAS would need
//! exactly 2^32 updates by others in between to be fooled (the ABA problem).

use crate::sync::{AtomicU64, Ordering};

/// Invariant: `index <= N` (N = "empty"), `in_use <= N`, and `in_use` counts the slots
/// not on the free list.
pub(crate) struct Head {
    word: AtomicU64,
}

/// A value of the head read at one instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Snap(u64);

impl Snap {
    /// The low 16 bits of the tag.
    #[inline]
    pub(crate) fn tag16(self) -> u16 {
        (self.0 >> 32) as u16
    }

    #[inline]
    pub(crate) fn index(self) -> u16 {
        self.0 as u16
    }

    #[inline]
    fn in_use(self) -> u16 {
        (self.0 >> 16) as u16
    }

    #[inline]
    fn tag(self) -> u32 {
        (self.0 >> 32) as u32
    }

    #[inline]
    fn with(index: u16, in_use: u16, tag: u32) -> Self {
        Self(u64::from(index) | (u64::from(in_use) << 16) | (u64::from(tag) << 32))
    }
}

impl Head {
    /// All zero: slot 0 is the top of the stack, nothing in use.
    #[inline]
    pub(crate) const fn new() -> Self {
        Self {
            word: AtomicU64::new(0),
        }
    }

    #[inline]
    pub(crate) fn load(&self) -> Snap {
        Snap(self.word.load(Ordering::Acquire))
    }

    /// How many slots are off the free list now.
    pub(crate) fn in_use(&self) -> u16 {
        Snap(self.word.load(Ordering::Relaxed)).in_use()
    }

    /// Replaces `cur` (whose top is being taken) by `next`; returns the new in-use
    /// count, or the head as it is now.
    #[inline]
    pub(crate) fn try_pop(&self, cur: Snap, next: u16) -> Result<u16, Snap> {
        let in_use = cur.in_use().wrapping_add(1);
        let new = Snap::with(next, in_use, cur.tag().wrapping_add(1));
        match self
            .word
            .compare_exchange_weak(cur.0, new.0, Ordering::Acquire, Ordering::Acquire)
        {
            Ok(_) => Ok(in_use),
            Err(now) => Err(Snap(now)),
        }
    }

    /// Replaces `cur` by `index`, whose link already points at `cur`'s top.
    #[inline]
    pub(crate) fn try_push(&self, cur: Snap, index: u16) -> Result<(), Snap> {
        let new = Snap::with(
            index,
            cur.in_use().wrapping_sub(1),
            cur.tag().wrapping_add(1),
        );
        self.word
            .compare_exchange_weak(cur.0, new.0, Ordering::Release, Ordering::Relaxed)
            .map(drop)
            .map_err(Snap)
    }

    /// Called once before a release's CAS loop; the count is in the word here.
    #[inline]
    pub(crate) fn will_push(&self) {}
}
