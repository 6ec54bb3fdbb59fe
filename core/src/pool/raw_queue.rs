//! [`RawQueue`]: a fixed, lock-free ring of raw handles, for handing buffers from an
//! interrupt handler to a task (or between threads).
//!
//! # Design note
//!
//! A bounded multi-producer multi-consumer ring after Dmitry Vyukov's: a head and a
//! tail counter (`u32`, wrapping) and `N` slots, each a sequence number and the
//! handle's 64 bits (two `AtomicU32`, so it builds on targets with 32-bit atomics
//! only, such as thumbv7em). A push claims position `p` by a CAS of the tail when
//! slot `p % N`'s sequence is `p`, writes the handle and publishes it by storing
//! sequence `p + 1` with `Release`; a pop claims position `p` by a CAS of the head
//! when the sequence is `p + 1` (loaded with `Acquire`, so the handle's bytes are
//! visible), reads the handle and frees the slot for the next round by storing
//! `p + N` with `Release`. The handle's words are `Relaxed` atomics, ordered by the
//! sequence: no `unsafe` in this file.
//!
//! **All zero when new.** Slot `i` stores its sequence minus `i`, so a new ring
//! (sequence `i` in slot `i`, head and tail 0) is all zero bytes and a `static` one
//! sits in `.bss`.
//!
//! **Interrupt-safe.** Neither operation waits for another: a pop that meets a slot
//! whose push is half done (claimed, not yet published: the push was interrupted)
//! reports the ring empty, and a push that meets a slot whose pop is half done
//! reports it full. A CAS that loses a race retries with the newer position, which
//! only another operation's progress causes (lock-free). So an interrupt handler may
//! push or pop whatever the code it interrupted was doing; it may see the ring empty
//! or full spuriously while that code is inside an operation.
//!
//! The counters wrap at 2^32; `N` must be a power of two (checked when the ring is
//! built) so that positions map to the same slot across the wrap, and at least 2 (with
//! one slot, "published at position `p`" and "free for position `p + 1`" are the same
//! sequence number).
//!
//! **The wrap's bound.** A push or pop stopped between reading a slot's sequence and
//! its CAS on the counter, while the others make exactly a multiple of 2^32 operations
//! on this queue, could succeed on the stale position: at one operation per
//! nanosecond that is more than 4 seconds without being scheduled. What it could then
//! do is lose or garble one handle (a buffer that never comes back, or a handle that
//! `try_from_raw` refuses); never a second owner, since turning a handle back is
//! checked. The pool's own free list has no such bound to rely on (see `pool`).
//!
//! Checked by `core/tests/loom_raw_queue.rs` (every interleaving of 2 producers and a
//! consumer, and of a producer and 2 consumers, with loom tracking the buffer's bytes:
//! a `Relaxed` publication fails it) and `core/tests/raw_queue.rs`.

use super::buf::RawBuf;
use crate::sync::{AtomicU32, Ordering, const_fn};

/// One slot: its sequence (minus the slot's index) and the handle's two words.
struct Slot {
    seq: AtomicU32,
    lo: AtomicU32,
    hi: AtomicU32,
}

impl Slot {
    const_fn! {
        const fn new() -> Self {
            Self {
                seq: AtomicU32::new(0),
                lo: AtomicU32::new(0),
                hi: AtomicU32::new(0),
            }
        }
    }
}

/// A fixed, lock-free queue of up to `N` [`RawBuf`] handles: from an interrupt handler
/// to a task, from producers to consumers on any threads (multi-producer,
/// multi-consumer, FIFO). `N` is a power of two, at least 2.
///
/// `const fn new`, all zero when new (a `static` lands in `.bss`), no allocation, no
/// lock: safe to push or pop in an interrupt handler (see the design note in the
/// module's source: an operation interrupted half-way makes others see the queue
/// empty or full for that moment, never wait).
///
/// A push publishes with `Release` and a pop takes with `Acquire`, so what the
/// producer wrote into the buffer is visible to the consumer that turns the handle
/// back with `try_from_raw`.
///
/// ```
/// use bufpress::pool::{Pool, RawQueue};
///
/// static FRAMES: Pool<4, 64> = Pool::new();
/// static READY: RawQueue<4> = RawQueue::new();
///
/// // The interrupt handler: fill a buffer, post its handle.
/// let mut buf = FRAMES.try_acquire()?;
/// buf.extend_from_slice(b"frame 1")?;
/// if let Err(raw) = READY.try_push(buf.into_raw()) {
///     drop(FRAMES.try_from_raw(raw)?); // queue full: drop the frame
/// }
///
/// // The task: take it back.
/// let raw = READY.try_pop().expect("posted above");
/// let buf = FRAMES.try_from_raw(raw)?;
/// assert_eq!(buf, *b"frame 1");
/// # Ok::<(), bufpress::Error>(())
/// ```
pub struct RawQueue<const N: usize> {
    /// The next position to pop.
    head: AtomicU32,
    /// The next position to push.
    tail: AtomicU32,
    slots: [Slot; N],
}

