//! Async acquire (feature `async`): a task waits for a buffer instead of spinning or
//! failing, on any executor, with no allocation.
//!
//! [`PoolRef::acquire`] returns an [`Acquire`] future. It completes at once when
//! a buffer is free and nobody waits; otherwise it parks the task's waker on the
//! pool's waiter queue, an intrusive list whose nodes live inside the futures
//! themselves (the pattern of tokio's semaphore). A release hands its buffer straight
//! to the oldest waiter.
//!
//! # Design note
//!
//! **Where things live.** The queue is part of the pool's header: a lock word and an
//! `intrusive_collections::LinkedList` head (two null pointers), both zero when new,
//! so a `static` pool stays in `.bss` (checked by `core/tests/bss.rs` and
//! `core/tests/async_acquire.rs`). A waiter's node (list link, waker, granted slot)
//! is a field of its `Acquire` future; the future is `!Unpin`, the node is linked
//! only once the future is pinned and polled, and `Drop` unlinks it, so the list never
//! points at freed memory. Nothing is allocated.
//!
//! **The `waiting` bit.** Bit 15 of the free-list head word (next to the 15-bit slot
//! index) says "tasks wait". A release reads the head anyway for its CAS, so when
//! nobody waits the queue costs it one bit test and no extra atomic. The bit is set
//! only by a CAS from an *empty* head, with the waiter lock held: a buffer pushed
//! meanwhile makes that CAS fail, and the waiter takes the buffer instead. That is the
//! re-check of the free list under the waiter lock; because check and set are one CAS
//! on the same word as every push, no wake-up can be lost. Every push is a CAS that
//! checks the bit, so no release can slip a buffer onto the list once it is set.
//!
//! **Fairness.** While the bit is set, `acquire` never takes a buffer from the
//! free list ahead of the queue (it enqueues), and a release gives its buffer to the
//! oldest waiter directly (marks the node, takes its waker, unlinks it), so it never
//! passes through the free list where another task could take it: FIFO, no barging.
//! Only the lock-free [`PoolRef::try_acquire`] (for interrupt handlers) may take a
//! buffer that is momentarily on the free list while tasks wait (see below).
//!
//! **Cancellation.** Dropping a waiting `Acquire` unlinks its node under the lock. A
//! future that was handed a buffer but is dropped before it was polled again passes
//! that buffer to the next waiter, or back to the free list: never lost.
//!
//! **Wake-ups** happen after the lock is released: a lock section only records the
//! wakers to wake (at most 4; a fifth buffer stays on the free list and is served in
//! a later section) in a `Wakes`, whose `drop` wakes them once the caller's own state
//! is consistent again (see below).
//!
//! # User code, panics and the invariants
//!
//! A `Waker`'s `clone`, `wake` and `drop` are user code and may panic (a
//! `std::task::Wake` impl is safe code; the waker of an executor that was shut down
//! panics). Checked for every operation of this module:
//!
//! | where user code runs | what holds when it does |
//! |---|---|
//! | `cx.waker().clone()` in `poll` | before the lock is taken; nothing is linked or locked yet (re-polls clone outside the lock and store the clone in a second, short section) |
//! | another task's `wake`, in `Wakes::drop` | after the lock is released; this future's `phase` already says `Queued` (set in the same section that links the node), or the slot it took is already in its guard, so an unwind drops the guard (slot back) or runs `Drop` (node unlinked) |
//! | a replaced or unused waker's `drop` | the same place, the same state |
//! | `Buf::drop` → release → `wake` | after the slot was handed over and the lock released |
//! | a panic of this module itself inside a lock section (a failed internal assertion) | the spin lock is held by a guard that unlocks on unwind (`Held`); `critical_section::with` releases on unwind too |
//!
//! A waker that panics in `Wakes::drop` does not end its batch: the unwind still
//! wakes the other tasks that were handed buffers and serves the rest (a second panic
//! during that unwind aborts, as for any drop).
//!
//! # Interrupt handlers and the waiter lock
//!
//! With the default spin lock, an interrupt handler may call `try_acquire` (which
//! never touches the lock) and release buffers (drop a [`Buf`]), and never deadlocks,
//! even when it interrupted a task that holds the waiter lock on the same core: a
//! release only ever *tries* the lock. If the lock is busy, the release pushes its
//! buffer onto the free list and sets a `PENDING` bit in the lock word (one atomic
//! `fetch_or`); the holder finds the bit when it unlocks and hands the buffer to the
//! oldest waiter itself. The lock word is `LOCKED | PENDING`, zero when free.
//!
//! What must not run in an interrupt handler with the spin lock is *polling* an
//! `Acquire` (for instance from an executor that runs in an interrupt, such as
//! embassy's `InterruptExecutor`): polling takes the lock and would spin forever on a
//! lock held by the code it interrupted. The same holds for *dropping* an `Acquire`
//! that is queued (its `Drop` takes the lock to leave the queue): never drop a
//! waiting `Acquire` in an interrupt handler with the spin lock. Build with the `critical-section` feature for
//! that: the waiter lock is then `critical_section::with` (interrupts masked for the
//! few instructions of an enqueue or handover), which cannot deadlock on one core.
//!
//! # Costs
//!
//! The header grows by the lock word and the list head (12 bytes on 32-bit targets,
//! 24 on 64-bit with padding). With nobody waiting, a release costs what it did plus
//! one bit test; an uncontended `acquire` is one `try_acquire` plus the
//! future's bookkeeping (`poll` builds the guard from the `PoolRef` it read before any
//! atomic operation, so a future of a `static` pool constant-folds like
//! `try_acquire`). A woken task takes its buffer without the lock (`Node::granted`).
//!
//! The waiter lock is held for a few dozen instructions, never allocates, and runs no
//! user code (no waker is cloned, woken or dropped inside it). On a host whose threads the OS preempts, a holder
//! preempted mid-section makes the other threads that need the lock spin until it
//! runs again; this is the price of a lock that works with no OS underneath.
// `unsafe` here: the intrusive waiter list, whose nodes live in the futures. The crate root denies it everywhere else.
#![allow(unsafe_code)]

