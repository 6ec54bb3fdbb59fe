//! Regression tests for the holes an outside audit found in the pool (issue 11), each
//! reachable from safe code, each failing on the code before its fix:
//!
//! 1. a waker that panics while `Acquire` queues its node left the node linked in the
//!    waiter list with its future about to be freed (use-after-free);
//! 2. a raw handle passed through a `Relaxed` atomic gave a guard whose bytes were not
//!    ordered after the sender's writes (a data race: Miri runs this file);
//! 4. scrubbing missed bytes written through `Buf::as_mut_ptr`;
//! 5. a panic while the waiter lock was held (a waker's `clone`) left it locked.
//!
//! Hole 3 (the free-list tag wrapping on 32-bit targets) has its models in
//! `loom_freelist.rs`. The loom models of holes 1 and 2 are in `loom_wait.rs` and
//! `loom_freelist.rs`; AddressSanitizer runs this file too (`.ci/test asan`).

#[cfg(feature = "async")]
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};
#[cfg(feature = "async")]
use std::sync::mpsc;
#[cfg(feature = "async")]
use std::time::Duration;

use bufpress::pool::{Pool, RawBuf};

/// Hole 4: a DMA engine (here, a plain write) fills the buffer through
/// `as_mut_ptr` past `len`; the next holder of a scrubbing pool must see zeros.
#[test]
fn scrubbing_covers_bytes_written_through_the_raw_pointer() {
    let pool: Pool<1, 64, bufpress::pool::Align8, true> = Pool::new();
    let mut buf = pool.try_acquire().unwrap();
    let ptr = buf.as_mut_ptr();
    // SAFETY: `as_mut_ptr` is valid for `capacity()` = 64 bytes while `buf` is held,
    // and nothing else references the buffer meanwhile.
    unsafe { core::ptr::write_bytes(ptr, 0xA5, 64) };
    drop(buf);

    let mut next = pool.try_acquire().unwrap();
    assert!(
        next.spare_capacity_mut().iter().all(|&b| b == 0),
        "the next holder reads the previous holder's bytes"
    );
}

/// The same through a raw handle: written through the pointer, turned into a handle
/// and back, released; nothing of it reaches the next holder.
#[test]
fn scrubbing_covers_raw_pointer_writes_through_a_raw_handle() {
    let pool: Pool<1, 32, bufpress::pool::Align8, true> = Pool::new();
    let mut buf = pool.try_acquire().unwrap();
    // SAFETY: as above, 32 bytes.
    unsafe { core::ptr::write_bytes(buf.as_mut_ptr(), 0x5A, 32) };
    let raw = buf.into_raw(); // len 0: the bytes past it must not survive
    drop(pool.try_from_raw(raw).unwrap());
    let mut next = pool.try_acquire().unwrap();
    assert!(next.spare_capacity_mut().iter().all(|&b| b == 0));
}

/// Hole 2: the handle travels through a `Relaxed` atomic, which orders nothing. The
/// pool itself must make the sender's writes visible to the claimant: under Miri the
/// old code reported a data race on the buffer's bytes here.
#[test]
fn a_raw_handle_through_a_relaxed_atomic_carries_the_bytes() {
    static POOL: Pool<2, 16> = Pool::new();
    static MAILBOX: AtomicU64 = AtomicU64::new(0);
    const EMPTY: u64 = 0;

    let rounds = if cfg!(miri) { 8 } else { 2_000 };
    let receiver = std::thread::spawn(move || {
        for round in 0..rounds {
            let bits = loop {
                let bits = MAILBOX.swap(EMPTY, Ordering::Relaxed);
                if bits != EMPTY {
                    break bits;
                }
                std::thread::yield_now();
            };
            let buf = POOL.try_from_raw(RawBuf::from_bits(bits)).unwrap();
            assert_eq!(&buf[..], &[round as u8; 16]);
        }
    });
    for round in 0..rounds {
        let mut buf = loop {
            match POOL.try_acquire() {
                Ok(buf) => break buf,
                Err(_) => std::thread::yield_now(),
            }
        };
        buf.extend_from_slice(&[round as u8; 16]).unwrap();
        // A handle's bits are never 0: its key has bit 15 clear but the length is 16.
        MAILBOX.store(buf.into_raw().to_bits(), Ordering::Relaxed);
        while MAILBOX.load(Ordering::Relaxed) != EMPTY {
            std::thread::yield_now();
        }
    }
    receiver.join().unwrap();
    assert_eq!(POOL.stats().available, 2);
}

