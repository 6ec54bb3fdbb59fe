//! The operations every pool has, written once: [`PoolHandle`] is a pool seen through
//! a copyable handle (its free list, and how a slot it owns becomes a guard), and the
//! functions here acquire and release through any handle. [`PoolRef`](super::PoolRef)
//! (byte pools) and [`ValueRef`](super::ValueRef) (value pools) are the two handles;
//! `Pool`, `RegionPool` and `ValuePool` forward to them, so the pools cannot drift
//! apart (the async `Acquire` future is generic over the handle too).
//!
//! This layer sits above the free list and the waiter queue, which know nothing of
//! each other: the free list only reports that tasks wait (a push it refused), and
//! [`release`] decides to hand the slot to the waiter queue.

use super::freelist::{FreeList, ListHeader};
#[cfg(feature = "async")]
use super::wait::Queue;
use crate::error::AcquireError;
use crate::sync::{AtomicU16, const_fn};
use sealed::Token;

/// The part of a pool that is the same for every size: its free list's head and
/// counters and (feature `async`) its waiter queue. All zero when new.
pub(crate) struct Header {
    list: ListHeader,
    #[cfg(feature = "async")]
    waiters: Queue,
}

impl Header {
    const_fn! {
        #[inline]
        pub(crate) const fn new() -> Self {
            Self {
                list: ListHeader::new(),
                #[cfg(feature = "async")]
                waiters: Queue::new(),
            }
        }
    }
}

/// What every operation on one pool needs: its header and the links of its slots.
#[derive(Clone, Copy)]
pub(crate) struct Shared<'a> {
    hdr: &'a Header,
    links: &'a [AtomicU16],
}

impl<'a> Shared<'a> {
    #[inline]
    pub(crate) const fn new(hdr: &'a Header, links: &'a [AtomicU16]) -> Self {
        Self { hdr, links }
    }

    /// The pool's free list.
    #[inline]
    pub(crate) const fn free(self) -> FreeList<'a> {
        FreeList::new(&self.hdr.list, self.links)
    }

    /// The pool's waiter queue.
    #[cfg(feature = "async")]
    #[inline]
    pub(crate) fn waiters(self) -> &'a Queue {
        &self.hdr.waiters
    }
}

/// A pool seen through a copyable handle: [`PoolRef`](super::PoolRef) for byte pools,
/// [`ValueRef`](super::ValueRef) for value pools. Sealed: it names what the generic
/// parts of the crate (such as the `Acquire` future) need, and cannot be implemented
/// outside it.
pub trait PoolHandle: sealed::Handle {}

// The sealed trait names crate-private types (the free list): users can neither name
// nor implement it, so they never see them.
#[allow(private_interfaces)]
pub(crate) mod sealed {
    use super::Shared;

    /// The crate-internal part of [`PoolHandle`](super::PoolHandle).
    pub trait Handle: Copy {
        /// What a taken slot becomes: a `Buf` or a `Value`.
        type Guard;

        /// The pool's free list and waiter queue.
        fn shared(&self) -> Shared<'_>;

        /// The guard of slot `index`, which the caller owns and hands over (it was
        /// just popped from `free()`, or handed to the caller by a release).
        ///
        /// Generic code outside the crate can reach a supertrait's methods through a
        /// `PoolHandle` bound, so this one asks for a [`Token`] only the crate can
        /// make: nobody else can turn an index into a guard.
        fn guard(self, index: u16, token: Token) -> Self::Guard;
    }

    /// Proof that the caller is this crate (see `Handle::guard`).
    #[derive(Clone, Copy)]
    pub struct Token(());

    impl Token {
        pub(crate) const fn new() -> Self {
            Self(())
        }
    }
}

/// Takes a free slot. Never blocks, never waits on a lock.
#[inline]
pub(crate) fn try_acquire<H: PoolHandle>(h: H) -> Result<H::Guard, AcquireError> {
    let free = h.shared().free();
    match free.pop() {
        Ok(index) => Ok(h.guard(index, Token::new())),
        Err(e) => {
            free.note_failed();
            Err(e)
        }
    }
}

/// Takes a free slot, spinning with exponential backoff for at most `max_rounds`
/// rounds (each at most 64 spin-loop hints).
pub(crate) fn acquire_spinning<H: PoolHandle>(
    h: H,
    max_rounds: u32,
) -> Result<H::Guard, AcquireError> {
    let free = h.shared().free();
    let mut backoff = Backoff::new();
    let mut counted = false;
    let mut rounds = 0u32;
    loop {
        match free.pop() {
            Ok(index) => return Ok(h.guard(index, Token::new())),
            Err(e) => {
                if !counted {
                    // One acquire found the pool empty, however long it waits.
                    free.note_failed();
                    counted = true;
                }
                if rounds >= max_rounds {
                    return Err(e);
                }
                rounds += 1;
                backoff.snooze();
            }
        }
    }
}

/// Takes a free slot, spinning until one is free.
pub(crate) fn acquire_blocking<H: PoolHandle>(h: H) -> H::Guard {
    loop {
        if let Ok(guard) = acquire_spinning(h, u32::MAX) {
            return guard;
        }
    }
}

/// Gives back slot `index`, which the caller owns: onto the free list, or (feature
/// `async`) straight to the oldest waiting task. Wakers run only here, at the top of
/// a release, after the free list is consistent again.
#[inline]
pub(crate) fn release(shared: Shared<'_>, index: u16) {
    let free = shared.free();
    let pushed = free.push(index);
    #[cfg(feature = "async")]
    if !pushed {
        shared.waiters().release(free, index);
    }
    #[cfg(not(feature = "async"))]
    debug_assert!(pushed);
}

/// Exponential backoff for spinning: 1, 2, 4 … 64 spin-loop hints per round.
struct Backoff(u32);

impl Backoff {
    const MAX_SHIFT: u32 = 6;

    fn new() -> Self {
        Self(0)
    }

    fn snooze(&mut self) {
        for _ in 0..1u32 << self.0 {
            crate::sync::spin_hint();
        }
        if self.0 < Self::MAX_SHIFT {
            self.0 += 1;
        }
    }
}
