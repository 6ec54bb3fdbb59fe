//! The free-list head on targets with 64-bit atomics: one `AtomicU64` holding
//! `index: 15 | waiting: 1 | in_use: 16 | tag: 32`.
//!
//! The in-use count rides in the same word as the head, so acquire and release each
//! cost one CAS and the stats need no second atomic. The 32-bit tag changes on every
//! successful update; a thread preempted between its load and its CAS would need
//! exactly 2^32 updates by others in between to be fooled (the ABA problem).

/// The `waiting` bit of the head word, next to the 15-bit index.
const WAITING: u16 = 1 << 15;
use crate::sync::{AtomicU64, Ordering, const_fn};

/// Invariant: `index <= N` (N = "empty"), `in_use <= N`, and `in_use` counts the slots
/// not on the free list. `waiting` (bit 15, next to the index) is set while tasks wait
/// for a buffer (feature `async`); pops and pushes keep it as it is.
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
    const_fn! {
        /// All zero: slot 0 is the top of the stack, nothing in use, nobody waiting.
        #[inline]
        pub(crate) const fn new() -> Self {
            Self {
                word: AtomicU64::new(0),
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
        let old = Snap(self.word.fetch_add(1 << 32, Ordering::AcqRel));
        old.tag16().wrapping_add(1)
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
        let new = Snap::with(next | cur.waiting_bit(), in_use, cur.tag().wrapping_add(1));
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
            index | cur.waiting_bit(),
            cur.in_use().wrapping_sub(1),
            cur.tag().wrapping_add(1),
        );
        self.word
            .compare_exchange_weak(cur.0, new.0, Ordering::Release, Ordering::Relaxed)
            .map(drop)
            .map_err(Snap)
    }

    /// Sets the `waiting` bit if the head is still `cur`, an empty list.
    #[cfg(feature = "async")]
    #[inline]
    pub(crate) fn try_set_waiting(&self, cur: Snap) -> Result<(), Snap> {
        let new = cur.0 | u64::from(WAITING);
        self.word
            .compare_exchange(cur.0, new, Ordering::AcqRel, Ordering::Acquire)
            .map(drop)
            .map_err(Snap)
    }

    /// Clears the `waiting` bit.
    #[cfg(feature = "async")]
    #[inline]
    pub(crate) fn clear_waiting(&self) {
        self.word.fetch_and(!u64::from(WAITING), Ordering::AcqRel);
    }

    /// Called once before a release's CAS loop; the count is in the word here.
    #[inline]
    pub(crate) fn will_push(&self) {}

    /// Undoes `will_push` for a release that did not push.
    #[inline]
    pub(crate) fn wont_push(&self) {}
}
