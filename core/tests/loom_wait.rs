//! loom model checks of the waiter queue with the free list: every interleaving (up to
//! a preemption bound) of acquire, release and cancel, with loom's atomics and cells
//! in the pool itself.
//!
//! ```sh
//! RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom \
//!     cargo test -p bufpress --features async --test loom_wait --release
//! ```
//!
//! loom reports a lost wake-up as a deadlock (`block_on` parked forever), a data race
//! on the waiter list (it is a loom `UnsafeCell`), and the tests assert that no buffer
//! is lost or handed to two owners.
#![cfg(all(loom, feature = "async"))]

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering as StdOrdering};
use std::task::{Context, Poll, Wake, Waker};

use bufpress::pool::Pool;
use loom::future::block_on;
use loom::sync::Arc;
use loom::thread;

type Small = Pool<1, 8>;

/// Every interleaving with at most `bound` preemptions (loom's partial-order reduction
/// keeps these models to a few seconds; unbounded, the larger ones run for minutes).
fn model_bounded(bound: usize, f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(bound);
    builder.max_branches = 10_000;
    builder.check(f);
}

/// Preemption bound 6.
fn model(f: impl Fn() + Sync + Send + 'static) {
    model_bounded(6, f);
}

fn assert_all_free(pool: &Small) {
    let stats = pool.stats();
    assert_eq!((stats.available, stats.in_use), (1, 0), "a buffer was lost");
}

/// A holder on another thread releases while this task waits: the waiter is woken
/// and gets the buffer (no lost wake-up between the re-check and the release).
#[test]
fn release_wakes_a_waiter() {
    model(|| {
        let pool = Arc::new(Small::new());
        let mut held = pool.try_acquire().unwrap();
        held.push(7).unwrap();
        let raw = held.into_raw();
        let releaser = {
            let pool = pool.clone();
            thread::spawn(move || drop(pool.try_from_raw(raw).unwrap()))
        };
        let buf = block_on(pool.acquire());
        assert_eq!(buf.capacity(), 8);
        drop(buf);
        releaser.join().unwrap();
        assert_all_free(&pool);
    });
}

/// Two tasks wait for one buffer held by another thread: both get it in turn, the
/// older first. (Both tasks run on one thread: with two threads spinning on the
/// waiter lock at once, loom would explore their yields to each other forever.)
#[test]
fn two_waiters_and_a_release() {
    model(|| {
        let pool = Arc::new(Small::new());
        let raw = pool.try_acquire().unwrap().into_raw();
        let releaser = {
            let pool = pool.clone();
            thread::spawn(move || drop(pool.try_from_raw(raw).unwrap()))
        };
        let order = block_on(async {
            let mut first = pin!(pool.acquire());
            let mut second = pin!(pool.acquire());
            let mut order = Vec::new();
            std::future::poll_fn(|cx| {
                if order.len() < 2 && !order.contains(&1) {
                    if let Poll::Ready(buf) = first.as_mut().poll(cx) {
                        drop(buf); // to `second`, if it waits
                        order.push(1);
                    }
                }
                if order.len() < 2 && !order.contains(&2) {
                    if let Poll::Ready(buf) = second.as_mut().poll(cx) {
                        drop(buf);
                        order.push(2);
                    }
                }
                if order.len() == 2 {
                    Poll::Ready(())
                } else {
                    Poll::Pending
                }
            })
            .await;
            order
        });
        assert_eq!(order, [1, 2], "the older waiter first");
        releaser.join().unwrap();
        assert_all_free(&pool);
    });
}

