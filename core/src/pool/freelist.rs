//! The lock-free free list shared by every pool: a Treiber stack of slot indices.
//!
//! The links are intrusive: slot `i` owns `links[i]`, no container allocates, and
//! acquire and release are one atomic update of the head each (plus a retry when
//! another core or an interrupt handler won the race; how the pop updates it depends
//! on the target, see `head.rs`). This file has no `unsafe`: it hands out slot
//! *indices*, and the pool types turn an index into memory.
//!
//! # Link encoding (why a fresh pool is all zero)
//!
//! Links are 16-bit atomics (2 bytes per buffer). For a free slot `i`, `links[i]`
//! stores `next - (i + 1)` modulo 2^15 (bit 15 clear), so zero means "the next slot". With the head word zero meaning "slot 0 on top", a pool
//! whose memory is all zero is a full free list `0 -> 1 -> ... -> N-1 -> N` where `N`
//! stands for "empty". That is what lets a `static` pool sit in `.bss`.
//!
//! A slot held through a raw handle stores `RAW | key` (bit 15 set, a 15-bit key)
//! instead; a slot held by a
//! guard stores whatever it had (nobody reads it but a racing pop, which then fails
//! and retries: see `head.rs`).

use super::head::{Head, Snap, Step};
use crate::error::{AcquireError, RawError};
use crate::sync::{AtomicU16, AtomicU32, Ordering, const_fn};

/// Marks a link whose slot is held through a raw handle; the low 15 bits are its key.
const RAW: u16 = 1 << 15;
/// The bits of a free slot's link, and of a raw handle's key.
const LOW: u16 = RAW - 1;
/// The most slots a free list can have (the index N = "empty" must fit in 15 bits).
pub(crate) const MAX_SLOTS: usize = LOW as usize;

/// The part of a free list that is the same for every size: the head and the
/// statistics. All zero when new.
///
/// Invariant: together with a links array of N entries it forms one free list, on
/// which every slot index below N is either on the list exactly once or held by
/// exactly one owner (a guard, a raw handle, or a waiting future it was handed to).
pub(crate) struct ListHeader {
    head: Head,
    high_water: AtomicU32,
    failed: AtomicU32,
}

impl ListHeader {
    const_fn! {
        #[inline]
        pub(crate) const fn new() -> Self {
            Self {
                head: Head::new(),
                high_water: AtomicU32::new(0),
                failed: AtomicU32::new(0),
            }
        }
    }
}

/// A snapshot of a pool's counters, read in O(1) with no lock.
///
/// `available` is `capacity - in_use`, so they always add up; while acquires and
/// releases are in flight `in_use` may lag behind them by those few.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub struct Stats {
    /// How many buffers (or values) the pool has.
    pub capacity: usize,
    /// How many are free now.
    pub available: usize,
    /// How many are held now (by guards or raw handles).
    pub in_use: usize,
    /// The most ever held at once since the pool was made or the stats were reset.
    pub high_water: usize,
    /// How many `try_acquire` calls found the pool empty (wraps at `u32::MAX`).
    pub failed_acquires: u32,
}

/// A free list: a header and the links of its N slots.
#[derive(Clone, Copy)]
pub(crate) struct FreeList<'a> {
    hdr: &'a ListHeader,
    links: &'a [AtomicU16],
}

impl<'a> FreeList<'a> {
    pub(crate) const fn new(hdr: &'a ListHeader, links: &'a [AtomicU16]) -> Self {
        Self { hdr, links }
    }

    #[inline]
    pub(crate) const fn capacity(self) -> usize {
        self.links.len()
    }

    /// Takes a free slot. Never blocks; fails only when the list was seen empty.
    ///
    /// It may take a slot while tasks wait (feature `async`): a plain `try_acquire`
    /// never waits on the waiter lock, which keeps it usable in interrupt handlers.
    #[inline]
    pub(crate) fn pop(self) -> Result<u16, AcquireError> {
        self.pop_when(|_| true)
    }