use core::cell::Cell;
use core::fmt;
use core::marker::PhantomPinned;
use core::task::{Context, Poll, Waker};

use intrusive_collections::{LinkedList, LinkedListLink, UnsafeRef, intrusive_adapter};

use super::freelist::FreeList;
use crate::sync::{AtomicU32, Ordering, UnsafeCell, const_fn};

/// A waiting task's entry in the queue; a field of its [`Acquire`] future.
///
/// Invariant: once the future was queued, `link` and `waker` are read and written only
/// with the pool's waiter lock held. `granted` is 0 exactly while the node is linked
/// into the queue; `i + 1` means slot `i` was handed to this node (which owns it from
/// then on) and the node is unlinked. A releaser writes `granted` (with `Release`,
/// lock held) as its *last* access to the node, so once the owner reads it non-zero
/// (with `Acquire`) nobody else touches the node: the owner takes the slot without
/// the lock.
struct Node {
    link: LinkedListLink,
    granted: AtomicU32,
    waker: Cell<Option<Waker>>,
}

impl Node {
    /// The slot handed to this node, if any.
    #[inline]
    fn granted(&self) -> Option<u16> {
        match self.granted.load(Ordering::Acquire) {
            0 => None,
            slot => Some((slot - 1) as u16),
        }
    }
}

intrusive_adapter!(NodeAdapter = UnsafeRef<Node>: Node { link => LinkedListLink });

type List = LinkedList<NodeAdapter>;

