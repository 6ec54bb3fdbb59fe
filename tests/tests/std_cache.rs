//! `bufpress_std::cache::Cache`: the per-thread cache's rule (it fails only when it and
//! the pool are empty; other caches' buffers count as taken), batches of M / 2, flush
//! and drop giving everything back, scrubbing pools bypassing it, threads sharing a
//! pool through their own caches with no buffer handed out twice, and 0 allocations
//! in the steady state, refills and drains included.

use std::sync::Barrier;

use bufpress::pool::Pool;
use bufpress_std::cache::Cache;
use bufpress_tests::counting::{CountingAlloc, TrackThread, measure};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

#[test]
fn fails_only_when_the_cache_and_the_pool_are_empty() {
    let pool: Pool<4, 64> = Pool::new();
    let a = Cache::<4>::new(pool.pool_ref());
    let b = Cache::<4>::new(pool.pool_ref());

    // A's first acquire takes a batch of M / 2 = 2: one for the caller, one parked.
    drop(a.try_acquire().unwrap());
    assert_eq!(a.cached(), 2);
    assert_eq!(pool.stats().available, 2);

    // B gets the two the pool still has, and no more: A's parked ones count as taken.
    let b1 = b.try_acquire().unwrap();
    let b2 = b.try_acquire().unwrap();
    assert!(b.try_acquire().is_err());
    assert_eq!(pool.stats().failed_acquires, 1);

    // Once A flushes, B can have them.
    a.flush();
    assert_eq!(a.cached(), 0);
    let b3 = b.try_acquire().unwrap();
    assert_eq!(b.cached(), 1); // the refill took both
    drop((b1, b2, b3));
    drop(b);
    assert_eq!(pool.stats().available, 4);
    assert_eq!(pool.stats().in_use, 0);
}

#[test]
fn a_full_cache_drains_half_and_dropping_it_returns_the_rest() {
    let pool: Pool<16, 64> = Pool::new();
    let cache = Cache::<4>::new(pool.pool_ref());
    let held: Vec<_> = (0..9).map(|_| cache.try_acquire().unwrap()).collect();
    assert_eq!(pool.stats().available, 16 - 9 - cache.cached());
    drop(held);
    // Never more than M parked; the rest went back in batches.
    assert!(cache.cached() <= 4);
    assert_eq!(pool.stats().available, 16 - cache.cached());
    drop(cache);
    assert_eq!(pool.stats().available, 16);
}

#[test]
fn a_reused_buffer_starts_empty_and_into_buf_leaves_the_cache() {
    let pool: Pool<4, 64> = Pool::new();
    let cache = Cache::<2>::new(pool.pool_ref());
    let mut buf = cache.try_acquire().unwrap();
    buf.extend_from_slice(b"hello").unwrap();
    let index = buf.index();
    drop(buf);
    let buf = cache.try_acquire().unwrap();
    assert_eq!(buf.index(), index, "LIFO: the one just released");
    assert!(buf.is_empty());

    let plain = buf.into_buf();
    assert_eq!(cache.cached(), 0);
    let moved = std::thread::scope(|s| s.spawn(move || plain.len()).join().unwrap());
    assert_eq!(moved, 0);
    assert_eq!(pool.stats().available, 4);
}

#[test]
fn a_scrubbing_pool_gets_its_buffers_back_zeroed() {
    let pool: Pool<2, 64, bufpress::pool::Align8, true> = Pool::new();
    let cache = Cache::<2>::new(pool.pool_ref());
    let mut buf = cache.try_acquire().unwrap();
    buf.extend_from_slice(b"secret").unwrap();
    drop(buf);
    assert_eq!(cache.cached(), 0, "released straight to the pool");
    // The next holder, through the cache or not, sees zeroes.
    let mut a = pool.try_acquire().unwrap();
    let mut b = pool.try_acquire().unwrap();
    assert!(a.try_spare_capacity_mut(6).unwrap().iter().all(|&x| x == 0));
    assert!(b.try_spare_capacity_mut(6).unwrap().iter().all(|&x| x == 0));
}