#[cfg(feature = "async")]
mod waker {
    //! Wakers whose `clone` or `wake` panics, as a waker of an executor that was shut
    //! down does (a `std::task::Wake` impl is safe code).
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::{RawWaker, RawWakerVTable, Waker};

    /// What the waker does, and how often it was woken.
    pub(crate) struct Behaviour {
        pub(crate) panic_on_clone: bool,
        pub(crate) panic_on_wake: bool,
        pub(crate) woken: AtomicUsize,
    }

    impl Behaviour {
        pub(crate) const fn new(panic_on_clone: bool, panic_on_wake: bool) -> Self {
            Self {
                panic_on_clone,
                panic_on_wake,
                woken: AtomicUsize::new(0),
            }
        }
    }

    static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake, |_| {});

    fn behaviour(data: *const ()) -> &'static Behaviour {
        // SAFETY: `data` comes from `waker`, a `&'static Behaviour`.
        unsafe { &*data.cast::<Behaviour>() }
    }

    fn clone(data: *const ()) -> RawWaker {
        if behaviour(data).panic_on_clone {
            panic!("waker clone panics");
        }
        RawWaker::new(data, &VTABLE)
    }

    fn wake(data: *const ()) {
        let b = behaviour(data);
        b.woken.fetch_add(1, Ordering::Relaxed);
        if b.panic_on_wake {
            panic!("waker panics");
        }
    }

    pub(crate) fn waker(b: &'static Behaviour) -> Waker {
        let raw = RawWaker::new((b as *const Behaviour).cast(), &VTABLE);
        // SAFETY: the vtable keeps `RawWaker`'s contract (clone gives a waker over the
        // same `'static` data; wake and drop free nothing).
        unsafe { Waker::from_raw(raw) }
    }
}

/// Keeps the expected panics of these wakers out of the test output (a backtrace per
/// round would slow the race down); any other panic is reported as usual.
#[cfg(feature = "async")]
fn quiet_waker_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let msg = info.payload().downcast_ref::<&str>().copied().unwrap_or("");
            if !msg.starts_with("waker") {
                default(info);
            }
        }));
    });
}

/// Runs `f` on a thread and fails the test if it has not finished within a minute
/// (it takes microseconds; a waiter lock left locked makes it spin forever).
#[cfg(feature = "async")]
fn finishes<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || tx.send(f()).unwrap());
    rx.recv_timeout(Duration::from_secs(60))
        .unwrap_or_else(|_| {
            panic!("{what}: still spinning after 60 s (the waiter lock was left locked)")
        })
}

/// Hole 5: a re-poll with a new waker whose `clone` panics. The clone used to run with
/// the waiter lock held, and the unwind left the lock locked: every later release to a
/// waiter, enqueue and cancellation spun forever.
#[cfg(feature = "async")]
#[test]
fn a_panicking_waker_clone_leaves_the_waiter_queue_usable() {
    use std::future::Future;
    use std::task::{Context, Waker};

    static POOL: Pool<1, 8> = Pool::new();
    static PANICKY: waker::Behaviour = waker::Behaviour::new(true, false);
    quiet_waker_panics();

    let held = POOL.try_acquire().unwrap();
    let mut queued = Box::pin(POOL.acquire());
    assert!(
        queued
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()))
            .is_pending()
    );
    let panicky = waker::waker(&PANICKY);
    let polled = catch_unwind(AssertUnwindSafe(|| {
        queued.as_mut().poll(&mut Context::from_waker(&panicky))
    }));
    assert!(polled.is_err(), "the clone was expected to panic");

    let available = finishes("cancel, release, acquire", move || {
        drop(queued); // leaves the queue: takes the lock
        drop(held); // nobody waits any more: straight onto the free list
        let again = POOL.try_acquire().map(drop).is_ok();
        (again, POOL.stats().available)
    });
    assert_eq!(available, (true, 1));
}