/// The waiter queue of one pool: its lock and the FIFO list of waiting nodes. All
/// zero when new (checked by a test).
///
/// Invariants: the list is accessed only with the lock held; with the lock held and
/// no operation in progress, the head's `waiting` bit is set exactly when the list is
/// non-empty; every node in the list belongs to a live, pinned `Acquire` of this pool.
pub(crate) struct Queue {
    #[cfg(not(feature = "critical-section"))]
    lock: spin::Lock,
    list: UnsafeCell<List>,
}

// SAFETY: the list holds pointers to nodes inside `Acquire` futures, which may live on
// other threads; it is only touched with the waiter lock held (type invariant), which
// serializes those accesses like a `Mutex` would.
unsafe impl Send for Queue {}
// SAFETY: as for `Send`.
unsafe impl Sync for Queue {}

impl Queue {
    const_fn! {
        pub(crate) const fn new() -> Self {
            Self {
                #[cfg(not(feature = "critical-section"))]
                lock: spin::Lock::new(),
                list: UnsafeCell::new(LinkedList::new(NodeAdapter::NEW)),
            }
        }
    }

    /// Runs `f` on the list with the waiter lock held. The lock is released when `f`
    /// returns *or unwinds* (after serving the releases deferred to this holder).
    /// `f` must run no user code: it only records wakers in `wakes`, which wakes
    /// them when it is dropped, after the lock is released.
    #[cfg(not(feature = "critical-section"))]
    fn locked<R>(
        &self,
        wakes: &mut Wakes<'_>,
        f: impl FnOnce(&mut List, &mut Wakes<'_>) -> R,
    ) -> R {
        self.lock.lock();
        let held = Held { queue: self, wakes };
        self.with_list(|list| f(list, &mut *held.wakes))
    }

    /// Runs `f` on the list inside a critical section (released on unwind too, by
    /// `critical_section::with`). As above, `f` runs no user code.
    #[cfg(feature = "critical-section")]
    fn locked<R>(
        &self,
        wakes: &mut Wakes<'_>,
        f: impl FnOnce(&mut List, &mut Wakes<'_>) -> R,
    ) -> R {
        critical_section::with(|_| self.with_list(|list| f(list, wakes)))
    }

    /// Unlocks, first serving the waiters with every buffer a deferred release left
    /// on the free list. When `wakes` fills up first, it unlocks anyway and marks
    /// `wakes.more`: `Wakes::drop` wakes what it holds and serves the rest.
    #[cfg(not(feature = "critical-section"))]
    fn unlock(&self, wakes: &mut Wakes<'_>) {
        while !self.lock.try_unlock() {
            self.with_list(|list| serve(list, wakes));
            if wakes.more {
                self.lock.unlock_and_forget_pending();
                return;
            }
        }
    }

    /// The list, for a caller that holds the waiter lock.
    fn with_list<R>(&self, f: impl FnOnce(&mut List) -> R) -> R {
        self.list.with_mut(|list| {
            // SAFETY: every caller holds the waiter lock (`locked`, `unlock`,
            // `release`), so no other reference to the list exists meanwhile.
            f(unsafe { &mut *list })
        })
    }

    /// A release that found tasks waiting: hands slot `index` to the oldest.
    ///
    /// Never spins on the lock: when it is busy (another core, or the task this
    /// interrupt handler interrupted), the slot goes onto the free list and the lock
    /// holder is told to serve it before it unlocks.
    #[cfg(not(feature = "critical-section"))]
    pub(crate) fn release(&self, free: FreeList<'_>, index: u16) {
        let mut wakes = Wakes::new(free, self);
        if self.lock.try_lock() {
            let held = Held {
                queue: self,
                wakes: &mut wakes,
            };
            self.with_list(|list| hand_over(list, index, &mut *held.wakes));
        } else {
            free.push_anyway(index);
            self.serve_deferred(&mut wakes);
        }
        // `wakes` wakes the tasks it was handed, now that the lock is free.
    }

    /// A release that found tasks waiting: hands slot `index` to the oldest.
    #[cfg(feature = "critical-section")]
    pub(crate) fn release(&self, free: FreeList<'_>, index: u16) {
        let mut wakes = Wakes::new(free, self);
        self.locked(&mut wakes, |list, wakes| hand_over(list, index, wakes));
    }

    /// Serves the free list to the waiters (buffers pushed while they wait): now,
    /// when the lock is free; else the holder is told to, before it unlocks. One
    /// `fetch_or`, never a wait (usable in interrupt handlers).
    #[cfg(not(feature = "critical-section"))]
    fn serve_deferred(&self, wakes: &mut Wakes<'_>) {
        if self.lock.lock_or_defer() {
            // Took the lock, with `PENDING` set: the unlock serves.
            drop(Held { queue: self, wakes });
        }
    }

    /// Serves the free list to the waiters (buffers pushed while they wait).
    #[cfg(feature = "critical-section")]
    fn serve_deferred(&self, wakes: &mut Wakes<'_>) {
        self.locked(wakes, serve);
    }
}

/// The spin lock, held: dropping it unlocks (serving deferred releases), also when the
/// section unwinds, so a panic never leaves the queue locked.
#[cfg(not(feature = "critical-section"))]
struct Held<'q, 'w, 'a> {
    queue: &'q Queue,
    wakes: &'w mut Wakes<'a>,
}

#[cfg(not(feature = "critical-section"))]
impl Drop for Held<'_, '_, '_> {
    fn drop(&mut self) {
        self.queue.unlock(self.wakes);
    }
}

