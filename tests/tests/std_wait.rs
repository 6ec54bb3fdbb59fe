//! `bufpress_std::acquire_timeout`: threads parked in the pool's waiter queue, woken by
//! the release that hands them a buffer. 8 threads on 2 buffers, each holder checking
//! its own pattern; short timeouts mixed in; 0 allocations after each thread's first
//! wait; every buffer back.

use std::io::{ErrorKind, Write};
use std::sync::Barrier;
use std::time::Duration;

use bufpress::pool::Pool;
use bufpress_std::{AcquirePolicy, Chain, acquire_timeout};
use bufpress_tests::counting::{CountingAlloc, TrackThread, measure};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

static TWO: Pool<2, 64> = Pool::new();

#[test]
fn threads_wait_for_buffers_with_no_allocation_and_none_lost() {
    const THREADS: usize = 8;
    const ROUNDS: usize = 2000;
    // Warm-up: with both buffers held here, each thread's first wait times out, which
    // builds its waker (the one allocation per thread).
    let held = [TWO.try_acquire().unwrap(), TWO.try_acquire().unwrap()];
    let warm = Barrier::new(THREADS + 1);
    let start = Barrier::new(THREADS + 1);
    let ((got, timed_out), counts) = std::thread::scope(|s| {
        let workers: Vec<_> = (0..THREADS)
            .map(|t| {
                let (warm, start) = (&warm, &start);
                s.spawn(move || {
                    let first = acquire_timeout(TWO.pool_ref(), Duration::from_micros(1));
                    assert_eq!(first.unwrap_err().kind(), ErrorKind::TimedOut);
                    warm.wait();
                    start.wait();
                    let _track = TrackThread::start();
                    let (mut got, mut timed_out) = (0, 0);
                    for round in 0..ROUNDS {
                        // Every 50th wait is short enough to time out now and then.
                        let timeout = if round % 50 == 49 {
                            Duration::from_micros(1)
                        } else {
                            Duration::from_secs(30)
                        };
                        match acquire_timeout(TWO.pool_ref(), timeout) {
                            Ok(mut buf) => {
                                let tag = (t * 31 + round) as u8;
                                buf.extend_from_slice(&[tag; 64]).unwrap();
                                std::thread::yield_now();
                                assert!(buf.iter().all(|&b| b == tag), "held twice");
                                got += 1;
                            }
                            Err(e) => {
                                assert_eq!(e.kind(), ErrorKind::TimedOut);
                                timed_out += 1;
                            }
                        }
                    }
                    (got, timed_out)
                })
            })
            .collect();
        warm.wait();
        drop(held);
        measure(|| {
            start.wait();
            workers
                .into_iter()
                .map(|w| w.join().unwrap())
                .fold((0, 0), |(a, b), (c, d)| (a + c, b + d))
        })
    });
    eprintln!("{got} acquisitions, {timed_out} timeouts: {counts:?}");
    assert_eq!(got + timed_out, THREADS * ROUNDS);
    assert!(got >= THREADS * ROUNDS * 9 / 10, "{got}");
    assert!(timed_out > 0, "the short waits time out now and then");
    // Waiting, waking, handing over and timing out (a kind-only io::Error) allocate
    // nothing. (The frees counted are the threads' exits dropping their wakers.)
    assert_eq!((counts.allocs, counts.reallocs), (0, 0), "{counts:?}");
    assert_eq!(TWO.stats().available, 2);
}

#[test]
fn a_chain_waits_for_a_buffer_another_thread_releases() {
    static ONE: Pool<1, 16> = Pool::new();
    let held = ONE.try_acquire().unwrap();
    std::thread::scope(|s| {
        s.spawn(move || {
            std::thread::sleep(Duration::from_millis(30));
            drop(held);
        });
        let mut chain = Chain::<1>::new(ONE.pool_ref())
            .with_acquire_policy(AcquirePolicy::Wait(Duration::from_secs(30)));
        chain.write_all(b"waited for it").unwrap();
        assert_eq!(chain.len(), 13);
    });
    let _held = ONE.try_acquire().unwrap();
    let mut chain = Chain::<1>::new(ONE.pool_ref())
        .with_acquire_policy(AcquirePolicy::Wait(Duration::from_millis(5)));
    let err = chain.write_all(b"no buffer comes").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TimedOut);
}
