//! Async acquire (feature `async`) on a minimal single-threaded executor written here
//! with nothing from std: wakers are a static vtable over a flag, tasks are pinned
//! futures on the stack, no allocation. Miri runs this file (`.ci/test`).
//!
//! The executor also detects lost wake-ups: when no task is woken but some are not
//! done, nothing could ever make progress again, and it panics.
#![cfg(feature = "async")]

use core::future::Future;
use core::pin::{Pin, pin};
use core::sync::atomic::{AtomicBool, Ordering};
use core::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};

use bufpress::pool::{Buf, Pool, PoolRef, SizeClasses};

/// Rounds per task: fewer under Miri, which is slow.
const ROUNDS: usize = if cfg!(miri) { 12 } else { 2_000 };

// ---- the executor -----------------------------------------------------------------

/// A waker over `&AtomicBool`: waking sets the flag. Clone and drop cost nothing.
static VTABLE: RawWakerVTable = RawWakerVTable::new(
    |data| RawWaker::new(data, &VTABLE),
    wake_flag,
    wake_flag,
    |_| {},
);

fn wake_flag(data: *const ()) {
    // SAFETY: `data` always comes from `waker_for`, a `&AtomicBool` that outlives every
    // waker made from it (the executor's flags outlive the tasks, which hold the
    // wakers, and the pool's queue drops a waker when its future is dropped).
    unsafe { &*data.cast::<AtomicBool>() }.store(true, Ordering::Release);
}

fn waker_for(flag: &AtomicBool) -> Waker {
    let raw = RawWaker::new((flag as *const AtomicBool).cast(), &VTABLE);
    // SAFETY: the vtable's functions keep the contract of `RawWaker` (clone returns a
    // waker over the same data; wake, wake_by_ref and drop never free anything) and
    // `data` is a valid `&AtomicBool` for as long as the waker is used (see above).
    unsafe { Waker::from_raw(raw) }
}

/// Polls every woken task until all are done; panics on a lost wake-up.
fn run(tasks: &mut [Pin<&mut dyn Future<Output = ()>>]) {
    let flags: [AtomicBool; 64] = [const { AtomicBool::new(true) }; 64];
    assert!(tasks.len() <= flags.len());
    let mut done = [false; 64];
    loop {
        let mut progressed = false;
        for (i, task) in tasks.iter_mut().enumerate() {
            if done[i] || !flags[i].swap(false, Ordering::Acquire) {
                continue;
            }
            progressed = true;
            let waker = waker_for(&flags[i]);
            if task
                .as_mut()
                .poll(&mut Context::from_waker(&waker))
                .is_ready()
            {
                done[i] = true;
            }
        }
        if done[..tasks.len()].iter().all(|&d| d) {
            return;
        }
        assert!(progressed, "lost wake-up: tasks wait and none was woken");
    }
}

