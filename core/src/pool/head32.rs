//! The free-list head on targets with only 32-bit atomics (thumbv7em) or none
//! (thumbv6m, through `portable-atomic` and a critical section): one `AtomicU32`
//! holding `index: 15 | waiting: 1 | tag: 16`, and the in-use count in a second atomic.
//!
//! The 16-bit tag changes on every successful update. A thread preempted between its
//! load and its CAS would need exactly a multiple of 65,536 pool updates by others in
//! between to be fooled (ABA). On a single-core microcontroller that means an
//! interrupt handler doing 65,536 acquires and releases while it interrupted one;
//! documented in the pool's design note.

/// The `waiting` bit of the head word, next to the 15-bit index.
const WAITING: u16 = 1 << 15;
use crate::sync::{AtomicU32, Ordering, const_fn};

/// Invariant: `index <= N` (N = "empty"); `in_use <= N`, and it differs from the slots off
/// the free list only by the acquires and releases in flight. `waiting` (bit 15, next
/// to the index) is set while tasks wait for a buffer (feature `async`); pops and
/// pushes keep it as it is.
pub(crate) struct Head {
    word: AtomicU32,
    in_use: AtomicU32,
}

/// A value of the head read at one instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Snap(u32);

impl Snap {
    /// The low 16 bits of the tag.
    #[inline]
    pub(crate) fn tag16(self) -> u16 {
        (self.0 >> 16) as u16
    }

    #[inline]
    pub(crate) fn index(self) -> u16 {
        // Without `async` the bit is never set: no mask (the footprint counts bytes).
        if cfg!(feature = "async") {
            self.0 as u16 & !WAITING
        } else {
            self.0 as u16
        }
    }

    /// Whether tasks wait for a buffer (the `waiting` bit).
    #[cfg(feature = "async")]
    #[inline]
    pub(crate) fn waiting(self) -> bool {
        self.0 as u16 & WAITING != 0
    }

    /// The `waiting` bit, in place.
    #[inline]
    fn waiting_bit(self) -> u16 {
        if cfg!(feature = "async") {
            self.0 as u16 & WAITING
        } else {
            0
        }
    }

    #[inline]
    fn tag(self) -> u16 {
        (self.0 >> 16) as u16
    }

    #[inline]
    fn with(index: u16, tag: u16) -> Self {
        Self(u32::from(index) | (u32::from(tag) << 16))
    }
}

impl Head {
    const_fn! {
        /// All zero: slot 0 is the top of the stack, nothing in use, nobody waiting.
        #[inline]
        pub(crate) const fn new() -> Self {
            Self {
                word: AtomicU32::new(0),
                in_use: AtomicU32::new(0),
            }
        }
    }

    #[inline]
    pub(crate) fn load(&self) -> Snap {
        Snap(self.word.load(Ordering::Acquire))
    }

    /// Advances the tag alone (index, count and flags unchanged) and returns the low
    /// 16 bits of the new tag: raw handles take their key from it, so every handle
    /// gets a key no other handle made in the last 2^15 tag steps has. A racing pop or
    /// push sees the tag change and retries, as after any other update.
    pub(crate) fn bump_tag(&self) -> u16 {
        let old = Snap(self.word.fetch_add(1 << 16, Ordering::AcqRel));
        old.tag16().wrapping_add(1)
    }

    /// How many slots are off the free list now.
    #[inline]
    pub(crate) fn in_use(&self) -> u16 {
        self.in_use.load(Ordering::Relaxed) as u16
    }

    /// Replaces `cur` (whose top is being taken) by `next`; returns the new in-use
    /// count, or the head as it is now.
    #[inline]
    pub(crate) fn try_pop(&self, cur: Snap, next: u16) -> Result<u16, Snap> {
        let new = Snap::with(next | cur.waiting_bit(), cur.tag().wrapping_add(1));
        match self
            .word
            .compare_exchange_weak(cur.0, new.0, Ordering::Acquire, Ordering::Acquire)
        {
            Ok(_) => Ok((self.in_use.fetch_add(1, Ordering::Relaxed) as u16).wrapping_add(1)),
            Err(now) => Err(Snap(now)),
        }
    }

    /// Replaces `cur` by `index`, whose link already points at `cur`'s top.
    #[inline]
    pub(crate) fn try_push(&self, cur: Snap, index: u16) -> Result<(), Snap> {
        let new = Snap::with(index | cur.waiting_bit(), cur.tag().wrapping_add(1));
        match self
            .word
            .compare_exchange_weak(cur.0, new.0, Ordering::Release, Ordering::Relaxed)
        {
            Ok(_) => Ok(()),
            Err(now) => Err(Snap(now)),
        }
    }

    /// Sets the `waiting` bit if the head is still `cur`, an empty list.
    #[cfg(feature = "async")]
    #[inline]
    pub(crate) fn try_set_waiting(&self, cur: Snap) -> Result<(), Snap> {
        let new = cur.0 | u32::from(WAITING);
        self.word
            .compare_exchange(cur.0, new, Ordering::AcqRel, Ordering::Acquire)
            .map(drop)
            .map_err(Snap)
    }

    /// Clears the `waiting` bit.
    #[cfg(feature = "async")]
    #[inline]
    pub(crate) fn clear_waiting(&self) {
        self.word.fetch_and(!u32::from(WAITING), Ordering::AcqRel);
    }

    /// Called once before a release's CAS loop: counting the slot as free slightly
    /// early keeps `in_use` from ever passing N when another thread pops it at once.
    #[inline]
    pub(crate) fn will_push(&self) {
        self.in_use.fetch_sub(1, Ordering::Relaxed);
    }

    /// Undoes `will_push` for a release that did not push.
    #[inline]
    pub(crate) fn wont_push(&self) {
        self.in_use.fetch_add(1, Ordering::Relaxed);
    }
}