static SHARED: Pool<32, 256> = Pool::new();

#[test]
fn threads_with_their_own_caches_never_share_a_buffer_and_allocate_nothing() {
    const THREADS: usize = 4;
    const ROUNDS: usize = if cfg!(miri) { 200 } else { 50_000 };
    let start = Barrier::new(THREADS + 1);
    let end = Barrier::new(THREADS + 1);
    let counts = std::thread::scope(|s| {
        for t in 0..THREADS {
            let (start, end) = (&start, &end);
            s.spawn(move || {
                let cache = Cache::<4>::new(SHARED.pool_ref());
                let mut held = Vec::with_capacity(3);
                start.wait();
                {
                    let _track = TrackThread::start();
                    for i in 0..ROUNDS {
                        // Hold 0 to 3 at once, so refills and drains both happen.
                        let want = i % 4;
                        while held.len() < want {
                            let mut buf = cache.try_acquire().expect("32 buffers, 4 threads");
                            buf.extend_from_slice(&[t as u8; 256]).unwrap();
                            held.push(buf);
                        }
                        for buf in &held {
                            assert!(buf.iter().all(|&x| x == t as u8), "a buffer shared");
                        }
                        if want == 3 {
                            held.clear();
                        }
                    }
                    held.clear();
                    cache.flush();
                }
                end.wait();
            });
        }
        // Counted: the workers' loops (each tracks itself between the barriers).
        let ((), counts) = measure(|| {
            start.wait();
            end.wait();
        });
        counts
    });
    assert!(counts.is_zero(), "{counts:?}");
    assert_eq!(SHARED.stats().available, 32);
}

/// A buffer held beyond the M slots and adopted into an empty slot when dropped must
/// start empty for its next holder too, as `try_acquire` documents (found by an outside
/// audit: `adopt` kept the old length and bytes).
#[test]
fn an_adopted_buffer_starts_empty() {
    let pool: Pool<4, 64> = Pool::new();
    let cache = Cache::<2>::new(pool.pool_ref());
    let a = cache.try_acquire().unwrap();
    let b = cache.try_acquire().unwrap();
    // Both slots lent: the third comes from the pool, beyond the cache.
    let mut c = cache.try_acquire().unwrap();
    c.extend_from_slice(b"secret").unwrap();
    let index = c.index();
    // Free a's slot: returned, then flushed, so the slot is empty.
    drop(a);
    cache.flush();
    // c comes back and is adopted into that slot.
    drop(c);
    assert_eq!(cache.cached(), 1);
    let d = cache.try_acquire().unwrap();
    assert_eq!(d.index(), index);
    assert!(d.is_empty(), "holds {:?}", d.as_slice());
    drop((b, d));
}

#[test]
fn more_than_m_held_at_once_come_from_the_pool_and_may_be_adopted() {
    let pool: Pool<8, 64> = Pool::new();
    let cache = Cache::<2>::new(pool.pool_ref());
    let held: Vec<_> = (0..5).map(|_| cache.try_acquire().unwrap()).collect();
    assert_eq!(pool.stats().in_use, 5);
    drop(held);
    // At most M kept (a full cache drains half), the rest back in the pool.
    assert!(cache.cached() <= 2);
    assert_eq!(pool.stats().available, 8 - cache.cached());
}

#[test]
fn the_steady_state_allocates_nothing() {
    let pool: Pool<8, 64> = Pool::new();
    let cache = Cache::<4>::new(pool.pool_ref());
    let ((), counts) = measure(|| {
        for i in 0..10_000usize {
            let a = cache.try_acquire().unwrap();
            let b = (i % 3 == 0).then(|| cache.try_acquire().unwrap());
            let c = (i % 5 == 0).then(|| [(); 4].map(|()| cache.try_acquire().unwrap()));
            drop((a, b, c));
        }
    });
    assert!(counts.is_zero(), "{counts:?}");
}
