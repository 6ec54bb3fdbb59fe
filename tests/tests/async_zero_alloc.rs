//! The waiting path of the async acquire allocates nothing: queueing, being handed a
//! buffer, waking, cancelling, on one thread and across two, counted by the counting
//! global allocator. (The wakers are made before the measurement: making a waker is
//! the executor's business, and cloning this one does not allocate.)

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::task::{Context, Poll, Wake, Waker};
use std::thread;

use bufpress::pool::Pool;
use bufpress_tests::counting::{CountingAlloc, TrackThread, measure};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

const CYCLES: usize = 10_000;

/// A waker that unparks a thread (an `Arc`: cloning it is a reference count).
struct Unpark(thread::Thread, AtomicBool);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.1.store(true, Ordering::Release);
        self.0.unpark();
    }
}

fn waker() -> (Waker, Arc<Unpark>) {
    let inner = Arc::new(Unpark(thread::current(), AtomicBool::new(false)));
    (Waker::from(inner.clone()), inner)
}

/// Polls `fut` to completion, parking between polls.
fn block_on<F: Future>(fut: F, waker: &Waker) -> F::Output {
    let mut fut = pin!(fut);
    let mut cx = Context::from_waker(waker);
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
        thread::park();
    }
}

#[test]
fn waiting_handover_and_cancellation_allocate_nothing_on_one_thread() {
    static POOL: Pool<2, 64> = Pool::new();
    let (waker, flag) = waker();
    let mut cx = Context::from_waker(&waker);
    let ((), counts) = measure(|| {
        for cycle in 0..CYCLES {
            let a = POOL.try_acquire().unwrap();
            let b = POOL.try_acquire().unwrap();
            let mut w1 = pin!(POOL.acquire());
            let mut w3 = pin!(POOL.acquire());
            assert!(w1.as_mut().poll(&mut cx).is_pending());
            // Releases `a`, which goes to w1, the oldest waiter, and wakes it.
            macro_rules! release_a_to_w1 {
                () => {{
                    flag.1.store(false, Ordering::Relaxed);
                    drop(a);
                    assert!(flag.1.load(Ordering::Acquire), "the release woke w1");
                    let Poll::Ready(mut got) = w1.as_mut().poll(&mut cx) else {
                        panic!("w1 first")
                    };
                    got.extend_from_slice(&cycle.to_le_bytes()).unwrap();
                    got
                }};
            }
            let got = if cycle % 2 == 0 {
                let mut w2 = pin!(POOL.acquire());
                assert!(w2.as_mut().poll(&mut cx).is_pending());
                assert!(w3.as_mut().poll(&mut cx).is_pending()); // queued behind w2
                let got = release_a_to_w1!();
                drop(b); // to w2, which is dropped unpolled below: passed on to w3
                got
            } else {
                {
                    let mut w2 = pin!(POOL.acquire());
                    assert!(w2.as_mut().poll(&mut cx).is_pending());
                    assert!(w3.as_mut().poll(&mut cx).is_pending());
                    // w2 is cancelled here, queued.
                }
                let got = release_a_to_w1!();
                drop(b); // to w3
                got
            };
            let Poll::Ready(last) = w3.as_mut().poll(&mut cx) else {
                panic!("w3 got the second buffer")
            };
            drop((got, last));
        }
    });
    assert!(counts.is_zero(), "{counts:?}");
    assert_eq!(POOL.stats().available, 2);
}

#[test]
fn waiting_across_two_threads_allocates_nothing() {
    static POOL: Pool<1, 64> = Pool::new();
    let start = Barrier::new(2);
    let received = AtomicUsize::new(0);
    let measured = AtomicBool::new(false);
    thread::scope(|s| {
        s.spawn(|| {
            let (waker, _flag) = waker();
            start.wait();
            {
                let _counted = TrackThread::start();
                for _ in 0..CYCLES {
                    let buf = block_on(POOL.acquire(), &waker);
                    assert_eq!(buf.capacity(), 64);
                    received.fetch_add(1, Ordering::AcqRel);
                }
            }
            // Keep this thread's waker alive until the measurement ends: the other
            // thread may still hold a clone (to wake it), and freeing the waker is the
            // executor's business, not the pool's.
            while !measured.load(Ordering::Acquire) {
                thread::yield_now();
            }
        });
        let (waker, _flag) = waker();
        let ((), counts) = measure(|| {
            start.wait();
            for _ in 0..CYCLES {
                let mut buf = block_on(POOL.acquire(), &waker);
                buf.push(1).unwrap();
                thread::yield_now();
            }
            while received.load(Ordering::Acquire) < CYCLES {
                thread::yield_now();
            }
        });
        measured.store(true, Ordering::Release);
        assert!(counts.is_zero(), "{counts:?}");
    });
    let stats = POOL.stats();
    assert_eq!((stats.available, stats.in_use), (1, 0));
}