/// Gives slot `index` to the oldest waiter, or puts it on the free list when nobody
/// waits. Waiter lock held.
fn hand_over(list: &mut List, index: u16, wakes: &mut Wakes<'_>) {
    let free = wakes.free;
    if wakes.is_full() {
        // No room to record one more waker: leave the slot on the free list and let
        // `Wakes::drop` serve it once it has woken the tasks it holds.
        free.push_anyway(index);
        wakes.more = true;
        return;
    }
    match list.pop_front() {
        Some(node) => {
            wakes.push(node.waker.take());
            if list.is_empty() {
                free.clear_waiting();
            }
            // The last access to the node: from here its owner may take the slot and
            // drop the node without the lock (`Node` invariant).
            node.granted.store(u32::from(index) + 1, Ordering::Release);
        }
        None => free.push_anyway(index),
    }
}

/// Hands buffers from the free list to waiters, oldest first, while both exist and
/// `wakes` has room (else it marks `wakes.more`). Waiter lock held.
fn serve(list: &mut List, wakes: &mut Wakes<'_>) {
    while !list.is_empty() {
        if wakes.is_full() {
            wakes.more = true;
            return;
        }
        match wakes.free.pop() {
            Ok(index) => hand_over(list, index, wakes),
            Err(_) => return,
        }
    }
}

/// The user code a waiter-queue operation must run (waking and dropping wakers),
/// kept until the lock is released and the caller's own state is consistent: it all
/// runs in `drop`. A waker that panics there unwinds through a pool whose
/// invariants hold, and the unwind still wakes the other tasks of the batch and serves
/// the rest (`Finish`): one faulty waker cannot strand other tasks with buffers they
/// were handed. (A second waker that panics during that unwind aborts the process, as
/// with tokio's `WakeList`: there is no `catch_unwind` without std.)
pub(crate) struct Wakes<'a> {
    free: FreeList<'a>,
    queue: &'a Queue,
    wakers: [Option<Waker>; 4],
    len: usize,
    /// A waker replaced or left unused, to drop with the others.
    discard: Option<Waker>,
    /// Buffers may still sit on the free list while tasks wait (`wakers` filled up):
    /// serve them after waking.
    more: bool,
}

impl<'a> Wakes<'a> {
    pub(crate) fn new(free: FreeList<'a>, queue: &'a Queue) -> Self {
        Self {
            free,
            queue,
            wakers: [const { None }; 4],
            len: 0,
            discard: None,
            more: false,
        }
    }

    fn is_full(&self) -> bool {
        self.len == self.wakers.len()
    }