    /// Takes a free slot unless tasks wait for one (they come first: no barging).
    #[cfg(feature = "async")]
    #[inline]
    pub(crate) fn pop_if_nobody_waits(self) -> Result<u16, AcquireError> {
        self.pop_when(|cur| !cur.waiting())
    }

    /// Pops while `allowed(head)`; the check and the pop act on one read of the head
    /// (the pop fails and reads again if the head changed since).
    #[inline]
    fn pop_when(self, allowed: impl Fn(Snap) -> bool) -> Result<u16, AcquireError> {
        let n = self.links.len();
        let taken = self.hdr.head.pop(|cur| {
            let index = cur.index();
            let Some(link) = self.links.get(usize::from(index)) else {
                return Step::Stop;
            };
            if !allowed(cur) {
                return Step::Stop;
            }
            match decode(link.load(Ordering::Relaxed), index) {
                // The slot was taken (and its link changed) since `cur` was read.
                next if next > n => Step::Again,
                next => Step::Take(next as u16),
            }
        });
        match taken {
            Some((index, in_use)) => {
                self.note_in_use(in_use);
                Ok(index)
            }
            None => Err(AcquireError { capacity: n }),
        }
    }

    /// Puts a slot back on the list, unless tasks wait for one (feature `async`):
    /// then it returns `false` and leaves the slot to the caller, which hands it to
    /// the oldest waiter (`PoolRef::release`). The free list never runs the waiter
    /// queue (nor the wakers in it) itself.
    ///
    /// The caller must own `index` (a guard or a claimed raw handle); giving back a
    /// slot twice corrupts the list (no memory unsafety follows from this module, but
    /// the pool types rely on it, which is why only they call it).
    #[inline]
    #[must_use]
    pub(crate) fn push(self, index: u16) -> bool {
        #[cfg(feature = "async")]
        return self.push_if(index, |cur| !cur.waiting());
        #[cfg(not(feature = "async"))]
        self.push_if(index, |_| true)
    }

    /// Pushes while `allowed(head)`; returns whether it did. The check and the push
    /// are one CAS on the head, so a `waiting` bit set meanwhile is never missed.
    #[inline]
    fn push_if(self, index: u16, allowed: impl Fn(Snap) -> bool) -> bool {
        let Some(link) = self.links.get(usize::from(index)) else {
            return true;
        };
        let mut cur: Snap = self.hdr.head.load();
        if !allowed(cur) {
            return false;
        }
        self.hdr.head.will_push();
        loop {
            link.store(encode(cur.index(), index), Ordering::Relaxed);
            match self.hdr.head.try_push(cur, index) {
                Ok(()) => return true,
                Err(now) => cur = now,
            }
            if !allowed(cur) {
                self.hdr.head.wont_push();
                return false;
            }
        }
    }

    /// Puts a slot on the list even while tasks wait (the waiter queue's own use,
    /// with its lock held or its holder told to serve).
    #[cfg(feature = "async")]
    pub(crate) fn push_anyway(self, index: u16) {
        self.push_if(index, |_| true);
    }

    /// Takes a free slot, or, when the list is empty, sets the head's `waiting` bit
    /// (one CAS from the empty head, so a slot pushed meanwhile is taken instead).
    /// Called with the waiter lock held.
    #[cfg(feature = "async")]
    pub(crate) fn pop_or_mark_waiting(self) -> Option<u16> {
        loop {
            let cur = self.hdr.head.load();
            if usize::from(cur.index()) < self.capacity() {
                match self.pop() {
                    Ok(index) => return Some(index),
                    Err(_) => continue,
                }
            }
            if cur.waiting() || self.hdr.head.try_set_waiting(cur).is_ok() {
                return None;
            }
        }
    }

    /// Clears the head's `waiting` bit: the last waiter left. Waiter lock held.
    #[cfg(feature = "async")]
    pub(crate) fn clear_waiting(self) {
        self.hdr.head.clear_waiting();
    }