/// A waiter is cancelled (dropped after one poll) while the holder releases: the
/// buffer ends on the free list whichever came first, and the waiting bit is cleared.
#[test]
fn cancel_races_with_release() {
    model(|| {
        let pool = Arc::new(Small::new());
        let raw = pool.try_acquire().unwrap().into_raw();
        let releaser = {
            let pool = pool.clone();
            thread::spawn(move || drop(pool.try_from_raw(raw).unwrap()))
        };
        {
            let mut fut = pin!(pool.acquire());
            let polled = fut.as_mut().poll(&mut Context::from_waker(Waker::noop()));
            if let Poll::Ready(buf) = polled {
                drop(buf);
            }
            // Dropped here: queued, or handed the buffer, or done.
        }
        releaser.join().unwrap();
        assert_all_free(&pool);
        // The fast path works again: no stale waiting bit.
        drop(pool.try_acquire().unwrap());
    });
}

/// A plain `try_acquire` (an interrupt handler's) races a waiter and a release: the
/// buffer has one owner at a time and comes back.
#[test]
fn try_acquire_races_a_waiter() {
    model(|| {
        let pool = Arc::new(Small::new());
        let raw = pool.try_acquire().unwrap().into_raw();
        let isr = {
            let pool = pool.clone();
            thread::spawn(move || {
                drop(pool.try_from_raw(raw).unwrap());
                if let Ok(mut buf) = pool.try_acquire() {
                    buf.push(1).unwrap();
                }
            })
        };
        let mut buf = block_on(pool.acquire());
        buf.push(2).unwrap();
        assert_eq!(&buf[..], &[2]);
        drop(buf);
        isr.join().unwrap();
        assert_all_free(&pool);
    });
}

/// Two buffers, both held on another thread and released there while two tasks on
/// this thread wait: releases that find the waiter lock busy leave their buffer to the
/// holder (`PENDING`), which must serve both; nothing is lost.
#[test]
fn two_releases_two_waiters() {
    model_bounded(5, || {
        let pool = Arc::new(Pool::<2, 8>::new());
        let a = pool.try_acquire().unwrap().into_raw();
        let b = pool.try_acquire().unwrap().into_raw();
        let releaser = {
            let pool = pool.clone();
            thread::spawn(move || {
                drop(pool.try_from_raw(a).unwrap());
                drop(pool.try_from_raw(b).unwrap());
            })
        };
        block_on(async {
            let mut first = pin!(pool.acquire());
            let mut second = pin!(pool.acquire());
            let mut got = [None, None];
            std::future::poll_fn(|cx| {
                if got[0].is_none() {
                    if let Poll::Ready(buf) = first.as_mut().poll(cx) {
                        got[0] = Some(buf);
                    }
                }
                if got[1].is_none() {
                    if let Poll::Ready(buf) = second.as_mut().poll(cx) {
                        got[1] = Some(buf);
                    }
                }
                if got.iter().all(Option::is_some) {
                    Poll::Ready(())
                } else {
                    Poll::Pending
                }
            })
            .await;
            let [Some(x), Some(y)] = got else {
                unreachable!()
            };
            assert_ne!(x.index(), y.index(), "one buffer, two owners");
        });
        releaser.join().unwrap();
        let stats = pool.stats();
        assert_eq!((stats.available, stats.in_use), (2, 0), "a buffer was lost");
    });
}

/// A waker that panics when woken, as one of an executor that was shut down does.
fn panicking_waker() -> Waker {
    use std::task::{RawWaker, RawWakerVTable};
    static VTABLE: RawWakerVTable = RawWakerVTable::new(
        |data| RawWaker::new(data, &VTABLE),
        |_| panic!("waker panics"),
        |_| panic!("waker panics"),
        |_| {},
    );
    // SAFETY: the vtable keeps `RawWaker`'s contract: its data pointer is never read.
    unsafe { Waker::from_raw(RawWaker::new(std::ptr::null(), &VTABLE)) }
}