    /// Keeps `waker` to wake on drop. The caller checked `!is_full()`.
    fn push(&mut self, waker: Option<Waker>) {
        if let Some(free) = self.wakers.get_mut(self.len) {
            *free = waker;
            self.len += 1;
        }
    }

    /// Keeps `waker` to drop (not wake) on drop.
    fn discard(&mut self, waker: Option<Waker>) {
        debug_assert!(self.discard.is_none());
        self.discard = waker.or(self.discard.take());
    }
}

impl Wakes<'_> {
    /// Wakes and drops everything recorded, then serves what `more` says is left.
    /// Each waker is taken out before it runs, so running again after a panic goes on
    /// with the others.
    fn run(&mut self) {
        loop {
            drop(self.discard.take());
            for waker in &mut self.wakers {
                if let Some(waker) = waker.take() {
                    waker.wake();
                }
            }
            self.len = 0;
            if !core::mem::take(&mut self.more) {
                return;
            }
            let queue = self.queue;
            queue.serve_deferred(self);
        }
    }
}

impl Drop for Wakes<'_> {
    fn drop(&mut self) {
        /// Finishes the run when a waker panics: its `drop` runs during the unwind.
        struct Finish<'w, 'a>(&'w mut Wakes<'a>);

        impl Drop for Finish<'_, '_> {
            fn drop(&mut self) {
                self.0.run();
            }
        }

        // The normal path runs everything here; the guard's own run then finds
        // nothing left to do.
        Finish(self).0.run();
    }
}

/// Where a [`Waiter`] is, seen by its owner only (never by a releaser).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Phase {
    /// Not polled yet, or polled and found nothing without queueing.
    Start,
    /// Its node was queued (it may have been handed a slot since).
    Queued,
    /// It returned its slot.
    Done,
}

/// One task's place in a pool's queue: the state machine of the `Acquire` future
/// (`pool/acquire.rs`), which owns it, pins it and gives it its pool's free list and
/// queue at every call.
///
/// Invariant: the node is linked into the queue only while `phase` is `Queued`, and
/// `phase` says `Queued` from the lock section that links it on, so whoever drops the
/// owner calls [`leave`](Self::leave) exactly when the node may be linked.
pub(crate) struct Waiter {
    phase: Cell<Phase>,
    node: Node,
    _pinned: PhantomPinned,
}

// SAFETY: a `Waiter` is not `Send` by default only because of its node (`Cell`s and
// raw list links) and `phase` (a `Cell` only its owner touches). Moving it (inside its
// pinned owner, between calls) to another thread is sound: the node is touched only
// by its owner before it is queued and after it is done, and, while queued, only with
// the pool's waiter lock held (by the owner or a releaser on any thread), which orders
// those accesses; the one exception, `granted`, is an atomic (`Node` invariant). The
// waker it holds is `Send`. (It is not `Sync`: `&Waiter` is its owner's alone.)
unsafe impl Send for Waiter {}

impl Waiter {
    #[inline]
    pub(crate) fn new() -> Self {
        Self {
            phase: Cell::new(Phase::Start),
            node: Node {
                link: LinkedListLink::new(),
                granted: AtomicU32::new(0),
                waker: Cell::new(None),
            },
            _pinned: PhantomPinned,
        }
    }

    /// Whether nothing was tried yet (the owner's fast path may run).
    #[inline]
    pub(crate) fn is_new(&self) -> bool {
        self.phase.get() == Phase::Start
    }

    /// The owner took a slot: this waiter is done.
    #[inline]
    pub(crate) fn set_done(&self) {
        self.phase.set(Phase::Done);
    }