impl<const N: usize> RawQueue<N> {
    const CHECK: () = assert!(
        N.is_power_of_two() && N >= 2 && N <= 1 << 31,
        "RawQueue<N>: N must be a power of two from 2 to 2^31"
    );

    const_fn! {
        /// An empty queue; all zero bytes.
        ///
        /// # Panics
        ///
        /// At compile time when `N` is not a power of two from 2 to 2^31.
        pub const fn new() -> Self {
            let () = Self::CHECK;
            #[cfg(not(loom))]
            let slots = [const { Slot::new() }; N];
            #[cfg(loom)]
            let slots = core::array::from_fn(|_| Slot::new());
            Self {
                head: AtomicU32::new(0),
                tail: AtomicU32::new(0),
                slots,
            }
        }
    }

    /// Appends `raw` at the back. Never blocks.
    ///
    /// # Errors
    ///
    /// Gives `raw` back when the queue is full (or a pop that the caller interrupted
    /// has not yet freed the slot).
    pub fn try_push(&self, raw: RawBuf) -> Result<(), RawBuf> {
        push(&self.tail, &self.slots, raw)
    }

    /// Takes the handle at the front, or `None` when the queue is empty (or the push
    /// of the front handle was interrupted half-way by the caller). Never blocks.
    pub fn try_pop(&self) -> Option<RawBuf> {
        pop(&self.head, &self.slots)
    }

    /// How many handles are queued (a snapshot: it may change at once).
    pub fn len(&self) -> usize {
        let head = self.head.load(Ordering::Relaxed);
        let tail = self.tail.load(Ordering::Relaxed);
        (tail.wrapping_sub(head) as usize).min(N)
    }

    /// Whether the queue is empty (a snapshot).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many handles the queue holds at most: `N`.
    pub const fn capacity(&self) -> usize {
        N
    }
}

impl<const N: usize> Default for RawQueue<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> core::fmt::Debug for RawQueue<N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RawQueue")
            .field("len", &self.len())
            .field("capacity", &N)
            .finish()
    }
}

/// The slot of position `pos` and its index (`slots.len()` is a power of two).
fn slot_at(slots: &[Slot], pos: u32) -> (&Slot, u32) {
    let i = pos & (slots.len() as u32).wrapping_sub(1);
    // `i < slots.len()`: the mask keeps it there (no panic path in practice).
    (&slots[i as usize], i)
}

/// The push, written once for every `N`.
fn push(tail: &AtomicU32, slots: &[Slot], raw: RawBuf) -> Result<(), RawBuf> {
    let mut pos = tail.load(Ordering::Relaxed);
    loop {
        let (slot, i) = slot_at(slots, pos);
        // `Acquire`: pairs with the `Release` of the pop that freed the slot, so its
        // reads of the old handle come before the writes below.
        let seq = slot.seq.load(Ordering::Acquire).wrapping_add(i);
        let ahead = seq.wrapping_sub(pos) as i32;
        if ahead == 0 {
            match tail.compare_exchange_weak(
                pos,
                pos.wrapping_add(1),
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => {
                    let bits = raw.to_bits();
                    slot.lo.store(bits as u32, Ordering::Relaxed);
                    slot.hi.store((bits >> 32) as u32, Ordering::Relaxed);
                    // `Release`: publishes the handle (and, through it, the buffer's
                    // bytes written before the push) to the pop that sees this value.
                    slot.seq
                        .store(pos.wrapping_add(1).wrapping_sub(i), Ordering::Release);
                    return Ok(());
                }
                Err(now) => pos = now,
            }
        } else if ahead < 0 {
            // The slot still holds the handle of the previous round: full.
            return Err(raw);
        } else {
            pos = tail.load(Ordering::Relaxed);
        }
    }
}

/// The pop, written once for every `N`.
fn pop(head: &AtomicU32, slots: &[Slot]) -> Option<RawBuf> {
    let n = slots.len() as u32;
    let mut pos = head.load(Ordering::Relaxed);
    loop {
        let (slot, i) = slot_at(slots, pos);
        // `Acquire`: pairs with the push's `Release` (see there).
        let seq = slot.seq.load(Ordering::Acquire).wrapping_add(i);
        let ahead = seq.wrapping_sub(pos.wrapping_add(1)) as i32;
        if ahead == 0 {
            match head.compare_exchange_weak(
                pos,
                pos.wrapping_add(1),
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => {
                    let lo = slot.lo.load(Ordering::Relaxed);
                    let hi = slot.hi.load(Ordering::Relaxed);
                    // `Release`: the reads above come before the next push's writes.
                    slot.seq
                        .store(pos.wrapping_add(n).wrapping_sub(i), Ordering::Release);
                    return Some(RawBuf::from_bits(u64::from(lo) | (u64::from(hi) << 32)));
                }
                Err(now) => pos = now,
            }
        } else if ahead < 0 {
            // Nothing published at this position yet: empty.
            return None;
        } else {
            pos = head.load(Ordering::Relaxed);
        }
    }
}
