//! The free-list head: one atomic word `index: 15 | waiting: 1 | tag` (the tag fills
//! the rest of the word) and the in-use count in a second atomic.
//!
//! Pushes, the `waiting` bit and raw-handle keys (`bump_tag`) are plain atomic
//! operations on the word, the same on every target. The pop, the one operation that
//! can suffer ABA, is picked per target by `build.rs` (`bufpress_head`):
//!
//! - `cas` (64-bit atomics): load, read the link, CAS with a 48-bit tag (`head/cas.rs`);
//! - `llsc` (ARMv7-M, ARMv8-M mainline): LDREX, read the link, STREX (`head/llsc.rs`);
//! - `cs` (no 64-bit atomics otherwise): load, read the link and CAS inside one
//!   critical section (`head/cs.rs`);
//! - `llsc_emulated` (`--cfg bufpress_head32`, on the host): the LL/SC pop with the
//!   exclusive monitor emulated, so tests, Miri and loom check it (`head/llsc_emulated.rs`).
//!
//! The guarantee each gives is the table in the pool's design note (`pool/mod.rs`).

use crate::sync::{AtomicU32, Ordering, const_fn};

#[cfg_attr(bufpress_head = "cas", path = "head/cas.rs")]
#[cfg_attr(bufpress_head = "llsc", path = "head/llsc.rs")]
#[cfg_attr(bufpress_head = "llsc_emulated", path = "head/llsc_emulated.rs")]
#[cfg_attr(bufpress_head = "cs", path = "head/cs.rs")]
mod design;

/// The integer the head word holds: `u64` for the `cas` head, `u32` for the others.
type Raw = design::Raw;

/// The `waiting` bit of the head word, next to the 15-bit index.
const WAITING: u16 = 1 << 15;
/// Where the tag starts in the head word.
const TAG_SHIFT: u32 = 16;
/// How many bits the tag has: the rest of the word (48 or 16), unless
/// `--cfg bufpress_tag_bits="N"` narrows it so tests can reach a wrap-around.
#[cfg(not(bufpress_narrow_tag))]
const TAG_BITS: u32 = Raw::BITS - TAG_SHIFT;
#[cfg(bufpress_narrow_tag)]
const TAG_BITS: u32 = parse_bits(env!("BUFPRESS_TAG_BITS"));
/// The tag's bits, shifted down.
const TAG_MASK: Raw = Raw::MAX >> (Raw::BITS - TAG_BITS);

/// `BUFPRESS_TAG_BITS`, which `build.rs` checked is a number from 1 to 16.
#[cfg(bufpress_narrow_tag)]
const fn parse_bits(digits: &str) -> u32 {
    let digits = digits.as_bytes();
    let mut value = 0;
    let mut i = 0;
    while i < digits.len() {
        value = value * 10 + (digits[i] - b'0') as u32;
        i += 1;
    }
    value
}

/// A value of the head read at one instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Snap(Raw);

impl Snap {
    /// The low 16 bits of the tag.
    #[inline]
    pub(crate) fn tag16(self) -> u16 {
        (self.0 >> TAG_SHIFT) as u16
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

    /// The head after a pop or push that leaves `top` on top: the `waiting` bit kept,
    /// the tag advanced (modulo 2^TAG_BITS).
    #[inline]
    fn then(self, top: u16) -> Self {
        let tag = (self.0 >> TAG_SHIFT).wrapping_add(1) & TAG_MASK;
        Self((tag << TAG_SHIFT) | Raw::from(top | self.waiting_bit()))
    }
}

/// What a pop does with the head it read (the free list decides, from the top's link).
pub(crate) enum Step {
    /// Take the top; this index is its successor.
    Take(u16),
    /// Take nothing: the list is empty, or the caller declined.
    Stop,
    /// The top's link is not a free slot's: the top was taken since the head was read.
    /// Read the head again.
    Again,
}

/// Invariant: `index <= N` (N = "empty"); `in_use <= N`, and it differs from the slots off
/// the free list only by the acquires and releases in flight. `waiting` (bit 15, next
/// to the index) is set while tasks wait for a buffer (feature `async`); pops and
/// pushes keep it as it is.
pub(crate) struct Head {
    word: design::Word,
    in_use: AtomicU32,
}

impl Head {
    const_fn! {
        /// All zero: slot 0 is the top of the stack, nothing in use, nobody waiting.
        #[inline]
        pub(crate) const fn new() -> Self {
            Self {
                word: design::Word::new(0),
                in_use: AtomicU32::new(0),
            }
        }
    }

    #[inline]
    pub(crate) fn load(&self) -> Snap {
        Snap(self.word.load(Ordering::Acquire))
    }

    /// Advances the tag alone (index and flags unchanged) and returns the low 16 bits
    /// of the new tag: raw handles take their key from it, so every handle gets a key
    /// no other handle made in the last 2^15 tag steps has. A racing pop or push sees
    /// the head change and retries, as after any other update.
    pub(crate) fn bump_tag(&self) -> u16 {
        #[cfg(not(bufpress_narrow_tag))]
        let old = Snap(self.word.fetch_add(1 << TAG_SHIFT, Ordering::AcqRel));
        // A narrow tag must wrap inside its bits: a CAS loop (tests only).
        #[cfg(bufpress_narrow_tag)]
        let old = {
            let mut cur = self.load();
            loop {
                let new = cur.then(cur.index());
                match self.word.compare_exchange_weak(
                    cur.0,
                    new.0,
                    Ordering::AcqRel,
                    Ordering::Acquire,
                ) {
                    Ok(_) => break cur,
                    Err(now) => cur = Snap(now),
                }
            }
        };
        old.tag16().wrapping_add(1)
    }

    /// How many slots are off the free list now.
    #[inline]
    pub(crate) fn in_use(&self) -> u16 {
        self.in_use.load(Ordering::Relaxed) as u16
    }

    /// Takes the top: `step(head)` reads the top's link and says what to do. Returns the
    /// index taken and the new in-use count, or `None` when `step` said [`Step::Stop`].
    /// Acquire ordering: the taker sees what the slot's previous holder wrote.
    #[inline]
    pub(crate) fn pop(&self, step: impl FnMut(Snap) -> Step) -> Option<(u16, u16)> {
        let taken = design::pop(&self.word, step)?;
        let in_use = (self.in_use.fetch_add(1, Ordering::Relaxed) as u16).wrapping_add(1);
        Some((taken.index(), in_use))
    }

    /// Replaces `cur` by `index`, whose link already points at `cur`'s top.
    #[inline]
    pub(crate) fn try_push(&self, cur: Snap, index: u16) -> Result<(), Snap> {
        self.word
            .compare_exchange_weak(
                cur.0,
                cur.then(index).0,
                Ordering::Release,
                Ordering::Relaxed,
            )
            .map(drop)
            .map_err(Snap)
    }

    /// Sets the `waiting` bit if the head is still `cur`, an empty list.
    #[cfg(feature = "async")]
    #[inline]
    pub(crate) fn try_set_waiting(&self, cur: Snap) -> Result<(), Snap> {
        let new = cur.0 | Raw::from(WAITING);
        self.word
            .compare_exchange(cur.0, new, Ordering::AcqRel, Ordering::Acquire)
            .map(drop)
            .map_err(Snap)
    }

    /// Clears the `waiting` bit.
    #[cfg(feature = "async")]
    #[inline]
    pub(crate) fn clear_waiting(&self) {
        self.word.fetch_and(!Raw::from(WAITING), Ordering::AcqRel);
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
