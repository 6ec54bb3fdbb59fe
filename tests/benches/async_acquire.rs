//! The async acquire (feature `async`) against its references.
//!
//! Benchmark ids:
//!
//! - `async/uncontended/{try_acquire,acquire}`: one acquire + release of a free
//!   buffer from a `static Pool<64, 4096>`: `try_acquire` against polling a pinned
//!   `acquire()` future once (with a no-op waker, so only the future's own cost
//!   is measured). The two are timed in alternating chunks of 1,000 (see `paired`).
//!   Target: `acquire` <= 1.5x `try_acquire`. For information,
//!   `try_acquire_opaque` is `try_acquire` through a `PoolRef` the compiler cannot
//!   constant-fold (as a future, size classes or a codec hold it).
//! - `async/handoff/{bufs}b/{tasks}t/{bufpress,semaphore}`: `tasks` tokio tasks on a
//!   2-worker multi-threaded runtime share `bufs` buffers; each task acquires, writes
//!   64 bytes, yields to the scheduler while it holds the buffer (so the others must
//!   wait), and releases. `bufpress` waits with `acquire`; `semaphore` is the
//!   usual alternative, a fair `tokio::sync::Semaphore` with `bufs` permits guarding a
//!   pool (`acquire().await`, then `try_acquire`, which cannot fail under a permit).
//!   The time is per acquisition (criterion's iteration); each sample of one design
//!   is followed by an untimed run of the other, so both see the same machine load.
//!   Target: bufpress <= 1.0x the semaphore.
//!
//! `.ci/bench-async` runs this and prints the ratio table.

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use bufpress::pool::Pool;
use criterion::{Criterion, criterion_group, criterion_main};
use tokio::runtime::Runtime;
use tokio::sync::Semaphore;

const SIZE: usize = 4096;
const BYTES: [u8; 64] = [0x5A; 64];

static UNCONTENDED: Pool<64, SIZE> = Pool::new();

/// One acquire + release with `try_acquire`.
#[inline(always)]
fn round_trip_try() {
    let buf = UNCONTENDED.try_acquire().expect("a free buffer");
    black_box(buf.index());
}

/// `try_acquire` through a `PoolRef` the compiler cannot see through, as generic code
/// (size classes, codecs, a future) holds it: its fields come from memory, nothing is
/// constant-folded.
#[inline(always)]
fn round_trip_try_opaque() {
    let pool = black_box(UNCONTENDED.pool_ref());
    let buf = pool.try_acquire().expect("a free buffer");
    black_box(buf.index());
}

/// One acquire + release through an `acquire` future polled once.
#[inline(always)]
fn round_trip_async(cx: &mut Context<'_>) {
    let fut = pin!(UNCONTENDED.acquire());
    let Poll::Ready(buf) = fut.poll(cx) else {
        panic!("a buffer is free")
    };
    black_box(buf.index());
}

/// Round trips per timed chunk of the paired measurement.
const CHUNK: u64 = 1_000;

/// Times `iters` round trips of `timed` in chunks, each followed by an untimed chunk
/// of `other`: both designs run through the same moments of the machine's load (this
/// 2-core machine is shared), so their ratio is not skewed by load that changes
/// between two benchmarks.
fn paired(iters: u64, mut timed: impl FnMut(), mut other: impl FnMut()) -> Duration {
    let mut total = Duration::ZERO;
    let mut left = iters;
    while left > 0 {
        let n = left.min(CHUNK);
        let t0 = Instant::now();
        for _ in 0..n {
            timed();
        }
        total += t0.elapsed();
        for _ in 0..n {
            other();
        }
        left -= n;
    }
    total
}