/// Hole 1: another task's waker panics while this task queues. `enqueue` links the
/// node, unlocks (serving a release that found the lock busy, which collects the
/// other task's waker) and wakes: the old code marked the future `Queued` only after
/// waking, so the unwind skipped `leave()` and the list kept a pointer into the freed
/// future (heap-use-after-free under ASan; without it the next release hands the
/// buffer to the dead node, so the buffer is lost).
///
/// The interleaving needs a release on another thread while this one holds the
/// waiter lock: both threads start from a spin on one atomic, the releaser after a
/// delay that sweeps the window. On 2 cores it is reached in about 1 round of 20,000,
/// so this is a smoke test (it prints how often it got there, and runs under
/// AddressSanitizer); the regression test that reaches it every time, and failed on
/// the old code, is the loom model `a_waker_panicking_while_another_task_queues` in
/// `loom_wait.rs`.
#[cfg(feature = "async")]
#[test]
fn a_waker_panicking_while_another_task_queues_leaves_no_dangling_node() {
    use std::future::Future;
    use std::sync::atomic::AtomicU32;
    use std::task::{Context, Waker};
    use std::time::Instant;

    static POOL: Pool<1, 8> = Pool::new();
    static PANICKY: waker::Behaviour = waker::Behaviour::new(false, true);
    quiet_waker_panics();

    let (hand, handed) = mpsc::sync_channel::<bufpress::pool::Buf<'static>>(0);
    let (released, release_done) = mpsc::sync_channel::<()>(1);
    // The round both threads may start (spinning, not parking: a futex wake-up takes
    // longer than the window).
    static GO: AtomicU32 = AtomicU32::new(0);
    let releaser = {
        std::thread::spawn(move || {
            let mut round = 0u32;
            while let Ok(buf) = handed.recv() {
                round += 1;
                while GO.load(Ordering::Acquire) != round {
                    std::hint::spin_loop();
                }
                for _ in 0..round % 64 {
                    std::hint::spin_loop();
                }
                // Races with the other thread's enqueue. When it hands the buffer to
                // the first waiter itself, that waiter's waker panics here.
                drop(catch_unwind(AssertUnwindSafe(move || drop(buf))));
                released.send(()).unwrap();
            }
        })
    };

    let panicky = waker::waker(&PANICKY);
    let (mut rounds, mut hits) = (0u64, 0u64);
    let start = Instant::now();
    let budget = if cfg!(miri) { 30 } else { 200_000 };
    while hits < 3 && rounds < budget && start.elapsed() < Duration::from_secs(10) {
        rounds += 1;
        let held = POOL.try_acquire().expect("every buffer came back");
        // The first waiter, whose waker panics.
        let mut first = Box::pin(POOL.acquire());
        assert!(
            first
                .as_mut()
                .poll(&mut Context::from_waker(&panicky))
                .is_pending()
        );
        hand.send(held).unwrap();
        GO.store(rounds as u32, Ordering::Release);
        // The second waiter queues while the release runs on the other thread.
        let mut second = Box::pin(POOL.acquire());
        let polled = catch_unwind(AssertUnwindSafe(|| {
            second
                .as_mut()
                .poll(&mut Context::from_waker(Waker::noop()))
                .is_pending()
        }));
        if polled.is_err() {
            hits += 1;
        }
        release_done.recv().unwrap();
        // The release either woke `first` (a panic on the other thread's stack) or
        // handed it the buffer while `second` was queueing. Either way `first` holds it
        // (or will): drop both, in the order that exposes a dangling `second`.
        drop(second);
        let got = catch_unwind(AssertUnwindSafe(|| {
            first.as_mut().poll(&mut Context::from_waker(Waker::noop()))
        }));
        drop(got);
        drop(first);
        assert_eq!(
            POOL.stats().available,
            1,
            "a buffer was lost after {rounds} rounds"
        );
    }
    drop(hand);
    releaser.join().ok();
    eprintln!("{rounds} rounds, {hits} with a panicking waker inside another task's enqueue");
}