/// Returns `Pending` once (waking itself), then `Ready`: lets other tasks run.
async fn yield_now() {
    let mut yielded = false;
    core::future::poll_fn(|cx| {
        if yielded {
            Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    })
    .await;
}

/// Polls `fut` once: `Some(output)` if it was ready.
async fn poll_once<F: Future>(mut fut: Pin<&mut F>) -> Option<F::Output> {
    core::future::poll_fn(|cx| match fut.as_mut().poll(cx) {
        Poll::Ready(output) => Poll::Ready(Some(output)),
        Poll::Pending => Poll::Ready(None),
    })
    .await
}

/// Polls a future once with a waker that does nothing.
fn poll_noop<F: Future>(fut: Pin<&mut F>) -> Poll<F::Output> {
    fut.poll(&mut Context::from_waker(Waker::noop()))
}

// ---- tests ------------------------------------------------------------------------

/// A pool with the waiter queue is still all zero when new (so `.bss`), and so is
/// the queue after waiters came and went.
#[test]
#[cfg_attr(miri, ignore = "reads padding bytes")]
fn new_pool_is_all_zero() {
    static POOL: Pool<4, 64> = Pool::new();
    fn bytes_of<T>(value: &T) -> &[u8] {
        // SAFETY: a static's bytes are initialized (zero padding included, as the
        // linker places it in `.bss`); read only, while nothing writes to it.
        unsafe { core::slice::from_raw_parts((value as *const T).cast::<u8>(), size_of::<T>()) }
    }
    assert!(bytes_of(&POOL).iter().all(|&b| b == 0));
}

#[test]
fn ready_at_once_when_free() {
    static POOL: Pool<2, 32> = Pool::new();
    let mut fut = pin!(POOL.acquire());
    let Poll::Ready(mut buf) = poll_noop(fut.as_mut()) else {
        panic!("a buffer was free")
    };
    buf.extend_from_slice(b"hi").unwrap();
    assert_eq!(POOL.stats().in_use, 1);
    drop(buf);
    assert_eq!(POOL.stats().available, 2);
    assert_eq!(POOL.stats().failed_acquires, 0);
}

#[test]
fn waiters_are_served_in_fifo_order_without_barging() {
    static POOL: Pool<1, 16> = Pool::new();
    let held = POOL.try_acquire().unwrap();
    let mut a = pin!(POOL.acquire());
    let mut b = pin!(POOL.acquire());
    let mut c = pin!(POOL.acquire());
    assert!(poll_noop(a.as_mut()).is_pending());
    assert!(poll_noop(b.as_mut()).is_pending());
    assert!(poll_noop(c.as_mut()).is_pending());
    assert_eq!(POOL.stats().failed_acquires, 3);

    drop(held); // to `a`, the oldest, not to the free list
    assert!(POOL.try_acquire().is_err(), "the buffer went to a waiter");
    let mut late = pin!(POOL.acquire());
    assert!(
        poll_noop(late.as_mut()).is_pending(),
        "a newcomer must queue"
    );
    assert!(poll_noop(c.as_mut()).is_pending());
    assert!(poll_noop(b.as_mut()).is_pending());
    let Poll::Ready(buf) = poll_noop(a.as_mut()) else {
        panic!("a was first")
    };
    drop(buf);
    assert!(poll_noop(c.as_mut()).is_pending());
    let Poll::Ready(buf) = poll_noop(b.as_mut()) else {
        panic!("b was second")
    };
    drop(buf);
    let Poll::Ready(buf) = poll_noop(c.as_mut()) else {
        panic!("c was third")
    };
    drop(buf);
    let Poll::Ready(buf) = poll_noop(late.as_mut()) else {
        panic!("then the newcomer")
    };
    drop(buf);
    // Nobody waits any more: the buffer is on the free list again.
    assert_eq!(POOL.stats().available, 1);
    drop(POOL.try_acquire().unwrap());
}

#[test]
fn cancelling_a_waiter_unlinks_it() {
    static POOL: Pool<1, 16> = Pool::new();
    let held = POOL.try_acquire().unwrap();
    {
        let mut a = pin!(POOL.acquire());
        assert!(poll_noop(a.as_mut()).is_pending());
        let mut b = pin!(POOL.acquire());
        assert!(poll_noop(b.as_mut()).is_pending());
        // `a` and `b` are dropped here, queued: unlinked, the waiting bit cleared.
    }
    drop(held);
    assert_eq!(POOL.stats().available, 1);
    let mut c = pin!(POOL.acquire());
    assert!(poll_noop(c.as_mut()).is_ready(), "fast path again");
}

#[test]
fn a_handed_buffer_is_passed_on_when_its_future_is_dropped() {
    static POOL: Pool<1, 16> = Pool::new();
    let mut held = POOL.try_acquire().unwrap();
    held.extend_from_slice(b"x").unwrap();
    let mut b = pin!(POOL.acquire());
    {
        let mut a = pin!(POOL.acquire());
        assert!(poll_noop(a.as_mut()).is_pending());
        assert!(poll_noop(b.as_mut()).is_pending());
        drop(held); // handed to `a`
        // `a` is dropped before it is polled again: the buffer moves on to `b`.
    }
    let Poll::Ready(buf) = poll_noop(b.as_mut()) else {
        panic!("b inherits a's buffer")
    };
    assert!(buf.is_empty());
    drop(buf);
    // And with nobody else waiting, a dropped handover goes back to the free list.
    let held = POOL.try_acquire().unwrap();
    {
        let mut a = pin!(POOL.acquire());
        assert!(poll_noop(a.as_mut()).is_pending());
        drop(held);
    }
    assert_eq!(POOL.stats().available, 1);
    assert_eq!(POOL.stats().in_use, 0);
}

#[test]
fn wakes_the_waiter_it_hands_to() {
    static POOL: Pool<1, 16> = Pool::new();
    let flag = AtomicBool::new(false);
    let waker = waker_for(&flag);
    let held = POOL.try_acquire().unwrap();
    let mut a = pin!(POOL.acquire());
    assert!(
        a.as_mut()
            .poll(&mut Context::from_waker(&waker))
            .is_pending()
    );
    assert!(!flag.load(Ordering::Acquire));
    drop(held);
    assert!(flag.load(Ordering::Acquire), "the release woke the waiter");
    assert!(poll_noop(a.as_mut()).is_ready());
}

#[test]
#[should_panic(expected = "polled after it returned")]
fn polling_after_completion_panics() {
    static POOL: Pool<1, 16> = Pool::new();
    let mut a = pin!(POOL.acquire());
    let Poll::Ready(_buf) = poll_noop(a.as_mut()) else {
        panic!("free")
    };
    let _ = poll_noop(a.as_mut());
}

#[test]
fn size_classes_wait_on_the_fitting_class() {
    static SMALL: Pool<1, 64> = Pool::new();
    static LARGE: Pool<1, 1024> = Pool::new();
    static CLASSES: SizeClasses<'static, 2> =
        SizeClasses::new([SMALL.pool_ref(), LARGE.pool_ref()]);
    let small = SMALL.try_acquire().unwrap();
    let mut wait = pin!(CLASSES.acquire(10).unwrap());
    assert!(
        poll_noop(wait.as_mut()).is_pending(),
        "no fall-back to LARGE"
    );
    drop(small);
    let Poll::Ready(buf) = poll_noop(wait.as_mut()) else {
        panic!("handed over")
    };
    assert_eq!(buf.capacity(), 64);
    assert!(CLASSES.acquire(2000).is_err());
}

/// A task: acquires, writes its pattern, lets others run, checks the pattern is
/// intact, releases; every few rounds it cancels a wait instead (queued, or after
/// being handed a buffer).
async fn worker(pool: PoolRef<'static>, id: u8, rounds: usize) {
    for round in 0..rounds {
        let tag = id.wrapping_mul(31).wrapping_add(round as u8);
        match round % 8 {
            3 => {
                // Queue, then drop while queued.
                let mut fut = pin!(pool.acquire());
                if let Some(buf) = poll_once(fut.as_mut()).await {
                    check_and_release(buf, tag).await;
                }
            }
            5 => {
                // Queue, let releases happen (maybe to us), then drop unpolled.
                let mut fut = pin!(pool.acquire());
                if let Some(buf) = poll_once(fut.as_mut()).await {
                    check_and_release(buf, tag).await;
                } else {
                    yield_now().await;
                }
            }
            _ => {
                let buf = pool.acquire().await;
                check_and_release(buf, tag).await;
            }
        }
    }
}

async fn check_and_release(mut buf: Buf<'static>, tag: u8) {
    buf.clear();
    for i in 0..16u8 {
        buf.push(tag ^ i).unwrap();
    }
    yield_now().await;
    for (i, &b) in buf.iter().enumerate() {
        assert_eq!(b, tag ^ i as u8, "another holder wrote into this buffer");
    }
}

#[test]
fn tasks_share_few_buffers_on_a_single_threaded_executor() {
    static POOL: Pool<3, 32> = Pool::new();
    let pool = POOL.pool_ref();
    let mut t0 = pin!(worker(pool, 0, ROUNDS));
    let mut t1 = pin!(worker(pool, 1, ROUNDS));
    let mut t2 = pin!(worker(pool, 2, ROUNDS));
    let mut t3 = pin!(worker(pool, 3, ROUNDS));
    let mut t4 = pin!(worker(pool, 4, ROUNDS));
    let mut t5 = pin!(worker(pool, 5, ROUNDS));
    let mut t6 = pin!(worker(pool, 6, ROUNDS));
    let mut t7 = pin!(worker(pool, 7, ROUNDS));
    run(&mut [
        t0.as_mut(),
        t1.as_mut(),
        t2.as_mut(),
        t3.as_mut(),
        t4.as_mut(),
        t5.as_mut(),
        t6.as_mut(),
        t7.as_mut(),
    ]);
    let stats = POOL.stats();
    assert_eq!((stats.available, stats.in_use), (3, 0), "no buffer lost");
    assert!(stats.failed_acquires > 0, "the tasks did have to wait");
}

#[test]
fn a_region_pool_waits_too() {
    let mut region = [0u8; 2 * 64 + 4];
    let pool: bufpress::pool::RegionPool<'_, 2> =
        bufpress::pool::RegionPool::new(&mut region, 64, 4).unwrap();
    let a = pool.try_acquire().unwrap();
    let b = pool.try_acquire().unwrap();
    let mut wait = pin!(pool.acquire());
    assert!(poll_noop(wait.as_mut()).is_pending());
    drop(b);
    assert!(poll_noop(wait.as_mut()).is_ready());
    drop(a);
}

/// A value pool (codec states) has the same async acquire: a task that finds every
/// state taken waits on the queue instead of spinning, and the release of a state
/// held across an `.await` by another task hands it over (on one thread: a spinning
/// `acquire` here would never return).
#[test]
fn value_pool_tasks_wait_for_a_state() {
    use bufpress::pool::ValuePool;
    static STATES: ValuePool<[u32; 4], 1> = ValuePool::new([[0; 4]]);

    let mut holder = pin!(async {
        let mut state = STATES.acquire().await;
        state[0] += 1;
        for _ in 0..3 {
            yield_now().await; // holds the state across awaits
        }
    });
    let mut waiter = pin!(async {
        let mut state = STATES.acquire().await;
        state[0] += 1;
        assert_eq!(state[0], 2, "the holder's write is seen");
    });
    run(&mut [holder.as_mut(), waiter.as_mut()]);
    let s = STATES.stats();
    assert_eq!((s.available, s.in_use, s.failed_acquires), (1, 0, 1));

    // Cancelled while waiting: the queue is left, nothing is lost.
    let held = STATES.try_acquire().unwrap();
    {
        let mut fut = pin!(STATES.acquire());
        assert!(poll_noop(fut.as_mut()).is_pending());
    }
    drop(held);
    assert_eq!(STATES.stats().available, 1);
    STATES.reset_stats();
    assert_eq!(STATES.stats().failed_acquires, 0);
}