fn uncontended(c: &mut Criterion) {
    let mut g = c.benchmark_group("async/uncontended");
    g.bench_function("try_acquire", |b| {
        let mut cx = Context::from_waker(Waker::noop());
        b.iter_custom(|iters| paired(iters, round_trip_try, || round_trip_async(&mut cx)));
    });
    g.bench_function("try_acquire_opaque", |b| {
        let mut cx = Context::from_waker(Waker::noop());
        b.iter_custom(|iters| paired(iters, round_trip_try_opaque, || round_trip_async(&mut cx)));
    });
    g.bench_function("acquire", |b| {
        let mut cx = Context::from_waker(Waker::noop());
        b.iter_custom(|iters| paired(iters, || round_trip_async(&mut cx), round_trip_try));
    });
    g.finish();
}

/// The handoff pools: one per buffer count, for each design.
static BUFPRESS_1: Pool<1, SIZE> = Pool::new();
static BUFPRESS_4: Pool<4, SIZE> = Pool::new();
static GUARDED_1: Pool<1, SIZE> = Pool::new();
static GUARDED_4: Pool<4, SIZE> = Pool::new();
static PERMITS_1: Semaphore = Semaphore::const_new(1);
static PERMITS_4: Semaphore = Semaphore::const_new(4);

/// Runs `tasks` tasks doing `iters` acquisitions in all; returns the wall time.
fn run_tasks<F, Fut>(rt: &Runtime, iters: u64, tasks: u64, task: F) -> Duration
where
    F: Fn(u64) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    rt.block_on(async {
        let per_task = iters.div_ceil(tasks);
        let t0 = Instant::now();
        let handles: Vec<_> = (0..tasks).map(|_| tokio::spawn(task(per_task))).collect();
        for h in handles {
            h.await.expect("task panicked");
        }
        // Time per acquisition of `iters`, even when rounding up did a few more.
        t0.elapsed()
            .mul_f64(iters as f64 / (per_task * tasks) as f64)
    })
}

/// One task of the `bufpress` design: `n` acquisitions with `acquire`.
async fn bufpress_task(bufs: usize, n: u64) {
    let pool = if bufs == 1 {
        BUFPRESS_1.pool_ref()
    } else {
        BUFPRESS_4.pool_ref()
    };
    for _ in 0..n {
        let mut buf = pool.acquire().await;
        buf.extend_from_slice(black_box(&BYTES)).expect("fits");
        tokio::task::yield_now().await;
        black_box(buf.as_ptr());
    }
}

/// One task of the `semaphore` design: `n` acquisitions of a permit, then a buffer.
async fn semaphore_task(bufs: usize, n: u64) {
    let (permits, pool) = if bufs == 1 {
        (&PERMITS_1, GUARDED_1.pool_ref())
    } else {
        (&PERMITS_4, GUARDED_4.pool_ref())
    };
    for _ in 0..n {
        let permit = permits.acquire().await.expect("never closed");
        let mut buf = pool.try_acquire().expect("a permit guarantees a buffer");
        buf.extend_from_slice(black_box(&BYTES)).expect("fits");
        tokio::task::yield_now().await;
        black_box(buf.as_ptr());
        drop(buf);
        drop(permit);
    }
}

fn handoff(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("a tokio runtime");
    for (bufs, tasks) in [(1usize, 8u64), (4, 16), (4, 64)] {
        let mut g = c.benchmark_group(format!("async/handoff/{bufs}b/{tasks}t"));
        // Each sample also runs the other design, untimed, right after (as `paired`
        // does for the uncontended case): both see the same load.
        let ours = |n| bufpress_task(bufs, n);
        let theirs = |n| semaphore_task(bufs, n);
        g.bench_function("bufpress", |b| {
            b.iter_custom(|iters| {
                let t = run_tasks(&rt, iters, tasks, ours);
                run_tasks(&rt, iters, tasks, theirs);
                t
            });
        });
        g.bench_function("semaphore", |b| {
            b.iter_custom(|iters| {
                let t = run_tasks(&rt, iters, tasks, theirs);
                run_tasks(&rt, iters, tasks, ours);
                t
            });
        });
        g.finish();
    }
}

criterion_group!(benches, uncontended, handoff);
criterion_main!(benches);