    /// Queues, or takes the slot it was handed. User code (wakers) is only recorded in
    /// `wakes`, which the caller drops once the slot is in a guard.
    ///
    /// The caller keeps `self` pinned from the first call until `leave`.
    ///
    /// # Panics
    ///
    /// When called again after it returned a slot.
    #[inline]
    pub(crate) fn poll(
        &self,
        free: FreeList<'_>,
        queue: &Queue,
        cx: &mut Context<'_>,
        wakes: &mut Wakes<'_>,
    ) -> Poll<u16> {
        let got = match self.phase.get() {
            Phase::Start => self.enqueue(free, queue, cx, wakes),
            Phase::Queued => self.poll_queued(queue, cx, wakes),
            Phase::Done => panic!("`Acquire` polled after it returned its buffer"),
        };
        if got.is_ready() {
            self.set_done();
        }
        got
    }

    /// First poll, when the fast path found no slot (or tasks waiting): queue the
    /// node, unless the re-check under the lock finds a slot.
    #[inline(never)]
    fn enqueue(
        &self,
        free: FreeList<'_>,
        queue: &Queue,
        cx: &mut Context<'_>,
        wakes: &mut Wakes<'_>,
    ) -> Poll<u16> {
        let node = &self.node;
        // Cloned before the lock (user code never runs with the lock held).
        let mut waker = Some(cx.waker().clone());
        // No `serve` first: a buffer left on the free list by a release that found
        // the lock busy is always served by a lock holder (`Queue::release`), and this
        // node queues behind the older waiters anyway.
        let got = queue.locked(wakes, |list, _| {
            if list.is_empty() {
                // Re-check the free list under the lock: take a slot, or set the
                // `waiting` bit in the same CAS that sees the list empty.
                if let Some(index) = free.pop_or_mark_waiting() {
                    return Some(index);
                }
            }
            node.waker.set(waker.take());
            // Counted here, where this core owns the header's cache line anyway.
            free.note_failed();
            // `phase` says `Queued` from this critical section on, so the owner's
            // `Drop` calls `leave`, which unlinks the node (lock held) before its memory
            // can be reused. SAFETY: that, and `node` is in this pinned waiter (the
            // contract of `poll`), so it stays at this address until dropped.
            list.push_back(unsafe { UnsafeRef::from_raw(node) });
            // Before any user code can run (the wakers woken after the unlock may
            // panic): from now on, dropping the owner unlinks the node.
            self.phase.set(Phase::Queued);
            None
        });
        // Unused when a slot was free after all; dropped with the wakes.
        wakes.discard(waker);
        match got {
            Some(index) => Poll::Ready(index),
            None => Poll::Pending,
        }
    }

    /// Later polls: take the slot handed over (no lock), or refresh the waker.
    #[inline(never)]
    fn poll_queued(&self, queue: &Queue, cx: &mut Context<'_>, wakes: &mut Wakes<'_>) -> Poll<u16> {
        let node = &self.node;
        if let Some(index) = node.granted() {
            return Poll::Ready(index);
        }
        // A new waker is cloned outside the lock (user code), then stored under it.
        let mut fresh: Option<Waker> = None;
        loop {
            let (got, need_clone) = queue.locked(wakes, |_, wakes| {
                if let Some(index) = node.granted() {
                    return (Some(index), false);
                }
                match node.waker.take() {
                    Some(w) if w.will_wake(cx.waker()) => {
                        node.waker.set(Some(w));
                        (None, false)
                    }
                    stale => match fresh.take() {
                        Some(new) => {
                            node.waker.set(Some(new));
                            wakes.discard(stale);
                            (None, false)
                        }
                        None => {
                            node.waker.set(stale);
                            (None, true)
                        }
                    },
                }
            });
            if need_clone {
                fresh = Some(cx.waker().clone());
                continue;
            }
            // Not stored (the node was handed a slot meanwhile): dropped with the wakes.
            if fresh.is_some() {
                wakes.discard(fresh.take());
            }
            return match got {
                Some(index) => Poll::Ready(index),
                None => Poll::Pending,
            };
        }
    }