    /// Calls `f` with every slot on the free list, top first. Only for a caller with
    /// exclusive access to the pool (it owns it: nothing pops or pushes meanwhile);
    /// stops at a link that is not a free slot's, and after N slots.
    pub(crate) fn for_each_free(self, mut f: impl FnMut(u16)) {
        let n = self.links.len();
        let mut index = usize::from(self.hdr.head.load().index());
        for _ in 0..n {
            let Some(link) = self.links.get(index) else {
                return;
            };
            f(index as u16);
            index = decode(link.load(Ordering::Relaxed), index as u16);
        }
    }

    /// Counts one acquire that found the list empty.
    #[inline]
    pub(crate) fn note_failed(self) {
        self.hdr.failed.fetch_add(1, Ordering::Relaxed);
    }

    #[inline]
    fn note_in_use(self, in_use: u16) {
        // A count read while other threads raced past (see `Head::in_use`) can be off;
        // one above the capacity is certainly wrong and is not recorded.
        if usize::from(in_use) > self.links.len() {
            return;
        }
        let in_use = u32::from(in_use);
        if in_use > self.hdr.high_water.load(Ordering::Relaxed) {
            self.hdr.high_water.fetch_max(in_use, Ordering::Relaxed);
        }
    }

    /// Marks a held slot as held through a raw handle and returns the handle's key.
    ///
    /// The key comes from a counter of the pool's raw handles, so two handles of one
    /// slot made at different times differ (even with no acquire or release between
    /// them: a handle turned back into a guard and made again gets a new key, and the
    /// old one stays stale) unless 2^15 handles were made in between (keys have 15
    /// bits).
    ///
    /// The counter is offset, from the pool's first raw handle on, by a process-wide
    /// seed that moves for every pool mixed with bits of the pool's address then (fixed,
    /// so moving the pool changes nothing): a handle from another pool, or from a dropped
    /// pool whose memory a new pool reuses, matches a live handle here only by chance
    /// (about 1 in 2^15), not as a rule.
    pub(crate) fn mark_raw(self, index: u16) -> u16 {
        let salt = (self.links.as_ptr().addr() >> 3) as u16;
        let key = self.hdr.head.next_key(salt) & LOW;
        if let Some(link) = self.links.get(usize::from(index)) {
            // `Release`, paired with `claim_raw`'s `Acquire`: the handle may travel
            // to its next owner through anything, even a `Relaxed` atomic that orders
            // nothing, so this store is what publishes the holder's writes (and the
            // scrub) to whoever claims the handle.
            link.store(RAW | key, Ordering::Release);
        }
        key
    }

    /// Claims a slot held through the raw handle `(index, key)`; succeeds once.
    pub(crate) fn claim_raw(self, index: u16, key: u16) -> Result<(), RawError> {
        let i = usize::from(index);
        let link = self.links.get(i).ok_or(RawError::OutOfRange { index: i })?;
        if key > LOW {
            return Err(RawError::NotRaw { index: i });
        }
        // `Acquire`: pairs with `mark_raw`'s `Release` store (see there).
        link.compare_exchange(RAW | key, 0, Ordering::Acquire, Ordering::Relaxed)
            .map(drop)
            .map_err(|_| RawError::NotRaw { index: i })
    }

    /// Whether the slot is held through the raw handle `(index, key)` now (without
    /// claiming it).
    pub(crate) fn check_raw(self, index: u16, key: u16) -> Result<(), RawError> {
        let i = usize::from(index);
        let link = self.links.get(i).ok_or(RawError::OutOfRange { index: i })?;
        // `Acquire`, as in `claim_raw`: whoever asks about a handle it received sees
        // the writes its maker published.
        if key <= LOW && link.load(Ordering::Acquire) == RAW | key {
            Ok(())
        } else {
            Err(RawError::NotRaw { index: i })
        }
    }

