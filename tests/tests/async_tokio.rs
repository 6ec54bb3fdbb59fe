//! Async acquire on tokio's multi-threaded runtime: 64 tasks share 4 buffers for
//! 100,000 acquisitions, each holder writing its own pattern and checking it before
//! release, with an owner table that catches a buffer handed to two tasks at once,
//! and random cancellations (timeouts) mixed in. The whole run has a deadline; at the
//! end every buffer is back.

use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bufpress::pool::Pool;
use bufpress_tests::rng::Rng;

const TASKS: usize = 64;
const BUFFERS: usize = 4;
const ACQUISITIONS: usize = 100_000;
const SIZE: usize = 256;
/// The whole test must finish within this (it takes well under a second on 2 cores).
const DEADLINE: Duration = Duration::from_secs(120);

static POOL: Pool<BUFFERS, SIZE> = Pool::new();
/// `OWNER[i]` is 1 + the task that holds buffer `i`, or 0.
static OWNER: [AtomicU32; BUFFERS] = [const { AtomicU32::new(0) }; BUFFERS];
static ACQUIRED: AtomicUsize = AtomicUsize::new(0);
static CANCELLED: AtomicUsize = AtomicUsize::new(0);

async fn task(id: u32, quota: usize) {
    let mut rng = Rng::new(u64::from(id) + 1);
    let mut done = 0;
    while done < quota {
        let buf = if rng.below(16) == 0 {
            // A cancellation: a timeout of 0 to 49 µs around the wait.
            let limit = Duration::from_micros(rng.below(50) as u64);
            match tokio::time::timeout(limit, POOL.acquire()).await {
                Ok(buf) => buf,
                Err(_) => {
                    CANCELLED.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
            }
        } else {
            POOL.acquire().await
        };
        let mut buf = buf;
        let slot = &OWNER[buf.index()];
        assert_eq!(
            slot.swap(id + 1, Ordering::AcqRel),
            0,
            "buffer handed out twice"
        );
        let len = 1 + rng.below(SIZE);
        let tag = (id as u8).wrapping_mul(37).wrapping_add(done as u8);
        for i in 0..len {
            buf.push(tag ^ i as u8).unwrap();
        }
        if rng.below(4) == 0 {
            tokio::task::yield_now().await;
        }
        for (i, &b) in buf.iter().enumerate() {
            assert_eq!(
                b,
                tag ^ i as u8,
                "task {id}: another holder wrote into its buffer"
            );
        }
        assert_eq!(slot.swap(0, Ordering::AcqRel), id + 1);
        drop(buf);
        ACQUIRED.fetch_add(1, Ordering::Relaxed);
        done += 1;
    }
}

#[test]
fn tasks_share_four_buffers_with_cancellations() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_time()
        .build()
        .unwrap();
    let started = Instant::now();
    runtime.block_on(async {
        let quota = ACQUISITIONS.div_ceil(TASKS);
        let handles: Vec<_> = (0..TASKS as u32)
            .map(|id| tokio::spawn(task(id, quota)))
            .collect();
        tokio::time::timeout(DEADLINE, async {
            for handle in handles {
                handle.await.unwrap();
            }
        })
        .await
        .expect("tasks did not finish in time: a lost wake-up or a lost buffer");
    });
    let elapsed = started.elapsed();
    let stats = POOL.stats();
    assert_eq!(
        (stats.available, stats.in_use),
        (BUFFERS, 0),
        "no buffer lost"
    );
    assert!(ACQUIRED.load(Ordering::Relaxed) >= ACQUISITIONS);
    assert!(
        CANCELLED.load(Ordering::Relaxed) > 0,
        "no wait was cancelled"
    );
    assert!(stats.failed_acquires > 0, "tasks never had to wait");
    println!(
        "{} acquisitions, {} cancelled waits, {} waits, in {elapsed:?}",
        ACQUIRED.load(Ordering::Relaxed),
        CANCELLED.load(Ordering::Relaxed),
        stats.failed_acquires
    );
}