    /// For the owner's `Drop`: if queued, leave the queue, or pass on the slot it was
    /// handed and never took. Wakers run when this returns, lock released.
    #[inline]
    pub(crate) fn leave(&self, free: FreeList<'_>, queue: &Queue) {
        if self.phase.get() == Phase::Queued {
            self.leave_queue(free, queue);
        }
    }

    #[inline(never)]
    fn leave_queue(&self, free: FreeList<'_>, queue: &Queue) {
        let node = &self.node;
        let mut wakes = Wakes::new(free, queue);
        queue.locked(&mut wakes, |list, wakes| {
            match node.granted() {
                None => {
                    debug_assert!(node.link.is_linked());
                    // SAFETY: `granted` is 0, so the node is linked into this pool's
                    // list (`Node` invariant), and the lock is held.
                    unsafe { list.cursor_mut_from_ptr(node).remove() };
                    if list.is_empty() {
                        free.clear_waiting();
                    }
                }
                // Handed a buffer it never took: pass it on, never lose it.
                Some(index) => hand_over(list, index, wakes),
            }
            wakes.discard(node.waker.take());
        });
        self.phase.set(Phase::Done);
        // `wakes` drops the waker and wakes the task handed the slot, lock released.
    }
}

impl fmt::Debug for Waiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Waiter")
            .field("phase", &self.phase.get())
            .finish_non_exhaustive()
    }
}

/// The waiter lock on targets with compare-and-swap (the default).
#[cfg(not(feature = "critical-section"))]
mod spin {
    use crate::sync::{AtomicU32, Ordering, const_fn, spin_hint};

    /// Held.
    const LOCKED: u32 = 1;
    /// A release found the lock held and left its buffer on the free list: the holder
    /// serves it before unlocking.
    const PENDING: u32 = 2;

    /// A spin lock whose word also carries `PENDING`.
    ///
    /// Invariant: the word is `0`, `LOCKED` or `LOCKED | PENDING`; only the holder
    /// clears `LOCKED`, and it does so only when `PENDING` is clear or when it will
    /// serve the free list again after unlocking (`unlock_and_forget_pending`).
    pub(super) struct Lock {
        word: AtomicU32,
    }

    impl Lock {
        const_fn! {
            pub(super) const fn new() -> Self {
                Self {
                    word: AtomicU32::new(0),
                }
            }
        }

        /// Spins until the lock is held. Never from an interrupt handler.
        pub(super) fn lock(&self) {
            while self
                .word
                .compare_exchange_weak(0, LOCKED, Ordering::Acquire, Ordering::Relaxed)
                .is_err()
            {
                while self.word.load(Ordering::Relaxed) != 0 {
                    spin_hint();
                }
            }
        }

        /// Takes the lock if it is free.
        pub(super) fn try_lock(&self) -> bool {
            self.word
                .compare_exchange(0, LOCKED, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
        }

        /// Takes the lock if it is free (returns `true`), else asks the holder to
        /// serve the free list before it unlocks. One `fetch_or`, never a wait.
        pub(super) fn lock_or_defer(&self) -> bool {
            self.word.fetch_or(LOCKED | PENDING, Ordering::AcqRel) & LOCKED == 0
        }

        /// Unlocks even if a release asked to be served: the caller has promised to
        /// serve the free list again after it unlocks (`Wakes::more`).
        pub(super) fn unlock_and_forget_pending(&self) {
            // `AcqRel`: the `PENDING` it clears may come from a release whose push the
            // caller's later serve must see.
            self.word.swap(0, Ordering::AcqRel);
        }

        /// Unlocks, unless a release asked to be served: then clears `PENDING`, keeps
        /// the lock and returns `false` (the caller serves and tries again).
        pub(super) fn try_unlock(&self) -> bool {
            match self
                .word
                .compare_exchange(LOCKED, 0, Ordering::Release, Ordering::Relaxed)
            {
                Ok(_) => true,
                Err(_) => {
                    self.word.fetch_and(!PENDING, Ordering::Acquire);
                    false
                }
            }
        }
    }
}