    pub(crate) fn stats(self) -> Stats {
        let capacity = self.links.len();
        let in_use = usize::from(self.hdr.head.in_use()).min(capacity);
        Stats {
            capacity,
            available: capacity - in_use,
            in_use,
            high_water: (self.hdr.high_water.load(Ordering::Relaxed) as usize).min(capacity),
            failed_acquires: self.hdr.failed.load(Ordering::Relaxed),
        }
    }

    /// Sets the high-water mark to the current use and the failure count to 0.
    pub(crate) fn reset_stats(self) {
        let in_use = usize::from(self.hdr.head.in_use()).min(self.links.len());
        self.hdr.high_water.store(in_use as u32, Ordering::Relaxed);
        self.hdr.failed.store(0, Ordering::Relaxed);
    }
}

/// The link of free slot `index` whose successor is `next` (both at most `LOW`).
fn encode(next: u16, index: u16) -> u16 {
    next.wrapping_sub(index).wrapping_sub(1) & LOW
}

/// The successor stored in a link; more than N when the link is not a free slot's.
fn decode(link: u16, index: u16) -> usize {
    if link & RAW != 0 {
        return usize::MAX;
    }
    usize::from(link.wrapping_add(index).wrapping_add(1) & LOW)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn links<const N: usize>() -> [AtomicU16; N] {
        crate::sync::zero_links()
    }

    #[test]
    fn zero_image_is_a_full_list_in_order() {
        let hdr = ListHeader::new();
        let links = links::<5>();
        let list = FreeList::new(&hdr, &links);
        for want in 0..5 {
            assert_eq!(list.pop(), Ok(want));
        }
        assert_eq!(list.pop(), Err(AcquireError { capacity: 5 }));
        list.note_failed();
        assert_eq!(list.stats().failed_acquires, 1);
        assert_eq!(list.stats().high_water, 5);
    }

    #[test]
    fn lifo_and_counts() {
        let hdr = ListHeader::new();
        let links = links::<3>();
        let list = FreeList::new(&hdr, &links);
        let a = list.pop().unwrap();
        let b = list.pop().unwrap();
        assert!(list.push(a));
        assert_eq!(list.stats().in_use, 1);
        assert_eq!(list.pop(), Ok(a));
        assert!(list.push(b));
        assert!(list.push(a));
        let s = list.stats();
        assert_eq!((s.in_use, s.available, s.high_water), (0, 3, 2));
        list.reset_stats();
        assert_eq!(list.stats().high_water, 0);
    }

    #[test]
    fn empty_list_and_encoding_edges() {
        let hdr = ListHeader::new();
        let list = FreeList::new(&hdr, &[]);
        assert_eq!(list.pop(), Err(AcquireError { capacity: 0 }));
        for (next, index) in [(0u16, 0u16), (5, 4), (0, 32766), (32767, 0), (3, 9)] {
            assert_eq!(decode(encode(next, index), index), usize::from(next));
        }
        assert_eq!(decode(RAW | 7, 3), usize::MAX);
    }

    #[test]
    fn raw_claims_succeed_once() {
        let hdr = ListHeader::new();
        let links = links::<2>();
        let list = FreeList::new(&hdr, &links);
        let i = list.pop().unwrap();
        let key = list.mark_raw(i);
        assert_eq!(
            list.claim_raw(i, key.wrapping_add(1)),
            Err(RawError::NotRaw { index: 0 })
        );
        assert_eq!(list.claim_raw(i, key), Ok(()));
        assert_eq!(list.claim_raw(i, key), Err(RawError::NotRaw { index: 0 }));
        assert_eq!(
            list.claim_raw(9, key),
            Err(RawError::OutOfRange { index: 9 })
        );
        // A free slot can never be claimed.
        assert_eq!(list.claim_raw(1, 0), Err(RawError::NotRaw { index: 1 }));
    }
}