/// Issue 11, hole 1: a release on another thread finds the waiter lock held by a
/// second task that is queueing, so the second task's unlock hands the buffer to the
/// first waiter and wakes it, and that waker panics. The second future must be marked
/// queued before that wake, so that dropping it unlinks its node: the old code left
/// the node of the freed future in the list, and the next release handed the buffer
/// to it (lost, and written into freed memory).
#[test]
fn a_waker_panicking_while_another_task_queues() {
    std::panic::set_hook(Box::new(|_| {})); // the waker's panics are expected
    model(|| {
        let pool = Arc::new(Small::new());
        let raw = pool.try_acquire().unwrap().into_raw();
        let mut first = Box::pin(pool.acquire());
        let panicky = panicking_waker();
        assert!(
            first
                .as_mut()
                .poll(&mut Context::from_waker(&panicky))
                .is_pending()
        );
        let releaser = {
            let pool = pool.clone();
            thread::spawn(move || {
                // Wakes `first` itself when it finds the lock free: a caught panic.
                let _ = catch_unwind(AssertUnwindSafe(|| drop(pool.try_from_raw(raw).unwrap())));
            })
        };
        let mut second = Box::pin(pool.acquire());
        let _ = catch_unwind(AssertUnwindSafe(|| {
            second
                .as_mut()
                .poll(&mut Context::from_waker(Waker::noop()))
        }));
        releaser.join().unwrap();
        drop(second);
        let got = first.as_mut().poll(&mut Context::from_waker(Waker::noop()));
        assert!(got.is_ready(), "the first waiter was handed the buffer");
        drop(got);
        drop(first);
        assert_all_free(&pool);
    });
}

/// The issue-11 re-audit: a waker that panics in the middle of a batch of wake-ups.
/// Releaser R1 holds the lock and hands its buffer to W1 (whose waker panics);
/// releaser R2 finds the lock busy and defers; R1's unlock serves W2 into the same
/// batch. W1's panic must not leave W2 handed a buffer but never woken (the old
/// `Wakes::drop` dropped the rest of the batch unwoken: this model failed).
struct Count(AtomicUsize);

impl Wake for Count {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.fetch_add(1, StdOrdering::Relaxed);
    }
}

#[test]
fn a_panicking_waker_does_not_strand_the_next_woken_task() {
    std::panic::set_hook(Box::new(|_| {})); // the waker's panics are expected
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(2);
    builder.check(|| {
        let pool = Arc::new(Pool::<2, 8>::new());
        let r1 = pool.try_acquire().unwrap().into_raw();
        let r2 = pool.try_acquire().unwrap().into_raw();
        let mut w1 = Box::pin(pool.acquire());
        assert!(
            w1.as_mut()
                .poll(&mut Context::from_waker(&panicking_waker()))
                .is_pending()
        );
        let count = std::sync::Arc::new(Count(AtomicUsize::new(0)));
        let counting = Waker::from(count.clone());
        let mut w2 = Box::pin(pool.acquire());
        assert!(
            w2.as_mut()
                .poll(&mut Context::from_waker(&counting))
                .is_pending()
        );

        let releasers: Vec<_> = [r1, r2]
            .into_iter()
            .map(|raw| {
                let pool = pool.clone();
                thread::spawn(move || {
                    let _ =
                        catch_unwind(AssertUnwindSafe(|| drop(pool.try_from_raw(raw).unwrap())));
                })
            })
            .collect();
        for r in releasers {
            r.join().unwrap();
        }
        // Both buffers were handed over: W2 owns one. Its task must have been woken,
        // or no executor will ever poll it again.
        let got = w2.as_mut().poll(&mut Context::from_waker(Waker::noop()));
        assert!(matches!(got, Poll::Ready(_)), "W2 was handed a buffer");
        assert_eq!(
            count.0.load(StdOrdering::Relaxed),
            1,
            "W2 was handed a buffer but its waker was dropped without a wake: a lost wake-up"
        );
        drop(got);
        let _ = catch_unwind(AssertUnwindSafe(|| {
            drop(w1.as_mut().poll(&mut Context::from_waker(Waker::noop())))
        }));
        drop(w1);
        drop(w2);
        let s = pool.stats();
        assert_eq!((s.available, s.in_use), (2, 0));
    });
}
