//! The free-list head: one atomic word `index: 15 | waiting: 1 | tag` (the tag fills
//! the rest of the word and counts pops), a count of pushes (the in-use count is pops
//! minus pushes), and a count of raw-handle keys.
//!
//! Pushes and the `waiting` bit are plain atomic operations on the word, the same on every target. The pop, the one operation that
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

#[cfg(not(loom))]
use crate::sync::PlainAtomicU16;
use crate::sync::{AtomicU16, AtomicU32, Ordering, const_fn};

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
    #[cfg_attr(bufpress_narrow_tag, allow(dead_code))]
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

    /// The head after a pop that leaves `top` on top: the `waiting` bit kept, the tag
    /// advanced (modulo 2^TAG_BITS). Only pops advance the tag (it counts them): a
    /// stale pop is one whose top was popped and pushed back meanwhile, and a push
    /// whose CAS succeeds is right whatever happened before it.
    #[inline]
    fn popped(self, top: u16) -> Self {
        let tag = (self.0 >> TAG_SHIFT).wrapping_add(1) & TAG_MASK;
        Self((tag << TAG_SHIFT) | Raw::from(top | self.waiting_bit()))
    }

    /// The head after a push that puts `top` on top: tag and `waiting` bit kept. Two
    /// pushes never produce the same word without a pop between them (the second
    /// pushed slot was off the list, so it is not the first one's top).
    #[inline]
    fn pushed(self, top: u16) -> Self {
        Self(((self.0 >> TAG_SHIFT) << TAG_SHIFT) | Raw::from(top | self.waiting_bit()))
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

/// Invariant: `index <= N` (N = "empty"). The tag counts pops (modulo 2^TAG_BITS) and
/// `pushes` counts pushes (modulo 2^16, counted just before each push's CAS), so the
/// slots off the free list are `pops - pushes` modulo 2^16 (at most N < 2^15), up to the
/// releases in flight: one extra atomic per round trip, on the release side. With a
/// narrowed tag (tests) the count is kept in `in_use` instead. `waiting` (bit 15, next
/// to the index) is set while tasks wait for a buffer (feature `async`); pops and
/// pushes keep it as it is. `keys` counts raw handles and `key_base` (0 until the
/// first one) offsets their keys (see `next_key`).
pub(crate) struct Head {
    word: design::Word,
    #[cfg(not(bufpress_narrow_tag))]
    pushes: AtomicU32,
    #[cfg(bufpress_narrow_tag)]
    in_use: AtomicU32,
    keys: AtomicU16,
    key_base: AtomicU16,
}

impl Head {
    const_fn! {
        /// All zero: slot 0 is the top of the stack, nothing in use, nobody waiting.
        #[inline]
        pub(crate) const fn new() -> Self {
            Self {
                word: design::Word::new(0),
                #[cfg(not(bufpress_narrow_tag))]
                pushes: AtomicU32::new(0),
                #[cfg(bufpress_narrow_tag)]
                in_use: AtomicU32::new(0),
                keys: AtomicU16::new(0),
                key_base: AtomicU16::new(0),
            }
        }
    }

    #[inline]
    pub(crate) fn load(&self) -> Snap {
        Snap(self.word.load(Ordering::Acquire))
    }

    /// A new raw handle's key, before the free list keeps its low 15 bits: a counter
    /// of this pool's raw handles plus an offset fixed at its first raw handle (from a
    /// process-wide seed that moves for every pool, and `salt`, bits of the pool's
    /// address then). Consecutive handles of one pool therefore get keys that repeat
    /// only every 2^15 handles, across the counter's wrap and across a move of the
    /// pool; two pools, even one after the other at one address, start apart.
    pub(crate) fn next_key(&self, salt: u16) -> u16 {
        let base = match self.key_base.load(Ordering::Relaxed) {
            0 => {
                // (Not under loom: a process-wide seed would make its runs differ.)
                #[cfg(not(loom))]
                let seed = {
                    static SEED: PlainAtomicU16 = PlainAtomicU16::new(0);
                    SEED.fetch_add(0x9E37, Ordering::Relaxed)
                };
                #[cfg(loom)]
                let seed = 0;
                // Bit 15 set: "fixed" (0 is "not yet"); the free list drops it.
                let base = (seed ^ salt) | 0x8000;
                match self
                    .key_base
                    .compare_exchange(0, base, Ordering::Relaxed, Ordering::Relaxed)
                {
                    Ok(_) => base,
                    Err(now) => now,
                }
            }
            base => base,
        };
        self.keys
            .fetch_add(1, Ordering::Relaxed)
            .wrapping_add(1)
            .wrapping_add(base)
    }

    /// How many slots are off the free list now (up to the releases in flight).
    #[inline]
    pub(crate) fn in_use(&self) -> u16 {
        #[cfg(not(bufpress_narrow_tag))]
        return off_list(self.load().tag16(), self.pushes.load(Ordering::Relaxed));
        #[cfg(bufpress_narrow_tag)]
        return self.in_use.load(Ordering::Relaxed) as u16;
    }

    /// Takes the top: `step(head)` reads the top's link and says what to do. Returns the
    /// index taken and the new in-use count, or `None` when `step` said [`Step::Stop`].
    /// Acquire ordering: the taker sees what the slot's previous holder wrote.
    #[inline]
    pub(crate) fn pop(&self, step: impl FnMut(Snap) -> Step) -> Option<(u16, u16)> {
        let taken = design::pop(&self.word, step)?;
        // The pushes this pop synchronized with (through the head) are counted: the
        // count never exceeds the true one.
        #[cfg(not(bufpress_narrow_tag))]
        let in_use = off_list(
            taken.tag16().wrapping_add(1),
            self.pushes.load(Ordering::Relaxed),
        );
        #[cfg(bufpress_narrow_tag)]
        let in_use = (self.in_use.fetch_add(1, Ordering::Relaxed) as u16).wrapping_add(1);
        Some((taken.index(), in_use))
    }

    /// Replaces `cur` by `index`, whose link already points at `cur`'s top.
    #[inline]
    pub(crate) fn try_push(&self, cur: Snap, index: u16) -> Result<(), Snap> {
        self.word
            .compare_exchange_weak(
                cur.0,
                cur.pushed(index).0,
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
    /// early keeps the in-use count from ever passing N when another thread pops it
    /// at once.
    #[inline]
    pub(crate) fn will_push(&self) {
        #[cfg(not(bufpress_narrow_tag))]
        self.pushes.fetch_add(1, Ordering::Relaxed);
        #[cfg(bufpress_narrow_tag)]
        self.in_use.fetch_sub(1, Ordering::Relaxed);
    }

    /// Undoes `will_push` for a release that did not push.
    #[inline]
    pub(crate) fn wont_push(&self) {
        #[cfg(not(bufpress_narrow_tag))]
        self.pushes.fetch_sub(1, Ordering::Relaxed);
        #[cfg(bufpress_narrow_tag)]
        self.in_use.fetch_add(1, Ordering::Relaxed);
    }
}

/// Slots off the list from the pop and push counts (modulo 2^16). A push counted before
/// its CAS makes the difference briefly one short, never more than the truth; a count
/// read a little later than the pops can make it negative: that reads as 0.
#[cfg(not(bufpress_narrow_tag))]
#[inline]
fn off_list(pops: u16, pushes: u32) -> u16 {
    let diff = pops.wrapping_sub(pushes as u16) as i16;
    if diff < 0 { 0 } else { diff as u16 }
}
